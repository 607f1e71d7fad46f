//! `GET /`: headline figures, two charts and the resource table.

use crate::AppState;
use crate::api::resources::ResourceListParams;
use crate::error::ApiError;
use crate::params;
use crate::web::charts::{BarChart, BarInput};
use crate::web::links::{self, Href};
use crate::web::resource_table::{self, ResourceTable};
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use steward_store::Overview;

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    layout: Layout,
    figures: Vec<Figure>,
    by_kind: BarChart,
    top_environments: BarChart,
    table: ResourceTable,
}

/// One headline number.
#[derive(Debug, Clone)]
pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
    /// Figures that call for action are highlighted when non-zero.
    pub alert: bool,
}

pub async fn show(State(state): State<AppState>, uri: Uri) -> Response {
    let page = build(&state, &uri).await;
    respond(&state, page)
}

async fn build(state: &AppState, uri: &Uri) -> Result<OverviewPage, ApiError> {
    let table_params: ResourceListParams = params::decode(uri)?;
    let tenant = params::text(&table_params.tenant);
    let overview =
        state.store.overview(tenant.as_deref()).await.map_err(|e| ApiError::store("computing the overview", e))?;
    let table = resource_table::load(state, &table_params).await?;
    Ok(OverviewPage {
        layout: Layout::new(state, "Overview", Some(Section::Overview)),
        figures: figures(&overview),
        by_kind: BarChart::horizontal("chart-kinds", "Resources by kind", by_kind(&overview, tenant.as_deref())),
        top_environments: BarChart::horizontal(
            "chart-environments",
            "Environments with most resources",
            top_environments(&overview, tenant.as_deref()),
        ),
        table,
    })
}

fn figures(o: &Overview) -> Vec<Figure> {
    let figure = |label, value: u64, hint, alert| Figure { label, value: format::count(value), hint, alert };
    vec![
        figure("Environments", o.environments, "containers with their own data and security", false),
        figure("Resources", o.resources, "apps, flows, agents and more", false),
        figure("Makers", o.makers, "people owning at least one resource", false),
        figure("Principals", o.principals, "users, groups and service principals", false),
        figure("Orphaned", o.orphaned_resources, "resources whose every owner has left", o.orphaned_resources > 0),
        figure("Usage events", o.usage_events, "launches, runs, sessions and edits recorded", false),
        figure("Active users (30 days)", o.active_users_30d, "distinct people using a resource", false),
    ]
}

fn by_kind(o: &Overview, tenant: Option<&str>) -> Vec<BarInput> {
    o.by_kind
        .iter()
        .map(|k| BarInput {
            label: k.kind.label().into(),
            value: k.count,
            href: Some(
                Href::new("/")
                    .param("tenant", tenant)
                    .param("kind", Some(k.kind.as_str()))
                    .fragment("resources")
                    .build(),
            ),
        })
        .collect()
}

fn top_environments(o: &Overview, tenant: Option<&str>) -> Vec<BarInput> {
    o.top_environments
        .iter()
        .take(10)
        .map(|e| BarInput {
            label: e.display_name.clone(),
            value: e.count,
            href: Some(match tenant {
                Some(t) => Href::new("/")
                    .param("tenant", Some(t))
                    .param("environment", Some(&e.id))
                    .fragment("resources")
                    .build(),
                None => links::resources_in_environment(&e.id),
            }),
        })
        .collect()
}
