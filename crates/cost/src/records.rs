//! The typed cost records kept in the store ([`steward_store::cost::CostStore`]) and how they
//! are read and written. Every record read back is checked; a broken one is an error that names
//! it rather than a cost silently left out.

use crate::catalogue::PriceOverride;
use crate::period::Period;
use crate::{CostError, Result};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::cost::{CostRecord, CostRecordKind};

/// A budget holder: a department, a business unit, a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostCentre {
    pub id: String,
    pub name: String,
    /// Who answers for it (a name or e-mail address).
    #[serde(default)]
    pub owner: Option<String>,
    /// Head count, for shared costs split by head count when the directory does not say
    /// (principals are counted through the rules otherwise).
    #[serde(default)]
    pub head_count: Option<u64>,
}

/// A cost centre's budget for a month, quarter or year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub cost_centre: String,
    pub period: Period,
    /// Minor units.
    pub amount: i64,
    pub currency: String,
}

steward_model::string_enum!(
    /// What an allocation rule matches a cost on.
    RuleBasis, "rule basis" {
        Environment => "environment",
        EnvironmentGroup => "environment_group",
        BusinessArea => "business_area",
        /// The department of the person the cost is for (licence holder, maker, owner).
        Department => "department",
        /// The catalogue service (Power Apps, Dataverse, CoE team…).
        Service => "service",
        /// Every cost (a catch-all, usually last with a split).
        Any => "any",
    }
);

steward_model::string_enum!(
    /// How a shared cost is split between cost centres.
    SplitBasis, "split basis" {
        /// By distinct active users in the month whose own costs land in each cost centre.
        Usage => "usage",
        /// By people in the directory whose own costs land in each cost centre.
        HeadCount => "head_count",
        /// In equal parts.
        Even => "even",
    }
);

/// One allocation rule. Rules are tried in order; the first that matches a cost places it,
/// either whole in `cost_centre` or split by `split` between `among` (every cost centre when
/// empty). A cost no rule matches goes to the default cost centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationRule {
    pub by: RuleBasis,
    /// Compared case-insensitively; ignored for `any`.
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub cost_centre: Option<String>,
    #[serde(default)]
    pub split: Option<SplitBasis>,
    #[serde(default)]
    pub among: Vec<String>,
}

impl AllocationRule {
    pub fn check(&self) -> std::result::Result<(), String> {
        match (&self.cost_centre, self.split) {
            (Some(_), Some(_)) => Err("give either cost_centre or split, not both".into()),
            (None, None) => Err("give cost_centre (where the cost goes) or split (how it is shared)".into()),
            (Some(c), None) if c.trim().is_empty() => Err("cost_centre is empty".into()),
            _ if self.by != RuleBasis::Any && self.value.trim().is_empty() => {
                Err(format!("a rule by {} needs a value to match", self.by))
            }
            _ => Ok(()),
        }
    }
}

steward_model::string_enum!(
    /// Kinds of people cost.
    PeopleKind, "people cost kind" {
        /// A CoE team member: `quantity` FTE × `rate` (full-time monthly cost).
        CoeTeam => "coe_team",
        /// Makers' time: `quantity` hours × `rate` (hourly cost).
        MakerTime => "maker_time",
    }
);

/// A people cost for every month (`month` empty) or one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleCost {
    pub id: String,
    pub kind: PeopleKind,
    pub name: String,
    #[serde(default)]
    pub month: Option<Period>,
    /// FTE for the team, hours for makers' time.
    pub quantity: f64,
    /// Minor units per FTE-month or per hour; makers' time without a rate uses `maker_hour_rate`.
    #[serde(default)]
    pub rate: Option<i64>,
    /// The maker, for makers' time (their department places the cost).
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// The resource the time went into (counted in that resource's cost).
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Place the cost here directly, before any rule.
    #[serde(default)]
    pub cost_centre: Option<String>,
}

impl PeopleCost {
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("id is empty".into());
        }
        if !self.quantity.is_finite() || self.quantity < 0.0 || self.quantity > 100_000.0 {
            return Err(format!("quantity {} is not between 0 and 100000", self.quantity));
        }
        if let Some(r) = self.rate
            && !(0..=1_000_000_000_000).contains(&r)
        {
            return Err(format!("rate {r} is not between 0 and 10,000,000,000.00"));
        }
        if self.kind == PeopleKind::CoeTeam && self.rate.is_none() {
            return Err("a team member needs a rate (full-time monthly cost in minor units)".into());
        }
        Ok(())
    }
}

/// A licence assignment from a CSV import (for licences Graph does not show, or no Graph access).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedAssignment {
    /// Principal id or UPN of the holder; empty for licences assigned to an environment
    /// (per-app passes, Process licences).
    #[serde(default)]
    pub principal: String,
    pub entry_id: String,
    pub quantity: f64,
    #[serde(default)]
    pub environment_id: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
}

impl ImportedAssignment {
    pub fn key(&self) -> String {
        format!("{}|{}|{}", self.principal.to_lowercase(), self.entry_id, self.environment_id.as_deref().unwrap_or(""))
    }
}

