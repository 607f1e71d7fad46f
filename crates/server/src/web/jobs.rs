//! `/admin/jobs` (admins): schedules with their last and next slot and a "run now" button,
//! counts by status, recent runs with their duration and error, and dead jobs to requeue.

use crate::AppState;
use crate::api::jobs as api;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::routes::{Access, Routes};
use crate::web::links::Href;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use steward_store::jobs::{JobCounts, JobQuery, JobStatus, RunQuery};

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/jobs", Access::Admin, show)
        .post("/admin/jobs/schedules/{name}/run", Access::Admin, run_now)
        .post("/admin/jobs/{id}/requeue", Access::Admin, requeue)
        .post("/admin/jobs/{id}/cancel", Access::Admin, cancel)
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
pub struct JobsPage {
    layout: Layout,
    done: Option<String>,
    counts: JobCounts,
    schedules: Vec<ScheduleRow>,
    runs: Vec<RunRow>,
    dead: Vec<JobRow>,
    open: Vec<JobRow>,
}

pub struct ScheduleRow {
    name: String,
    cron: String,
    timezone: String,
    kind: String,
    enabled: bool,
    last_slot: String,
    next_at: String,
    last_job: String,
    last_status: String,
}

pub struct RunRow {
    job_id: i64,
    kind: String,
    schedule: String,
    attempt: u32,
    status: &'static str,
    started: String,
    duration: String,
    worker: String,
    detail: String,
    failed: bool,
}

pub struct JobRow {
    id: i64,
    kind: String,
    status: &'static str,
    attempt: String,
    run_at: String,
    error: String,
}

/// `?done=<what>&job=<id>`: what the last action did, as a code (never text from the URL on the page).
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
    job: Option<String>,
}

fn done_message(done: Option<String>, job: Option<String>) -> Option<String> {
    let job = job.and_then(|j| j.trim().parse::<i64>().ok())?;
    let message = match done?.as_str() {
        "queued" => format!("Queued job {job}; a worker picks it up within seconds."),
        "already_open" => format!("The schedule already has an open job ({job}); it was not queued twice."),
        "requeued" => format!("Job {job} is queued again."),
        "cancelled" => format!("Job {job} is cancelled."),
        _ => return None,
    };
    Some(message)
}

fn duration(ms: Option<i64>) -> String {
    match ms {
        None => "—".to_string(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) if ms < 120_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

fn job_row(j: steward_store::jobs::Job) -> JobRow {
    JobRow {
        id: j.id,
        kind: j.kind,
        status: j.status.as_str(),
        attempt: format!("{}/{}", j.attempt, j.max_attempts),
        run_at: format::date_time(Some(j.run_at)),
        error: j.last_error.map(|e| format::truncate(&e, 300)).unwrap_or_default(),
    }
}

pub async fn show(State(state): State<AppState>, caller: Caller, Params(q): Params<PageQuery>) -> Response {
    let page = async {
        let store = &state.store;
        let schedules = store.list_schedules().await.map_err(|e| ApiError::store("listing schedules", e))?;
        let counts = store.job_counts().await.map_err(|e| ApiError::store("counting jobs", e))?;
        let runs = store
            .list_job_runs(&RunQuery { limit: 50, ..Default::default() })
            .await
            .map_err(|e| ApiError::store("listing job runs", e))?;
        let dead = store
            .list_jobs(&JobQuery { status: Some(JobStatus::Dead), limit: 50, ..Default::default() })
            .await
            .map_err(|e| ApiError::store("listing dead jobs", e))?;
        let mut open = store
            .list_jobs(&JobQuery { status: Some(JobStatus::Running), limit: 50, ..Default::default() })
            .await
            .map_err(|e| ApiError::store("listing running jobs", e))?;
        open.extend(
            store
                .list_jobs(&JobQuery { status: Some(JobStatus::Queued), limit: 50, ..Default::default() })
                .await
                .map_err(|e| ApiError::store("listing queued jobs", e))?,
        );
        Ok::<_, ApiError>(JobsPage {
            layout: Layout::new(&state, &caller, "Jobs", Some(Section::Jobs)),
            done: done_message(params::text(&q.done), params::text(&q.job)),
            counts,
            schedules: schedules
                .into_iter()
                .map(|s| ScheduleRow {
                    last_job: s.last_job.as_ref().map(|j| j.id.to_string()).unwrap_or_default(),
                    last_status: s.last_job.as_ref().map(|j| j.status.as_str().to_string()).unwrap_or_default(),
                    name: s.name,
                    cron: s.cron,
                    timezone: s.timezone,
                    kind: s.kind,
                    enabled: s.enabled,
                    last_slot: format::date_time(s.last_slot),
                    next_at: format::date_time(s.next_at),
                })
                .collect(),
            runs: runs
                .into_iter()
                .map(|r| RunRow {
                    job_id: r.job_id,
                    kind: r.kind,
                    schedule: r.schedule.unwrap_or_default(),
                    attempt: r.attempt,
                    status: r.status.as_str(),
                    started: format::date_time(Some(r.started_at)),
                    duration: duration(r.duration_ms),
                    worker: r.worker,
                    failed: r.error.is_some(),
                    detail: format::truncate(r.error.as_deref().or(r.summary.as_deref()).unwrap_or(""), 300),
                })
                .collect(),
            dead: dead.into_iter().map(job_row).collect(),
            open: open.into_iter().map(job_row).collect(),
        })
    }
    .await;
    respond(&state, page)
}

fn back(state: &AppState, result: Result<(&'static str, i64), ApiError>) -> Response {
    match result {
        Ok((done, job)) => Redirect::to(
            &Href::new("/admin/jobs").param("done", Some(done)).param("job", Some(&job.to_string())).build(),
        )
        .into_response(),
        Err(error) => crate::web::errors::page(state, error),
    }
}

/// `POST /admin/jobs/schedules/{name}/run`
pub async fn run_now(State(state): State<AppState>, caller: Caller, Path(name): Path<String>) -> Response {
    let result = api::run_schedule_now(&state, &caller, &name)
        .await
        .map(|(_, e)| (if e.created { "queued" } else { "already_open" }, e.id));
    back(&state, result)
}

fn id(raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::NotFound { what: "job", plural: "/api/v1/jobs", id: raw.to_string() })
}

/// `POST /admin/jobs/{id}/requeue`
pub async fn requeue(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let result = async { api::requeue(&state, &caller, id(&raw)?).await }.await;
    back(&state, result.map(|j| ("requeued", j.id)))
}

/// `POST /admin/jobs/{id}/cancel`
pub async fn cancel(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let result = async { api::cancel(&state, &caller, id(&raw)?).await }.await;
    back(&state, result.map(|j| ("cancelled", j.id)))
}
