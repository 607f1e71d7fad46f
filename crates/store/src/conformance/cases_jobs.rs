//! Jobs: the durable queue (dedupe, priorities, leases, retries, dead letters, run history)
//! and schedules fired once per slot. See `crate::jobs` for the rules.

use super::*;
use crate::StoreError;
use crate::jobs::{
    ClaimRequest, ClaimedJob, FailOutcome, FireOutcome, JobFailure, JobQuery, JobStatus, NewJob, RunQuery, RunStatus,
    ScheduleSpec,
};
use std::collections::HashMap;
use std::sync::Arc;
use steward_model::Timestamp;

fn t0() -> Timestamp {
    at(2026, 11, 2, 10, 0, 0, 0)
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn request(worker: &str, limit: u32, now: Timestamp) -> ClaimRequest {
    ClaimRequest { worker: worker.into(), kinds: Vec::new(), limit, now, lease: secs(60) }
}

async fn claim(store: &Arc<dyn Store>, worker: &str, limit: u32, now: Timestamp) -> Vec<ClaimedJob> {
    store.claim_jobs(&request(worker, limit, now)).await.expect("claim")
}

async fn enqueue(store: &Arc<dyn Store>, job: NewJob) -> i64 {
    let e = store.enqueue_job(&job, t0()).await.expect("enqueue");
    assert!(e.created, "a new job is added: {job:?}");
    e.id
}

async fn status(store: &Arc<dyn Store>, id: i64) -> JobStatus {
    store.get_job(id).await.expect("get").expect("the job exists").status
}

pub async fn case_jobs_dedupe_priorities_and_due_times(store: Arc<dyn Store>) {
    let low = enqueue(&store, NewJob::new("k.low", serde_json::json!({"n": 1}))).await;
    let high = enqueue(&store, NewJob::new("k.high", serde_json::Value::Null).priority(5)).await;
    let later = enqueue(&store, NewJob::new("k.later", serde_json::Value::Null).run_at(t0() + secs(3600))).await;
    let keyed = enqueue(&store, NewJob::new("k.keyed", serde_json::Value::Null).dedupe("sync:t1")).await;
    let again =
        store.enqueue_job(&NewJob::new("k.keyed", serde_json::Value::Null).dedupe("sync:t1"), t0()).await.expect("e");
    assert_eq!((again.id, again.created), (keyed, false), "an open job with the same key is not added twice");
    let bad = store.enqueue_job(&NewJob::new(" ", serde_json::Value::Null), t0()).await;
    assert!(matches!(bad, Err(StoreError::InvalidQuery(_))), "a blank kind is refused: {bad:?}");
    let zero = store.enqueue_job(&NewJob::new("k", serde_json::Value::Null).max_attempts(0), t0()).await;
    assert!(matches!(zero, Err(StoreError::InvalidQuery(_))), "zero attempts are refused: {zero:?}");

    let got = claim(&store, "w1", 10, t0()).await;
    let ids: Vec<i64> = got.iter().map(|c| c.job.id).collect();
    assert_eq!(ids, [high, low, keyed], "due jobs by priority, then age; the later job is not due");
    let first = &got[0];
    assert_eq!(first.job.status, JobStatus::Running);
    assert_eq!(first.job.attempt, 1, "the claim counts the attempt");
    assert_eq!(first.job.worker.as_deref(), Some("w1"));
    assert_eq!(first.lease.expires_at, t0() + secs(60));
    assert!(first.lease.token.len() >= 16, "a random lease token: {:?}", first.lease.token);
    assert_ne!(got[0].lease.token, got[1].lease.token, "each claim has its own token");
    assert_eq!(got[1].job.payload, serde_json::json!({"n": 1}), "the payload round-trips");
    assert!(claim(&store, "w2", 10, t0()).await.is_empty(), "a leased job is not claimed again");

    let keyed_claim = &got[2];
    assert!(store.complete_job(&keyed_claim.lease, Some("done"), t0() + secs(5)).await.expect("complete"));
    let readded =
        store.enqueue_job(&NewJob::new("k.keyed", serde_json::Value::Null).dedupe("sync:t1"), t0()).await.expect("e");
    assert!(readded.created && readded.id != keyed, "the key is free again once its job finished");

    let counts = store.job_counts().await.expect("counts");
    assert_eq!((counts.queued, counts.running, counts.succeeded), (2, 2, 1), "{counts:?}");
    for c in &got[..2] {
        assert!(store.complete_job(&c.lease, None, t0() + secs(6)).await.expect("complete"));
    }
    let due_later = claim(&store, "w1", 10, t0() + secs(3600)).await;
    let ids: Vec<i64> = due_later.iter().map(|c| c.job.id).collect();
    assert_eq!(ids, [readded.id, later], "the later job is claimed once due (same priority: older run_at first)");
}

pub async fn case_jobs_only_the_current_lease_finishes_a_job(store: Arc<dyn Store>) {
    let id = enqueue(&store, NewJob::new("k", serde_json::Value::Null)).await;
    let a = claim(&store, "a", 1, t0()).await.pop().expect("claimed");
    let mut forged = a.lease.clone();
    forged.token = "not-the-token".into();
    assert!(!store.heartbeat_job(&forged, t0() + secs(90)).await.expect("hb"), "a wrong token cannot heartbeat");
    assert!(!store.complete_job(&forged, None, t0()).await.expect("complete"), "a wrong token cannot complete");
    assert!(store.heartbeat_job(&a.lease, t0() + secs(90)).await.expect("hb"), "the holder extends its lease");
    assert!(claim(&store, "b", 1, t0() + secs(80)).await.is_empty(), "an extended lease is still held at +80 s");

    let b = claim(&store, "b", 1, t0() + secs(91)).await.pop().expect("an expired lease is reclaimed");
    assert_eq!(b.job.id, id);
    assert_eq!(b.job.attempt, 2, "the lost attempt counts");
    assert_eq!(b.job.worker.as_deref(), Some("b"));
    assert!(!store.heartbeat_job(&a.lease, t0() + secs(200)).await.expect("hb"), "the old holder lost its lease");
    assert!(!store.complete_job(&a.lease, None, t0() + secs(95)).await.expect("c"), "the old holder cannot complete");
    let failed = store
        .fail_job(&a.lease, &JobFailure { error: "late".into(), retry_at: Some(t0() + secs(99)) }, t0() + secs(95))
        .await
        .expect("fail");
    assert_eq!(failed, FailOutcome::LeaseLost, "the old holder cannot fail it either");
    assert!(!store.release_job(&a.lease, t0() + secs(95)).await.expect("release"));
    assert!(store.complete_job(&b.lease, Some("42 rows"), t0() + secs(100)).await.expect("complete"));
    assert!(!store.complete_job(&b.lease, None, t0() + secs(101)).await.expect("c"), "completion counts once");

    let job = store.get_job(id).await.expect("get").expect("exists");
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(job.finished_at, Some(t0() + secs(100)));
    assert_eq!((job.worker, job.lease_expires_at), (None, None), "no lease once finished");
    let runs = store.list_job_runs(&RunQuery { job_id: Some(id), ..Default::default() }).await.expect("runs");
    let seen: Vec<(u32, &str, RunStatus)> = runs.iter().map(|r| (r.attempt, r.worker.as_str(), r.status)).collect();
    assert_eq!(seen, [(2, "b", RunStatus::Succeeded), (1, "a", RunStatus::Lost)], "newest first");
    assert_eq!(runs[0].duration_ms, Some(9_000));
    assert_eq!(runs[0].summary.as_deref(), Some("42 rows"));
    assert!(runs[1].error.as_deref().is_some_and(|e| e.contains("lease")), "a lost run says why: {:?}", runs[1]);
}

pub async fn case_jobs_retry_dead_letter_requeue_and_cancel(store: Arc<dyn Store>) {
    let id = enqueue(&store, NewJob::new("k", serde_json::Value::Null).max_attempts(2)).await;
    let first = claim(&store, "w", 1, t0()).await.pop().expect("claimed");
    let retry = JobFailure { error: "throttled".into(), retry_at: Some(t0() + secs(30)) };
    assert_eq!(store.fail_job(&first.lease, &retry, t0() + secs(1)).await.expect("fail"), FailOutcome::Retrying);
    let job = store.get_job(id).await.expect("get").expect("exists");
    assert_eq!(
        (job.status, job.run_at, job.last_error.as_deref()),
        (JobStatus::Queued, t0() + secs(30), Some("throttled"))
    );
    assert!(claim(&store, "w", 1, t0() + secs(29)).await.is_empty(), "not before its retry time");
    let second = claim(&store, "w", 1, t0() + secs(30)).await.pop().expect("claimed again");
    assert_eq!(second.job.attempt, 2);
    let retry_again = JobFailure { error: "still throttled".into(), retry_at: Some(t0() + secs(90)) };
    assert_eq!(
        store.fail_job(&second.lease, &retry_again, t0() + secs(31)).await.expect("fail"),
        FailOutcome::Dead,
        "out of attempts: dead even though a retry was asked"
    );
    let dead = store.list_jobs(&JobQuery { status: Some(JobStatus::Dead), ..Default::default() }).await.expect("l");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("still throttled"), "the dead letter keeps the last error");
    let runs = store.list_job_runs(&RunQuery { job_id: Some(id), ..Default::default() }).await.expect("runs");
    let statuses: Vec<RunStatus> = runs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [RunStatus::Dead, RunStatus::Failed]);

    assert!(store.requeue_job(id, t0() + secs(60)).await.expect("requeue"), "a dead job can be requeued");
    let job = store.get_job(id).await.expect("get").expect("exists");
    assert_eq!((job.status, job.attempt, job.finished_at), (JobStatus::Queued, 0, None), "attempts reset");
    assert!(!store.requeue_job(id, t0()).await.expect("requeue"), "a queued job is not requeued");

    let permanent = enqueue(&store, NewJob::new("k.perm", serde_json::Value::Null)).await;
    let mut claimed = claim(&store, "w", 10, t0() + secs(60)).await;
    claimed.sort_by_key(|c| c.job.id);
    let perm = claimed.iter().find(|c| c.job.id == permanent).expect("claimed");
    let outcome = store
        .fail_job(&perm.lease, &JobFailure { error: "bad payload".into(), retry_at: None }, t0() + secs(61))
        .await
        .expect("fail");
    assert_eq!(outcome, FailOutcome::Dead, "a permanent failure is dead at once");

    let c = enqueue(&store, NewJob::new("k.cancel", serde_json::Value::Null).dedupe("only-one")).await;
    assert!(store.cancel_job(c, t0()).await.expect("cancel"));
    assert_eq!(status(&store, c).await, JobStatus::Cancelled);
    assert!(!store.cancel_job(c, t0()).await.expect("cancel"), "a cancelled job is not cancelled twice");
    assert!(matches!(store.cancel_job(987_654, t0()).await, Err(StoreError::NotFound { .. })));
    assert!(claim(&store, "w", 10, t0() + secs(120)).await.iter().all(|j| j.job.id != c), "cancelled is not claimed");
    let other = enqueue(&store, NewJob::new("k.cancel", serde_json::Value::Null).dedupe("only-one")).await;
    let clash = store.requeue_job(c, t0()).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "requeue refuses a second open job per key: {clash:?}");
    assert_eq!(status(&store, c).await, JobStatus::Cancelled, "a refused requeue changes nothing");
    assert_eq!(status(&store, other).await, JobStatus::Queued);

    // Cancelling a running job takes its lease away.
    let running = claim(&store, "w", 10, t0() + secs(200)).await;
    let held = running.iter().find(|j| j.job.id == other).expect("claimed");
    assert!(store.cancel_job(other, t0() + secs(201)).await.expect("cancel"));
    assert!(!store.heartbeat_job(&held.lease, t0() + secs(300)).await.expect("hb"), "the worker sees it lost the job");
    assert!(!store.complete_job(&held.lease, None, t0() + secs(202)).await.expect("c"));
    assert_eq!(status(&store, other).await, JobStatus::Cancelled);
}

