//! The worker and the scheduler against a real SQLite file (and PostgreSQL when
//! `STEWARD_TEST_POSTGRES_URL` is set), on a fake clock.

use async_trait::async_trait;
use chrono::TimeZone;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use steward_jobs::schedule::{ScheduleConfig, Scheduler};
use steward_jobs::{FakeClock, Job, JobContext, JobError, JobHandler, JobOutput, Registry, Worker, WorkerConfig};
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::jobs::{FireOutcome, JobQuery, JobStatus, NewJob, RunQuery, RunStatus};

fn t0() -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).single().unwrap_or_default()
}

async fn sqlite() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = steward_store_sqlite::SqliteStore::open(&dir.path().join("jobs.db").to_string_lossy()).expect("open");
    store.migrate().await.expect("migrate");
    (dir, Arc::new(store))
}

fn config() -> WorkerConfig {
    WorkerConfig {
        name: "test".into(),
        concurrency: 2,
        lease: Duration::from_secs(30),
        heartbeat: Duration::from_millis(50),
        poll_min: Duration::from_millis(10),
        poll_max: Duration::from_millis(20),
        shutdown_grace: Duration::from_millis(0),
        ..WorkerConfig::default()
    }
}

/// Fails `fail_first` times (retryable), then succeeds; counts calls.
struct Flaky {
    calls: Arc<AtomicU32>,
    fail_first: u32,
    permanent: bool,
}

#[async_trait]
impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }
    async fn run(&self, _ctx: &JobContext, job: &Job) -> Result<JobOutput, JobError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.permanent {
            return Err(JobError::permanent(format!("payload {} is not valid", job.payload)));
        }
        if n <= self.fail_first {
            return Err(JobError::retryable(format!("attempt {n} throttled")));
        }
        Ok(JobOutput::summary(format!("done on attempt {}", job.attempt)))
    }
}

/// Waits until cancelled (lease lost or shutdown), or forever.
struct Forever;

#[async_trait]
impl JobHandler for Forever {
    fn kind(&self) -> &'static str {
        "test.forever"
    }
    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        ctx.cancelled().await;
        Ok(JobOutput::done())
    }
}

