//! Durable job queue, schedules and job runs (issue #9).
//!
//! A part of the storage boundary kept in its own trait so that its methods, types and backend
//! implementations live together; [`crate::Store`] requires it, so `Arc<dyn Store>` reaches them.
//!
//! What every backend guarantees, checked by the conformance cases in `cases_jobs`:
//! - **dedupe**: a job enqueued with a dedupe key is not added while an open job (queued or
//!   running) has the same key; the caller gets the open job's id instead;
//! - **claiming is exclusive**: a claim takes queued jobs whose `run_at` has come (highest
//!   priority first, then oldest `run_at`, then id), marks them running with a lease that expires
//!   and a fresh random lease token, and counts the attempt; two claimers never get the same job
//!   (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer);
//! - **a lost lease cannot finish**: heartbeat, completion, failure and release only count when
//!   the token still matches the job's current lease; a worker that lost its lease (expired and
//!   reclaimed, or cancelled) gets `false` / [`FailOutcome::LeaseLost`] and nothing is written;
//! - **expired leases are reclaimed** by the next claim: the run is recorded as `lost`, the job
//!   goes back to the queue (or to `dead` when it has used all its attempts);
//! - **failure** with a retry time requeues the job until `max_attempts`, then the job is `dead`
//!   (the dead-letter state) with the last error; a permanent failure is `dead` at once;
//! - **schedules fire once per slot**: [`JobStore::fire_schedule`] moves the schedule's last slot
//!   forward only if it is older than the slot given, and enqueues only if it did; of several
//!   replicas firing the same slot exactly one enqueues.
//!
//! Time is always given by the caller (`now`), so that tests can run on a fake clock.

use crate::{Result, StoreError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

/// A job's id (a database sequence).
pub type JobId = i64;

/// Attempts a job gets when the enqueuer does not say.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// Longest accepted job kind, dedupe key or schedule name, in bytes.
pub const MAX_NAME_LEN: usize = 200;

/// Longest error text kept for a failed run; longer errors are cut (on a character boundary).
pub const MAX_ERROR_LEN: usize = 4000;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its `run_at` and a worker (new, retried after a failure, or released).
    Queued,
    /// Leased by a worker.
    Running,
    /// Finished; its completion was recorded under a valid lease.
    Succeeded,
    /// Out of attempts or failed permanently (the dead-letter state); can be requeued.
    Dead,
    /// Cancelled by an operator; can be requeued.
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] =
        [JobStatus::Queued, JobStatus::Running, JobStatus::Succeeded, JobStatus::Dead, JobStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Dead => "dead",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Queued or running: the states a dedupe key is unique among.
    pub fn is_open(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobStatus {
    type Err = steward_model::UnknownValue;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        JobStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| steward_model::UnknownValue {
            what: "job status",
            value: s.to_string(),
            expected: "queued, running, succeeded, dead, cancelled".to_string(),
        })
    }
}

/// How one attempt (a run) of a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still leased.
    Running,
    Succeeded,
    /// Failed; the job was requeued for another attempt.
    Failed,
    /// Failed, and the job is now dead (out of attempts or a permanent error).
    Dead,
    /// The lease expired (the worker died or hung) and the job was reclaimed.
    Lost,
    /// The worker gave the job back without running it to the end (shutdown); not an attempt.
    Released,
    /// The job was cancelled while this run held it.
    Cancelled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Dead,
        RunStatus::Lost,
        RunStatus::Released,
        RunStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Dead => "dead",
            RunStatus::Lost => "lost",
            RunStatus::Released => "released",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RunStatus {
    type Err = steward_model::UnknownValue;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        RunStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| steward_model::UnknownValue {
            what: "job run status",
            value: s.to_string(),
            expected: "running, succeeded, failed, dead, lost, released, cancelled".to_string(),
        })
    }
}

