//! Governance: immutable policy set versions with one active set, compliance runs and every
//! violation transition, exemptions, runs, trends and summaries, and a big run recorded twice.

use super::*;
use crate::StoreError;
use crate::governance::{
    ComplianceCounts, ComplianceFinding, ComplianceRun, EventKind, Exemption, Level, NewExemption, NewPolicySet,
    SaveOutcome, SubjectKind, Violation, ViolationQuery, ViolationState,
};
use std::sync::Arc;
use steward_model::Timestamp;

fn hour(h: u32) -> Timestamp {
    at(2026, 11, 23, h, 0, 0, 0)
}

fn finding(policy: &str, subject: &str) -> ComplianceFinding {
    ComplianceFinding {
        policy_id: policy.into(),
        policy_version: 1,
        level: Level::Must,
        subject_kind: SubjectKind::Resource,
        subject_id: subject.into(),
        tenant_id: "t1".into(),
        environment_id: "e1".into(),
        evidence: serde_json::json!({ "resource.shared_users": 25, "resource.name": subject }),
        exemption_id: None,
    }
}

fn exempt(mut f: ComplianceFinding, exemption: i64) -> ComplianceFinding {
    f.exemption_id = Some(exemption);
    f
}

fn run(at: Timestamp, policies: &[&str], findings: Vec<ComplianceFinding>) -> ComplianceRun {
    ComplianceRun {
        at,
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: 100,
        policies: policies.iter().map(|p| p.to_string()).collect(),
        findings,
        statuses: Vec::new(),
    }
}

async fn record(store: &Arc<dyn Store>, run: ComplianceRun) -> ComplianceCounts {
    store.record_compliance(&run).await.unwrap_or_else(|e| panic!("record_compliance: {e}"))
}

async fn violations(store: &Arc<dyn Store>, query: ViolationQuery) -> Vec<Violation> {
    store.list_violations(&query).await.unwrap_or_else(|e| panic!("list_violations: {e}"))
}

/// The latest episode of a policy and subject.
async fn latest(store: &Arc<dyn Store>, policy: &str, subject: &str) -> Violation {
    let q = ViolationQuery { policy_ids: vec![policy.into()], subject_id: Some(subject.into()), ..Default::default() };
    violations(store, q).await.pop().unwrap_or_else(|| panic!("no violation of {policy} for {subject}"))
}

fn new_exemption(policy: &str, subject: Option<&str>, environment: Option<&str>, expires: Option<u32>) -> NewExemption {
    NewExemption {
        policy_id: policy.into(),
        subject_id: subject.map(str::to_string),
        environment_id: environment.map(str::to_string),
        reason: "vendor-managed app, reviewed yearly".into(),
        requested_by: "maker@contoso.com".into(),
        approved_by: "coe-lead@contoso.com".into(),
        expires_at: expires.map(hour),
        at: hour(1),
    }
}

async fn add(store: &Arc<dyn Store>, e: NewExemption) -> Exemption {
    store.add_exemption(&e).await.unwrap_or_else(|err| panic!("add_exemption: {err}"))
}

/// (kind, note) of every event of a subject, oldest first.
async fn history(store: &Arc<dyn Store>, subject: &str) -> Vec<(String, EventKind, Option<String>)> {
    store
        .violation_history(subject)
        .await
        .unwrap_or_else(|e| panic!("violation_history: {e}"))
        .into_iter()
        .map(|e| (e.policy_id, e.kind, e.note))
        .collect()
}

