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
//! 2. The bytes `"usage_ledger\n"`, then for every ledger row with at least one record, ordered
//!    by tenant id (bytewise), then day: `"{tenant_id}\t{YYYY-MM-DD}\t{records}\t{h:016x}\n"`,
//!    where `h` is `xxh3_64` of the stored ids blob (the sorted little-endian u64 record hashes).
//! 3. The bytes `"usage_daily\n"`, then for every rollup row of scope `resource`, period `day`,
//!    metric `use`, ordered by resource id (bytewise), then day:
//!    `"{resource_id}\t{YYYY-MM-DD}\t{uses}\t{users}\n"` with decimal numbers.
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

    pub fn ledger_day(&mut self, tenant_id: &str, day: chrono::NaiveDate, records: u64, ids: &[u8]) {
        let hash = xxhash_rust::xxh3::xxh3_64(ids);
        let line = format!("{tenant_id}\t{}\t{records}\t{hash:016x}\n", day.format("%Y-%m-%d"));
        self.hasher.update(line.as_bytes());
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
    digest.section("usage_ledger");
    let mut stmt = conn
        .prepare("SELECT tenant_id, day, records, ids FROM usage_ledger WHERE records > 0 ORDER BY tenant_id, day")
        .map_err(db("reading the usage ledger"))?;
    let mut rows = stmt.query([]).map_err(db("reading the usage ledger"))?;
    while let Some(row) = rows.next().map_err(db("reading the usage ledger"))? {
        let tenant: String = row.get(0).map_err(db("reading the usage ledger"))?;
        let day: i64 = row.get(1).map_err(db("reading the usage ledger"))?;
        let records: i64 = row.get(2).map_err(db("reading the usage ledger"))?;
        let ids: Vec<u8> = row.get(3).map_err(db("reading the usage ledger"))?;
        digest.ledger_day(&tenant, day_from_number(day)?, crate::convert::count(records), &ids);
    }
    digest.section("usage_daily");
    let mut stmt = conn
        .prepare(
            "SELECT scope_id, start_day, uses, users FROM usage_rollups \
             WHERE scope = 'resource' AND period = 'day' AND metric = 'use' ORDER BY scope_id, start_day",
        )
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
