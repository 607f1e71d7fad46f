//! `GET /environments`: every environment with its size, searchable and paginated.

use crate::AppState;
use crate::api::environments::EnvironmentListParams;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::export::{self, Chunk, EXPORT_PAGE};
use crate::params;
use crate::web::links::{self, Href};
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use steward_store::{EnvironmentQuery, EnvironmentSummary};

#[derive(Template)]
#[template(path = "environments.html")]
pub struct EnvironmentsPage {
    layout: Layout,
    tenant: Option<String>,
    q: String,
    rows: Vec<EnvironmentRow>,
    total: String,
    next_href: Option<String>,
    first_href: Option<String>,
    csv_href: String,
}

#[derive(Debug, Clone)]
pub struct EnvironmentRow {
    pub name: String,
    pub id: String,
    pub resources_href: String,
    pub environment_type: String,
    pub region: String,
    pub managed: bool,
    pub dataverse: bool,
    pub resources: String,
    pub state: String,
    pub created: String,
    pub deleted: bool,
}

pub async fn list(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<EnvironmentsPage, ApiError> {
    let p: EnvironmentListParams = params::decode(uri)?;
    let query = p.to_query()?;
    let page = state.store.list_environments(&query).await.map_err(|e| ApiError::store("listing environments", e))?;
    let link = |cursor: Option<&str>| {
        let limit = query.limit.map(|l| l.to_string());
        Href::new(PATH)
            .param("tenant", query.tenant.as_deref())
            .param("q", query.q.as_deref())
            .param("include_deleted", query.include_deleted.then_some("true"))
            .param("limit", limit.as_deref())
            .param("cursor", cursor)
            .build()
    };
    let rows = page
        .items
        .iter()
        .map(|s| {
            let e = &s.environment;
            EnvironmentRow {
                name: e.display_name.clone(),
                id: e.id.clone(),
                resources_href: links::resources_in_environment(&e.id),
                environment_type: format::humanize(e.environment_type.as_str()),
                region: e.region.clone().unwrap_or_else(|| "—".into()),
                managed: e.managed,
                dataverse: e.has_dataverse,
                resources: format::count(s.resource_count),
                state: e.state.clone().unwrap_or_else(|| "—".into()),
                created: format::date(e.created_at),
                deleted: e.deleted_at.is_some(),
            }
        })
        .collect();
    Ok(EnvironmentsPage {
        layout: Layout::new(state, caller, "Environments", Some(Section::Environments)),
        tenant: query.tenant.clone(),
        q: query.q.clone().unwrap_or_default(),
        rows,
        total: format::count(page.total),
        next_href: page.next.as_deref().map(|n| link(Some(n))),
        first_href: query.cursor.as_ref().map(|_| link(None)),
        csv_href: Href::new(CSV_PATH)
            .param("tenant", query.tenant.as_deref())
            .param("q", query.q.as_deref())
            .param("include_deleted", query.include_deleted.then_some("true"))
            .build(),
    })
}

const PATH: &str = "/environments";
const CSV_PATH: &str = "/environments.csv";

/// The columns of the environments CSV, in order.
const CSV_HEADER: &[&str] = &[
    "id",
    "name",
    "tenant_id",
    "type",
    "region",
    "managed",
    "dataverse",
    "dataverse_url",
    "group",
    "business_area",
    "state",
    "resources",
    "created_at",
    "deleted_at",
];

fn csv_record(s: &EnvironmentSummary) -> Vec<String> {
    let e = &s.environment;
    let time = |t: Option<steward_model::Timestamp>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default()
    };
    vec![
        e.id.clone(),
        e.display_name.clone(),
        e.tenant_id.clone(),
        e.environment_type.as_str().to_string(),
        e.region.clone().unwrap_or_default(),
        e.managed.to_string(),
        e.has_dataverse.to_string(),
        e.dataverse_url.clone().unwrap_or_default(),
        e.environment_group.clone().unwrap_or_default(),
        e.business_area.clone().unwrap_or_default(),
        e.state.clone().unwrap_or_default(),
        s.resource_count.to_string(),
        time(e.created_at),
        time(e.deleted_at),
    ]
}

/// `GET /environments.csv`: every environment matching the page's filters.
pub async fn csv(State(state): State<AppState>, uri: Uri) -> Response {
    let export = async {
        let p: EnvironmentListParams = params::decode(&uri)?;
        let start = EnvironmentQuery { cursor: None, limit: Some(EXPORT_PAGE), ..p.to_query()? };
        let store = state.store.clone();
        export::stream("environments", CSV_HEADER, start, move |query: EnvironmentQuery| {
            let store = store.clone();
            async move {
                let page =
                    store.list_environments(&query).await.map_err(|e| ApiError::store("exporting environments", e))?;
                let rows = page.items.iter().map(csv_record).collect();
                Ok(Chunk { rows, next: page.next.map(|next| EnvironmentQuery { cursor: Some(next), ..query }) })
            }
        })
        .await
    };
    match export.await {
        Ok(response) => response,
        Err(error) => crate::web::errors::page(&state, error).into_response(),
    }
}
