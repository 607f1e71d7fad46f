//! The content digest, defined once so that every backend gives the same string for the same data.
//!
//! # Definition
//!
//! One streaming XXH3-128 hash (seed 0, `xxhash_rust::xxh3::Xxh3`) is fed, in this order:
//!
//! 1. For each table in [`DIGEST_TABLES`] order — `tenants`, `environments`, `connectors`,
//!    `data_policies`, `principals`, `resources`: the bytes `"{table}\n"`, then for every row
//!    (deleted ones included) in ascending **bytewise** order of `id` (SQLite's BINARY collation,
//!    PostgreSQL's `COLLATE "C"`): `"{id}\t{content_hash}\n"`, where `content_hash` is
//!    `steward_store::content_hash` of the record as last written by ingestion.
//! 2. The bytes `"usage_events\n"`, then for every stored usage event id in ascending bytewise
//!    order: `"{id}\n"`.
//! 3. The bytes `"usage_daily\n"`, then for every daily rollup row (rows exist only for
//!    resource-days with at least one use) ordered by resource id (bytewise), then day:
//!    `"{resource_id}\t{YYYY-MM-DD}\t{uses}\t{unique_users}\n"` with decimal numbers.
//!
//! The digest is the 128-bit result as 32 lowercase hex digits (`format!("{:032x}", …)`).
//! Bookkeeping (`first_seen`, `last_seen`, `last_changed`) and governance metadata are not part of
//! it: governance is declared by people, not ingested, and the digest proves ingest convergence.
//! `steward_store::conformance::reference_digest` is an independent implementation of this text.

use crate::convert::day_from_number;
use rusqlite::Connection;
use steward_store::StoreError;
use xxhash_rust::xxh3::Xxh3;

/// The inventory tables in digest order.
pub const DIGEST_TABLES: [&str; 6] =
    ["tenants", "environments", "connectors", "data_policies", "principals", "resources"];

/// The fold of the definition above, fed section by section.
pub struct ContentDigest {
    hasher: Xxh3,
}

impl Default for ContentDigest {
    fn default() -> Self {
        ContentDigest::new()
    }
}

impl ContentDigest {
    pub fn new() -> Self {
        ContentDigest { hasher: Xxh3::new() }
    }

    /// Start a section: a table name, `usage_events` or `usage_daily`.
    pub fn section(&mut self, name: &str) {
        self.hasher.update(name.as_bytes());
        self.hasher.update(b"\n");
    }

    pub fn record(&mut self, id: &str, content_hash: &str) {
        self.hasher.update(id.as_bytes());
        self.hasher.update(b"\t");
        self.hasher.update(content_hash.as_bytes());
        self.hasher.update(b"\n");
    }

    pub fn usage_event(&mut self, id: &str) {
        self.hasher.update(id.as_bytes());
        self.hasher.update(b"\n");
    }

    pub fn usage_day(&mut self, resource_id: &str, day: chrono::NaiveDate, uses: u64, unique_users: u64) {
        let line = format!("{resource_id}\t{}\t{uses}\t{unique_users}\n", day.format("%Y-%m-%d"));
        self.hasher.update(line.as_bytes());
    }

    pub fn finish(self) -> String {
        format!("{:032x}", self.hasher.digest128())
    }
}

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

/// The digest of everything in the database, per the definition above.
pub fn content_digest(conn: &Connection) -> Result<String, StoreError> {
    let mut digest = ContentDigest::new();
    for table in DIGEST_TABLES {
        digest.section(table);
        let mut stmt = conn
            .prepare(&format!("SELECT id, content_hash FROM {table} ORDER BY id"))
            .map_err(db("reading content hashes"))?;
        let mut rows = stmt.query([]).map_err(db("reading content hashes"))?;
        while let Some(row) = rows.next().map_err(db("reading content hashes"))? {
            let id: String = row.get(0).map_err(db("reading content hashes"))?;
            let hash: String = row.get(1).map_err(db("reading content hashes"))?;
            digest.record(&id, &hash);
        }
    }
    digest.section("usage_events");
    let mut stmt = conn.prepare("SELECT id FROM usage_events ORDER BY id").map_err(db("reading usage event ids"))?;
    let mut rows = stmt.query([]).map_err(db("reading usage event ids"))?;
    while let Some(row) = rows.next().map_err(db("reading usage event ids"))? {
        let id: String = row.get(0).map_err(db("reading usage event ids"))?;
        digest.usage_event(&id);
    }
    digest.section("usage_daily");
    let mut stmt = conn
        .prepare("SELECT resource_id, day, uses, unique_users FROM usage_daily ORDER BY resource_id, day")
        .map_err(db("reading daily usage"))?;
    let mut rows = stmt.query([]).map_err(db("reading daily usage"))?;
    while let Some(row) = rows.next().map_err(db("reading daily usage"))? {
        let resource: String = row.get(0).map_err(db("reading daily usage"))?;
        let day: i64 = row.get(1).map_err(db("reading daily usage"))?;
        let uses: i64 = row.get(2).map_err(db("reading daily usage"))?;
        let users: i64 = row.get(3).map_err(db("reading daily usage"))?;
        digest.usage_day(&resource, day_from_number(day)?, crate::convert::count(uses), crate::convert::count(users));
    }
    Ok(digest.finish())
}
