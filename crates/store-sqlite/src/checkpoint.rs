//! WAL checkpoints on their own thread.
//!
//! By default SQLite checkpoints inside the commit that crosses the WAL size limit, so a bulk
//! import pays for copying its whole WAL back into the database before `commit` returns. The
//! writer connection turns automatic checkpoints off and pokes this thread after each write
//! instead; the copy then overlaps with whatever the caller does next. Pokes that arrive while
//! a checkpoint runs are coalesced into one more checkpoint.

use crate::connection::{self, Role};
use std::path::PathBuf;
use std::sync::mpsc;

#[derive(Debug, Clone)]
pub struct Checkpointer {
    poke: mpsc::SyncSender<()>,
}

impl Checkpointer {
    pub fn spawn(path: PathBuf) -> std::io::Result<Checkpointer> {
        let (poke, pokes) = mpsc::sync_channel::<()>(1);
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
        Ok(Checkpointer { poke })
    }

    /// Ask for a checkpoint soon. Never blocks: a pending request already covers this one.
    pub fn poke(&self) {
        let _ = self.poke.try_send(());
    }
}
