//! Numbered SQL migrations embedded in the binary, applied once however many replicas start.

use crate::error::{client, db};
use deadpool_postgres::Pool;
use steward_store::{Result, StoreError};

struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

/// In order; a version is never edited once released, only followed by a new one.
const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { version: 2, name: "sync", sql: include_str!("../migrations/0002_sync.sql") },
    Migration { version: 3, name: "licenses", sql: include_str!("../migrations/0003_licenses.sql") },
    Migration { version: 4, name: "usage_rollups", sql: include_str!("../migrations/0004_usage_rollups.sql") },
    Migration { version: 5, name: "success", sql: include_str!("../migrations/0005_success.sql") },
    Migration { version: 6, name: "governance", sql: include_str!("../migrations/0006_governance.sql") },
    Migration { version: 7, name: "campaigns", sql: include_str!("../migrations/0007_campaigns.sql") },
    Migration { version: 8, name: "auth", sql: include_str!("../migrations/0008_auth.sql") },
    Migration { version: 9, name: "catalog", sql: include_str!("../migrations/0009_catalog.sql") },
    Migration { version: 10, name: "inventory_status", sql: include_str!("../migrations/0010_inventory_status.sql") },
    Migration { version: 11, name: "queues", sql: include_str!("../migrations/0011_queues.sql") },
    Migration { version: 12, name: "jobs", sql: include_str!("../migrations/0012_jobs.sql") },
    Migration { version: 13, name: "notifications", sql: include_str!("../migrations/0013_notifications.sql") },
    Migration { version: 14, name: "value", sql: include_str!("../migrations/0014_value.sql") },
    Migration { version: 15, name: "cost", sql: include_str!("../migrations/0015_cost.sql") },
    Migration { version: 16, name: "maturity", sql: include_str!("../migrations/0016_maturity.sql") },
];

/// The schema version this binary brings the database to.
pub const LATEST_VERSION: u32 = match MIGRATIONS.last() {
    Some(m) => m.version,
    None => 0,
};

/// Apply every migration the database lacks, in one transaction. Replicas starting together
/// queue on a transaction-scoped advisory lock (keyed by schema), so the second one finds the
/// work done and applies nothing.
pub(crate) async fn run(pool: &Pool) -> Result<()> {
    let mut client = client(pool).await?;
    let context = "migrating the database";
    let tx = client.transaction().await.map_err(db(context))?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('steward:migrate:' || current_schema()))", &[])
        .await
        .map_err(db(context))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     integer PRIMARY KEY,
             name        text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(db(context))?;
    let row = tx.query_one("SELECT max(version) FROM schema_migrations", &[]).await.map_err(db(context))?;
    let current: Option<i32> = row.try_get(0).map_err(db(context))?;
    let current = u32::try_from(current.unwrap_or(0)).unwrap_or(0);
    if current > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew { found: current, known: LATEST_VERSION });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let failed = |e: tokio_postgres::Error| StoreError::Migration {
            version: migration.version,
            name: migration.name.to_string(),
            reason: e.as_db_error().map(|d| d.to_string()).unwrap_or_else(|| e.to_string()),
        };
        tx.batch_execute(migration.sql).await.map_err(failed)?;
        let version = i32::try_from(migration.version).unwrap_or(i32::MAX);
        tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&version, &migration.name])
            .await
            .map_err(failed)?;
        tracing::info!(version = migration.version, name = migration.name, "applied PostgreSQL migration");
    }
    tx.commit().await.map_err(db(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_latest() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {} is out of order", m.name);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(LATEST_VERSION));
    }
}
