//! Costs under `/api/v1/costs` (issue #7): the chargeback per cost centre (JSON or FOCUS-style
//! CSV), budgets against plan with alerts, consumption forecasts, unused licences and the cost of
//! each resource. Read-only: costs change through imports (`steward cost … import`), which are
//! audited there. The page (`web/cost.rs`) calls the same functions.
//!
//! Cost centre figures name people and every resource, so a maker (who sees only their own
//! resources) gets them narrowed: the cost lines of their own resources and their own licences,
//! their own unused licences, no budgets and no forecasts (those are the organisation's).

use crate::AppState;
use crate::auth::Caller;
use crate::auth::scope::Visible;
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use steward_cost::budget::{self, BudgetAlert, BudgetStatus};
use steward_cost::forecast::Forecast;
use steward_cost::report::{self, Chargeback};
use steward_cost::unused::{self, UnusedReport};
use steward_cost::{CostError, Period, ResourceCost};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/costs/report", Access::Read, get_report)
        .get("/api/v1/costs/budgets", Access::Read, get_budgets)
        .get("/api/v1/costs/forecasts", Access::Read, get_forecasts)
        .get("/api/v1/costs/unused", Access::Read, get_unused)
        .get("/api/v1/costs/resources", Access::Read, get_resources)
}

/// What a caller may see of the costs: everything, or a maker's own resources and licences.
pub struct Scope {
    visible: Visible,
    principal: Option<String>,
}

impl Scope {
    pub async fn of(state: &AppState, caller: &Caller) -> Result<Scope, ApiError> {
        Ok(Scope { visible: Visible::of(state, caller).await?, principal: caller.principal_id.clone() })
    }

    pub fn all(&self) -> bool {
        self.visible.is_all()
    }

    fn allows_line(&self, line: &steward_cost::lines::CostLine) -> bool {
        self.all()
            || line.steward_resource.as_deref().is_some_and(|r| self.visible.allows(r))
            || self.principal.as_deref().is_some_and(|p| p == line.resource_id)
    }

    fn allows_principal(&self, id: &str) -> bool {
        self.all() || self.principal.as_deref().is_some_and(|p| p == id)
    }

    /// The report with only the lines this caller may see, totals recomputed from them.
    pub fn narrow(&self, mut report: Chargeback) -> Chargeback {
        if self.all() {
            return report;
        }
        let keep: Vec<bool> = report.lines.iter().map(|l| self.allows_line(l)).collect();
        let mut index = Vec::with_capacity(keep.len());
        let mut next = 0usize;
        for k in &keep {
            index.push(next);
            if *k {
                next += 1;
            }
        }
        report.allocations.retain(|a| keep.get(a.line).copied().unwrap_or(false));
        for a in &mut report.allocations {
            a.line = index[a.line];
        }
        let mut i = 0;
        report.lines.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        for c in &mut report.centres {
            *c = steward_cost::report::CentreTotal {
                cost_centre: c.cost_centre.clone(),
                name: c.name.clone(),
                ..Default::default()
            };
        }
        for a in &report.allocations {
            let Some(line) = report.lines.get(a.line) else { continue };
            if let Some(c) = report.centres.iter_mut().find(|c| c.cost_centre == a.cost_centre) {
                c.billed_cost += a.billed_cost;
                c.effective_cost += a.effective_cost;
                c.list_cost += a.list_cost;
                *c.by_service.entry(line.service.clone()).or_default() += a.billed_cost;
                *c.by_month.entry(line.month.to_string()).or_default() += a.billed_cost;
            }
        }
        report.centres.retain(|c| c.billed_cost != 0 || c.list_cost != 0);
        report.billed_cost = report.lines.iter().map(|l| l.billed_cost).sum();
        report.effective_cost = report.lines.iter().map(|l| l.effective_cost).sum();
        report.list_cost = report.lines.iter().map(|l| l.list_cost).sum();
        report.unpriced_skus.clear();
        report
    }

