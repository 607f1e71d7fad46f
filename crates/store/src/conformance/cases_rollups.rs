//! Usage rollups beyond resource-days: weeks, months, environments, makers, tenants, maker
//! activity, per-resource windows, retention, and incremental writes giving the same rows.

use super::*;
use crate::usage::{PeriodQuery, ResourceUsageQuery, UsageOrder};
use crate::{Store, UsageReads};
use std::sync::Arc;
use steward_model::{ResourceKind, UsageKind, UsageMetric, UsagePeriod, UsageScope};

fn department(mut p: steward_model::Principal, dept: &str) -> steward_model::Principal {
    p.department = Some(dept.into());
    p
}

fn owned(env: &str, id: &str, kind: ResourceKind, owner_id: &str) -> steward_model::Resource {
    let mut r = resource("t1", env, id, kind, id);
    r.owners = vec![owner(owner_id)];
    r
}

fn upn(id: &str, resource: &str, who: &str, kind: UsageKind, when: steward_model::Timestamp) -> UsageEvent {
    let mut e = event("t1", id, Some(resource), None, kind, when);
    e.principal_upn = Some(who.into());
    e
}

/// Sunday 2026-10-04 and Monday 2026-10-05 fall in different ISO weeks; 2026-11-02 in the next month.
fn rollup_dataset() -> Dataset {
    let (sun, mon, nov) = (at(2026, 10, 4, 9, 0, 0, 0), at(2026, 10, 5, 9, 0, 0, 0), at(2026, 11, 2, 9, 0, 0, 0));
    Dataset {
        tenants: vec![tenant("t1")],
        environments: vec![environment("t1", "e1"), environment("t1", "e2")],
        principals: vec![
            department(principal("t1", "pA", "a@contoso.com"), "Sales"),
            department(principal("t1", "pB", "b@contoso.com"), "Finance"),
            department(principal("t1", "pZ", "Zed@Contoso.com"), "Sales"),
            principal("t1", "M1", "m1@contoso.com"),
        ],
        resources: vec![
            owned("e1", "R1", ResourceKind::CanvasApp, "M1"),
            owned("e1", "R2", ResourceKind::CloudFlow, "M1"),
            owned("e2", "R3", ResourceKind::CanvasApp, "M2"),
            owned("e2", "R4", ResourceKind::Agent, "M2"),
        ],
        events: vec![
            event("t1", "a1", Some("R1"), Some("pA"), UsageKind::Launch, sun),
            event("t1", "a2", Some("R1"), Some("pB"), UsageKind::Launch, mon),
            event("t1", "a3", Some("R1"), Some("pA"), UsageKind::Launch, mon),
            upn("a4", "R1", "ZED@contoso.com", UsageKind::Launch, mon),
            event("t1", "a5", Some("R2"), Some("pA"), UsageKind::Run, mon),
            event("t1", "a6", Some("R3"), Some("pB"), UsageKind::Launch, nov),
            event("t1", "m1", Some("R1"), Some("M1"), UsageKind::Edit, sun),
            event("t1", "m2", Some("R3"), Some("M2"), UsageKind::Publish, nov),
            event("t1", "m3", Some("R3"), Some("M1"), UsageKind::Create, nov),
            event("t1", "x1", Some("R1"), Some("pA"), UsageKind::Delete, nov),
        ],
        ..Default::default()
    }
}

async fn periods(
    store: &Arc<dyn Store>,
    scope: UsageScope,
    period: UsagePeriod,
    metric: UsageMetric,
) -> Vec<(String, chrono::NaiveDate, u64, u64)> {
    let q = PeriodQuery {
        tenant_id: Some("t1".into()),
        scope,
        scope_id: None,
        period,
        metric,
        from: day(2026, 9, 1),
        to: day(2026, 12, 31),
    };
    let rows = store.period_usage(&q).await.unwrap_or_else(|e| panic!("period_usage: {e}"));
    rows.into_iter().map(|r| (r.scope_id, r.start, r.uses, r.users)).collect()
}

