//! Reading a board report's figures from the store.
//!
//! Inventory figures "at the end of a month" are reconstructed from `created_at` and
//! `deleted_at` of every resource and environment the store has ever seen, so the period and
//! the month before are counted the same way however long ago the last sync ran. Usage figures
//! come from the monthly rollups (`UsageReads`), which outlive the raw records.

use crate::report::*;
use crate::{Month, ReportError};
use chrono::Utc;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use steward_model::{
    Environment, Principal, ResourceKind, ResourceUsage, Timestamp, UsageMetric, UsagePeriod, UsageScope,
};
use steward_store::usage::{BriefQuery, PeriodQuery, ResourceBrief, ResourceUsageQuery, UsageOrder};
use steward_store::{EnvironmentQuery, MAX_LIMIT, PrincipalQuery, Store, UsageReads};

/// How many months the trend charts cover, ending with the period.
pub const TREND_MONTHS: u32 = 12;

/// Gather the board report for `period`, for one tenant or (with `None`) every tenant.
///
/// Success candidates and compliance are left empty: their engines add them with
/// [`BoardReport::with_success`] and [`BoardReport::with_compliance`].
pub async fn gather(store: &dyn Store, period: Month, tenant_id: Option<&str>) -> Result<BoardReport, ReportError> {
    let tenant = resolve_tenant(store, tenant_id).await?;
    let months = period.window(TREND_MONTHS);
    let tenant_filter = tenant_id.map(str::to_string);

    let briefs = store
        .resource_briefs(&BriefQuery { tenant_id: tenant_filter.clone(), include_deleted: true, ..Default::default() })
        .await
        .map_err(ReportError::store("reading the resource inventory"))?;
    let environments = all_environments(store, tenant_id).await?;
    let mut principals = maker_principals(store, tenant_id).await?;
    let active_users = monthly_users(store, tenant_id, &months, UsageMetric::Use).await?;
    let active_makers = monthly_users(store, tenant_id, &months, UsageMetric::Make).await?;
    let usage = store
        .resource_usage(&ResourceUsageQuery {
            tenant_id: tenant_filter.clone(),
            kinds: Vec::new(),
            environment_id: None,
            from: period.first_day(),
            to: period.last_day(),
            include_unused: false,
            order: UsageOrder::Uses,
            limit: None,
        })
        .await
        .map_err(ReportError::store("reading the period's usage per resource"))?;
    let status = store.usage_status(tenant_id).await.map_err(ReportError::store("reading the usage status"))?;

    let new_makers = new_makers(store, &briefs, period, &mut principals).await?;
    let environment_names: HashMap<&str, &str> =
        environments.iter().map(|e| (e.id.as_str(), e.display_name.as_str())).collect();
    let names = Names { environments: &environment_names, principals: &principals };

    let coverage =
        UsageCoverage { first_day: status.first_day, last_day: status.last_day, sealed_before: status.sealed_before };
    let users_of = |m: Month| active_users.get(&m).copied().unwrap_or(0);
    let totals = totals(&briefs, &environments, period, Change::new(users_of(period), users_of(period.minus(1))));
    let trends = trends(&briefs, &months, &coverage, &active_users, &active_makers);
    let (top_by_uses, top_by_users) = top_resources(&usage, &names);
    let mut leavers_resources = leavers_resources(&briefs, &usage, &names);
    add_last_use(store, tenant_id, &mut leavers_resources.items).await?;

    Ok(BoardReport {
        period: Period::of(period),
        tenant,
        generated_at: Utc::now(),
        totals,
        trends,
        usage_coverage: coverage,
        top_by_uses,
        top_by_users,
        new_makers,
        success_candidates: Vec::new(),
        leavers_resources,
        compliance: None,
    })
}

async fn resolve_tenant(store: &dyn Store, tenant_id: Option<&str>) -> Result<Option<TenantRef>, ReportError> {
    let Some(id) = tenant_id else { return Ok(None) };
    let tenants = store.list_tenants().await.map_err(ReportError::store("listing tenants"))?;
    match tenants.iter().find(|t| t.id == id) {
        Some(t) => Ok(Some(TenantRef { id: t.id.clone(), display_name: t.display_name.clone() })),
        None => {
            let known: Vec<&str> = tenants.iter().map(|t| t.id.as_str()).collect();
            let known = if known.is_empty() { "none (import or sync first)".to_string() } else { known.join(", ") };
            Err(ReportError::UnknownTenant { id: id.to_string(), known })
        }
    }
}

