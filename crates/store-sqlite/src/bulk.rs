//! Bulk loading: building the resource indexes once instead of row by row.
//!
//! Inserting a million resources into five sorted indexes costs a random B-tree insert per row
//! and index; sorting once at the end is several times cheaper. When an ingest session writes
//! resources into an empty table, the secondary indexes of `resources` (except the unique `id`
//! index the upsert itself needs) are dropped inside the transaction and re-created from their
//! own stored SQL just before commit. Readers keep their snapshot with the indexes; a rollback
//! or a failed commit brings the indexes back with everything else.

use crate::writer::Session;
use rusqlite::Connection;
use steward_store::StoreError;

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

/// On the first resource write of a session, drop the resource indexes when the table is empty.
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
    // Indexes with stored SQL are the declared ones; the automatic unique index on `id` has none.
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
    Ok(())
}

/// Re-create the indexes dropped for a bulk load; called just before commit.
pub fn rebuild_indexes(conn: &Connection, session: &mut Session) -> Result<(), StoreError> {
    for sql in session.deferred_indexes.drain(..) {
        conn.execute_batch(&sql).map_err(db("re-creating a resource index after a bulk load"))?;
    }
    Ok(())
}