pub async fn case_governance_policy_sets_are_immutable_and_one_is_active(store: Arc<dyn Store>) {
    assert!(store.policy_sets().await.expect("policy_sets").is_empty(), "a new store has no policy set");
    assert!(store.active_policy_set().await.expect("active_policy_set").is_none());
    assert!(store.policy_adoptions().await.expect("policy_adoptions").is_empty());

    let content = |n: u32| {
        serde_json::json!({
            "version": format!("v{n}"),
            "policies": [{ "id": "share-without-justification", "level": "must", "params": { "max_users": 20, "ratio": 0.5 } }],
            "zeta": null,
            "alpha": [1, 2, 3],
        })
    };
    let set = |n: u32, digest: &str, hour_of: u32| NewPolicySet {
        version: format!("v{n}"),
        digest: digest.into(),
        content: content(n),
        saved_by: "ann".into(),
        at: hour(hour_of),
    };
    assert_eq!(store.save_policy_set(&set(1, "d1", 8)).await.expect("save v1"), SaveOutcome::Saved);
    assert_eq!(
        store.save_policy_set(&set(1, "d1", 9)).await.expect("save v1 again"),
        SaveOutcome::AlreadySaved,
        "the same version with the same digest is a no-op"
    );
    let err = store.save_policy_set(&set(1, "other", 9)).await.expect_err("v1 with other content");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    assert!(err.to_string().contains("pick a new version label"), "the refusal says what to do: {err}");
    let err =
        store.save_policy_set(&NewPolicySet { digest: " ".into(), ..set(3, "", 9) }).await.expect_err("no digest");
    assert!(err.to_string().contains("digest"), "{err}");
    store.save_policy_set(&set(2, "d2", 10)).await.expect("save v2");

    let listed: Vec<(String, bool)> =
        store.policy_sets().await.expect("policy_sets").into_iter().map(|s| (s.version, s.active)).collect();
    assert_eq!(listed, [("v2".into(), false), ("v1".into(), false)], "last saved first; saving adopts nothing");
    let v1 = store.policy_set("v1").await.expect("policy_set").expect("v1 saved");
    assert_eq!(v1.content, content(1), "content round-trips as JSON");
    assert_eq!((v1.info.digest.as_str(), v1.info.saved_at), ("d1", hour(8)), "the first save is kept");
    assert!(store.policy_set("v9").await.expect("policy_set").is_none());

    let err = store.adopt_policy_set("v9", "bob", hour(11)).await.expect_err("unknown version");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let first = store.adopt_policy_set("v1", "bob", hour(11)).await.expect("adopt v1").expect("a change");
    assert_eq!((first.version.as_str(), first.previous.as_deref()), ("v1", None));
    assert!(
        store.adopt_policy_set("v1", "cat", hour(12)).await.expect("adopt v1 again").is_none(),
        "adopting the active set again changes nothing"
    );
    let second = store.adopt_policy_set("v2", "cat", hour(13)).await.expect("adopt v2").expect("a change");
    assert_eq!(second.previous.as_deref(), Some("v1"));
    store.adopt_policy_set("v1", "dan", hour(14)).await.expect("roll back to v1").expect("a change");

    let active = store.active_policy_set().await.expect("active_policy_set").expect("one is active");
    assert_eq!(active.info.version, "v1");
    assert_eq!((active.info.adopted_by.as_deref(), active.info.adopted_at), (Some("dan"), Some(hour(14))));
    assert_eq!(active.content, content(1));
    let actives: Vec<String> =
        store.policy_sets().await.expect("policy_sets").into_iter().filter(|s| s.active).map(|s| s.version).collect();
    assert_eq!(actives, ["v1"], "exactly one active set");
    let history: Vec<(String, Option<String>, String, Timestamp)> = store
        .policy_adoptions()
        .await
        .expect("policy_adoptions")
        .into_iter()
        .map(|a| (a.version, a.previous, a.adopted_by, a.adopted_at))
        .collect();
    assert_eq!(
        history,
        [
            ("v1".into(), None, "bob".into(), hour(11)),
            ("v2".into(), Some("v1".into()), "cat".into(), hour(13)),
            ("v1".into(), Some("v2".into()), "dan".into(), hour(14)),
        ],
        "every adoption, oldest first"
    );
}

