//! [`steward_store::jobs::JobStore`] for SqliteStore.
//!
//! Every write runs on the one writer thread in its own transaction, so a claim (reclaiming
//! expired leases, choosing due jobs, leasing them) cannot interleave with another claim, even
//! from another process: SQLite takes the database write lock at the first write
//! (`BEGIN IMMEDIATE` is what the writer connection's transactions do), and a second process's
//! claim waits for it. Lease tokens come from SQLite's `randomblob`.

use crate::SqliteStore;
use crate::convert::{corrupt, opt_timestamp, timestamp};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};
use steward_model::Timestamp;
use steward_store::jobs::{
    ClaimRequest, ClaimedJob, Enqueued, FailOutcome, FireOutcome, Job, JobCounts, JobFailure, JobId, JobQuery, JobRun,
    JobStatus, JobStore, Lease, NewJob, RunQuery, RunStatus, Schedule, ScheduleSpec, check_new_job, clip_error,
    effective_limit,
};
use steward_store::{Result, StoreError};

const JOB_COLUMNS: &str = "id, kind, payload, status, priority, attempt, max_attempts, run_at, dedupe_key, schedule, \
     slot, created_by, created_at, updated_at, worker, lease_expires_at, last_error, finished_at";

const RUN_COLUMNS: &str =
    "id, job_id, kind, schedule, attempt, worker, status, started_at, finished_at, error, summary";

const SCHEDULE_COLUMNS: &str =
    "name, cron, timezone, kind, payload, enabled, priority, max_attempts, last_slot, next_at, updated_at";

const LOST_ERROR: &str = "the worker's lease expired before the job finished (the worker stopped or hung)";

