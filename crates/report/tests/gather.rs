//! `gather` on a real SQLite store loaded with inventory and usage events. Expectations are
//! computed from the fixture with plain loops, not copied from the output.

// Fixture builders and loaders are test code too: a failed precondition should panic.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use steward_model::{Environment, Principal, Resource, ResourceKind, Timestamp, UsageEvent, UsageKind};
use steward_report::{Month, ReportError, gather, success_candidates};
use steward_store::conformance as c;
use steward_store::success::{DetectionFinding, DetectionQuery, DetectionState, StateChange, SuccessEvaluation};
use steward_store::{IngestTx, Store};
use steward_store_postgres::PostgresStore;
use steward_store_sqlite::SqliteStore;

const T1: &str = "t-contoso";
const T2: &str = "t-fabrikam";

fn at(y: i32, m: u32, d: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
}

struct Fixture {
    environments: Vec<Environment>,
    principals: Vec<Principal>,
    resources: Vec<Resource>,
    events: Vec<UsageEvent>,
}

fn environment(tenant: &str, id: &str, created: Timestamp, deleted: Option<Timestamp>) -> Environment {
    Environment { created_at: Some(created), deleted_at: deleted, ..c::environment(tenant, id) }
}

fn person(tenant: &str, id: &str, name: &str, enabled: bool, deleted: Option<Timestamp>) -> Principal {
    Principal {
        display_name: name.into(),
        enabled,
        deleted_at: deleted,
        ..c::principal(tenant, id, &format!("{id}@contoso.example"))
    }
}

#[allow(clippy::too_many_arguments)]
fn resource(
    tenant: &str,
    env: &str,
    id: &str,
    kind: ResourceKind,
    owner: &str,
    created: Option<Timestamp>,
    deleted: Option<Timestamp>,
) -> Resource {
    Resource {
        owners: vec![c::owner(owner)],
        created_at: created,
        deleted_at: deleted,
        ..c::resource(tenant, env, id, kind, &format!("Resource {id}"))
    }
}

fn fixture() -> Fixture {
    use ResourceKind::*;
    let environments = vec![
        environment(T1, "e-old", at(2024, 1, 5), None),
        environment(T1, "e-new", at(2026, 10, 10), None),
        environment(T1, "e-gone", at(2024, 2, 1), Some(at(2026, 10, 15))),
        environment(T2, "e-fab", at(2024, 1, 1), None),
    ];
    let principals = vec![
        person(T1, "p-alice", "Alice Ng", true, None),
        person(T1, "p-bob", "Bob Ortiz", true, None),
        person(T1, "p-carol", "Carol Diaz", true, Some(at(2026, 9, 1))),
        person(T1, "p-dave", "Dave Kim", false, None),
        person(T1, "p-nina", "Nina Novak", true, None),
        person(T2, "p-erin", "Erin Fox", true, None),
    ];
    let resources = vec![
        resource(T1, "e-old", "r-app1", CanvasApp, "p-alice", Some(at(2025, 6, 1)), None),
        resource(T1, "e-old", "r-flow1", CloudFlow, "p-bob", Some(at(2026, 9, 20)), None),
        resource(T1, "e-old", "r-carol-app", CanvasApp, "p-carol", Some(at(2025, 3, 1)), None),
        resource(T1, "e-old", "r-carol-old", CloudFlow, "p-carol", Some(at(2025, 3, 1)), Some(at(2026, 5, 1))),
        resource(T1, "e-new", "r-dave-flow", CloudFlow, "p-dave", Some(at(2025, 12, 3)), None),
        resource(T1, "e-new", "r-nina-agent", Agent, "p-nina", Some(at(2026, 10, 5)), None),
        resource(T1, "e-new", "r-nina-app", CanvasApp, "p-nina", Some(at(2026, 10, 20)), None),
        resource(T1, "e-old", "r-gone", CanvasApp, "p-alice", Some(at(2025, 1, 10)), Some(at(2026, 10, 10))),
        resource(T1, "e-old", "r-undated", CloudFlow, "p-bob", None, None),
        resource(T1, "e-old", "r-later", CanvasApp, "p-bob", Some(at(2026, 11, 2)), None),
        resource(T2, "e-fab", "r-fab", CanvasApp, "p-erin", Some(at(2026, 10, 3)), None),
    ];

    let mut events = Vec::new();
    let mut add = |tenant: &str, resource: &str, who: &str, kind: UsageKind, when: Timestamp| {
        let id = format!("ev-{}", events.len());
        events.push(c::event(tenant, &id, Some(resource), Some(who), kind, when));
    };
    // October: r-app1 by five people, r-flow1 many runs by two, the leaver's app by three.
    for (i, who) in ["u1", "u2", "u3", "u4", "u5"].iter().enumerate() {
        add(T1, "r-app1", who, UsageKind::Launch, at(2026, 10, 1 + i as u32));
    }
    for d in 1..=12 {
        add(T1, "r-flow1", if d % 2 == 0 { "u1" } else { "u6" }, UsageKind::Run, at(2026, 10, d));
    }
    for who in ["u2", "u7", "u8"] {
        add(T1, "r-carol-app", who, UsageKind::Launch, at(2026, 10, 14));
    }
    add(T1, "r-nina-agent", "p-nina", UsageKind::Create, at(2026, 10, 5));
    add(T1, "r-nina-app", "p-nina", UsageKind::Edit, at(2026, 10, 21));
    add(T1, "r-app1", "p-alice", UsageKind::Edit, at(2026, 10, 2));
    // September: two users, one maker.
    add(T1, "r-app1", "u1", UsageKind::Launch, at(2026, 9, 3));
    add(T1, "r-app1", "u9", UsageKind::Launch, at(2026, 9, 4));
    add(T1, "r-flow1", "p-bob", UsageKind::Create, at(2026, 9, 20));
    add(T1, "r-dave-flow", "u3", UsageKind::Run, at(2026, 9, 10));
    // The other tenant, and a month outside the trend window.
    add(T2, "r-fab", "u-fab", UsageKind::Launch, at(2026, 10, 8));
    add(T1, "r-app1", "u1", UsageKind::Launch, at(2025, 10, 30));
    Fixture { environments, principals, resources, events }
}

