//! The shared store conformance suite against the real PostgreSQL named by
//! `STEWARD_TEST_POSTGRES_URL`; every case prints SKIPPED when it is not set.
//! Each store gets a fresh schema; schemas older than ten minutes are dropped by later runs.

mod common;

use std::sync::Arc;
use steward_store::Store;

async fn make_store() -> Option<Arc<dyn Store>> {
    let store = common::fresh_store().await?;
    Some(Arc::new(store))
}

steward_store::conformance_tests!(make_store);