/// A month's consumption of one metric: `licence:<entry>`, `capacity:<type>` (GB) or
/// `cost:<cost centre>` (minor units). The history forecasts are made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumptionPoint {
    pub metric: String,
    pub month: Period,
    pub quantity: f64,
}

impl ConsumptionPoint {
    pub fn key(&self) -> String {
        format!("{}|{}", self.metric, self.month)
    }
}

fn to_record<T: Serialize>(key: String, value: &T, at: Timestamp) -> Result<CostRecord> {
    let body =
        serde_json::to_value(value).map_err(|e| CostError::Input { what: key.clone(), reason: e.to_string() })?;
    Ok(CostRecord { key, body, updated_at: at })
}

async fn read<T: DeserializeOwned>(store: &dyn Store, kind: CostRecordKind, what: &'static str) -> Result<Vec<T>> {
    store
        .cost_records(kind)
        .await?
        .into_iter()
        .map(|r| {
            serde_json::from_value(r.body).map_err(|e| CostError::Record {
                kind: what,
                key: r.key,
                reason: e.to_string(),
            })
        })
        .collect()
}

pub async fn prices(store: &dyn Store) -> Result<Vec<PriceOverride>> {
    read(store, CostRecordKind::Price, "price").await
}

pub async fn put_prices(store: &dyn Store, prices: &[PriceOverride], at: Timestamp) -> Result<u64> {
    let records = prices.iter().map(|p| to_record(p.id.clone(), p, at)).collect::<Result<Vec<_>>>()?;
    Ok(store.put_cost_records(CostRecordKind::Price, &records).await?)
}

pub async fn assignments(store: &dyn Store) -> Result<Vec<ImportedAssignment>> {
    read(store, CostRecordKind::Assignment, "assignment").await
}

pub async fn put_assignments(store: &dyn Store, rows: &[ImportedAssignment], at: Timestamp) -> Result<u64> {
    let records = rows.iter().map(|a| to_record(a.key(), a, at)).collect::<Result<Vec<_>>>()?;
    Ok(store.put_cost_records(CostRecordKind::Assignment, &records).await?)
}

pub async fn cost_centres(store: &dyn Store) -> Result<Vec<CostCentre>> {
    read(store, CostRecordKind::CostCentre, "cost centre").await
}

pub async fn put_cost_centres(store: &dyn Store, centres: &[CostCentre], at: Timestamp) -> Result<u64> {
    for c in centres {
        if c.id.trim().is_empty() || c.id.len() > 100 || c.id.contains('|') {
            return Err(CostError::Input {
                what: format!("cost centre '{}'", c.id),
                reason: "an id is 1–100 characters without '|'".into(),
            });
        }
    }
    let records = centres.iter().map(|c| to_record(c.id.clone(), c, at)).collect::<Result<Vec<_>>>()?;
    Ok(store.put_cost_records(CostRecordKind::CostCentre, &records).await?)
}

pub async fn budgets(store: &dyn Store) -> Result<Vec<Budget>> {
    read(store, CostRecordKind::Budget, "budget").await
}

pub async fn put_budgets(store: &dyn Store, budgets: &[Budget], at: Timestamp) -> Result<u64> {
    let records = budgets
        .iter()
        .map(|b| to_record(format!("{}|{}", b.cost_centre, b.period), b, at))
        .collect::<Result<Vec<_>>>()?;
    Ok(store.put_cost_records(CostRecordKind::Budget, &records).await?)
}

pub async fn rules(store: &dyn Store) -> Result<Vec<AllocationRule>> {
    read(store, CostRecordKind::Rule, "allocation rule").await
}

/// Replace the rules (the key is the position, zero-padded, so key order is rule order).
pub async fn set_rules(store: &dyn Store, rules: &[AllocationRule], at: Timestamp) -> Result<u64> {
    for (i, r) in rules.iter().enumerate() {
        r.check().map_err(|reason| CostError::Input { what: format!("allocation rule {}", i + 1), reason })?;
    }
    let records =
        rules.iter().enumerate().map(|(i, r)| to_record(format!("{i:06}"), r, at)).collect::<Result<Vec<_>>>()?;
    Ok(store.replace_cost_records(CostRecordKind::Rule, &records).await?)
}

pub async fn people(store: &dyn Store) -> Result<Vec<PeopleCost>> {
    read(store, CostRecordKind::People, "people cost").await
}

pub async fn put_people(store: &dyn Store, people: &[PeopleCost], at: Timestamp) -> Result<u64> {
    let records = people.iter().map(|p| to_record(p.id.clone(), p, at)).collect::<Result<Vec<_>>>()?;
    Ok(store.put_cost_records(CostRecordKind::People, &records).await?)
}

pub async fn consumption(store: &dyn Store) -> Result<Vec<ConsumptionPoint>> {
    read(store, CostRecordKind::Consumption, "consumption").await
}

pub async fn put_consumption(store: &dyn Store, points: &[ConsumptionPoint], at: Timestamp) -> Result<u64> {
    let records = points.iter().map(|p| to_record(p.key(), p, at)).collect::<Result<Vec<_>>>()?;
    Ok(store.put_cost_records(CostRecordKind::Consumption, &records).await?)
}
