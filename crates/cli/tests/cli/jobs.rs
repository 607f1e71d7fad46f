//! `steward worker` as a real process: killed with SIGKILL mid-job, no job is lost and none is
//! run twice to completion; two workers on one PostgreSQL database run each job once.
//! The `test.sleep` kind (registered with `STEWARD_TEST_JOBS=1`) logs `start <id> <attempt>`,
//! sleeps, then logs `done <id>`, without deduplicating, so a second completion would show.

use crate::support::steward;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_store::Store;
use steward_store::jobs::{JobQuery, JobStatus, NewJob, RunQuery, RunStatus};

fn start_worker(url: &str, dir: &Path, name: &str) -> Child {
    steward()
        .current_dir(dir)
        .env("STEWARD_TEST_JOBS", "1")
        .env("HOSTNAME", name)
        .args(["--db", url, "worker", "--concurrency", "2", "--lease-seconds", "3", "--no-schedules"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("steward worker starts")
}

fn log_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log).unwrap_or_default().lines().map(str::to_string).collect()
}

/// `start` and `done` lines per job id.
fn tally(log: &Path) -> HashMap<i64, (usize, usize)> {
    let mut out: HashMap<i64, (usize, usize)> = HashMap::new();
    for line in log_lines(log) {
        let mut parts = line.split_whitespace();
        let (Some(what), Some(id)) = (parts.next(), parts.next().and_then(|i| i.parse::<i64>().ok())) else {
            continue;
        };
        let entry = out.entry(id).or_default();
        match what {
            "start" => entry.0 += 1,
            "done" => entry.1 += 1,
            _ => {}
        }
    }
    out
}

async fn enqueue(store: &Arc<dyn Store>, n: usize, ms: u64, log: &Path) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let job = NewJob::new("test.sleep", serde_json::json!({ "ms": ms, "log": log })).max_attempts(5);
        ids.push(store.enqueue_job(&job, chrono::Utc::now()).await.expect("enqueue").id);
    }
    ids
}

/// Whether every one of `ids` has its success recorded in the store.
async fn committed(store: &Arc<dyn Store>, ids: &[i64]) -> bool {
    let jobs = store.list_jobs(&JobQuery { limit: 10_000, ..Default::default() }).await.expect("list");
    ids.iter().all(|id| jobs.iter().any(|j| j.id == *id && j.status == JobStatus::Succeeded))
}

