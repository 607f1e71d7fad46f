//! A compliance run's whole life on a real SQLite store: the built-in pack finds violations,
//! an exemption moves one aside, its expiry reopens it, a fix resolves it, and a dry run of
//! another set reports what adopting it would change.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use std::sync::Arc;
use steward_compliance::run::{CheckOptions, active_set, evaluate, impact, record, save_set};
use steward_model::{ResourceKind, Timestamp};
use steward_policy::builtin::builtin_set;
use steward_responsibility::Config;
use steward_store::Store;
use steward_store::conformance::{Dataset, environment, load, owner, principal, resource, tenant};
use steward_store::governance::{NewExemption, ViolationQuery, ViolationState};
use steward_store_sqlite::SqliteStore;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn at(hours: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).single().unwrap() + Duration::hours(hours)
}

fn options(hours: i64) -> CheckOptions {
    CheckOptions { tenant: Some("t1".into()), day: day(), at: at(hours), threads: 2, only_tracked: false }
}

/// An overshared app without justification (owner active), a justified one, and an orphaned flow.
fn dataset(overshared_users: u32) -> Dataset {
    let mut shared = resource("t1", "e1", "app-shared", ResourceKind::CanvasApp, "Expenses");
    shared.owners = vec![owner("p1")];
    shared.shared_users = overshared_users;
    let mut small = resource("t1", "e1", "app-small", ResourceKind::CanvasApp, "Team rota");
    small.owners = vec![owner("p1")];
    small.shared_users = 3;
    let mut orphan = resource("t1", "e1", "flow-orphan", ResourceKind::CloudFlow, "Nightly export");
    orphan.owners = vec![owner("p2")];
    let mut leaver = principal("t1", "p2", "leaver@t1.example.com");
    leaver.enabled = false;
    Dataset {
        tenants: vec![tenant("t1")],
        environments: vec![environment("t1", "e1")],
        principals: vec![principal("t1", "p1", "maker@t1.example.com"), leaver],
        resources: vec![shared, small, orphan],
        ..Default::default()
    }
}

async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("steward.db").to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    (Arc::new(store), dir)
}

async fn live(store: &Arc<dyn Store>, policy: &str, subject: &str) -> Option<ViolationState> {
    let query = ViolationQuery {
        policy_ids: vec![policy.into()],
        subject_id: Some(subject.into()),
        states: vec![ViolationState::Open, ViolationState::Exempted],
        ..Default::default()
    };
    store.list_violations(&query).await.unwrap().first().map(|v| v.state)
}