pub async fn case_jobs_release_kinds_and_expiry_out_of_attempts(store: Arc<dyn Store>) {
    let x = enqueue(&store, NewJob::new("kind.x", serde_json::Value::Null)).await;
    let y = enqueue(&store, NewJob::new("kind.y", serde_json::Value::Null).max_attempts(1)).await;
    let only_x = store
        .claim_jobs(&ClaimRequest { kinds: vec!["kind.x".into()], ..request("w", 10, t0()) })
        .await
        .expect("claim");
    assert_eq!(only_x.iter().map(|c| c.job.id).collect::<Vec<_>>(), [x], "a worker claims only its kinds");
    assert!(store.release_job(&only_x[0].lease, t0() + secs(1)).await.expect("release"));
    let job = store.get_job(x).await.expect("get").expect("exists");
    assert_eq!((job.status, job.attempt), (JobStatus::Queued, 0), "a released job is queued, its attempt not counted");
    let runs = store.list_job_runs(&RunQuery { job_id: Some(x), ..Default::default() }).await.expect("runs");
    assert_eq!(runs.iter().map(|r| r.status).collect::<Vec<_>>(), [RunStatus::Released]);

    let held = store
        .claim_jobs(&ClaimRequest { kinds: vec!["kind.y".into()], ..request("w", 10, t0() + secs(2)) })
        .await
        .expect("claim");
    assert_eq!(held.len(), 1);
    let after = claim(&store, "other", 10, t0() + secs(120)).await;
    assert_eq!(after.iter().map(|c| c.job.id).collect::<Vec<_>>(), [x], "y's lease expired on its only attempt");
    let dead = store.get_job(y).await.expect("get").expect("exists");
    assert_eq!(dead.status, JobStatus::Dead, "out of attempts after a lost lease: dead");
    assert!(dead.last_error.is_some_and(|e| e.contains("lease")));
    let lost = store.list_job_runs(&RunQuery { status: Some(RunStatus::Lost), ..Default::default() }).await.expect("r");
    assert_eq!(lost.iter().map(|r| r.job_id).collect::<Vec<_>>(), [y]);
    let by_kind =
        store.list_job_runs(&RunQuery { kind: Some("kind.x".into()), ..Default::default() }).await.expect("r");
    assert_eq!(by_kind.len(), 2, "x: released, then running");

    assert!(store.complete_job(&after[0].lease, None, t0() + secs(121)).await.expect("complete"));
    let pruned = store.prune_jobs(t0() + secs(200)).await.expect("prune");
    assert_eq!(pruned, 2, "finished jobs (succeeded x, dead y) are pruned");
    assert!(store.get_job(x).await.expect("get").is_none());
    assert!(store.list_job_runs(&RunQuery::default()).await.expect("runs").is_empty(), "their runs go with them");
}

