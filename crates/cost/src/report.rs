//! Showback and chargeback: each cost centre's share of a period's costs, and the FOCUS-style CSV.

use crate::allocate::{Allocation, Allocator, Person};
use crate::config::CostConfig;
use crate::lines::{CostLine, Inputs, month_lines};
use crate::money::decimal;
use crate::period::Period;
use crate::records::{self, CostCentre};
use crate::{CostError, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use steward_model::{UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::RollupQuery;
use steward_store::{PrincipalQuery, Store};

/// One cost centre's total for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreTotal {
    pub cost_centre: String,
    pub name: String,
    pub billed_cost: i64,
    pub effective_cost: i64,
    pub list_cost: i64,
    /// Billed cost per service (Power Apps, Dataverse, CoE team…).
    pub by_service: BTreeMap<String, i64>,
    /// Billed cost per month of the period.
    pub by_month: BTreeMap<String, i64>,
}

/// A period's costs, placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chargeback {
    pub period: Period,
    pub currency: String,
    pub lines: Vec<CostLine>,
    pub allocations: Vec<Allocation>,
    /// By cost centre id; every cost centre defined appears, with zero when nothing landed.
    pub centres: Vec<CentreTotal>,
    pub billed_cost: i64,
    pub effective_cost: i64,
    pub list_cost: i64,
    /// Licences Graph shows that no catalogue entry prices (add them with `skus`).
    pub unpriced_skus: Vec<String>,
}

/// Everyone in the directory, for head count and usage weights.
pub async fn people(store: &dyn Store) -> Result<Vec<Person>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_principals(&PrincipalQuery { limit: Some(1000), cursor: cursor.clone(), ..Default::default() })
            .await?;
        out.extend(page.items.into_iter().map(|p| Person {
            enabled: !p.is_leaver(),
            id: p.id,
            department: p.department.filter(|d| !d.is_empty()),
        }));
        match page.next {
            Some(n) => cursor = Some(n),
            None => return Ok(out),
        }
    }
}

/// The principals who used or made something in `[from, to]` (tenant day rollups).
pub async fn active_principals(
    store: &dyn Store,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    actor_map: &HashMap<u32, String>,
) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for metric in [UsageMetric::Use, UsageMetric::Make] {
        let rows = store
            .usage_rows(&RollupQuery {
                tenant_id: None,
                scope: UsageScope::Tenant,
                scope_ids: None,
                period: UsagePeriod::Day,
                metric,
                from,
                to,
            })
            .await?;
        for r in rows {
            out.extend(r.actors.iter().filter_map(|a| actor_map.get(a).cloned()));
        }
    }
    Ok(out)
}

/// Everything a chargeback is computed from, beyond the cost lines' inputs.
pub struct Placement {
    pub centres: Vec<CostCentre>,
    pub rules: Vec<records::AllocationRule>,
    pub people: Vec<Person>,
    pub actor_map: HashMap<u32, String>,
}

impl Placement {
    pub async fn load(store: &dyn Store) -> Result<Placement> {
        Ok(Placement {
            centres: records::cost_centres(store).await?,
            rules: records::rules(store).await?,
            people: people(store).await?,
            actor_map: store.usage_actor_principals(None).await?.into_iter().collect(),
        })
    }
}

/// The chargeback of `period` (a month, quarter or year).
pub async fn chargeback(store: &dyn Store, config: &CostConfig, period: Period) -> Result<Chargeback> {
    let inputs = Inputs::load(store, config).await?;
    let placement = Placement::load(store).await?;
    chargeback_with(store, config, &inputs, &placement, period).await
}

