//! Maturity assessments: creation checks, answers replaced with their history (only changes),
//! completed assessments refusing answers, and lists by scope.

use super::*;
use crate::StoreError;
use crate::maturity::{
    AnswerSource, AnswerValue, AssessmentQuery, AssessmentState, ModelRef, NewAnswer, NewAssessment, ScopeKind,
};
use std::sync::Arc;

fn new_assessment(scope: ScopeKind, scope_ref: Option<&str>) -> NewAssessment {
    NewAssessment {
        title: format!("{} review", scope.as_str()),
        scope,
        scope_ref: scope_ref.map(str::to_string),
        models: vec![ModelRef { id: "alm".into(), version: "2023-04-10".into(), digest: "abc".into() }],
        created_by: "ann".into(),
        created_at: at(2026, 11, 1, 9, 0, 0, 0),
    }
}

fn answer(question: &str, value: Option<AnswerValue>, source: AnswerSource, hour: u32) -> NewAnswer {
    NewAnswer {
        question_id: question.into(),
        value,
        source,
        evidence: None,
        comment: None,
        links: Vec::new(),
        by: "bob".into(),
        at: at(2026, 11, 2, hour, 0, 0, 0),
    }
}

pub async fn case_maturity_assessments_round_trip_and_checks(store: Arc<dyn Store>) {
    assert!(store.get_assessment(1).await.expect("get").is_none(), "unknown id is None, not an error");
    assert!(store.assessment_answers(1).await.expect("answers").is_empty());
    assert!(store.answer_history(1).await.expect("history").is_empty());

    let org = store.create_assessment(&new_assessment(ScopeKind::Organisation, None)).await.expect("create org");
    assert_eq!(org.state, AssessmentState::Draft);
    assert_eq!((org.scope, org.scope_ref.clone(), org.answered), (ScopeKind::Organisation, None, 0));
    assert_eq!(org.models[0].digest, "abc");
    assert_eq!(org.created_at, at(2026, 11, 1, 9, 0, 0, 0));
    assert_eq!(store.get_assessment(org.id).await.expect("get"), Some(org.clone()), "round-trips");

    for (bad, why) in [
        (NewAssessment { title: " ".into(), ..new_assessment(ScopeKind::Organisation, None) }, "blank title"),
        (NewAssessment { models: vec![], ..new_assessment(ScopeKind::Organisation, None) }, "no model"),
        (new_assessment(ScopeKind::Solution, None), "a solution without its resource id"),
        (new_assessment(ScopeKind::Organisation, Some("Sales")), "an organisation with a reference"),
    ] {
        match store.create_assessment(&bad).await {
            Err(StoreError::InvalidQuery(_)) => {}
            other => panic!("{why} must be refused, got {other:?}"),
        }
    }

    let sales = store.create_assessment(&new_assessment(ScopeKind::BusinessUnit, Some("Sales"))).await.expect("bu");
    let hr = store.create_assessment(&new_assessment(ScopeKind::BusinessUnit, Some("HR"))).await.expect("bu");
    let app = store.create_assessment(&new_assessment(ScopeKind::Solution, Some("app-1"))).await.expect("solution");
    let ids = |list: Vec<crate::maturity::Assessment>| list.iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_assessments(&AssessmentQuery::default()).await.expect("list")),
        vec![org.id, sales.id, hr.id, app.id]
    );
    let bus = AssessmentQuery { scope: Some(ScopeKind::BusinessUnit), ..Default::default() };
    assert_eq!(ids(store.list_assessments(&bus).await.expect("list")), vec![sales.id, hr.id]);
    let one = AssessmentQuery { scope_ref: Some("app-1".into()), ..Default::default() };
    assert_eq!(ids(store.list_assessments(&one).await.expect("list")), vec![app.id]);
}

