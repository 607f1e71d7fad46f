//! The cost of each resource (app, flow, agent) for a period: what ROI divides value by.
//!
//! A resource's cost is the sum, over the months of the period, of
//! - its own pay-as-you-go charges (active users, runs, messages) and makers' time recorded
//!   against it, whole;
//! - its environment's capacity cost, split between the environment's live resources in
//!   proportion to their uses that month (evenly when none was used), by largest remainder so
//!   the parts add back up to the environment's cost exactly.
//!
//! Licences held by people are not resource costs (a person's licence serves every app they
//! use); they appear per cost centre in the chargeback report.

use crate::Result;
use crate::config::CostConfig;
use crate::lines::{Inputs, month_lines};
use crate::money::split;
use crate::period::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use steward_model::{UsageMetric, UsagePeriod, UsageScope};
use steward_store::Store;
use steward_store::usage::RollupQuery;

/// One resource's cost for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCost {
    pub resource_id: String,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: String,
    /// How the amount was derived, part by part.
    pub parts: Vec<CostPart>,
}

/// One contribution to a resource's cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostPart {
    pub month: Period,
    /// Catalogue entry id (`dataverse_database`, `payg_power_apps_active_user`, `maker_time`…).
    pub entry_id: String,
    pub amount: i64,
    /// `direct` (charged to this resource) or `environment share by uses (12 of 40)` /
    /// `environment share, even (1 of 5)`.
    pub derivation: String,
}

/// The cost of every resource with a cost in `period`, by resource id. Resources with no cost
/// are left out.
pub async fn resource_costs(store: &dyn Store, config: &CostConfig, period: Period) -> Result<Vec<ResourceCost>> {
    let inputs = Inputs::load(store, config).await?;
    resource_costs_with(store, config, &inputs, period).await
}

/// [`resource_costs`] with inputs already loaded.
pub async fn resource_costs_with(
    store: &dyn Store,
    config: &CostConfig,
    inputs: &Inputs,
    period: Period,
) -> Result<Vec<ResourceCost>> {
    let mut out: BTreeMap<String, ResourceCost> = BTreeMap::new();
    let mut add = |resource_id: &str, part: CostPart| {
        let entry = out.entry(resource_id.to_string()).or_insert_with(|| ResourceCost {
            resource_id: resource_id.to_string(),
            amount: 0,
            currency: config.currency.clone(),
            parts: Vec::new(),
        });
        entry.amount += part.amount;
        entry.parts.push(part);
    };
    let mut by_env: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in inputs.resources.iter().filter(|r| r.deleted_at.is_none()) {
        by_env.entry(r.environment_id.as_str()).or_default().push(r.id.as_str());
    }
    for month in period.months() {
        let lines = month_lines(store, config, inputs, month).await?;
        let rows = store
            .usage_rows(&RollupQuery {
                tenant_id: None,
                scope: UsageScope::Resource,
                scope_ids: None,
                period: UsagePeriod::Month,
                metric: UsageMetric::Use,
                from: month.start,
                to: month.start,
            })
            .await?;
        let uses: HashMap<&str, u64> = rows.iter().map(|r| (r.scope_id.as_str(), r.uses)).collect();
        for line in &lines {
            if let Some(resource) = &line.steward_resource {
                add(
                    resource,
                    CostPart {
                        month,
                        entry_id: line.entry_id.clone(),
                        amount: line.billed_cost,
                        derivation: "direct".into(),
                    },
                );
            } else if line.entry_id.starts_with("dataverse_") || line.unit == "GB" {
                let Some(env) = line.attributes.environment_id.as_deref() else { continue };
                let Some(members) = by_env.get(env) else { continue };
                let weights: Vec<u64> = members.iter().map(|id| uses.get(id).copied().unwrap_or(0)).collect();
                let total: u64 = weights.iter().sum();
                let shares = split(line.billed_cost, &weights);
                for ((id, share), w) in members.iter().zip(shares).zip(&weights) {
                    let derivation = if total > 0 {
                        format!("environment share by uses ({w} of {total})")
                    } else {
                        format!("environment share, even (1 of {})", members.len())
                    };
                    add(id, CostPart { month, entry_id: line.entry_id.clone(), amount: share, derivation });
                }
            }
        }
    }
    Ok(out.into_values().filter(|c| c.amount != 0 || !c.parts.is_empty()).collect())
}
