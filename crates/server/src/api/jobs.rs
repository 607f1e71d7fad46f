//! `/api/v1/jobs` and `/api/v1/schedules` (admins): the job queue, its run history, and the
//! schedules the workers stored. The server enqueues through the store, so "run now" needs no
//! handler here: a worker (`steward worker`, or `steward serve` itself) runs the job.
//!
//! The actions ([`run_schedule_now`], [`requeue`], [`cancel`]) are shared with `/admin/jobs`
//! and record the audit trail.

use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use steward_store::jobs::{Enqueued, Job, JobCounts, JobId, JobQuery, JobRun, RunQuery, Schedule};

use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/jobs", Access::Admin, list)
        .get("/api/v1/jobs/runs", Access::Admin, runs)
        .get("/api/v1/jobs/{id}", Access::Admin, show)
        .post("/api/v1/jobs/{id}/requeue", Access::Admin, requeue_api)
        .post("/api/v1/jobs/{id}/cancel", Access::Admin, cancel_api)
        .get("/api/v1/schedules", Access::Admin, schedules)
        .post("/api/v1/schedules/{name}/run", Access::Admin, run_now_api)
}

/// `?status=&kind=&schedule=&limit=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobParams {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub schedule: Option<String>,
    pub limit: Option<String>,
}

/// The jobs page of the API: the jobs and the counts by status.
#[derive(Debug, Clone, Serialize)]
pub struct JobList {
    pub items: Vec<Job>,
    pub counts: JobCounts,
}

/// `GET /api/v1/jobs`: newest first.
pub async fn list(State(state): State<AppState>, Params(p): Params<JobParams>) -> Result<Json<JobList>, ApiError> {
    let query = JobQuery {
        status: params::one_of("status", &p.status)?,
        kind: params::text(&p.kind),
        schedule: params::text(&p.schedule),
        limit: params::limit(&p.limit)?.unwrap_or(100),
    };
    let items = state.store.list_jobs(&query).await.map_err(|e| ApiError::store("listing jobs", e))?;
    let counts = state.store.job_counts().await.map_err(|e| ApiError::store("counting jobs", e))?;
    Ok(Json(JobList { items, counts }))
}

fn job_id(raw: &str) -> Result<JobId, ApiError> {
    raw.trim().parse().map_err(|_| not_found(raw))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound { what: "job", plural: "/api/v1/jobs", id: id.to_string() }
}

/// `GET /api/v1/jobs/{id}`
pub async fn show(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Json<Job>, ApiError> {
    let id = job_id(&raw)?;
    let job = state.store.get_job(id).await.map_err(|e| ApiError::store("reading a job", e))?;
    job.map(Json).ok_or_else(|| not_found(&raw))
}

/// `?job=&kind=&schedule=&status=&limit=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunParams {
    pub job: Option<String>,
    pub kind: Option<String>,
    pub schedule: Option<String>,
    pub status: Option<String>,
    pub limit: Option<String>,
}

/// `GET /api/v1/jobs/runs`: one row per attempt, newest first.
pub async fn runs(State(state): State<AppState>, Params(p): Params<RunParams>) -> Result<Json<Vec<JobRun>>, ApiError> {
    let job_id = params::text(&p.job)
        .map(|j| {
            j.parse::<JobId>()
                .map_err(|_| ApiError::invalid("job", format!("parameter `job` must be a job id, not '{j}'")))
        })
        .transpose()?;
    let query = RunQuery {
        job_id,
        kind: params::text(&p.kind),
        schedule: params::text(&p.schedule),
        status: params::one_of("status", &p.status)?,
        limit: params::limit(&p.limit)?.unwrap_or(100),
    };
    let runs = state.store.list_job_runs(&query).await.map_err(|e| ApiError::store("listing job runs", e))?;
    Ok(Json(runs))
}

/// `GET /api/v1/schedules`: by name, with the last slot fired, the next, and the newest job.
pub async fn schedules(State(state): State<AppState>) -> Result<Json<Vec<Schedule>>, ApiError> {
    let schedules = state.store.list_schedules().await.map_err(|e| ApiError::store("listing schedules", e))?;
    Ok(Json(schedules))
}

/// Queue a schedule's job now (one open job per schedule: an open one is returned instead).
pub async fn run_schedule_now(state: &AppState, caller: &Caller, name: &str) -> Result<(Schedule, Enqueued), ApiError> {
    let schedule =
        state.store.get_schedule(name).await.map_err(|e| ApiError::store("reading a schedule", e))?.ok_or_else(
            || ApiError::NotFound { what: "schedule", plural: "/api/v1/schedules", id: name.to_string() },
        )?;
    let job = schedule.job(None, &format!("user:{}", caller.username));
    let enqueued =
        state.store.enqueue_job(&job, chrono::Utc::now()).await.map_err(|e| ApiError::store("queueing a job", e))?;
    if enqueued.created {
        steward_jobs::wake_workers();
        let after = serde_json::json!({ "job": enqueued.id, "kind": schedule.kind });
        audit::record(state, caller, "schedule.run_now", format!("schedule:{name}"), None, Some(after)).await;
    }
    Ok((schedule, enqueued))
}

/// `POST /api/v1/schedules/{name}/run`: 202 with `{"id", "created"}`; `created` is false when
/// the schedule's previous job is still open (it is not queued twice).
pub async fn run_now_api(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Enqueued>), ApiError> {
    let (_, enqueued) = run_schedule_now(&state, &caller, &name).await?;
    Ok((StatusCode::ACCEPTED, Json(enqueued)))
}

async fn load(state: &AppState, id: JobId) -> Result<Job, ApiError> {
    state
        .store
        .get_job(id)
        .await
        .map_err(|e| ApiError::store("reading a job", e))?
        .ok_or_else(|| not_found(&id.to_string()))
}

/// Put a dead or cancelled job back in the queue; 409 when it is in another state.
pub async fn requeue(state: &AppState, caller: &Caller, id: JobId) -> Result<Job, ApiError> {
    let before = load(state, id).await?;
    let done =
        state.store.requeue_job(id, chrono::Utc::now()).await.map_err(|e| ApiError::store("requeueing a job", e))?;
    if !done {
        return Err(ApiError::Conflict(format!(
            "job {id} is {}; only dead or cancelled jobs can be requeued",
            before.status
        )));
    }
    steward_jobs::wake_workers();
    let after = load(state, id).await?;
    audit::record(state, caller, "job.requeue", format!("job:{id}"), audit::json(&before), audit::json(&after)).await;
    Ok(after)
}

/// Cancel a queued or running job; 409 when it has finished.
pub async fn cancel(state: &AppState, caller: &Caller, id: JobId) -> Result<Job, ApiError> {
    let before = load(state, id).await?;
    let done =
        state.store.cancel_job(id, chrono::Utc::now()).await.map_err(|e| ApiError::store("cancelling a job", e))?;
    if !done {
        return Err(ApiError::Conflict(format!(
            "job {id} is {}; only queued or running jobs can be cancelled",
            before.status
        )));
    }
    let after = load(state, id).await?;
    audit::record(state, caller, "job.cancel", format!("job:{id}"), audit::json(&before), audit::json(&after)).await;
    Ok(after)
}

/// `POST /api/v1/jobs/{id}/requeue`
pub async fn requeue_api(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Job>, ApiError> {
    Ok(Json(requeue(&state, &caller, job_id(&raw)?).await?))
}

/// `POST /api/v1/jobs/{id}/cancel`
pub async fn cancel_api(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Job>, ApiError> {
    Ok(Json(cancel(&state, &caller, job_id(&raw)?).await?))
}