    pub fn narrow_unused(&self, mut report: UnusedReport) -> UnusedReport {
        report.items.retain(|i| self.allows_principal(&i.principal_id));
        report.monthly_total = report.items.iter().map(|i| i.monthly_amount).sum();
        report
    }
}

pub fn error(e: CostError) -> ApiError {
    match e {
        CostError::Period(_) => ApiError::InvalidParameter { parameter: "period", message: e.to_string() },
        CostError::Store(s) => ApiError::internal("reading costs", s),
        other => ApiError::internal("computing costs", other),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    /// A month (2026-10), quarter (2026-Q4) or year (2026); default: this month.
    pub period: Option<String>,
    /// `json` (default) or `csv` (FOCUS-style columns).
    pub format: Option<String>,
}

pub fn period(text: Option<&str>) -> Result<Period, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.parse().map_err(error),
        None => Ok(Period::month_of(chrono::Utc::now().date_naive())),
    }
}

pub async fn chargeback(state: &AppState, period: Period) -> Result<Chargeback, ApiError> {
    report::chargeback(state.store.as_ref(), &state.value.cost, period).await.map_err(error)
}

async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let scope = Scope::of(&state, &caller).await?;
    let period = period(params.period.as_deref())?;
    let report = scope.narrow(chargeback(&state, period).await?);
    match params.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => {
            let mut body = Vec::new();
            report::write_focus_csv(&report, &mut body).map_err(error)?;
            let disposition = format!("attachment; filename=\"steward-costs-{period}.csv\"");
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response())
        }
        other => Err(ApiError::InvalidParameter {
            parameter: "format",
            message: format!("format '{other}' is not json or csv"),
        }),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DateParams {
    /// As of this day (YYYY-MM-DD); default: today.
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, serde::Serialize)]
pub struct Budgets {
    pub statuses: Vec<BudgetStatus>,
    pub alerts: Vec<BudgetAlert>,
}

pub async fn budgets(state: &AppState, date: chrono::NaiveDate) -> Result<Budgets, ApiError> {
    let statuses = budget::budget_status(state.store.as_ref(), &state.value.cost, date).await.map_err(error)?;
    let alerts = budget::alerts_from(&statuses, &state.value.cost);
    Ok(Budgets { statuses, alerts })
}

async fn get_budgets(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<DateParams>,
) -> Result<Json<Budgets>, ApiError> {
    if !Scope::of(&state, &caller).await?.all() {
        return Ok(Json(Budgets { statuses: Vec::new(), alerts: Vec::new() }));
    }
    Ok(Json(budgets(&state, params.date.unwrap_or_else(|| chrono::Utc::now().date_naive())).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct ForecastParams {
    /// Months ahead (1–36, default 12).
    pub months: Option<u32>,
}

async fn get_forecasts(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ForecastParams>,
) -> Result<Json<Vec<Forecast>>, ApiError> {
    let months = params.months.unwrap_or(12);
    if !(1..=36).contains(&months) {
        return Err(ApiError::InvalidParameter {
            parameter: "months",
            message: format!("months {months} is not between 1 and 36"),
        });
    }
    if !Scope::of(&state, &caller).await?.all() {
        return Ok(Json(Vec::new()));
    }
    Ok(Json(budget::consumption_forecasts(state.store.as_ref(), months).await.map_err(error)?))
}

async fn get_unused(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<DateParams>,
) -> Result<Json<UnusedReport>, ApiError> {
    let scope = Scope::of(&state, &caller).await?;
    let date = params.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let report = unused::unused_licences(state.store.as_ref(), &state.value.cost, date).await.map_err(error)?;
    Ok(Json(scope.narrow_unused(report)))
}

async fn get_resources(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ReportParams>,
) -> Result<Json<Vec<ResourceCost>>, ApiError> {
    let scope = Scope::of(&state, &caller).await?;
    let period = period(params.period.as_deref())?;
    let mut costs =
        steward_cost::resource_costs(state.store.as_ref(), &state.value.cost, period).await.map_err(error)?;
    costs.retain(|c| scope.visible.allows(&c.resource_id));
    Ok(Json(costs))
}
