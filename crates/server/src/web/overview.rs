//! `GET /`: headline figures, resources by kind and environment, active users week by week,
//! success candidates waiting for review and where compliance stands. Every chart is SVG drawn
//! on the server and every figure links to the inventory view behind it, so the page reads
//! without JavaScript.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::scope::Visible;
use crate::error::ApiError;
use crate::params;
use crate::web::charts::{BarChart, BarInput, ColumnChart, ColumnValue};
use crate::web::links::{self, Href};
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use steward_model::{UsageMetric, UsagePeriod, UsageScope};
use steward_store::governance::ComplianceSummary;
use steward_store::usage::{BriefQuery, PeriodQuery};
use steward_store::{Overview, UsageReads};

/// Weeks the active-users chart covers.
const TREND_WEEKS: u64 = 12;
/// Success candidates listed on the page (the review queue has all).
const CANDIDATES: usize = 8;

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    layout: Layout,
    figures: Vec<Headline>,
    by_kind: BarChart,
    top_environments: BarChart,
    active_users: ColumnChart,
    active_users_caption: String,
    candidates: Vec<CandidateRow>,
    candidates_total: String,
    compliance: ComplianceView,
    inventory_href: String,
}

/// One headline number (the compliance page shows its own with it).
#[derive(Debug, Clone)]
pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
    /// Figures that call for action are highlighted when non-zero.
    pub alert: bool,
}

/// A headline number and the list behind it.
#[derive(Debug, Clone)]
pub struct Headline {
    pub figure: Figure,
    pub href: Option<String>,
}

/// A success detection nobody has reviewed yet.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub name: String,
    pub href: String,
    pub rule: String,
    pub detected: String,
}

