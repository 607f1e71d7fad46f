//! The shared store conformance suite against real SQLite files, one fresh file per test.

use std::sync::Arc;
use steward_store::Store;
use steward_store_sqlite::SqliteStore;

async fn make_store() -> Option<Arc<dyn Store>> {
    // The directory must outlive the store; tests are short, so it is kept (and removed by the OS
    // temp cleaner) rather than tied to a guard the suite cannot hold.
    let dir = tempfile::Builder::new().prefix("steward-sqlite-conformance").tempdir().ok()?.keep();
    let store = SqliteStore::open(&dir.join("steward.db").display().to_string())
        .unwrap_or_else(|e| panic!("opening a fresh SQLite store: {e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("migrating a fresh SQLite store: {e}"));
    Some(Arc::new(store))
}

steward_store::conformance_tests!(make_store);
