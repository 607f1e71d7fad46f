//! The worker loop: claim due jobs, run them on N slots under a lease kept alive by heartbeats,
//! record how they ended, and stop gracefully.

use crate::schedule::Scheduler;
use crate::{Backoff, Clock, JobContext, JobError, JobOutput, Registry, SystemClock};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use steward_store::Store;
use steward_store::jobs::{ClaimRequest, ClaimedJob, FailOutcome, JobFailure, Lease};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

/// How a worker runs; the defaults suit one `steward serve` on a small machine.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names the process in leases and the run history; slots append `/<n>`.
    pub name: String,
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// How long a claim holds a job without a heartbeat. A killed worker's jobs wait this long
    /// before another worker takes them.
    pub lease: Duration,
    /// How often a running job's lease is extended (well under `lease`).
    pub heartbeat: Duration,
    /// Idle polling starts at `poll_min` and doubles up to `poll_max` while nothing is due;
    /// an enqueue from this process ([`Worker::waker`]) wakes it at once.
    pub poll_min: Duration,
    pub poll_max: Duration,
    /// Retry delays of failed jobs.
    pub backoff: Backoff,
    /// On shutdown, running jobs get this long to finish; then they are stopped and given back.
    pub shutdown_grace: Duration,
    /// How often the scheduler looks for due slots (when the worker has one).
    pub schedule_every: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            name: default_worker_name(),
            concurrency: 2,
            lease: Duration::from_secs(60),
            heartbeat: Duration::from_secs(15),
            poll_min: Duration::from_millis(250),
            poll_max: Duration::from_secs(5),
            backoff: Backoff::default(),
            shutdown_grace: Duration::from_secs(20),
            schedule_every: Duration::from_secs(20),
        }
    }
}

/// Every worker of this process listens to it: see [`wake_workers`].
static LOCAL_ENQUEUES: Notify = Notify::const_new();

/// Tell the workers running in this process that a job was just queued, so they claim it now
/// instead of at their next poll (the server calls this after "run now" and requeue). Workers
/// of other processes find it at their next poll (`poll_max`).
pub fn wake_workers() {
    LOCAL_ENQUEUES.notify_waiters();
}

/// `host:pid`, unique enough among the processes sharing one database.
pub fn default_worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "steward".to_string());
    format!("{host}:{}", std::process::id())
}

/// What a worker did, for logs, tests and the bench.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub claimed: AtomicU64,
    pub succeeded: AtomicU64,
    pub retried: AtomicU64,
    pub dead: AtomicU64,
    pub released: AtomicU64,
    pub lease_lost: AtomicU64,
}

impl WorkerStats {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Claims and runs jobs until told to stop.
pub struct Worker {
    store: Arc<dyn Store>,
    registry: Arc<Registry>,
    config: WorkerConfig,
    clock: Arc<dyn Clock>,
    scheduler: Option<Scheduler>,
    wake: Arc<Notify>,
    stats: Arc<WorkerStats>,
}

/// A running worker: ask it to stop and wait for it.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    wake: Arc<Notify>,
    stats: Arc<WorkerStats>,
}

