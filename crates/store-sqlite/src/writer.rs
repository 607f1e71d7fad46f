//! The one thread that writes: it owns the only write connection and runs jobs in arrival order.
//!
//! SQLite allows one writer at a time. Funnelling every write through one thread means writers
//! never wait on file locks or see `SQLITE_BUSY`; they queue in a channel instead. An ingest
//! session is a job that keeps the transaction open and serves that session's operations until
//! it commits, rolls back or is dropped; other writes wait behind it.

use rusqlite::Connection;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use steward_store::StoreError;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// One operation of an ingest session, with its own reply channel inside.
pub type SessionOp = Box<dyn FnOnce(&Connection, &mut Session) + Send>;

/// Messages of one ingest session.
pub enum SessionMsg {
    Op(SessionOp),
    Commit(oneshot::Sender<Result<(), StoreError>>),
    Rollback(oneshot::Sender<Result<(), StoreError>>),
}

/// State of an open ingest session on the writer thread.
#[derive(Debug, Default)]
pub struct Session {
    /// Why the session can no longer commit: an operation failed, so its writes are partial.
    pub failed: Option<String>,
    /// Whether this session already decided on deferring index builds (see [`crate::bulk`]).
    pub bulk_checked: bool,
    /// `CREATE INDEX` statements to run before commit, for indexes dropped for a bulk load.
    pub deferred_indexes: Vec<String>,
    /// Set while this session bulk-loads an empty resource table.
    pub bulk: Option<crate::bulk::BulkLoad>,
}

pub fn closed() -> StoreError {
    StoreError::Closed("the SQLite writer thread has stopped; restart Steward".into())
}

/// Handle to the writer thread; the thread ends when the last handle is dropped.
#[derive(Debug)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub fn spawn(conn: Connection, checkpointer: crate::checkpoint::Checkpointer) -> Result<Writer, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("steward-sqlite-writer".into())
            .spawn(move || {
                let mut conn = conn;
                for job in queue {
                    // A panicking job (a bug) must not take the store down with it, nor leave a
                    // transaction open for the next job.
                    if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
                        tracing::error!("a SQLite write job panicked; its transaction is rolled back");
                    }
                    if !conn.is_autocommit() {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    checkpointer.bound_wal(&conn);
                    checkpointer.poke();
                }
            })
            .map_err(|e| StoreError::Open { url: "writer thread".into(), reason: e.to_string() })?;
        Ok(Writer { jobs })
    }

    /// Run `f` on the writer thread and wait for its result.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = reply.send(f(conn));
            }))
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Open an ingest session: waits until every earlier write has finished and the write lock is held.
    pub async fn begin_session(&self) -> Result<mpsc::Sender<SessionMsg>, StoreError> {
        let (ops, inbox) = mpsc::channel::<SessionMsg>();
        let (started, answer) = oneshot::channel();
        self.jobs.send(Box::new(move |conn| serve_session(conn, inbox, started))).map_err(|_| closed())?;
        answer.await.map_err(|_| closed())??;
        Ok(ops)
    }
}

fn serve_session(
    conn: &mut Connection,
    inbox: mpsc::Receiver<SessionMsg>,
    started: oneshot::Sender<Result<(), StoreError>>,
) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let _ = started.send(Err(StoreError::backend("starting an ingest transaction", e)));
        return;
    }
    if started.send(Ok(())).is_err() {
        rollback(conn);
        return;
    }
    let mut session = Session::default();
    loop {
        match inbox.recv() {
            Ok(SessionMsg::Op(op)) => op(conn, &mut session),
            Ok(SessionMsg::Commit(reply)) => {
                let result = match session.failed.take() {
                    Some(reason) => {
                        rollback(conn);
                        Err(StoreError::Closed(format!(
                            "an earlier write in this transaction failed ({reason}); nothing was committed, run the import again"
                        )))
                    }
                    None => crate::bulk::finish(conn, &mut session)
                        .and_then(|()| {
                            conn.execute_batch("COMMIT")
                                .map_err(|e| StoreError::backend("committing the ingest transaction", e))
                        })
                        .inspect_err(|_| rollback(conn)),
                };
                let _ = reply.send(result);
                return;
            }
            Ok(SessionMsg::Rollback(reply)) => {
                let result = conn
                    .execute_batch("ROLLBACK")
                    .map_err(|e| StoreError::backend("rolling back the ingest transaction", e));
                let _ = reply.send(result);
                return;
            }
            // The transaction handle was dropped without commit.
            Err(mpsc::RecvError) => {
                rollback(conn);
                return;
            }
        }
    }
}

fn rollback(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::warn!(error = %e, "rolling back an ingest transaction failed");
    }
}