pub async fn chargeback_with(
    store: &dyn Store,
    config: &CostConfig,
    inputs: &Inputs,
    placement: &Placement,
    period: Period,
) -> Result<Chargeback> {
    let mut lines = Vec::new();
    let mut allocations = Vec::new();
    for month in period.months() {
        let month_end = month.end.pred_opt().unwrap_or(month.start);
        let active = active_principals(store, month.start, month_end, &placement.actor_map).await?;
        let allocator = Allocator::new(
            placement.rules.clone(),
            &placement.centres,
            &config.default_cost_centre,
            &placement.people,
            &active,
        )?;
        let ml = month_lines(store, config, inputs, month).await?;
        let offset = lines.len();
        allocations.extend(allocator.allocate(&ml).into_iter().map(|mut a| {
            a.line += offset;
            a
        }));
        lines.extend(ml);
    }
    let mut centres: BTreeMap<String, CentreTotal> = placement
        .centres
        .iter()
        .map(|c| (c.id.clone(), CentreTotal { cost_centre: c.id.clone(), name: c.name.clone(), ..Default::default() }))
        .collect();
    for a in &allocations {
        let line = lines.get(a.line).ok_or_else(|| CostError::Allocation(format!("line {} is missing", a.line)))?;
        let t = centres.entry(a.cost_centre.clone()).or_insert_with(|| CentreTotal {
            cost_centre: a.cost_centre.clone(),
            name: a.cost_centre.clone(),
            ..Default::default()
        });
        t.billed_cost += a.billed_cost;
        t.effective_cost += a.effective_cost;
        t.list_cost += a.list_cost;
        *t.by_service.entry(line.service.clone()).or_default() += a.billed_cost;
        *t.by_month.entry(line.month.to_string()).or_default() += a.billed_cost;
    }
    let mut unpriced: Vec<String> = inputs
        .licences
        .iter()
        .filter(|l| inputs.catalogue.by_sku(&l.sku_part_number).is_none())
        .map(|l| l.sku_part_number.clone())
        .collect();
    unpriced.sort();
    unpriced.dedup();
    Ok(Chargeback {
        period,
        currency: config.currency.clone(),
        billed_cost: lines.iter().map(|l| l.billed_cost).sum(),
        effective_cost: lines.iter().map(|l| l.effective_cost).sum(),
        list_cost: lines.iter().map(|l| l.list_cost).sum(),
        lines,
        allocations,
        centres: centres.into_values().collect(),
        unpriced_skus: unpriced,
    })
}

/// The FOCUS-style columns, in order. FOCUS 1.x names; Steward's own columns carry the `x_`
/// prefix FOCUS reserves for custom columns.
pub const FOCUS_COLUMNS: &[&str] = &[
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "BillingCurrency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeFrequency",
    "ChargeDescription",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ServiceName",
    "SkuId",
    "ResourceId",
    "ResourceName",
    "x_CostCentre",
    "x_AllocationMethod",
    "x_AllocationBasis",
];

/// A text cell made safe for spreadsheets: a leading `=`, `+`, `-`, `@`, tab or carriage return
/// gets a `'` so Excel and LibreOffice show text instead of running a formula (CSV injection).
/// Amounts are written as numbers and never pass through here.
fn text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn quantity(q: f64) -> String {
    let s = format!("{q:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" { "0".into() } else { s.to_string() }
}

/// Write one row per allocation (a line split three ways is three rows whose costs add up to
/// the line). Quantities of split lines are split in the same proportion as the billed cost.
pub fn write_focus_csv<W: std::io::Write>(report: &Chargeback, out: W) -> Result<()> {
    let err = |e: csv::Error| CostError::Input { what: "the FOCUS CSV".into(), reason: e.to_string() };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FOCUS_COLUMNS).map_err(err)?;
    for a in &report.allocations {
        let Some(l) = report.lines.get(a.line) else { continue };
        let share = if l.billed_cost != 0 { a.billed_cost as f64 / l.billed_cost as f64 } else { 1.0 };
        let frequency = match l.category {
            crate::ChargeCategory::Purchase => "Recurring",
            crate::ChargeCategory::Usage => "Usage-Based",
        };
        w.write_record([
            decimal(a.billed_cost).as_str(),
            decimal(a.effective_cost).as_str(),
            decimal(a.list_cost).as_str(),
            l.currency.as_str(),
            &format!("{}T00:00:00Z", l.month.start),
            &format!("{}T00:00:00Z", l.month.end),
            l.category.focus(),
            frequency,
            &text(l.description.as_str()),
            &quantity(l.quantity * share),
            &text(l.unit.as_str()),
            &text(l.service.as_str()),
            &text(l.entry_id.as_str()),
            &text(l.resource_id.as_str()),
            &text(l.resource_name.as_str()),
            &text(a.cost_centre.as_str()),
            a.method.as_str(),
            a.basis.as_str(),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| CostError::Input { what: "the FOCUS CSV".into(), reason: e.to_string() })?;
    Ok(())
}