fn be(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

fn begin<'c>(conn: &'c mut Connection, context: &'static str) -> Result<Transaction<'c>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(be(context))
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<Enqueued> {
        check_new_job(job)?;
        let job = job.clone();
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to enqueue a job")?;
                let enqueued = enqueue(&tx, &job, now)?;
                tx.commit().map_err(be("committing a new job"))?;
                Ok(enqueued)
            })
            .await
    }

    async fn get_job(&self, id: JobId) -> Result<Option<Job>> {
        self.read(move |conn| read_job(conn, id)).await
    }

    async fn list_jobs(&self, query: &JobQuery) -> Result<Vec<Job>> {
        let q = query.clone();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2) \
                 AND (?3 IS NULL OR schedule = ?3) ORDER BY id DESC LIMIT ?4"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(be("listing jobs"))?;
            let rows = stmt
                .query_map(
                    params![q.status.map(JobStatus::as_str), q.kind, q.schedule, effective_limit(q.limit)],
                    raw_job,
                )
                .map_err(be("listing jobs"))?;
            rows.map(|r| r.map_err(be("listing jobs")).and_then(job)).collect()
        })
        .await
    }

    async fn job_counts(&self) -> Result<JobCounts> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT status, count(*) FROM jobs GROUP BY status")
                .map_err(be("counting jobs"))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(be("counting jobs"))?;
            let mut counts = JobCounts::default();
            for row in rows {
                let (status, n) = row.map_err(be("counting jobs"))?;
                add_count(&mut counts, &status, n);
            }
            Ok(counts)
        })
        .await
    }

    async fn claim_jobs(&self, request: &ClaimRequest) -> Result<Vec<ClaimedJob>> {
        let request = request.clone();
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to claim jobs")?;
                reclaim_expired(&tx, request.now)?;
                let claimed = claim(&tx, &request)?;
                tx.commit().map_err(be("committing claimed jobs"))?;
                Ok(claimed)
            })
            .await
    }

    async fn heartbeat_job(&self, lease: &Lease, until: Timestamp) -> Result<bool> {
        let lease = lease.clone();
        self.writer
            .run(move |conn| {
                let n = conn
                    .execute(
                        "UPDATE jobs SET lease_expires_at = ?3 WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                        params![lease.job_id, lease.token, until.timestamp_millis()],
                    )
                    .map_err(be("extending a job lease"))?;
                Ok(n == 1)
            })
            .await
    }

    async fn complete_job(&self, lease: &Lease, summary: Option<&str>, now: Timestamp) -> Result<bool> {
        let lease = lease.clone();
        let summary = summary.map(clip_error);
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to complete a job")?;
                let ms = now.timestamp_millis();
                let n = tx
                    .execute(
                        "UPDATE jobs SET status = 'succeeded', finished_at = ?3, updated_at = ?3, last_error = NULL, \
                         worker = NULL, lease_token = NULL, lease_expires_at = NULL \
                         WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                        params![lease.job_id, lease.token, ms],
                    )
                    .map_err(be("completing a job"))?;
                if n == 1 {
                    finish_run(&tx, lease.run_id, RunStatus::Succeeded, ms, None, summary.as_deref())?;
                }
                tx.commit().map_err(be("committing a completed job"))?;
                Ok(n == 1)
            })
            .await
    }

    async fn fail_job(&self, lease: &Lease, failure: &JobFailure, now: Timestamp) -> Result<FailOutcome> {
        let lease = lease.clone();
        let failure = failure.clone();
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to record a job failure")?;
                let held: Option<(i64, i64)> = tx
                    .query_row(
                        "SELECT attempt, max_attempts FROM jobs WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                        params![lease.job_id, lease.token],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(be("reading a failed job"))?;
                let Some((attempt, max_attempts)) = held else {
                    return Ok(FailOutcome::LeaseLost);
                };
                let ms = now.timestamp_millis();
                let error = clip_error(&failure.error);
                let outcome = match failure.retry_at {
                    Some(retry_at) if attempt < max_attempts => {
                        tx.execute(
                            "UPDATE jobs SET status = 'queued', run_at = ?2, updated_at = ?3, last_error = ?4, \
                             worker = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?1",
                            params![lease.job_id, retry_at.timestamp_millis(), ms, error],
                        )
                        .map_err(be("requeueing a failed job"))?;
                        finish_run(&tx, lease.run_id, RunStatus::Failed, ms, Some(&error), None)?;
                        FailOutcome::Retrying
                    }
                    _ => {
                        tx.execute(
                            "UPDATE jobs SET status = 'dead', finished_at = ?2, updated_at = ?2, last_error = ?3, \
                             worker = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?1",
                            params![lease.job_id, ms, error],
                        )
                        .map_err(be("dead-lettering a failed job"))?;
                        finish_run(&tx, lease.run_id, RunStatus::Dead, ms, Some(&error), None)?;
                        FailOutcome::Dead
                    }
                };
                tx.commit().map_err(be("committing a job failure"))?;
                Ok(outcome)
            })
            .await
    }

    async fn release_job(&self, lease: &Lease, now: Timestamp) -> Result<bool> {
        let lease = lease.clone();
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to release a job")?;
                let ms = now.timestamp_millis();
                let n = tx
                    .execute(
                        "UPDATE jobs SET status = 'queued', attempt = max(attempt - 1, 0), run_at = ?3, updated_at = ?3, \
                         worker = NULL, lease_token = NULL, lease_expires_at = NULL \
                         WHERE id = ?1 AND lease_token = ?2 AND status = 'running'",
                        params![lease.job_id, lease.token, ms],
                    )
                    .map_err(be("releasing a job"))?;
                if n == 1 {
                    finish_run(&tx, lease.run_id, RunStatus::Released, ms, None, None)?;
                }
                tx.commit().map_err(be("committing a released job"))?;
                Ok(n == 1)
            })
            .await
    }

    async fn cancel_job(&self, id: JobId, now: Timestamp) -> Result<bool> {
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to cancel a job")?;
                let current: Option<(String, Option<i64>)> = tx
                    .query_row("SELECT status, run_id FROM jobs WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(be("reading a job to cancel"))?;
                let Some((status, run_id)) = current else {
                    return Err(StoreError::NotFound { what: "job", id: id.to_string() });
                };
                let status = parse_status(&status)?;
                if !status.is_open() {
                    return Ok(false);
                }
                let ms = now.timestamp_millis();
                tx.execute(
                    "UPDATE jobs SET status = 'cancelled', finished_at = ?2, updated_at = ?2, worker = NULL, \
                     lease_token = NULL, lease_expires_at = NULL WHERE id = ?1",
                    params![id, ms],
                )
                .map_err(be("cancelling a job"))?;
                if let (JobStatus::Running, Some(run_id)) = (status, run_id) {
                    finish_run(&tx, run_id, RunStatus::Cancelled, ms, Some("cancelled by an operator"), None)?;
                }
                tx.commit().map_err(be("committing a cancelled job"))?;
                Ok(true)
            })
            .await
    }

    async fn requeue_job(&self, id: JobId, now: Timestamp) -> Result<bool> {
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to requeue a job")?;
                let current: Option<(String, Option<String>)> = tx
                    .query_row("SELECT status, dedupe_key FROM jobs WHERE id = ?1", [id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()
                    .map_err(be("reading a job to requeue"))?;
                let Some((status, dedupe_key)) = current else {
                    return Err(StoreError::NotFound { what: "job", id: id.to_string() });
                };
                if !matches!(parse_status(&status)?, JobStatus::Dead | JobStatus::Cancelled) {
                    return Ok(false);
                }
                if let Some(key) = &dedupe_key
                    && let Some(open) = open_with_key(&tx, key)?
                {
                    return Err(StoreError::Conflict(format!(
                        "job {open} with the same dedupe key '{key}' is still open; wait for it or cancel it first"
                    )));
                }
                tx.execute(
                    "UPDATE jobs SET status = 'queued', attempt = 0, run_at = ?2, updated_at = ?2, finished_at = NULL \
                     WHERE id = ?1",
                    params![id, now.timestamp_millis()],
                )
                .map_err(be("requeueing a job"))?;
                tx.commit().map_err(be("committing a requeued job"))?;
                Ok(true)
            })
            .await
    }

    async fn list_job_runs(&self, query: &RunQuery) -> Result<Vec<JobRun>> {
        let q = query.clone();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM job_runs WHERE (?1 IS NULL OR job_id = ?1) AND (?2 IS NULL OR kind = ?2) \
                 AND (?3 IS NULL OR schedule = ?3) AND (?4 IS NULL OR status = ?4) ORDER BY id DESC LIMIT ?5"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(be("listing job runs"))?;
            let rows = stmt
                .query_map(
                    params![q.job_id, q.kind, q.schedule, q.status.map(RunStatus::as_str), effective_limit(q.limit)],
                    raw_run,
                )
                .map_err(be("listing job runs"))?;
            rows.map(|r| r.map_err(be("listing job runs")).and_then(run)).collect()
        })
        .await
    }

    async fn prune_jobs(&self, before: Timestamp) -> Result<u64> {
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to prune jobs")?;
                let ms = before.timestamp_millis();
                tx.execute(
                    "DELETE FROM job_runs WHERE job_id IN (SELECT id FROM jobs WHERE status IN \
                     ('succeeded', 'dead', 'cancelled') AND finished_at < ?1)",
                    [ms],
                )
                .map_err(be("pruning job runs"))?;
                let n = tx
                    .execute(
                        "DELETE FROM jobs WHERE status IN ('succeeded', 'dead', 'cancelled') AND finished_at < ?1",
                        [ms],
                    )
                    .map_err(be("pruning jobs"))?;
                tx.commit().map_err(be("committing pruned jobs"))?;
                Ok(n as u64)
            })
            .await
    }

    async fn put_schedules(&self, schedules: &[ScheduleSpec], now: Timestamp) -> Result<()> {
        let specs = schedules.to_vec();
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to store schedules")?;
                let ms = now.timestamp_millis();
                for s in &specs {
                    tx.execute(
                        "INSERT INTO job_schedules (name, cron, timezone, kind, payload, enabled, priority, max_attempts, \
                         last_slot, next_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
                         ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, timezone = excluded.timezone, \
                         kind = excluded.kind, payload = excluded.payload, enabled = excluded.enabled, \
                         priority = excluded.priority, max_attempts = excluded.max_attempts, \
                         next_at = excluded.next_at, updated_at = excluded.updated_at",
                        params![
                            s.name,
                            s.cron,
                            s.timezone,
                            s.kind,
                            s.payload.to_string(),
                            s.enabled,
                            s.priority,
                            s.max_attempts,
                            s.initial_slot.map(|t| t.timestamp_millis()),
                            s.next_at.map(|t| t.timestamp_millis()),
                            ms
                        ],
                    )
                    .map_err(be("storing a schedule"))?;
                }
                let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
                let keep = serde_json::to_string(&names).map_err(|e| StoreError::InvalidQuery(e.to_string()))?;
                tx.execute("DELETE FROM job_schedules WHERE name NOT IN (SELECT value FROM json_each(?1))", [keep])
                    .map_err(be("removing schedules no longer configured"))?;
                tx.commit().map_err(be("committing schedules"))?;
                Ok(())
            })
            .await
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>> {
        self.read(|conn| {
            let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM job_schedules ORDER BY name");
            let mut stmt = conn.prepare_cached(&sql).map_err(be("listing schedules"))?;
            let rows = stmt.query_map([], raw_schedule).map_err(be("listing schedules"))?;
            let raws: Vec<RawSchedule> = rows.collect::<rusqlite::Result<_>>().map_err(be("listing schedules"))?;
            raws.into_iter().map(|raw| schedule(conn, raw)).collect()
        })
        .await
    }

    async fn get_schedule(&self, name: &str) -> Result<Option<Schedule>> {
        let name = name.to_string();
        self.read(move |conn| read_schedule(conn, &name)).await
    }

    async fn fire_schedule(
        &self,
        name: &str,
        slot: Timestamp,
        next_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<FireOutcome> {
        let name = name.to_string();
        self.writer
            .run(move |conn| {
                let tx = begin(conn, "starting to fire a schedule")?;
                let Some(s) = read_schedule(&tx, &name)? else {
                    return Ok(FireOutcome::Unknown);
                };
                if !s.enabled {
                    return Ok(FireOutcome::Unknown);
                }
                let won = tx
                    .execute(
                        "UPDATE job_schedules SET last_slot = ?2, next_at = ?3 \
                         WHERE name = ?1 AND (last_slot IS NULL OR last_slot < ?2)",
                        params![name, slot.timestamp_millis(), next_at.map(|t| t.timestamp_millis())],
                    )
                    .map_err(be("moving a schedule's slot"))?;
                if won == 0 {
                    return Ok(FireOutcome::AlreadyFired);
                }
                let enqueued = enqueue(&tx, &s.job(Some(slot), "scheduler"), now)?;
                tx.commit().map_err(be("committing a fired schedule"))?;
                Ok(if enqueued.created {
                    FireOutcome::Enqueued(enqueued.id)
                } else {
                    FireOutcome::StillOpen(enqueued.id)
                })
            })
            .await
    }
}

