//! The interface of one job kind's work.

use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::jobs::{Job, Lease};
use tokio::sync::watch;

/// The work of one job kind. Implemented by the crate that owns the work, registered once in the
/// CLI's [`Registry`](crate::Registry).
///
/// A handler may be started more than once for one job (a worker killed mid-job, a lease that
/// expired): it must be idempotent, writing its results in one transaction or with idempotency
/// keys. Long handlers should watch [`JobContext::cancelled`] and stop early when it fires (the
/// lease was lost or the process is shutting down); whatever they return then is not recorded.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// The job kind this handler runs, such as `"sync.inventory"`: lowercase, dot-separated.
    fn kind(&self) -> &'static str;

    /// Run one job. `job.payload` is the JSON given at enqueue time (`null` when none).
    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<JobOutput, JobError>;

    /// How long one run may take before the worker gives up on it (counted as a retryable failure).
    fn timeout(&self) -> Duration {
        Duration::from_secs(60 * 60)
    }
}

/// What a successful run reports: a one-line summary kept in the run history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobOutput {
    pub summary: Option<String>,
}

impl JobOutput {
    /// Done, nothing to report.
    pub fn done() -> JobOutput {
        JobOutput { summary: None }
    }

    /// Done, with a summary such as "1,204 resources synced".
    pub fn summary(summary: impl Into<String>) -> JobOutput {
        JobOutput { summary: Some(summary.into()) }
    }
}

/// Why a run failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// A passing condition (network, throttling, a locked database): retried with backoff until
    /// the job's attempts run out. `retry_after` overrides the backoff (a `Retry-After` header).
    #[error("{message}")]
    Retryable { message: String, retry_after: Option<Duration> },
    /// Trying again cannot help (bad payload, missing configuration): the job is dead at once.
    #[error("{message}")]
    Permanent { message: String },
}

impl JobError {
    pub fn retryable(message: impl std::fmt::Display) -> JobError {
        JobError::Retryable { message: message.to_string(), retry_after: None }
    }

    pub fn retry_after(message: impl std::fmt::Display, after: Duration) -> JobError {
        JobError::Retryable { message: message.to_string(), retry_after: Some(after) }
    }

    pub fn permanent(message: impl std::fmt::Display) -> JobError {
        JobError::Permanent { message: message.to_string() }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, JobError::Retryable { .. })
    }

    pub fn message(&self) -> &str {
        match self {
            JobError::Retryable { message, .. } | JobError::Permanent { message } => message,
        }
    }
}

/// A store error is retryable: the database may be back on the next attempt.
impl From<steward_store::StoreError> for JobError {
    fn from(e: steward_store::StoreError) -> Self {
        JobError::retryable(e)
    }
}

/// What a handler gets besides its job.
#[derive(Clone)]
pub struct JobContext {
    /// The store the worker claimed the job from.
    pub store: Arc<dyn Store>,
    /// The time the run started (from the worker's clock, so tests can fake it).
    pub now: Timestamp,
    /// The worker running it, for logs.
    pub worker: String,
    pub(crate) lease: Option<Lease>,
    pub(crate) cancel: watch::Receiver<bool>,
}

impl JobContext {
    /// A context for running a handler outside a worker (tests, `steward jobs run-now --here`):
    /// never cancelled.
    pub fn detached(store: Arc<dyn Store>, now: Timestamp) -> JobContext {
        let (_keep, cancel) = watch::channel(false);
        // The sender is dropped at once; `cancelled()` treats a closed channel as "never".
        JobContext { store, now, worker: "detached".to_string(), lease: None, cancel }
    }

    /// The lease this run holds (none when detached).
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    /// True once the lease is lost or the worker is shutting down: stop at the next safe point.
    pub fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Resolves when [`is_cancelled`](Self::is_cancelled) becomes true; never when it cannot.
    pub async fn cancelled(&self) {
        let mut rx = self.cancel.clone();
        loop {
            if *rx.borrow_and_update() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
