//! Flow admin API: `/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows`.

use super::{EnvironmentRef, time};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_model::Timestamp;

/// One item of the admin flow list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// The flow id (GUID).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub kind: Option<String>,
    pub properties: FlowProperties,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowProperties {
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub api_id: Option<String>,
    pub display_name: String,
    /// `Started`, `Stopped` or `Suspended`.
    pub state: String,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub created_time: Option<Timestamp>,
    #[serde(default, with = "time::iso", skip_serializing_if = "Option::is_none")]
    pub last_modified_time: Option<Timestamp>,
    /// `None` unless suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_suspension_reason: Option<String>,
    pub environment: EnvironmentRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_summary: Option<DefinitionSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<Creator>,
    /// Keyed by connector name; absent in some admin lists.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub connection_references: BTreeMap<String, FlowConnectionReference>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub flow_failure_alert_subscribed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_managed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Creator {
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub tenant_id: Option<String>,
    /// Entra object id of the maker.
    pub object_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub user_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowConnectionReference {
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub connection_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub source: Option<String>,
    /// `/providers/Microsoft.PowerApps/apis/shared_flowpush`
    pub id: String,
    #[serde(default)]
    pub display_name: String,
    /// `Standard`, `Premium`, or `NotSpecified` (custom connectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DefinitionSummary {
    #[serde(default)]
    pub triggers: Vec<TriggerSummary>,
    #[serde(default)]
    pub actions: Vec<ActionSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerSummary {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "kind", default, skip_serializing_if = "Option::is_none")]
    pub trigger_kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionSummary {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub swagger_operation_id: Option<String>,
}