/// Live violations now, with links to the resources behind them.
#[derive(Debug, Clone)]
pub struct ComplianceView {
    pub evaluated: bool,
    pub open: String,
    pub exempted: String,
    pub must: String,
    pub should: String,
    pub could: String,
    pub subjects_with_open_must: String,
    pub must_href: String,
    pub should_href: String,
    pub could_href: String,
    /// The policies with most open violations, at most five.
    pub top_policies: Vec<(String, String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct OverviewParams {
    tenant: Option<String>,
}

pub async fn show(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<OverviewPage, ApiError> {
    let p: OverviewParams = params::decode(uri)?;
    let tenant = params::text(&p.tenant);
    let tenant = tenant.as_deref();
    let overview =
        state.estate.overview(&state.store, tenant).await.map_err(|e| ApiError::store("computing the overview", e))?;
    let summary = state
        .estate
        .compliance_summary(&state.store, tenant)
        .await
        .map_err(|e| ApiError::store("summarising compliance", e))?;
    let runs = state.store.compliance_runs(1).await.map_err(|e| ApiError::store("reading compliance runs", e))?;
    let (active_users, active_users_caption) = active_users(state, tenant).await?;
    let (candidates, candidates_total) = candidates(state, caller, tenant).await?;
    Ok(OverviewPage {
        layout: Layout::new(state, caller, "Overview", Some(Section::Overview)),
        figures: figures(&overview, tenant),
        by_kind: BarChart::horizontal("chart-kinds", "Resources by kind", by_kind(&overview, tenant)),
        top_environments: BarChart::horizontal(
            "chart-environments",
            "Environments with most resources",
            top_environments(&overview, tenant),
        ),
        active_users,
        active_users_caption,
        candidates,
        candidates_total: format::count(candidates_total as u64),
        compliance: compliance_view(&summary, !runs.is_empty(), tenant),
        inventory_href: inventory(tenant).fragment("resources").build(),
    })
}

/// The inventory, of the tenant when one is chosen.
fn inventory(tenant: Option<&str>) -> Href {
    Href::new("/inventory").param("tenant", tenant)
}

fn figures(o: &Overview, tenant: Option<&str>) -> Vec<Headline> {
    let figure = |label, value: u64, hint, alert, href: Option<String>| Headline {
        figure: Figure { label, value: format::count(value), hint, alert },
        href,
    };
    let makers = Href::new("/makers").param("tenant", tenant).build();
    let environments = Href::new("/environments").param("tenant", tenant).build();
    vec![
        figure(
            "Environments",
            o.environments,
            "containers with their own data and security",
            false,
            Some(environments),
        ),
        figure("Resources", o.resources, "apps, flows, agents and more", false, Some(inventory(tenant).build())),
        figure("Makers", o.makers, "people owning at least one resource", false, Some(makers.clone())),
        figure("Principals", o.principals, "users, groups and service principals", false, None),
        figure(
            "Orphaned",
            o.orphaned_resources,
            "resources whose every owner has left",
            o.orphaned_resources > 0,
            Some(Href::new("/makers").param("tenant", tenant).param("leavers_only", Some("true")).build()),
        ),
        figure("Usage events", o.usage_events, "launches, runs, sessions and edits recorded", false, None),
        figure("Active users (30 days)", o.active_users_30d, "distinct people using a resource", false, None),
    ]
}

fn by_kind(o: &Overview, tenant: Option<&str>) -> Vec<BarInput> {
    o.by_kind
        .iter()
        .map(|k| BarInput {
            label: k.kind.label().into(),
            value: k.count,
            href: Some(inventory(tenant).param("kind", Some(k.kind.as_str())).fragment("resources").build()),
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
                Some(t) => inventory(Some(t)).param("environment", Some(&e.id)).fragment("resources").build(),
                None => links::resources_in_environment(&e.id),
            }),
        })
        .collect()
}

/// Weekly active users over the last weeks of usage data (distinct users of each ISO week).
async fn active_users(state: &AppState, tenant: Option<&str>) -> Result<(ColumnChart, String), ApiError> {
    let status = state
        .estate
        .usage_status(&state.store, tenant)
        .await
        .map_err(|e| ApiError::store("reading the usage status", e))?;
    let Some(last) = status.last_day else {
        let chart = ColumnChart::series("chart-active-users", "Weekly active users", String::new(), &[]);
        return Ok((chart, "no usage recorded yet".into()));
    };
    let from = UsagePeriod::Week.start_of(last.checked_sub_days(Days::new(7 * (TREND_WEEKS - 1))).unwrap_or(last));
    let rows = state
        .store
        .period_usage(&PeriodQuery {
            tenant_id: tenant.map(str::to_string),
            scope: UsageScope::Tenant,
            scope_id: None,
            period: UsagePeriod::Week,
            metric: UsageMetric::Use,
            from,
            to: last,
        })
        .await
        .map_err(|e| ApiError::store("reading weekly active users", e))?;
    // Tenants have their own users, so their weekly counts add up.
    let mut weeks: BTreeMap<NaiveDate, u64> = from.iter_weeks().take_while(|w| *w <= last).map(|w| (w, 0)).collect();
    for r in rows {
        *weeks.entry(r.start).or_default() += r.users;
    }
    let values: Vec<ColumnValue> = weeks
        .iter()
        .map(|(week, users)| ColumnValue {
            label: week.format("%d %b").to_string(),
            value: *users,
            tooltip: format!("week of {week}: {} active users", format::count(*users)),
        })
        .collect();
    let peak = values.iter().map(|v| v.value).max().unwrap_or(0);
    let description =
        format!("{} weeks up to {last}, at most {} active users in one week", values.len(), format::count(peak));
    let chart = ColumnChart::series("chart-active-users", "Weekly active users", description, &values);
    Ok((chart, format!("distinct users per week, up to {last}")))
}

/// Success candidates still `new` and firing, newest first, with their resource names; a
/// maker's are those of their own resources.
async fn candidates(
    state: &AppState,
    caller: &Caller,
    tenant: Option<&str>,
) -> Result<(Vec<CandidateRow>, usize), ApiError> {
    let mut found = state
        .estate
        .candidates(&state.store, tenant)
        .await
        .map_err(|e| ApiError::store("listing success candidates", e))?;
    Visible::of(state, caller).await?.retain(&mut found, |d| Some(&d.resource_id));
    let total = found.len();
    found.sort_by(|a, b| b.last_detected_at.cmp(&a.last_detected_at).then(a.id.cmp(&b.id)));
    found.truncate(CANDIDATES);
    let ids: Vec<String> = found.iter().map(|d| d.resource_id.clone()).collect();
    let names: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        state
            .store
            .resource_briefs(&BriefQuery { ids: Some(ids), include_deleted: true, ..Default::default() })
            .await
            .map_err(|e| ApiError::store("reading candidate names", e))?
            .into_iter()
            .map(|b| (b.id, b.display_name))
            .collect()
    };
    let rows = found
        .iter()
        .map(|d| CandidateRow {
            name: names.get(&d.resource_id).cloned().unwrap_or_else(|| d.resource_id.clone()),
            href: links::resource(&d.resource_id),
            rule: d.rule_id.clone(),
            detected: format::date(Some(d.first_detected_at)),
        })
        .collect();
    Ok((rows, total))
}

