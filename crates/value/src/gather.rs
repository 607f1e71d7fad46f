//! Reading what a computation needs from the store: the current value records, the resources
//! they are about, their owners (department and country choose the hourly cost) and their uses
//! in the period from the daily usage rollups.

use crate::ValueError;
use crate::compute::{ComputedValue, UsageFacts, compute};
use crate::config::{HourlyRate, Rates};
use crate::period::ValuePeriod;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use steward_model::{Principal, UsageMetric, UsagePeriod, UsageScope};
use steward_store::Store;
use steward_store::usage::{BriefQuery, RollupQuery};
use steward_store::value::{ValueKind, ValueQuery, ValueRecord};

/// Who and where a resource is, as far as the inventory knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceFacts {
    pub resource_id: String,
    /// `None` for a resource the inventory does not know (yet).
    pub display_name: Option<String>,
    pub kind: Option<String>,
    pub tenant_id: Option<String>,
    pub environment_id: Option<String>,
    /// Principal id of the primary owner: the maker.
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    /// The owner's department: the business unit.
    pub department: Option<String>,
    pub country: Option<String>,
}

impl ResourceFacts {
    /// A name for lists: the display name, else the id.
    pub fn name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.resource_id)
    }
}

/// One resource's value for a period: its records, usage and computed values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceValue {
    pub facts: ResourceFacts,
    pub usage: UsageFacts,
    pub rate: HourlyRate,
    pub actual: Option<ComputedValue>,
    pub potential: Option<ComputedValue>,
}

impl ResourceValue {
    /// The actual value's total, 0 without an actual record.
    pub fn actual_total(&self) -> i64 {
        self.actual.as_ref().map_or(0, |v| v.total)
    }

    pub fn potential_total(&self) -> i64 {
        self.potential.as_ref().map_or(0, |v| v.total)
    }
}

/// Inventory facts for `ids`, owners resolved to their department and country.
pub async fn resource_facts(store: &dyn Store, ids: &[String]) -> Result<BTreeMap<String, ResourceFacts>, ValueError> {
    let briefs = store
        .resource_briefs(&BriefQuery { ids: Some(ids.to_vec()), include_deleted: true, ..Default::default() })
        .await?;
    let owners: BTreeSet<String> = briefs.iter().filter_map(|b| b.owner.clone()).collect();
    let mut principals: HashMap<String, Principal> = HashMap::new();
    for owner in owners {
        if let Some(p) = store.get_principal(&owner).await? {
            principals.insert(owner, p);
        }
    }
    let mut out: BTreeMap<String, ResourceFacts> =
        ids.iter().map(|id| (id.clone(), ResourceFacts { resource_id: id.clone(), ..Default::default() })).collect();
    for b in briefs {
        let owner = b.owner.as_ref().and_then(|o| principals.get(o));
        out.insert(
            b.id.clone(),
            ResourceFacts {
                resource_id: b.id.clone(),
                display_name: Some(b.display_name.clone()),
                kind: Some(b.kind.as_str().to_string()),
                tenant_id: Some(b.tenant_id.clone()),
                environment_id: Some(b.environment_id.clone()),
                owner_id: b.owner.clone(),
                owner_name: owner.map(|p| p.display_name.clone()),
                department: owner.and_then(|p| p.department.clone()),
                country: owner.and_then(|p| p.country.clone()),
            },
        );
    }
    Ok(out)
}

/// Uses and active weeks of `ids` in `period`, from the daily rollups.
pub async fn usage_facts(
    store: &dyn Store,
    ids: &[String],
    period: &ValuePeriod,
) -> Result<BTreeMap<String, UsageFacts>, ValueError> {
    let rows = store
        .usage_rows(&RollupQuery {
            tenant_id: None,
            scope: UsageScope::Resource,
            scope_ids: Some(ids.to_vec()),
            period: UsagePeriod::Day,
            metric: UsageMetric::Use,
            from: period.from,
            to: period.to,
        })
        .await?;
    let mut uses: HashMap<String, u64> = HashMap::new();
    let mut weeks: HashMap<String, BTreeSet<(i32, u32)>> = HashMap::new();
    for r in rows.iter().filter(|r| r.start >= period.from && r.start <= period.to) {
        *uses.entry(r.scope_id.clone()).or_default() += r.uses;
        if r.uses > 0 {
            let w = r.start.iso_week();
            weeks.entry(r.scope_id.clone()).or_default().insert((w.year(), w.week()));
        }
    }
    let source = format!("daily usage rollups {}..{}", period.from, period.to);
    Ok(ids
        .iter()
        .map(|id| {
            let facts = UsageFacts {
                uses: uses.get(id).copied().unwrap_or(0),
                active_weeks: weeks.get(id).map_or(0, |w| w.len() as u64),
                source: source.clone(),
            };
            (id.clone(), facts)
        })
        .collect())
}

/// The value of every resource with a current record matching `query`, for `period`.
pub async fn resource_values(
    store: &dyn Store,
    rates: &Rates,
    period: &ValuePeriod,
    query: &ValueQuery,
) -> Result<Vec<ResourceValue>, ValueError> {
    let records = store.value_records(query).await?;
    let mut by_resource: BTreeMap<String, Vec<ValueRecord>> = BTreeMap::new();
    for r in records {
        by_resource.entry(r.resource_id.clone()).or_default().push(r);
    }
    let ids: Vec<String> = by_resource.keys().cloned().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let facts = resource_facts(store, &ids).await?;
    let usage = usage_facts(store, &ids, period).await?;
    Ok(by_resource
        .into_iter()
        .map(|(id, records)| {
            let facts = facts
                .get(&id)
                .cloned()
                .unwrap_or_else(|| ResourceFacts { resource_id: id.clone(), ..Default::default() });
            let usage =
                usage.get(&id).cloned().unwrap_or(UsageFacts { uses: 0, active_weeks: 0, source: String::new() });
            let rate = rates.for_owner(facts.department.as_deref(), facts.country.as_deref());
            let of = |kind: ValueKind| {
                records.iter().find(|r| r.kind == kind).map(|r| compute(r, &usage, &rate, period, &rates.currency))
            };
            ResourceValue { actual: of(ValueKind::Actual), potential: of(ValueKind::Potential), facts, usage, rate }
        })
        .collect())
}
