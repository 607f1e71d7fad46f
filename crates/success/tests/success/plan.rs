//! Changing a threshold: what it would add and stop, adopting it, and review states surviving
//! re-evaluation.

use crate::support::{Usage, as_of, store};
use steward_model::ResourceKind;
use steward_store::success::{DetectionQuery, DetectionState, StateChange};
use steward_success::{DEFAULT_RULES, RuleSet, SuccessError, active_rules, apply, evaluate_and_record, plan};

/// The defaults with the high-use app threshold changed and the version raised.
fn app_threshold(uses: u32, version: u32) -> String {
    let text = DEFAULT_RULES.replace("version = 1", &format!("version = {version}")).replace(
        r#"all = [{ metric = "uses", at_least = 100 }]"#,
        &format!(r#"all = [{{ metric = "uses", at_least = {uses} }}]"#),
    );
    assert!(text.contains(&format!("at_least = {uses} }}]")) && text.contains(&format!("version = {version}")));
    text
}

async fn loaded() -> crate::support::TestStore {
    let s = store().await;
    Usage::new()
        .resource("a120", ResourceKind::CanvasApp)
        .resource("a90", ResourceKind::CanvasApp)
        .resource("a70", ResourceKind::CanvasApp)
        .spread("a120", 120, 20)
        .spread("a90", 90, 20)
        .spread("a70", 70, 20)
        .load(&s.store)
        .await;
    s
}

fn high_use(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lowering_then_raising_a_threshold_shows_and_applies_the_change() {
    let s = loaded().await;
    let store = s.store.as_ref();
    let first = evaluate_and_record(store, as_of()).await.unwrap();
    assert_eq!((first.rules_origin.as_str(), first.rules_version), ("defaults", 1));
    assert_eq!((first.findings, first.added), (4, 4), "a120 is high use; all three are CoE production apps");

    // Dry run: lowering to 80 adds a90 and removes nothing; nothing is written.
    let lower = RuleSet::parse(&app_threshold(80, 2), "lower.toml").unwrap();
    let change = plan(store, &lower, as_of()).await.unwrap();
    assert_eq!(high_use(change.added.iter().map(|f| f.resource_id.clone())), ["a90"]);
    assert!(change.removed.is_empty() && change.still == 4 && !change.applied, "{change:?}");
    assert_eq!(change.summary(), "adds 1 detection, removes 0 (4 still fire)");
    assert_eq!(active_rules(store).await.unwrap().origin(), "defaults", "a plan saves nothing");
    assert_eq!(store.list_detections(&DetectionQuery::default()).await.unwrap().len(), 4, "a plan records nothing");

    // Apply it: version 2 is saved and active, a90 is detected.
    let text = app_threshold(80, 2);
    let applied = apply(store, &lower, &text, "board", as_of()).await.unwrap();
    assert!(applied.applied);
    assert_eq!(applied.added, change.added, "apply does what the plan said");
    let active = active_rules(store).await.unwrap();
    assert_eq!((active.origin(), active.rules.version, active.toml.as_str()), ("saved", 2, text.as_str()));
    assert_eq!(active.saved.as_ref().map(|s| s.saved_by.as_str()), Some("board"));
    let a90 = store
        .list_detections(&DetectionQuery {
            resource_id: Some("a90".into()),
            rule_id: Some("high-use-apps".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((a90.len(), a90[0].rule_version, a90[0].active), (1, 2, true));

    // Raising to 100 again removes a90 and nothing else; a stale version is refused.
    let stale = RuleSet::parse(&app_threshold(100, 2), "raise.toml").unwrap();
    let err = plan(store, &stale, as_of()).await.unwrap_err();
    assert!(matches!(err, SuccessError::StaleVersion { version: 2, current: 2 }), "{err}");
    assert!(err.to_string().contains("version = 3"), "{err}");
    let raise = RuleSet::parse(&app_threshold(100, 3), "raise.toml").unwrap();
    let change = plan(store, &raise, as_of()).await.unwrap();
    assert!(change.added.is_empty(), "{change:?}");
    let removed: Vec<(&str, &str)> =
        change.removed.iter().map(|d| (d.rule_id.as_str(), d.resource_id.as_str())).collect();
    assert_eq!(removed, [("high-use-apps", "a90")]);
    assert_eq!(change.still, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_states_survive_re_evaluation() {
    let s = loaded().await;
    let store = s.store.as_ref();
    evaluate_and_record(store, as_of()).await.unwrap();
    let coe = |id: &str| DetectionQuery {
        resource_id: Some(id.into()),
        rule_id: Some("coe-production-apps".into()),
        ..Default::default()
    };
    let a70 = store.list_detections(&coe("a70")).await.unwrap().remove(0);
    let a90 = store.list_detections(&coe("a90")).await.unwrap().remove(0);
    let by = |state, who: &str| StateChange {
        state,
        by: who.into(),
        note: Some("seen in the board".into()),
        at: chrono::Utc::now(),
        expected: None,
    };
    store.set_detection_state(a70.id, &by(DetectionState::Dismissed, "ann")).await.unwrap();
    store.set_detection_state(a90.id, &by(DetectionState::Promoted, "bob")).await.unwrap();

    let again = evaluate_and_record(store, as_of()).await.unwrap();
    assert_eq!((again.added, again.updated, again.deactivated), (0, 4, 0));
    let a70 = store.get_detection(a70.id).await.unwrap().unwrap();
    let a90 = store.get_detection(a90.id).await.unwrap().unwrap();
    assert_eq!((a70.state, a70.state_by.as_deref(), a70.active), (DetectionState::Dismissed, Some("ann"), true));
    assert_eq!((a90.state, a90.state_by.as_deref()), (DetectionState::Promoted, Some("bob")));

    // A later day when nothing was used: every detection stops firing, states are kept.
    let later = as_of().checked_add_days(chrono::Days::new(60)).unwrap();
    let quiet = evaluate_and_record(store, later).await.unwrap();
    assert_eq!((quiet.findings, quiet.deactivated), (0, 4));
    let a70 = store.get_detection(a70.id).await.unwrap().unwrap();
    assert_eq!((a70.state, a70.active), (DetectionState::Dismissed, false));
}
