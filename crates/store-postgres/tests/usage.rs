//! Usage rollups under what only PostgreSQL has: concurrent writers on separate connections, and
//! deltas larger than one statement's batch. Shared rollup behaviour is in the conformance suite.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use std::time::Duration;
use steward_model::{UsageEvent, UsageKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::{DayLedger, PeriodQuery};
use steward_store::{IngestTx, Store, UsageReads};
use steward_store_postgres::PostgresStore;

macro_rules! need_postgres {
    () => {
        match common::url() {
            Some(url) => url,
            None => {
                eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
                return;
            }
        }
    };
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
}

/// A launch of `resource` on 2026-11-`d` by `who`.
fn launch(id: &str, d: u32, resource: &str, who: &str) -> UsageEvent {
    UsageEvent {
        id: id.into(),
        tenant_id: "t1".into(),
        occurred_at: Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).single().unwrap_or_default(),
        principal_id: Some(who.into()),
        principal_upn: None,
        resource_id: Some(resource.into()),
        environment_id: None,
        kind: UsageKind::Launch,
        operation: "LaunchPowerApp".into(),
        workload: Some("PowerApps".into()),
    }
}

async fn begin(store: &PostgresStore) -> Box<dyn IngestTx> {
    store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"))
}

async fn insert(tx: &mut Box<dyn IngestTx>, events: Vec<UsageEvent>) -> u64 {
    tx.insert_usage_events(events).await.unwrap_or_else(|e| panic!("insert_usage_events: {e}"))
}

/// Wait until some session of this database is blocked on a lock while running a statement on
/// `table`: proof that a second writer queued behind the first instead of reading past it.
/// Bounded, so that a writer that never blocks fails the test instead of hanging it.
async fn wait_for_blocked_writer(url: &str, table: &str) {
    let (client, connection) =
        tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap_or_else(|e| panic!("connect: {e}"));
    tokio::spawn(connection);
    let pattern = format!("%{table}%");
    for _ in 0..1500 {
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND query LIKE $1",
                &[&pattern],
            )
            .await
            .unwrap_or_else(|e| panic!("reading pg_stat_activity: {e}"));
        if row.get::<_, i64>(0) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no writer ever waited on a lock over {table}: the second transaction did not queue behind the first");
}

fn period(scope: UsageScope, scope_id: &str, period: UsagePeriod) -> PeriodQuery {
    PeriodQuery {
        tenant_id: Some("t1".into()),
        scope,
        scope_id: Some(scope_id.into()),
        period,
        metric: UsageMetric::Use,
        from: day(1),
        to: day(30),
    }
}

