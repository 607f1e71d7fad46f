//! Resources nobody uses: unused for a number of days, or never used since their creation.
//! They feed clean-up campaigns, so the answer is structured rows with owner and environment.

use crate::UsageError;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use steward_model::{ResourceKind, Timestamp, UsageMetric, UsagePeriod, UsageScope};
use steward_store::Store;
use steward_store::usage::{BriefQuery, RollupQuery};

/// Which resources to list.
#[derive(Debug, Clone, PartialEq)]
pub struct InactiveQuery {
    pub tenant_id: Option<String>,
    /// Empty: every kind of which at least one resource was ever used. An audit feed that logs
    /// app launches but no flow runs would otherwise make every flow look abandoned.
    pub kinds: Vec<ResourceKind>,
    pub environment_id: Option<String>,
    /// The day the question is asked for.
    pub as_of: NaiveDate,
    /// No use in the `days` days ending on `as_of`, by resources that existed for all of them.
    pub days: u32,
    /// Instead: only resources never used at all, created more than `grace_days` before `as_of`.
    pub never_used: bool,
    pub grace_days: u32,
    pub limit: Option<usize>,
}

impl InactiveQuery {
    pub const DEFAULT_DAYS: u32 = 90;
    pub const DEFAULT_GRACE_DAYS: u32 = 14;

    /// Unused for the default 90 days as of `as_of`, every used kind, no limit.
    pub fn new(as_of: NaiveDate) -> Self {
        InactiveQuery {
            tenant_id: None,
            kinds: Vec::new(),
            environment_id: None,
            as_of,
            days: Self::DEFAULT_DAYS,
            never_used: false,
            grace_days: Self::DEFAULT_GRACE_DAYS,
            limit: None,
        }
    }
}

/// One resource nobody uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InactiveResource {
    pub resource_id: String,
    pub tenant_id: String,
    pub environment_id: String,
    pub kind: ResourceKind,
    pub display_name: String,
    /// Principal id of the primary owner: whom a clean-up campaign asks.
    pub owner: Option<String>,
    pub created_at: Option<Timestamp>,
    /// The last day with a use on or before the as-of day; `None` when never used.
    pub last_use: Option<NaiveDate>,
    /// Days from the last use (never used: from creation) to the as-of day.
    pub idle_days: i64,
    pub never_used: bool,
}

/// The answer, with what it was judged on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InactiveReport {
    pub as_of: NaiveDate,
    /// `unused` (no use for `days`) or `never_used` (no use ever, older than `grace_days`).
    pub mode: String,
    pub days: u32,
    pub grace_days: u32,
    /// The kinds judged (the ones asked for, or every kind ever used).
    pub kinds: Vec<ResourceKind>,
    /// Matching resources before the limit.
    pub total: usize,
    /// Never used first (oldest first), then the longest idle.
    pub items: Vec<InactiveResource>,
}

