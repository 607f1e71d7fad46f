//! The publication workflow: each check failing alone, the moves it allows, approval re-checking,
//! and racing reviewers.

use crate::common::{create, good_fields, listed, store, t};
use steward_catalog::publication::{self, evaluate, passes};
use steward_catalog::{CatalogError, ItemFields, PublicationAction, PublicationState};
use steward_model::LifecycleStage;
use steward_store::Store;
use steward_store::governance::{ComplianceFinding, ComplianceRun, Level, SubjectKind};

/// The ids of the failing checks.
fn failing(fields: &ItemFields, violations: &[&str]) -> Vec<String> {
    let v: Vec<String> = violations.iter().map(|s| s.to_string()).collect();
    evaluate(fields, &v).into_iter().filter(|c| !c.passed).map(|c| c.id).collect()
}

#[test]
fn each_check_fails_alone() {
    let good = ItemFields { resource_id: Some("r1".into()), ..good_fields("Expense claims") };
    let all = evaluate(&good, &[]);
    assert!(passes(&all), "{all:?}");
    assert_eq!(
        all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["description", "owners", "support_tier", "documentation", "screenshots", "violations"]
    );

    let cases: Vec<(&str, ItemFields, Vec<&str>)> = vec![
        ("description", ItemFields { description: "Too short.".into(), ..good.clone() }, vec![]),
        ("description", ItemFields { description: " ".repeat(80), ..good.clone() }, vec![]),
        ("owners", ItemFields { owner: None, ..good.clone() }, vec![]),
        ("owners", ItemFields { backup_owner: None, ..good.clone() }, vec![]),
        ("owners", ItemFields { backup_owner: Some("P-ANN".into()), ..good.clone() }, vec![]),
        ("support_tier", ItemFields { support_tier: None, ..good.clone() }, vec![]),
        ("documentation", ItemFields { documentation_url: None, ..good.clone() }, vec![]),
        (
            "documentation",
            ItemFields { documentation_url: Some("ftp://docs.example.com/x".into()), ..good.clone() },
            vec![],
        ),
        ("documentation", ItemFields { documentation_url: Some("see the wiki".into()), ..good.clone() }, vec![]),
        ("screenshots", ItemFields { screenshots: vec![], ..good.clone() }, vec![]),
        ("screenshots", ItemFields { screenshots: vec!["  ".into()], ..good.clone() }, vec![]),
        ("violations", good.clone(), vec!["dlp-must"]),
    ];
    for (id, fields, violations) in cases {
        assert_eq!(failing(&fields, &violations), [id], "only {id} fails for {fields:?} / {violations:?}");
    }
    let checks = evaluate(&good, &["dlp-must".to_string(), "owner-must".to_string()]);
    let v = checks.iter().find(|c| c.id == "violations").expect("violations check");
    assert!(v.detail.contains("dlp-must") && v.detail.contains("owner-must"), "{}", v.detail);
    // Without a linked resource there is nothing to violate.
    let free = ItemFields { resource_id: None, ..good };
    assert!(failing(&free, &["dlp-must"]).is_empty());
}

async fn violate(store: &dyn Store, resource: &str, policy: &str, level: Level, exemption: Option<i64>) {
    let run = ComplianceRun {
        at: t(7),
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: 1,
        policies: vec![policy.into()],
        findings: vec![ComplianceFinding {
            policy_id: policy.into(),
            policy_version: 1,
            level,
            subject_kind: SubjectKind::Resource,
            subject_id: resource.into(),
            tenant_id: "t1".into(),
            environment_id: "e1".into(),
            evidence: serde_json::json!({}),
            exemption_id: exemption,
        }],
        statuses: vec![],
    };
    store.record_compliance(&run).await.expect("record compliance");
}

#[tokio::test]
async fn submit_and_approve_check_the_resource_violations_each_time() {
    let store = store().await;
    let s = store.as_ref();
    let item =
        create(&store, ItemFields { resource_id: Some("r1".into()), ..good_fields("Travel") }, LifecycleStage::Pilot)
            .await;
    // `should` violations do not block; an open `must` one does.
    violate(s, "r1", "naming-should", Level::Should, None).await;
    let submitted = publication::submit(s, item.id, "p-ann", t(9), Some("please list it")).await.expect("submit");
    assert_eq!(submitted.state, PublicationState::Submitted);
    violate(s, "r1", "dlp-must", Level::Must, None).await;
    let err = publication::approve(s, item.id, "admin", t(10), None).await.expect_err("must violation opened");
    let CatalogError::Checklist(checks) = err else { panic!("expected the checklist, got {err}") };
    assert_eq!(checks.iter().filter(|c| !c.passed).map(|c| c.id.as_str()).collect::<Vec<_>>(), ["violations"]);
    assert_eq!(checks.len(), 6, "every check is returned, not only the failing one");
    assert_eq!(store.get_catalog_item(item.id).await.expect("get").expect("exists").state, PublicationState::Submitted);

    // Rejected with a reason; fixed (the violation resolves) and submitted again; approved.
    let err = publication::reject(s, item.id, "admin", t(10), "  ").await.expect_err("no reason");
    assert!(matches!(err, CatalogError::Invalid(_)), "{err}");
    publication::reject(s, item.id, "admin", t(10), "fix the DLP violation first").await.expect("reject");
    let resolve = ComplianceRun {
        at: t(11),
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: 1,
        policies: vec!["dlp-must".into()],
        findings: vec![],
        statuses: vec![],
    };
    store.record_compliance(&resolve).await.expect("resolve");
    publication::submit(s, item.id, "p-ann", t(12), None).await.expect("resubmit");
    let listed = publication::approve(s, item.id, "admin", t(13), Some("looks good")).await.expect("approve");
    assert_eq!(listed.state, PublicationState::Listed);

    let history = store.publication_history(item.id).await.expect("history");
    let steps: Vec<_> = history.iter().map(|e| (e.action, e.to_state, e.by.as_str())).collect();
    assert_eq!(
        steps,
        [
            (PublicationAction::Create, PublicationState::Draft, "p-ann"),
            (PublicationAction::Submit, PublicationState::Submitted, "p-ann"),
            (PublicationAction::Reject, PublicationState::Rejected, "admin"),
            (PublicationAction::Submit, PublicationState::Submitted, "p-ann"),
            (PublicationAction::Approve, PublicationState::Listed, "admin"),
        ],
        "the refused approval left no trace"
    );
    assert_eq!(history[1].note.as_deref(), Some("please list it"));
    assert_eq!(history[2].note.as_deref(), Some("fix the DLP violation first"));
    assert_eq!(history[4].checklist.len(), 6, "the checklist is recorded with the approval");
    assert!(history[4].checklist.iter().all(|c| c.passed));
    assert!(history[2].checklist.is_empty(), "rejecting checks nothing");
}

