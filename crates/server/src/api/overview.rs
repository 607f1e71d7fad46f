//! Headline figures for dashboards.

use crate::AppState;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use steward_store::Overview;

/// `?tenant=`: restrict the figures to one tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OverviewParams {
    pub tenant: Option<String>,
}

/// `GET /api/v1/overview`
pub async fn show(
    State(state): State<AppState>,
    Params(p): Params<OverviewParams>,
) -> Result<Json<Overview>, ApiError> {
    let tenant = params::text(&p.tenant);
    let overview = state
        .estate
        .overview(&state.store, tenant.as_deref())
        .await
        .map_err(|e| ApiError::store("computing the overview", e))?;
    Ok(Json(overview))
}
