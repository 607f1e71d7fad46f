//! Connectors: what resources connect to, with their licensing tier and how many live
//! resources use each. A short list (hundreds), answered whole.

use crate::AppState;
use crate::error::ApiError;
use crate::export;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_model::{ConnectorTier, Page};
use steward_store::inventory::ConnectorSummary;

/// Query parameters of `GET /api/v1/connectors`, the connectors page and its CSV, as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConnectorListParams {
    pub tenant: Option<String>,
    /// Case-insensitive substring of the display name or id.
    pub q: Option<String>,
    pub tier: Option<String>,
    /// `csv` for the list as CSV.
    pub format: Option<String>,
}

/// The connectors matching the parameters, most used first, then by name.
pub async fn load(state: &AppState, p: &ConnectorListParams) -> Result<Vec<ConnectorSummary>, ApiError> {
    let tier = params::one_of::<ConnectorTier>("tier", &p.tier)?;
    let q = params::text(&p.q).map(|q| q.to_lowercase());
    let tenant = params::text(&p.tenant);
    let mut list = state
        .store
        .connector_summaries(tenant.as_deref())
        .await
        .map_err(|e| ApiError::store("listing connectors", e))?;
    list.retain(|s| {
        tier.is_none_or(|t| s.connector.tier == t)
            && q.as_ref().is_none_or(|q| {
                s.connector.display_name.to_lowercase().contains(q) || s.connector.id.to_lowercase().contains(q)
            })
    });
    list.sort_by(|a, b| {
        b.resource_count
            .cmp(&a.resource_count)
            .then_with(|| a.connector.display_name.to_lowercase().cmp(&b.connector.display_name.to_lowercase()))
            .then_with(|| a.connector.id.cmp(&b.connector.id))
    });
    Ok(list)
}

/// `GET /api/v1/connectors`: every matching connector in one page (`next` is always null), or
/// with `format=csv` as CSV.
pub async fn list(State(state): State<AppState>, Params(p): Params<ConnectorListParams>) -> Result<Response, ApiError> {
    let csv = crate::api::resources::wants_csv(&p.format)?;
    let items = load(&state, &p).await?;
    if csv {
        return csv_file(items);
    }
    let total = items.len() as u64;
    Ok(Json(Page { items, total, next: None }).into_response())
}

/// The columns of the connectors CSV, in order.
pub const CSV_HEADER: &[&str] = &["id", "name", "tier", "publisher", "tenant_id", "environment_id", "resources"];

pub fn csv_file(items: Vec<ConnectorSummary>) -> Result<Response, ApiError> {
    let rows = items
        .into_iter()
        .map(|s| {
            let c = s.connector;
            vec![
                c.id,
                c.display_name,
                c.tier.as_str().to_string(),
                c.publisher.unwrap_or_default(),
                c.tenant_id,
                c.environment_id.unwrap_or_default(),
                s.resource_count.to_string(),
            ]
        })
        .collect();
    export::whole("connectors", CSV_HEADER, rows)
}
