//! The compliance-recording benchmark both backends run (their `tests/bench_governance.rs`,
//! `#[ignore]`d): three runs of sample findings and the reads a report and a dry run make,
//! timed and printed. Asserts only counts; timings are printed, never asserted.

use super::{SAMPLE_POLICIES, at, sample_compliance_run, sample_subject};
use crate::Store;
use crate::governance::{NewExemption, ViolationQuery, ViolationState};
use std::sync::Arc;
use std::time::Instant;
use steward_model::Timestamp;

/// Findings per run; `STEWARD_BENCH_FINDINGS` overrides.
fn findings() -> usize {
    std::env::var("STEWARD_BENCH_FINDINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000)
}

fn hour(h: u32) -> Timestamp {
    at(2026, 11, 23, h, 0, 0, 0)
}

async fn timed<T, F: std::future::Future<Output = T>>(what: &str, n: usize, f: F) -> T {
    let started = Instant::now();
    let out = f.await;
    let secs = started.elapsed().as_secs_f64();
    println!("{what:<58} {secs:>7.2} s  {:>9.0} findings/s", n as f64 / secs.max(1e-9));
    out
}

/// Three runs (all new; the same again; 10% gone, 10% new, 1% exempted) and the reads a
/// report and a dry run make, timed. `between` runs between two runs (untimed).
pub async fn measure_compliance_recording<F, Fut>(store: Arc<dyn Store>, between: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let n = findings();
    println!("{} store, {n} findings per run", store.backend());
    let first = sample_compliance_run(n, 0, hour(8));
    let counts = timed("run 1: every finding new", n, store.record_compliance(&first)).await.expect("run 1");
    assert_eq!(counts.opened, n as u64);
    between().await;
    let second = sample_compliance_run(n, 0, hour(9));
    let counts =
        timed("run 2: the same findings (refresh only)", n, store.record_compliance(&second)).await.expect("run 2");
    assert_eq!((counts.still_open, counts.opened, counts.resolved), (n as u64, 0, 0));

    // Run 3: the first tenth of the subjects is compliant now, a tenth more is new, and every
    // hundredth subject's findings fall under an exemption.
    let exemption = store
        .add_exemption(&NewExemption {
            policy_id: SAMPLE_POLICIES[0].into(),
            subject_id: None,
            environment_id: Some(sample_compliance_run(5, 0, hour(1)).findings[0].environment_id.clone()),
            reason: "benchmark".into(),
            requested_by: "bench".into(),
            approved_by: "bench".into(),
            expires_at: None,
            at: hour(1),
        })
        .await
        .expect("add_exemption");
    between().await;
    let mut third = sample_compliance_run(n, n / 50, hour(10));
    let exempted_env = exemption.environment_id.clone().unwrap_or_default();
    for f in third.findings.iter_mut().filter(|f| f.policy_id == SAMPLE_POLICIES[0] && f.environment_id == exempted_env)
    {
        f.exemption_id = Some(exemption.id);
    }
    let counts =
        timed("run 3: 10% resolved, 10% new, some exempted", n, store.record_compliance(&third)).await.expect("run 3");
    println!("  counts: {counts:?}");
    assert_eq!(counts.resolved, (n / 10) as u64);

    let keys = timed("open_violation_keys", n, store.open_violation_keys(None)).await.expect("keys");
    assert_eq!(keys.len() as u64, counts.open_total);
    let summary = timed("compliance_summary", n, store.compliance_summary(None)).await.expect("summary");
    assert_eq!(summary.open, counts.open_total);
    let q = ViolationQuery { subject_id: Some(sample_subject(n / 10)), ..Default::default() };
    let one = timed("list_violations of one subject", 1, store.list_violations(&q)).await.expect("list");
    assert_eq!(one.len(), 5);
    let q = ViolationQuery { states: vec![ViolationState::Open], limit: Some(100), offset: 0, ..Default::default() };
    timed("list_violations, first 100 open", 100, store.list_violations(&q)).await.expect("list");
    let history = timed("violation_history of one subject", 1, store.violation_history(&sample_subject(0))).await;
    assert_eq!(history.expect("history").len(), 10, "five opened, five resolved");
    timed("compliance_trend of one policy", 1, store.compliance_trend(Some(SAMPLE_POLICIES[1]), 30))
        .await
        .expect("trend");
}
