//! `GET /makers`: the people who own resources, with their department, how many resources,
//! whether they left, and when their estate last moved; `GET /makers.csv`: the same, every row.

use crate::AppState;
use crate::api::makers::{self as api, MakerListParams};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params;
use crate::web::links::Href;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use steward_store::inventory::MakerQuery;

#[derive(Template)]
#[template(path = "makers.html")]
pub struct MakersPage {
    layout: Layout,
    tenant: Option<String>,
    q: String,
    department: String,
    leavers_only: bool,
    own_only: bool,
    rows: Vec<MakerRow>,
    total: String,
    next_href: Option<String>,
    first_href: Option<String>,
    csv_href: String,
}

#[derive(Debug, Clone)]
pub struct MakerRow {
    pub name: String,
    pub upn: String,
    pub department: String,
    pub department_href: Option<String>,
    pub resources: String,
    /// The inventory filtered to this maker's resources.
    pub resources_href: String,
    pub leaver: bool,
    pub last_activity: String,
}

pub async fn list(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

fn link(path: &str, query: &MakerQuery, cursor: Option<&str>) -> String {
    let limit = query.limit.map(|l| l.to_string());
    Href::new(path)
        .param("tenant", query.tenant.as_deref())
        .param("q", query.q.as_deref())
        .param("department", query.department.as_deref())
        .param("leavers_only", query.leavers_only.then_some("true"))
        .param("limit", limit.as_deref())
        .param("cursor", cursor)
        .build()
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<MakersPage, ApiError> {
    let p: MakerListParams = params::decode(uri)?;
    let query = api::query(caller, &p)?;
    let page = state.store.list_makers(&query).await.map_err(|e| ApiError::store("listing makers", e))?;
    let rows = page
        .items
        .iter()
        .map(|m| {
            let p = &m.principal;
            MakerRow {
                name: p.display_name.clone(),
                upn: p.upn.clone().unwrap_or_default(),
                department: p.department.clone().unwrap_or_else(|| "—".into()),
                department_href: p.department.as_deref().map(|d| {
                    Href::new("/makers").param("tenant", query.tenant.as_deref()).param("department", Some(d)).build()
                }),
                resources: format::count(m.resource_count),
                resources_href: Href::new("/inventory")
                    .param("tenant", query.tenant.as_deref())
                    .param("owner", Some(&p.id))
                    .fragment("resources")
                    .build(),
                leaver: m.leaver,
                last_activity: m.last_activity().map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
            }
        })
        .collect();
    Ok(MakersPage {
        layout: Layout::new(state, caller, "Makers", Some(Section::Makers)),
        tenant: query.tenant.clone(),
        q: query.q.clone().unwrap_or_default(),
        department: query.department.clone().unwrap_or_default(),
        leavers_only: query.leavers_only,
        own_only: caller.sees_only_own(),
        rows,
        total: format::count(page.total),
        next_href: page.next.as_deref().map(|n| link("/makers", &query, Some(n))),
        first_href: query.cursor.as_ref().map(|_| link("/makers", &query, None)),
        csv_href: link("/makers.csv", &MakerQuery { limit: None, ..query.clone() }, None),
    })
}

/// `GET /makers.csv`: every maker matching the page's filters.
pub async fn csv(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let export = async {
        let p: MakerListParams = params::decode(&uri)?;
        api::export(&state, api::query(&caller, &p)?).await
    };
    match export.await {
        Ok(response) => response,
        Err(error) => crate::web::errors::page(&state, error).into_response(),
    }
}