pub async fn case_usage_periods_scopes_and_makers(store: Arc<dyn Store>) {
    let c = load(&store, &rollup_dataset()).await;
    assert_eq!(c.new_events, 9, "uses and maker actions count; a delete is neither");
    let s = |v: &str| v.to_string();
    assert_eq!(
        periods(&store, UsageScope::Resource, UsagePeriod::Week, UsageMetric::Use).await,
        vec![
            (s("R1"), day(2026, 9, 28), 1, 1),
            (s("R1"), day(2026, 10, 5), 3, 3),
            (s("R2"), day(2026, 10, 5), 1, 1),
            (s("R3"), day(2026, 11, 2), 1, 1)
        ],
        "ISO weeks start on Monday; the UPN user is one more user"
    );
    assert_eq!(
        periods(&store, UsageScope::Resource, UsagePeriod::Month, UsageMetric::Use).await,
        vec![(s("R1"), day(2026, 10, 1), 4, 3), (s("R2"), day(2026, 10, 1), 1, 1), (s("R3"), day(2026, 11, 1), 1, 1)],
        "monthly active users of a resource count each person once"
    );
    assert_eq!(
        periods(&store, UsageScope::Environment, UsagePeriod::Month, UsageMetric::Use).await,
        vec![(s("e1"), day(2026, 10, 1), 5, 3), (s("e2"), day(2026, 11, 1), 1, 1)],
        "environment rollups span its resources"
    );
    assert_eq!(
        periods(&store, UsageScope::Maker, UsagePeriod::Month, UsageMetric::Use).await,
        vec![(s("M1"), day(2026, 10, 1), 5, 3), (s("M2"), day(2026, 11, 1), 1, 1)],
        "maker rollups follow the primary owner of each resource"
    );
    assert_eq!(
        periods(&store, UsageScope::Tenant, UsagePeriod::Day, UsageMetric::Use).await,
        vec![(s("t1"), day(2026, 10, 4), 1, 1), (s("t1"), day(2026, 10, 5), 4, 3), (s("t1"), day(2026, 11, 2), 1, 1)],
        "daily active users of the tenant"
    );
    assert_eq!(
        periods(&store, UsageScope::Tenant, UsagePeriod::Month, UsageMetric::Make).await,
        vec![(s("t1"), day(2026, 10, 1), 1, 1), (s("t1"), day(2026, 11, 1), 2, 2)],
        "makers active per month"
    );
    let daily = store.daily_usage("R1", day(2026, 10, 1), day(2026, 10, 31)).await.expect("daily_usage");
    assert_eq!(
        daily.iter().map(|d| (d.day, d.uses, d.unique_users, d.departments)).collect::<Vec<_>>(),
        vec![(day(2026, 10, 4), 1, 1, 1), (day(2026, 10, 5), 3, 3, 2)],
        "departments reached: Sales (pA and Zed by UPN) and Finance (pB)"
    );
}

