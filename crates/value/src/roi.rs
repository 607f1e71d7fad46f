//! Return on investment: value over cost, per resource and summed per maker, environment,
//! business unit (the owner's department) and tenant. Cost comes from a [`CostSource`]; where it
//! is zero or unknown, the ROI says why instead of showing a number.

use crate::gather::{ResourceFacts, ResourceValue};
use crate::money::{format_hundredths, format_money, mul_div};
use crate::period::ValuePeriod;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One resource's cost for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostFigure {
    /// Hundredths of `currency`.
    pub amount: i64,
    pub currency: String,
    /// How the cost was derived, for the explanation.
    pub explanation: String,
}

/// Where costs come from. The cost engine (`steward-cost`) is one; tests give fixed figures.
#[async_trait]
pub trait CostSource: Send + Sync {
    /// Costs per resource id for the period; resources without a cost are absent. `Err` says
    /// why no cost is available at all (shown as the reason ROI is n/a).
    async fn resource_costs(&self, period: &ValuePeriod) -> Result<BTreeMap<String, CostFigure>, String>;

    /// Named in reports: where the costs come from.
    fn describe(&self) -> String;
}

/// No costs at all: every ROI is n/a with this reason.
pub struct NoCosts(pub String);

#[async_trait]
impl CostSource for NoCosts {
    async fn resource_costs(&self, _: &ValuePeriod) -> Result<BTreeMap<String, CostFigure>, String> {
        Err(self.0.clone())
    }

    fn describe(&self) -> String {
        "none".into()
    }
}

/// Fixed costs per resource, whatever the period: for tests and for costs given by hand.
pub struct FixedCosts(pub BTreeMap<String, CostFigure>);

#[async_trait]
impl CostSource for FixedCosts {
    async fn resource_costs(&self, _: &ValuePeriod) -> Result<BTreeMap<String, CostFigure>, String> {
        Ok(self.0.clone())
    }

    fn describe(&self) -> String {
        "fixed figures".into()
    }
}

/// Value over cost, or why it cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Roi {
    /// Value ÷ cost in hundredths: 250 is 2.50×.
    Ratio {
        hundredths: i64,
    },
    NotAvailable {
        reason: String,
    },
}

impl Roi {
    /// `value ÷ cost` when the cost is known, positive and in the value's currency.
    pub fn of(value: i64, cost: Option<(i64, &str)>, currency: &str) -> Roi {
        match cost {
            None => Roi::NotAvailable { reason: "cost unknown for the period".into() },
            Some((_, c)) if c != currency => {
                Roi::NotAvailable { reason: format!("cost in {c}, value in {currency}; no conversion is made") }
            }
            Some((amount, _)) if amount <= 0 => Roi::NotAvailable { reason: "cost is zero for the period".into() },
            Some((amount, _)) => Roi::Ratio { hundredths: mul_div(i128::from(value), 100, i128::from(amount)) },
        }
    }

    /// `2.50×` or `n/a (reason)`.
    pub fn text(&self) -> String {
        match self {
            Roi::Ratio { hundredths } => format!("{}×", format_hundredths(*hundredths)),
            Roi::NotAvailable { reason } => format!("n/a ({reason})"),
        }
    }
}

/// What an ROI row sums over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Resource,
    Maker,
    Environment,
    BusinessUnit,
    Tenant,
}

impl Dimension {
    pub const GROUPS: [Dimension; 4] =
        [Dimension::Maker, Dimension::Environment, Dimension::BusinessUnit, Dimension::Tenant];

    pub fn title(self) -> &'static str {
        match self {
            Dimension::Resource => "Resource",
            Dimension::Maker => "Maker",
            Dimension::Environment => "Environment",
            Dimension::BusinessUnit => "Business unit",
            Dimension::Tenant => "Tenant",
        }
    }

    /// The key and label of a resource in this dimension.
    fn key(self, f: &ResourceFacts) -> (String, String) {
        let unknown = |what: &str| (String::new(), format!("({what} unknown)"));
        match self {
            Dimension::Resource => (f.resource_id.clone(), f.name().to_string()),
            Dimension::Maker => f
                .owner_id
                .as_ref()
                .map_or_else(|| unknown("owner"), |o| (o.clone(), f.owner_name.clone().unwrap_or_else(|| o.clone()))),
            Dimension::Environment => {
                f.environment_id.as_ref().map_or_else(|| unknown("environment"), |e| (e.clone(), e.clone()))
            }
            Dimension::BusinessUnit => {
                f.department.as_ref().map_or_else(|| unknown("department"), |d| (d.clone(), d.clone()))
            }
            Dimension::Tenant => f.tenant_id.as_ref().map_or_else(|| unknown("tenant"), |t| (t.clone(), t.clone())),
        }
    }
}

/// One row of an ROI table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiRow {
    pub dimension: Dimension,
    pub key: String,
    pub label: String,
    /// Actual value, hundredths of the reporting currency.
    pub value: i64,
    /// Potential value, kept apart.
    pub potential: i64,
    /// Known costs summed; `None` when no resource of the row has a cost in the reporting currency.
    pub cost: Option<i64>,
    pub roi: Roi,
    /// Resources in the row.
    pub resources: usize,
    /// Resources of the row whose cost is unknown (or in another currency).
    pub without_cost: usize,
}

