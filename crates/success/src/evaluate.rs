//! Evaluating a rule set against the usage figures of every resource.
//!
//! Figures are read per window, not per resource: one `resource_usage` call gives uses, unique
//! users, active days and departments of every resource used in the window, and one
//! `usage_rows` call (daily rows of every resource) gives the peak day; growth adds one more
//! `usage_rows` call for the window before. Rules sharing a window share those reads.

use crate::error::{Result, SuccessError};
use crate::rules::{Metric, Rule, RuleSet};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use steward_model::{ResourceKind, ResourceUsage};
use steward_store::success::DetectionFinding;
use steward_store::usage::{ResourceUsageQuery, RollupQuery, UsageOrder};
use steward_store::{Store, UsageReads};

/// One rule firing for one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub tenant_id: String,
    pub resource_id: String,
    pub kind: Option<ResourceKind>,
    pub display_name: Option<String>,
    pub rule_id: String,
    pub rule_version: u32,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    /// Every metric of the rule with its value; `growth_pct` is `null` when the previous window
    /// had no use.
    pub figures: serde_json::Value,
}

impl Finding {
    pub fn to_store(&self) -> DetectionFinding {
        DetectionFinding {
            tenant_id: self.tenant_id.clone(),
            resource_id: self.resource_id.clone(),
            kind: self.kind,
            rule_id: self.rule_id.clone(),
            rule_version: self.rule_version,
            window_from: self.window_from,
            window_to: self.window_to,
            figures: self.figures.clone(),
        }
    }
}

/// The window of `days` days ending on `as_of`, both ends included.
pub fn window(as_of: NaiveDate, days: u32) -> (NaiveDate, NaiveDate) {
    let from = as_of.checked_sub_days(Days::new(u64::from(days.saturating_sub(1)))).unwrap_or(NaiveDate::MIN);
    (from, as_of)
}

/// Every firing of every rule as of `as_of`, ordered by rule (as listed) then resource id.
pub async fn evaluate<S: Store + ?Sized>(store: &S, rules: &RuleSet, as_of: NaiveDate) -> Result<Vec<Finding>> {
    let mut by_window: BTreeMap<u32, Vec<&Rule>> = BTreeMap::new();
    for rule in &rules.rules {
        by_window.entry(rule.window_days).or_default().push(rule);
    }
    let mut per_rule: HashMap<&str, Vec<Finding>> = HashMap::new();
    for (days, window_rules) in by_window {
        let metrics: Vec<Metric> = window_rules.iter().flat_map(|r| r.metrics()).collect();
        let figures = WindowFigures::read(store, as_of, days, &metrics).await?;
        for rule in window_rules {
            per_rule.insert(&rule.id, figures.findings(rule, rules.version));
        }
    }
    Ok(rules.rules.iter().flat_map(|r| per_rule.remove(r.id.as_str()).unwrap_or_default()).collect())
}

/// Everything the rules of one window read.
struct WindowFigures {
    from: NaiveDate,
    to: NaiveDate,
    usage: Vec<ResourceUsage>,
    /// Highest single-day uses per resource, when a rule needs it.
    peaks: HashMap<String, u64>,
    /// Uses in the window before, when a rule needs growth.
    previous: HashMap<String, u64>,
}

impl WindowFigures {
    async fn read<S: Store + ?Sized>(store: &S, as_of: NaiveDate, days: u32, metrics: &[Metric]) -> Result<Self> {
        let (from, to) = window(as_of, days);
        let usage = store
            .resource_usage(&ResourceUsageQuery {
                tenant_id: None,
                kinds: Vec::new(),
                environment_id: None,
                from,
                to,
                include_unused: false,
                order: UsageOrder::Uses,
                limit: None,
            })
            .await
            .map_err(SuccessError::store("reading usage figures per resource"))?;
        let mut peaks = HashMap::new();
        if metrics.contains(&Metric::PeakDailyUses) {
            for row in daily_rows(store, from, to).await? {
                let peak = peaks.entry(row.scope_id).or_insert(0);
                *peak = row.uses.max(*peak);
            }
        }
        let mut previous = HashMap::new();
        if metrics.contains(&Metric::GrowthPct) {
            let (prev_from, _) = window(as_of, days.saturating_mul(2));
            let prev_to = from.pred_opt().unwrap_or(NaiveDate::MIN);
            for row in daily_rows(store, prev_from, prev_to).await? {
                *previous.entry(row.scope_id).or_insert(0) += row.uses;
            }
        }
        Ok(WindowFigures { from, to, usage, peaks, previous })
    }

    fn value(&self, u: &ResourceUsage, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Uses => Some(u.uses as f64),
            Metric::UniqueUsers => Some(u.unique_users as f64),
            Metric::ActiveDays => Some(u.active_days as f64),
            Metric::Departments => Some(u.departments as f64),
            Metric::PeakDailyUses => Some(self.peaks.get(&u.resource_id).copied().unwrap_or(0) as f64),
            Metric::GrowthPct => {
                let before = self.previous.get(&u.resource_id).copied().unwrap_or(0);
                // From nothing, growth has no percentage; new resources are for the other metrics.
                (before > 0).then(|| ((u.uses as f64 - before as f64) * 1000.0 / before as f64).round() / 10.0)
            }
        }
    }

    fn findings(&self, rule: &Rule, version: u32) -> Vec<Finding> {
        let metrics = rule.metrics();
        let mut out: Vec<Finding> = self
            .usage
            .iter()
            .filter(|u| u.kind.is_some_and(|k| rule.kinds.contains(&k)))
            .filter(|u| rule.fires(|m| self.value(u, m)))
            .map(|u| {
                let figures: serde_json::Map<String, serde_json::Value> =
                    metrics.iter().map(|m| (m.as_str().to_string(), number(self.value(u, *m)))).collect();
                Finding {
                    tenant_id: u.tenant_id.clone(),
                    resource_id: u.resource_id.clone(),
                    kind: u.kind,
                    display_name: u.display_name.clone(),
                    rule_id: rule.id.clone(),
                    rule_version: version,
                    window_from: self.from,
                    window_to: self.to,
                    figures: serde_json::Value::Object(figures),
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.tenant_id, &a.resource_id).cmp(&(&b.tenant_id, &b.resource_id)));
        out
    }
}

/// Counts stay integers in JSON; growth keeps its one decimal.
fn number(value: Option<f64>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => serde_json::json!(v as i64),
        Some(v) => serde_json::json!(v),
    }
}

async fn daily_rows<S: Store + ?Sized>(
    store: &S,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<steward_store::usage::RollupRow>> {
    if from > to {
        return Ok(Vec::new());
    }
    store
        .usage_rows(&RollupQuery::daily_resource_uses(from, to))
        .await
        .map_err(SuccessError::store("reading daily uses per resource"))
}
