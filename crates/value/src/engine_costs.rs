//! The cost engine (`steward-cost`) as a [`CostSource`]: each resource's cost for the period,
//! with the parts it was made of as its explanation.
//!
//! The engine's costs are monthly. A value period may be any range of days, so the months it
//! touches are costed whole and each month's part is prorated by the days of the period that
//! fall in that month (`× 15/31 days`). A month, quarter or year covers its months whole, so its
//! cost is the engine's to the cent.

use crate::money::{format_money, mul_div};
use crate::period::ValuePeriod;
use crate::roi::{CostFigure, CostSource};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use steward_cost::{CostConfig, Period, ResourceCost};
use steward_store::Store;

pub struct EngineCosts {
    pub store: Arc<dyn Store>,
    pub config: CostConfig,
}

/// The whole months a value period touches: from the first day of its first month to the end
/// of its last month.
pub fn covering_months(period: &ValuePeriod) -> Period {
    Period { start: Period::month_of(period.from).start, end: Period::month_of(period.to).end }
}

/// Days of `period` (both ends included) that fall in `month` (`[start, end)`).
fn overlap_days(period: &ValuePeriod, month: Period) -> i64 {
    let from = period.from.max(month.start);
    let last_of_month = month.end.pred_opt().unwrap_or(month.start);
    let to = period.to.min(last_of_month);
    if to < from { 0 } else { (to - from).num_days() + 1 }
}

fn days_in(month: Period) -> i64 {
    (month.end - month.start).num_days().max(1)
}

/// Each resource's cost for `period` from the engine's monthly costs over the covering months:
/// each month's cost × (days of the period in that month ÷ days of the month), rounded half
/// away from zero to the cent once per month, the months summed.
pub fn prorate(costs: Vec<ResourceCost>, period: &ValuePeriod) -> BTreeMap<String, CostFigure> {
    let mut out = BTreeMap::new();
    for c in costs {
        let mut by_month: BTreeMap<Period, (i64, Vec<String>)> = BTreeMap::new();
        for p in &c.parts {
            let slot = by_month.entry(p.month).or_default();
            slot.0 = slot.0.saturating_add(p.amount);
            slot.1.push(format!(
                "{} {}: {} ({})",
                p.month,
                p.entry_id,
                format_money(p.amount, &c.currency),
                p.derivation
            ));
        }
        let mut amount = 0i64;
        let mut explained = Vec::new();
        for (month, (total, parts)) in by_month {
            let (days, of) = (overlap_days(period, month), days_in(month));
            let share = mul_div(i128::from(total), i128::from(days), i128::from(of));
            amount = amount.saturating_add(share);
            explained.extend(parts);
            if days != of {
                explained.push(format!(
                    "{month} prorated: {} × {days}/{of} days = {}",
                    format_money(total, &c.currency),
                    format_money(share, &c.currency)
                ));
            }
        }
        out.insert(c.resource_id, CostFigure { amount, currency: c.currency, explanation: explained.join("; ") });
    }
    out
}

#[async_trait]
impl CostSource for EngineCosts {
    async fn resource_costs(&self, period: &ValuePeriod) -> Result<BTreeMap<String, CostFigure>, String> {
        let costs = steward_cost::resource_costs(self.store.as_ref(), &self.config, covering_months(period))
            .await
            .map_err(|e| format!("the cost engine failed: {e}"))?;
        Ok(prorate(costs, period))
    }

    fn describe(&self) -> String {
        "the cost engine ([cost] in steward.toml, docs/costs.md; monthly costs prorated by days for part months)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_cost::resources::CostPart;

    fn month(text: &str) -> Period {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn cost(id: &str, parts: &[(&str, i64)]) -> ResourceCost {
        ResourceCost {
            resource_id: id.into(),
            amount: parts.iter().map(|p| p.1).sum(),
            currency: "USD".into(),
            parts: parts
                .iter()
                .map(|(m, amount)| CostPart {
                    month: month(m),
                    entry_id: "maker_time".into(),
                    amount: *amount,
                    derivation: "direct".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_range_of_days_gets_its_share_of_each_month() {
        let period = ValuePeriod::parse("2026-10-01..2026-10-15").expect("period");
        assert_eq!(covering_months(&period), month("2026-10"));
        let costs = prorate(vec![cost("app", &[("2026-10", 50_000)])], &period);
        // 500.00 × 15/31 = 241.935… → 241.94
        assert_eq!(costs["app"].amount, 24_194);
        assert!(
            costs["app"].explanation.contains("2026-10 prorated: 500.00 USD × 15/31 days = 241.94 USD"),
            "{}",
            costs["app"].explanation
        );

        // One rounding per month, not per part: 2 × 1.00 × 15/31 = 0.9677… → 0.97 (not 2 × 0.48).
        let costs = prorate(vec![cost("app", &[("2026-10", 100), ("2026-10", 100)])], &period);
        assert_eq!(costs["app"].amount, 97);

        // Across a month boundary: 2 days of October (31) and 2 of November (30).
        let period = ValuePeriod::parse("2026-10-30..2026-11-02").expect("period");
        assert_eq!(covering_months(&period), Period { start: month("2026-10").start, end: month("2026-11").end });
        let costs = prorate(vec![cost("app", &[("2026-10", 3100), ("2026-11", 3000)])], &period);
        assert_eq!(costs["app"].amount, 200 + 200);
    }

    #[test]
    fn whole_months_quarters_and_years_keep_the_engines_cost() {
        for (text, parts) in
            [("2026-10", vec![("2026-10", 12_345)]), ("2026-Q4", vec![("2026-10", 1), ("2026-11", 2), ("2026-12", 3)])]
        {
            let period = ValuePeriod::parse(text).expect("period");
            let c = cost("app", &parts);
            let expected = c.amount;
            let costs = prorate(vec![c], &period);
            assert_eq!(costs["app"].amount, expected, "{text}");
            assert!(!costs["app"].explanation.contains("days"), "nothing prorated for {text}");
        }
        let year = ValuePeriod::parse("2026").expect("period");
        assert_eq!(covering_months(&year), month("2026"));
    }
}
