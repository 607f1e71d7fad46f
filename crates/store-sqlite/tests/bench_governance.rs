//! Recording compliance runs on a real SQLite file. Run with
//! `cargo test -p steward-store-sqlite --release --test bench_governance -- --ignored --nocapture`
//! (`STEWARD_BENCH_FINDINGS` sets the findings per run, default 500000). Prints figures; asserts
//! only counts.

use std::sync::Arc;
use steward_store::Store;
use steward_store::conformance::measure_compliance_recording;
use steward_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --release -- --ignored --nocapture"]
async fn bench_record_compliance() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("steward.db").display().to_string()).expect("open");
    store.migrate().await.expect("migrate");
    measure_compliance_recording(Arc::new(store), || async {}).await;
}
