//! Makers: the people who own resources, with how many, whether they left, and when their
//! estate last moved. Makers (the role) see only their own row.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::export::{self, Chunk, EXPORT_PAGE};
use crate::params::{self, Params};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_store::inventory::{MakerQuery, MakerSummary};

/// Query parameters of `GET /api/v1/makers`, the makers page and its CSV, as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MakerListParams {
    pub tenant: Option<String>,
    pub q: Option<String>,
    pub department: Option<String>,
    pub leavers_only: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `csv` for every matching maker as CSV.
    pub format: Option<String>,
}

impl MakerListParams {
    pub fn to_query(&self) -> Result<MakerQuery, ApiError> {
        Ok(MakerQuery {
            tenant: params::text(&self.tenant),
            q: params::text(&self.q),
            department: params::text(&self.department),
            leavers_only: params::flag("leavers_only", &self.leavers_only)?,
            principal: None,
            limit: params::limit(&self.limit)?,
            cursor: params::cursor(&self.cursor)?,
        })
    }
}

/// The query for a caller: a maker sees their own row only (none without a principal).
pub fn query(caller: &Caller, p: &MakerListParams) -> Result<MakerQuery, ApiError> {
    let mut query = p.to_query()?;
    if caller.sees_only_own() {
        query.principal = Some(caller.principal_id.clone().unwrap_or_default());
    }
    Ok(query)
}

/// A maker as the API answers it: the principal, counts, and the last activity worked out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MakerView {
    #[serde(flatten)]
    pub maker: MakerSummary,
    /// The later of `last_modified` and `last_used`, as a day.
    pub last_activity: Option<chrono::NaiveDate>,
}

impl From<MakerSummary> for MakerView {
    fn from(maker: MakerSummary) -> Self {
        MakerView { last_activity: maker.last_activity(), maker }
    }
}

/// `GET /api/v1/makers`: a page as JSON, or with `format=csv` every matching maker as CSV.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<MakerListParams>,
) -> Result<Response, ApiError> {
    let csv = crate::api::resources::wants_csv(&p.format)?;
    let query = query(&caller, &p)?;
    if csv {
        return export(&state, query).await;
    }
    let page = state.store.list_makers(&query).await.map_err(|e| ApiError::store("listing makers", e))?;
    let page = steward_model::Page {
        items: page.items.into_iter().map(MakerView::from).collect::<Vec<_>>(),
        total: page.total,
        next: page.next,
    };
    Ok(Json(page).into_response())
}

/// The columns of the makers CSV, in order.
pub const CSV_HEADER: &[&str] = &[
    "id",
    "name",
    "upn",
    "department",
    "job_title",
    "tenant_id",
    "resources",
    "leaver",
    "last_modified",
    "last_used",
    "last_activity",
];

pub fn csv_record(m: &MakerSummary) -> Vec<String> {
    let p = &m.principal;
    vec![
        p.id.clone(),
        p.display_name.clone(),
        p.upn.clone().unwrap_or_default(),
        p.department.clone().unwrap_or_default(),
        p.job_title.clone().unwrap_or_default(),
        p.tenant_id.clone(),
        m.resource_count.to_string(),
        m.leaver.to_string(),
        m.last_modified.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default(),
        m.last_used.map(|d| d.to_string()).unwrap_or_default(),
        m.last_activity().map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// Every maker matching `query` (cursor and limit ignored) as a streamed CSV file.
pub async fn export(state: &AppState, query: MakerQuery) -> Result<Response, ApiError> {
    let start = MakerQuery { cursor: None, limit: Some(EXPORT_PAGE), ..query };
    let state = state.clone();
    export::stream("makers", CSV_HEADER, start, move |query: MakerQuery| {
        let state = state.clone();
        async move {
            let page = state.store.list_makers(&query).await.map_err(|e| ApiError::store("exporting makers", e))?;
            let rows = page.items.iter().map(csv_record).collect();
            Ok(Chunk { rows, next: page.next.map(|next| MakerQuery { cursor: Some(next), ..query }) })
        }
    })
    .await
}