/// Resources (in the inventory, not deleted) unused as of `q.as_of`. Three reads: the
/// inventory's briefs, the first and last day of use of every resource, and, only when
/// `as_of` lies in the past, the daily rows of resources used both before and after it (their
/// last use as of then is not their last use overall).
pub async fn inactive<S: Store + ?Sized>(store: &S, q: &InactiveQuery) -> Result<InactiveReport, UsageError> {
    if !q.never_used && q.days == 0 {
        return Err(UsageError::Invalid("days must be at least 1".into()));
    }
    let window_start = q
        .as_of
        .checked_sub_days(Days::new(u64::from(q.days.max(1)) - 1))
        .ok_or_else(|| UsageError::Invalid(format!("{} days before {} is before the calendar", q.days, q.as_of)))?;
    // Every kind, tenant-wide, so that the kinds judged do not depend on the environment asked about.
    let briefs = store
        .resource_briefs(&BriefQuery {
            tenant_id: q.tenant_id.clone(),
            kinds: q.kinds.clone(),
            environment_id: None,
            ids: None,
            include_deleted: false,
        })
        .await?;
    let spans: HashMap<String, (NaiveDate, NaiveDate)> = store
        .usage_spans(q.tenant_id.as_deref(), None)
        .await?
        .into_iter()
        .map(|s| (s.resource_id, (s.first, s.last)))
        .collect();
    let kinds: BTreeSet<ResourceKind> = if q.kinds.is_empty() {
        briefs.iter().filter(|b| spans.contains_key(&b.id)).map(|b| b.kind).collect()
    } else {
        q.kinds.iter().copied().collect()
    };
    let candidates: Vec<_> = briefs
        .into_iter()
        .filter(|b| kinds.contains(&b.kind) && q.environment_id.as_deref().is_none_or(|e| e == b.environment_id))
        // A resource created after the as-of day did not exist yet.
        .filter(|b| b.created_at.is_none_or(|c| c.date_naive() <= q.as_of))
        .collect();

    // Last use on or before as_of, where the spans alone cannot tell.
    let straddling: Vec<String> = candidates
        .iter()
        .filter(|b| spans.get(&b.id).is_some_and(|(first, last)| *first <= q.as_of && *last > q.as_of))
        .map(|b| b.id.clone())
        .collect();
    let mut last_before: HashMap<String, NaiveDate> = HashMap::new();
    if let Some(earliest) = straddling.iter().filter_map(|id| spans.get(id).map(|s| s.0)).min() {
        let rows = store
            .usage_rows(&RollupQuery {
                tenant_id: q.tenant_id.clone(),
                scope: UsageScope::Resource,
                scope_ids: Some(straddling),
                period: UsagePeriod::Day,
                metric: UsageMetric::Use,
                from: earliest,
                to: q.as_of,
            })
            .await?;
        for r in rows {
            let e = last_before.entry(r.scope_id).or_insert(r.start);
            *e = (*e).max(r.start);
        }
    }

    let mut items: Vec<InactiveResource> = candidates
        .into_iter()
        .filter_map(|b| {
            let last_use = match spans.get(&b.id) {
                None => None,
                Some((first, _)) if *first > q.as_of => None,
                Some((_, last)) if *last <= q.as_of => Some(*last),
                // Daily rows pruned by retention: the first use is the latest one still known.
                Some((first, _)) => Some(last_before.get(&b.id).copied().unwrap_or(*first)),
            };
            let created = b.created_at.map(|c| c.date_naive());
            let keep = match (last_use, created) {
                (Some(last), _) => !q.never_used && last < window_start,
                // Never used and of unknown age: it may have been created yesterday, so it is not
                // listed (a clean-up campaign should not chase a new app).
                (None, None) => false,
                (None, Some(created)) if q.never_used => (q.as_of - created).num_days() > i64::from(q.grace_days),
                (None, Some(created)) => created < window_start,
            };
            keep.then(|| {
                let since = last_use.or(created).unwrap_or(q.as_of);
                InactiveResource {
                    idle_days: (q.as_of - since).num_days(),
                    never_used: last_use.is_none(),
                    last_use,
                    resource_id: b.id,
                    tenant_id: b.tenant_id,
                    environment_id: b.environment_id,
                    kind: b.kind,
                    display_name: b.display_name,
                    owner: b.owner,
                    created_at: b.created_at,
                }
            })
        })
        .collect();
    items.sort_by(|a, b| {
        b.never_used
            .cmp(&a.never_used)
            .then(b.idle_days.cmp(&a.idle_days))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    let total = items.len();
    if let Some(limit) = q.limit {
        items.truncate(limit);
    }
    Ok(InactiveReport {
        as_of: q.as_of,
        mode: if q.never_used { "never_used" } else { "unused" }.into(),
        days: q.days,
        grace_days: q.grace_days,
        kinds: kinds.into_iter().collect(),
        total,
        items,
    })
}