pub async fn case_usage_resource_windows(store: Arc<dyn Store>) {
    load(&store, &rollup_dataset()).await;
    let q = |include_unused, order, kinds: Vec<ResourceKind>| ResourceUsageQuery {
        tenant_id: Some("t1".into()),
        kinds,
        environment_id: None,
        from: day(2026, 10, 1),
        to: day(2026, 10, 31),
        include_unused,
        order,
        limit: None,
    };
    let used = store.resource_usage(&q(false, UsageOrder::Uses, vec![])).await.expect("resource_usage");
    let figures: Vec<_> =
        used.iter().map(|r| (r.resource_id.as_str(), r.uses, r.unique_users, r.active_days, r.departments)).collect();
    assert_eq!(figures, vec![("R1", 4, 3, 2, 2), ("R2", 1, 1, 1, 1)], "October, most used first");
    assert_eq!(used[0].kind, Some(ResourceKind::CanvasApp), "joined with the inventory");
    assert_eq!(used[0].owner.as_deref(), Some("M1"));
    assert_eq!((used[0].first_use, used[0].last_use), (Some(day(2026, 10, 4)), Some(day(2026, 10, 5))));

    let all = store.resource_usage(&q(true, UsageOrder::LastUse, vec![])).await.expect("resource_usage");
    let order: Vec<_> = all.iter().map(|r| (r.resource_id.as_str(), r.uses, r.last_use)).collect();
    assert_eq!(
        order,
        vec![
            ("R4", 0, None),
            ("R1", 4, Some(day(2026, 10, 5))),
            ("R2", 1, Some(day(2026, 10, 5))),
            ("R3", 0, Some(day(2026, 11, 2)))
        ],
        "never used first, then least recently used (ties by id); R3 is unused in October but used since"
    );
    let apps = store.resource_usage(&q(true, UsageOrder::Uses, vec![ResourceKind::CanvasApp])).await.expect("kinds");
    assert_eq!(apps.iter().map(|r| r.resource_id.as_str()).collect::<Vec<_>>(), vec!["R1", "R3"], "kind filter");
    let mut bad = q(false, UsageOrder::Uses, vec![]);
    bad.from = day(2026, 11, 1);
    let err = store.resource_usage(&bad).await.expect_err("a window ending before it starts");
    assert!(err.to_string().contains("after it ends"), "{err}");
}

pub async fn case_usage_split_batches_match_one_batch(store: Arc<dyn Store>) {
    let data = rollup_dataset();
    // Base data, then events one day at a time, newest first, some twice.
    load(&store, &Dataset { events: vec![], ..data.clone() }).await;
    let mut events = data.events.clone();
    events.reverse();
    for chunk in events.chunks(3) {
        let mut again = chunk.to_vec();
        again.extend(chunk.iter().take(1).cloned());
        load(&store, &Dataset { events: again, ..Default::default() }).await;
    }
    assert_eq!(digest(&store).await, reference_digest(&data), "split, reordered, repeated: same ledger and days");
    assert_eq!(
        periods(&store, UsageScope::Environment, UsagePeriod::Month, UsageMetric::Use).await,
        vec![("e1".to_string(), day(2026, 10, 1), 5, 3), ("e2".to_string(), day(2026, 11, 1), 1, 1)],
        "merged period rows equal the one-batch rows"
    );
    let status = store.usage_status(Some("t1")).await.expect("usage_status");
    assert_eq!(
        (status.records, status.first_day, status.last_day),
        (10, Some(day(2026, 10, 4)), Some(day(2026, 11, 2))),
        "the ledger holds every record once, the delete too"
    );
}

pub async fn case_usage_retention_seals_days(store: Arc<dyn Store>) {
    load(&store, &rollup_dataset()).await;
    let pruned = store.prune_usage("t1", Some(day(2026, 11, 1)), Some(day(2026, 10, 6))).await.expect("prune_usage");
    assert_eq!(pruned.ledger_days, 2, "the ledgers of 4 and 5 October go");
    let status = store.usage_status(Some("t1")).await.expect("usage_status");
    assert_eq!(status.sealed_before, Some(day(2026, 11, 1)));
    assert_eq!(status.records, 4, "only November's records are still in the ledger");
    assert!(
        store.daily_usage("R1", day(2026, 10, 1), day(2026, 10, 31)).await.expect("daily").is_empty(),
        "day rows before the rollup cut-off go"
    );
    let months = periods(&store, UsageScope::Resource, UsagePeriod::Month, UsageMetric::Use).await;
    assert!(
        months.iter().any(|m| m.0 == "R1" && m.2 == 4),
        "October's month row stays: its month is not over: {months:?}"
    );
    let before = digest(&store).await;
    let replay = Dataset { events: rollup_dataset().events, ..Default::default() };
    let c = load(&store, &replay).await;
    assert_eq!(c.new_events, 0, "records of sealed days are refused, records still in the ledger are repeats");
    assert_eq!(digest(&store).await, before, "replaying after retention changes nothing");
    let other = store.usage_status(Some("t9")).await.expect("usage_status of another tenant");
    assert_eq!(other.sealed_before, None, "sealing is per tenant");
}
