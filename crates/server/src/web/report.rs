//! The governance board report: `GET /reports/board` shows it inside the site layout,
//! `GET /api/v1/reports/board` answers the same report as JSON. Both take `?period=YYYY-MM`
//! (default: the last complete month) and `?tenant=ID`.
//!
//! The page embeds the report crate's own HTML, so the page, the file `steward report board`
//! writes and the JSON can never disagree.
//!
//! Makers get the same report with only their own resources named: the lists of resources
//! (most used, success candidates, leavers' resources) keep the maker's rows, while totals,
//! trends, counts, new makers and compliance per policy stay as the board sees them.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::scope::Visible;
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::web::{Layout, Section, respond};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use steward_report::{BoardReport, Month, ReportError};

/// `?period=2026-10&tenant=…`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BoardParams {
    pub period: Option<String>,
    pub tenant: Option<String>,
}

#[derive(Template)]
#[template(
    source = r#"{% extends "base.html" %}
{% block content %}
<form class="filters" method="get" action="/reports/board" aria-label="Choose the report">
  <label>Month <input type="month" name="period" value="{{ period }}" required></label>
  <label>Tenant <input type="text" name="tenant" value="{{ tenant }}" placeholder="all tenants"></label>
  <button type="submit">Show</button>
  <a href="{{ json_href }}">JSON</a>
</form>
{{ report|safe }}
{% endblock %}"#,
    ext = "html"
)]
pub struct BoardPage {
    layout: Layout,
    period: String,
    tenant: String,
    json_href: String,
    /// The report crate's HTML fragment: its text was escaped when it was rendered.
    report: String,
}

pub async fn page(State(state): State<AppState>, caller: Caller, Params(p): Params<BoardParams>) -> Response {
    let page = build_page(&state, &caller, &p).await;
    respond(&state, page)
}

async fn build_page(state: &AppState, caller: &Caller, p: &BoardParams) -> Result<BoardPage, ApiError> {
    let report = load(state, caller, p).await?;
    let period = report.period.month.to_string();
    let tenant = report.tenant.as_ref().map(|t| t.id.clone()).unwrap_or_default();
    let json_href = crate::web::links::Href::new("/api/v1/reports/board")
        .param("period", Some(&period))
        .param("tenant", report.tenant.as_ref().map(|t| t.id.as_str()))
        .build();
    let html = steward_report::render_html_fragment(&report)
        .map_err(|e| ApiError::internal("rendering the board report", e))?;
    Ok(BoardPage {
        layout: Layout::new(state, caller, format!("Board report {period}"), Some(Section::Reports)),
        period,
        tenant,
        json_href,
        report: html,
    })
}

/// `GET /api/v1/reports/board`
pub async fn json(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<BoardParams>,
) -> Result<Json<BoardReport>, ApiError> {
    load(&state, &caller, &p).await.map(Json)
}

async fn load(state: &AppState, caller: &Caller, p: &BoardParams) -> Result<BoardReport, ApiError> {
    let report = gather(state, p).await?;
    Ok(narrow(report, &Visible::of(state, caller).await?))
}

/// The report's named resources narrowed to what the caller may see; counts stay whole.
fn narrow(mut report: BoardReport, visible: &Visible) -> BoardReport {
    visible.retain(&mut report.top_by_uses, |t| Some(&t.resource_id));
    visible.retain(&mut report.top_by_users, |t| Some(&t.resource_id));
    visible.retain(&mut report.success_candidates, |c| Some(&c.resource_id));
    visible.retain(&mut report.leavers_resources.items, |l| Some(&l.resource_id));
    report
}

async fn gather(state: &AppState, p: &BoardParams) -> Result<BoardReport, ApiError> {
    let period = match params::text(&p.period) {
        Some(text) => {
            text.parse::<Month>().map_err(|e| ApiError::invalid("period", format!("parameter `period`: {e}")))?
        }
        None => Month::last_complete(chrono::Utc::now().date_naive()),
    };
    let tenant = params::text(&p.tenant);
    let store = state.store.as_ref();
    let report = steward_report::gather(store, period, tenant.as_deref()).await.map_err(report_error)?;
    let titles = rule_titles(store).await;
    let candidates =
        steward_report::success_candidates(store, period, tenant.as_deref(), &titles).await.map_err(report_error)?;
    let report = report.with_success(candidates);
    // No recorded compliance run yet: the report keeps saying policies are not configured.
    Ok(match steward_report::compliance(store, tenant.as_deref()).await.map_err(report_error)? {
        Some(compliance) => report.with_compliance(compliance),
        None => report,
    })
}

fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::UnknownTenant { id, .. } => ApiError::NotFound { what: "tenant", plural: "tenants", id },
        ReportError::Store { source, .. } => ApiError::store("gathering the board report", source),
        other => ApiError::internal("gathering the board report", other),
    }
}

/// Titles of the active success rules. A saved rule set that no longer parses must not take
/// the report down: its candidates are then shown by rule id, and the log says why.
async fn rule_titles(store: &dyn steward_store::Store) -> HashMap<String, String> {
    match steward_success::active_rules(store).await {
        Ok(active) => active.rules.rules.into_iter().map(|r| (r.id, r.title)).collect(),
        Err(error) => {
            tracing::warn!(%error, "success rule titles unavailable; candidates show rule ids");
            HashMap::new()
        }
    }
}