fn add_count(counts: &mut JobCounts, status: &str, n: i64) {
    let n = n.max(0) as u64;
    match status {
        "queued" => counts.queued = n,
        "running" => counts.running = n,
        "succeeded" => counts.succeeded = n,
        "dead" => counts.dead = n,
        "cancelled" => counts.cancelled = n,
        _ => {}
    }
}

fn enqueue(tx: &Transaction<'_>, job: &NewJob, now: Timestamp) -> Result<Enqueued> {
    let ms = now.timestamp_millis();
    let run_at = job.run_at.map_or(ms, |t| t.timestamp_millis());
    // DO NOTHING without a target covers both unique rules: the open dedupe key and the slot.
    let added = tx
        .query_row(
            "INSERT INTO jobs (kind, payload, status, priority, attempt, max_attempts, run_at, dedupe_key, schedule, \
             slot, created_by, created_at, updated_at) \
             VALUES (?1, ?2, 'queued', ?3, 0, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) ON CONFLICT DO NOTHING RETURNING id",
            params![
                job.kind,
                job.payload.to_string(),
                job.priority,
                job.max_attempts,
                run_at,
                job.dedupe_key,
                job.schedule,
                job.slot.map(|t| t.timestamp_millis()),
                job.created_by,
                ms
            ],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .map_err(be("enqueueing a job"))?;
    if let Some(id) = added {
        return Ok(Enqueued { id, created: true });
    }
    if let Some(key) = &job.dedupe_key
        && let Some(id) = open_with_key(tx, key)?
    {
        return Ok(Enqueued { id, created: false });
    }
    let slot_job: Option<i64> = tx
        .query_row(
            "SELECT id FROM jobs WHERE schedule = ?1 AND slot = ?2",
            params![job.schedule, job.slot.map(|t| t.timestamp_millis())],
            |r| r.get(0),
        )
        .optional()
        .map_err(be("finding the job of a schedule slot"))?;
    slot_job.map(|id| Enqueued { id, created: false }).ok_or_else(|| {
        StoreError::Conflict(format!("a '{}' job could not be added and no clashing job was found", job.kind))
    })
}

fn open_with_key(conn: &Connection, key: &str) -> Result<Option<JobId>> {
    conn.query_row("SELECT id FROM jobs WHERE dedupe_key = ?1 AND status IN ('queued', 'running')", [key], |r| r.get(0))
        .optional()
        .map_err(be("finding the open job of a dedupe key"))
}

/// Jobs whose lease expired go back to the queue (or to `dead` when out of attempts); their runs
/// are recorded as lost.
fn reclaim_expired(tx: &Transaction<'_>, now: Timestamp) -> Result<()> {
    let ms = now.timestamp_millis();
    let expired: Vec<(i64, Option<i64>, i64, i64)> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT id, run_id, attempt, max_attempts FROM jobs WHERE status = 'running' AND lease_expires_at < ?1",
            )
            .map_err(be("finding expired job leases"))?;
        let rows = stmt
            .query_map([ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(be("finding expired job leases"))?;
        rows.collect::<rusqlite::Result<_>>().map_err(be("finding expired job leases"))?
    };
    for (id, run_id, attempt, max_attempts) in expired {
        if let Some(run_id) = run_id {
            finish_run(tx, run_id, RunStatus::Lost, ms, Some(LOST_ERROR), None)?;
        }
        let (status, finished) = if attempt >= max_attempts { ("dead", Some(ms)) } else { ("queued", None) };
        tx.execute(
            "UPDATE jobs SET status = ?2, run_at = ?3, updated_at = ?3, finished_at = ?4, last_error = ?5, \
             worker = NULL, lease_token = NULL, lease_expires_at = NULL WHERE id = ?1",
            params![id, status, ms, finished, LOST_ERROR],
        )
        .map_err(be("reclaiming an expired job lease"))?;
    }
    Ok(())
}

fn claim(tx: &Transaction<'_>, request: &ClaimRequest) -> Result<Vec<ClaimedJob>> {
    let ms = request.now.timestamp_millis();
    let kinds = if request.kinds.is_empty() {
        String::new()
    } else {
        format!(" AND kind IN ({})", vec!["?"; request.kinds.len()].join(", "))
    };
    let sql = format!(
        "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= ?{kinds} ORDER BY priority DESC, run_at, id LIMIT ?"
    );
    let mut values: Vec<rusqlite::types::Value> = vec![ms.into()];
    values.extend(request.kinds.iter().map(|k| rusqlite::types::Value::from(k.clone())));
    values.push(i64::from(request.limit).into());
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare_cached(&sql).map_err(be("choosing jobs to claim"))?;
        let rows = stmt.query_map(params_from_iter(values), |r| r.get(0)).map_err(be("choosing jobs to claim"))?;
        rows.collect::<rusqlite::Result<_>>().map_err(be("choosing jobs to claim"))?
    };
    let expires = request.now + request.lease;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        tx.execute(
            "INSERT INTO job_runs (job_id, kind, schedule, attempt, worker, status, started_at) \
             SELECT id, kind, schedule, attempt + 1, ?2, 'running', ?3 FROM jobs WHERE id = ?1",
            params![id, request.worker, ms],
        )
        .map_err(be("recording a job run"))?;
        let run_id = tx.last_insert_rowid();
        let token: String = tx
            .query_row(
                "UPDATE jobs SET status = 'running', attempt = attempt + 1, worker = ?2, \
                 lease_token = lower(hex(randomblob(16))), lease_expires_at = ?3, run_id = ?4, updated_at = ?5 \
                 WHERE id = ?1 RETURNING lease_token",
                params![id, request.worker, expires.timestamp_millis(), run_id, ms],
                |r| r.get(0),
            )
            .map_err(be("leasing a job"))?;
        let job = read_job(tx, id)?.ok_or_else(|| StoreError::NotFound { what: "job", id: id.to_string() })?;
        out.push(ClaimedJob { job, lease: Lease { job_id: id, token, run_id, expires_at: expires } });
    }
    Ok(out)
}

