//! Bulk loading: building the resource indexes once instead of row by row.
//!
//! Inserting a million resources into six sorted indexes (the unique `id` index among them) and
//! two child tables keyed by principal and connector costs a random B-tree insert per row and
//! index; sorting once at the end is several times cheaper. When an ingest session writes
//! resources into an empty table, every index of `resources` is dropped inside the transaction
//! and re-created from its own stored SQL just before commit. Meanwhile:
//!
//! - the ids written in this session are tracked in memory ([`BulkLoad::ids`]), so that an id
//!   written twice in one transaction still becomes an update and the unique index re-created at
//!   commit cannot fail;
//! - owner and connector rows are collected in memory, grouped by principal and connector, and
//!   inserted at commit in primary-key order (appends instead of random inserts).
//!
//! Readers keep their snapshot with the indexes; a rollback or a failed commit brings the indexes
//! back with everything else, and the collected rows are simply dropped with the session.

use crate::writer::Session;
use rusqlite::Connection;
use std::collections::HashMap;
use steward_model::ShareRole;
use steward_store::StoreError;

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

/// State of a bulk load into an empty resource table.
#[derive(Debug, Default)]
pub struct BulkLoad {
    /// Every resource id written in this session, with its rid: the stand-in for the dropped
    /// unique index.
    pub ids: HashMap<Box<str>, i64>,
    /// Owner rows not written yet: principal id -> (rid, role), rids ascending per principal
    /// because rids are handed out in insertion order.
    owners: HashMap<Box<str>, Vec<(i64, ShareRole)>>,
    /// Connector rows not written yet: connector id -> rids, ascending.
    connectors: HashMap<Box<str>, Vec<i64>>,
}

impl BulkLoad {
    pub fn add_owner(&mut self, principal_id: &str, rid: i64, role: ShareRole) {
        match self.owners.get_mut(principal_id) {
            Some(rows) => rows.push((rid, role)),
            None => {
                self.owners.insert(principal_id.into(), vec![(rid, role)]);
            }
        }
    }

    pub fn add_connector(&mut self, connector_id: &str, rid: i64) {
        match self.connectors.get_mut(connector_id) {
            Some(rows) => rows.push(rid),
            None => {
                self.connectors.insert(connector_id.into(), vec![rid]);
            }
        }
    }

    /// Write the collected child rows in primary-key order and forget them. Called at commit, and
    /// before a resource of this session is rewritten (its old child rows must be in the tables
    /// to be found and removed).
    pub fn flush_children(&mut self, conn: &Connection) -> Result<(), StoreError> {
        // Text keys compare with memcmp in SQLite (BINARY collation), as `str` ordering does.
        let mut owners: Vec<_> = self.owners.drain().collect();
        owners.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let rows =
            owners.iter().flat_map(|(principal, rows)| rows.iter().map(move |(rid, role)| (&**principal, *rid, *role)));
        insert_many(
            conn,
            "resource_owners (principal_id, rid, role)",
            3,
            rows,
            |stmt, base, (principal, rid, role)| {
                stmt.raw_bind_parameter(base + 1, principal)?;
                stmt.raw_bind_parameter(base + 2, rid)?;
                stmt.raw_bind_parameter(base + 3, role.as_str())
            },
        )
        .map_err(db("writing resource owners"))?;
        drop(owners);
        let mut connectors: Vec<_> = self.connectors.drain().collect();
        connectors.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let rows = connectors.iter().flat_map(|(connector, rids)| rids.iter().map(move |rid| (&**connector, *rid)));
        insert_many(conn, "resource_connectors (connector_id, rid)", 2, rows, |stmt, base, (connector, rid)| {
            stmt.raw_bind_parameter(base + 1, connector)?;
            stmt.raw_bind_parameter(base + 2, rid)
        })
        .map_err(db("writing resource connectors"))?;
        Ok(())
    }
}

/// Rows per multi-row INSERT: one statement run per row costs more than the B-tree append.
const ROWS_PER_INSERT: usize = 128;