pub async fn case_governance_every_violation_transition(store: Arc<dyn Store>) {
    let e1 = add(&store, new_exemption("p1", Some("r3"), None, Some(12))).await; // expires before run 3
    let e2 = add(&store, new_exemption("p1", Some("r4"), None, None)).await; // revoked before run 3
    let e3 = add(&store, new_exemption("p1", None, Some("e2"), None)).await; // environment-wide
    let e6 = add(&store, new_exemption("p1", Some("r5"), None, None)).await; // replaces e3 for r5
    let in_e2 = |mut f: ComplianceFinding| {
        f.environment_id = "e2".into();
        f
    };
    let mut should = finding("p2", "r1");
    should.level = Level::Should;
    let mut env = finding("p3", "e1");
    env.subject_kind = SubjectKind::Environment;

    // Run 1: five new episodes, two of them under an exemption.
    let counts = record(
        &store,
        run(
            hour(8),
            &["p1", "p2", "p3"],
            vec![
                finding("p1", "r1"),
                finding("p1", "r2"),
                exempt(finding("p1", "r3"), e1.id),
                finding("p1", "r4"),
                exempt(in_e2(finding("p1", "r5")), e3.id),
                should.clone(),
                env.clone(),
            ],
        ),
    )
    .await;
    assert_eq!(
        counts,
        ComplianceCounts { opened: 7, exempted: 2, open_total: 5, exempted_total: 2, ..Default::default() },
        "first run"
    );
    let r3 = latest(&store, "p1", "r3").await;
    assert_eq!(
        (r3.state, r3.exemption_id),
        (ViolationState::Exempted, Some(e1.id)),
        "a new episode can start exempted"
    );
    let r1 = latest(&store, "p1", "r1").await;
    assert_eq!(
        (r1.state, r1.opened_at, r1.last_seen_at, r1.resolved_at),
        (ViolationState::Open, hour(8), hour(8), None)
    );
    assert_eq!(r1.evidence, serde_json::json!({ "resource.shared_users": 25, "resource.name": "r1" }));
    assert_eq!(
        (r1.level, r1.subject_kind, r1.tenant_id.as_str(), r1.environment_id.as_str()),
        (Level::Must, SubjectKind::Resource, "t1", "e1")
    );
    let e = latest(&store, "p3", "e1").await;
    assert_eq!(e.subject_kind, SubjectKind::Environment, "environment subjects round-trip");
    assert_eq!(latest(&store, "p2", "r1").await.level, Level::Should);

    // Run 2: r1 seen again (new evidence), r2 gone, r4 now exempted, r5 under another exemption.
    let mut r1_again = finding("p1", "r1");
    r1_again.evidence = serde_json::json!({ "resource.shared_users": 40 });
    r1_again.policy_version = 2;
    let counts = record(
        &store,
        run(
            hour(9),
            &["p1", "p2", "p3"],
            vec![
                r1_again,
                exempt(finding("p1", "r3"), e1.id),
                exempt(finding("p1", "r4"), e2.id),
                exempt(in_e2(finding("p1", "r5")), e6.id),
                should.clone(),
                env.clone(),
            ],
        ),
    )
    .await;
    assert_eq!(
        counts,
        ComplianceCounts {
            resolved: 1,
            exempted: 2,
            still_open: 3,
            still_exempted: 1,
            open_total: 3,
            exempted_total: 3,
            ..Default::default()
        },
        "second run"
    );
    let r1 = latest(&store, "p1", "r1").await;
    assert_eq!((r1.opened_at, r1.last_seen_at), (hour(8), hour(9)), "refreshed, opened_at kept");
    assert_eq!((r1.evidence["resource.shared_users"].clone(), r1.policy_version), (serde_json::json!(40), 2));
    let r2 = latest(&store, "p1", "r2").await;
    assert_eq!((r2.state, r2.resolved_at, r2.last_seen_at), (ViolationState::Resolved, Some(hour(9)), hour(8)));
    assert_eq!(history(&store, "r1").await.len(), 2, "refreshes add no events (one opened per policy)");

    // Run 3, p1 only: e1 expired, e2 revoked, r2 back (a new episode); p2 and p3 are not
    // evaluated, so their violations are left alone.
    store.revoke_exemption(e2.id, "coe-lead@contoso.com", hour(12)).await.expect("revoke e2");
    let counts = record(
        &store,
        run(
            hour(13),
            &["p1"],
            vec![
                finding("p1", "r1"),
                finding("p1", "r2"),
                finding("p1", "r3"),
                finding("p1", "r4"),
                exempt(in_e2(finding("p1", "r5")), e6.id),
            ],
        ),
    )
    .await;
    assert_eq!(
        counts,
        ComplianceCounts {
            opened: 1,
            reopened: 2,
            still_open: 1,
            still_exempted: 1,
            open_total: 6,
            exempted_total: 1,
            ..Default::default()
        },
        "third run"
    );
    let p2 = latest(&store, "p2", "r1").await;
    assert_eq!((p2.state, p2.last_seen_at), (ViolationState::Open, hour(9)), "policies not evaluated are left alone");
    let r2_episodes = violations(&store, ViolationQuery { subject_id: Some("r2".into()), ..Default::default() }).await;
    let summary: Vec<(ViolationState, Timestamp)> = r2_episodes.iter().map(|v| (v.state, v.opened_at)).collect();
    assert_eq!(summary, [(ViolationState::Resolved, hour(8)), (ViolationState::Open, hour(13))], "two episodes");
    assert_ne!(r2_episodes[0].id, r2_episodes[1].id);
    let r3 = latest(&store, "p1", "r3").await;
    assert_eq!((r3.state, r3.exemption_id), (ViolationState::Open, None));

    use EventKind::*;
    let p1 = |kind, note: Option<String>| ("p1".to_string(), kind, note);
    assert_eq!(
        history(&store, "r3").await,
        [
            p1(Opened, None),
            p1(Exempted, Some(format!("exemption {}", e1.id))),
            p1(Reopened, Some(format!("exemption {} expired", e1.id)))
        ]
    );
    assert_eq!(
        history(&store, "r4").await,
        [
            p1(Opened, None),
            p1(Exempted, Some(format!("exemption {}", e2.id))),
            p1(Reopened, Some(format!("exemption {} was revoked", e2.id)))
        ]
    );
    assert_eq!(
        history(&store, "r5").await,
        [
            p1(Opened, None),
            p1(Exempted, Some(format!("exemption {}", e3.id))),
            p1(Exempted, Some(format!("exemption {} (was exemption {})", e6.id, e3.id)))
        ]
    );
    assert_eq!(history(&store, "r2").await, [p1(Opened, None), p1(Resolved, None), p1(Opened, None)], "both episodes");
    let events = store.violation_history("r4").await.expect("violation_history");
    assert_eq!(events[2].exemption_id, Some(e2.id), "a reopening names the exemption that ended");
    assert_eq!(events[2].at, hour(13));
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    assert!(events[0].run_id.is_some() && events[0].run_id != events[2].run_id, "events name their run");
    assert!(history(&store, "nobody").await.is_empty());

    // Run 4: p1 evaluated, nothing found: every live p1 violation resolves, exempted ones too.
    let counts = record(&store, run(hour(14), &["p1"], vec![])).await;
    assert_eq!(counts, ComplianceCounts { resolved: 5, open_total: 2, ..Default::default() }, "fourth run");
    let r5 = latest(&store, "p1", "r5").await;
    assert_eq!((r5.state, r5.exemption_id), (ViolationState::Resolved, Some(e6.id)), "resolved from exempted");
    assert_eq!(history(&store, "r5").await.last().map(|e| e.1), Some(Resolved));
}

