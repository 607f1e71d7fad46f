//! Creating, answering and reporting through the shared operations, on a real SQLite store.

use super::evidence::{context, estate, store};
use steward_assess::Models;
use steward_assess::model::Level;
use steward_assess::service::{self, NewRequest, TypedAnswer};
use steward_store::conformance::at;
use steward_store::maturity::{AnswerSource, AnswerValue, ScopeKind};

#[tokio::test]
async fn create_prefill_override_and_report() {
    let (_dir, store) = store().await;
    estate(&store).await;
    let models = Models::builtin().unwrap_or_else(|e| panic!("{e}"));
    let now = at(2024, 2, 15, 10, 0, 0, 0);
    let request = NewRequest {
        title: None,
        scope: ScopeKind::Organisation,
        scope_ref: None,
        model_ids: vec![],
        by: "ann".into(),
        at: now,
    };
    let (a, evidence) =
        service::create(store.as_ref(), &models, &request, &context(now, vec![])).await.expect("create");
    assert_eq!(a.title, "Organisation maturity 2024-02-15");
    assert_eq!(a.models.len(), 4, "every model with organisation areas");
    assert!(!evidence.is_empty() && a.answered > 0, "evidence pre-filled {} answers", a.answered);

    // Answering a pre-filled question overrides it and keeps the evidence; a bad answer records nothing.
    let typed = vec![
        TypedAnswer {
            question_id: "admin.custom-environments".into(),
            text: "no".into(),
            comment: Some("only one sandbox".into()),
            links: vec![],
        },
        TypedAnswer { question_id: "alignment.common-vision".into(), text: "yes".into(), ..Default::default() },
    ];
    let counts = service::answer(store.as_ref(), &models, &a, &typed, "bob", now).await.expect("answer");
    assert_eq!(counts.changed, 2);
    let answers = store.assessment_answers(a.id).await.expect("answers");
    let custom = answers.iter().find(|x| x.question_id == "admin.custom-environments").expect("answer");
    assert_eq!((custom.source, custom.value.clone()), (AnswerSource::Override, Some(AnswerValue::YesNo(false))));
    assert!(custom.evidence.as_deref().is_some_and(|e| e.contains("environments")));

    let bad = vec![
        TypedAnswer { question_id: "alignment.coe".into(), text: "yes".into(), ..Default::default() },
        TypedAnswer { question_id: "alignment.product-owner".into(), text: "perhaps".into(), ..Default::default() },
        TypedAnswer { question_id: "alm.in-place".into(), text: "yes".into(), ..Default::default() },
    ];
    let e = service::answer(store.as_ref(), &models, &a, &bad, "bob", now).await.expect_err("refused");
    let message = e.to_string();
    assert!(
        message.contains("yes or no, not 'perhaps'") && message.contains("'alm.in-place' is not part"),
        "{message}"
    );
    assert!(store.assessment_answers(a.id).await.expect("answers").iter().all(|x| x.question_id != "alignment.coe"));

    // Refreshing the evidence leaves the override alone.
    service::refresh_evidence(store.as_ref(), &models, &a, &context(now, vec![]), "steward").await.expect("refresh");
    let answers = store.assessment_answers(a.id).await.expect("answers");
    let custom = answers.iter().find(|x| x.question_id == "admin.custom-environments").expect("answer");
    assert_eq!(custom.source, AnswerSource::Override);

    let report = service::report(store.as_ref(), &models, a.id).await.expect("report");
    let alignment = report.scores.iter().flat_map(|m| &m.areas).find(|s| s.area_id == "alignment").expect("alignment");
    assert_eq!(alignment.level, Level(200), "common vision answered yes meets 200: {:?}", alignment.levels);
    assert_eq!(alignment.gaps[0].question_id, "alignment.product-owner", "300 is next");
    let html = steward_assess::html::report_page(&report, None);
    assert!(html.contains("only one sandbox") && html.contains("@media print"));
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["assessment"]["id"], a.id);

    // A second assessment shows progress over the first.
    store.complete_assessment(a.id, "ann", now).await.expect("complete");
    let later = at(2024, 5, 1, 9, 0, 0, 0);
    let (b, _) =
        service::create(store.as_ref(), &models, &NewRequest { at: later, ..request.clone() }, &context(later, vec![]))
            .await
            .expect("second");
    let all_alignment: Vec<TypedAnswer> = ["bottom-up", "common-vision", "product-owner"]
        .iter()
        .map(|q| TypedAnswer { question_id: format!("alignment.{q}"), text: "yes".into(), ..Default::default() })
        .collect();
    service::answer(store.as_ref(), &models, &b, &all_alignment, "bob", later).await.expect("answer");
    let series = service::series(store.as_ref(), &b).await.expect("series");
    let points = steward_assess::report::points(&models, &series);
    let level = |p: &steward_assess::report::Point| {
        p.areas.iter().find(|x| x.area_id == "alignment").map(|x| x.level).expect("alignment")
    };
    assert_eq!(points.iter().map(level).collect::<Vec<_>>(), vec![Level(200), Level(300)]);
    let svg = steward_assess::html::progress_svg(&points).expect("chart");
    assert!(svg.starts_with("<svg") && svg.contains("polyline"));
}
