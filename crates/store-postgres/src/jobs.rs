//! [`steward_store::jobs::JobStore`] for PostgresStore.
//!
//! Several replicas claim at once: a claim locks the due rows it takes with
//! `FOR UPDATE SKIP LOCKED` (a row another claimer holds is skipped, not waited for), and so does
//! the reclaiming of expired leases. Every later write for a job names its lease token in the
//! `WHERE` clause, so a worker whose lease was reclaimed changes nothing. Firing a schedule slot
//! is a conditional `UPDATE` of the schedule row: of two replicas the second waits for the
//! first's row lock, then finds the slot already taken and updates nothing.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use steward_model::Timestamp;
use steward_store::jobs::{
    ClaimRequest, ClaimedJob, Enqueued, FailOutcome, FireOutcome, Job, JobCounts, JobFailure, JobId, JobQuery, JobRun,
    JobStatus, JobStore, Lease, NewJob, RunQuery, RunStatus, Schedule, ScheduleSpec, check_new_job, clip_error,
    effective_limit,
};
use steward_store::{Result, StoreError};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;

const JOB_COLUMNS: &str = "id, kind, payload, status, priority, attempt, max_attempts, run_at, dedupe_key, schedule, \
     slot, created_by, created_at, updated_at, worker, lease_expires_at, last_error, finished_at";

const RUN_COLUMNS: &str =
    "id, job_id, kind, schedule, attempt, worker, status, started_at, finished_at, error, summary";

const SCHEDULE_COLUMNS: &str =
    "name, cron, timezone, kind, payload, enabled, priority, max_attempts, last_slot, next_at, updated_at";

const LOST_ERROR: &str = "the worker's lease expired before the job finished (the worker stopped or hung)";

/// Cleared lease columns, for every transition out of `running`.
const NO_LEASE: &str = "worker = NULL, lease_token = NULL, lease_expires_at = NULL";

#[async_trait]
impl JobStore for PostgresStore {
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<Enqueued> {
        check_new_job(job)?;
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to enqueue a job"))?;
        let enqueued = enqueue(&tx, job, now).await?;
        tx.commit().await.map_err(db("committing a new job"))?;
        Ok(enqueued)
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        let client = client(self.pool()).await?;
        read_job(&client, id).await
    }