fn finish_run(
    tx: &Transaction<'_>,
    run_id: i64,
    status: RunStatus,
    at_ms: i64,
    error: Option<&str>,
    summary: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE job_runs SET status = ?2, finished_at = ?3, error = ?4, summary = ?5 WHERE id = ?1 AND status = 'running'",
        params![run_id, status.as_str(), at_ms, error, summary],
    )
    .map_err(be("recording how a job run ended"))?;
    Ok(())
}

fn read_job(conn: &Connection, id: JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
    let raw = conn.query_row(&sql, [id], raw_job).optional().map_err(be("reading a job"))?;
    raw.map(job).transpose()
}

struct RawJob {
    id: i64,
    kind: String,
    payload: String,
    status: String,
    priority: i64,
    attempt: i64,
    max_attempts: i64,
    run_at: i64,
    dedupe_key: Option<String>,
    schedule: Option<String>,
    slot: Option<i64>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    worker: Option<String>,
    lease_expires_at: Option<i64>,
    last_error: Option<String>,
    finished_at: Option<i64>,
}

fn raw_job(r: &Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        id: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        status: r.get(3)?,
        priority: r.get(4)?,
        attempt: r.get(5)?,
        max_attempts: r.get(6)?,
        run_at: r.get(7)?,
        dedupe_key: r.get(8)?,
        schedule: r.get(9)?,
        slot: r.get(10)?,
        created_by: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        worker: r.get(14)?,
        lease_expires_at: r.get(15)?,
        last_error: r.get(16)?,
        finished_at: r.get(17)?,
    })
}

