//! Reading the estate from the store into policy facts.
//!
//! Everything is read in bulk (a handful of queries, resources a page at a time) because a
//! run covers every resource of the tenant; the builder keeps compact fact rows, not model
//! structs, so a million resources fit in memory. Criticality is computed here from usage and
//! declared impact (steward-responsibility), so that policies can read `resource.criticality`
//! without anyone having stored it.

use crate::Result;
use chrono::{Days, NaiveDate};
use std::collections::HashMap;
use steward_model::{Environment, Governance, ResourceGovernance};
use steward_policy::facts::{FactTable, FactsBuilder, UsageSummary};
use steward_responsibility::{CriticalityConfig, Input, criticality_level};
use steward_store::usage::{ResourceUsageQuery, UsageOrder};
use steward_store::{EnvironmentQuery, PrincipalQuery, ResourceQuery, Store, UsageReads};

/// Resources read per page: large enough that per-page overhead (a count) is negligible,
/// small enough that a page of model structs stays a few tens of megabytes.
const PAGE: u32 = 5_000;

/// The facts of every live resource and environment of a tenant (every tenant when `None`),
/// as of `day`.
pub async fn load_facts<S: Store + ?Sized>(
    store: &S,
    tenant: Option<&str>,
    day: NaiveDate,
    criticality: &CriticalityConfig,
) -> Result<FactTable> {
    let tenant_owned = tenant.map(str::to_string);
    let mut builder = FactsBuilder::new(day);

    let environments = all_environments(store, &tenant_owned).await?;
    builder.environments(&environments);
    let by_id: HashMap<&str, &Environment> = environments.iter().map(|e| (e.id.as_str(), e)).collect();

    let mut principals = Vec::new();
    let mut cursor = None;
    loop {
        let query = PrincipalQuery {
            tenant: tenant_owned.clone(),
            limit: Some(PAGE),
            cursor: cursor.take(),
            ..Default::default()
        };
        let page = store.list_principals(&query).await?;
        principals.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    builder.principals(&principals);
    drop(principals);
    builder.data_policies(&store.list_data_policies(tenant).await?);

    let (usage, month) = usage_summaries(store, tenant, day).await?;
    let mut governance: HashMap<String, Governance> =
        store.list_governance(tenant).await?.into_iter().map(|g| (g.resource_id, g.governance)).collect();
    builder.usage(usage.iter().map(|(id, u)| (id.clone(), *u)));

    let mut cursor = None;
    loop {
        let query = ResourceQuery {
            tenant: tenant_owned.clone(),
            limit: Some(PAGE),
            cursor: cursor.take(),
            ..Default::default()
        };
        let page = store.list_resources(&query).await?;
        let mut rows = Vec::with_capacity(page.items.len());
        for r in &page.items {
            let mut g = governance.remove(&r.id).unwrap_or_default();
            if let Some(env) = by_id.get(r.environment_id.as_str()) {
                let mut input = Input::from_model(r, env, &g);
                let u = usage.get(&r.id).copied().unwrap_or_default();
                input.users_30d = u.users_30d;
                input.uses_30d = u.uses_30d;
                if let Some(m) = month.get(&r.id) {
                    input.departments_30d = m.departments;
                    input.active_days_30d = m.active_days;
                }
                g.criticality = Some(criticality_level(&input, criticality));
            }
            if !g.is_empty() {
                rows.push(ResourceGovernance { resource_id: r.id.clone(), governance: g });
            }
        }
        builder.governance(rows);
        builder.add_resources(&page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(builder.build())
}

async fn all_environments<S: Store + ?Sized>(store: &S, tenant: &Option<String>) -> Result<Vec<Environment>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let query =
            EnvironmentQuery { tenant: tenant.clone(), limit: Some(PAGE), cursor: cursor.take(), ..Default::default() };
        let page = store.list_environments(&query).await?;
        out.extend(page.items.into_iter().map(|s| s.environment));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(out)
}

/// Every resource used in the `days` days ending on `day`.
fn window(tenant: Option<&str>, day: NaiveDate, days: u64) -> ResourceUsageQuery {
    ResourceUsageQuery {
        tenant_id: tenant.map(str::to_string),
        kinds: Vec::new(),
        environment_id: None,
        from: day.checked_sub_days(Days::new(days - 1)).unwrap_or(NaiveDate::MIN),
        to: day,
        include_unused: false,
        order: UsageOrder::Uses,
        limit: None,
    }
}

/// Uses and users over the 7, 30 and 90 days ending on `day`, first and last use ever, and
/// the month's departments and active days.
async fn usage_summaries<S: Store + ?Sized>(
    store: &S,
    tenant: Option<&str>,
    day: NaiveDate,
) -> Result<(HashMap<String, UsageSummary>, HashMap<String, MonthFigures>)> {
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let mut out: HashMap<String, UsageSummary> = HashMap::new();
    let mut month: HashMap<String, MonthFigures> = HashMap::new();
    for span in store.usage_spans(tenant, None).await? {
        let u = out.entry(span.resource_id).or_default();
        u.first_use = Some(span.first);
        // A use after the evaluation day is not known yet on that day.
        u.last_use = Some(span.last.min(day));
    }
    for days in [7u64, 30, 90] {
        let query = window(tenant, day, days);
        for r in store.resource_usage(&query).await? {
            if days == 30 {
                let figures = MonthFigures { departments: clamp(r.departments), active_days: clamp(r.active_days) };
                month.insert(r.resource_id.clone(), figures);
            }
            let u = out.entry(r.resource_id).or_default();
            match days {
                7 => u.uses_7d = r.uses,
                30 => {
                    u.uses_30d = r.uses;
                    u.users_30d = r.unique_users;
                }
                _ => {
                    u.uses_90d = r.uses;
                    u.users_90d = r.unique_users;
                }
            }
        }
    }
    Ok((out, month))
}

/// What criticality reads besides uses and users, over the 30 days ending on `day`.
#[derive(Default)]
struct MonthFigures {
    departments: u32,
    active_days: u32,
}