    async fn list_jobs(&self, q: &JobQuery) -> Result<Vec<Job>> {
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) \
             AND ($3::text IS NULL OR schedule = $3) ORDER BY id DESC LIMIT $4"
        );
        let rows = client
            .query(&sql, &[&q.status.map(JobStatus::as_str), &q.kind, &q.schedule, &effective_limit(q.limit)])
            .await
            .map_err(db("listing jobs"))?;
        rows.iter().map(job).collect()
    }

    async fn job_counts(&self) -> Result<JobCounts> {
        let client = client(self.pool()).await?;
        let rows = client
            .query("SELECT status, count(*) FROM jobs GROUP BY status", &[])
            .await
            .map_err(db("counting jobs"))?;
        let mut counts = JobCounts::default();
        for row in rows {
            let status: String = row.try_get(0).map_err(db("counting jobs"))?;
            let n: i64 = row.try_get(1).map_err(db("counting jobs"))?;
            let n = n.max(0) as u64;
            match status.as_str() {
                "queued" => counts.queued = n,
                "running" => counts.running = n,
                "succeeded" => counts.succeeded = n,
                "dead" => counts.dead = n,
                "cancelled" => counts.cancelled = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Vec<ClaimedJob>> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to claim jobs"))?;
        let now = request.now;
        tx.execute(
            &format!(
                "WITH expired AS (SELECT id, run_id FROM jobs WHERE status = 'running' AND lease_expires_at < $1 \
                 FOR UPDATE SKIP LOCKED), \
                 lost AS (UPDATE job_runs r SET status = 'lost', finished_at = $1, error = $2 FROM expired e \
                 WHERE r.id = e.run_id AND r.status = 'running') \
                 UPDATE jobs j SET status = CASE WHEN j.attempt >= j.max_attempts THEN 'dead' ELSE 'queued' END, \
                 finished_at = CASE WHEN j.attempt >= j.max_attempts THEN $1 END, run_at = $1, updated_at = $1, \
                 last_error = $2, {NO_LEASE} FROM expired e WHERE j.id = e.id"
            ),
            &[&now, &LOST_ERROR],
        )
        .await
        .map_err(db("reclaiming expired job leases"))?;
        let kinds: Option<&[String]> = if request.kinds.is_empty() { None } else { Some(&request.kinds) };
        let expires = now + request.lease;
        let picked = tx
            .query(
                "WITH picked AS (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $1 \
                 AND ($2::text[] IS NULL OR kind = ANY($2)) ORDER BY priority DESC, run_at, id LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) \
                 UPDATE jobs j SET status = 'running', attempt = j.attempt + 1, worker = $4, \
                 lease_token = replace(gen_random_uuid()::text, '-', ''), lease_expires_at = $5, updated_at = $1 \
                 FROM picked p WHERE j.id = p.id RETURNING j.id, j.lease_token",
                &[&now, &kinds, &i64::from(request.limit), &request.worker, &expires],
            )
            .await
            .map_err(db("claiming jobs"))?;
        let mut out = Vec::with_capacity(picked.len());
        for row in picked {
            let id: i64 = row.try_get(0).map_err(db("claiming jobs"))?;
            let token: String = row.try_get(1).map_err(db("claiming jobs"))?;
            let run = tx
                .query_one(
                    "INSERT INTO job_runs (job_id, kind, schedule, attempt, worker, status, started_at) \
                     SELECT id, kind, schedule, attempt, $2, 'running', $3 FROM jobs WHERE id = $1 RETURNING id",
                    &[&id, &request.worker, &now],
                )
                .await
                .map_err(db("recording a job run"))?;
            let run_id: i64 = run.try_get(0).map_err(db("recording a job run"))?;
            tx.execute("UPDATE jobs SET run_id = $2 WHERE id = $1", &[&id, &run_id])
                .await
                .map_err(db("recording a job run"))?;
            let job =
                read_job(&tx, id).await?.ok_or_else(|| StoreError::NotFound { what: "job", id: id.to_string() })?;
            out.push(ClaimedJob { job, lease: Lease { job_id: id, token, run_id, expires_at: expires } });
        }
        tx.commit().await.map_err(db("committing claimed jobs"))?;
        Ok(out)
    }

    async fn heartbeat_job(&self, lease: &Lease, until: Timestamp) -> Result<bool> {
        let client = client(self.pool()).await?;
        let n = client
            .execute(
                "UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_token = $2 AND status = 'running'",
                &[&lease.job_id, &lease.token, &until],
            )
            .await
            .map_err(db("extending a job lease"))?;
        Ok(n == 1)
    }

    async fn complete_job(&self, lease: &Lease, summary: Option<&str>, now: Timestamp) -> Result<bool> {
        let summary = summary.map(clip_error);
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to complete a job"))?;
        let n = tx
            .execute(
                &format!(
                    "UPDATE jobs SET status = 'succeeded', finished_at = $3, updated_at = $3, last_error = NULL, \
                     {NO_LEASE} WHERE id = $1 AND lease_token = $2 AND status = 'running'"
                ),
                &[&lease.job_id, &lease.token, &now],
            )
            .await
            .map_err(db("completing a job"))?;
        if n == 1 {
            finish_run(&tx, lease.run_id, RunStatus::Succeeded, now, None, summary.as_deref()).await?;
        }
        tx.commit().await.map_err(db("committing a completed job"))?;
        Ok(n == 1)
    }

    async fn fail_job(&self, lease: &Lease, failure: &JobFailure, now: Timestamp) -> Result<FailOutcome> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to record a job failure"))?;
        let held = tx
            .query_opt(
                "SELECT attempt, max_attempts FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running' \
                 FOR UPDATE",
                &[&lease.job_id, &lease.token],
            )
            .await
            .map_err(db("reading a failed job"))?;
        let Some(held) = held else {
            return Ok(FailOutcome::LeaseLost);
        };
        let attempt: i32 = held.try_get(0).map_err(db("reading a failed job"))?;
        let max_attempts: i32 = held.try_get(1).map_err(db("reading a failed job"))?;
        let error = clip_error(&failure.error);
        let outcome = match failure.retry_at {
            Some(retry_at) if attempt < max_attempts => {
                tx.execute(
                    &format!(
                        "UPDATE jobs SET status = 'queued', run_at = $2, updated_at = $3, last_error = $4, {NO_LEASE} \
                         WHERE id = $1"
                    ),
                    &[&lease.job_id, &retry_at, &now, &error],
                )
                .await
                .map_err(db("requeueing a failed job"))?;
                finish_run(&tx, lease.run_id, RunStatus::Failed, now, Some(&error), None).await?;
                FailOutcome::Retrying
            }
            _ => {
                tx.execute(
                    &format!(
                        "UPDATE jobs SET status = 'dead', finished_at = $2, updated_at = $2, last_error = $3, {NO_LEASE} \
                         WHERE id = $1"
                    ),
                    &[&lease.job_id, &now, &error],
                )
                .await
                .map_err(db("dead-lettering a failed job"))?;
                finish_run(&tx, lease.run_id, RunStatus::Dead, now, Some(&error), None).await?;
                FailOutcome::Dead
            }
        };
        tx.commit().await.map_err(db("committing a job failure"))?;
        Ok(outcome)
    }

    async fn release_job(&self, lease: &Lease, now: Timestamp) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to release a job"))?;
        let n = tx
            .execute(
                &format!(
                    "UPDATE jobs SET status = 'queued', attempt = greatest(attempt - 1, 0), run_at = $3, updated_at = $3, \
                     {NO_LEASE} WHERE id = $1 AND lease_token = $2 AND status = 'running'"
                ),
                &[&lease.job_id, &lease.token, &now],
            )
            .await
            .map_err(db("releasing a job"))?;
        if n == 1 {
            finish_run(&tx, lease.run_id, RunStatus::Released, now, None, None).await?;
        }
        tx.commit().await.map_err(db("committing a released job"))?;
        Ok(n == 1)
    }

    async fn cancel_job(&self, id: JobId, now: Timestamp) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to cancel a job"))?;
        let row = tx
            .query_opt("SELECT status, run_id FROM jobs WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db("reading a job to cancel"))?;
        let Some(row) = row else {
            return Err(StoreError::NotFound { what: "job", id: id.to_string() });
        };
        let status: String = row.try_get(0).map_err(db("reading a job to cancel"))?;
        let run_id: Option<i64> = row.try_get(1).map_err(db("reading a job to cancel"))?;
        let status = parse_status(&status)?;
        if !status.is_open() {
            return Ok(false);
        }
        tx.execute(
            &format!(
                "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2, {NO_LEASE} WHERE id = $1"
            ),
            &[&id, &now],
        )
        .await
        .map_err(db("cancelling a job"))?;
        if let (JobStatus::Running, Some(run_id)) = (status, run_id) {
            finish_run(&tx, run_id, RunStatus::Cancelled, now, Some("cancelled by an operator"), None).await?;
        }
        tx.commit().await.map_err(db("committing a cancelled job"))?;
        Ok(true)
    }

    async fn requeue_job(&self, id: JobId, now: Timestamp) -> Result<bool> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to requeue a job"))?;
        let row = tx
            .query_opt("SELECT status, dedupe_key FROM jobs WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db("reading a job to requeue"))?;
        let Some(row) = row else {
            return Err(StoreError::NotFound { what: "job", id: id.to_string() });
        };
        let status: String = row.try_get(0).map_err(db("reading a job to requeue"))?;
        let dedupe_key: Option<String> = row.try_get(1).map_err(db("reading a job to requeue"))?;
        if !matches!(parse_status(&status)?, JobStatus::Dead | JobStatus::Cancelled) {
            return Ok(false);
        }
        let clash = |open: String| {
            StoreError::Conflict(format!(
                "job {open} with the same dedupe key '{}' is still open; wait for it or cancel it first",
                dedupe_key.as_deref().unwrap_or_default()
            ))
        };
        if let Some(key) = &dedupe_key
            && let Some(open) = open_with_key(&tx, key).await?
        {
            return Err(clash(open.to_string()));
        }
        let updated = tx
            .execute(
                "UPDATE jobs SET status = 'queued', attempt = 0, run_at = $2, updated_at = $2, finished_at = NULL \
                 WHERE id = $1",
                &[&id, &now],
            )
            .await;
        match updated {
            Ok(_) => {}
            // An enqueue with the same key committed between the check and the update.
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => return Err(clash("(another)".to_string())),
            Err(e) => return Err(StoreError::backend("requeueing a job", e)),
        }
        tx.commit().await.map_err(db("committing a requeued job"))?;
        Ok(true)
    }

    async fn list_job_runs(&self, q: &RunQuery) -> Result<Vec<JobRun>> {
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM job_runs WHERE ($1::bigint IS NULL OR job_id = $1) \
             AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR schedule = $3) \
             AND ($4::text IS NULL OR status = $4) ORDER BY id DESC LIMIT $5"
        );
        let rows = client
            .query(
                &sql,
                &[&q.job_id, &q.kind, &q.schedule, &q.status.map(RunStatus::as_str), &effective_limit(q.limit)],
            )
            .await
            .map_err(db("listing job runs"))?;
        rows.iter().map(run).collect()
    }

    async fn prune_jobs(&self, before: Timestamp) -> Result<u64> {
        let client = client(self.pool()).await?;
        // Runs go with their jobs (ON DELETE CASCADE).
        client
            .execute(
                "DELETE FROM jobs WHERE status IN ('succeeded', 'dead', 'cancelled') AND finished_at < $1",
                &[&before],
            )
            .await
            .map_err(db("pruning jobs"))
    }

    async fn put_schedules(&self, schedules: &[ScheduleSpec], now: Timestamp) -> Result<()> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to store schedules"))?;
        for s in schedules {
            let priority = s.priority;
            let max_attempts = i32::try_from(s.max_attempts).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO job_schedules (name, cron, timezone, kind, payload, enabled, priority, max_attempts, \
                 last_slot, next_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, timezone = excluded.timezone, \
                 kind = excluded.kind, payload = excluded.payload, enabled = excluded.enabled, \
                 priority = excluded.priority, max_attempts = excluded.max_attempts, \
                 next_at = excluded.next_at, updated_at = excluded.updated_at",
                &[
                    &s.name,
                    &s.cron,
                    &s.timezone,
                    &s.kind,
                    &Json(&s.payload),
                    &s.enabled,
                    &priority,
                    &max_attempts,
                    &s.initial_slot,
                    &s.next_at,
                    &now,
                ],
            )
            .await
            .map_err(db("storing a schedule"))?;
        }
        let names: Vec<&str> = schedules.iter().map(|s| s.name.as_str()).collect();
        tx.execute("DELETE FROM job_schedules WHERE name <> ALL($1)", &[&names])
            .await
            .map_err(db("removing schedules no longer configured"))?;
        tx.commit().await.map_err(db("committing schedules"))?;
        Ok(())
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        let client = client(self.pool()).await?;
        let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM job_schedules ORDER BY name");
        let rows = client.query(&sql, &[]).await.map_err(db("listing schedules"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(schedule(&client, row).await?);
        }
        Ok(out)
    }

    async fn get_schedule(&self, name: &str) -> Result<Option<Schedule>> {
        let client = client(self.pool()).await?;
        read_schedule(&client, name, false).await
    }

    async fn fire_schedule(
        &self,
        name: &str,
        slot: Timestamp,
        next_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<FireOutcome> {
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db("starting to fire a schedule"))?;
        let Some(s) = read_schedule(&tx, name, true).await? else {
            return Ok(FireOutcome::Unknown);
        };
        if !s.enabled {
            return Ok(FireOutcome::Unknown);
        }
        let won = tx
            .execute(
                "UPDATE job_schedules SET last_slot = $2, next_at = $3 \
                 WHERE name = $1 AND (last_slot IS NULL OR last_slot < $2)",
                &[&name, &slot, &next_at],
            )
            .await
            .map_err(db("moving a schedule's slot"))?;
        if won == 0 {
            return Ok(FireOutcome::AlreadyFired);
        }
        let enqueued = enqueue(&tx, &s.job(Some(slot), "scheduler"), now).await?;
        tx.commit().await.map_err(db("committing a fired schedule"))?;
        Ok(if enqueued.created { FireOutcome::Enqueued(enqueued.id) } else { FireOutcome::StillOpen(enqueued.id) })
    }
}

