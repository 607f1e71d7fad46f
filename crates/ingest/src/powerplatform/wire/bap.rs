//! BAP admin API: environments (`/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`)
//! and DLP v2 policies (`/providers/PowerPlatform.Governance/v2/policies`).

use super::{Identity, time};
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

/// One item of the BAP admin environment list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub id: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Geography, e.g. `unitedstates`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The environment id (a GUID, or `Default-{tenant id}` for the default environment).
    pub name: String,
    pub properties: EnvironmentProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_region: Option<String>,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_environment_group: Option<IdRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Identity>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_type: Option<String>,
    /// `Default`, `Production`, `Sandbox`, `Trial`, `Developer`, `Teams`, …
    #[serde(default)]
    pub environment_sku: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity: Vec<Capacity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addons: Vec<Addon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_type: Option<String>,
    /// `null` when the environment has no Dataverse database.
    #[serde(default)]
    pub linked_environment_metadata: Option<LinkedEnvironmentMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<States>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governance_configuration: Option<GovernanceConfiguration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdRef {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    pub capacity_type: String,
    #[serde(default)]
    pub actual_consumption: f64,
    #[serde(default)]
    pub rated_consumption: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Addon {
    pub addon_type: String,
    #[serde(default)]
    pub allocated: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon_unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedEnvironmentMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_language: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_sku: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct States {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management: Option<StateId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<StateId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateId {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernanceConfiguration {
    /// `Standard` for a Managed Environment, `Basic` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection_level: Option<String>,
}

// ---- DLP v2 policies -------------------------------------------------------------------------

/// `GET .../PowerPlatform.Governance/v2/policies` answers `{"value": [PolicyEnvelope…]}`;
/// `GET .../v2/policies/{name}` answers one `PolicyEnvelope` with `connectorGroups` filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyList {
    pub value: Vec<PolicyEnvelope>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyEnvelope {
    pub policy_definition: PolicyDefinition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDefinition {
    pub name: String,
    pub display_name: String,
    /// `General`, `Confidential` or `Blocked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_connectors_classification: Option<String>,
    /// Only in the single-policy response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_groups: Option<Vec<ConnectorGroup>>,
    /// `AllEnvironments`, `ExceptEnvironments` or `OnlyEnvironments`.
    pub environment_type: String,
    #[serde(default)]
    pub environments: Vec<PolicyEnvironment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<DisplayNameOnly>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_by: Option<DisplayNameOnly>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_legacy_schema_version: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayNameOnly {
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyEnvironment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorGroup {
    pub classification: String,
    #[serde(default)]
    pub connectors: Vec<PolicyConnector>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyConnector {
    /// `/providers/Microsoft.PowerApps/apis/shared_office365users`
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}