pub async fn case_governance_tenant_scoped_runs(store: Arc<dyn Store>) {
    let mut other = finding("p1", "x1");
    other.tenant_id = "t2".into();
    record(&store, run(hour(8), &["p1"], vec![finding("p1", "r1"), other.clone()])).await;
    let mut scoped = run(hour(9), &["p1"], vec![]);
    scoped.tenant_id = Some("t1".into());
    let counts = record(&store, scoped.clone()).await;
    assert_eq!((counts.resolved, counts.open_total), (1, 0), "only t1's violation resolves; totals are t1's");
    assert_eq!(latest(&store, "p1", "x1").await.state, ViolationState::Open, "t2 is not touched");
    scoped.findings = vec![other];
    let err = store.record_compliance(&scoped).await.expect_err("a finding of another tenant");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let runs = store.compliance_runs(10).await.expect("compliance_runs");
    assert_eq!(runs.len(), 2, "a refused run is not recorded");
    assert_eq!(runs[0].tenant_id.as_deref(), Some("t1"));
    let summary = store.compliance_summary(Some("t2")).await.expect("compliance_summary");
    assert_eq!(summary.open, 1);
}

pub async fn case_governance_refused_runs_write_nothing(store: Arc<dyn Store>) {
    let other_policy = add(&store, new_exemption("p9", Some("r1"), None, None)).await;
    let refused = [
        (run(hour(8), &["p1"], vec![finding("p1", "r1"), finding("p1", "r1")]), "twice"),
        (run(hour(8), &["p1"], vec![finding("p2", "r1")]), "not among the policies"),
        (run(hour(8), &["p1"], vec![exempt(finding("p1", "r1"), other_policy.id + 100)]), "does not exist"),
        (run(hour(8), &["p1"], vec![exempt(finding("p1", "r1"), other_policy.id)]), "exempts policy 'p9'"),
        (ComplianceRun { policy_set_version: String::new(), ..run(hour(8), &["p1"], vec![]) }, "version"),
    ];
    for (run, says) in refused {
        let err = store.record_compliance(&run).await.expect_err(says);
        assert!(matches!(err, StoreError::InvalidQuery(_)), "{says}: {err}");
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
    assert!(store.compliance_runs(10).await.expect("compliance_runs").is_empty(), "no run recorded");
    assert!(violations(&store, ViolationQuery::default()).await.is_empty(), "no violation recorded");
}

pub async fn case_governance_exemptions(store: Arc<dyn Store>) {
    let good = new_exemption("p1", Some("r1"), Some("e1"), Some(20));
    for (bad, says) in [
        (NewExemption { reason: String::new(), ..good.clone() }, "reason"),
        (NewExemption { approved_by: " ".into(), ..good.clone() }, "approved"),
        (NewExemption { subject_id: None, environment_id: None, ..good.clone() }, "subject or an environment"),
        (NewExemption { expires_at: Some(hour(1)), ..good.clone() }, "expire"),
    ] {
        let err = store.add_exemption(&bad).await.expect_err(says);
        assert!(matches!(err, StoreError::InvalidQuery(_)), "{says}: {err}");
        assert!(err.to_string().contains(says), "the refusal says what is missing ({says}): {err}");
    }
    assert!(store.list_exemptions(true).await.expect("list_exemptions").is_empty(), "refusals store nothing");

    let a = add(&store, good.clone()).await;
    assert_eq!(
        (a.policy_id.as_str(), a.subject_id.as_deref(), a.environment_id.as_deref(), a.reason.as_str()),
        ("p1", Some("r1"), Some("e1"), "vendor-managed app, reviewed yearly")
    );
    assert_eq!((a.created_at, a.expires_at, a.revoked_at), (hour(1), Some(hour(20)), None));
    assert_eq!((a.requested_by.as_str(), a.approved_by.as_str()), ("maker@contoso.com", "coe-lead@contoso.com"));
    let b = add(&store, new_exemption("p1", None, Some("e2"), None)).await;
    let c = add(&store, new_exemption("p2", Some("r2"), None, Some(5))).await;
    assert!(a.id < b.id && b.id < c.id, "ids increase");

    let err = store.revoke_exemption(c.id + 100, "eve", hour(6)).await.expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let revoked = store.revoke_exemption(b.id, "eve", hour(6)).await.expect("revoke");
    assert_eq!((revoked.revoked_at, revoked.revoked_by.as_deref()), (Some(hour(6)), Some("eve")));
    let err = store.revoke_exemption(b.id, "eve", hour(7)).await.expect_err("twice");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");

    let ids = |list: Vec<Exemption>| list.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_exemptions(true).await.expect("list")), [a.id, b.id, c.id]);
    assert_eq!(ids(store.list_exemptions(false).await.expect("list")), [a.id, c.id], "revoked hidden, expired kept");
    assert_eq!(ids(store.active_exemptions(hour(4)).await.expect("active")), [a.id, b.id, c.id]);
    assert_eq!(ids(store.active_exemptions(hour(8)).await.expect("active")), [a.id], "b revoked at 6, c expired at 5");
    assert!(store.active_exemptions(hour(0)).await.expect("active").is_empty(), "none granted yet");
    let listed = store.list_exemptions(true).await.expect("list");
    for at in [hour(0), hour(4), hour(5), hour(6), hour(8), hour(20)] {
        let expected: Vec<i64> = listed.iter().filter(|e| e.is_active(at)).map(|e| e.id).collect();
        assert_eq!(
            ids(store.active_exemptions(at).await.expect("active")),
            expected,
            "the store agrees with is_active at {at}"
        );
    }
}