fn parse_status(s: &str) -> Result<JobStatus> {
    s.parse().map_err(|e: steward_model::UnknownValue| corrupt("jobs.status", e.to_string()))
}

fn json(text: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e.to_string()))
}

fn count(n: i64, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| corrupt(what, format!("{n} is not a count")))
}

fn job(r: RawJob) -> Result<Job> {
    Ok(Job {
        id: r.id,
        payload: json(&r.payload, "jobs.payload")?,
        status: parse_status(&r.status)?,
        priority: i32::try_from(r.priority).map_err(|_| corrupt("jobs.priority", r.priority.to_string()))?,
        attempt: count(r.attempt, "jobs.attempt")?,
        max_attempts: count(r.max_attempts, "jobs.max_attempts")?,
        run_at: timestamp(r.run_at, "jobs.run_at")?,
        slot: opt_timestamp(r.slot, "jobs.slot")?,
        created_at: timestamp(r.created_at, "jobs.created_at")?,
        updated_at: timestamp(r.updated_at, "jobs.updated_at")?,
        lease_expires_at: opt_timestamp(r.lease_expires_at, "jobs.lease_expires_at")?,
        finished_at: opt_timestamp(r.finished_at, "jobs.finished_at")?,
        kind: r.kind,
        dedupe_key: r.dedupe_key,
        schedule: r.schedule,
        created_by: r.created_by,
        worker: r.worker,
        last_error: r.last_error,
    })
}

