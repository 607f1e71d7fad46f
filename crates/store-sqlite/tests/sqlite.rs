//! Behaviour specific to the SQLite backend, on real files.

use std::sync::Arc;
use steward_model::ResourceKind;
use steward_store::conformance::{Dataset, load, resource, tenant};
use steward_store::{ResourceQuery, Store, StoreError};
use steward_store_sqlite::{LATEST_VERSION, SqliteStore};

async fn open(path: &std::path::Path) -> Arc<dyn Store> {
    let store = SqliteStore::open(&format!("sqlite://{}", path.display())).unwrap_or_else(|e| panic!("open: {e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
    Arc::new(store)
}

fn sample() -> Dataset {
    Dataset {
        tenants: vec![tenant("t1")],
        resources: (0..25)
            .map(|i| resource("t1", "e1", &format!("r{i:02}"), ResourceKind::CanvasApp, &format!("App {i}")))
            .collect(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_a_file_finds_the_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("nested/dir/steward.db");
    let data = sample();
    let digest = {
        let store = open(&path).await;
        load(&store, &data).await;
        store.content_digest().await.unwrap_or_else(|e| panic!("digest: {e}"))
    };
    let store = open(&path).await;
    assert_eq!(store.get_resource("r07").await.ok().flatten().as_ref(), Some(&data.resources[7]), "r07 after reopen");
    assert_eq!(store.content_digest().await.ok(), Some(digest), "same content after reopen");
    let counts = load(&store, &data).await;
    assert_eq!(counts.resources.unchanged, 25, "change detection works across reopen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_steward_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("steward.db");
    drop(open(&path).await);
    let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("open: {e}"));
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, 'from the future', 0)",
        [LATEST_VERSION + 1],
    )
    .unwrap_or_else(|e| panic!("insert: {e}"));
    drop(conn);
    let store = SqliteStore::open(&path.display().to_string()).unwrap_or_else(|e| panic!("open: {e}"));
    match store.migrate().await {
        Err(StoreError::SchemaTooNew { found, known }) => {
            assert_eq!((found, known), (LATEST_VERSION + 1, LATEST_VERSION), "versions named in the error");
        }
        other => panic!("a newer schema must be refused with SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_file_is_migrated_to_the_latest_version() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = SqliteStore::open(&dir.path().join("s.db").display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.schema_version().await.ok(), Some(0), "a new file has no schema");
    store.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
    assert_eq!(store.schema_version().await.ok(), Some(LATEST_VERSION), "migrated to the latest version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_the_last_commit_while_an_ingest_is_open() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = open(&dir.path().join("steward.db")).await;
    let data = sample();
    load(&store, &data).await;
    let before = store.content_digest().await.unwrap_or_else(|e| panic!("digest: {e}"));

    let mut changed = data.clone();
    changed.resources[0].display_name = "Renamed".into();
    changed.resources.push(resource("t1", "e1", "r-new", ResourceKind::CloudFlow, "New flow"));
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_resources(changed.resources.clone()).await.unwrap_or_else(|e| panic!("upsert: {e}"));

    // Several readers at once, while the writer holds the uncommitted transaction.
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let page = store.list_resources(&ResourceQuery::default()).await.unwrap_or_else(|e| panic!("{e}"));
                let r00 = store.get_resource("r00").await.unwrap_or_else(|e| panic!("{e}"));
                (page.total, r00.map(|r| r.display_name), store.content_digest().await.ok())
            })
        })
        .collect();
    for reader in readers {
        let (total, name, digest) = reader.await.unwrap_or_else(|e| panic!("reader task: {e}"));
        assert_eq!(total, 25, "readers must not see the uncommitted resource");
        assert_eq!(name.as_deref(), Some("App 0"), "readers must see the committed name");
        assert_eq!(digest.as_ref(), Some(&before), "readers see the committed digest");
    }
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    let page = store.list_resources(&ResourceQuery::default()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.total, 26, "after commit the new resource is visible");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_poisons_the_transaction() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("steward.db");
    let store = open(&path).await;
    load(&store, &sample()).await;
    let before = store.content_digest().await.unwrap_or_else(|e| panic!("digest: {e}"));
    // Break a table behind the store's back so that the next resource write fails.
    let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("open: {e}"));
    conn.execute_batch("CREATE TRIGGER refuse BEFORE INSERT ON resources BEGIN SELECT RAISE(ABORT, 'refused'); END")
        .unwrap_or_else(|e| panic!("trigger: {e}"));
    drop(conn);

    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_tenants(vec![tenant("t2")]).await.unwrap_or_else(|e| panic!("tenants: {e}"));
    let err = tx.upsert_resources(vec![resource("t1", "e1", "r-x", ResourceKind::Agent, "X")]).await;
    assert!(err.as_ref().is_err_and(|e| e.to_string().contains("r-x")), "the error names the resource: {err:?}");
    let later = tx.upsert_tenants(vec![tenant("t3")]).await;
    assert!(matches!(later, Err(StoreError::Closed(_))), "later writes are refused, got {later:?}");
    let commit = tx.commit().await;
    assert!(matches!(commit, Err(StoreError::Closed(_))), "commit after a failure is refused, got {commit:?}");
    assert_eq!(store.content_digest().await.ok(), Some(before), "nothing of the failed transaction was kept");
}