pub async fn case_governance_runs_trends_summary_and_lists(store: Arc<dyn Store>) {
    let level = |mut f: ComplianceFinding, level: Level, env: &str| {
        f.level = level;
        f.environment_id = env.into();
        f
    };
    let ex = add(&store, new_exemption("p2", Some("r3"), None, None)).await;
    let first = vec![
        finding("p1", "r1"),
        finding("p1", "r2"),
        finding("p1", "r3"),
        level(finding("p2", "r1"), Level::Must, "e2"),
        exempt(level(finding("p2", "r3"), Level::Must, "e2"), ex.id),
        level(finding("p3", "r4"), Level::Should, "e2"),
        level(finding("p4", "r5"), Level::Could, "e1"),
    ];
    record(&store, run(hour(8), &["p1", "p2", "p3", "p4"], first)).await;
    record(
        &store,
        run(
            hour(9),
            &["p1", "p2", "p3", "p4"],
            vec![finding("p1", "r1"), level(finding("p3", "r4"), Level::Should, "e2")],
        ),
    )
    .await;
    record(&store, run(hour(10), &["p1"], vec![finding("p1", "r1"), finding("p1", "r6")])).await;

    let runs = store.compliance_runs(10).await.expect("compliance_runs");
    let at: Vec<Timestamp> = runs.iter().map(|r| r.at).collect();
    assert_eq!(at, [hour(10), hour(9), hour(8)], "newest first");
    assert!(runs[0].id > runs[1].id && runs[1].id > runs[2].id);
    assert_eq!((runs[2].findings, runs[2].policies_evaluated, runs[2].subjects_evaluated), (7, 4, 100));
    assert_eq!(runs[2].policy_set_version, "v1");
    assert_eq!(
        runs[1].counts,
        ComplianceCounts { resolved: 5, still_open: 2, open_total: 2, ..Default::default() },
        "counts are stored with the run"
    );
    assert_eq!(runs[0].counts, ComplianceCounts { opened: 1, still_open: 1, open_total: 3, ..Default::default() });
    assert_eq!(store.compliance_runs(1).await.expect("compliance_runs").len(), 1, "limit");

    let trend = |policy: Option<&'static str>, limit| {
        let store = store.clone();
        async move {
            store
                .compliance_trend(policy, limit)
                .await
                .expect("compliance_trend")
                .into_iter()
                .map(|p| (p.at, p.open, p.exempted))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(trend(Some("p1"), 10).await, [(hour(8), 3, 0), (hour(9), 1, 0), (hour(10), 2, 0)], "oldest first");
    assert_eq!(trend(Some("p2"), 10).await, [(hour(8), 1, 1), (hour(9), 0, 0)], "only runs that evaluated it");
    assert_eq!(trend(Some("p1"), 2).await, [(hour(9), 1, 0), (hour(10), 2, 0)], "the last runs");
    assert_eq!(trend(None, 10).await, [(hour(8), 6, 1), (hour(9), 2, 0), (hour(10), 3, 0)], "run totals");
    assert!(trend(Some("nope"), 10).await.is_empty());

    let summary = store.compliance_summary(None).await.expect("compliance_summary");
    assert_eq!((summary.open, summary.exempted), (3, 0));
    assert_eq!((summary.open_by_level.must, summary.open_by_level.should, summary.open_by_level.could), (2, 1, 0));
    let by_policy: Vec<(String, Level, u64)> =
        summary.by_policy.iter().map(|p| (p.policy_id.clone(), p.level, p.open)).collect();
    assert_eq!(by_policy, [("p1".into(), Level::Must, 2), ("p3".into(), Level::Should, 1)], "most open first");
    assert_eq!(summary.subjects_with_open_must, 2, "r1 and r6");

    // Summary counts subjects once across policies, and exempted ones apart.
    record(
        &store,
        run(
            hour(11),
            &["p1", "p2"],
            vec![
                finding("p1", "r1"),
                level(finding("p2", "r1"), Level::Must, "e2"),
                exempt(finding("p2", "r3"), ex.id),
            ],
        ),
    )
    .await;
    let summary = store.compliance_summary(None).await.expect("compliance_summary");
    assert_eq!((summary.open, summary.exempted, summary.subjects_with_open_must), (3, 1, 1), "r1 counted once");
    assert!(store.compliance_summary(Some("t9")).await.expect("summary").by_policy.is_empty());

    let mut keys = store.open_violation_keys(None).await.expect("open_violation_keys");
    keys.sort();
    let expected: Vec<(String, String, String)> = [("p1", "r1", "e1"), ("p2", "r1", "e2"), ("p3", "r4", "e2")]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(keys, expected, "open only, not exempted nor resolved");
    assert!(store.open_violation_keys(Some("t9")).await.expect("keys").is_empty());

    // Filters, each against the definition in `ViolationQuery::matches`.
    let all = violations(&store, ViolationQuery::default()).await;
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "by id");
    let queries = [
        ViolationQuery { states: vec![ViolationState::Open], ..Default::default() },
        ViolationQuery { states: vec![ViolationState::Exempted, ViolationState::Resolved], ..Default::default() },
        ViolationQuery { policy_ids: vec!["p2".into(), "p3".into()], ..Default::default() },
        ViolationQuery { levels: vec![Level::Should, Level::Could], ..Default::default() },
        ViolationQuery { environment_id: Some("e2".into()), states: vec![ViolationState::Open], ..Default::default() },
        ViolationQuery { subject_id: Some("r1".into()), ..Default::default() },
        ViolationQuery { tenant_id: Some("t1".into()), ..Default::default() },
        ViolationQuery { tenant_id: Some("t9".into()), ..Default::default() },
        ViolationQuery { resources_among: Some(vec!["r1".into(), "r4".into()]), ..Default::default() },
        ViolationQuery {
            resources_among: Some(vec!["r3".into()]),
            states: vec![ViolationState::Open],
            ..Default::default()
        },
        ViolationQuery { resources_among: Some(vec![]), ..Default::default() },
    ];
    for q in queries {
        let expected: Vec<i64> = all.iter().filter(|v| q.matches(v)).map(|v| v.id).collect();
        let got: Vec<i64> = violations(&store, q.clone()).await.iter().map(|v| v.id).collect();
        assert_eq!(got, expected, "{q:?}");
    }
    let paged: Vec<i64> = violations(&store, ViolationQuery { limit: Some(3), offset: 2, ..Default::default() })
        .await
        .iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(paged, all.iter().skip(2).take(3).map(|v| v.id).collect::<Vec<_>>(), "limit and offset");
    let own = ViolationQuery { resources_among: Some(vec!["r1".into(), "r3".into()]), ..Default::default() };
    let own_all: Vec<i64> = all.iter().filter(|v| own.matches(v)).map(|v| v.id).collect();
    assert!(own_all.len() >= 3 && own_all.len() < all.len(), "the fixture narrows: {own_all:?}");
    let own_page: Vec<i64> =
        violations(&store, ViolationQuery { limit: Some(2), offset: 1, ..own }).await.iter().map(|v| v.id).collect();
    assert_eq!(own_page, own_all[1..3], "a maker's page is cut after narrowing, in the database");
    let beyond = violations(&store, ViolationQuery { offset: 1000, ..Default::default() }).await;
    assert!(beyond.is_empty());
}

