//! Ingest throughput against the real PostgreSQL. Prints figures, asserts only correctness.
//!
//! `STEWARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!  cargo test -p steward-store-postgres --release -- --ignored --nocapture`

mod common;

use chrono::{Duration, TimeZone, Utc};
use std::time::Instant;
use steward_model::{
    ConnectionReference, ConnectorTier, Owner, Resource, ResourceKind, ResourceState, Share, ShareRole, ShareTarget,
};
use steward_store::{Store, UpsertCounts};

const RESOURCES: usize = 50_000;
const PER_CALL: usize = 5_000;

/// A small deterministic generator, so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn realistic(i: usize, rng: &mut Lcg) -> Resource {
    let base = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let created = base + Duration::minutes(rng.next(1_000_000) as i64);
    let owners = (0..1 + rng.next(2))
        .map(|_| Owner { principal_id: format!("user-{:05}", rng.next(5000)), role: ShareRole::Owner })
        .collect();
    let sharing = (0..rng.next(4))
        .map(|_| Share {
            target: ShareTarget::User,
            principal_id: format!("user-{:05}", rng.next(5000)),
            role: ShareRole::CanView,
        })
        .collect();
    let connectors = ["shared_sharepointonline", "shared_office365", "shared_sql", "shared_teams", "shared_http"];
    let connection_references = (0..rng.next(5))
        .map(|_| {
            let c = connectors[rng.next(connectors.len() as u64) as usize];
            ConnectionReference {
                connector_id: c.into(),
                display_name: c.trim_start_matches("shared_").into(),
                tier: if c == "shared_sql" { ConnectorTier::Premium } else { ConnectorTier::Standard },
            }
        })
        .collect();
    let kind = if i.is_multiple_of(3) { ResourceKind::CloudFlow } else { ResourceKind::CanvasApp };
    let mut attributes = serde_json::Map::new();
    attributes.insert("appPlanClassification".into(), serde_json::Value::from("Standard"));
    attributes.insert("bypassConsent".into(), serde_json::Value::from(false));
    Resource {
        id: format!("{:08x}-0000-4000-8000-{:012x}", i, rng.next(1 << 40)),
        tenant_id: "tenant-1".into(),
        environment_id: format!("env-{:03}", rng.next(200)),
        platform: steward_model::POWER_PLATFORM.into(),
        kind,
        display_name: format!("Business process {i} for team {}", rng.next(300)),
        description: (rng.next(2) == 0).then(|| "Tracks requests and approvals".to_string()),
        state: ResourceState::Active,
        created_at: Some(created),
        modified_at: Some(created + Duration::days(rng.next(300) as i64)),
        published_at: Some(created + Duration::days(1)),
        created_by: Some(format!("user-{:05}", rng.next(5000))),
        owners,
        sharing,
        shared_users: rng.next(40) as u32,
        shared_groups: rng.next(3) as u32,
        shared_with_everyone: rng.next(50) == 0,
        connection_references,
        solution_id: None,
        quarantined: false,
        attributes,
        deleted_at: None,
    }
}

