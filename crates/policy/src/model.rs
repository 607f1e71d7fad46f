//! What a policy is, once loaded: the vocabulary shared by the loader, the evaluator and the store.

use crate::cel::Params;
use crate::facts::Subject;
use serde::{Deserialize, Serialize};
use steward_model::{EnvironmentType, ResourceKind};

/// How binding a policy is (the seeds' Must / Should / Could).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Must,
    Should,
    Could,
}

impl Level {
    /// The spelling used in policy files, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
            Level::Could => "could",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Steward does with a violation. Steward records and recommends; it never changes a
/// tenant on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    Record,
    NotifyOwner,
    Campaign,
    RecommendQuarantine,
}

impl Effect {
    /// The spelling used in policy files, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Record => "record",
            Effect::NotifyOwner => "notify-owner",
            Effect::Campaign => "campaign",
            Effect::RecommendQuarantine => "recommend-quarantine",
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which subjects a policy looks at. An empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<ResourceKind>,
    #[serde(default)]
    pub environments: Vec<String>,
    #[serde(default)]
    pub environment_types: Vec<EnvironmentType>,
    /// Environment groups.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Where a policy was read from, for error messages and `steward policy show`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub line: u32,
}

/// One policy, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub rationale: String,
    pub level: Level,
    pub subject: Subject,
    pub scope: Scope,
    pub params: Params,
    /// CEL; the policy is violated when it is true.
    pub condition: String,
    pub remediation: String,
    pub effect: Effect,
    /// Tracked automatically after every sync (the critical ones).
    pub tracked: bool,
    pub source: Source,
}

/// A named, versioned set of policies (`v3`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySet {
    pub version: String,
    pub policies: Vec<Policy>,
}

impl PolicySet {
    /// The policy with this id.
    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    /// A stable fingerprint of the set's content (see [`crate::load::digest`]).
    pub fn digest(&self) -> String {
        crate::load::digest(self)
    }
}