/// The policies of [`sample_compliance_run`].
pub const SAMPLE_POLICIES: [&str; 5] = [
    "app-shared-without-justification",
    "orphaned-resource",
    "unused-six-months",
    "premium-connector-in-default",
    "flow-with-http-actions",
];

/// A subject id of [`sample_compliance_run`], GUID-shaped as real resource ids are.
pub fn sample_subject(i: usize) -> String {
    format!("6f1c2d3e-0000-4000-8000-{i:012}")
}

/// A realistic run of `n` findings of tenant `t1`: every subject `i` in `from..` is found by
/// the five [`SAMPLE_POLICIES`] in turn (so `n / 5` subjects), in 37 environments, with the
/// two or three facts a condition reads as evidence. Benchmarks use it too.
pub fn sample_compliance_run(n: usize, from: usize, at: Timestamp) -> ComplianceRun {
    let findings = (0..n)
        .map(|i| {
            let subject = from + i / 5;
            let mut f = finding(SAMPLE_POLICIES[i % 5], &sample_subject(subject));
            f.environment_id = format!("0d5a7c1e-1111-4000-8000-{:012}", subject % 37);
            f.tenant_id = "t1".into();
            f.evidence = serde_json::json!({
                "usage.days_since_last_use": subject % 400,
                "resource.owner_count": subject % 3,
                "resource.shared_users": subject % 90,
            });
            f
        })
        .collect();
    // Every evaluated subject's status, as a real run lists it.
    let statuses = (from..from + n.div_ceil(5))
        .map(|subject| crate::inventory::StatusInput {
            resource_id: sample_subject(subject),
            criticality: Some(steward_model::ImpactLevel::NonCritical),
            service_level: Some("Within 8 hours, business hours".into()),
        })
        .collect();
    ComplianceRun { statuses, ..run(at, &SAMPLE_POLICIES, findings) }
}

