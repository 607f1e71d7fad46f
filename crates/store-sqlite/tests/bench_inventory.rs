//! Inventory list latency on a real file: every filter and every order, first and second page.
//! Run with
//! `cargo test -p steward-store-sqlite --release --test bench_inventory -- --ignored --nocapture`
//! (`STEWARD_BENCH_RESOURCES` sets the count, default 100000; `STEWARD_BENCH_KEEP=PATH` keeps
//! the database for `EXPLAIN QUERY PLAN` in the sqlite3 shell, and reuses it when it exists).
//! Prints p50/p99 per query; asserts only that every query answers.

use chrono::NaiveDate;
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_model::{
    ConnectionReference, Connector, ConnectorTier, Environment, ImpactLevel, LifecycleStage, Owner, Principal,
    Resource, ResourceKind, ShareRole, UsageKind,
};
use steward_store::catalog::{ItemFields, ItemKind, NewCatalogItem};
use steward_store::conformance::{at, environment, event, principal, resource, tenant};
use steward_store::governance::{ComplianceFinding, ComplianceRun, Level, SubjectKind};
use steward_store::inventory::{ComplianceState, StatusInput, TierFilter};
use steward_store::{ResourceQuery, ResourceSort, Store};
use steward_store_sqlite::SqliteStore;

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
}

const DEPARTMENTS: [&str; 12] = [
    "Finance",
    "Sales",
    "HR",
    "IT",
    "Legal",
    "Operations",
    "Marketing",
    "R&D",
    "Support",
    "Procurement",
    "Audit",
    "Facilities",
];
const CONNECTORS: [(&str, ConnectorTier); 8] = [
    ("shared_sharepointonline", ConnectorTier::Standard),
    ("shared_office365", ConnectorTier::Standard),
    ("shared_teams", ConnectorTier::Standard),
    ("shared_excelonlinebusiness", ConnectorTier::Standard),
    ("shared_sql", ConnectorTier::Premium),
    ("shared_commondataserviceforapps", ConnectorTier::Premium),
    ("shared_http", ConnectorTier::Premium),
    ("shared_contoso-erp", ConnectorTier::Custom),
];
const KINDS: [ResourceKind; 5] = [
    ResourceKind::CanvasApp,
    ResourceKind::CloudFlow,
    ResourceKind::CloudFlow,
    ResourceKind::Agent,
    ResourceKind::ModelDrivenApp,
];

struct Estate {
    environments: Vec<Environment>,
    principals: Vec<Principal>,
    connectors: Vec<Connector>,
    resources: Vec<Resource>,
}

fn estate(n: usize) -> Estate {
    let mut rng = Rng(7);
    let environments: Vec<Environment> = (0..100).map(|i| environment("t1", &format!("env-{i:03}"))).collect();
    let principals: Vec<Principal> = (0..3_000)
        .map(|i| {
            let mut p = principal("t1", &format!("user-{i:05}"), &format!("user{i}@contoso.com"));
            p.department = Some(DEPARTMENTS[i % DEPARTMENTS.len()].into());
            p.enabled = i % 20 != 0;
            p
        })
        .collect();
    let connectors = CONNECTORS
        .iter()
        .map(|(id, tier)| {
            let mut c = steward_store::conformance::connector("t1", id);
            c.tier = *tier;
            c
        })
        .collect();
    let resources = (0..n)
        .map(|i| {
            let env = &environments[rng.below(environments.len() as u64) as usize].id;
            let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
            let mut r = resource("t1", env, &format!("{:08x}-res-{i:07}", rng.next() as u32), kind, "");
            r.display_name = format!("Invoice tracker {}", rng.below(100_000));
            let owner = |rng: &mut Rng| principals[rng.below(principals.len() as u64) as usize].id.clone();
            r.owners = (0..1 + rng.below(2))
                .map(|k| Owner {
                    principal_id: owner(&mut rng),
                    role: if k == 0 { ShareRole::Owner } else { ShareRole::CanEdit },
                })
                .collect();
            r.created_by = Some(owner(&mut rng));
            r.connection_references = (0..rng.below(4))
                .map(|_| {
                    let (id, tier) = CONNECTORS[rng.below(CONNECTORS.len() as u64) as usize];
                    ConnectionReference { connector_id: id.into(), display_name: id.into(), tier }
                })
                .collect();
            let day = 1 + rng.below(27) as u32;
            r.created_at = Some(at(2024, 1 + rng.below(12) as u32, day, 9, 0, 0, 0));
            r.modified_at = Some(at(2025, 1 + rng.below(12) as u32, day, 9, 0, 0, 0));
            r
        })
        .collect();
    Estate { environments, principals, connectors, resources }
}

