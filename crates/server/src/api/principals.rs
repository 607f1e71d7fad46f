//! Principals: users, groups and service principals from the directory.

use crate::AppState;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use steward_model::{Page, Principal};
use steward_store::PrincipalQuery;

/// Query parameters of `GET /api/v1/principals`, as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PrincipalListParams {
    pub tenant: Option<String>,
    pub q: Option<String>,
    pub department: Option<String>,
    pub makers_only: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl PrincipalListParams {
    pub fn to_query(&self) -> Result<PrincipalQuery, ApiError> {
        Ok(PrincipalQuery {
            tenant: params::text(&self.tenant),
            q: params::text(&self.q),
            department: params::text(&self.department),
            makers_only: params::flag("makers_only", &self.makers_only)?,
            limit: params::limit(&self.limit)?,
            cursor: params::cursor(&self.cursor)?,
        })
    }
}

/// `GET /api/v1/principals`
pub async fn list(
    State(state): State<AppState>,
    Params(p): Params<PrincipalListParams>,
) -> Result<Json<Page<Principal>>, ApiError> {
    let query = p.to_query()?;
    let page = state.store.list_principals(&query).await.map_err(|e| ApiError::store("listing principals", e))?;
    Ok(Json(page))
}
