//! Usage figures composed from the row-level reads every backend provides, so that the two
//! backends cannot disagree on how a window's unique users or departments are counted.

use super::{RollupQuery, RollupRow};
use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;
use steward_model::{
    DailyUsage, PeriodUsage, ResourceKind, ResourceUsage, Timestamp, UsageMetric, UsagePeriod, UsageScope,
};

/// What the inventory says about a resource, in the few fields usage views show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResourceBrief {
    pub id: String,
    pub tenant_id: String,
    pub environment_id: String,
    pub kind: ResourceKind,
    pub display_name: String,
    /// Principal id of the primary owner.
    pub owner: Option<String>,
    pub created_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
}

/// Which resources [`Store::resource_briefs`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BriefQuery {
    pub tenant_id: Option<String>,
    /// Empty for every kind.
    pub kinds: Vec<ResourceKind>,
    pub environment_id: Option<String>,
    /// Only these ids; `None` for all.
    pub ids: Option<Vec<String>>,
    pub include_deleted: bool,
}

/// Rollup rows of one scope and period, as figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodQuery {
    pub tenant_id: Option<String>,
    pub scope: UsageScope,
    pub scope_id: Option<String>,
    pub period: UsagePeriod,
    pub metric: UsageMetric,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// How [`UsageReads::resource_usage`] orders its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageOrder {
    #[default]
    Uses,
    Users,
    /// Least recently used first (never used first of all): the order clean-up wants.
    LastUse,
}

/// Per-resource figures over a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceUsageQuery {
    pub tenant_id: Option<String>,
    pub kinds: Vec<ResourceKind>,
    pub environment_id: Option<String>,
    /// The window, both days included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Also list inventory resources (not deleted) without use in the window.
    pub include_unused: bool,
    pub order: UsageOrder,
    pub limit: Option<usize>,
}

