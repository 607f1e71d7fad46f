//! What a sync engine needs from a store besides upserts: a durable checkpoint, and deletion
//! that only ever follows positive proof.
//!
//! A *listing* is one complete walk of a source collection (the environments of a tenant, the
//! apps of an environment…). While it runs, every page records the ids it saw in the same
//! transaction as the page's rows and the engine's checkpoint, so a run killed between pages
//! resumes with the ids seen before the kill. Only when the walk reached its last page does the
//! engine call [`crate::IngestTx::complete_listing`], which marks deleted what the listing did not
//! see. A failed or partial walk never reaches that call, so it can never delete anything.

use serde::{Deserialize, Serialize};
use steward_model::ResourceKind;

/// What a completed listing covers: everything in this scope that it did not see is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope")]
pub enum ListingScope {
    /// All environments of a tenant. An environment found gone takes its live resources with it.
    Environments { tenant_id: String },
    /// All users, groups and service principals of a tenant's directory: one gone from it is
    /// a leaver, and the resources it owned are orphaned.
    Principals { tenant_id: String },
    /// The resources of the given kinds in every environment of a tenant (a tenant-wide
    /// listing, such as the Power Platform inventory API's).
    TenantResources { tenant_id: String, kinds: Vec<ResourceKind> },
    /// The resources of the given kinds in one environment (one API listing may return several
    /// kinds, as the Power Apps listing returns canvas and model-driven apps).
    Resources { environment_id: String, kinds: Vec<ResourceKind> },
}

/// What [`crate::IngestTx::complete_listing`] marked deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletions {
    pub environments: u64,
    pub resources: u64,
    #[serde(default)]
    pub principals: u64,
}

impl std::ops::AddAssign for Deletions {
    fn add_assign(&mut self, rhs: Self) {
        self.environments += rhs.environments;
        self.resources += rhs.resources;
        self.principals += rhs.principals;
    }
}