pub async fn case_maturity_answers_replace_with_history(store: Arc<dyn Store>) {
    let a = store.create_assessment(&new_assessment(ScopeKind::Organisation, None)).await.expect("create");
    let first = vec![
        NewAnswer {
            evidence: Some("inventory synced 2 hours ago".into()),
            ..answer("admin.monitoring", Some(AnswerValue::YesNo(true)), AnswerSource::Evidence, 8)
        },
        answer("strategy.defined", Some(AnswerValue::Scale(3)), AnswerSource::Manual, 8),
        NewAnswer {
            comment: Some("  see the wiki  ".into()),
            links: vec!["https://wiki/x".into(), " ".into()],
            ..answer("bv.outcomes", Some(AnswerValue::Text("fewer paper forms".into())), AnswerSource::Manual, 8)
        },
    ];
    let counts = store.record_answers(a.id, &first).await.expect("record");
    assert_eq!((counts.changed, counts.unchanged), (3, 0));

    let answers = store.assessment_answers(a.id).await.expect("answers");
    let qids: Vec<&str> = answers.iter().map(|x| x.question_id.as_str()).collect();
    assert_eq!(qids, vec!["admin.monitoring", "bv.outcomes", "strategy.defined"], "by question id");
    let bv = &answers[1];
    assert_eq!(bv.comment.as_deref(), Some("see the wiki"), "comments are trimmed");
    assert_eq!(bv.links, vec!["https://wiki/x".to_string()], "blank links dropped");
    assert_eq!(answers[0].evidence.as_deref(), Some("inventory synced 2 hours ago"));
    assert_eq!(answers[0].source, AnswerSource::Evidence);
    assert_eq!(answers[2].value, Some(AnswerValue::Scale(3)));
    assert_eq!(store.get_assessment(a.id).await.expect("get").map(|x| x.answered), Some(3));

    // The same answers again: nothing changes, nothing is appended.
    let again = store.record_answers(a.id, &first).await.expect("record again");
    assert_eq!((again.changed, again.unchanged), (0, 3));
    assert_eq!(store.answer_history(a.id).await.expect("history").len(), 3);

    // An override keeps the evidence beside the new value; a cleared answer is history too.
    let second = vec![
        NewAnswer {
            evidence: Some("inventory synced 2 hours ago".into()),
            comment: Some("the sync covers one tenant of three".into()),
            ..answer("admin.monitoring", Some(AnswerValue::YesNo(false)), AnswerSource::Override, 10)
        },
        answer("strategy.defined", None, AnswerSource::Manual, 10),
        answer("strategy.demand", Some(AnswerValue::Number(2.5)), AnswerSource::Manual, 10),
    ];
    let counts = store.record_answers(a.id, &second).await.expect("record second");
    assert_eq!((counts.changed, counts.unchanged), (3, 0));
    let answers = store.assessment_answers(a.id).await.expect("answers");
    assert_eq!(answers.len(), 4);
    let monitoring = &answers[0];
    assert_eq!(
        (monitoring.value.clone(), monitoring.source, monitoring.answered_at),
        (Some(AnswerValue::YesNo(false)), AnswerSource::Override, at(2026, 11, 2, 10, 0, 0, 0))
    );
    assert_eq!(monitoring.evidence.as_deref(), Some("inventory synced 2 hours ago"));
    let cleared = answers.iter().find(|x| x.question_id == "strategy.defined").expect("kept as not answered");
    assert_eq!(cleared.value, None);
    assert_eq!(store.get_assessment(a.id).await.expect("get").map(|x| x.answered), Some(3), "cleared not counted");

    let history = store.answer_history(a.id).await.expect("history");
    assert_eq!(history.len(), 6, "three first answers and three changes");
    assert!(history.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    let monitoring_changes: Vec<_> = history
        .iter()
        .filter(|e| e.answer.question_id == "admin.monitoring")
        .map(|e| (e.answer.value.clone(), e.answer.source))
        .collect();
    assert_eq!(
        monitoring_changes,
        vec![
            (Some(AnswerValue::YesNo(true)), AnswerSource::Evidence),
            (Some(AnswerValue::YesNo(false)), AnswerSource::Override)
        ]
    );

    // A refused answer in a batch writes nothing of the batch.
    let bad = vec![
        answer("culture", Some(AnswerValue::Scale(4)), AnswerSource::Manual, 11),
        NewAnswer { by: " ".into(), ..answer("policies", Some(AnswerValue::Scale(2)), AnswerSource::Manual, 11) },
    ];
    assert!(matches!(store.record_answers(a.id, &bad).await, Err(StoreError::InvalidQuery(_))));
    assert_eq!(store.assessment_answers(a.id).await.expect("answers").len(), 4, "nothing of the batch");

    assert!(matches!(
        store.record_answers(a.id + 1000, &second).await,
        Err(StoreError::NotFound { what: "assessment", .. })
    ));
}

pub async fn case_maturity_completed_assessments_take_no_answers(store: Arc<dyn Store>) {
    let a = store.create_assessment(&new_assessment(ScopeKind::Solution, Some("app-1"))).await.expect("create");
    store
        .record_answers(a.id, &[answer("alm.impact", Some(AnswerValue::YesNo(true)), AnswerSource::Manual, 8)])
        .await
        .expect("record");
    let done = store.complete_assessment(a.id, "ann", at(2026, 11, 3, 9, 0, 0, 0)).await.expect("complete");
    assert_eq!(done.state, AssessmentState::Completed);
    assert_eq!((done.completed_by.as_deref(), done.completed_at), (Some("ann"), Some(at(2026, 11, 3, 9, 0, 0, 0))));
    assert_eq!(done.answered, 1);

    match store.record_answers(a.id, &[answer("alm.impact", None, AnswerSource::Manual, 9)]).await {
        Err(StoreError::InvalidQuery(message)) => {
            assert!(message.contains("new assessment"), "says what to do: {message}")
        }
        other => panic!("a completed assessment must refuse answers, got {other:?}"),
    }
    assert!(matches!(
        store.complete_assessment(a.id, "ann", at(2026, 11, 3, 10, 0, 0, 0)).await,
        Err(StoreError::InvalidQuery(_))
    ));
    assert!(matches!(
        store.complete_assessment(a.id + 1000, "ann", at(2026, 11, 3, 10, 0, 0, 0)).await,
        Err(StoreError::NotFound { .. })
    ));
    let completed = AssessmentQuery { state: Some(AssessmentState::Completed), ..Default::default() };
    assert_eq!(store.list_assessments(&completed).await.expect("list").len(), 1);
    assert_eq!(
        store.assessment_answers(a.id).await.expect("answers")[0].value,
        Some(AnswerValue::YesNo(true)),
        "the refused answer changed nothing"
    );
}
