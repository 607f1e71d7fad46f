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