#[tokio::test]
async fn violations_open_exempt_reopen_and_resolve() {
    let (store, _dir) = store().await;
    load(&store, &dataset(25)).await;
    let responsibility = Config::defaults();

    let (set, _) = active_set(store.as_ref()).await.unwrap();
    assert_eq!(set.version, builtin_set().version, "nothing adopted: the built-in pack");
    let evaluation = evaluate(store.as_ref(), set.clone(), &options(0), &responsibility).await.unwrap();
    assert!(evaluation.compile_errors.is_empty(), "{:?}", evaluation.compile_errors);
    let counts = record(store.as_ref(), &evaluation, &options(0)).await.unwrap();
    assert!(counts.opened >= 2, "{counts:?}");
    assert_eq!(live(&store, "app-shared-without-justification", "app-shared").await, Some(ViolationState::Open));
    assert_eq!(live(&store, "app-shared-without-justification", "app-small").await, None, "3 users is fine");
    assert_eq!(live(&store, "orphaned-resource", "flow-orphan").await, Some(ViolationState::Open));
    assert_eq!(live(&store, "orphaned-resource", "app-shared").await, None, "owner is active");
    let finding = evaluation.findings.iter().find(|f| &*f.subject_id == "app-shared").unwrap();
    assert_eq!(evaluation.names["app-shared"], "Expenses");
    assert!(
        finding.evidence.iter().any(|(path, value)| *path == "resource.shared_users" && value == 25),
        "the evidence shows the figure that broke the rule: {:?}",
        finding.evidence
    );

    // An exemption for one day moves the violation aside…
    store
        .add_exemption(&NewExemption {
            policy_id: "orphaned-resource".into(),
            subject_id: Some("flow-orphan".into()),
            environment_id: None,
            reason: "hand-over to the new team in progress".into(),
            requested_by: "maker@t1.example.com".into(),
            approved_by: "admin@t1.example.com".into(),
            expires_at: Some(at(24)),
            at: at(1),
        })
        .await
        .unwrap();
    let evaluation = evaluate(store.as_ref(), set.clone(), &options(2), &responsibility).await.unwrap();
    let counts = record(store.as_ref(), &evaluation, &options(2)).await.unwrap();
    assert_eq!((counts.opened, counts.exempted), (0, 1), "{counts:?}");
    assert_eq!(live(&store, "orphaned-resource", "flow-orphan").await, Some(ViolationState::Exempted));

    // …and its expiry reopens it.
    let evaluation = evaluate(store.as_ref(), set.clone(), &options(30), &responsibility).await.unwrap();
    let counts = record(store.as_ref(), &evaluation, &options(30)).await.unwrap();
    assert_eq!(counts.reopened, 1, "{counts:?}");
    assert_eq!(live(&store, "orphaned-resource", "flow-orphan").await, Some(ViolationState::Open));

    // Reducing the sharing resolves the app's violation; the history keeps both steps.
    load(&store, &dataset(5)).await;
    let evaluation = evaluate(store.as_ref(), set.clone(), &options(31), &responsibility).await.unwrap();
    let counts = record(store.as_ref(), &evaluation, &options(31)).await.unwrap();
    assert_eq!(counts.resolved, 1, "{counts:?}");
    assert_eq!(live(&store, "app-shared-without-justification", "app-shared").await, None);
    let history: Vec<String> = store
        .violation_history("app-shared")
        .await
        .unwrap()
        .iter()
        .filter(|e| e.policy_id == "app-shared-without-justification")
        .map(|e| e.kind.to_string())
        .collect();
    assert_eq!(history, ["opened", "resolved"]);
}

#[tokio::test]
async fn a_dry_run_reports_what_a_candidate_set_would_change() {
    let (store, _dir) = store().await;
    load(&store, &dataset(25)).await;
    let responsibility = Config::defaults();
    let (set, _) = active_set(store.as_ref()).await.unwrap();
    let evaluation = evaluate(store.as_ref(), set.clone(), &options(0), &responsibility).await.unwrap();
    record(store.as_ref(), &evaluation, &options(0)).await.unwrap();

    // v2 drops the orphan policy and tightens sharing to 2 users.
    let mut candidate = set.clone();
    candidate.version = "v2".into();
    candidate.policies.retain(|p| p.id != "orphaned-resource");
    for p in candidate.policies.iter_mut().filter(|p| p.id == "app-shared-without-justification") {
        p.params.insert("max_shared_users".into(), steward_policy::cel::ParamValue::Int(2));
    }
    let before = store.open_violation_keys(Some("t1")).await.unwrap();
    let evaluation = evaluate(store.as_ref(), candidate.clone(), &options(1), &responsibility).await.unwrap();
    let exemptions = vec![None; evaluation.findings.len()];
    let change = impact(store.as_ref(), &evaluation, &exemptions, Some("t1"), &Default::default()).await.unwrap();
    assert_eq!(change.by_policy["app-shared-without-justification"].added, 1, "app-small has 3 users > 2");
    assert_eq!(change.by_policy["orphaned-resource"].resolved, 1, "dropped policy resolves its violation");
    assert_eq!(change.added_environments, 1);
    assert_eq!(store.open_violation_keys(Some("t1")).await.unwrap(), before, "a dry run records nothing");

    // Saving is immutable per version: the same content again is a no-op.
    use steward_store::governance::SaveOutcome;
    assert_eq!(save_set(store.as_ref(), &candidate, "cli", at(2)).await.unwrap(), SaveOutcome::Saved);
    assert_eq!(save_set(store.as_ref(), &candidate, "cli", at(3)).await.unwrap(), SaveOutcome::AlreadySaved);
}
