//! WAL checkpoints on their own thread.
//!
//! By default SQLite checkpoints inside the commit that crosses the WAL size limit, so a bulk
//! import pays for copying its whole WAL back into the database before `commit` returns. The
//! writer connection turns automatic checkpoints off and pokes this thread after each write
//! instead; the copy then overlaps with whatever the caller does next. Pokes that arrive while
//! a checkpoint runs are coalesced into one more checkpoint.
//!
//! A passive checkpoint never resets the WAL while the writer keeps appending, so under a long
//! stream of commits (a sync commits every few pages for minutes) the WAL grew without end:
//! 11 GB during a 1,000,000-resource sync, with every page lookup searching an ever larger WAL
//! index. So the writer itself, between two jobs, truncates the WAL once it passes
//! [`WAL_LIMIT`]: a blocking checkpoint, paid once per few hundred megabytes written.

use crate::connection::{self, Role};
use std::path::PathBuf;
use std::sync::mpsc;

/// WAL size above which the writer checkpoints and truncates it before its next job.
pub const WAL_LIMIT: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Checkpointer {
    poke: mpsc::SyncSender<()>,
    wal: PathBuf,
}

impl Checkpointer {
    pub fn spawn(path: PathBuf) -> std::io::Result<Checkpointer> {
        let (poke, pokes) = mpsc::sync_channel::<()>(1);
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        std::thread::Builder::new().name("steward-sqlite-checkpoint".into()).spawn(move || {
            let conn = match connection::open(&path, Role::Checkpointer) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::error!(error = %e, "cannot open the checkpoint connection; the WAL file will grow until restart");
                    return;
                }
            };
            while pokes.recv().is_ok() {
                // PASSIVE never blocks the writer or readers; frames it cannot copy yet wait for the next poke.
                if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
                    tracing::warn!(error = %e, "WAL checkpoint failed; it is retried after the next write");
                }
            }
        })?;
        Ok(Checkpointer { poke, wal })
    }

    /// Ask for a checkpoint soon. Never blocks: a pending request already covers this one.
    pub fn poke(&self) {
        let _ = self.poke.try_send(());
    }

    /// On the writer's connection, between jobs: checkpoint and truncate the WAL once it is
    /// past [`WAL_LIMIT`]. Waits for readers of old frames; a failure only leaves the WAL long.
    pub fn bound_wal(&self, conn: &rusqlite::Connection) {
        let long = std::fs::metadata(&self.wal).is_ok_and(|m| m.len() > WAL_LIMIT);
        if long && let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
            tracing::warn!(error = %e, "truncating the WAL failed; it is tried again after the next write");
        }
    }
}
