//! Environments: the containers resources live in.

use crate::AppState;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use steward_model::{Environment, Page};
use steward_store::{EnvironmentQuery, EnvironmentSummary};

/// Query parameters of `GET /api/v1/environments` and the environments page, as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnvironmentListParams {
    pub tenant: Option<String>,
    pub q: Option<String>,
    pub include_deleted: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl EnvironmentListParams {
    pub fn to_query(&self) -> Result<EnvironmentQuery, ApiError> {
        Ok(EnvironmentQuery {
            tenant: params::text(&self.tenant),
            q: params::text(&self.q),
            include_deleted: params::flag("include_deleted", &self.include_deleted)?,
            limit: params::limit(&self.limit)?,
            cursor: params::cursor(&self.cursor)?,
        })
    }
}

/// `GET /api/v1/environments`
pub async fn list(
    State(state): State<AppState>,
    Params(p): Params<EnvironmentListParams>,
) -> Result<Json<Page<EnvironmentSummary>>, ApiError> {
    let query = p.to_query()?;
    let page = state.store.list_environments(&query).await.map_err(|e| ApiError::store("listing environments", e))?;
    Ok(Json(page))
}

/// `GET /api/v1/environments/{id}`
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Environment>, ApiError> {
    find(&state, &id).await.map(Json)
}

/// One environment or a not-found error that says where to look.
pub async fn find(state: &AppState, id: &str) -> Result<Environment, ApiError> {
    state
        .store
        .get_environment(id)
        .await
        .map_err(|e| ApiError::store("reading an environment", e))?
        .ok_or_else(|| ApiError::NotFound { what: "environment", plural: "/api/v1/environments", id: id.into() })
}