impl RoiRow {
    pub fn value_text(&self, currency: &str) -> String {
        format_money(self.value, currency)
    }

    pub fn potential_text(&self, currency: &str) -> String {
        format_money(self.potential, currency)
    }

    pub fn cost_text(&self, currency: &str) -> String {
        self.cost.map_or_else(|| "unknown".into(), |c| format_money(c, currency))
    }
}

/// A resource in an ROI computation: its value (if recorded) and cost (if known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub facts: ResourceFacts,
    pub value: Option<ResourceValue>,
    pub cost: Option<CostFigure>,
}

/// Sums of one row while grouping: value, potential, known cost, resources, without cost.
type Sums = (i64, i64, Option<i64>, usize, usize);

/// Rows of `dimension` over `entries`, highest value first (then by label).
pub fn rows(entries: &[Entry], dimension: Dimension, currency: &str, no_cost_reason: Option<&str>) -> Vec<RoiRow> {
    let mut acc: BTreeMap<(String, String), Sums> = BTreeMap::new();
    for e in entries {
        let slot = acc.entry(dimension.key(&e.facts)).or_insert((0, 0, None, 0, 0));
        slot.0 = slot.0.saturating_add(e.value.as_ref().map_or(0, ResourceValue::actual_total));
        slot.1 = slot.1.saturating_add(e.value.as_ref().map_or(0, ResourceValue::potential_total));
        match &e.cost {
            Some(c) if c.currency == currency => slot.2 = Some(slot.2.unwrap_or(0).saturating_add(c.amount)),
            _ => slot.4 += 1,
        }
        slot.3 += 1;
    }
    let mut out: Vec<RoiRow> = acc
        .into_iter()
        .map(|((key, label), (value, potential, cost, resources, without_cost))| {
            let roi = match (cost, no_cost_reason) {
                (None, Some(reason)) => Roi::NotAvailable { reason: reason.to_string() },
                (None, None) if dimension == Dimension::Resource => {
                    let other = entries
                        .iter()
                        .find(|e| e.facts.resource_id == key)
                        .and_then(|e| e.cost.as_ref())
                        .map(|c| c.currency.clone());
                    Roi::of(value, other.as_deref().map(|c| (1, c)), currency)
                }
                _ => Roi::of(value, cost.map(|c| (c, currency)), currency),
            };
            RoiRow { dimension, key, label, value, potential, cost, roi, resources, without_cost }
        })
        .collect();
    out.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_is_value_over_cost_or_says_why_not() {
        assert_eq!(Roi::of(50_000, Some((20_000, "EUR")), "EUR"), Roi::Ratio { hundredths: 250 });
        assert_eq!(Roi::of(50_000, Some((20_000, "EUR")), "EUR").text(), "2.50×");
        assert_eq!(Roi::of(1, Some((3, "EUR")), "EUR").text(), "0.33×");
        assert!(Roi::of(50_000, None, "EUR").text().starts_with("n/a (cost unknown"));
        assert!(Roi::of(50_000, Some((0, "EUR")), "EUR").text().contains("zero"));
        assert!(Roi::of(50_000, Some((10, "USD")), "EUR").text().contains("USD"));
    }

    fn entry(id: &str, owner: &str, dept: Option<&str>, cost: Option<i64>) -> Entry {
        Entry {
            facts: ResourceFacts {
                resource_id: id.into(),
                display_name: Some(id.to_uppercase()),
                tenant_id: Some("t1".into()),
                environment_id: Some("env".into()),
                owner_id: Some(owner.into()),
                owner_name: Some(format!("Owner {owner}")),
                department: dept.map(str::to_string),
                ..Default::default()
            },
            value: None,
            cost: cost.map(|amount| CostFigure { amount, currency: "EUR".into(), explanation: String::new() }),
        }
    }

    #[test]
    fn groups_sum_value_and_known_costs() {
        let entries = vec![
            entry("a", "u1", Some("Finance"), Some(1000)),
            entry("b", "u1", Some("Finance"), None),
            entry("c", "u2", None, Some(500)),
        ];
        let makers = rows(&entries, Dimension::Maker, "EUR", None);
        assert_eq!(makers.len(), 2);
        let u1 = makers.iter().find(|r| r.key == "u1").expect("u1");
        assert_eq!((u1.cost, u1.resources, u1.without_cost), (Some(1000), 2, 1));
        assert_eq!(u1.label, "Owner u1");
        assert_eq!(u1.roi, Roi::Ratio { hundredths: 0 }, "no value recorded: 0×");
        let units = rows(&entries, Dimension::BusinessUnit, "EUR", None);
        assert!(units.iter().any(|r| r.label == "(department unknown)"));
        let tenant = rows(&entries, Dimension::Tenant, "EUR", None);
        assert_eq!(tenant[0].cost, Some(1500));
        let none = rows(&entries, Dimension::Tenant, "EUR", Some("no cost source"));
        assert_eq!(none[0].roi, Roi::Ratio { hundredths: 0 }, "known costs win over the source's reason");
        let resources = rows(&entries, Dimension::Resource, "EUR", None);
        let b = resources.iter().find(|r| r.key == "b").expect("b");
        assert!(matches!(b.roi, Roi::NotAvailable { .. }));
    }
}
