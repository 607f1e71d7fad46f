//! Numbered schema migrations embedded in the binary, applied in order, each in its own transaction.

use rusqlite::{Connection, OptionalExtension};
use steward_store::StoreError;

/// A migration: its number, a name for messages, and its SQL.
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { version: 2, name: "sync", sql: include_str!("../migrations/0002_sync.sql") },
    Migration { version: 3, name: "licenses", sql: include_str!("../migrations/0003_licenses.sql") },
    Migration { version: 4, name: "usage_rollups", sql: include_str!("../migrations/0004_usage_rollups.sql") },
    Migration { version: 5, name: "success", sql: include_str!("../migrations/0005_success.sql") },
    Migration { version: 6, name: "governance", sql: include_str!("../migrations/0006_governance.sql") },
    Migration { version: 7, name: "campaigns", sql: include_str!("../migrations/0007_campaigns.sql") },
    Migration {
        version: 8,
        name: "governance_support",
        sql: include_str!("../migrations/0008_governance_support.sql"),
    },
    Migration { version: 9, name: "auth", sql: include_str!("../migrations/0009_auth.sql") },
    Migration { version: 10, name: "catalog", sql: include_str!("../migrations/0010_catalog.sql") },
    Migration { version: 11, name: "inventory_status", sql: include_str!("../migrations/0011_inventory_status.sql") },
    Migration { version: 12, name: "queues", sql: include_str!("../migrations/0012_queues.sql") },
    Migration { version: 13, name: "jobs", sql: include_str!("../migrations/0013_jobs.sql") },
    Migration { version: 14, name: "notifications", sql: include_str!("../migrations/0014_notifications.sql") },
    Migration { version: 15, name: "value", sql: include_str!("../migrations/0015_value.sql") },
    Migration { version: 16, name: "cost", sql: include_str!("../migrations/0016_cost.sql") },
    Migration { version: 17, name: "maturity", sql: include_str!("../migrations/0017_maturity.sql") },
];

/// The schema version this build writes and understands.
pub const LATEST_VERSION: u32 = match MIGRATIONS.last() {
    Some(m) => m.version,
    None => 0,
};

/// The highest applied migration, or 0 for a new database.
pub fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    let has_table: Option<i64> = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [], |r| r.get(0))
        .optional()
        .map_err(|e| StoreError::backend("reading the schema version", e))?;
    if has_table.is_none() {
        return Ok(0);
    }
    let version: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))
        .map_err(|e| StoreError::backend("reading the schema version", e))?;
    u32::try_from(version.unwrap_or(0)).map_err(|_| StoreError::Corrupt {
        what: "schema_migrations.version".into(),
        reason: format!("{version:?} is not a migration number"),
    })
}

/// Apply every migration newer than the database; refuse a database newer than this build.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )
    .map_err(|e| StoreError::backend("creating the schema_migrations table", e))?;
    let found = current_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew { found, known: LATEST_VERSION });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        let failed = |reason: String| StoreError::Migration {
            version: migration.version,
            name: migration.name.to_string(),
            reason,
        };
        let tx = conn.transaction().map_err(|e| failed(e.to_string()))?;
        tx.execute_batch(migration.sql).map_err(|e| failed(e.to_string()))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![migration.version, migration.name, chrono::Utc::now().timestamp_millis()],
        )
        .map_err(|e| failed(e.to_string()))?;
        tx.commit().map_err(|e| failed(e.to_string()))?;
        tracing::info!(version = migration.version, name = migration.name, "applied SQLite migration");
    }
    Ok(())
}