impl WorkerHandle {
    /// Wake the worker now (after an enqueue in this process).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn stats(&self) -> &WorkerStats {
        &self.stats
    }

    /// Stop claiming, let running jobs finish within the grace time, give back the rest, return.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the job worker task ended abnormally");
        }
    }
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, registry: Registry, config: WorkerConfig) -> Worker {
        Worker {
            store,
            registry: Arc::new(registry),
            config,
            clock: Arc::new(SystemClock),
            scheduler: None,
            wake: Arc::new(Notify::new()),
            stats: Arc::new(WorkerStats::default()),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Worker {
        self.clock = clock;
        self
    }

    /// Fire due schedule slots from this worker's loop too.
    pub fn with_scheduler(mut self, scheduler: Scheduler) -> Worker {
        self.scheduler = Some(scheduler);
        self
    }

    /// Notify this after enqueueing in the same process, so the job starts without waiting for
    /// the next poll.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    pub fn stats(&self) -> Arc<WorkerStats> {
        self.stats.clone()
    }

    /// Run in the background until [`WorkerHandle::shutdown`].
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let wake = self.wake.clone();
        let stats = self.stats.clone();
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task, wake, stats }
    }

    /// The loop; returns when `stop` becomes true (or its sender is dropped) and running jobs are
    /// finished or given back.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let kinds = self.registry.kinds();
        let cfg = &self.config;
        tracing::info!(worker = %cfg.name, concurrency = cfg.concurrency, kinds = ?kinds, "job worker started");
        if let Some(scheduler) = &self.scheduler
            && let Err(e) = scheduler.install(self.store.as_ref(), self.clock.now()).await
        {
            tracing::error!(error = %e, "cannot store the schedules; the worker runs jobs but fires no schedule");
        }
        let slots = Arc::new(Semaphore::new(cfg.concurrency.max(1)));
        // Told to running jobs when the grace time after a stop has passed: stop and give back.
        let (hard_stop, hard_stopped) = watch::channel(false);
        let mut running = JoinSet::new();
        let mut idle = cfg.poll_min;
        let mut next_schedule = tokio::time::Instant::now();
        let mut seq = 0u64;
        loop {
            if *stop.borrow() {
                break;
            }
            while running.try_join_next().is_some() {}
            if let Some(scheduler) = &self.scheduler
                && tokio::time::Instant::now() >= next_schedule
            {
                next_schedule = tokio::time::Instant::now() + cfg.schedule_every;
                if let Err(e) = scheduler.tick(self.store.as_ref(), self.clock.now()).await {
                    tracing::warn!(error = %e, "cannot check the schedules; trying again later");
                }
            }
            let free = slots.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = running.join_next() => {}
                }
                continue;
            }
            let now = self.clock.now();
            let request = ClaimRequest {
                worker: cfg.name.clone(),
                kinds: kinds.clone(),
                limit: free as u32,
                now,
                lease: chrono::Duration::from_std(cfg.lease).unwrap_or(chrono::Duration::seconds(60)),
            };
            let claimed = match self.store.claim_jobs(&request).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim jobs; trying again later");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                let sleep = idle;
                idle = (idle * 2).min(cfg.poll_max);
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = self.wake.notified() => { idle = cfg.poll_min; }
                    _ = LOCAL_ENQUEUES.notified() => { idle = cfg.poll_min; }
                    _ = tokio::time::sleep(sleep) => {}
                }
                continue;
            }
            idle = cfg.poll_min;
            for claim in claimed {
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    // Cannot happen (we claimed at most `free`); give the job back rather than hold it.
                    let _ = self.store.release_job(&claim.lease, self.clock.now()).await;
                    continue;
                };
                WorkerStats::bump(&self.stats.claimed);
                seq += 1;
                let run = RunOne {
                    store: self.store.clone(),
                    registry: self.registry.clone(),
                    clock: self.clock.clone(),
                    config: cfg.clone(),
                    stats: self.stats.clone(),
                    hard_stop: hard_stopped.clone(),
                    worker: format!("{}/{}", cfg.name, seq),
                };
                running.spawn(async move {
                    run.run(claim).await;
                    drop(permit);
                });
            }
        }
        tracing::info!(worker = %cfg.name, running = running.len(), "job worker stopping");
        let grace = tokio::time::sleep(cfg.shutdown_grace);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                next = running.join_next() => if next.is_none() { break },
                _ = &mut grace => {
                    let _ = hard_stop.send(true);
                    while running.join_next().await.is_some() {}
                    break;
                }
            }
        }
        tracing::info!(worker = %cfg.name, "job worker stopped");
    }

    /// Claim what is due now (up to the concurrency) and run it to the end; returns how many
    /// jobs ran. For `steward jobs run-due` and tests; the scheduler is not consulted.
    pub async fn run_due_once(&self) -> steward_store::Result<usize> {
        let request = ClaimRequest {
            worker: self.config.name.clone(),
            kinds: self.registry.kinds(),
            limit: self.config.concurrency.max(1) as u32,
            now: self.clock.now(),
            lease: chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::seconds(60)),
        };
        let claimed = self.store.claim_jobs(&request).await?;
        let n = claimed.len();
        let (_keep, hard_stop) = watch::channel(false);
        let mut set = JoinSet::new();
        for claim in claimed {
            WorkerStats::bump(&self.stats.claimed);
            let run = RunOne {
                store: self.store.clone(),
                registry: self.registry.clone(),
                clock: self.clock.clone(),
                config: self.config.clone(),
                stats: self.stats.clone(),
                hard_stop: hard_stop.clone(),
                worker: self.config.name.clone(),
            };
            set.spawn(run.run(claim));
        }
        while set.join_next().await.is_some() {}
        Ok(n)
    }
}

/// Everything one job's run needs, moved into its task.
struct RunOne {
    store: Arc<dyn Store>,
    registry: Arc<Registry>,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
    stats: Arc<WorkerStats>,
    hard_stop: watch::Receiver<bool>,
    worker: String,
}

/// How a run ended, before it is recorded.
enum Ended {
    Finished(Result<JobOutput, JobError>),
    LeaseLost,
    Stopped,
}

