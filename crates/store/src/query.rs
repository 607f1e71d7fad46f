//! Typed queries and the summaries stores answer with.

use crate::inventory::{ComplianceState, TierFilter};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use steward_model::{Environment, ImpactLevel, LifecycleStage, ResourceKind};

/// Default and maximum page sizes for every list.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 1000;

/// Clamp a requested page size into `1..=MAX_LIMIT`.
pub fn clamp_limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Order of a resource list. Every order breaks ties by id, so paging is stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceSort {
    /// Display name A to Z (case-insensitive).
    #[default]
    Name,
    /// Newest first.
    CreatedDesc,
    /// Most recently modified first.
    ModifiedDesc,
    /// Most recently used first (the last day of use), never used last.
    LastUsedDesc,
    /// By kind (its snake_case spelling), then display name.
    Kind,
    /// By environment id, then display name: the resources of one environment together.
    Environment,
}

impl ResourceSort {
    /// Every order, for tests and forms.
    pub const ALL: &'static [ResourceSort] = &[
        ResourceSort::Name,
        ResourceSort::CreatedDesc,
        ResourceSort::ModifiedDesc,
        ResourceSort::LastUsedDesc,
        ResourceSort::Kind,
        ResourceSort::Environment,
    ];
}

impl std::str::FromStr for ResourceSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "name" => Ok(ResourceSort::Name),
            "-created" | "created_desc" => Ok(ResourceSort::CreatedDesc),
            "-modified" | "modified_desc" => Ok(ResourceSort::ModifiedDesc),
            "-last_used" | "last_used_desc" => Ok(ResourceSort::LastUsedDesc),
            "kind" => Ok(ResourceSort::Kind),
            "environment" => Ok(ResourceSort::Environment),
            other => Err(format!(
                "unknown sort '{other}'; expected name, -created, -modified, -last_used, kind or environment"
            )),
        }
    }
}

/// Filters for listing resources. All filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceQuery {
    pub tenant: Option<String>,
    pub kind: Option<ResourceKind>,
    pub environment: Option<String>,
    /// Principal id or UPN of any owner.
    pub owner: Option<String>,
    /// Case-insensitive substring of the display name.
    pub q: Option<String>,
    /// Case-insensitive department of any owner (as the directory has the owner).
    #[serde(default)]
    pub department: Option<String>,
    /// Uses this connector (connector id).
    #[serde(default)]
    pub connector: Option<String>,
    /// Uses a premium or custom connector (by the connectors' listed tier), or none.
    #[serde(default)]
    pub tier: Option<TierFilter>,
    /// Criticality as the last compliance run computed it (see [`crate::inventory`]).
    #[serde(default)]
    pub criticality: Option<ImpactLevel>,
    /// Compliance state as of the last run; `not_evaluated` matches resources no run evaluated.
    #[serde(default)]
    pub compliance: Option<ComplianceState>,
    /// The maturity stage of the resource's catalog item (resources without one never match).
    #[serde(default)]
    pub stage: Option<LifecycleStage>,
    /// No use on or after this day (never used included).
    #[serde(default)]
    pub unused_since: Option<NaiveDate>,
    /// At least one use on or after this day.
    #[serde(default)]
    pub used_since: Option<NaiveDate>,
    /// Only resources this principal owns or created: what a maker sees.
    #[serde(default)]
    pub owned_by: Option<String>,
    #[serde(default)]
    pub include_deleted: bool,
    #[serde(default)]
    pub sort: ResourceSort,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Filters for listing environments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentQuery {
    pub tenant: Option<String>,
    /// Case-insensitive substring of the display name.
    pub q: Option<String>,
    #[serde(default)]
    pub include_deleted: bool,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Filters for listing principals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalQuery {
    pub tenant: Option<String>,
    /// Case-insensitive substring of display name or UPN.
    pub q: Option<String>,
    pub department: Option<String>,
    /// Only principals that own at least one resource.
    #[serde(default)]
    pub makers_only: bool,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// An environment with the number of (not deleted) resources in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentSummary {
    #[serde(flatten)]
    pub environment: Environment,
    pub resource_count: u64,
}

/// Headline figures for the overview page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub tenants: u64,
    pub environments: u64,
    pub resources: u64,
    /// Resources per kind, largest first; kinds with none are absent.
    pub by_kind: Vec<KindCount>,
    /// The environments with most resources, largest first (at most 20).
    pub top_environments: Vec<EnvironmentCount>,
    /// Distinct principals owning at least one resource.
    pub makers: u64,
    pub principals: u64,
    /// Resources whose every owner is a leaver (disabled or deleted).
    pub orphaned_resources: u64,
    pub usage_events: u64,
    /// Distinct users with a use (launch, run, session) in the 30 days before the newest event.
    pub active_users_30d: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: ResourceKind,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentCount {
    pub id: String,
    pub display_name: String,
    pub count: u64,
}