async fn enqueue<C: GenericClient>(tx: &C, job: &NewJob, now: Timestamp) -> Result<Enqueued> {
    let run_at = job.run_at.unwrap_or(now);
    let max_attempts = i32::try_from(job.max_attempts).unwrap_or(i32::MAX);
    // The open job a clash names may finish between the insert and the look-up; then try again.
    for _ in 0..3 {
        // DO NOTHING without a target covers both unique rules: the open dedupe key and the slot.
        let added = tx
            .query_opt(
                "INSERT INTO jobs (kind, payload, status, priority, attempt, max_attempts, run_at, dedupe_key, \
                 schedule, slot, created_by, created_at, updated_at) \
                 VALUES ($1, $2, 'queued', $3, 0, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING RETURNING id",
                &[
                    &job.kind,
                    &Json(&job.payload),
                    &job.priority,
                    &max_attempts,
                    &run_at,
                    &job.dedupe_key,
                    &job.schedule,
                    &job.slot,
                    &job.created_by,
                    &now,
                ],
            )
            .await
            .map_err(db("enqueueing a job"))?;
        if let Some(row) = added {
            return Ok(Enqueued { id: row.try_get(0).map_err(db("enqueueing a job"))?, created: true });
        }
        if let Some(key) = &job.dedupe_key
            && let Some(id) = open_with_key(tx, key).await?
        {
            return Ok(Enqueued { id, created: false });
        }
        if job.slot.is_some() {
            let row = tx
                .query_opt("SELECT id FROM jobs WHERE schedule = $1 AND slot = $2", &[&job.schedule, &job.slot])
                .await
                .map_err(db("finding the job of a schedule slot"))?;
            if let Some(row) = row {
                return Ok(Enqueued { id: row.try_get(0).map_err(db("enqueueing a job"))?, created: false });
            }
        }
    }
    Err(StoreError::Conflict(format!(
        "a '{}' job could not be added and no clashing job was found; try again",
        job.kind
    )))
}