/// Several claimers at once: every job is claimed by exactly one of them.
pub async fn case_jobs_concurrent_claims_take_each_job_once(store: Arc<dyn Store>) {
    let mut all = Vec::new();
    for n in 0..60 {
        all.push(enqueue(&store, NewJob::new("k.race", serde_json::json!({ "n": n }))).await);
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_jobs(&request(&format!("w{w}"), 3, t0())).await.expect("claim");
                if got.is_empty() {
                    return mine;
                }
                for c in got {
                    assert!(store.complete_job(&c.lease, None, t0()).await.expect("complete"));
                    mine.push(c.job.id);
                }
            }
        }));
    }
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for task in tasks {
        for id in task.await.expect("claimer") {
            *seen.entry(id).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), all.len(), "every job was claimed");
    assert!(seen.values().all(|&n| n == 1), "no job was claimed twice: {seen:?}");
    let runs = store.list_job_runs(&RunQuery { limit: 1000, ..Default::default() }).await.expect("runs");
    assert_eq!(runs.len(), all.len(), "one run per job");
}

fn spec(name: &str, initial: Option<Timestamp>) -> ScheduleSpec {
    ScheduleSpec {
        name: name.into(),
        cron: "0 * * * *".into(),
        timezone: "UTC".into(),
        kind: format!("kind.{name}"),
        payload: serde_json::json!({ "from": name }),
        enabled: true,
        priority: 3,
        max_attempts: 4,
        next_at: initial.map(|t| t + secs(3600)),
        initial_slot: initial,
    }
}