struct RawRun {
    id: i64,
    job_id: i64,
    kind: String,
    schedule: Option<String>,
    attempt: i64,
    worker: String,
    status: String,
    started_at: i64,
    finished_at: Option<i64>,
    error: Option<String>,
    summary: Option<String>,
}

fn raw_run(r: &Row<'_>) -> rusqlite::Result<RawRun> {
    Ok(RawRun {
        id: r.get(0)?,
        job_id: r.get(1)?,
        kind: r.get(2)?,
        schedule: r.get(3)?,
        attempt: r.get(4)?,
        worker: r.get(5)?,
        status: r.get(6)?,
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        error: r.get(9)?,
        summary: r.get(10)?,
    })
}

fn run(r: RawRun) -> Result<JobRun> {
    let started_at = timestamp(r.started_at, "job_runs.started_at")?;
    let finished_at = opt_timestamp(r.finished_at, "job_runs.finished_at")?;
    Ok(JobRun {
        id: r.id,
        job_id: r.job_id,
        kind: r.kind,
        schedule: r.schedule,
        attempt: count(r.attempt, "job_runs.attempt")?,
        worker: r.worker,
        status: r.status.parse().map_err(|e: steward_model::UnknownValue| corrupt("job_runs.status", e.to_string()))?,
        duration_ms: finished_at.map(|f| (f - started_at).num_milliseconds()),
        started_at,
        finished_at,
        error: r.error,
        summary: r.summary,
    })
}

