//! What exists: tenants, environments, connectors, data policies and resources.

use crate::{
    ConnectorTier, EnvironmentType, Governance, PolicyEnvironmentScope, ResourceKind, ResourceState, ShareRole,
    ShareTarget, Timestamp,
};
use serde::{Deserialize, Serialize};

/// One organisation's directory (an Entra ID tenant for Power Platform). A deployment may hold several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    /// Primary DNS domain, used to tell internal from external users.
    #[serde(default)]
    pub domain: Option<String>,
}

/// A container of resources with its own data, security and lifecycle (a Power Platform environment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub id: String,
    pub tenant_id: String,
    pub platform: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub environment_type: EnvironmentType,
    /// Geography, e.g. `unitedstates`, `europe`.
    #[serde(default)]
    pub region: Option<String>,
    /// Managed Environments (premium governance bundle) switched on.
    #[serde(default)]
    pub managed: bool,
    /// Has a Dataverse database.
    #[serde(default)]
    pub has_dataverse: bool,
    #[serde(default)]
    pub dataverse_url: Option<String>,
    #[serde(default)]
    pub environment_group: Option<String>,
    /// Business area the CoE assigns (used for cross-charging and reporting).
    #[serde(default)]
    pub business_area: Option<String>,
    /// Runtime state as reported (`Enabled`, `Disabled`, …).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    /// Principal id of the creator when it is a real principal.
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub capacity: Vec<Capacity>,
    #[serde(default)]
    pub addons: Vec<Addon>,
    /// Set when a complete listing proved the environment gone.
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
}

/// Storage consumption of one type (Database, File, Log) in megabytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub capacity_type: String,
    pub actual_mb: f64,
    pub rated_mb: f64,
}

/// Add-on capacity allocated to an environment (app passes, per-flow plans, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addon {
    pub addon_type: String,
    pub allocated: f64,
    pub unit: String,
}

/// A connector (API) that apps and flows call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connector {
    /// Platform id, e.g. `shared_sharepointonline`.
    pub id: String,
    pub tenant_id: String,
    pub platform: String,
    pub display_name: String,
    pub tier: ConnectorTier,
    #[serde(default)]
    pub publisher: Option<String>,
    /// Custom connectors belong to one environment.
    #[serde(default)]
    pub environment_id: Option<String>,
}

/// A data loss prevention (data) policy and the environments it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataPolicy {
    pub id: String,
    pub tenant_id: String,
    pub platform: String,
    pub display_name: String,
    pub scope: PolicyEnvironmentScope,
    /// Environments listed by the policy (included or excluded depending on `scope`).
    #[serde(default)]
    pub environment_ids: Vec<String>,
    /// Classification of connectors not listed in any group (`General`, `Confidential`, `Blocked`).
    #[serde(default)]
    pub default_classification: Option<String>,
    #[serde(default)]
    pub connector_groups: Vec<ConnectorGroup>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
}

impl DataPolicy {
    /// Whether this policy applies to the given environment.
    pub fn covers(&self, environment_id: &str) -> bool {
        let listed = self.environment_ids.iter().any(|e| e == environment_id);
        match self.scope {
            PolicyEnvironmentScope::AllEnvironments => true,
            PolicyEnvironmentScope::ExceptEnvironments => !listed,
            PolicyEnvironmentScope::OnlyEnvironments => listed,
        }
    }
}

/// Connectors a data policy puts in one classification group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorGroup {
    /// `Confidential` (business), `General` (non-business) or `Blocked`.
    pub classification: String,
    pub connector_ids: Vec<String>,
}

/// An owner of a resource. Resources may have several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub principal_id: String,
    pub role: ShareRole,
}

/// One grant of access to a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub target: ShareTarget,
    /// Principal id of the user or group; empty for `everyone`.
    #[serde(default)]
    pub principal_id: String,
    pub role: ShareRole,
}

/// A connector a resource uses, as its connection references say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionReference {
    pub connector_id: String,
    pub display_name: String,
    pub tier: ConnectorTier,
}

/// An app, flow, agent or other low-code artefact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub tenant_id: String,
    pub environment_id: String,
    pub platform: String,
    pub kind: ResourceKind,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: ResourceState,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub modified_at: Option<Timestamp>,
    #[serde(default)]
    pub published_at: Option<Timestamp>,
    /// Principal id of the creator.
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub owners: Vec<Owner>,
    /// Individual grants as far as the platform lists them.
    #[serde(default)]
    pub sharing: Vec<Share>,
    /// Users the resource is shared with, as the platform counts them (may exceed `sharing`).
    #[serde(default)]
    pub shared_users: u32,
    /// Groups the resource is shared with, as the platform counts them.
    #[serde(default)]
    pub shared_groups: u32,
    /// Shared with the whole tenant.
    #[serde(default)]
    pub shared_with_everyone: bool,
    #[serde(default)]
    pub connection_references: Vec<ConnectionReference>,
    /// Solution this resource belongs to, if any.
    #[serde(default)]
    pub solution_id: Option<String>,
    #[serde(default)]
    pub quarantined: bool,
    /// Platform-specific facts kept verbatim (app plan classification, flow trigger, agent channels, …).
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Set when a complete listing of the environment proved the resource gone.
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
}

/// Governance metadata for a resource, kept apart from inventory so that a sync never
/// overwrites what makers and the CoE declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceGovernance {
    pub resource_id: String,
    #[serde(flatten)]
    pub governance: Governance,
}

impl Resource {
    /// The first owner, if any: the person a notification goes to first.
    pub fn primary_owner(&self) -> Option<&str> {
        self.owners.first().map(|o| o.principal_id.as_str())
    }

    /// Whether any connection reference is premium or custom (needs premium licensing).
    pub fn uses_premium(&self) -> bool {
        self.connection_references.iter().any(|c| c.tier != ConnectorTier::Standard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(scope: PolicyEnvironmentScope, envs: &[&str]) -> DataPolicy {
        DataPolicy {
            id: "p".into(),
            tenant_id: "t".into(),
            platform: crate::POWER_PLATFORM.into(),
            display_name: "p".into(),
            scope,
            environment_ids: envs.iter().map(|e| e.to_string()).collect(),
            default_classification: None,
            connector_groups: vec![],
            created_at: None,
            modified_at: None,
        }
    }

    #[test]
    fn policy_scope_decides_coverage() {
        assert!(policy(PolicyEnvironmentScope::AllEnvironments, &[]).covers("a"));
        assert!(!policy(PolicyEnvironmentScope::ExceptEnvironments, &["a"]).covers("a"));
        assert!(policy(PolicyEnvironmentScope::ExceptEnvironments, &["a"]).covers("b"));
        assert!(policy(PolicyEnvironmentScope::OnlyEnvironments, &["a"]).covers("a"));
        assert!(!policy(PolicyEnvironmentScope::OnlyEnvironments, &["a"]).covers("b"));
    }
}