async fn open_with_key<C: GenericClient>(client: &C, key: &str) -> Result<Option<JobId>> {
    let row = client
        .query_opt("SELECT id FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')", &[&key])
        .await
        .map_err(db("finding the open job of a dedupe key"))?;
    row.map(|r| r.try_get(0).map_err(db("finding the open job of a dedupe key"))).transpose()
}

async fn finish_run<C: GenericClient>(
    tx: &C,
    run_id: i64,
    status: RunStatus,
    at: Timestamp,
    error: Option<&str>,
    summary: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE job_runs SET status = $2, finished_at = $3, error = $4, summary = $5 WHERE id = $1 AND status = 'running'",
        &[&run_id, &status.as_str(), &at, &error, &summary],
    )
    .await
    .map_err(db("recording how a job run ended"))?;
    Ok(())
}

async fn read_job<C: GenericClient>(client: &C, id: JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading a job"))?;
    row.as_ref().map(job).transpose()
}

fn parse_status(s: &str) -> Result<JobStatus> {
    s.parse().map_err(|e: steward_model::UnknownValue| corrupt("jobs.status", e))
}

fn count(n: i32, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| corrupt(what, format!("{n} is not a count")))
}

fn job(r: &tokio_postgres::Row) -> Result<Job> {
    let c = "reading a job";
    let payload: Json<serde_json::Value> = r.try_get(2).map_err(db(c))?;
    let status: String = r.try_get(3).map_err(db(c))?;
    Ok(Job {
        id: r.try_get(0).map_err(db(c))?,
        kind: r.try_get(1).map_err(db(c))?,
        payload: payload.0,
        status: parse_status(&status)?,
        priority: r.try_get(4).map_err(db(c))?,
        attempt: count(r.try_get(5).map_err(db(c))?, "jobs.attempt")?,
        max_attempts: count(r.try_get(6).map_err(db(c))?, "jobs.max_attempts")?,
        run_at: r.try_get(7).map_err(db(c))?,
        dedupe_key: r.try_get(8).map_err(db(c))?,
        schedule: r.try_get(9).map_err(db(c))?,
        slot: r.try_get(10).map_err(db(c))?,
        created_by: r.try_get(11).map_err(db(c))?,
        created_at: r.try_get(12).map_err(db(c))?,
        updated_at: r.try_get(13).map_err(db(c))?,
        worker: r.try_get(14).map_err(db(c))?,
        lease_expires_at: r.try_get(15).map_err(db(c))?,
        last_error: r.try_get(16).map_err(db(c))?,
        finished_at: r.try_get(17).map_err(db(c))?,
    })
}

