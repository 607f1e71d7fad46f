//! Ingest throughput on a real file. Run with
//! `cargo test -p steward-store-sqlite --release --test bench_ingest -- --ignored --nocapture`
//! (`STEWARD_BENCH_RESOURCES` sets the count, default 500000). Prints figures; asserts only counts.

use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_model::{
    ConnectionReference, ConnectorTier, Owner, Resource, ResourceKind, ResourceState, Share, ShareRole, ShareTarget,
};
use steward_store::conformance::{principal, ts};
use steward_store::{PrincipalQuery, ResourceQuery, ResourceSort, Store, UpsertCounts};
use steward_store_sqlite::SqliteStore;

const BATCH: usize = 5000;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn guid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

const CONNECTORS: [(&str, &str, ConnectorTier); 6] = [
    ("shared_sharepointonline", "SharePoint", ConnectorTier::Standard),
    ("shared_office365", "Office 365 Outlook", ConnectorTier::Standard),
    ("shared_teams", "Microsoft Teams", ConnectorTier::Standard),
    ("shared_sql", "SQL Server", ConnectorTier::Premium),
    ("shared_commondataserviceforapps", "Dataverse", ConnectorTier::Premium),
    ("shared_http", "HTTP", ConnectorTier::Premium),
];
const KINDS: [ResourceKind; 4] =
    [ResourceKind::CanvasApp, ResourceKind::CloudFlow, ResourceKind::CloudFlow, ResourceKind::Agent];

fn realistic_resource(rng: &mut Rng, id: String, environments: &[String], principals: &[String]) -> Resource {
    let pick = |rng: &mut Rng, list: &[String]| list[rng.below(list.len() as u64) as usize].clone();
    let owners = (0..1 + rng.below(2))
        .map(|i| Owner {
            principal_id: pick(rng, principals),
            role: if i == 0 { ShareRole::Owner } else { ShareRole::CanEdit },
        })
        .collect();
    let sharing = (0..rng.below(4))
        .map(|_| Share { target: ShareTarget::User, principal_id: pick(rng, principals), role: ShareRole::CanView })
        .collect();
    let connection_references = (0..rng.below(5))
        .map(|_| {
            let (id, name, tier) = CONNECTORS[rng.below(CONNECTORS.len() as u64) as usize];
            ConnectionReference { connector_id: id.into(), display_name: name.into(), tier }
        })
        .collect();
    let created = 1_600_000_000_000 + rng.below(150_000_000_000) as i64;
    let mut attributes = serde_json::Map::new();
    attributes.insert("appPlanClassification".into(), serde_json::json!("Standard"));
    attributes.insert("bypassConsent".into(), serde_json::json!(rng.below(2) == 0));
    Resource {
        id,
        tenant_id: "tenant-1".into(),
        environment_id: pick(rng, environments),
        platform: steward_model::POWER_PLATFORM.into(),
        kind: KINDS[rng.below(4) as usize],
        display_name: format!("Invoice tracker {}", rng.below(100_000)),
        description: if rng.below(3) == 0 { Some("Tracks invoices for the finance team".into()) } else { None },
        state: ResourceState::Active,
        created_at: Some(ts(created)),
        modified_at: Some(ts(created + rng.below(10_000_000_000) as i64)),
        published_at: None,
        created_by: Some(pick(rng, principals)),
        owners,
        sharing,
        shared_users: rng.below(50) as u32,
        shared_groups: rng.below(3) as u32,
        shared_with_everyone: rng.below(50) == 0,
        connection_references,
        solution_id: None,
        quarantined: false,
        attributes,
        deleted_at: None,
    }
}

struct Run {
    counts: UpsertCounts,
    store_time: Duration,
    generate_time: Duration,
    commit_time: Duration,
    /// CPU seconds of the whole process and of the writer thread, from /proc (Linux only).
    process_cpu: f64,
    writer_cpu: f64,
}

/// CPU seconds (user + system) in a /proc stat line; other engineers' builds share this machine,
/// so CPU time tells the cost of ingest apart from waiting for a core.
fn cpu_seconds(stat: &str) -> f64 {
    let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn process_cpu() -> f64 {
    std::fs::read_to_string("/proc/self/stat").map(|s| cpu_seconds(&s)).unwrap_or(0.0)
}

fn writer_cpu() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    tasks
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with("steward-sqlite")))
        .map(|t| std::fs::read_to_string(t.path().join("stat")).map(|s| cpu_seconds(&s)).unwrap_or(0.0))
        .sum()
}

