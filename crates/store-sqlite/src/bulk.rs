//! Bulk loading: building the resource indexes once instead of row by row.
//!
//! Inserting a million resources into six sorted indexes (the unique `id` index among them) and
//! two child tables keyed by principal and connector costs a random B-tree insert per row and
//! index; sorting once at the end is several times cheaper. When an ingest session writes
//! resources into an empty table, every index of `resources` and `resource_details` is dropped
//! inside the transaction and re-created from its own stored SQL just before commit. Meanwhile:
//!
//! - the ids written in this session are tracked in memory ([`BulkLoad::written`]), so that an
//!   id written twice in one transaction still becomes an update and the unique index re-created
//!   at commit cannot fail;
//! - owner and connector rows are collected in memory, grouped by principal and connector, and
//!   inserted at commit in primary-key order (appends instead of random inserts).
//!
//! Readers keep their snapshot with the indexes; a rollback or a failed commit brings the indexes
//! back with everything else, and the collected rows are simply dropped with the session.

use crate::write::ResourceRow;
use crate::writer::Session;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use steward_model::ShareRole;
use steward_store::StoreError;

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

/// xxh3 for the maps below, instead of the standard library's SipHash, which showed up at ~4% of
/// the writer thread's time in a 1M bulk load. Nothing here is keyed by untrusted input that
/// could be chosen to collide: ids and principal ids come from the tenant's own inventory.
#[derive(Debug, Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }

    /// A `u64` key is already a hash (see [`BulkLoad::ids`]): mixing it again would be wasted work.
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// State of a bulk load into an empty resource table.
#[derive(Debug, Default)]
pub struct BulkLoad {
    /// The stand-in for the dropped unique index: the xxh3 of every resource id written in this
    /// session (computed by the caller, see `ResourceRow`), with the rid of the first id seen
    /// with that hash. A hit is confirmed against the stored id. Keeping 8-byte hashes instead of
    /// the ids saves an allocation per resource and ~40 MB at 1M resources.
    ids: FastMap<u64, i64>,
    /// Ids whose hash was already taken by another id (64-bit collisions: practically never).
    collided: HashMap<Box<str>, i64>,
    /// Owner rows not written yet: principal id -> (rid, role), rids ascending per principal
    /// because rids are handed out in insertion order.
    owners: FastMap<Box<str>, Vec<(i64, ShareRole)>>,
    /// Connector rows not written yet: connector id -> rids, ascending.
    connectors: FastMap<Box<str>, Vec<i64>>,
}

impl BulkLoad {
    /// The rid of `row`'s id when this session already wrote it.
    pub fn written(&self, conn: &Connection, row: &ResourceRow) -> Result<Option<i64>, StoreError> {
        let Some(&rid) = self.ids.get(&row.id_hash) else { return Ok(None) };
        let stored: Option<String> = conn
            .prepare_cached("SELECT id FROM resources WHERE rid = ?1")
            .and_then(|mut s| s.query_row([rid], |r| r.get(0)).optional())
            .map_err(db("looking up a resource written earlier in this import"))?;
        if stored.as_deref() == Some(row.id()) {
            return Ok(Some(rid));
        }
        Ok(self.collided.get(row.id()).copied())
    }

    /// Note that `row` was inserted as `rid`; only after [`BulkLoad::written`] said it was new.
    pub fn remember(&mut self, row: &ResourceRow, rid: i64) {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.ids.entry(row.id_hash) {
            slot.insert(rid);
        } else {
            self.collided.insert(row.id().into(), rid);
        }
    }

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
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
             AND tbl_name IN ('resources', 'resource_details') AND sql IS NOT NULL",
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
        bulk.ids = FastMap::default();
        bulk.collided = HashMap::new();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, id_hash: u64) -> ResourceRow {
        let resource = steward_store::conformance::resource(
            "tenant-1",
            "env-1",
            id,
            steward_model::ResourceKind::CanvasApp,
            "App",
        );
        let mut row = ResourceRow::new(resource);
        row.id_hash = id_hash;
        row
    }

    #[test]
    fn ids_whose_hashes_collide_stay_apart() -> Result<(), Box<dyn std::error::Error>> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("CREATE TABLE resources (rid INTEGER PRIMARY KEY, id TEXT NOT NULL)")?;
        let mut bulk = BulkLoad::default();
        let (a, b, c) = (row("a", 7), row("b", 7), row("c", 7));
        for (rid, row) in [(1, &a), (2, &b)] {
            assert_eq!(bulk.written(&conn, row)?, None);
            conn.execute("INSERT INTO resources (rid, id) VALUES (?1, ?2)", rusqlite::params![rid, row.id()])?;
            bulk.remember(row, rid);
        }
        assert_eq!(bulk.written(&conn, &a)?, Some(1));
        assert_eq!(bulk.written(&conn, &b)?, Some(2));
        assert_eq!(bulk.written(&conn, &c)?, None);
        assert_eq!(bulk.written(&conn, &row("a", 8))?, None, "a different hash is a different id");
        Ok(())
    }
}