pub async fn case_jobs_schedules_fire_once_per_slot(store: Arc<dyn Store>) {
    let ten = t0();
    let hour = |h: i64| ten + secs(3600 * h);
    store.put_schedules(&[spec("a", Some(ten)), spec("b", Some(ten))], ten).await.expect("put");
    let listed = store.list_schedules().await.expect("list");
    assert_eq!(listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(listed[0].last_slot, Some(ten), "a new schedule starts at its initial slot");
    assert_eq!(listed[0].next_at, Some(hour(1)));
    assert!(listed[0].last_job.is_none());

    assert_eq!(store.fire_schedule("a", ten, None, ten).await.expect("fire"), FireOutcome::AlreadyFired);
    let FireOutcome::Enqueued(job) = store.fire_schedule("a", hour(1), Some(hour(2)), hour(1)).await.expect("fire")
    else {
        panic!("the next slot enqueues");
    };
    let j = store.get_job(job).await.expect("get").expect("exists");
    assert_eq!((j.kind.as_str(), j.schedule.as_deref(), j.slot), ("kind.a", Some("a"), Some(hour(1))));
    assert_eq!((j.priority, j.max_attempts, j.payload.clone()), (3, 4, serde_json::json!({ "from": "a" })));
    assert_eq!(store.fire_schedule("a", hour(1), None, hour(1)).await.expect("fire"), FireOutcome::AlreadyFired);
    assert_eq!(
        store.fire_schedule("a", hour(2), None, hour(2)).await.expect("fire"),
        FireOutcome::StillOpen(job),
        "the previous job is still queued: the slot is taken, nothing added"
    );
    let c = claim(&store, "w", 1, hour(2)).await.pop().expect("claimed");
    assert!(store.complete_job(&c.lease, None, hour(2)).await.expect("complete"));

    // Two replicas fire the same slot at once: one enqueues.
    let (s1, s2) = (store.clone(), store.clone());
    let (r1, r2) =
        tokio::join!(async move { s1.fire_schedule("a", hour(3), None, hour(3)).await.expect("fire") }, async move {
            s2.fire_schedule("a", hour(3), None, hour(3)).await.expect("fire")
        });
    let enqueued = [r1, r2].iter().filter(|o| matches!(o, FireOutcome::Enqueued(_))).count();
    assert_eq!(enqueued, 1, "one of two replicas enqueues: {r1:?} {r2:?}");
    assert!([r1, r2].contains(&FireOutcome::AlreadyFired));
    assert_eq!(
        store.fire_schedule("a", hour(2) + secs(1800), None, hour(3)).await.expect("fire"),
        FireOutcome::AlreadyFired,
        "an older slot never fires after a newer one"
    );
    let a_jobs = store.list_jobs(&JobQuery { schedule: Some("a".into()), ..Default::default() }).await.expect("l");
    assert_eq!(a_jobs.len(), 2, "slots 11:00 and 13:00 enqueued; 12:00 was skipped while 11:00 was open");

    // Reconfigure: b removed, a changed (its last slot kept), c disabled.
    let mut a2 = spec("a", Some(hour(10)));
    a2.cron = "30 * * * *".into();
    let mut c = spec("c", Some(hour(3)));
    c.enabled = false;
    store.put_schedules(&[a2, c], hour(3)).await.expect("put");
    let listed = store.list_schedules().await.expect("list");
    assert_eq!(listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a", "c"], "b is no longer configured");
    assert_eq!(listed[0].cron, "30 * * * *");
    assert_eq!(listed[0].last_slot, Some(hour(3)), "an existing schedule keeps its last slot");
    let last = listed[0].last_job.as_ref().expect("a has jobs");
    assert_eq!(last.slot, Some(hour(3)), "the newest job of the schedule");
    assert_eq!(store.fire_schedule("c", hour(4), None, hour(4)).await.expect("fire"), FireOutcome::Unknown);
    assert_eq!(store.fire_schedule("b", hour(4), None, hour(4)).await.expect("fire"), FireOutcome::Unknown);
    let got = store.get_schedule("c").await.expect("get").expect("exists");
    assert!(!got.enabled);
    assert!(store.get_schedule("b").await.expect("get").is_none());
}