async fn ingest(store: &Arc<dyn Store>, n: usize, seed: u64, change_every: Option<u64>) -> Run {
    let environments: Vec<String> = (0..200).map(|i| format!("env-{i:03}")).collect();
    let principals: Vec<String> = (0..20_000).map(|i| format!("user-{i:05}")).collect();
    let mut rng = Rng(seed);
    let mut ids = Rng(42);
    let mut run = Run {
        counts: UpsertCounts::default(),
        store_time: Duration::ZERO,
        generate_time: Duration::ZERO,
        commit_time: Duration::ZERO,
        process_cpu: 0.0,
        writer_cpu: 0.0,
    };
    let (cpu_before, writer_before) = (process_cpu(), writer_cpu());
    let started = Instant::now();
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin_ingest: {e}"));
    let mut done = 0;
    while done < n {
        let generating = Instant::now();
        let batch: Vec<Resource> = (0..BATCH.min(n - done))
            .map(|i| {
                let mut r = realistic_resource(&mut rng, ids.guid(), &environments, &principals);
                if change_every.is_some_and(|k| ((done + i) as u64).is_multiple_of(k)) {
                    r.display_name.push_str(" v2");
                }
                r
            })
            .collect();
        run.generate_time += generating.elapsed();
        done += batch.len();
        run.counts += tx.upsert_resources(batch).await.unwrap_or_else(|e| panic!("upsert_resources: {e}"));
    }
    let committing = Instant::now();
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    run.commit_time = committing.elapsed();
    run.store_time = started.elapsed() - run.generate_time;
    run.process_cpu = process_cpu() - cpu_before;
    run.writer_cpu = writer_cpu() - writer_before;
    run
}

fn report(what: &str, n: usize, run: &Run) {
    let rate = n as f64 / run.store_time.as_secs_f64();
    println!(
        "{what:<28} {n} resources in {:>6.2} s store time (of which commit {:.2} s; {:.2} s generating): {:>9.0} resources/s wall; \
         CPU {:.2} s process, {:.2} s writer thread ({:.0} resources per writer CPU second)  {:?}",
        run.store_time.as_secs_f64(),
        run.commit_time.as_secs_f64(),
        run.generate_time.as_secs_f64(),
        rate,
        run.process_cpu,
        run.writer_cpu,
        n as f64 / run.writer_cpu.max(0.001),
        run.counts
    );
}

async fn timed<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = f.await;
    println!("{what:<44} {:>8.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
async fn bench_ingest_resources() {
    let n: usize = std::env::var("STEWARD_BENCH_RESOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("bench.db");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&path.display().to_string()).unwrap_or_else(|e| panic!("open: {e}")));
    store.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
    // Experiments: STEWARD_BENCH_DROP_INDEXES=a,b drops indexes to measure what each one costs.
    if let Ok(names) = std::env::var("STEWARD_BENCH_DROP_INDEXES") {
        let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("open: {e}"));
        for name in names.split(',').filter(|n| !n.is_empty()) {
            conn.execute_batch(&format!("DROP INDEX {name}")).unwrap_or_else(|e| panic!("drop {name}: {e}"));
        }
    }

    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let people: Vec<_> =
        (0..20_000).map(|i| principal("tenant-1", &format!("user-{i:05}"), &format!("user{i}@contoso.com"))).collect();
    tx.upsert_principals(people).await.unwrap_or_else(|e| panic!("principals: {e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));

    let first = ingest(&store, n, 7, None).await;
    report("first import (all added)", n, &first);
    assert_eq!(first.counts.added, n as u64, "every resource is new in the first import");
    let again = ingest(&store, n, 7, None).await;
    report("same data again (unchanged)", n, &again);
    assert_eq!(again.counts.unchanged, n as u64, "identical re-import changes nothing");
    let changed = ingest(&store, n, 7, Some(10)).await;
    report("10% changed", n, &changed);
    assert_eq!(changed.counts.changed, n.div_ceil(10) as u64, "every tenth resource changed");

    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("database file: {:.0} MB", size as f64 / 1e6);
    for sort in [ResourceSort::Name, ResourceSort::CreatedDesc, ResourceSort::ModifiedDesc] {
        let query = ResourceQuery { sort, limit: Some(50), ..Default::default() };
        let page = timed(&format!("list_resources first page, {sort:?}"), store.list_resources(&query)).await;
        let page = page.unwrap_or_else(|e| panic!("list: {e}"));
        let query = ResourceQuery { cursor: page.next, ..query };
        timed(&format!("list_resources second page, {sort:?}"), store.list_resources(&query)).await.ok();
    }
    let by_owner = ResourceQuery { owner: Some("user7@contoso.com".into()), ..Default::default() };
    timed("list_resources owner by UPN", store.list_resources(&by_owner)).await.ok();
    let by_env =
        ResourceQuery { environment: Some("env-007".into()), sort: ResourceSort::ModifiedDesc, ..Default::default() };
    timed("list_resources environment, -modified", store.list_resources(&by_env)).await.ok();
    let by_q = ResourceQuery { q: Some("TRACKER 4242".into()), ..Default::default() };
    timed("list_resources q substring", store.list_resources(&by_q)).await.ok();
    timed(
        "list_principals makers_only",
        store.list_principals(&PrincipalQuery { makers_only: true, ..Default::default() }),
    )
    .await
    .ok();
    timed("overview", store.overview(None)).await.ok();
    timed("content_digest", store.content_digest()).await.ok();
}