/// A job to add to the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewJob {
    /// What runs it: a handler kind such as `sync.inventory`.
    pub kind: String,
    /// Handler input; `null` when the kind needs none.
    pub payload: serde_json::Value,
    /// Higher runs first among due jobs.
    pub priority: i32,
    /// Not before this time; `None` = as soon as a worker is free.
    pub run_at: Option<Timestamp>,
    /// At most one open job per key (see the module documentation).
    pub dedupe_key: Option<String>,
    /// Attempts before the job is dead; at least 1.
    pub max_attempts: u32,
    /// The schedule that enqueued it, if any.
    pub schedule: Option<String>,
    /// The schedule slot it was fired for (`None` for "run now" and for unscheduled jobs).
    pub slot: Option<Timestamp>,
    /// Who asked for it: `scheduler`, `user:<name>`, `cli`, … (for the run history).
    pub created_by: String,
}

impl NewJob {
    /// A job of `kind` with `payload`, priority 0, due now, default attempts, no dedupe key.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload,
            priority: 0,
            run_at: None,
            dedupe_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            schedule: None,
            slot: None,
            created_by: "system".to_string(),
        }
    }

    pub fn dedupe(mut self, key: impl Into<String>) -> NewJob {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn priority(mut self, priority: i32) -> NewJob {
        self.priority = priority;
        self
    }

    pub fn run_at(mut self, at: Timestamp) -> NewJob {
        self.run_at = Some(at);
        self
    }

    pub fn max_attempts(mut self, attempts: u32) -> NewJob {
        self.max_attempts = attempts;
        self
    }

    pub fn created_by(mut self, by: impl Into<String>) -> NewJob {
        self.created_by = by.into();
        self
    }
}

/// Refuse a job no backend should store: empty or overlong names, zero attempts.
pub fn check_new_job(job: &NewJob) -> Result<()> {
    check_name("job kind", &job.kind)?;
    if let Some(key) = &job.dedupe_key {
        check_name("dedupe key", key)?;
    }
    if let Some(schedule) = &job.schedule {
        check_name("schedule name", schedule)?;
    }
    if job.max_attempts == 0 || job.max_attempts > 1000 {
        return Err(StoreError::InvalidQuery(format!(
            "max_attempts of a '{}' job must be between 1 and 1000, not {}",
            job.kind, job.max_attempts
        )));
    }
    Ok(())
}

fn check_name(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() || value.len() > MAX_NAME_LEN {
        return Err(StoreError::InvalidQuery(format!(
            "{what} '{value}' must be 1 to {MAX_NAME_LEN} bytes and not blank"
        )));
    }
    Ok(())
}

/// Cut an error text to [`MAX_ERROR_LEN`] bytes on a character boundary.
pub fn clip_error(error: &str) -> String {
    if error.len() <= MAX_ERROR_LEN {
        return error.to_string();
    }
    let mut end = MAX_ERROR_LEN;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &error[..end])
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub priority: i32,
    /// Attempts started so far, the current one included (1 on the first run).
    pub attempt: u32,
    pub max_attempts: u32,
    pub run_at: Timestamp,
    pub dedupe_key: Option<String>,
    pub schedule: Option<String>,
    pub slot: Option<Timestamp>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The worker holding the lease, while running.
    pub worker: Option<String>,
    pub lease_expires_at: Option<Timestamp>,
    /// The error of the last failed attempt, kept until the job succeeds.
    pub last_error: Option<String>,
    pub finished_at: Option<Timestamp>,
}

/// Whether an enqueue added a job or found an open one with the same dedupe key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enqueued {
    pub id: JobId,
    /// `false` when an open job with the same dedupe key was there already (its id is returned).
    pub created: bool,
}

/// What a worker asks for when it claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// Names the worker in leases and the run history (`host:pid:slot`).
    pub worker: String,
    /// Only these kinds (the ones the worker has handlers for); empty = any kind.
    pub kinds: Vec<String>,
    /// At most this many jobs.
    pub limit: u32,
    pub now: Timestamp,
    /// The lease ends at `now + lease`; a heartbeat extends it.
    pub lease: chrono::Duration,
}

