//! Steward's job runner (issue #9).
//!
//! - [`JobHandler`]: the work of one job kind (`sync.inventory`, `digest.board`, …). Crates that
//!   own some work implement it; the CLI crate registers every handler in one [`Registry`]
//!   (`crates/cli/src/jobs/mod.rs`, see `docs/jobs.md`).
//! - [`Worker`]: claims due jobs from the store, runs them on N concurrent slots with a lease it
//!   keeps alive by heartbeats, records success or failure (retry with exponential backoff and
//!   jitter, or the dead-letter state), and on shutdown finishes or gives back what it holds.
//! - [`schedule`]: cron schedules (`[[schedules]]` in steward.toml plus shipped defaults), fired
//!   once per slot across replicas; a slot missed while no process ran fires once, not many times.
//!
//! The queue itself (claiming, leases, run history) is the store's [`steward_store::jobs::JobStore`],
//! so the server can enqueue without knowing any handler.
//!
//! ## Exactly-once completion, at-least-once execution
//!
//! A job's completion is recorded only with the lease token its claim produced, so a worker that
//! lost its lease (killed, hung past the lease, or cancelled) cannot mark it done; the job is
//! reclaimed and runs again. A handler may therefore be *started* more than once, and must be
//! idempotent: it writes its results in one transaction, or keyed so that writing them twice
//! changes nothing (a dedupe key, an upsert, a "sent" marker checked before sending).

mod backoff;
mod clock;
mod config;
mod handler;
mod registry;
pub mod schedule;
mod worker;

pub use backoff::Backoff;
pub use clock::{Clock, FakeClock, SystemClock};
pub use config::JobsConfig;
pub use handler::{JobContext, JobError, JobHandler, JobOutput};
pub use registry::Registry;
pub use schedule::{ScheduleConfig, ScheduleError, Scheduler};
pub use worker::{Worker, WorkerConfig, WorkerHandle, WorkerStats, default_worker_name, wake_workers};

/// The store's job types, so that handler crates need only this crate.
pub use steward_store::jobs::{Job, JobId, NewJob};