async fn all_environments(store: &dyn Store, tenant_id: Option<&str>) -> Result<Vec<Environment>, ReportError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_environments(&EnvironmentQuery {
                tenant: tenant_id.map(str::to_string),
                include_deleted: true,
                limit: Some(MAX_LIMIT),
                cursor,
                ..Default::default()
            })
            .await
            .map_err(ReportError::store("listing environments"))?;
        out.extend(page.items.into_iter().map(|s| s.environment));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// Every principal owning a live resource (leavers included), by id.
async fn maker_principals(
    store: &dyn Store,
    tenant_id: Option<&str>,
) -> Result<HashMap<String, Principal>, ReportError> {
    let mut out = HashMap::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_principals(&PrincipalQuery {
                tenant: tenant_id.map(str::to_string),
                makers_only: true,
                limit: Some(MAX_LIMIT),
                cursor,
                ..Default::default()
            })
            .await
            .map_err(ReportError::store("listing makers"))?;
        out.extend(page.items.into_iter().map(|p| (p.id.clone(), p)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// Distinct users (or makers) per month from the tenant-scope monthly rollups. Actors are
/// interned per tenant, so the figures of several tenants add up.
async fn monthly_users(
    store: &dyn Store,
    tenant_id: Option<&str>,
    months: &[Month],
    metric: UsageMetric,
) -> Result<HashMap<Month, u64>, ReportError> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else { return Ok(HashMap::new()) };
    let rows = store
        .period_usage(&PeriodQuery {
            tenant_id: tenant_id.map(str::to_string),
            scope: UsageScope::Tenant,
            scope_id: None,
            period: UsagePeriod::Month,
            metric,
            from: first.first_day(),
            to: last.last_day(),
        })
        .await
        .map_err(ReportError::store("reading monthly active users"))?;
    let mut out = HashMap::new();
    for row in rows {
        *out.entry(Month::of(row.start)).or_insert(0) += row.users;
    }
    Ok(out)
}

/// Whether a record existed just before `end`: created before it (or at an unknown time) and
/// not deleted by then.
fn alive_at(created: Option<Timestamp>, deleted: Option<Timestamp>, end: Timestamp) -> bool {
    created.is_none_or(|c| c < end) && deleted.is_none_or(|d| d >= end)
}

/// Resources per kind, environments and makers at the end of a month.
struct Inventory {
    by_kind: BTreeMap<ResourceKind, u64>,
    environments: u64,
    makers: u64,
}

fn inventory_at(briefs: &[ResourceBrief], environments: &[Environment], month: Month) -> Inventory {
    let end = month.end();
    let mut by_kind = BTreeMap::new();
    let mut makers = HashSet::new();
    for b in briefs.iter().filter(|b| alive_at(b.created_at, b.deleted_at, end)) {
        *by_kind.entry(b.kind).or_insert(0) += 1;
        if let Some(owner) = &b.owner {
            makers.insert(owner.as_str());
        }
    }
    let environments = environments.iter().filter(|e| alive_at(e.created_at, e.deleted_at, end)).count() as u64;
    Inventory { by_kind, environments, makers: makers.len() as u64 }
}

fn totals(briefs: &[ResourceBrief], environments: &[Environment], period: Month, active_users: Change) -> Totals {
    let now = inventory_at(briefs, environments, period);
    let before = inventory_at(briefs, environments, period.minus(1));
    let count = |inv: &Inventory, kind| inv.by_kind.get(&kind).copied().unwrap_or(0);
    let by_kind = ResourceKind::ALL
        .iter()
        .map(|&kind| KindChange { kind, figures: Change::new(count(&now, kind), count(&before, kind)) })
        .filter(|k| k.figures.current > 0 || k.figures.previous > 0)
        .collect();
    Totals {
        resources: Change::new(now.by_kind.values().sum(), before.by_kind.values().sum()),
        by_kind,
        environments: Change::new(now.environments, before.environments),
        makers: Change::new(now.makers, before.makers),
        active_users,
    }
}

fn trends(
    briefs: &[ResourceBrief],
    months: &[Month],
    coverage: &UsageCoverage,
    active_users: &HashMap<Month, u64>,
    active_makers: &HashMap<Month, u64>,
) -> Vec<MonthTrend> {
    let wanted: HashSet<Month> = months.iter().copied().collect();
    let mut created: HashMap<(Month, ResourceKind), u64> = HashMap::new();
    for b in briefs {
        let Some(at) = b.created_at else { continue };
        let month = Month::of(at.date_naive());
        if wanted.contains(&month) {
            *created.entry((month, b.kind)).or_insert(0) += 1;
        }
    }
    months
        .iter()
        .map(|&month| MonthTrend {
            month,
            usage_recorded: coverage.covers(month),
            active_users: active_users.get(&month).copied().unwrap_or(0),
            active_makers: active_makers.get(&month).copied().unwrap_or(0),
            new_resources: ResourceKind::ALL
                .iter()
                .filter_map(|&kind| created.get(&(month, kind)).map(|&count| KindCount { kind, count }))
                .collect(),
        })
        .collect()
}

/// Display names of environments and principals, falling back to ids.
struct Names<'a> {
    environments: &'a HashMap<&'a str, &'a str>,
    principals: &'a HashMap<String, Principal>,
}

impl Names<'_> {
    fn environment(&self, id: &str) -> String {
        self.environments.get(id).map_or_else(|| id.to_string(), |n| n.to_string())
    }

    fn principal(&self, id: &str) -> String {
        self.principals.get(id).map_or_else(|| id.to_string(), |p| p.display_name.clone())
    }
}

