//! Success detection: versioned rule sets, recording evaluations, review states and history.

use super::*;
use crate::StoreError;
use crate::success::{
    DetectionFinding, DetectionQuery, DetectionState, NewRuleSet, RecordCounts, StateChange, SuccessEvaluation,
};
use std::sync::Arc;
use steward_model::ResourceKind;

fn finding(resource: &str, rule: &str, uses: u64) -> DetectionFinding {
    DetectionFinding {
        tenant_id: "t1".into(),
        resource_id: resource.into(),
        kind: Some(ResourceKind::CanvasApp),
        rule_id: rule.into(),
        rule_version: 1,
        window_from: day(2026, 10, 27),
        window_to: day(2026, 11, 23),
        figures: serde_json::json!({ "uses": uses, "unique_users": 3 }),
    }
}

fn evaluation(findings: Vec<DetectionFinding>, hour: u32) -> SuccessEvaluation {
    SuccessEvaluation { rules: None, findings, at: at(2026, 11, 23, hour, 0, 0, 0) }
}

fn change(state: DetectionState, by: &str, hour: u32) -> StateChange {
    StateChange {
        state,
        by: by.into(),
        note: Some(format!("{by} says {state}")),
        at: at(2026, 11, 24, hour, 0, 0, 0),
        expected: None,
    }
}

async fn record(store: &Arc<dyn Store>, e: SuccessEvaluation) -> RecordCounts {
    store.record_success_evaluation(&e).await.unwrap_or_else(|err| panic!("record_success_evaluation: {err}"))
}

async fn only(store: &Arc<dyn Store>, resource: &str, rule: &str) -> crate::success::Detection {
    let q = DetectionQuery { resource_id: Some(resource.into()), rule_id: Some(rule.into()), ..Default::default() };
    let mut found = store.list_detections(&q).await.expect("list_detections");
    assert_eq!(found.len(), 1, "one detection per tenant, resource and rule: {found:?}");
    found.remove(0)
}

pub async fn case_success_rule_sets_are_versioned(store: Arc<dyn Store>) {
    assert!(store.success_rule_sets().await.expect("success_rule_sets").is_empty(), "a new store has no rule set");
    let set =
        |version: u32, by: &str| NewRuleSet { version, toml: format!("version = {version}\n"), saved_by: by.into() };
    let with_rules = |version, by, hour| SuccessEvaluation {
        rules: Some(set(version, by)),
        findings: vec![finding("r1", "a", 10 * u64::from(version))],
        at: at(2026, 11, 23, hour, 0, 0, 0),
    };
    record(&store, with_rules(2, "ann", 8)).await;
    record(&store, with_rules(3, "bob", 9)).await;
    let sets = store.success_rule_sets().await.expect("success_rule_sets");
    let summary: Vec<(u32, &str, bool)> = sets.iter().map(|s| (s.version, s.saved_by.as_str(), s.active)).collect();
    assert_eq!(summary, [(3, "bob", true), (2, "ann", false)], "newest first, only the newest active");
    assert_eq!(sets[0].toml, "version = 3\n", "the text is kept as given");
    assert_eq!(sets[0].saved_at, at(2026, 11, 23, 9, 0, 0, 0), "saved at the evaluation's time");

    let before = only(&store, "r1", "a").await;
    for stale in [3, 1] {
        let err = store.record_success_evaluation(&with_rules(stale, "eve", 10)).await.expect_err("stale version");
        assert!(matches!(err, StoreError::InvalidQuery(_)), "stale version {stale} is the caller's mistake: {err}");
        assert!(err.to_string().contains("version = 4"), "the refusal says which version to use: {err}");
    }
    assert_eq!(store.success_rule_sets().await.expect("success_rule_sets").len(), 2, "a refused set is not saved");
    assert_eq!(only(&store, "r1", "a").await, before, "a refused evaluation records nothing");
}

