//! Behaviour only the PostgreSQL store has: schemas, concurrent migration, transaction visibility.
//! Shared behaviour is in the conformance suite (tests/conformance.rs).

mod common;

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use steward_model::{
    ConnectionReference, ConnectorTier, Owner, Resource, ResourceKind, ResourceState, ShareRole, Tenant, UsageEvent,
    UsageKind,
};
use steward_store::{ResourceQuery, Store, StoreError, UpsertCounts, UsageReads};
use steward_store_postgres::{LATEST_VERSION, PostgresStore};

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

fn tenant(id: &str) -> Tenant {
    Tenant { id: id.into(), display_name: format!("Tenant {id}"), domain: Some(format!("{id}.example")) }
}

fn resource(id: &str, owners: &[&str]) -> Resource {
    Resource {
        id: id.into(),
        tenant_id: "t1".into(),
        environment_id: "env1".into(),
        platform: steward_model::POWER_PLATFORM.into(),
        kind: ResourceKind::CanvasApp,
        display_name: format!("App {id}"),
        description: None,
        state: ResourceState::Active,
        created_at: Some(Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).single().unwrap_or_default()),
        modified_at: None,
        published_at: None,
        created_by: owners.first().map(|o| o.to_string()),
        owners: owners.iter().map(|o| Owner { principal_id: o.to_string(), role: ShareRole::Owner }).collect(),
        sharing: vec![],
        shared_users: 3,
        shared_groups: 0,
        shared_with_everyone: false,
        connection_references: vec![ConnectionReference {
            connector_id: "shared_sql".into(),
            display_name: "SQL Server".into(),
            tier: ConnectorTier::Premium,
        }],
        solution_id: None,
        quarantined: false,
        attributes: serde_json::Map::new(),
        deleted_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_both_succeed_and_run_once() {
    let url = need_postgres!();
    let schema = common::fresh_schema();
    let (a, b) = tokio::join!(
        PostgresStore::connect_with_schema(&url, &schema),
        PostgresStore::connect_with_schema(&url, &schema)
    );
    let (a, b) = (a.unwrap_or_else(|e| panic!("first store: {e}")), b.unwrap_or_else(|e| panic!("second: {e}")));
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap_or_else(|e| panic!("first migration: {e}"));
    rb.unwrap_or_else(|e| panic!("second migration: {e}"));

    let raw = common::raw(&url, &schema).await;
    let rows = raw
        .query("SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version", &[])
        .await
        .unwrap_or_else(|e| panic!("reading schema_migrations: {e}"));
    let applied: Vec<(i32, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let expected: Vec<(i32, i64)> = (1..=LATEST_VERSION as i32).map(|v| (v, 1)).collect();
    assert_eq!(applied, expected, "every migration must be recorded exactly once");

    // Migrating again is a no-op.
    a.migrate().await.unwrap_or_else(|e| panic!("third migration: {e}"));
    a.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_newer_than_the_binary_is_refused() {
    let url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let schema = store.schema().unwrap_or_default().to_string();
    let raw = common::raw(&url, &schema).await;
    raw.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')", &[])
        .await
        .unwrap_or_else(|e| panic!("inserting version: {e}"));
    match store.migrate().await {
        Err(StoreError::SchemaTooNew { found, known }) => {
            assert_eq!((found, known), (999, LATEST_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_visible_to_other_connections_only_after_commit() {
    let url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let schema = store.schema().unwrap_or_default().to_string();
    let other = PostgresStore::connect_with_schema(&url, &schema).await.unwrap_or_else(|e| panic!("second store: {e}"));

    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_tenants(vec![tenant("t1")]).await.unwrap_or_else(|e| panic!("upsert: {e}"));
    tx.upsert_resources(vec![resource("r1", &["alice"])]).await.unwrap_or_else(|e| panic!("upsert: {e}"));
    assert!(other.list_tenants().await.unwrap_or_else(|e| panic!("list: {e}")).is_empty(), "seen before commit");
    assert!(other.get_resource("r1").await.unwrap_or_else(|e| panic!("get: {e}")).is_none(), "seen before commit");

    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    let tenants = other.list_tenants().await.unwrap_or_else(|e| panic!("list: {e}"));
    assert_eq!(tenants, vec![tenant("t1")]);
    assert_eq!(other.get_resource("r1").await.unwrap_or_else(|e| panic!("get: {e}")), Some(resource("r1", &["alice"])));
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_transaction_rolls_back_and_the_pool_stays_usable() {
    let _url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    for _ in 0..20 {
        let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
        tx.upsert_tenants(vec![tenant("t1")]).await.unwrap_or_else(|e| panic!("upsert: {e}"));
        drop(tx);
    }
    assert!(store.list_tenants().await.unwrap_or_else(|e| panic!("list: {e}")).is_empty());
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_owners_replace_the_owner_index() {
    let _url = need_postgres!();
    let Some(pg) = common::fresh_store().await else { return };
    let store: Arc<dyn Store> = Arc::new(pg.clone());
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let counts = tx
        .upsert_resources(vec![resource("r1", &["alice", "bob"]), resource("r2", &["bob"])])
        .await
        .unwrap_or_else(|e| panic!("upsert: {e}"));
    assert_eq!(counts, UpsertCounts { added: 2, changed: 0, unchanged: 0 });
    let counts = tx
        .upsert_resources(vec![resource("r1", &["carol"]), resource("r2", &["bob"])])
        .await
        .unwrap_or_else(|e| panic!("upsert: {e}"));
    assert_eq!(counts, UpsertCounts { added: 0, changed: 1, unchanged: 1 });
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));

    let owned_by = |owner: &str| ResourceQuery { owner: Some(owner.into()), ..ResourceQuery::default() };
    let ids = |page: steward_model::Page<Resource>| page.items.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let alice = store.list_resources(&owned_by("alice")).await.unwrap_or_else(|e| panic!("list: {e}"));
    let bob = store.list_resources(&owned_by("bob")).await.unwrap_or_else(|e| panic!("list: {e}"));
    let carol = store.list_resources(&owned_by("carol")).await.unwrap_or_else(|e| panic!("list: {e}"));
    assert_eq!(ids(alice), Vec::<String>::new());
    assert_eq!(ids(bob), vec!["r2".to_string()]);
    assert_eq!(ids(carol), vec!["r1".to_string()]);
    pg.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_audit_records_count_once_in_rollups() {
    let _url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let at = |h: u32| Utc.with_ymd_and_hms(2024, 5, 2, h, 0, 0).single().unwrap_or_default();
    let event = |id: &str, h: u32, who: &str, kind: UsageKind| UsageEvent {
        id: id.into(),
        tenant_id: "t1".into(),
        occurred_at: at(h),
        principal_id: Some(who.into()),
        principal_upn: None,
        resource_id: Some("r1".into()),
        environment_id: None,
        kind,
        operation: "LaunchPowerApp".into(),
        workload: None,
    };
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    let first = vec![
        event("e1", 9, "alice", UsageKind::Launch),
        event("e1", 9, "alice", UsageKind::Launch),
        event("e2", 10, "bob", UsageKind::Launch),
        event("e3", 11, "bob", UsageKind::Edit),
    ];
    assert_eq!(tx.insert_usage_events(first).await.unwrap_or_else(|e| panic!("insert: {e}")), 3);
    let again = vec![event("e2", 10, "bob", UsageKind::Launch), event("e4", 23, "alice", UsageKind::Launch)];
    assert_eq!(tx.insert_usage_events(again).await.unwrap_or_else(|e| panic!("insert: {e}")), 1);
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));

    let day = at(0).date_naive();
    let usage = store.daily_usage("r1", day, day).await.unwrap_or_else(|e| panic!("daily usage: {e}"));
    assert_eq!(usage.len(), 1);
    assert_eq!((usage[0].uses, usage[0].unique_users), (3, 2));
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_makes_commit_fail_instead_of_silently_rolling_back() {
    let _url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_tenants(vec![tenant("t1")]).await.unwrap_or_else(|e| panic!("upsert: {e}"));
    // PostgreSQL text cannot hold NUL, so this write fails inside the server.
    let bad = Tenant { display_name: "nul\0name".into(), ..tenant("t2") };
    let err = tx.upsert_tenants(vec![bad]).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("upserting 1 tenants"), "the error names the operation: {err}");

    let later = tx.upsert_tenants(vec![tenant("t3")]).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(later.contains("earlier write") && later.contains("roll back"), "later writes are refused: {later}");
    match tx.commit().await {
        Err(StoreError::Closed(reason)) => assert!(reason.contains("earlier write"), "{reason}"),
        other => panic!("commit after a failed write must fail, got {other:?}"),
    }
    assert!(store.list_tenants().await.unwrap_or_else(|e| panic!("list: {e}")).is_empty(), "nothing was committed");
    // The connection went back to the pool usable.
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_tenants(vec![tenant("t4")]).await.unwrap_or_else(|e| panic!("upsert: {e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    assert_eq!(store.list_tenants().await.unwrap_or_else(|e| panic!("list: {e}")), vec![tenant("t4")]);
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}

#[tokio::test]
async fn an_unreachable_server_is_reported_with_its_url_and_what_to_check() {
    // Nothing listens on port 1; no PostgreSQL is needed for this test.
    let err = PostgresStore::connect("postgres://steward:secret@127.0.0.1:1/test").await.err();
    let text = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert!(matches!(err, Some(StoreError::Open { .. })), "{text}");
    assert!(text.contains("127.0.0.1:1") && text.contains("check that PostgreSQL is running"), "{text}");
    assert!(!text.contains("secret"), "the password must not appear: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_fold_case_beyond_ascii_in_search_and_order() {
    let _url = need_postgres!();
    let Some(store) = common::fresh_store().await else { return };
    let named = |id: &str, name: &str| Resource { display_name: name.into(), ..resource(id, &["alice"]) };
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_resources(vec![named("r1", "Élan"), named("r2", "éclair"), named("r3", "Zeta"), named("r4", "alpha")])
        .await
        .unwrap_or_else(|e| panic!("upsert: {e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));

    let list = |query: ResourceQuery| {
        let store = &store;
        async move {
            let page = store.list_resources(&query).await.unwrap_or_else(|e| panic!("list: {e}"));
            page.items.into_iter().map(|r| r.display_name).collect::<Vec<_>>()
        }
    };
    // Lowercased keys compared byte-wise: ASCII letters before 'é' (0xC3 0xA9).
    assert_eq!(list(ResourceQuery::default()).await, vec!["alpha", "Zeta", "éclair", "Élan"]);
    assert_eq!(list(ResourceQuery { q: Some("ÉCLAIR".into()), ..Default::default() }).await, vec!["éclair"]);
    assert_eq!(list(ResourceQuery { q: Some("élan".into()), ..Default::default() }).await, vec!["Élan"]);
    store.drop_schema().await.unwrap_or_else(|e| panic!("dropping schema: {e}"));
}