#[tokio::test]
async fn an_exempted_violation_does_not_block() {
    let store = store().await;
    let s = store.as_ref();
    let exemption = store
        .add_exemption(&steward_store::governance::NewExemption {
            policy_id: "dlp-must".into(),
            subject_id: Some("r1".into()),
            environment_id: None,
            reason: "legacy connector until March".into(),
            requested_by: "p-ann".into(),
            approved_by: "ciso".into(),
            expires_at: None,
            at: t(1),
        })
        .await
        .expect("exemption");
    violate(s, "r1", "dlp-must", Level::Must, Some(exemption.id)).await;
    let item =
        create(&store, ItemFields { resource_id: Some("r1".into()), ..good_fields("Legacy") }, LifecycleStage::Pilot)
            .await;
    publication::submit(s, item.id, "p-ann", t(9), None).await.expect("an exempted violation is not open");
}

#[tokio::test]
async fn steps_only_from_where_the_workflow_allows() {
    let store = store().await;
    let s = store.as_ref();
    let item = create(&store, good_fields("Leave requests"), LifecycleStage::Idea).await;
    for err in [
        publication::approve(s, item.id, "admin", t(9), None).await.expect_err("approve a draft"),
        publication::reject(s, item.id, "admin", t(9), "no").await.expect_err("reject a draft"),
        publication::withdraw(s, item.id, "p-ann", t(9), None).await.expect_err("withdraw a draft"),
    ] {
        assert!(matches!(&err, CatalogError::NotAllowed(m) if m.contains("draft")), "{err}");
    }
    let missing = publication::submit(s, 9_999, "p-ann", t(9), None).await.expect_err("unknown");
    assert!(matches!(missing, CatalogError::NotFound(9_999)), "{missing}");

    let bad =
        create(&store, ItemFields { screenshots: vec![], ..good_fields("No pictures") }, LifecycleStage::Idea).await;
    let err = publication::submit(s, bad.id, "p-ann", t(9), None).await.expect_err("checklist");
    assert!(matches!(&err, CatalogError::Checklist(_)) && err.to_string().contains("Screenshots"), "{err}");

    let item = listed(&store, good_fields("Listed one")).await;
    let err = publication::submit(s, item.id, "p-ann", t(11), None).await.expect_err("already listed");
    assert!(matches!(err, CatalogError::NotAllowed(_)), "{err}");
    let withdrawn = publication::withdraw(s, item.id, "p-ann", t(11), Some("replaced")).await.expect("withdraw");
    assert_eq!(withdrawn.state, PublicationState::Withdrawn);
    let again = publication::submit(s, item.id, "p-ann", t(12), None).await.expect("a withdrawn item may come back");
    assert_eq!(again.state, PublicationState::Submitted);
}

#[tokio::test]
async fn racing_reviewers_one_wins_the_others_are_told() {
    let store = store().await;
    let item = create(&store, good_fields("Contested"), LifecycleStage::Pilot).await;
    publication::submit(store.as_ref(), item.id, "p-ann", t(9), None).await.expect("submit");
    let mut handles = Vec::new();
    for n in 0..6u32 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let by = format!("admin{n}");
            if n % 2 == 0 {
                publication::approve(store.as_ref(), item.id, &by, t(10), None).await
            } else {
                publication::reject(store.as_ref(), item.id, &by, t(10), "not now").await
            }
        }));
    }
    let mut wins = 0;
    for h in handles {
        match h.await.expect("task") {
            Ok(_) => wins += 1,
            // Read after the winner committed (not allowed from its new state), or read before
            // and found stale when writing: either way nothing was written.
            Err(CatalogError::Stale(now)) => assert_ne!(now.state, PublicationState::Submitted),
            Err(CatalogError::NotAllowed(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(wins, 1, "exactly one reviewer's decision applies");
    let history = store.publication_history(item.id).await.expect("history");
    assert_eq!(history.len(), 3, "create, submit and one decision");
}