async fn figures(store: &PostgresStore, q: &PeriodQuery) -> Vec<(NaiveDate, u64, u64)> {
    let rows = store.period_usage(q).await.unwrap_or_else(|e| panic!("period_usage: {e}"));
    rows.into_iter().map(|r| (r.start, r.uses, r.users)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_of_the_same_day_waits_and_then_skips_what_the_first_counted() {
    let url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let mut first = begin(&store).await;
    assert_eq!(insert(&mut first, vec![launch("a", 2, "app", "u1"), launch("b", 2, "app", "u2")]).await, 2);

    let other = store.clone();
    let second = tokio::spawn(async move {
        let mut tx = begin(&other).await;
        let events = vec![launch("a", 2, "app", "u1"), launch("b", 2, "app", "u2"), launch("c", 2, "app", "u3")];
        let counted = insert(&mut tx, events).await;
        tx.commit().await.unwrap_or_else(|e| panic!("second commit: {e}"));
        counted
    });
    wait_for_blocked_writer(&url, "usage_ledger").await;
    first.commit().await.unwrap_or_else(|e| panic!("first commit: {e}"));
    let counted = second.await.unwrap_or_else(|e| panic!("second writer: {e}"));

    assert_eq!(counted, 1, "records the first writer committed are duplicates for the second");
    let usage = store.daily_usage("app", day(2), day(2)).await.unwrap_or_else(|e| panic!("daily_usage: {e}"));
    assert_eq!(usage.iter().map(|d| (d.uses, d.unique_users)).collect::<Vec<_>>(), vec![(3, 3)]);
    let overview = store.overview(Some("t1")).await.unwrap_or_else(|e| panic!("overview: {e}"));
    assert_eq!(overview.usage_events, 3);
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_of_different_days_merge_the_week_and_month_rows_they_both_create() {
    let url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    // 2026-11-02 is a Monday, the 3rd the Tuesday of the same ISO week: different ledger rows,
    // so neither writer waits at the ledger, but both create the same week and month rows.
    let mut first = begin(&store).await;
    insert(&mut first, vec![launch("m1", 2, "app", "alice")]).await;

    let other = store.clone();
    let second = tokio::spawn(async move {
        let mut tx = begin(&other).await;
        insert(&mut tx, vec![launch("t1", 3, "app", "bob"), launch("t2", 3, "app", "bob")]).await;
        tx.commit().await.unwrap_or_else(|e| panic!("second commit: {e}"));
    });
    wait_for_blocked_writer(&url, "usage_rollups").await;
    first.commit().await.unwrap_or_else(|e| panic!("first commit: {e}"));
    second.await.unwrap_or_else(|e| panic!("second writer: {e}"));

    let week = figures(&store, &period(UsageScope::Resource, "app", UsagePeriod::Week)).await;
    assert_eq!(week, vec![(day(2), 3, 2)], "the week row holds both writers' uses and users");
    let month = figures(&store, &period(UsageScope::Tenant, "t1", UsagePeriod::Month)).await;
    assert_eq!(month, vec![(day(1), 3, 2)], "so does the tenant's month row");
    let days = figures(&store, &period(UsageScope::Resource, "app", UsagePeriod::Day)).await;
    assert_eq!(days, vec![(day(2), 1, 1), (day(3), 2, 1)]);
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_empty_ledger_row_a_lock_leaves_is_not_content() {
    let _url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let mut tx = begin(&store).await;
    insert(&mut tx, vec![launch("a", 2, "app", "u1")]).await;
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    let digest = store.content_digest().await.unwrap_or_else(|e| panic!("digest: {e}"));
    let status = store.usage_status(None).await.unwrap_or_else(|e| panic!("usage_status: {e}"));

    let mut tx = begin(&store).await;
    let ledger = tx.usage_ledger("t1", day(9)).await.unwrap_or_else(|e| panic!("usage_ledger: {e}"));
    assert_eq!(ledger, DayLedger::Open(vec![]));
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));

    assert_eq!(store.content_digest().await.unwrap_or_else(|e| panic!("digest: {e}")), digest);
    assert_eq!(store.usage_status(None).await.unwrap_or_else(|e| panic!("usage_status: {e}")), status);
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deltas_larger_than_one_batch_are_merged_whole() {
    let _url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    // 2,500 resources give 7,500 resource rows per delta (day, week, month): more than one
    // statement's batch, for both the insert and, the second time, the update path.
    const RESOURCES: usize = 2500;
    let round = |tag: &str, who: &str| -> Vec<UsageEvent> {
        (0..RESOURCES).map(|i| launch(&format!("{tag}-{i}"), 4, &format!("app-{i:04}"), who)).collect()
    };
    for (tag, who) in [("x", "u1"), ("y", "u2")] {
        let mut tx = begin(&store).await;
        assert_eq!(insert(&mut tx, round(tag, who)).await, RESOURCES as u64);
        tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    }
    for i in [0, RESOURCES / 2, RESOURCES - 1] {
        let id = format!("app-{i:04}");
        for p in UsagePeriod::ALL {
            let rows = figures(&store, &period(UsageScope::Resource, &id, *p)).await;
            assert_eq!(rows.iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(), vec![(2, 2)], "{id} {p}");
        }
    }
    let month = figures(&store, &period(UsageScope::Tenant, "t1", UsagePeriod::Month)).await;
    assert_eq!(month, vec![(day(1), 2 * RESOURCES as u64, 2)]);
    let status = store.usage_status(Some("t1")).await.unwrap_or_else(|e| panic!("usage_status: {e}"));
    assert_eq!(status.records, 2 * RESOURCES as u64);
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}
