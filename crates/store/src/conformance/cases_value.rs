//! Value records and assessments: potential and actual kept apart, every change a new revision
//! kept in the history, filters, refused records write nothing, concurrent writers get distinct
//! revisions, assessments appended newest first.

use super::*;
use crate::StoreError;
use crate::value::{
    AssessmentAnswer, AssessmentQuery, AssessmentSubject, NewValueAssessment, NewValueRecord, ValueFigures, ValueKind,
    ValueQuery, ValueStory,
};
use std::sync::Arc;

fn record(resource: &str, kind: ValueKind, per_use: i64, by: &str, minute: u32) -> NewValueRecord {
    NewValueRecord {
        resource_id: resource.into(),
        kind,
        figures: ValueFigures {
            users_impacted: Some(40),
            centiminutes_per_use: Some(per_use),
            centiminutes_per_week: None,
            cost_avoided_per_year: Some(1_200_000),
            revenue_enabled_per_year: None,
            currency: "EUR".into(),
        },
        story: ValueStory {
            problem: "Expense claims on paper".into(),
            solution: "A canvas app with approvals".into(),
            obstacles: String::new(),
            value: "Claims paid in two days, not ten".into(),
            next_steps: "Add mileage".into(),
        },
        recorded_by: by.into(),
        recorded_at: at(2026, 11, 3, 10, minute, 0, 0),
    }
}

pub async fn case_value_records_revisions_and_history(store: Arc<dyn Store>) {
    store.migrate().await.expect("migrate");
    let first = store.record_value(&record("app-1", ValueKind::Potential, 500, "mia", 0)).await.expect("record");
    assert_eq!(first.revision, 1);
    let actual = store.record_value(&record("app-1", ValueKind::Actual, 350, "mia", 1)).await.expect("record");
    assert_eq!(actual.revision, 1, "the actual value is its own record, not a revision of the potential one");
    let second = store.record_value(&record("app-1", ValueKind::Potential, 600, "ann", 2)).await.expect("record");
    assert_eq!(second.revision, 2);
    store.record_value(&record("flow-2", ValueKind::Actual, 100, "bob", 3)).await.expect("record");

    let current = store
        .value_records(&ValueQuery { resource_ids: Some(vec!["app-1".into()]), ..Default::default() })
        .await
        .expect("value_records");
    assert_eq!(current.len(), 2, "one current record per kind: {current:?}");
    assert_eq!(current[0].kind, ValueKind::Actual, "ordered by kind within a resource");
    assert_eq!(current[0].figures.centiminutes_per_use, Some(350));
    assert_eq!(current[1].kind, ValueKind::Potential);
    assert_eq!(current[1].revision, 2);
    assert_eq!(current[1].figures.centiminutes_per_use, Some(600));
    assert_eq!(current[1].recorded_by, "ann");
    assert_eq!(current[1], second, "what is read back is what was returned");
    assert_eq!(current[1].story.next_steps, "Add mileage");
    assert_eq!(current[1].figures.cost_avoided_per_year, Some(1_200_000));
    assert_eq!(current[1].recorded_at, at(2026, 11, 3, 10, 2, 0, 0));

    let history = store.value_history("app-1").await.expect("value_history");
    let revisions: Vec<(ValueKind, u32, Option<i64>)> =
        history.iter().map(|r| (r.kind, r.revision, r.figures.centiminutes_per_use)).collect();
    assert_eq!(
        revisions,
        vec![
            (ValueKind::Potential, 2, Some(600)),
            (ValueKind::Actual, 1, Some(350)),
            (ValueKind::Potential, 1, Some(500))
        ],
        "every revision kept, newest first"
    );
    assert!(store.value_history("nothing").await.expect("value_history").is_empty());

    let all = store.value_records(&ValueQuery::default()).await.expect("value_records");
    assert_eq!(all.iter().map(|r| r.resource_id.as_str()).collect::<Vec<_>>(), vec!["app-1", "app-1", "flow-2"]);
    let actual_only =
        store.value_records(&ValueQuery { kind: Some(ValueKind::Actual), ..Default::default() }).await.expect("list");
    assert_eq!(actual_only.len(), 2);
    let by_bob =
        store.value_records(&ValueQuery { recorded_by: Some("bob".into()), ..Default::default() }).await.expect("list");
    assert_eq!(by_bob.len(), 1);
    assert_eq!(by_bob[0].resource_id, "flow-2");
    let none = store.value_records(&ValueQuery { resource_ids: Some(vec![]), ..Default::default() }).await;
    assert!(none.expect("list").is_empty(), "an empty id list matches nothing");
    for r in &all {
        assert!(
            ValueQuery { kind: Some(ValueKind::Actual), ..Default::default() }.matches(r)
                == (r.kind == ValueKind::Actual)
        );
    }
}