/// Usage reads on any [`Store`].
#[async_trait]
pub trait UsageReads {
    /// Daily usage of one resource for the days in `[from, to]`, oldest first; days without use are absent.
    async fn daily_usage(&self, resource_id: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>>;

    /// Rollup rows as figures: daily, weekly or monthly active users and uses of a scope.
    async fn period_usage(&self, query: &PeriodQuery) -> Result<Vec<PeriodUsage>>;

    /// Figures per resource over a window, joined with the inventory.
    async fn resource_usage(&self, query: &ResourceUsageQuery) -> Result<Vec<ResourceUsage>>;
}

#[async_trait]
impl<S: Store + ?Sized> UsageReads for S {
    async fn daily_usage(&self, resource_id: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyUsage>> {
        let rows = self
            .usage_rows(&RollupQuery {
                tenant_id: None,
                scope: UsageScope::Resource,
                scope_ids: Some(vec![resource_id.to_string()]),
                period: UsagePeriod::Day,
                metric: UsageMetric::Use,
                from,
                to,
            })
            .await?;
        let departments = departments_of(self, &rows).await?;
        let mut out: Vec<DailyUsage> = rows
            .iter()
            .map(|r| DailyUsage {
                resource_id: r.scope_id.clone(),
                day: r.start,
                uses: r.uses,
                unique_users: r.actors.len() as u64,
                departments: departments.count(r.actors.iter()),
            })
            .collect();
        out.sort_by_key(|d| d.day);
        Ok(out)
    }

    async fn period_usage(&self, q: &PeriodQuery) -> Result<Vec<PeriodUsage>> {
        if q.from > q.to {
            return Err(StoreError::InvalidQuery(format!("the window starts ({}) after it ends ({})", q.from, q.to)));
        }
        let rows = self
            .usage_rows(&RollupQuery {
                tenant_id: q.tenant_id.clone(),
                scope: q.scope,
                scope_ids: q.scope_id.clone().map(|s| vec![s]),
                period: q.period,
                metric: q.metric,
                // A period that starts before `from` but covers it is wanted too.
                from: q.period.start_of(q.from),
                to: q.to,
            })
            .await?;
        let mut out: Vec<PeriodUsage> = rows
            .into_iter()
            .map(|r| PeriodUsage {
                scope: q.scope,
                scope_id: r.scope_id,
                period: q.period,
                start: r.start,
                metric: q.metric,
                uses: r.uses,
                users: r.actors.len() as u64,
            })
            .collect();
        out.sort_by(|a, b| (a.start, &a.scope_id).cmp(&(b.start, &b.scope_id)));
        Ok(out)
    }

    async fn resource_usage(&self, q: &ResourceUsageQuery) -> Result<Vec<ResourceUsage>> {
        if q.from > q.to {
            return Err(StoreError::InvalidQuery(format!("the window starts ({}) after it ends ({})", q.from, q.to)));
        }
        let rows = self
            .usage_rows(&RollupQuery {
                tenant_id: q.tenant_id.clone(),
                scope: UsageScope::Resource,
                scope_ids: None,
                period: UsagePeriod::Day,
                metric: UsageMetric::Use,
                from: q.from,
                to: q.to,
            })
            .await?;
        let departments = departments_of(self, &rows).await?;
        struct Acc {
            tenant_id: String,
            uses: u64,
            days: u64,
            actors: FxHashSet<u32>,
        }
        let mut by_resource: HashMap<String, Acc> = HashMap::new();
        for r in rows {
            let acc = by_resource.entry(r.scope_id).or_insert_with(|| Acc {
                tenant_id: r.tenant_id,
                uses: 0,
                days: 0,
                actors: FxHashSet::default(),
            });
            acc.uses += r.uses;
            acc.days += 1;
            acc.actors.extend(r.actors);
        }
        let briefs = if q.include_unused {
            self.resource_briefs(&BriefQuery {
                tenant_id: q.tenant_id.clone(),
                kinds: q.kinds.clone(),
                environment_id: q.environment_id.clone(),
                ids: None,
                include_deleted: false,
            })
            .await?
        } else {
            let ids: Vec<String> = by_resource.keys().cloned().collect();
            self.resource_briefs(&BriefQuery { ids: Some(ids), include_deleted: true, ..Default::default() }).await?
        };
        let briefs: HashMap<String, ResourceBrief> = briefs.into_iter().map(|b| (b.id.clone(), b)).collect();
        let filtered = !q.kinds.is_empty() || q.environment_id.is_some();
        let wanted = |b: Option<&ResourceBrief>| match b {
            Some(b) => {
                (q.kinds.is_empty() || q.kinds.contains(&b.kind))
                    && q.environment_id.as_deref().is_none_or(|e| e == b.environment_id)
            }
            // Resources only the audit log knows have no kind or environment to filter on.
            None => !filtered,
        };
        let mut ids: Vec<String> = by_resource.keys().filter(|id| wanted(briefs.get(*id))).cloned().collect();
        if q.include_unused {
            ids.extend(briefs.keys().filter(|id| !by_resource.contains_key(*id)).cloned());
        }
        let spans: HashMap<String, (NaiveDate, NaiveDate)> = self
            .usage_spans(q.tenant_id.as_deref(), Some(&ids))
            .await?
            .into_iter()
            .map(|s| (s.resource_id, (s.first, s.last)))
            .collect();
        let mut out: Vec<ResourceUsage> = ids
            .into_iter()
            .map(|id| {
                let brief = briefs.get(&id);
                let acc = by_resource.get(&id);
                let span = spans.get(&id);
                ResourceUsage {
                    tenant_id: acc
                        .map(|a| a.tenant_id.clone())
                        .or_else(|| brief.map(|b| b.tenant_id.clone()))
                        .unwrap_or_default(),
                    environment_id: brief.map(|b| b.environment_id.clone()),
                    kind: brief.map(|b| b.kind),
                    display_name: brief.map(|b| b.display_name.clone()),
                    owner: brief.and_then(|b| b.owner.clone()),
                    created_at: brief.and_then(|b| b.created_at),
                    uses: acc.map_or(0, |a| a.uses),
                    unique_users: acc.map_or(0, |a| a.actors.len() as u64),
                    active_days: acc.map_or(0, |a| a.days),
                    departments: acc.map_or(0, |a| departments.count(a.actors.iter())),
                    first_use: span.map(|s| s.0),
                    last_use: span.map(|s| s.1),
                    resource_id: id,
                }
            })
            .collect();
        match q.order {
            UsageOrder::Uses => out.sort_by(|a, b| b.uses.cmp(&a.uses).then_with(|| a.resource_id.cmp(&b.resource_id))),
            UsageOrder::Users => out.sort_by(|a, b| {
                b.unique_users
                    .cmp(&a.unique_users)
                    .then(b.uses.cmp(&a.uses))
                    .then_with(|| a.resource_id.cmp(&b.resource_id))
            }),
            UsageOrder::LastUse => {
                out.sort_by(|a, b| a.last_use.cmp(&b.last_use).then_with(|| a.resource_id.cmp(&b.resource_id)))
            }
        }
        if let Some(limit) = q.limit {
            out.truncate(limit);
        }
        Ok(out)
    }
}

/// Department of each actor that has one.
struct Departments(FxHashMap<u32, u32>);

impl Departments {
    fn count<'a>(&self, actors: impl Iterator<Item = &'a u32>) -> u64 {
        let set: FxHashSet<u32> = actors.filter_map(|a| self.0.get(a).copied()).collect();
        set.len() as u64
    }
}

async fn departments_of<S: Store + ?Sized>(store: &S, rows: &[RollupRow]) -> Result<Departments> {
    if rows.is_empty() {
        return Ok(Departments(FxHashMap::default()));
    }
    let mut names: HashMap<String, u32> = HashMap::new();
    let mut map = FxHashMap::default();
    for (actor, department) in store.usage_actor_departments(None).await? {
        let next = names.len() as u32;
        let d = *names.entry(department.to_lowercase()).or_insert(next);
        map.insert(actor, d);
    }
    Ok(Departments(map))
}
