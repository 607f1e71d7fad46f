//! The cost engine (`steward-cost`) as a [`CostSource`]: each resource's cost for the period,
//! with the parts it was made of as its explanation.

use crate::money::format_money;
use crate::period::ValuePeriod;
use crate::roi::{CostFigure, CostSource};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use steward_cost::{CostConfig, Period};
use steward_store::Store;

pub struct EngineCosts {
    pub store: Arc<dyn Store>,
    pub config: CostConfig,
}

#[async_trait]
impl CostSource for EngineCosts {
    async fn resource_costs(&self, period: &ValuePeriod) -> Result<BTreeMap<String, CostFigure>, String> {
        // Costs are monthly: a range of days has no cost unless it is exactly a month, quarter or year.
        let cost_period: Period = period.label.parse().map_err(|_| {
            format!("costs are computed per month, quarter or year; '{}' is a range of days", period.label)
        })?;
        let costs = steward_cost::resource_costs(self.store.as_ref(), &self.config, cost_period)
            .await
            .map_err(|e| format!("the cost engine failed: {e}"))?;
        Ok(costs
            .into_iter()
            .map(|c| {
                let explanation = c
                    .parts
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {}: {} ({})",
                            p.month,
                            p.entry_id,
                            format_money(p.amount, &c.currency),
                            p.derivation
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                (c.resource_id, CostFigure { amount: c.amount, currency: c.currency, explanation })
            })
            .collect())
    }

    fn describe(&self) -> String {
        "the cost engine ([cost] in steward.toml, docs/costs.md)".into()
    }
}