pub async fn case_success_detections_record_and_keep_review_state(store: Arc<dyn Store>) {
    let counts =
        record(&store, evaluation(vec![finding("r1", "a", 100), finding("r2", "a", 120), finding("r3", "b", 5)], 8))
            .await;
    assert_eq!(counts, RecordCounts { added: 3, updated: 0, deactivated: 0 });
    let r1 = only(&store, "r1", "a").await;
    assert_eq!((r1.state, r1.active, r1.state_by.clone()), (DetectionState::New, true, None));
    assert_eq!(r1.first_detected_at, at(2026, 11, 23, 8, 0, 0, 0));
    assert_eq!(r1.figures, serde_json::json!({ "uses": 100, "unique_users": 3 }), "figures round-trip as JSON");
    assert_eq!(
        (r1.window_from, r1.window_to, r1.kind),
        (day(2026, 10, 27), day(2026, 11, 23), Some(ResourceKind::CanvasApp))
    );
    assert_eq!(store.get_detection(r1.id).await.expect("get_detection"), Some(r1.clone()));
    assert_eq!(store.get_detection(r1.id + 1000).await.expect("get_detection"), None, "unknown id");

    // Reviews: who, when, note, and the history of every move.
    let r2 = only(&store, "r2", "a").await;
    let r3 = only(&store, "r3", "b").await;
    let reviewed = store.set_detection_state(r1.id, &change(DetectionState::Reviewed, "ann", 9)).await.expect("review");
    assert_eq!(reviewed.state, DetectionState::Reviewed);
    assert_eq!(reviewed.state_by.as_deref(), Some("ann"));
    assert_eq!(reviewed.state_at, Some(at(2026, 11, 24, 9, 0, 0, 0)));
    assert_eq!(reviewed.note.as_deref(), Some("ann says reviewed"));
    store.set_detection_state(r1.id, &change(DetectionState::Promoted, "bob", 10)).await.expect("promote");
    // Seen as `new`, still `new`: the move is made.
    let seen = StateChange { expected: Some(DetectionState::New), ..change(DetectionState::Dismissed, "cat", 11) };
    store.set_detection_state(r2.id, &seen).await.expect("dismiss");
    let history = store.detection_history(r1.id).await.expect("detection_history");
    let moves: Vec<(Option<DetectionState>, DetectionState, &str)> =
        history.iter().map(|h| (h.from, h.to, h.by.as_str())).collect();
    assert_eq!(
        moves,
        [
            (None, DetectionState::New, crate::success::EVALUATOR),
            (Some(DetectionState::New), DetectionState::Reviewed, "ann"),
            (Some(DetectionState::Reviewed), DetectionState::Promoted, "bob"),
        ],
        "the history starts with the detection and lists every move in order"
    );
    assert_eq!(history[2].at, at(2026, 11, 24, 10, 0, 0, 0));
    assert_eq!(history[2].note.as_deref(), Some("bob says promoted"));
    assert!(store.detection_history(r1.id + 1000).await.expect("detection_history").is_empty());

    // Refused moves change nothing.
    let err = store.set_detection_state(r1.id, &change(DetectionState::New, "eve", 12)).await.expect_err("back to new");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let err = store.set_detection_state(r1.id, &change(DetectionState::Promoted, "eve", 12)).await.expect_err("same");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let err = store.set_detection_state(r1.id + 1000, &change(DetectionState::Reviewed, "eve", 12)).await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "unknown id: {err:?}");
    // A decision made on what the decider saw: r1 is promoted now, not reviewed any more.
    let late = StateChange { expected: Some(DetectionState::Reviewed), ..change(DetectionState::Dismissed, "eve", 12) };
    let err = store.set_detection_state(r1.id, &late).await.expect_err("stale decision");
    assert!(matches!(&err, StoreError::Conflict(m) if m.contains("`promoted` now (moved by bob)")), "{err}");
    assert_eq!(store.detection_history(r1.id).await.expect("history").len(), 3, "refused moves are not history");

    // Re-detection: figures refresh, review states stay; what no longer fires turns inactive.
    let counts =
        record(&store, evaluation(vec![finding("r1", "a", 150), finding("r2", "a", 160), finding("r4", "a", 101)], 20))
            .await;
    assert_eq!(counts, RecordCounts { added: 1, updated: 2, deactivated: 1 });
    let r1 = only(&store, "r1", "a").await;
    assert_eq!((r1.state, r1.state_by.as_deref()), (DetectionState::Promoted, Some("bob")), "promoted stays promoted");
    assert_eq!(r1.figures["uses"], 150, "figures of the last firing");
    assert_eq!(r1.first_detected_at, at(2026, 11, 23, 8, 0, 0, 0), "first detection kept");
    assert_eq!(r1.last_detected_at, at(2026, 11, 23, 20, 0, 0, 0));
    let r2 = only(&store, "r2", "a").await;
    assert_eq!(
        (r2.state, r2.active),
        (DetectionState::Dismissed, true),
        "dismissed stays dismissed when it fires again"
    );
    assert_eq!(r2.figures["uses"], 160);
    let r3_now = only(&store, "r3", "b").await;
    assert_eq!(
        (r3_now.active, r3_now.state, r3_now.figures.clone()),
        (false, DetectionState::New, r3.figures),
        "no longer fires"
    );
    assert_eq!(store.detection_history(r2.id).await.expect("history").len(), 2, "re-detection adds no history");

    // Filters.
    let ids = |q: DetectionQuery| {
        let store = store.clone();
        async move {
            store
                .list_detections(&q)
                .await
                .expect("list_detections")
                .into_iter()
                .map(|d| d.resource_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(DetectionQuery { active: Some(true), ..Default::default() }).await, ["r1", "r2", "r4"]);
    assert_eq!(ids(DetectionQuery { active: Some(false), ..Default::default() }).await, ["r3"]);
    assert_eq!(ids(DetectionQuery { state: Some(DetectionState::New), ..Default::default() }).await, ["r3", "r4"]);
    assert_eq!(ids(DetectionQuery { rule_id: Some("b".into()), ..Default::default() }).await, ["r3"]);
    assert!(ids(DetectionQuery { kind: Some(ResourceKind::Agent), ..Default::default() }).await.is_empty());
    assert!(ids(DetectionQuery { tenant_id: Some("t2".into()), ..Default::default() }).await.is_empty());

    // Firing again after a pause revives the same detection.
    let counts = record(&store, evaluation(vec![finding("r3", "b", 7)], 21)).await;
    assert_eq!(counts, RecordCounts { added: 0, updated: 1, deactivated: 3 });
    assert!(only(&store, "r3", "b").await.active, "the same detection fires again");

    let err =
        store.record_success_evaluation(&evaluation(vec![finding("r9", "a", 1), finding("r9", "a", 2)], 22)).await;
    assert!(matches!(err, Err(StoreError::InvalidQuery(_))), "duplicate findings are refused: {err:?}");
    assert!(
        store
            .list_detections(&DetectionQuery { resource_id: Some("r9".into()), ..Default::default() })
            .await
            .expect("list")
            .is_empty(),
        "and nothing of them is written"
    );
}
