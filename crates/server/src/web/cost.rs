//! `/costs` (issue #7): showback/chargeback per cost centre for a period with budget, actual
//! and projection, the budget alerts, unused licences as savings, and consumption forecasts for
//! 3 and 12 months. Figures come from the API's functions ([`crate::api::cost`]).

use crate::AppState;
use crate::api::cost as api;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::web::{Layout, Section, respond};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use steward_cost::budget::BudgetState;
use steward_cost::money::display;

pub fn routes() -> Routes {
    Routes::new().get("/costs", Access::Read, page)
}

pub struct CentreRow {
    pub name: String,
    pub billed: String,
    pub list: String,
    pub services: String,
    pub month_budget: String,
    pub projected: String,
    pub year_budget: String,
    pub year_projected: String,
    pub state: String,
    pub state_label: String,
    pub state_class: &'static str,
}

pub struct SavingRow {
    pub who: String,
    pub licence: String,
    pub amount: String,
    pub reason: String,
}

pub struct ForecastRow {
    pub metric: String,
    pub method: String,
    pub in3: String,
    pub in12: String,
}

#[derive(Template)]
#[template(path = "costs.html")]
pub struct CostsPage {
    layout: Layout,
    period: String,
    is_month: bool,
    total: String,
    list_total: String,
    centres: Vec<CentreRow>,
    alerts: Vec<String>,
    savings: Vec<SavingRow>,
    savings_total: String,
    savings_incomplete: bool,
    forecasts: Vec<ForecastRow>,
    unpriced: String,
    csv_href: String,
    json_href: String,
}

async fn page(State(state): State<AppState>, caller: Caller, Query(params): Query<api::ReportParams>) -> Response {
    let built = build(&state, &caller, params).await;
    respond(&state, built)
}

