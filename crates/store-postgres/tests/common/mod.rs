//! Shared set-up for tests against the real PostgreSQL named by `STEWARD_TEST_POSTGRES_URL`.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};
use steward_store::Store;
use steward_store_postgres::PostgresStore;

/// Prefix of throw-away test schemas; the creation time (unix seconds) follows it.
const PREFIX: &str = "steward_t_";

/// Schemas older than this (ten minutes; a whole run takes seconds) are left-overs of earlier
/// runs: conformance cases get an `Arc<dyn Store>` and cannot drop theirs.
const STALE_AFTER_SECS: u64 = 600;

pub fn url() -> Option<String> {
    std::env::var("STEWARD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A fresh schema name, unique across concurrent tests and runs.
pub fn fresh_schema() -> String {
    format!("{PREFIX}{}_{}", now(), uuid::Uuid::new_v4().simple())
}

/// A raw connection for checks from outside the store.
pub async fn raw(url: &str, schema: &str) -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(connection);
    client.batch_execute(&format!("SET search_path = {schema}")).await.unwrap_or_else(|e| panic!("search_path: {e}"));
    client
}

/// Drop test schemas left by earlier runs.
async fn drop_stale_schemas(url: &str) {
    let Ok((client, connection)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await else { return };
    tokio::spawn(connection);
    let Ok(rows) = client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'steward\\_t\\_%'", &[]).await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let created = name[PREFIX.len()..].split('_').next().and_then(|s| s.parse::<u64>().ok()).unwrap_or(u64::MAX);
        if now().saturating_sub(created) > STALE_AFTER_SECS && created != u64::MAX {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await;
        }
    }
}

/// A fresh, empty, migrated store in its own schema, or None when no PostgreSQL is configured.
pub async fn fresh_store() -> Option<PostgresStore> {
    let url = url()?;
    drop_stale_schemas(&url).await;
    let store = PostgresStore::connect_with_schema(&url, &fresh_schema())
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("migrating: {e}"));
    Some(store)
}