struct RawSchedule {
    name: String,
    cron: String,
    timezone: String,
    kind: String,
    payload: String,
    enabled: bool,
    priority: i64,
    max_attempts: i64,
    last_slot: Option<i64>,
    next_at: Option<i64>,
    updated_at: i64,
}

fn raw_schedule(r: &Row<'_>) -> rusqlite::Result<RawSchedule> {
    Ok(RawSchedule {
        name: r.get(0)?,
        cron: r.get(1)?,
        timezone: r.get(2)?,
        kind: r.get(3)?,
        payload: r.get(4)?,
        enabled: r.get(5)?,
        priority: r.get(6)?,
        max_attempts: r.get(7)?,
        last_slot: r.get(8)?,
        next_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

fn read_schedule(conn: &Connection, name: &str) -> Result<Option<Schedule>> {
    let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM job_schedules WHERE name = ?1");
    let raw = conn.query_row(&sql, [name], raw_schedule).optional().map_err(be("reading a schedule"))?;
    raw.map(|raw| schedule(conn, raw)).transpose()
}

fn schedule(conn: &Connection, r: RawSchedule) -> Result<Schedule> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE schedule = ?1 ORDER BY id DESC LIMIT 1");
    let last = conn.query_row(&sql, [&r.name], raw_job).optional().map_err(be("reading a schedule's last job"))?;
    Ok(Schedule {
        payload: json(&r.payload, "job_schedules.payload")?,
        priority: i32::try_from(r.priority).map_err(|_| corrupt("job_schedules.priority", r.priority.to_string()))?,
        max_attempts: count(r.max_attempts, "job_schedules.max_attempts")?,
        last_slot: opt_timestamp(r.last_slot, "job_schedules.last_slot")?,
        next_at: opt_timestamp(r.next_at, "job_schedules.next_at")?,
        updated_at: timestamp(r.updated_at, "job_schedules.updated_at")?,
        last_job: last.map(job).transpose()?,
        name: r.name,
        cron: r.cron,
        timezone: r.timezone,
        kind: r.kind,
        enabled: r.enabled,
    })
}