async fn load(store: &Arc<dyn Store>, estate: &Estate) {
    let mut rng = Rng(11);
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_tenants(vec![tenant("t1")]).await.expect("tenants");
    tx.upsert_environments(estate.environments.clone()).await.expect("environments");
    tx.upsert_connectors(estate.connectors.clone()).await.expect("connectors");
    tx.upsert_principals(estate.principals.clone()).await.expect("principals");
    for chunk in estate.resources.chunks(5_000) {
        tx.upsert_resources(chunk.to_vec()).await.expect("resources");
    }
    tx.commit().await.expect("commit");
    // Three in five resources used at least once in the last 90 days.
    let mut events = Vec::new();
    for (i, r) in estate.resources.iter().enumerate() {
        if rng.below(5) < 3 {
            let when = at(2026, 9, 1, 9, 0, 0, 0) + chrono::Duration::days(rng.below(90) as i64);
            let owner = &r.owners[0].principal_id;
            events.push(event("t1", &format!("ev-{i}"), Some(&r.id), Some(owner), UsageKind::Launch, when));
        }
    }
    for chunk in events.chunks(50_000) {
        let mut tx = store.begin_ingest().await.expect("begin");
        tx.insert_usage_events(chunk.to_vec()).await.expect("usage");
        tx.commit().await.expect("commit");
    }
    // One run: a status for every resource, findings for one in five.
    let levels = [ImpactLevel::Critical, ImpactLevel::High, ImpactLevel::NonCritical, ImpactLevel::NonCritical];
    let statuses = estate
        .resources
        .iter()
        .map(|r| StatusInput {
            resource_id: r.id.clone(),
            criticality: Some(levels[rng.below(4) as usize]),
            service_level: Some("4 hours to 8 hours, Business hours".into()),
        })
        .collect();
    let mut findings = Vec::new();
    for r in &estate.resources {
        if rng.below(5) == 0 {
            let level = [Level::Must, Level::Should, Level::Could][rng.below(3) as usize];
            findings.push(ComplianceFinding {
                policy_id: format!("policy-{level}"),
                policy_version: 1,
                level,
                subject_kind: SubjectKind::Resource,
                subject_id: r.id.clone(),
                tenant_id: "t1".into(),
                environment_id: r.environment_id.clone(),
                evidence: serde_json::json!({}),
                exemption_id: None,
            });
        }
    }
    let run = ComplianceRun {
        at: at(2026, 11, 30, 8, 0, 0, 0),
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: estate.resources.len() as u64,
        policies: vec!["policy-must".into(), "policy-should".into(), "policy-could".into()],
        findings,
        statuses,
    };
    store.record_compliance(&run).await.expect("record");
    // One resource in fifty in the catalog.
    let stages = LifecycleStage::ALL;
    for r in estate.resources.iter().step_by(50) {
        let mut fields = ItemFields::new(ItemKind::App, "power_platform", &r.display_name);
        fields.resource_id = Some(r.id.clone());
        let item = NewCatalogItem {
            fields,
            stage: stages[rng.below(stages.len() as u64) as usize],
            created_by: "coe".into(),
            created_at: at(2026, 10, 1, 9, 0, 0, 0),
            note: None,
        };
        store.create_catalog_item(&item).await.expect("catalog");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it in release with --ignored --nocapture"]
async fn inventory_pages() {
    let n: usize = std::env::var("STEWARD_BENCH_RESOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = std::env::var("STEWARD_BENCH_KEEP").unwrap_or_else(|_| dir.path().join("inv.db").display().to_string());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("open"));
    store.migrate().await.expect("migrate");
    // A kept database is reused as it is: figures can be taken again without reloading.
    let loaded = store.list_resources(&ResourceQuery { limit: Some(1), ..Default::default() }).await.expect("count");
    if loaded.total == 0 {
        let started = Instant::now();
        load(&store, &estate(n)).await;
        println!("loaded {n} resources in {:.1} s into {path}", started.elapsed().as_secs_f64());
    } else {
        println!("reusing {} resources in {path}", loaded.total);
    }

    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("a day");
    let q = |f: &dyn Fn(&mut ResourceQuery)| {
        let mut query = ResourceQuery::default();
        f(&mut query);
        query
    };
    let mut cases: Vec<(String, ResourceQuery)> =
        ResourceSort::ALL.iter().map(|s| (format!("sort {s:?}"), q(&|q| q.sort = *s))).collect();
    let filters: Vec<(&str, ResourceQuery)> = vec![
        ("kind", q(&|q| q.kind = Some(ResourceKind::Agent))),
        ("environment", q(&|q| q.environment = Some("env-042".into()))),
        ("owner", q(&|q| q.owner = Some("user-00042".into()))),
        ("q", q(&|q| q.q = Some("tracker 12".into()))),
        ("department", q(&|q| q.department = Some("finance".into()))),
        ("connector", q(&|q| q.connector = Some("shared_sql".into()))),
        ("tier premium", q(&|q| q.tier = Some(TierFilter::Premium))),
        ("tier standard", q(&|q| q.tier = Some(TierFilter::Standard))),
        ("criticality critical", q(&|q| q.criticality = Some(ImpactLevel::Critical))),
        ("compliance violating_must", q(&|q| q.compliance = Some(ComplianceState::ViolatingMust))),
        ("compliance not_evaluated", q(&|q| q.compliance = Some(ComplianceState::NotEvaluated))),
        ("stage production", q(&|q| q.stage = Some(LifecycleStage::Production))),
        ("unused 30 days", q(&|q| q.unused_since = Some(day(11, 1)))),
        ("used within 7 days", q(&|q| q.used_since = Some(day(11, 23)))),
        ("own (maker)", q(&|q| q.owned_by = Some("user-00042".into()))),
        (
            "department + premium + critical",
            q(&|q| {
                q.department = Some("sales".into());
                q.tier = Some(TierFilter::Premium);
                q.criticality = Some(ImpactLevel::Critical);
            }),
        ),
        (
            "unused 30 days, sorted by last use",
            q(&|q| {
                q.unused_since = Some(day(11, 1));
                q.sort = ResourceSort::LastUsedDesc;
            }),
        ),
        (
            "kind, sorted by environment",
            q(&|q| {
                q.kind = Some(ResourceKind::CloudFlow);
                q.sort = ResourceSort::Environment;
            }),
        ),
    ];
    cases.extend(filters.into_iter().map(|(w, q)| (w.to_string(), q)));
    println!("{:<40} {:>9} {:>9} {:>9} {:>9}", "query (50 per page)", "total", "p50 ms", "p99 ms", "2nd p99");
    for (what, query) in cases {
        let mut first = Vec::new();
        let mut second = Vec::new();
        let mut total = 0;
        for _ in 0..30 {
            let t = Instant::now();
            let page = store.list_resources(&query).await.expect("first page");
            first.push(t.elapsed());
            total = page.total;
            if let Some(next) = page.next {
                let t = Instant::now();
                store
                    .list_resources(&ResourceQuery { cursor: Some(next), ..query.clone() })
                    .await
                    .expect("second page");
                second.push(t.elapsed());
            }
        }
        first.sort();
        second.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let second_p99 = if second.is_empty() { 0.0 } else { ms(percentile(&second, 0.99)) };
        println!(
            "{what:<40} {total:>9} {:>9.1} {:>9.1} {:>9.1}",
            ms(percentile(&first, 0.5)),
            ms(percentile(&first, 0.99)),
            second_p99
        );
    }
}