impl RunOne {
    async fn run(mut self, claim: ClaimedJob) {
        let ClaimedJob { job, mut lease } = claim;
        let span = tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempt);
        let _enter = span.enter();
        drop(_enter);
        let Some(handler) = self.registry.get(&job.kind).cloned() else {
            // Claims name only registered kinds, so only a registry changed underneath gets here.
            let failure = JobFailure { error: format!("no handler for job kind '{}'", job.kind), retry_at: None };
            let _ = self.store.fail_job(&lease, &failure, self.clock.now()).await;
            return;
        };
        let started = std::time::Instant::now();
        tracing::info!(parent: &span, worker = %self.worker, "job started");
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let ctx = JobContext {
            store: self.store.clone(),
            now: self.clock.now(),
            worker: self.worker.clone(),
            lease: Some(lease.clone()),
            cancel: cancel_rx,
        };
        let timeout = handler.timeout();
        let job_for_task = job.clone();
        let mut task = tokio::spawn(async move { handler.run(&ctx, &job_for_task).await });
        let mut beat = tokio::time::interval(self.config.heartbeat);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        beat.tick().await;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let ended = loop {
            tokio::select! {
                joined = &mut task => break match joined {
                    Ok(result) => Ended::Finished(result),
                    Err(e) if e.is_panic() => Ended::Finished(Err(JobError::retryable("the job handler panicked"))),
                    Err(_) => Ended::Stopped,
                },
                _ = beat.tick() => {
                    let until = self.clock.now() + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::seconds(60));
                    match self.store.heartbeat_job(&lease, until).await {
                        Ok(true) => lease.expires_at = until,
                        Ok(false) => break Ended::LeaseLost,
                        // The lease is still good until it expires; the next beat tries again.
                        Err(e) => tracing::warn!(parent: &span, error = %e, "cannot extend the job's lease"),
                    }
                }
                _ = &mut deadline => break Ended::Finished(Err(JobError::retryable(format!(
                    "the job ran longer than its {} s limit and was stopped", timeout.as_secs()
                )))),
                changed = self.hard_stop.changed() => if changed.is_err() || *self.hard_stop.borrow() {
                    break Ended::Stopped;
                },
            }
        };
        if !task.is_finished() {
            let _ = cancel_tx.send(true);
            task.abort();
        }
        let now = self.clock.now();
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match ended {
            Ended::Finished(Ok(output)) => {
                match self.store.complete_job(&lease, output.summary.as_deref(), now).await {
                    Ok(true) => {
                        WorkerStats::bump(&self.stats.succeeded);
                        tracing::info!(parent: &span, elapsed_ms, summary = output.summary.as_deref().unwrap_or(""), "job succeeded");
                    }
                    Ok(false) => {
                        WorkerStats::bump(&self.stats.lease_lost);
                        tracing::warn!(parent: &span, elapsed_ms, "job finished after its lease was lost; not recorded, another attempt will run it");
                    }
                    Err(e) => {
                        tracing::error!(parent: &span, error = %e, "cannot record the job's success; its lease will expire and it runs again")
                    }
                }
            }
            Ended::Finished(Err(error)) => {
                self.record_failure(&span, &lease, job.attempt, &error, now, elapsed_ms).await
            }
            Ended::LeaseLost => {
                WorkerStats::bump(&self.stats.lease_lost);
                tracing::warn!(parent: &span, elapsed_ms, "job lost its lease (expired or cancelled); stopped");
            }
            Ended::Stopped => match self.store.release_job(&lease, now).await {
                Ok(_) => {
                    WorkerStats::bump(&self.stats.released);
                    tracing::info!(parent: &span, elapsed_ms, "job given back on shutdown");
                }
                Err(e) => {
                    tracing::warn!(parent: &span, error = %e, "cannot give the job back; it runs again when its lease expires")
                }
            },
        }
    }

    async fn record_failure(
        &self,
        span: &tracing::Span,
        lease: &Lease,
        attempt: u32,
        error: &JobError,
        now: steward_model::Timestamp,
        elapsed_ms: u64,
    ) {
        let retry_at = match error {
            JobError::Retryable { retry_after, .. } => {
                let delay = retry_after.unwrap_or_else(|| self.config.backoff.delay(attempt));
                Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1)))
            }
            JobError::Permanent { .. } => None,
        };
        let failure = JobFailure { error: error.message().to_string(), retry_at };
        match self.store.fail_job(lease, &failure, now).await {
            Ok(FailOutcome::Retrying) => {
                WorkerStats::bump(&self.stats.retried);
                tracing::warn!(parent: span, elapsed_ms, error = %error, retry_at = ?retry_at, "job failed; will retry");
            }
            Ok(FailOutcome::Dead) => {
                WorkerStats::bump(&self.stats.dead);
                tracing::error!(parent: span, elapsed_ms, error = %error, "job failed for good (dead); requeue it once the cause is fixed");
            }
            Ok(FailOutcome::LeaseLost) => {
                WorkerStats::bump(&self.stats.lease_lost);
                tracing::warn!(parent: span, error = %error, "job failed after its lease was lost; not recorded");
            }
            Err(e) => {
                tracing::error!(parent: span, error = %e, "cannot record the job's failure; its lease will expire and it runs again")
            }
        }
    }
}
