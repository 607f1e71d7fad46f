//! The jobs this binary runs, and starting the worker for `steward worker`, `steward serve` and
//! `steward demo` (docs/jobs.md).
//!
//! **Registering a handler**: add one line to [`registry`]. A handler is a
//! [`steward_jobs::JobHandler`]; its kind may then be used in `[[schedules]]`, and a shipped
//! default schedule of that kind starts firing (defaults whose kind has no handler are left out).

mod handlers;
mod test_kinds;

use crate::config::Config;
use anyhow::Context;
use std::sync::Arc;
use steward_jobs::schedule::Scheduler;
use steward_jobs::{Registry, Worker, WorkerHandle};
use steward_store::Store;

/// What the worker may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Everything, schedules from steward.toml over the defaults.
    Full,
    /// `steward demo`: no job that reaches a real tenant (no sync), default schedules only.
    Demo,
}

/// Every job handler this binary runs.
pub fn registry(config: &Arc<Config>, mode: Mode) -> Registry {
    let mut r = Registry::new();
    if mode == Mode::Full {
        r.register(handlers::Sync::inventory(config.clone()));
        r.register(handlers::Sync::usage(config.clone()));
    }
    r.register(handlers::UsageMaintenance::new(config.clone()));
    r.register(handlers::PolicyEvaluation::new(config.clone()));
    r.register(handlers::CampaignSteps);
    r.register(handlers::PruneJobs { keep_days: config.jobs.keep_days });
    crate::commands::notify::register(&mut r, config);
    r.register(handlers::CostSnapshot::new(config.clone()));
    if std::env::var("STEWARD_TEST_JOBS").as_deref() == Ok("1") {
        test_kinds::register(&mut r);
    }
    r
}

/// Worker settings given on the command line over `[jobs]`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WorkerFlags {
    /// Jobs run at the same time (default: `[jobs] concurrency`, 2).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Seconds a claim holds a job without a heartbeat (default: `[jobs] lease_seconds`, 60).
    #[arg(long, value_name = "SECONDS")]
    pub lease_seconds: Option<u64>,
    /// Run jobs only; fire no schedule (another process does).
    #[arg(long)]
    pub no_schedules: bool,
}

/// Start the worker (and, unless told not to, the scheduler) in the background.
pub async fn start(
    store: Arc<dyn Store>,
    config: &Arc<Config>,
    mode: Mode,
    flags: &WorkerFlags,
) -> anyhow::Result<WorkerHandle> {
    let registry = registry(config, mode);
    let mut jobs = config.jobs.clone();
    if let Some(n) = flags.concurrency {
        jobs.concurrency = n;
    }
    if let Some(s) = flags.lease_seconds {
        jobs.lease_seconds = s;
    }
    let mut worker = Worker::new(store, registry.clone(), jobs.worker());
    if !flags.no_schedules {
        let configured: &[steward_jobs::ScheduleConfig] = match mode {
            Mode::Full => &config.schedules,
            Mode::Demo => &[],
        };
        let scheduler = Scheduler::from_config(configured, &registry.kinds())
            .context("the [[schedules]] in steward.toml cannot be used")?;
        worker = worker.with_scheduler(scheduler);
    }
    Ok(worker.spawn())
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM, the signal service managers and `docker stop` send.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM; stop with Ctrl-C");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