async fn build(state: &AppState, caller: &Caller, params: api::ReportParams) -> Result<CostsPage, ApiError> {
    let scope = api::Scope::of(state, caller).await?;
    let period = api::period(params.period.as_deref())?;
    let cfg = &state.value.cost;
    let report = scope.narrow(api::chargeback(state, period).await?);
    let cur = report.currency.clone();
    let money = |v: i64| display(v, &cur);
    let opt = |v: Option<i64>| v.map_or_else(|| "—".to_string(), |v| display(v, &cur));
    // Budgets are monthly and yearly: shown for the month asked for (or the period's last month).
    let as_of = if period.is_month() {
        let today = chrono::Utc::now().date_naive();
        if today >= period.start && today < period.end { today } else { period.end.pred_opt().unwrap_or(period.start) }
    } else {
        period.end.pred_opt().unwrap_or(period.start)
    };
    let budgets = if scope.all() {
        api::budgets(state, as_of).await?
    } else {
        api::Budgets { statuses: Vec::new(), alerts: Vec::new() }
    };
    let centres = report
        .centres
        .iter()
        .map(|c| {
            let status = budgets.statuses.iter().find(|s| s.cost_centre == c.cost_centre);
            CentreRow {
                name: c.name.clone(),
                billed: money(c.billed_cost),
                list: money(c.list_cost),
                services: c
                    .by_service
                    .iter()
                    .map(|(s, v)| format!("{s} {}", money(*v)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                month_budget: opt(status.and_then(|s| s.month_budget)),
                projected: opt(status.map(|s| s.month_projected)),
                year_budget: opt(status.and_then(|s| s.year_budget)),
                year_projected: opt(status.map(|s| s.year_projected)),
                state: status.map_or("no_budget".to_string(), |s| s.state.to_string()),
                state_label: status.map_or("No budget", |s| state_label(s.state)).to_string(),
                state_class: status.map_or("badge-muted", |s| state_class(s.state)),
            }
        })
        .collect();
    let unused = scope.narrow_unused(
        steward_cost::unused::unused_licences(state.store.as_ref(), cfg, chrono::Utc::now().date_naive())
            .await
            .map_err(api::error)?,
    );
    let savings = unused
        .items
        .iter()
        .take(50)
        .map(|i| SavingRow {
            who: i.upn.clone().unwrap_or_else(|| i.display_name.clone()),
            licence: i.entry_name.clone(),
            amount: money(i.monthly_amount),
            reason: i.reason.clone(),
        })
        .collect();
    let forecasts = if scope.all() {
        steward_cost::budget::consumption_forecasts(state.store.as_ref(), 12).await.map_err(api::error)?
    } else {
        Vec::new()
    }
    .into_iter()
    .filter(|f| !f.points.is_empty())
    .map(|f| {
        let show = |k: usize| {
            f.points.get(k - 1).map_or_else(String::new, |p| {
                if f.metric.starts_with("cost:") {
                    format!("{} ({} – {})", money(p.value as i64), money(p.low as i64), money(p.high as i64))
                } else {
                    format!("{:.1} ({:.1} – {:.1})", p.value, p.low, p.high)
                }
            })
        };
        ForecastRow { in3: show(3), in12: show(12), metric: metric_label(&f.metric, &report), method: f.method.clone() }
    })
    .collect();
    let enc = crate::web::links::encode(&period.to_string());
    Ok(CostsPage {
        layout: Layout::new(state, caller, format!("Costs — {period}"), Some(Section::Costs)),
        period: period.to_string(),
        is_month: period.is_month(),
        total: money(report.billed_cost),
        list_total: money(report.list_cost),
        centres,
        alerts: budgets.alerts.iter().map(|a| a.message.clone()).collect(),
        savings,
        savings_total: money(unused.monthly_total),
        savings_incomplete: !unused.complete,
        forecasts,
        unpriced: report.unpriced_skus.join(", "),
        csv_href: format!("/api/v1/costs/report?period={enc}&format=csv"),
        json_href: format!("/api/v1/costs/report?period={enc}"),
    })
}

/// What a consumption series measures, in words: `cost:<centre>` by the centre's name,
/// `licence:<entry>` and `capacity:<type>` spelled out (the ids stay in the JSON).
fn metric_label(metric: &str, report: &steward_cost::report::Chargeback) -> String {
    let words = |id: &str| crate::web::format::humanize(&id.replace('_', " "));
    match metric.split_once(':') {
        Some(("cost", centre)) => {
            let name = report.centres.iter().find(|c| c.cost_centre == centre).map_or(centre, |c| c.name.as_str());
            format!("Cost — {name}")
        }
        Some(("licence", entry)) => format!("Licences — {} (seats)", words(entry)),
        Some(("capacity", kind)) => format!("Dataverse {} capacity (GB)", kind.replace('_', " ")),
        _ => metric.to_string(),
    }
}

fn state_label(state: BudgetState) -> &'static str {
    match state {
        BudgetState::NoBudget => "No budget",
        BudgetState::Within => "Within budget",
        BudgetState::AtRisk => "At risk",
        BudgetState::Over => "Over budget",
    }
}

fn state_class(state: BudgetState) -> &'static str {
    match state {
        BudgetState::NoBudget => "badge-muted",
        BudgetState::Within => "badge-ok",
        BudgetState::AtRisk => "badge-warn",
        BudgetState::Over => "badge-bad",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_cost::report::{CentreTotal, Chargeback};

    #[test]
    fn forecast_series_are_named_in_words() {
        let report = Chargeback {
            period: "2026-10".parse().expect("a month"),
            currency: "EUR".into(),
            lines: Vec::new(),
            allocations: Vec::new(),
            centres: vec![CentreTotal {
                cost_centre: "cc-fin".into(),
                name: "Finance".into(),
                billed_cost: 0,
                effective_cost: 0,
                list_cost: 0,
                by_service: Default::default(),
                by_month: Default::default(),
            }],
            billed_cost: 0,
            effective_cost: 0,
            list_cost: 0,
            unpriced_skus: Vec::new(),
        };
        assert_eq!(metric_label("cost:cc-fin", &report), "Cost — Finance");
        assert_eq!(metric_label("cost:cc-gone", &report), "Cost — cc-gone", "an unknown centre keeps its id");
        assert_eq!(metric_label("capacity:database", &report), "Dataverse database capacity (GB)");
        assert!(metric_label("licence:power_apps_per_app", &report).contains("per app (seats)"));
        assert_eq!(metric_label("something", &report), "something");
    }
}