/// `INSERT OR IGNORE` every row of `rows` into `target` (a table with its column list), in order,
/// `ROWS_PER_INSERT` rows per statement.
fn insert_many<R>(
    conn: &Connection,
    target: &str,
    width: usize,
    rows: impl Iterator<Item = R>,
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, R) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let sql = |n: usize| {
        let one = format!("({})", vec!["?"; width].join(", "));
        format!("INSERT OR IGNORE INTO {target} VALUES {}", vec![one; n].join(", "))
    };
    let mut full = conn.prepare_cached(&sql(ROWS_PER_INSERT))?;
    let mut pending = Vec::with_capacity(ROWS_PER_INSERT);
    for row in rows {
        pending.push(row);
        if pending.len() == ROWS_PER_INSERT {
            for (i, row) in pending.drain(..).enumerate() {
                bind(&mut full, i * width, row)?;
            }
            full.raw_execute()?;
        }
    }
    if !pending.is_empty() {
        let mut rest = conn.prepare(&sql(pending.len()))?;
        for (i, row) in pending.drain(..).enumerate() {
            bind(&mut rest, i * width, row)?;
        }
        rest.raw_execute()?;
    }
    Ok(())
}

/// On the first resource write of a session, drop the resource indexes when the table is empty
/// and switch the session to bulk loading.
pub fn defer_indexes_if_empty(conn: &Connection, session: &mut Session) -> Result<(), StoreError> {
    if session.bulk_checked {
        return Ok(());
    }
    session.bulk_checked = true;
    let empty: bool = conn
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM resources)", [], |r| r.get(0))
        .map_err(db("checking whether the resource table is empty"))?;
    if !empty {
        return Ok(());
    }
    let mut stmt = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resources' AND sql IS NOT NULL",
        )
        .map_err(db("listing resource indexes"))?;
    let indexes: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(db("listing resource indexes"))?;
    for (name, sql) in indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\"")).map_err(db("dropping an index for a bulk load"))?;
        session.deferred_indexes.push(sql);
    }
    session.bulk = Some(BulkLoad::default());
    Ok(())
}

/// Write the collected child rows and re-create the dropped indexes; called just before commit.
pub fn finish(conn: &Connection, session: &mut Session) -> Result<(), StoreError> {
    if let Some(mut bulk) = session.bulk.take() {
        // The id map is not needed for writing children; free it before the index builds.
        bulk.ids = HashMap::new();
        bulk.flush_children(conn)?;
    }
    if session.deferred_indexes.is_empty() {
        return Ok(());
    }
    // Sort in small runs on a worker thread. `CREATE INDEX` feeds every key to SQLite's sorter;
    // with the writer's large cache the sorter keeps all keys of a million resources in one
    // in-memory list and merge-sorts it at the end on this thread alone, chasing pointers
    // through ~70 MB. With a 2 MiB budget it sorts 2 MiB runs (cache-friendly) on a worker
    // thread while this thread keeps scanning the table, and merges the runs at the end.
    // Measured on the 1M-resource table (2-core VM): the six builds took 8.1 s as before and
    // 3.7 s so. Needs `temp_store = FILE` (see connection.rs): SQLite never starts sorter
    // threads with in-memory temporary storage.
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -{INDEX_BUILD_CACHE_KIB}; PRAGMA threads = {INDEX_BUILD_THREADS};"
    ))
    .map_err(db("preparing the index builds of a bulk load"))?;
    let built = session
        .deferred_indexes
        .drain(..)
        .try_for_each(|sql| conn.execute_batch(&sql).map_err(db("re-creating a resource index after a bulk load")));
    let restored = conn
        .execute_batch(&format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}; PRAGMA threads = 0;"))
        .map_err(db("restoring the writer's settings after a bulk load"));
    built.and(restored)
}

/// The sorter budget of the index builds at commit, in KiB (see [`finish`]); 2, 4 and 8 MiB
/// measured alike, 128 MiB (the writer's cache) twice as slow.
const INDEX_BUILD_CACHE_KIB: u32 = 2048;
/// Sorter worker threads for the index builds: 1 and 2 measured alike on 2 cores.
const INDEX_BUILD_THREADS: u32 = 2;
/// The writer's page cache, restored after the index builds; must match connection.rs.
const WRITER_CACHE_KIB: u32 = crate::connection::WRITER_CACHE_KIB;
