//! `GET /inventory`: the resource list with every filter, and `GET /inventory.csv`: the same
//! view, every matching row, as CSV.

use crate::AppState;
use crate::api::resources::{self as api, ResourceListParams};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params;
use crate::web::resource_table::{self, ResourceTable};
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "inventory.html")]
pub struct InventoryPage {
    layout: Layout,
    table: ResourceTable,
    /// When the last compliance run wrote the statuses the criticality and compliance columns show.
    status_as_of: Option<String>,
}

/// The page-only parameter: the cursors of the pages before this one.
#[derive(Debug, Default, Deserialize)]
struct Paging {
    back: Option<String>,
}

pub async fn show(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<InventoryPage, ApiError> {
    let p: ResourceListParams = params::decode(uri)?;
    let paging: Paging = params::decode(uri)?;
    let table = resource_table::load(state, caller, &p, paging.back.as_deref()).await?;
    let last_run = state.store.compliance_runs(1).await.map_err(|e| ApiError::store("reading compliance runs", e))?;
    Ok(InventoryPage {
        layout: Layout::new(state, caller, "Inventory", Some(Section::Inventory)),
        table,
        status_as_of: last_run.first().map(|r| format::date_time(Some(r.at))),
    })
}

/// `GET /inventory.csv`: the page's filters and order, every matching row. Errors answer the
/// error page, like the page itself.
pub async fn csv(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let export = async {
        let p: ResourceListParams = params::decode(&uri)?;
        let query = api::query(&state, &caller, &p).await?;
        crate::inventory::export(&state, query).await
    };
    match export.await {
        Ok(response) => response,
        Err(error) => crate::web::errors::page(&state, error).into_response(),
    }
}
