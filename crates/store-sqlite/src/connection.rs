//! Opening connections with the settings every Steward connection needs.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;
use steward_store::StoreError;

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The writer's page cache in KiB (128 MiB): keeps the id and sort indexes of a million resources
/// in memory during an ingest.
pub const WRITER_CACHE_KIB: u32 = 131_072;

/// Which end of the store a connection serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Writer,
    Reader,
    /// Copies the WAL into the database file (see `checkpoint.rs`).
    Checkpointer,
}

pub fn open(path: &Path, role: Role) -> Result<Connection, StoreError> {
    let failed = |reason: String| StoreError::Open { url: path.display().to_string(), reason };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| failed(format!("{e}; check that the directory exists and is writable")))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| failed(e.to_string()))?;
    // WAL lets readers work on the last committed state while the writer holds a long ingest
    // transaction; NORMAL sync is durable across application crashes and only risks the last
    // transactions on power loss, which a re-sync repairs.
    // Only takes effect on a new file. 8 KiB pages measured faster than 4 KiB and 16 KiB for a
    // bulk import (fewer index levels, shorter moves within a page).
    conn.execute_batch("PRAGMA page_size = 8192;").map_err(|e| failed(e.to_string()))?;
    let common = "PRAGMA journal_mode = WAL;
                  PRAGMA synchronous = NORMAL;
                  PRAGMA foreign_keys = ON;
                  PRAGMA mmap_size = 268435456;";
    conn.execute_batch(common).map_err(|e| failed(format!("cannot apply connection settings: {e}")))?;
    let role_specific = match role {
        // A large page cache keeps the id and sort indexes of a million resources in memory
        // during ingest. Temporary storage in files, not memory: SQLite's sorter only uses
        // worker threads when temporary files are allowed, and the index builds of a bulk load
        // depend on them (see `bulk::finish`). The sorter's files are written only when a sort
        // outgrows its memory budget.
        Role::Writer => {
            format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}; PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = FILE;")
        }
        Role::Checkpointer => "PRAGMA cache_size = -2048; PRAGMA temp_store = MEMORY;".into(),
        Role::Reader => "PRAGMA cache_size = -32768; PRAGMA query_only = ON; PRAGMA temp_store = MEMORY;".into(),
    };
    conn.execute_batch(&role_specific).map_err(|e| failed(format!("cannot apply connection settings: {e}")))?;
    if role == Role::Writer {
        crate::usage::register_functions(&conn).map_err(|e| failed(format!("cannot register functions: {e}")))?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}