/// A job a worker holds, with the lease that lets it finish the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimedJob {
    pub job: Job,
    pub lease: Lease,
}

/// The proof of a claim: heartbeat, completion, failure and release must present it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub job_id: JobId,
    /// Random, fresh for every claim.
    pub token: String,
    /// The run (attempt) this lease belongs to.
    pub run_id: i64,
    pub expires_at: Timestamp,
}

/// How a failed attempt should end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFailure {
    pub error: String,
    /// When to try again; `None` = a permanent failure (the job is dead at once). The job is dead
    /// anyway when it has used `max_attempts`.
    pub retry_at: Option<Timestamp>,
}

/// What a failure report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailOutcome {
    /// Queued again for `retry_at`.
    Retrying,
    /// Dead (the dead-letter state).
    Dead,
    /// The lease was no longer this worker's; nothing was written.
    LeaseLost,
}

/// Filters for listing jobs (newest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    pub kind: Option<String>,
    pub schedule: Option<String>,
    /// At most this many; 0 = 100.
    pub limit: u32,
}

/// One attempt of a job, for the run history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRun {
    pub id: i64,
    pub job_id: JobId,
    pub kind: String,
    pub schedule: Option<String>,
    pub attempt: u32,
    pub worker: String,
    pub status: RunStatus,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// `finished_at - started_at`, in milliseconds, once finished.
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    /// What a successful run reported (such as "42 resources synced").
    pub summary: Option<String>,
}

/// Filters for the run history (newest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunQuery {
    pub job_id: Option<JobId>,
    pub kind: Option<String>,
    pub schedule: Option<String>,
    pub status: Option<RunStatus>,
    /// At most this many; 0 = 100.
    pub limit: u32,
}

/// Effective page size of a query limit.
pub fn effective_limit(limit: u32) -> i64 {
    if limit == 0 { 100 } else { i64::from(limit.min(10_000)) }
}

/// A schedule as configured (`[[schedules]]` in steward.toml plus the shipped defaults), stored
/// so that every replica and the web pages see the same list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub name: String,
    /// Cron expression as written in the configuration (the store does not interpret it).
    pub cron: String,
    /// IANA time zone the expression is read in, such as `Europe/Paris`.
    pub timezone: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub enabled: bool,
    pub priority: i32,
    pub max_attempts: u32,
    /// The next slot after now, for the pages (computed by the scheduler).
    pub next_at: Option<Timestamp>,
    /// Written as the last slot only when the schedule is new: the latest slot at or before now,
    /// so that a schedule added today does not fire for a slot before it existed.
    pub initial_slot: Option<Timestamp>,
}

/// A stored schedule with what it last did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    pub cron: String,
    pub timezone: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub enabled: bool,
    pub priority: i32,
    pub max_attempts: u32,
    /// The latest slot fired (or the initial slot).
    pub last_slot: Option<Timestamp>,
    pub next_at: Option<Timestamp>,
    /// The newest job this schedule enqueued (by a slot or "run now").
    pub last_job: Option<Job>,
    pub updated_at: Timestamp,
}

impl Schedule {
    /// The job "run now" and a fired slot enqueue. One dedupe key per schedule: a schedule never
    /// has two open jobs (a slow hourly sync is not stacked up behind itself).
    pub fn job(&self, slot: Option<Timestamp>, created_by: &str) -> NewJob {
        schedule_job(&self.name, &self.kind, &self.payload, self.priority, self.max_attempts, slot, created_by)
    }
}

impl ScheduleSpec {
    /// See [`Schedule::job`].
    pub fn job(&self, slot: Option<Timestamp>, created_by: &str) -> NewJob {
        schedule_job(&self.name, &self.kind, &self.payload, self.priority, self.max_attempts, slot, created_by)
    }
}

