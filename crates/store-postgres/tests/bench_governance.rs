//! Recording compliance runs on the real PostgreSQL named by `STEWARD_TEST_POSTGRES_URL`:
//! `STEWARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo test -p steward-store-postgres \
//!  --release --test bench_governance -- --ignored --nocapture` (`STEWARD_BENCH_FINDINGS` sets the
//! findings per run, default 500000). Prints figures; asserts only counts.

mod common;

use std::sync::Arc;
use steward_store::conformance::measure_compliance_recording;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run explicitly with --release -- --ignored --nocapture"]
async fn bench_record_compliance() {
    let Some(store) = common::fresh_store().await else {
        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    // Real runs are hours apart, and autovacuum analyses the violations in between; back to
    // back, the planner would still see the tables as they were before the first run.
    let url = common::url().unwrap_or_default();
    let schema = store.schema().unwrap_or("public").to_string();
    let raw = common::raw(&url, &schema).await;
    let analyse = || async { raw.batch_execute("ANALYZE violations, violation_events").await.expect("ANALYZE") };
    measure_compliance_recording(Arc::new(store.clone()), analyse).await;
    store.drop_schema().await.expect("drop the benchmark schema");
}
