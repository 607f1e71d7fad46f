//! Wire types this crate needs that `steward_ingest::powerplatform::wire` does not define:
//! Power Platform resource-query rows, Graph licences, O365 subscriptions.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One row of `POST /resourcequery/resources/query` (the Power Platform inventory).
/// Projections must keep `name` and `type`; other projected columns land in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRow {
    /// The resource id.
    pub name: String,
    /// `microsoft.powerapps/canvasapps`, `microsoft.copilotstudio/agents`, …
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(rename = "tenantId", default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The resource-query answer: `{"totalRecords","count","resultTruncated","skipToken","data"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ResourceQueryResponse {
    /// A number (0/1) in the docs' sample, a boolean in Azure Resource Graph.
    #[serde(rename = "resultTruncated", default)]
    pub(crate) result_truncated: Value,
    #[serde(rename = "skipToken", alias = "$skipToken", default)]
    pub(crate) skip_token: Option<String>,
    pub(crate) data: Vec<ResourceRow>,
}

impl ResourceQueryResponse {
    pub(crate) fn truncated(&self) -> bool {
        match &self.result_truncated {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_u64().is_some_and(|n| n != 0),
            Value::String(s) => s.eq_ignore_ascii_case("true") || s == "1",
            _ => false,
        }
    }
}

/// `GET /v1.0/subscribedSkus`: one licence SKU the tenant owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    pub id: String,
    pub sku_id: String,
    #[serde(default)]
    pub sku_part_number: Option<String>,
    #[serde(default)]
    pub applies_to: Option<String>,
    #[serde(default)]
    pub capability_status: Option<String>,
    #[serde(default)]
    pub consumed_units: i64,
    #[serde(default)]
    pub prepaid_units: Option<PrepaidUnits>,
    #[serde(default)]
    pub service_plans: Vec<ServicePlan>,
    #[serde(default)]
    pub subscription_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepaidUnits {
    #[serde(default)]
    pub enabled: i64,
    #[serde(default)]
    pub locked_out: i64,
    #[serde(default)]
    pub suspended: i64,
    #[serde(default)]
    pub warning: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlan {
    pub service_plan_id: String,
    #[serde(default)]
    pub service_plan_name: Option<String>,
    #[serde(default)]
    pub provisioning_status: Option<String>,
    #[serde(default)]
    pub applies_to: Option<String>,
}

/// `GET /v1.0/users/{id}/licenseDetails`: one licence a user holds (direct or via a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseDetail {
    pub id: String,
    pub sku_id: String,
    #[serde(default)]
    pub sku_part_number: Option<String>,
    #[serde(default)]
    pub service_plans: Vec<ServicePlan>,
}

/// An Office 365 Management Activity subscription (`/subscriptions/list`, `/subscriptions/start`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub content_type: String,
    /// `enabled` or `disabled`; absent on entries never started.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub webhook: Option<Webhook>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub auth_id: Option<String>,
    #[serde(default)]
    pub expiration: Option<String>,
}