async fn load(f: &Fixture) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db").to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    fill(&store, f).await;
    (dir, store)
}

/// A fresh schema on the PostgreSQL named by `STEWARD_TEST_POSTGRES_URL`, or `None` when unset.
/// The schema name follows the store-postgres tests' convention, so their clean-up of stale
/// test schemas removes it too.
async fn load_postgres(f: &Fixture) -> Option<PostgresStore> {
    let url = std::env::var("STEWARD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let schema = format!("steward_t_{}_report_{}_{}", now.as_secs(), std::process::id(), now.subsec_nanos());
    let store = PostgresStore::connect_with_schema(&url, &schema).await.unwrap();
    store.migrate().await.unwrap();
    fill(&store, f).await;
    Some(store)
}

async fn fill(store: &dyn Store, f: &Fixture) {
    let mut tx: Box<dyn IngestTx> = store.begin_ingest().await.unwrap();
    tx.upsert_tenants(vec![c::tenant(T1), c::tenant(T2)]).await.unwrap();
    tx.upsert_environments(f.environments.clone()).await.unwrap();
    tx.upsert_principals(f.principals.clone()).await.unwrap();
    tx.upsert_resources(f.resources.clone()).await.unwrap();
    tx.insert_usage_events(f.events.clone()).await.unwrap();
    tx.commit().await.unwrap();
}

fn alive(created: Option<Timestamp>, deleted: Option<Timestamp>, month: Month) -> bool {
    let end = month.end();
    created.is_none_or(|c| c < end) && deleted.is_none_or(|d| d >= end)
}

fn in_month(t: Timestamp, month: Month) -> bool {
    t.year() == month.year() && t.month() == month.month()
}

/// Distinct actors of `tenant`'s events of one metric in a month.
fn actors(f: &Fixture, tenant: &str, month: Month, make: bool) -> u64 {
    let set: BTreeSet<&str> = f
        .events
        .iter()
        .filter(|e| e.tenant_id == tenant && in_month(e.occurred_at, month))
        .filter(|e| if make { e.kind.is_make() } else { e.kind.is_use() })
        .filter_map(|e| e.principal_id.as_deref())
        .collect();
    set.len() as u64
}

#[tokio::test]
async fn gathers_inventory_trends_top_makers_and_leavers_from_sqlite() {
    let f = fixture();
    let (_dir, store) = load(&f).await;
    check_october(&store, &f).await;
}

#[tokio::test]
async fn gathers_the_same_from_postgres() {
    let f = fixture();
    let Some(store) = load_postgres(&f).await else {
        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    check_october(&store, &f).await;
    check_success_candidates(&store).await;
}

#[tokio::test]
async fn success_candidates_are_the_periods_detections_not_dismissed() {
    let f = fixture();
    let (_dir, store) = load(&f).await;
    check_success_candidates(&store).await;
}

async fn check_success_candidates(store: &dyn Store) {
    let finding = |resource: &str, rule: &str, from: (u32, u32), to: (u32, u32)| DetectionFinding {
        tenant_id: T1.into(),
        resource_id: resource.into(),
        kind: Some(ResourceKind::CanvasApp),
        rule_id: rule.into(),
        rule_version: 1,
        window_from: at(2026, from.0, from.1).date_naive(),
        window_to: at(2026, to.0, to.1).date_naive(),
        figures: serde_json::json!({"unique_users": 1412, "departments": 9}),
    };
    let findings = vec![
        finding("r-app1", "broad", (10, 1), (10, 30)),
        finding("r-flow1", "busy", (8, 1), (8, 30)),
        finding("r-carol-app", "broad", (10, 2), (10, 31)),
        finding("r-nina-app", "busy", (10, 25), (11, 23)),
    ];
    store.record_success_evaluation(&SuccessEvaluation { rules: None, findings, at: at(2026, 11, 1) }).await.unwrap();
    let detections = store.list_detections(&DetectionQuery::default()).await.unwrap();
    let carol = detections.iter().find(|d| d.resource_id == "r-carol-app").unwrap();
    let change = StateChange {
        state: DetectionState::Dismissed,
        by: "board".into(),
        note: None,
        at: at(2026, 11, 2),
        expected: None,
    };
    store.set_detection_state(carol.id, &change).await.unwrap();
    let nina = detections.iter().find(|d| d.resource_id == "r-nina-app").unwrap();
    let change = StateChange {
        state: DetectionState::Promoted,
        by: "board".into(),
        note: None,
        at: at(2026, 11, 2),
        expected: None,
    };
    store.set_detection_state(nina.id, &change).await.unwrap();

    let titles = HashMap::from([("broad".to_string(), "Broad adoption".to_string())]);
    let oct: Month = "2026-10".parse().unwrap();
    let candidates = success_candidates(store, oct, Some(T1), &titles).await.unwrap();
    let got: Vec<(&str, &str, &str)> =
        candidates.iter().map(|c| (c.resource_id.as_str(), c.rule_title.as_str(), c.state.as_str())).collect();
    // August's window is outside October; the dismissed one is left out; promoted come first;
    // a rule without a known title shows its id.
    assert_eq!(got, [("r-nina-app", "busy", "promoted"), ("r-app1", "Broad adoption", "new")]);
    assert_eq!(candidates[1].display_name, "Resource r-app1");
    assert_eq!(candidates[1].figures, "departments 9, unique users 1,412");
    assert!(success_candidates(store, oct, Some(T2), &titles).await.unwrap().is_empty(), "other tenant");
}

async fn check_october(store: &dyn Store, f: &Fixture) {
    let oct: Month = "2026-10".parse().unwrap();
    let sep = oct.minus(1);
    let report = gather(store, oct, Some(T1)).await.unwrap();

    assert_eq!(report.period.month, oct);
    assert_eq!(report.tenant.as_ref().map(|t| t.id.as_str()), Some(T1));

    // Inventory at the two month ends.
    let mine: Vec<&Resource> = f.resources.iter().filter(|r| r.tenant_id == T1).collect();
    let count_at = |m: Month| mine.iter().filter(|r| alive(r.created_at, r.deleted_at, m)).count() as u64;
    assert_eq!(report.totals.resources.current, count_at(oct));
    assert_eq!(report.totals.resources.previous, count_at(sep));
    assert_eq!(report.totals.resources.change, count_at(oct) as i64 - count_at(sep) as i64);
    for k in &report.totals.by_kind {
        let of_kind =
            |m: Month| mine.iter().filter(|r| r.kind == k.kind && alive(r.created_at, r.deleted_at, m)).count() as u64;
        assert_eq!((k.figures.current, k.figures.previous), (of_kind(oct), of_kind(sep)), "{}", k.kind);
    }
    let envs_at = |m: Month| {
        f.environments.iter().filter(|e| e.tenant_id == T1 && alive(e.created_at, e.deleted_at, m)).count() as u64
    };
    assert_eq!((report.totals.environments.current, report.totals.environments.previous), (envs_at(oct), envs_at(sep)));
    let makers_at = |m: Month| {
        let set: BTreeSet<&str> =
            mine.iter().filter(|r| alive(r.created_at, r.deleted_at, m)).filter_map(|r| r.primary_owner()).collect();
        set.len() as u64
    };
    assert_eq!((report.totals.makers.current, report.totals.makers.previous), (makers_at(oct), makers_at(sep)));
    assert_eq!(report.totals.active_users.current, actors(f, T1, oct, false));
    assert_eq!(report.totals.active_users.previous, actors(f, T1, sep, false));

    // Twelve months of trends, oldest first.
    assert_eq!(report.trends.len(), 12);
    assert_eq!(report.trends.first().map(|t| t.month), Some(oct.minus(11)));
    let first_event = f.events.iter().filter(|e| e.tenant_id == T1).map(|e| e.occurred_at).min().unwrap();
    let last_event = f.events.iter().filter(|e| e.tenant_id == T1).map(|e| e.occurred_at).max().unwrap();
    for t in &report.trends {
        let recorded = first_event.date_naive() <= t.month.last_day() && last_event.date_naive() >= t.month.first_day();
        assert_eq!(t.usage_recorded, recorded, "usage recorded in {}", t.month);
        assert_eq!(t.active_users, actors(f, T1, t.month, false), "users {}", t.month);
        assert_eq!(t.active_makers, actors(f, T1, t.month, true), "makers {}", t.month);
        let mut expected: BTreeMap<ResourceKind, u64> = BTreeMap::new();
        for r in mine.iter().filter(|r| r.created_at.is_some_and(|c| in_month(c, t.month))) {
            *expected.entry(r.kind).or_default() += 1;
        }
        let got: BTreeMap<ResourceKind, u64> = t.new_resources.iter().map(|k| (k.kind, k.count)).collect();
        assert_eq!(got, expected, "new resources {}", t.month);
    }

    // Top resources: uses and distinct users counted from the October events.
    let mut uses: BTreeMap<&str, (u64, BTreeSet<&str>)> = BTreeMap::new();
    for e in f.events.iter().filter(|e| e.tenant_id == T1 && e.kind.is_use() && in_month(e.occurred_at, oct)) {
        let entry = uses.entry(e.resource_id.as_deref().unwrap()).or_default();
        entry.0 += 1;
        entry.1.insert(e.principal_id.as_deref().unwrap());
    }
    assert_eq!(report.top_by_uses.len(), uses.len());
    for pair in report.top_by_uses.windows(2) {
        assert!(pair[0].uses >= pair[1].uses, "ordered by uses");
    }
    for pair in report.top_by_users.windows(2) {
        assert!(pair[0].unique_users >= pair[1].unique_users, "ordered by users");
    }
    for t in report.top_by_uses.iter().chain(&report.top_by_users) {
        let (n, users) = &uses[t.resource_id.as_str()];
        assert_eq!((t.uses, t.unique_users), (*n, users.len() as u64), "{}", t.resource_id);
        assert_eq!(t.display_name, format!("Resource {}", t.resource_id));
    }
    let busiest = uses.iter().max_by_key(|(_, (n, _))| *n).map(|(id, _)| *id);
    assert_eq!(report.top_by_uses.first().map(|t| t.resource_id.as_str()), busiest);
    let widest = uses.iter().max_by_key(|(_, (_, u))| u.len()).map(|(id, _)| *id);
    assert_eq!(report.top_by_users.first().map(|t| t.resource_id.as_str()), widest);
    assert!(report.top_by_uses.iter().all(|t| t.owner.as_deref() != Some("p-alice")), "owners by name");

    // New makers: first resource (any, deleted included) created in October; undated resources
    // make a maker not new.
    let mut first: BTreeMap<&str, Option<Timestamp>> = BTreeMap::new();
    for r in &mine {
        let owner = r.primary_owner().unwrap();
        let entry = first.entry(owner).or_insert(r.created_at);
        *entry = match (*entry, r.created_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
    }
    let expected: Vec<&str> =
        first.iter().filter(|(_, f)| f.is_some_and(|f| in_month(f, oct))).map(|(id, _)| *id).collect();
    let got: Vec<&str> = report.new_makers.items.iter().map(|m| m.principal_id.as_str()).collect();
    assert_eq!(got, expected);
    assert!(!expected.is_empty(), "the fixture has a new maker");
    assert_eq!(report.new_makers.total, expected.len() as u64);
    let nina = &report.new_makers.items[0];
    assert_eq!(nina.display_name, "Nina Novak");
    assert_eq!(nina.resources_created, mine.iter().filter(|r| r.primary_owner() == Some("p-nina")).count() as u64);

    // Leavers' resources: live, primary owner deleted or disabled; most used first.
    let leavers: BTreeSet<&str> = f.principals.iter().filter(|p| p.is_leaver()).map(|p| p.id.as_str()).collect();
    let expected: BTreeSet<&str> = mine
        .iter()
        .filter(|r| r.deleted_at.is_none() && r.primary_owner().is_some_and(|o| leavers.contains(o)))
        .map(|r| r.id.as_str())
        .collect();
    let got: BTreeSet<&str> = report.leavers_resources.items.iter().map(|l| l.resource_id.as_str()).collect();
    assert_eq!(got, expected);
    let first = &report.leavers_resources.items[0];
    assert_eq!(first.resource_id, "r-carol-app", "the used one comes first");
    assert_eq!(first.users_in_period, uses["r-carol-app"].1.len() as u64);
    assert_eq!(first.owner_left, Some(at(2026, 9, 1).date_naive()));
    let dave = report.leavers_resources.items.iter().find(|l| l.owner_id == "p-dave").unwrap();
    assert_eq!(dave.owner_left, None, "disabled, not gone");
    assert_eq!(dave.uses_in_period, 0);
    assert_eq!(dave.last_use, Some(at(2026, 9, 10).date_naive()), "last use over all time, not only the period");

    assert!(report.success_candidates.is_empty());
    assert!(report.compliance.is_none());
}

#[tokio::test]
async fn without_a_tenant_every_tenant_counts_and_an_unknown_tenant_is_named() {
    let f = fixture();
    let (_dir, store) = load(&f).await;
    let oct: Month = "2026-10".parse().unwrap();
    let all = gather(&store, oct, None).await.unwrap();
    assert!(all.tenant.is_none());
    let alive_all = f.resources.iter().filter(|r| alive(r.created_at, r.deleted_at, oct)).count() as u64;
    assert_eq!(all.totals.resources.current, alive_all);
    assert_eq!(all.totals.active_users.current, actors(&f, T1, oct, false) + actors(&f, T2, oct, false));
    assert!(all.top_by_uses.iter().any(|t| t.resource_id == "r-fab"));

    let err = gather(&store, oct, Some("t-nope")).await.unwrap_err();
    assert!(matches!(err, ReportError::UnknownTenant { .. }));
    let message = err.to_string();
    assert!(message.contains("t-nope") && message.contains(T1) && message.contains(T2), "{message}");
}

#[tokio::test]
async fn an_empty_store_gives_an_empty_report_that_renders() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db").to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    let report = gather(&store, "2026-10".parse().unwrap(), None).await.unwrap();
    assert_eq!(report.totals.resources.current, 0);
    assert!(report.trends.iter().all(|t| t.active_users == 0 && t.new_resources.is_empty()));
    assert!(report.trends.iter().all(|t| !t.usage_recorded), "no records: no month has usage data");
    let html = steward_report::render_html(&report).unwrap();
    assert!(html.contains("The inventory is empty"));
    assert!(html.contains("no usage records yet"));
}