fn schedule_job(
    name: &str,
    kind: &str,
    payload: &serde_json::Value,
    priority: i32,
    max_attempts: u32,
    slot: Option<Timestamp>,
    created_by: &str,
) -> NewJob {
    NewJob {
        kind: kind.to_string(),
        payload: payload.clone(),
        priority,
        run_at: None,
        dedupe_key: Some(format!("schedule:{name}")),
        max_attempts: max_attempts.max(1),
        schedule: Some(name.to_string()),
        slot,
        created_by: created_by.to_string(),
    }
}

/// What firing a slot did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FireOutcome {
    /// This caller won the slot and enqueued a job.
    Enqueued(JobId),
    /// This caller won the slot, but the schedule's previous job is still open (dedupe); the slot
    /// is recorded as fired and nothing more is enqueued.
    StillOpen(JobId),
    /// The slot (or a later one) was fired already, by this or another replica.
    AlreadyFired,
    /// No such schedule, or it is disabled.
    Unknown,
}

/// Counts for the pages and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub succeeded: u64,
    pub dead: u64,
    pub cancelled: u64,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Add a job, or return the open job with the same dedupe key.
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<Enqueued>;

    async fn get_job(&self, id: JobId) -> Result<Option<Job>>;

    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>>;

    async fn job_counts(&self) -> Result<JobCounts>;

    /// Reclaim expired leases, then lease up to `limit` due jobs (see the module documentation).
    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Vec<ClaimedJob>>;

    /// Extend a lease to `until`; `false` when the lease is no longer valid (stop working).
    async fn heartbeat_job(&self, lease: &Lease, until: Timestamp) -> Result<bool>;

    /// Record success (with the handler's one-line summary for the run history); `false` (and
    /// nothing written) when the lease is no longer valid.
    async fn complete_job(&self, lease: &Lease, summary: Option<&str>, now: Timestamp) -> Result<bool>;

    /// Record a failed attempt: requeue for `retry_at` or dead-letter.
    async fn fail_job(&self, lease: &Lease, failure: &JobFailure, now: Timestamp) -> Result<FailOutcome>;

    /// Give a job back unrun (graceful shutdown): queued again at once and the attempt not counted.
    async fn release_job(&self, lease: &Lease, now: Timestamp) -> Result<bool>;

    /// Cancel a queued or running job (a running job's worker loses its lease). `false` when the
    /// job is finished already; [`StoreError::NotFound`] when there is no such job.
    async fn cancel_job(&self, id: JobId, now: Timestamp) -> Result<bool>;

    /// Put a dead or cancelled job back in the queue with its attempts reset. `false` when the job
    /// is not dead or cancelled; [`StoreError::Conflict`] when an open job has its dedupe key.
    async fn requeue_job(&self, id: JobId, now: Timestamp) -> Result<bool>;

    /// The run history, newest first.
    async fn list_job_runs(&self, query: &RunQuery) -> Result<Vec<JobRun>>;

    /// Delete finished jobs (succeeded, dead, cancelled) finished before `before`, with their runs.
    async fn prune_jobs(&self, before: Timestamp) -> Result<u64>;

    /// Make the stored schedules these: insert new ones, update changed ones (keeping their last
    /// slot), delete those no longer configured.
    async fn put_schedules(&self, schedules: &[ScheduleSpec], now: Timestamp) -> Result<()>;

    async fn list_schedules(&self) -> Result<Vec<Schedule>>;

    async fn get_schedule(&self, name: &str) -> Result<Option<Schedule>>;

    /// Fire `slot` of a schedule: if its last slot is older, move it to `slot`, set `next_at`, and
    /// enqueue the schedule's job, all in one transaction.
    async fn fire_schedule(
        &self,
        name: &str,
        slot: Timestamp,
        next_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<FireOutcome>;
}