async fn wait_for(store: &Arc<dyn Store>, id: i64, status: JobStatus) -> Job {
    for _ in 0..400 {
        let job = store.get_job(id).await.expect("get").expect("exists");
        if job.status == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never became {status}: {:?}", store.get_job(id).await);
}

async fn wait_for_error(store: &Arc<dyn Store>, id: i64, error: &str) -> Job {
    for _ in 0..400 {
        let job = store.get_job(id).await.expect("get").expect("exists");
        if job.status == JobStatus::Queued && job.last_error.as_deref() == Some(error) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never failed with {error:?}: {:?}", store.get_job(id).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_with_backoff_then_succeeds_and_records_every_run() {
    let (_dir, store) = sqlite().await;
    let clock = FakeClock::new(t0());
    let calls = Arc::new(AtomicU32::new(0));
    let mut registry = Registry::new();
    registry.register(Flaky { calls: calls.clone(), fail_first: 2, permanent: false });
    let id = store.enqueue_job(&NewJob::new("test.flaky", serde_json::json!({})), t0()).await.expect("enqueue").id;
    let worker = Worker::new(store.clone(), registry, config()).with_clock(Arc::new(clock.clone()));
    let handle = worker.spawn();
    // The first failure is retried later, not at once: the clock stands still.
    let job = wait_for_error(&store, id, "attempt 1 throttled").await;
    assert!(job.run_at > t0(), "a retry waits for its backoff: {job:?}");
    assert!(job.run_at <= t0() + chrono::Duration::seconds(30), "first delay at most the base: {job:?}");
    clock.advance(chrono::Duration::seconds(31));
    handle.wake();
    // Second failure: up to 60 s.
    let job = wait_for_error(&store, id, "attempt 2 throttled").await;
    assert!(job.run_at > t0() + chrono::Duration::seconds(31), "{job:?}");
    assert!(job.run_at <= t0() + chrono::Duration::seconds(91), "second delay at most twice the base: {job:?}");
    clock.advance(chrono::Duration::seconds(61));
    handle.wake();
    let done = wait_for(&store, id, JobStatus::Succeeded).await;
    assert_eq!(done.attempt, 3);
    handle.shutdown().await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let runs = store.list_job_runs(&RunQuery { job_id: Some(id), ..Default::default() }).await.expect("runs");
    let statuses: Vec<RunStatus> = runs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [RunStatus::Succeeded, RunStatus::Failed, RunStatus::Failed]);
    assert_eq!(runs[0].summary.as_deref(), Some("done on attempt 3"));
    assert_eq!(runs[2].error.as_deref(), Some("attempt 1 throttled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_is_dead_at_once() {
    let (_dir, store) = sqlite().await;
    let calls = Arc::new(AtomicU32::new(0));
    let mut registry = Registry::new();
    registry.register(Flaky { calls: calls.clone(), fail_first: 0, permanent: true });
    let id = store.enqueue_job(&NewJob::new("test.flaky", serde_json::json!(7)), t0()).await.expect("enqueue").id;
    let worker = Worker::new(store.clone(), registry, config()).with_clock(Arc::new(FakeClock::new(t0())));
    assert_eq!(worker.run_due_once().await.expect("run"), 1);
    let job = store.get_job(id).await.expect("get").expect("exists");
    assert_eq!(job.status, JobStatus::Dead);
    assert_eq!(job.last_error.as_deref(), Some("payload 7 is not valid"));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_running_jobs_back_and_a_lost_lease_is_not_completed() {
    let (_dir, store) = sqlite().await;
    let clock = FakeClock::new(t0());
    let mut registry = Registry::new();
    registry.register(Forever);
    let id = store.enqueue_job(&NewJob::new("test.forever", serde_json::Value::Null), t0()).await.expect("e").id;
    let handle = Worker::new(store.clone(), registry.clone(), config()).with_clock(Arc::new(clock.clone())).spawn();
    wait_for(&store, id, JobStatus::Running).await;
    handle.shutdown().await;
    let job = store.get_job(id).await.expect("get").expect("exists");
    assert_eq!((job.status, job.attempt), (JobStatus::Queued, 0), "given back, the attempt not counted: {job:?}");

    // A worker whose lease another worker took stops, and its run is not recorded as done.
    let first = Worker::new(store.clone(), registry.clone(), WorkerConfig { name: "first".into(), ..config() })
        .with_clock(Arc::new(clock.clone()))
        .spawn();
    let running = wait_for(&store, id, JobStatus::Running).await;
    assert_eq!(running.worker.as_deref(), Some("first"));
    // Time jumps past the lease, and another process reclaims the job.
    clock.advance(chrono::Duration::seconds(120));
    let other_clock = FakeClock::new(t0() + chrono::Duration::seconds(120));
    let mut stolen = Vec::new();
    for _ in 0..100 {
        stolen = store
            .claim_jobs(&steward_store::jobs::ClaimRequest {
                worker: "second".into(),
                kinds: vec![],
                limit: 1,
                now: steward_jobs::Clock::now(&other_clock) + chrono::Duration::seconds(60),
                lease: chrono::Duration::seconds(600),
            })
            .await
            .expect("claim");
        if !stolen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stolen.len(), 1, "the expired lease is reclaimed");
    // The first worker's next heartbeat finds the lease gone and stops the handler.
    for _ in 0..200 {
        if first.stats().lease_lost.load(Ordering::Relaxed) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(first.stats().lease_lost.load(Ordering::Relaxed), 1, "the first worker noticed");
    first.shutdown().await;
    let job = store.get_job(id).await.expect("get").expect("exists");
    assert_eq!((job.status, job.worker.as_deref()), (JobStatus::Running, Some("second")), "still the second's");
    let succeeded = store
        .list_job_runs(&RunQuery { job_id: Some(id), status: Some(RunStatus::Succeeded), ..Default::default() })
        .await
        .expect("runs");
    assert!(succeeded.is_empty(), "the first worker recorded nothing: {succeeded:?}");
}

fn hourly(name: &str) -> ScheduleConfig {
    ScheduleConfig::new(name, "0 * * * *", "test.flaky")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_fire_once_per_slot_across_replicas_and_once_after_a_long_stop() {
    let (_dir, store) = sqlite().await;
    schedules_on(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_on_postgres() {
    let Ok(url) = std::env::var("STEWARD_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: schedules_on_postgres: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("jobs_sched_{}", uuid_suffix());
    let store = steward_store_postgres::PostgresStore::connect_with_schema(&url, &schema).await.expect("connect");
    store.migrate().await.expect("migrate");
    schedules_on(Arc::new(store)).await;
}

fn uuid_suffix() -> String {
    format!("{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros())
}

async fn schedules_on(store: Arc<dyn Store>) {
    let known = vec!["test.flaky".to_string()];
    let replica_a = Scheduler::from_config(&[hourly("hourly")], &known).expect("schedules");
    let replica_b = Scheduler::from_config(&[hourly("hourly")], &known).expect("schedules");
    let start = t0() + chrono::Duration::minutes(10);
    replica_a.install(store.as_ref(), start).await.expect("install");
    replica_b.install(store.as_ref(), start).await.expect("install");
    // Added at 10:10: the 10:00 slot is before the schedule existed, so nothing fires.
    assert!(
        replica_a.tick(store.as_ref(), start).await.expect("tick").iter().all(|(_, o)| *o == FireOutcome::AlreadyFired)
    );
    let stored = store.get_schedule("hourly").await.expect("get").expect("stored");
    assert_eq!(stored.next_at, Some(t0() + chrono::Duration::hours(1)));

    // 11:00:05 on both replicas at once: one job.
    let at = t0() + chrono::Duration::hours(1) + chrono::Duration::seconds(5);
    let (a, b) = tokio::join!(replica_a.tick(store.as_ref(), at), replica_b.tick(store.as_ref(), at));
    let outcomes: Vec<FireOutcome> = a.expect("a").into_iter().chain(b.expect("b")).map(|(_, o)| o).collect();
    assert_eq!(outcomes.iter().filter(|o| matches!(o, FireOutcome::Enqueued(_))).count(), 1, "{outcomes:?}");
    let jobs = store.list_jobs(&JobQuery { schedule: Some("hourly".into()), ..Default::default() }).await.expect("l");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].slot, Some(t0() + chrono::Duration::hours(1)));
    // The job finishes; then every process stops for five hours and one comes back.
    let claimed = store
        .claim_jobs(&steward_store::jobs::ClaimRequest {
            worker: "w".into(),
            kinds: vec![],
            limit: 5,
            now: at,
            lease: chrono::Duration::seconds(60),
        })
        .await
        .expect("claim");
    assert!(store.complete_job(&claimed[0].lease, None, at).await.expect("complete"));
    let restart = t0() + chrono::Duration::hours(6) + chrono::Duration::minutes(20);
    let replica_c = Scheduler::from_config(&[hourly("hourly")], &known).expect("schedules");
    replica_c.install(store.as_ref(), restart).await.expect("install");
    let fired = replica_c.tick(store.as_ref(), restart).await.expect("tick");
    assert!(matches!(fired.as_slice(), [(_, FireOutcome::Enqueued(_))]), "{fired:?}");
    assert!(replica_c.tick(store.as_ref(), restart).await.expect("tick").is_empty(), "nothing more this slot");
    assert!(
        replica_a
            .tick(store.as_ref(), restart)
            .await
            .expect("tick")
            .iter()
            .all(|(_, o)| *o == FireOutcome::AlreadyFired)
    );
    let jobs = store.list_jobs(&JobQuery { schedule: Some("hourly".into()), ..Default::default() }).await.expect("l");
    assert_eq!(jobs.len(), 2, "five missed slots run once, not five times");
    assert_eq!(jobs[0].slot, Some(t0() + chrono::Duration::hours(6)), "the latest missed slot");
}