pub async fn case_governance_big_run_twice(store: Arc<dyn Store>) {
    const N: usize = 50_000;
    let counts = record(&store, sample_compliance_run(N, 0, hour(8))).await;
    assert_eq!(counts, ComplianceCounts { opened: N as u64, open_total: N as u64, ..Default::default() });
    let counts = record(&store, sample_compliance_run(N, 0, hour(9))).await;
    assert_eq!(
        counts,
        ComplianceCounts { still_open: N as u64, open_total: N as u64, ..Default::default() },
        "the same findings again: all still open"
    );
    for subject in [0, 4321, N / 5 - 1] {
        let id = sample_subject(subject);
        let events = history(&store, &id).await;
        assert_eq!(events.len(), 5, "one `opened` per policy and nothing more for {id}: {events:?}");
        assert!(events.iter().all(|e| e.1 == EventKind::Opened));
    }
    let seen = violations(&store, ViolationQuery { limit: Some(10), ..Default::default() }).await;
    assert!(seen.iter().all(|v| v.last_seen_at == hour(9) && v.opened_at == hour(8)));
    assert_eq!(store.open_violation_keys(None).await.expect("open_violation_keys").len(), N);
    let summary = store.compliance_summary(Some("t1")).await.expect("compliance_summary");
    assert_eq!((summary.open, summary.subjects_with_open_must), (N as u64, (N / 5) as u64));
}
