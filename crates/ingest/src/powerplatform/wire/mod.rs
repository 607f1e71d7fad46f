//! Serde types for the JSON the real Microsoft APIs send, field names exactly as on the wire.
//!
//! Each type declares only the fields Steward uses (unknown fields are ignored, the real APIs
//! keep adding them), plus the few the synthetic generator writes to look like the real thing.
//! Optional fields the real APIs send as explicit `null` serialise as `null`; the rest are
//! left out when absent.
//!
//! Fields marked `skip_deserializing` are written by the generator (so the files look like
//! the real responses) but not read back: normalisation does not use them, and skipping them
//! saves allocations on the import's hot path. Parsed values of such fields are always `None`.

pub mod audit;
pub mod bap;
pub mod dataverse;
pub mod flow;
pub mod graph;
pub mod powerapps;
pub mod time;

use serde::{Deserialize, Serialize};

/// A BAP, Power Apps or Flow list response: `{"value": [...], "nextLink": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage<T> {
    pub value: Vec<T>,
    #[serde(rename = "nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// An OData list response (Dataverse, Graph): `{"@odata.context": ..., "value": [...], "@odata.nextLink": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ODataPage<T> {
    #[serde(rename = "@odata.context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// A principal as BAP and Power Apps describe creators and owners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub email: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub user_principal_name: Option<String>,
}

/// `{"id": "/providers/.../environments/X", "name": "X"}` as apps, flows and connectors name their environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentRef {
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub id: Option<String>,
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub location: Option<String>,
}
