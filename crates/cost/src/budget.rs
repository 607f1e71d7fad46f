//! Consumption against plan: budget, actual and projection per cost centre, the alerts when a
//! budget will be exceeded, the monthly consumption snapshot forecasts are made from, and the
//! forecasts themselves.
//!
//! - A month's budget is the cost centre's budget for that month, else its quarter's budget
//!   split evenly over three months, else its year's over twelve (splits to the cent).
//! - Month-end projection: purchases (licences, people) are monthly and counted whole; metered
//!   usage (capacity, pay-as-you-go) so far is scaled to the whole month while the month runs.
//! - Year-end projection: months already closed as recorded by the snapshot (`cost:<centre>`),
//!   the current month's projection, and the current month's projection for each month left
//!   (and for closed months never recorded).
//! - An alert is raised when a projection reaches `alert_at_percent` of a budget.

use crate::config::CostConfig;
use crate::forecast::{Forecast, forecast};
use crate::lines::Inputs;
use crate::money::split;
use crate::period::Period;
use crate::records::{self, Budget, ConsumptionPoint};
use crate::report::{Chargeback, Placement, chargeback_with};
use crate::{ChargeCategory, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use steward_model::Timestamp;
use steward_store::Store;

steward_model::string_enum!(
    /// Where a cost centre stands against its budget.
    BudgetState, "budget state" {
        NoBudget => "no_budget",
        Within => "within",
        /// The projection reaches the alert threshold.
        AtRisk => "at_risk",
        /// Actual cost already above the budget.
        Over => "over",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetStatus {
    pub cost_centre: String,
    pub name: String,
    pub month: Period,
    pub month_budget: Option<i64>,
    pub month_actual: i64,
    pub month_projected: i64,
    pub year: Period,
    pub year_budget: Option<i64>,
    pub year_to_date: i64,
    pub year_projected: i64,
    pub state: BudgetState,
    pub currency: String,
}

/// A budget that will be (or is) exceeded. What the notify helper sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetAlert {
    pub cost_centre: String,
    pub name: String,
    /// The month or year whose budget is at risk.
    pub period: Period,
    pub budget: i64,
    pub projected: i64,
    pub actual: i64,
    pub currency: String,
    pub message: String,
}

/// The budget of one cost centre for one month, from month, quarter or year budgets.
pub fn month_budget(budgets: &[Budget], centre: &str, month: Period) -> Option<i64> {
    let find = |p: Period| budgets.iter().find(|b| b.cost_centre == centre && b.period == p).map(|b| b.amount);
    if let Some(b) = find(month) {
        return Some(b);
    }
    for whole in [month.quarter(), month.year()] {
        if let Some(b) = find(whole) {
            let months = whole.months();
            let parts = split(b, &vec![1; months.len()]);
            return months.iter().position(|m| *m == month).and_then(|i| parts.get(i).copied());
        }
    }
    None
}

/// The budget of one cost centre for a year: its year budget, else the sum of its months' when
/// every month has one.
pub fn year_budget(budgets: &[Budget], centre: &str, year: Period) -> Option<i64> {
    if let Some(b) = budgets.iter().find(|b| b.cost_centre == centre && b.period == year) {
        return Some(b.amount);
    }
    let months: Vec<Option<i64>> = year.months().into_iter().map(|m| month_budget(budgets, centre, m)).collect();
    // Only a plan for the whole year is a year budget: a Q4 budget says nothing about March.
    months.into_iter().sum()
}

/// Budget statuses for the month containing `today`.
pub async fn budget_status(store: &dyn Store, config: &CostConfig, today: NaiveDate) -> Result<Vec<BudgetStatus>> {
    let inputs = Inputs::load(store, config).await?;
    let placement = Placement::load(store).await?;
    let month = Period::month_of(today);
    let report = chargeback_with(store, config, &inputs, &placement, month).await?;
    status_from(store, config, &report, today).await
}

/// Budget statuses from a month's chargeback already computed.
pub async fn status_from(
    store: &dyn Store,
    config: &CostConfig,
    report: &Chargeback,
    today: NaiveDate,
) -> Result<Vec<BudgetStatus>> {
    let month = Period::month_of(report.period.start);
    let budgets = records::budgets(store).await?;
    let history = records::consumption(store).await?;
    let recorded: HashMap<(String, Period), i64> = history
        .iter()
        .filter_map(|p| p.metric.strip_prefix("cost:").map(|c| ((c.to_string(), p.month), p.quantity.round() as i64)))
        .collect();
    // Share of the month elapsed, for metered usage; a past month is whole, a future one empty.
    let days_in = (month.end - month.start).num_days().max(1);
    let elapsed = if today >= month.end { days_in } else { (today - month.start).num_days() + 1 }.clamp(1, days_in);
    let mut usage: BTreeMap<&str, i64> = BTreeMap::new();
    for a in &report.allocations {
        if report.lines.get(a.line).is_some_and(|l| l.category == ChargeCategory::Usage) {
            *usage.entry(a.cost_centre.as_str()).or_default() += a.billed_cost;
        }
    }
    let year = month.year();
    let mut out = Vec::new();
    for c in &report.centres {
        let actual = c.billed_cost;
        let metered = usage.get(c.cost_centre.as_str()).copied().unwrap_or(0);
        let projected = actual - metered + (metered as i128 * days_in as i128 / elapsed as i128) as i64;
        let mut ytd = 0i64;
        let mut year_projected = 0i64;
        for m in year.months() {
            if m < month {
                let closed = recorded.get(&(c.cost_centre.clone(), m)).copied();
                ytd += closed.unwrap_or(0);
                year_projected += closed.unwrap_or(projected);
            } else if m == month {
                ytd += actual;
                year_projected += projected;
            } else {
                year_projected += projected;
            }
        }
        let mb = month_budget(&budgets, &c.cost_centre, month);
        let yb = year_budget(&budgets, &c.cost_centre, year);
        let reaches = |projection: i64, budget: i64| reaches(projection, budget, config.alert_at_percent);
        let state = match (mb, yb) {
            (None, None) => BudgetState::NoBudget,
            _ if mb.is_some_and(|b| actual > b) || yb.is_some_and(|b| ytd > b) => BudgetState::Over,
            _ if mb.is_some_and(|b| reaches(projected, b)) || yb.is_some_and(|b| reaches(year_projected, b)) => {
                BudgetState::AtRisk
            }
            _ => BudgetState::Within,
        };
        out.push(BudgetStatus {
            cost_centre: c.cost_centre.clone(),
            name: c.name.clone(),
            month,
            month_budget: mb,
            month_actual: actual,
            month_projected: projected,
            year,
            year_budget: yb,
            year_to_date: ytd,
            year_projected,
            state,
            currency: report.currency.clone(),
        });
    }
    Ok(out)
}

/// Whether a projection reaches `percent` of a budget. Nothing projected reaches nothing: a
/// budget of zero (a centre that plans no spending) alerts only once something is projected.
fn reaches(projection: i64, budget: i64, percent: u32) -> bool {
    projection > 0 && projection as i128 * 100 >= budget as i128 * i128::from(percent)
}

/// The alerts in a set of statuses: one per budget (month or year) a projection reaches.
pub fn alerts_from(statuses: &[BudgetStatus], config: &CostConfig) -> Vec<BudgetAlert> {
    let mut out = Vec::new();
    for s in statuses {
        let reaches = |p: i64, b: i64| reaches(p, b, config.alert_at_percent);
        let money = |v: i64| crate::money::display(v, &s.currency);
        if let Some(b) = s.month_budget
            && reaches(s.month_projected, b)
        {
            out.push(BudgetAlert {
                cost_centre: s.cost_centre.clone(),
                name: s.name.clone(),
                period: s.month,
                budget: b,
                projected: s.month_projected,
                actual: s.month_actual,
                currency: s.currency.clone(),
                message: format!(
                    "{}: {} projected for {} against a budget of {} ({} so far)",
                    s.name,
                    money(s.month_projected),
                    s.month,
                    money(b),
                    money(s.month_actual)
                ),
            });
        }
        if let Some(b) = s.year_budget
            && reaches(s.year_projected, b)
        {
            out.push(BudgetAlert {
                cost_centre: s.cost_centre.clone(),
                name: s.name.clone(),
                period: s.year,
                budget: b,
                projected: s.year_projected,
                actual: s.year_to_date,
                currency: s.currency.clone(),
                message: format!(
                    "{}: {} projected for {} against a budget of {} ({} to date)",
                    s.name,
                    money(s.year_projected),
                    s.year,
                    money(b),
                    money(s.year_to_date)
                ),
            });
        }
    }
    out
}

/// The budget alerts as of `today`: what a notification channel sends.
pub async fn current_alerts(store: &dyn Store, config: &CostConfig, today: NaiveDate) -> Result<Vec<BudgetAlert>> {
    Ok(alerts_from(&budget_status(store, config, today).await?, config))
}

/// The consumption of one month as forecasts read it: seats per licence entry
/// (`licence:<entry>`), capacity GB per type (`capacity:<type>`) and billed cost per cost centre
/// (`cost:<centre>`, minor units). From a chargeback of that month.
pub fn consumption_of(report: &Chargeback) -> Vec<ConsumptionPoint> {
    let month = Period::month_of(report.period.start);
    let mut q: BTreeMap<String, f64> = BTreeMap::new();
    for l in &report.lines {
        if l.unit == "GB" {
            let kind = l.entry_id.strip_prefix("dataverse_").unwrap_or(&l.entry_id);
            *q.entry(format!("capacity:{kind}")).or_default() += l.quantity;
        } else if l.service != "CoE team" && l.service != "Makers' time" && l.category == ChargeCategory::Purchase {
            *q.entry(format!("licence:{}", l.entry_id)).or_default() += l.quantity;
        }
    }
    for c in &report.centres {
        q.insert(format!("cost:{}", c.cost_centre), c.billed_cost as f64);
    }
    q.into_iter().map(|(metric, quantity)| ConsumptionPoint { metric, month, quantity }).collect()
}

/// Record the consumption of the month containing `today` (replacing what was recorded for it).
/// Run monthly or more often (the forecasts job does); the last run in a month is what stays.
pub async fn record_month(store: &dyn Store, config: &CostConfig, today: NaiveDate, at: Timestamp) -> Result<u64> {
    let inputs = Inputs::load(store, config).await?;
    let placement = Placement::load(store).await?;
    let report = chargeback_with(store, config, &inputs, &placement, Period::month_of(today)).await?;
    records::put_consumption(store, &consumption_of(&report), at).await
}

/// Forecasts of every recorded licence and capacity metric (and cost per centre) for `horizon` months.
pub async fn consumption_forecasts(store: &dyn Store, horizon: u32) -> Result<Vec<Forecast>> {
    let mut series: BTreeMap<String, Vec<(Period, f64)>> = BTreeMap::new();
    for p in records::consumption(store).await? {
        series.entry(p.metric).or_default().push((p.month, p.quantity));
    }
    Ok(series.iter().map(|(metric, points)| forecast(metric, points, horizon)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(centre: &str, period: &str, amount: i64) -> Budget {
        Budget {
            cost_centre: centre.into(),
            period: period.parse().unwrap_or_else(|e| panic!("{e}")),
            amount,
            currency: "USD".into(),
        }
    }

    #[test]
    fn a_projection_reaches_a_budget_at_the_alert_share_and_nothing_reaches_nothing() {
        assert!(reaches(80, 100, 80) && !reaches(79, 100, 80));
        assert!(reaches(1, 0, 80), "any spending against a zero budget alerts");
        assert!(!reaches(0, 0, 80), "nothing projected against a zero budget is no alert");
        assert!(!reaches(0, 100, 0) && !reaches(-5, 0, 80));
    }

    #[test]
    fn month_budgets_come_from_month_quarter_or_year() {
        let budgets =
            vec![b("fin", "2026-10", 500), b("fin", "2026-Q4", 1000), b("hr", "2026", 1200), b("ops", "2026-Q4", 100)];
        let m = |s: &str| s.parse::<Period>().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(month_budget(&budgets, "fin", m("2026-10")), Some(500));
        assert_eq!(month_budget(&budgets, "fin", m("2026-11")), Some(333));
        assert_eq!(month_budget(&budgets, "hr", m("2026-03")), Some(100));
        assert_eq!(month_budget(&budgets, "ops", m("2026-10")), Some(34), "to the cent: 34 + 33 + 33");
        assert_eq!(month_budget(&budgets, "ops", m("2026-09")), None);
        assert_eq!(year_budget(&budgets, "hr", m("2026")), Some(1200));
        assert_eq!(year_budget(&budgets, "ops", m("2026")), None, "Q4 alone is not a year's plan");
        assert_eq!(year_budget(&budgets, "nobody", m("2026")), None);
    }
}