fn resource_indexes(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("open: {e}"));
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resources' ORDER BY name")
        .unwrap_or_else(|e| panic!("prepare: {e}"));
    stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).unwrap_or_else(|e| panic!("query: {e}"))
}

/// A first import drops and rebuilds the resource indexes; rollback and commit both leave them in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_load_keeps_every_index() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("steward.db");
    let store = open(&path).await;
    let indexes = resource_indexes(&path);
    assert!(indexes.len() >= 6, "the schema declares the resource indexes: {indexes:?}");

    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_resources(sample().resources).await.unwrap_or_else(|e| panic!("upsert: {e}"));
    let page = store.list_resources(&ResourceQuery::default()).await.unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(page.total, 0, "readers see the empty committed table during the bulk load");
    tx.rollback().await.unwrap_or_else(|e| panic!("rollback: {e}"));
    assert_eq!(resource_indexes(&path), indexes, "rollback restores the indexes");

    load(&store, &sample()).await;
    assert_eq!(resource_indexes(&path), indexes, "commit re-creates the indexes");
    let query = ResourceQuery { limit: Some(4), ..Default::default() };
    let page = store.list_resources(&query).await.unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!((page.total, page.items.len()), (25, 4), "the bulk-loaded data is listed");
}

/// A first import (bulk load, owners collected until commit) that writes a resource twice with
/// different owners must leave only the second owners in the owner filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_rewritten_during_a_first_import_keeps_only_its_new_owners() {
    use steward_store::conformance::owner;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = open(&dir.path().join("steward.db")).await;
    let mut first = resource("t1", "e1", "r1", ResourceKind::CanvasApp, "App");
    first.owners = vec![owner("p-old")];
    let mut second = first.clone();
    second.owners = vec![owner("p-new")];
    let other = resource("t1", "e1", "r2", ResourceKind::CanvasApp, "Other");
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin: {e}"));
    tx.upsert_resources(vec![first, other]).await.unwrap_or_else(|e| panic!("first write: {e}"));
    let counts = tx.upsert_resources(vec![second]).await.unwrap_or_else(|e| panic!("second write: {e}"));
    assert_eq!(counts.changed, 1);
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    let ids = |owner: &str| {
        let store = store.clone();
        let query = ResourceQuery { owner: Some(owner.into()), ..Default::default() };
        async move {
            let page = store.list_resources(&query).await.unwrap_or_else(|e| panic!("list: {e}"));
            page.items.into_iter().map(|r| r.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("p-new").await, vec!["r1".to_string()]);
    assert!(ids("p-old").await.is_empty(), "the replaced owner is gone");
    assert_eq!(store.get_resource("r1").await.ok().flatten().map(|r| r.owners), Some(vec![owner("p-new")]));
}