async fn timed_upsert(store: &dyn Store, items: &[Resource]) -> (UpsertCounts, f64) {
    let started = Instant::now();
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let mut counts = UpsertCounts::default();
    for chunk in items.chunks(PER_CALL) {
        counts += tx.upsert_resources(chunk.to_vec()).await.unwrap_or_else(|e| panic!("upsert: {e}"));
    }
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    (counts, items.len() as f64 / started.elapsed().as_secs_f64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn bench_upsert_resources() {
    let Some(store) = common::fresh_store().await else {
        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut rng = Lcg(42);
    let mut items: Vec<Resource> = (0..RESOURCES).map(|i| realistic(i, &mut rng)).collect();

    let (counts, fresh) = timed_upsert(&store, &items).await;
    assert_eq!(counts.added, RESOURCES as u64);
    let (counts, same) = timed_upsert(&store, &items).await;
    assert_eq!(counts.unchanged, RESOURCES as u64);
    for r in items.iter_mut().step_by(10) {
        r.display_name.push_str(" (renamed)");
        r.owners.reverse();
    }
    let (counts, tenth) = timed_upsert(&store, &items).await;
    assert_eq!(counts.changed, (RESOURCES as u64).div_ceil(10));

    println!(
        "postgres upsert_resources, {RESOURCES} resources in calls of {PER_CALL}: \
         new {fresh:.0}/s, unchanged {same:.0}/s, 10% changed {tenth:.0}/s"
    );
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn bench_insert_usage_events() {
    use steward_model::{UsageEvent, UsageKind};
    const EVENTS: usize = 200_000;
    const EVENTS_PER_CALL: usize = 10_000;
    let Some(store) = common::fresh_store().await else {
        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut rng = Lcg(7);
    let base = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().unwrap_or_default();
    let kinds = [UsageKind::Launch, UsageKind::Run, UsageKind::Session, UsageKind::Edit];
    let mut events: Vec<UsageEvent> = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        // One record in ten repeats an earlier record whole, as the audit feed does (a repeat
        // keeps its time, so it falls on the day whose ledger already holds it).
        if i % 10 == 9 {
            let earlier = events[rng.next(i as u64) as usize].clone();
            events.push(earlier);
            continue;
        }
        events.push(UsageEvent {
            id: format!("audit-{i:08}"),
            tenant_id: "tenant-1".into(),
            occurred_at: base + Duration::seconds(rng.next(60 * 86_400) as i64),
            principal_id: Some(format!("user-{:05}", rng.next(5000))),
            principal_upn: None,
            resource_id: Some(format!("res-{:05}", rng.next(2000))),
            environment_id: None,
            kind: kinds[rng.next(kinds.len() as u64) as usize],
            operation: "LaunchPowerApp".into(),
            workload: Some("PowerApps".into()),
        });
    }
    let started = Instant::now();
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let mut new = 0;
    for chunk in events.chunks(EVENTS_PER_CALL) {
        new += tx.insert_usage_events(chunk.to_vec()).await.unwrap_or_else(|e| panic!("insert: {e}"));
    }
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    let rate = EVENTS as f64 / started.elapsed().as_secs_f64();
    let distinct: std::collections::HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(new, distinct.len() as u64);
    println!(
        "postgres insert_usage_events, {EVENTS} events ({new} distinct) in calls of {EVENTS_PER_CALL}: {rate:.0}/s \
         including rollups"
    );
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

/// The streaming importer's shape: per day, lock the ledger, aggregate the day's records, look up
/// scopes, take the delta and apply it; one transaction per day. Prints records per second end to
/// end and rollup row deltas per second inside `apply_usage`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn bench_apply_usage() {
    use std::collections::HashMap;
    use steward_model::UsageKind;
    use steward_store::usage::{Aggregator, EventRef};
    const INVENTORY: usize = 20_000;
    const USERS: u64 = 20_000;
    const DAYS: u32 = 14;
    const RECORDS_PER_DAY: u64 = 250_000;
    let Some(store) = common::fresh_store().await else {
        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut rng = Lcg(11);
    let inventory: Vec<Resource> = (0..INVENTORY).map(|i| realistic(i, &mut rng)).collect();
    timed_upsert(&store, &inventory).await;
    let users: Vec<String> = (0..USERS).map(|u| format!("user-{u:05}")).collect();
    let kinds = [UsageKind::Launch, UsageKind::Launch, UsageKind::Run, UsageKind::Session, UsageKind::Edit];
    let first = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();

    let (mut rows, mut apply_secs) = (0usize, 0f64);
    let started = Instant::now();
    for d in 0..DAYS {
        let day = first + chrono::Days::new(u64::from(d));
        let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
        let mut agg = Aggregator::new("tenant-1");
        agg.open_day(day, tx.usage_ledger("tenant-1", day).await.unwrap_or_else(|e| panic!("ledger: {e}")));
        for i in 0..RECORDS_PER_DAY {
            // Popularity is skewed: a few resources and users carry most records.
            let spread = rng.next(INVENTORY as u64) + 1;
            let r = &inventory[rng.next(spread) as usize];
            let spread = rng.next(USERS) + 1;
            let who = &users[rng.next(spread) as usize];
            let serial = u64::from(d) * RECORDS_PER_DAY + i;
            agg.add(&EventRef {
                id_hash: serial.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                day,
                kind: kinds[rng.next(kinds.len() as u64) as usize],
                resource_id: Some(&r.id),
                environment_id: Some(&r.environment_id),
                actor: Some(who),
            });
        }
        let resources = agg.resources_on(&[day]);
        let scopes = tx.resource_scopes(&resources).await.unwrap_or_else(|e| panic!("scopes: {e}"));
        let scopes: HashMap<_, _> = scopes.into_iter().map(|s| (s.resource_id.clone(), s)).collect();
        let delta = agg.take(&[day], &scopes);
        rows += delta.rows.len();
        let applying = Instant::now();
        tx.apply_usage(delta).await.unwrap_or_else(|e| panic!("apply: {e}"));
        apply_secs += applying.elapsed().as_secs_f64();
        tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    }
    let total = started.elapsed().as_secs_f64();
    let records = u64::from(DAYS) * RECORDS_PER_DAY;
    let status = store.usage_status(None).await.unwrap_or_else(|e| panic!("status: {e}"));
    assert_eq!(status.records, records, "every record id is distinct and of a counted kind");
    println!(
        "postgres usage import shape, {DAYS} days x {RECORDS_PER_DAY} records ({INVENTORY} resources, {USERS} users): \
         {:.0} records/s end to end; apply_usage {rows} row deltas in {apply_secs:.1} s = {:.0} rows/s; \
         {} rollup rows stored",
        records as f64 / total,
        rows as f64 / apply_secs,
        status.rollup_rows
    );
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}