fn run(r: &tokio_postgres::Row) -> Result<JobRun> {
    let c = "reading a job run";
    let status: String = r.try_get(6).map_err(db(c))?;
    let started_at: Timestamp = r.try_get(7).map_err(db(c))?;
    let finished_at: Option<Timestamp> = r.try_get(8).map_err(db(c))?;
    Ok(JobRun {
        id: r.try_get(0).map_err(db(c))?,
        job_id: r.try_get(1).map_err(db(c))?,
        kind: r.try_get(2).map_err(db(c))?,
        schedule: r.try_get(3).map_err(db(c))?,
        attempt: count(r.try_get(4).map_err(db(c))?, "job_runs.attempt")?,
        worker: r.try_get(5).map_err(db(c))?,
        status: status.parse().map_err(|e: steward_model::UnknownValue| corrupt("job_runs.status", e))?,
        duration_ms: finished_at.map(|f| (f - started_at).num_milliseconds()),
        started_at,
        finished_at,
        error: r.try_get(9).map_err(db(c))?,
        summary: r.try_get(10).map_err(db(c))?,
    })
}

async fn read_schedule<C: GenericClient>(client: &C, name: &str, for_update: bool) -> Result<Option<Schedule>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM job_schedules WHERE name = $1{lock}");
    let row = client.query_opt(&sql, &[&name]).await.map_err(db("reading a schedule"))?;
    match row {
        Some(row) => Ok(Some(schedule(client, &row).await?)),
        None => Ok(None),
    }
}

async fn schedule<C: GenericClient>(client: &C, r: &tokio_postgres::Row) -> Result<Schedule> {
    let c = "reading a schedule";
    let name: String = r.try_get(0).map_err(db(c))?;
    let payload: Json<serde_json::Value> = r.try_get(4).map_err(db(c))?;
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE schedule = $1 ORDER BY id DESC LIMIT 1");
    let last = client.query_opt(&sql, &[&name]).await.map_err(db("reading a schedule's last job"))?;
    Ok(Schedule {
        cron: r.try_get(1).map_err(db(c))?,
        timezone: r.try_get(2).map_err(db(c))?,
        kind: r.try_get(3).map_err(db(c))?,
        payload: payload.0,
        enabled: r.try_get(5).map_err(db(c))?,
        priority: r.try_get(6).map_err(db(c))?,
        max_attempts: count(r.try_get(7).map_err(db(c))?, "job_schedules.max_attempts")?,
        last_slot: r.try_get(8).map_err(db(c))?,
        next_at: r.try_get(9).map_err(db(c))?,
        updated_at: r.try_get(10).map_err(db(c))?,
        last_job: last.as_ref().map(job).transpose()?,
        name,
    })
}