async fn wait_all_succeeded(store: &Arc<dyn Store>, ids: &[i64], limit: Duration) {
    let started = Instant::now();
    loop {
        let jobs = store.list_jobs(&JobQuery { limit: 10_000, ..Default::default() }).await.expect("list");
        let done = jobs.iter().filter(|j| ids.contains(&j.id) && j.status == JobStatus::Succeeded).count();
        if done == ids.len() {
            return;
        }
        assert!(started.elapsed() < limit, "only {done} of {} jobs succeeded in {limit:?}: {jobs:?}", ids.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn kill_mid_job_then_recover(store: Arc<dyn Store>, url: &str, dir: &Path) {
    let log = dir.join("jobs.log");
    // One short job, then long ones: when the short one has completed, the long ones are far
    // from their end. A kill between a handler's last line and the worker's commit of its success
    // is still mid-job (at-least-once: the job runs again), so the kill must not land there.
    let mut ids = enqueue(&store, 1, 200, &log).await;
    ids.extend(enqueue(&store, 5, 2500, &log).await);
    let mut first = start_worker(url, dir, "first");
    // Kill once one job has completed (its success committed) and another is mid-sleep.
    let started = Instant::now();
    let in_flight = loop {
        let t = tally(&log);
        let flying: Vec<i64> = t.iter().filter(|(_, (s, d))| *s > *d).map(|(id, _)| *id).collect();
        let done: Vec<i64> = t.iter().filter(|(_, (_, d))| *d > 0).map(|(id, _)| *id).collect();
        if !done.is_empty() && !flying.is_empty() && committed(&store, &done).await {
            break flying;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the first worker never got going: {:?}", log_lines(&log));
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.kill().expect("SIGKILL the first worker");
    let _ = first.wait();

    let mut second = start_worker(url, dir, "second");
    wait_all_succeeded(&store, &ids, Duration::from_secs(90)).await;
    second.kill().expect("stop the second worker");
    let _ = second.wait();

    let t = tally(&log);
    for id in &ids {
        let (starts, dones) = t.get(id).copied().unwrap_or_default();
        assert_eq!(dones, 1, "job {id} ran to completion exactly once (log: {:?})", log_lines(&log));
        assert!(starts >= 1);
        let runs = store.list_job_runs(&RunQuery { job_id: Some(*id), ..Default::default() }).await.expect("runs");
        let succeeded = runs.iter().filter(|r| r.status == RunStatus::Succeeded).count();
        assert_eq!(succeeded, 1, "job {id} completed once in the store: {runs:?}");
    }
    for id in &in_flight {
        let runs = store.list_job_runs(&RunQuery { job_id: Some(*id), ..Default::default() }).await.expect("runs");
        assert!(
            runs.iter().any(|r| r.status == RunStatus::Lost && r.worker.starts_with("first")),
            "the killed worker's run of job {id} is recorded as lost: {runs:?}"
        );
        assert!(
            runs.iter().any(|r| r.status == RunStatus::Succeeded && r.worker.starts_with("second")),
            "the second worker finished job {id}: {runs:?}"
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

async fn sqlite_store(dir: &Path) -> (String, Arc<dyn Store>) {
    let file = dir.join("jobs.db");
    let url = format!("sqlite://{}", file.display());
    let store = steward_store_sqlite::SqliteStore::open(&url).expect("open");
    store.migrate().await.expect("migrate");
    (url, Arc::new(store))
}

/// A fresh schema of the test database, and a URL that confines the binary to it.
async fn postgres_store(test: &str) -> Option<(String, Arc<dyn Store>)> {
    let Ok(base) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: {test}: STEWARD_TEST_POSTGRES_URL is not set");
        return None;
    };
    let schema = format!("cli_jobs_{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    let store = steward_store_postgres::PostgresStore::connect_with_schema(&base, &schema).await.expect("connect");
    store.migrate().await.expect("migrate");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((format!("{base}{sep}options=-c%20search_path%3D{schema}"), Arc::new(store)))
}

#[test]
fn a_killed_worker_loses_no_job_and_runs_none_twice_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    runtime().block_on(async {
        let (url, store) = sqlite_store(dir.path()).await;
        kill_mid_job_then_recover(store, &url, dir.path()).await;
    });
}

#[test]
fn a_killed_worker_loses_no_job_and_runs_none_twice_postgres() {
    let dir = tempfile::tempdir().expect("temp dir");
    runtime().block_on(async {
        let Some((url, store)) = postgres_store("a_killed_worker_loses_no_job_and_runs_none_twice_postgres").await
        else {
            return;
        };
        kill_mid_job_then_recover(store, &url, dir.path()).await;
    });
}

#[test]
fn two_workers_on_postgres_run_each_job_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    runtime().block_on(async {
        let Some((url, store)) = postgres_store("two_workers_on_postgres_run_each_job_once").await else {
            return;
        };
        let log = dir.path().join("jobs.log");
        let ids = enqueue(&store, 60, 30, &log).await;
        let mut a = start_worker(&url, dir.path(), "alpha");
        let mut b = start_worker(&url, dir.path(), "beta");
        wait_all_succeeded(&store, &ids, Duration::from_secs(90)).await;
        for w in [&mut a, &mut b] {
            let _ = w.kill();
            let _ = w.wait();
        }
        let t = tally(&log);
        assert_eq!(t.len(), ids.len());
        assert!(t.values().all(|(s, d)| *s == 1 && *d == 1), "each job started and finished once: {t:?}");
        let runs = store.list_job_runs(&RunQuery { limit: 10_000, ..Default::default() }).await.expect("runs");
        assert_eq!(runs.len(), ids.len(), "one run per job");
        let by_alpha = runs.iter().filter(|r| r.worker.starts_with("alpha")).count();
        eprintln!("alpha ran {by_alpha} of {} jobs, beta the rest", ids.len());
    });
}