fn top_resources(usage: &[ResourceUsage], names: &Names<'_>) -> (Vec<TopResource>, Vec<TopResource>) {
    let row = |u: &ResourceUsage| TopResource {
        resource_id: u.resource_id.clone(),
        display_name: u.display_name.clone().unwrap_or_else(|| u.resource_id.clone()),
        kind: u.kind,
        environment: u.environment_id.as_deref().map(|e| names.environment(e)),
        owner: u.owner.as_deref().map(|o| names.principal(o)),
        uses: u.uses,
        unique_users: u.unique_users,
        active_days: u.active_days,
        departments: u.departments,
        last_use: u.last_use,
    };
    // `usage` comes ordered by uses; the by-users order is the one `UsageOrder::Users` uses.
    let by_uses = usage.iter().take(TOP).map(row).collect();
    let mut by_users: Vec<&ResourceUsage> = usage.iter().collect();
    by_users.sort_by(|a, b| {
        b.unique_users.cmp(&a.unique_users).then(b.uses.cmp(&a.uses)).then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    (by_uses, by_users.into_iter().take(TOP).map(row).collect())
}

/// Makers whose first resource (as primary owner, deleted ones included) was created in the
/// period. A maker owning any resource of unknown creation date is not counted as new: that
/// resource may be older.
async fn new_makers(
    store: &dyn Store,
    briefs: &[ResourceBrief],
    period: Month,
    principals: &mut HashMap<String, Principal>,
) -> Result<Listing<NewMaker>, ReportError> {
    struct Acc {
        first: Option<Timestamp>,
        unknown: bool,
        in_period: u64,
    }
    let mut by_owner: BTreeMap<&str, Acc> = BTreeMap::new();
    for b in briefs {
        let Some(owner) = b.owner.as_deref() else { continue };
        let acc = by_owner.entry(owner).or_insert(Acc { first: None, unknown: false, in_period: 0 });
        match b.created_at {
            Some(at) => {
                acc.first = Some(acc.first.map_or(at, |f| f.min(at)));
                if Month::of(at.date_naive()) == period {
                    acc.in_period += 1;
                }
            }
            None => acc.unknown = true,
        }
    }
    let mut found: Vec<(&str, Timestamp, u64)> = by_owner
        .into_iter()
        .filter(|(_, acc)| !acc.unknown)
        .filter_map(|(owner, acc)| acc.first.map(|first| (owner, first, acc.in_period)))
        .filter(|(_, first, _)| Month::of(first.date_naive()) == period)
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    let total = found.len() as u64;
    let mut items = Vec::new();
    for (id, first, resources_created) in found.into_iter().take(LISTED) {
        // Makers whose every resource is deleted again are not among the listed makers.
        if !principals.contains_key(id)
            && let Some(p) = store.get_principal(id).await.map_err(ReportError::store("reading a new maker"))?
        {
            principals.insert(id.to_string(), p);
        }
        let p = principals.get(id);
        items.push(NewMaker {
            principal_id: id.to_string(),
            display_name: p.map_or_else(|| id.to_string(), |p| p.display_name.clone()),
            upn: p.and_then(|p| p.upn.clone()),
            department: p.and_then(|p| p.department.clone()),
            first_created: first.date_naive(),
            resources_created,
        });
    }
    Ok(Listing { total, items })
}

fn leavers_resources(briefs: &[ResourceBrief], usage: &[ResourceUsage], names: &Names<'_>) -> Listing<LeaverResource> {
    let leavers: BTreeSet<&str> = names.principals.values().filter(|p| p.is_leaver()).map(|p| p.id.as_str()).collect();
    let used: HashMap<&str, &ResourceUsage> = usage.iter().map(|u| (u.resource_id.as_str(), u)).collect();
    let mut items: Vec<LeaverResource> = briefs
        .iter()
        .filter(|b| b.deleted_at.is_none())
        .filter_map(|b| {
            let owner = b.owner.as_deref().filter(|o| leavers.contains(o))?;
            let principal = names.principals.get(owner)?;
            let u = used.get(b.id.as_str());
            Some(LeaverResource {
                resource_id: b.id.clone(),
                display_name: b.display_name.clone(),
                kind: b.kind,
                environment: names.environment(&b.environment_id),
                owner_id: owner.to_string(),
                owner_name: principal.display_name.clone(),
                owner_upn: principal.upn.clone(),
                owner_left: principal.deleted_at.map(|d| d.date_naive()),
                uses_in_period: u.map_or(0, |u| u.uses),
                users_in_period: u.map_or(0, |u| u.unique_users),
                last_use: u.and_then(|u| u.last_use),
            })
        })
        .collect();
    // Most used first: those are the ones a team depends on and that need a new owner soonest.
    items.sort_by(|a, b| {
        b.users_in_period
            .cmp(&a.users_in_period)
            .then(b.uses_in_period.cmp(&a.uses_in_period))
            .then_with(|| a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase()))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    let total = items.len() as u64;
    items.truncate(LISTED);
    Listing { total, items }
}

/// Last use over all time kept, not only the period: a resource unused this month may have been
/// used last week, and that is what decides whether it needs a new owner.
async fn add_last_use(
    store: &dyn Store,
    tenant_id: Option<&str>,
    items: &mut [LeaverResource],
) -> Result<(), ReportError> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = items.iter().map(|l| l.resource_id.clone()).collect();
    let spans = store.usage_spans(tenant_id, Some(&ids)).await.map_err(ReportError::store("reading last uses"))?;
    let last: HashMap<String, chrono::NaiveDate> = spans.into_iter().map(|s| (s.resource_id, s.last)).collect();
    for item in items {
        item.last_use = last.get(&item.resource_id).copied().or(item.last_use);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_record_counts_at_a_month_end_between_its_creation_and_deletion() {
        let oct: Month = "2026-10".parse().unwrap();
        let end = oct.end();
        assert!(alive_at(Some(at(2026, 10, 31)), None, end));
        assert!(!alive_at(Some(at(2026, 11, 1)), None, end), "created after the month");
        assert!(alive_at(None, None, end), "unknown creation counts as existing");
        assert!(!alive_at(Some(at(2026, 1, 1)), Some(at(2026, 10, 31)), end), "deleted within the month");
        assert!(alive_at(Some(at(2026, 1, 1)), Some(at(2026, 11, 2)), end), "deleted later");
    }
}