fn compliance_view(s: &ComplianceSummary, evaluated: bool, tenant: Option<&str>) -> ComplianceView {
    let state = |state: &str| inventory(tenant).param("compliance", Some(state)).fragment("resources").build();
    ComplianceView {
        evaluated,
        open: format::count(s.open),
        exempted: format::count(s.exempted),
        must: format::count(s.open_by_level.must),
        should: format::count(s.open_by_level.should),
        could: format::count(s.open_by_level.could),
        subjects_with_open_must: format::count(s.subjects_with_open_must),
        must_href: state("violating_must"),
        should_href: state("violating_should"),
        could_href: state("violating_could"),
        top_policies: s
            .by_policy
            .iter()
            .filter(|p| p.open > 0)
            .take(5)
            .map(|p| {
                let href = Href::new("/compliance").param("policy", Some(&p.policy_id)).fragment("violations").build();
                (p.policy_id.clone(), format::count(p.open), href)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_store::{EnvironmentCount, KindCount};

    const HOSTILE: &str = "<script>alert(1)</script>";

    /// The demo layout, built the way pages build it (so the test does not follow its fields).
    fn layout() -> Layout {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temp dir: {e}"));
        let path = dir.path().join("layout.db");
        let store = steward_store_sqlite::SqliteStore::open(&path.to_string_lossy())
            .unwrap_or_else(|e| panic!("open a store: {e}"));
        Layout::public(&AppState::new(std::sync::Arc::new(store), true), "Overview")
    }

    fn page() -> OverviewPage {
        let overview = Overview {
            environments: 1,
            resources: 1234,
            by_kind: vec![KindCount { kind: steward_model::ResourceKind::CanvasApp, count: 1234 }],
            top_environments: vec![EnvironmentCount { id: "e\"1".into(), display_name: HOSTILE.into(), count: 1234 }],
            ..Default::default()
        };
        let values = [ColumnValue { label: "01 Nov".into(), value: 7, tooltip: HOSTILE.into() }];
        OverviewPage {
            layout: layout(),
            figures: figures(&overview, None),
            by_kind: BarChart::horizontal("k", "Resources by kind", by_kind(&overview, None)),
            top_environments: BarChart::horizontal("e", "Top", top_environments(&overview, None)),
            active_users: ColumnChart::series("u", "Weekly active users", HOSTILE.into(), &values),
            active_users_caption: "up to today".into(),
            candidates: vec![CandidateRow {
                name: HOSTILE.into(),
                href: "/resources/r1".into(),
                rule: HOSTILE.into(),
                detected: "2026-11-01".into(),
            }],
            candidates_total: "1".into(),
            compliance: compliance_view(&ComplianceSummary::default(), true, None),
            inventory_href: "/inventory#resources".into(),
        }
    }

    #[test]
    fn outside_text_is_escaped_everywhere_it_appears() {
        let html = page().render().unwrap_or_else(|e| panic!("render failed: {e}"));
        assert!(!html.contains("<script"), "raw script tag in:\n{html}");
        assert!(html.contains("1,234"), "figures are formatted");
        assert!(html.contains("Demo data: synthetic tenant"));
        assert!(html.contains("/inventory?environment=e%221#resources"), "ids in chart links are URL-encoded");
        assert!(html.contains("/inventory?compliance=violating_must#resources"), "compliance links to the inventory");
    }
}