pub async fn case_value_records_refused_write_nothing(store: Arc<dyn Store>) {
    store.migrate().await.expect("migrate");
    store.record_value(&record("app-1", ValueKind::Actual, 300, "mia", 0)).await.expect("record");
    let mut bad = record("app-1", ValueKind::Actual, -5, "mia", 1);
    assert!(matches!(store.record_value(&bad).await, Err(StoreError::InvalidQuery(_))));
    bad.figures.centiminutes_per_use = Some(5);
    bad.figures.currency = "euro".into();
    assert!(matches!(store.record_value(&bad).await, Err(StoreError::InvalidQuery(_))));
    bad.figures.currency = "EUR".into();
    bad.recorded_by = " ".into();
    assert!(matches!(store.record_value(&bad).await, Err(StoreError::InvalidQuery(_))));
    let history = store.value_history("app-1").await.expect("history");
    assert_eq!(history.len(), 1, "refused records leave the history alone");
    assert_eq!(history[0].figures.centiminutes_per_use, Some(300));
}

pub async fn case_value_records_race(store: Arc<dyn Store>) {
    store.migrate().await.expect("migrate");
    let mut handles = Vec::new();
    for i in 0..8u32 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store.record_value(&record("app-9", ValueKind::Actual, i64::from(i), "mia", i)).await
        }));
    }
    let mut revisions = Vec::new();
    for h in handles {
        revisions.push(h.await.expect("join").expect("record_value").revision);
    }
    revisions.sort_unstable();
    assert_eq!(revisions, (1..=8).collect::<Vec<u32>>(), "concurrent writers get distinct revisions");
    assert_eq!(store.value_history("app-9").await.expect("history").len(), 8);
}

pub async fn case_value_assessments_append_newest_first(store: Arc<dyn Store>) {
    store.migrate().await.expect("migrate");
    let answer = |q: &str, score: u8| AssessmentAnswer { question_id: q.into(), score, note: format!("on {q}") };
    let new = |subject, id: &str, day: u32, score: u8| NewValueAssessment {
        subject,
        subject_id: id.into(),
        questionnaire: "1".into(),
        answers: vec![answer("strategy.outcomes", score), answer("financial.economic_value", 2)],
        assessed_by: "ann".into(),
        assessed_at: at(2026, 11, day, 9, 0, 0, 0),
    };
    let a1 = store.record_value_assessment(&new(AssessmentSubject::Solution, "app-1", 1, 3)).await.expect("record");
    let a2 = store.record_value_assessment(&new(AssessmentSubject::Solution, "app-1", 5, 4)).await.expect("record");
    store.record_value_assessment(&new(AssessmentSubject::BusinessUnit, "Finance", 2, 5)).await.expect("record");
    assert_ne!(a1.id, a2.id);

    let app = store
        .value_assessments(&AssessmentQuery {
            subject: Some(AssessmentSubject::Solution),
            subject_id: Some("app-1".into()),
        })
        .await
        .expect("value_assessments");
    assert_eq!(app.iter().map(|a| a.id).collect::<Vec<_>>(), vec![a2.id, a1.id], "newest first");
    assert_eq!(app[0], a2);
    assert_eq!(app[0].answers[0].score, 4);
    assert_eq!(app[0].answers[1].note, "on financial.economic_value");

    let units = store
        .value_assessments(&AssessmentQuery { subject: Some(AssessmentSubject::BusinessUnit), subject_id: None })
        .await
        .expect("value_assessments");
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].subject_id, "Finance");
    assert_eq!(store.value_assessments(&AssessmentQuery::default()).await.expect("all").len(), 3);

    let mut bad = new(AssessmentSubject::Solution, "app-1", 6, 9);
    assert!(matches!(store.record_value_assessment(&bad).await, Err(StoreError::InvalidQuery(_))));
    bad.answers.clear();
    assert!(matches!(store.record_value_assessment(&bad).await, Err(StoreError::InvalidQuery(_))));
    assert_eq!(store.value_assessments(&AssessmentQuery::default()).await.expect("all").len(), 3);
}
