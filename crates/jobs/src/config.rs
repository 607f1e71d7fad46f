//! `[jobs]` in steward.toml: how the worker runs. Schedules are `[[schedules]]` (see
//! [`crate::ScheduleConfig`]).

use crate::{Backoff, WorkerConfig};
use serde::Deserialize;
use std::time::Duration;

/// `[jobs]`. Every field has a default, so an empty section (or none) is valid.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs one process runs at the same time (default 2).
    pub concurrency: usize,
    /// Seconds a claim holds a job without a heartbeat (default 60): how long a killed worker's
    /// job waits before another worker takes it.
    pub lease_seconds: u64,
    /// Longest idle wait between two looks at the queue, in milliseconds (default 5000).
    pub poll_max_ms: u64,
    /// First retry delay in seconds (default 30); doubles per attempt up to `retry_max_seconds`.
    pub retry_base_seconds: u64,
    pub retry_max_seconds: u64,
    /// Seconds running jobs get to finish on shutdown before they are given back (default 20).
    pub shutdown_grace_seconds: u64,
    /// Days finished jobs and their runs are kept (the `jobs.prune` schedule; default 30).
    pub keep_days: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            concurrency: 2,
            lease_seconds: 60,
            poll_max_ms: 5000,
            retry_base_seconds: 30,
            retry_max_seconds: 3600,
            shutdown_grace_seconds: 20,
            keep_days: 30,
        }
    }
}

impl JobsConfig {
    /// The worker settings these give; the name is the process's (`host:pid`).
    pub fn worker(&self) -> WorkerConfig {
        let lease = Duration::from_secs(self.lease_seconds.clamp(2, 24 * 3600));
        let poll_max = Duration::from_millis(self.poll_max_ms.clamp(50, 60_000));
        WorkerConfig {
            concurrency: self.concurrency.clamp(1, 256),
            lease,
            // Three beats per lease: one lost beat (a slow database) does not lose the job.
            heartbeat: lease / 3,
            poll_min: WorkerConfig::default().poll_min.min(poll_max),
            poll_max,
            backoff: Backoff {
                base: Duration::from_secs(self.retry_base_seconds.max(1)),
                max: Duration::from_secs(self.retry_max_seconds.max(self.retry_base_seconds.max(1))),
            },
            shutdown_grace: Duration::from_secs(self.shutdown_grace_seconds),
            ..WorkerConfig::default()
        }
    }
}
