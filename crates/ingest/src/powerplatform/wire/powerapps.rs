//! Power Apps admin API: apps (`/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps`)
//! and the connector catalogue (`/providers/Microsoft.PowerApps/apis`).

use super::{EnvironmentRef, Identity, time};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_model::Timestamp;

/// One item of the admin app list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// The app id (GUID).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub kind: Option<String>,
    pub properties: AppProperties,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_app_component_library: Option<bool>,
    /// `ClassicCanvasApp`, `CustomCanvasPage`, `ModelDrivenApp` (inferred), `CodeApp` (inferred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProperties {
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub app_version: Option<String>,
    /// `Published` or `Draft`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub life_cycle_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub last_modified_by: Option<Identity>,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<Timestamp>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub last_publish_time: Option<Timestamp>,
    #[serde(default)]
    pub shared_groups_count: u32,
    #[serde(default)]
    pub shared_users_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub app_open_uri: Option<String>,
    /// Keyed by a connection id.
    #[serde(default)]
    pub connection_references: BTreeMap<String, AppConnectionReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_featured_app: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hero_app: Option<bool>,
    pub environment: EnvironmentRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alm_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_plan_classification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_premium_api: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_custom_api: Option<bool>,
    /// Quarantine shows as a temporarily disabled app (inferred from the admin key list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_restrictions: Option<ExecutionRestrictions>,
    /// Present when the list was requested with `$expand=permissions` (inferred shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<Permission>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppConnectionReference {
    /// `/providers/microsoft.powerapps/apis/shared_office365users`
    pub id: String,
    #[serde(default)]
    pub display_name: String,
    /// `Standard` or `Premium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_tier: Option<String>,
    #[serde(default)]
    pub is_custom_api_connection: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRestrictions {
    #[serde(default)]
    pub is_temporarily_disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permission {
    pub properties: PermissionProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionProperties {
    /// `Owner`, `CanEdit`, `CanView`.
    pub role_name: String,
    pub principal: PermissionPrincipal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionPrincipal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `User`, `Group` or `Tenant` (shared with everyone).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

// ---- connectors ------------------------------------------------------------------------------

/// One item of `/providers/Microsoft.PowerApps/apis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Api {
    /// `shared_sharepointonline`, or `shared_{slug}-5f…` for a custom connector.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub properties: ApiProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiProperties {
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_environment: Option<String>,
    #[serde(default)]
    pub is_custom_api: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Identity>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub changed_time: Option<Timestamp>,
    /// Custom connectors belong to one environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    /// `Standard`, `Premium` (custom connectors say `Standard` but need premium licences).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
}
