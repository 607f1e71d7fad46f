//! `GET /`: headline figures, two charts and the resource table.

use crate::AppState;
use crate::api::resources::ResourceListParams;
use crate::auth::Caller;
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

pub async fn show(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<OverviewPage, ApiError> {
    let table_params: ResourceListParams = params::decode(uri)?;
    let tenant = params::text(&table_params.tenant);
    let overview =
        state.store.overview(tenant.as_deref()).await.map_err(|e| ApiError::store("computing the overview", e))?;
    let table = resource_table::load(state, caller, &table_params).await?;
    Ok(OverviewPage {
        layout: Layout::new(state, caller, "Overview", Some(Section::Overview)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::resource_table::{FilterForm, ResourceRow, SortHeader};
    use steward_store::{EnvironmentCount, KindCount};

    const HOSTILE: &str = "<script>alert(1)</script>";

    fn layout() -> Layout {
        Layout {
            title: "Overview".into(),
            demo: true,
            stylesheet: "/static/steward.css",
            version: "0",
            nav: vec![],
            user: None,
            csrf: String::new(),
        }
    }

    fn page() -> OverviewPage {
        let overview = Overview {
            environments: 1,
            resources: 1234,
            by_kind: vec![KindCount { kind: steward_model::ResourceKind::CanvasApp, count: 1234 }],
            top_environments: vec![EnvironmentCount { id: "e\"1".into(), display_name: HOSTILE.into(), count: 1234 }],
            ..Default::default()
        };
        let header = |href: &str| SortHeader { href: href.into(), aria_sort: "none", active: false };
        let table = ResourceTable {
            filters: FilterForm {
                action: "/",
                tenant: None,
                kinds: vec![],
                environments: vec![],
                sorts: vec![],
                owner: String::new(),
                q: "\"><script>".into(),
                include_deleted: false,
            },
            rows: vec![ResourceRow {
                href: "/resources/r1".into(),
                name: HOSTILE.into(),
                kind: "Canvas app",
                environment: HOSTILE.into(),
                environment_href: "/?environment=e#resources".into(),
                owner: "Alice".into(),
                state: "Active".into(),
                state_class: "badge",
                created: "2025-01-01".into(),
                modified: "2025-01-02".into(),
                deleted: false,
            }],
            total: "1".into(),
            total_is_zero: false,
            next_href: Some("/?kind=a&cursor=b#resources".into()),
            first_href: None,
            clear_href: None,
            sort_name: header("/?sort=name"),
            sort_created: header("/?sort=-created"),
            sort_modified: header("/?sort=-modified"),
        };
        OverviewPage {
            layout: layout(),
            figures: figures(&overview),
            by_kind: BarChart::horizontal("k", "Resources by kind", by_kind(&overview, None)),
            top_environments: BarChart::horizontal("e", "Top", top_environments(&overview, None)),
            table,
        }
    }

    #[test]
    fn outside_text_is_escaped_everywhere_it_appears() {
        let html = page().render().unwrap_or_else(|e| panic!("render failed: {e}"));
        assert!(!html.contains("<script"), "raw script tag in:\n{html}");
        assert!(html.contains("1,234"), "figures are formatted");
        assert!(html.contains("Demo data: synthetic tenant"));
        assert!(html.contains("href=\"/?kind=a&#38;cursor=b#resources\"") || html.contains("&amp;cursor=b"));
        assert!(html.contains("/?environment=e%221#resources"), "ids in chart links are URL-encoded");
    }
}
