//! Maturity assessments (issue #8) over HTTP: creating with evidence pre-filled, answering and
//! overriding, history, completion, who may do what, the pages and their forms, the printable
//! report, the ALM decision on the resource page and the findings.

use crate::support::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use steward_model::Role;

/// Alice (the maker) owns r-00 (environment env-fin); r-03 is Bob's (env-sales).
const ALICES: &str = "r-00";
const BOBS: &str = "r-03";

async fn call(app: &TestApp, role: Role, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.client_as(role).request(method, app.url(path));
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

async fn create(app: &TestApp, role: Role, body: Value) -> (StatusCode, Value) {
    call(app, role, Method::POST, "/api/v1/assessments", Some(body)).await
}

fn answer_of<'a>(report: &'a Value, question: &str) -> &'a Value {
    report["questions"]
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["question_id"] == question))
        .unwrap_or_else(|| panic!("question {question} in the report"))
}

#[tokio::test]
async fn an_organisation_assessment_is_prefilled_answered_and_completed() {
    let app = spawn_app().await;
    let (status, a) = create(&app, Role::Admin, json!({"scope": "organisation"})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().expect("id");
    assert_eq!(a["state"], "draft");
    assert!(a["answered"].as_u64().unwrap_or(0) > 0, "evidence pre-filled answers: {a}");

    let (status, report) = app.json(&format!("/api/v1/assessments/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let env = answer_of(&report, "admin.custom-environments");
    assert_eq!(env["answer_source"], "evidence", "{env}");
    assert_eq!(env["answer"], "yes", "production and sandbox environments exist: {env}");
    assert!(env["evidence"].as_str().is_some_and(|e| e.contains("environments")), "{env}");
    assert!(report["scores"].as_array().is_some_and(|s| !s.is_empty()));

    // Answers: an override keeps the evidence; a bad answer records nothing of its batch.
    let body = json!({"answers": [
        {"question_id": "admin.custom-environments", "answer": "no", "comment": "one sandbox for everyone"},
        {"question_id": "alignment.common-vision", "answer": "yes", "links": ["https://wiki.example/vision"]}
    ]});
    let (status, counts) =
        call(&app, Role::Admin, Method::POST, &format!("/api/v1/assessments/{id}/answers"), Some(body)).await;
    assert_eq!((status, counts["changed"].as_u64()), (StatusCode::OK, Some(2)), "{counts}");
    let bad = json!({"answers": [
        {"question_id": "alignment.coe", "answer": "yes"},
        {"question_id": "alignment.product-owner", "answer": "maybe"}
    ]});
    let (status, err) =
        call(&app, Role::Admin, Method::POST, &format!("/api/v1/assessments/{id}/answers"), Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err.to_string().contains("yes or no, not 'maybe'"), "{err}");

    let (_, report) = app.json(&format!("/api/v1/assessments/{id}")).await;
    let env = answer_of(&report, "admin.custom-environments");
    assert_eq!((env["answer_source"].as_str(), env["answer"].as_str()), (Some("override"), Some("no")));
    assert!(env["evidence"].is_string(), "the evidence stays beside the override");
    assert_eq!(answer_of(&report, "alignment.common-vision")["links"][0], "https://wiki.example/vision");
    assert!(answer_of(&report, "alignment.coe")["answer"].is_null(), "nothing of the refused batch");

    // Reading the evidence again keeps the override.
    let (status, _) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/assessments/{id}/evidence"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, report) = app.json(&format!("/api/v1/assessments/{id}")).await;
    assert_eq!(answer_of(&report, "admin.custom-environments")["answer_source"], "override");

    let (status, history) = app.json(&format!("/api/v1/assessments/{id}/history")).await;
    assert_eq!(status, StatusCode::OK);
    let changes: Vec<&Value> =
        history.as_array().into_iter().flatten().filter(|e| e["question_id"] == "admin.custom-environments").collect();
    assert_eq!(changes.len(), 2, "evidence, then the override: {history}");

    let (status, done) =
        call(&app, Role::Admin, Method::POST, &format!("/api/v1/assessments/{id}/complete"), None).await;
    assert_eq!((status, done["state"].as_str()), (StatusCode::OK, Some("completed")), "{done}");
    let late = json!({"answers": [{"question_id": "alignment.coe", "answer": "yes"}]});
    let (status, err) =
        call(&app, Role::Admin, Method::POST, &format!("/api/v1/assessments/{id}/answers"), Some(late)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a completed assessment refuses answers: {err}");

    let (_, trail) = app.json(&format!("/api/v1/audit?target=assessment:{id}")).await;
    let actions: Vec<&str> =
        trail["items"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str()).collect();
    for action in ["assessment.create", "assessment.answer", "assessment.evidence", "assessment.complete"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }

    let (status, progress) = app.json(&format!("/api/v1/assessments/{id}/progress")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(progress["columns"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn who_may_create_answer_and_read() {
    let app = spawn_app().await;
    let (status, _) = create(&app, Role::Maker, json!({"scope": "organisation"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "makers do not assess the organisation");
    let (status, _) = create(&app, Role::Viewer, json!({"scope": "solution", "scope_ref": ALICES})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers read only");
    let (status, _) = create(&app, Role::Maker, json!({"scope": "solution", "scope_ref": BOBS})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a maker cannot see another's resource");
    let (status, mine) = create(&app, Role::Maker, json!({"scope": "solution", "scope_ref": ALICES})).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let (status, _) =
        create(&app, Role::EnvironmentAdmin, json!({"scope": "business_unit", "scope_ref": "Finance"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = create(&app, Role::Admin, json!({"scope": "business_unit"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a business unit needs its name");
    let (status, bobs) = create(&app, Role::Admin, json!({"scope": "solution", "scope_ref": BOBS})).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, listed) = call(&app, Role::Maker, Method::GET, "/api/v1/assessments", None).await;
    assert_eq!(status, StatusCode::OK);
    let refs: Vec<&str> = listed.as_array().into_iter().flatten().filter_map(|a| a["scope_ref"].as_str()).collect();
    assert!(refs.contains(&ALICES) && refs.contains(&"Finance") && !refs.contains(&BOBS), "{refs:?}");
    let (status, _) = call(&app, Role::Maker, Method::GET, &format!("/api/v1/assessments/{}", bobs["id"]), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let answer = json!({"answers": [{"question_id": "alm.prerequisites.devops", "answer": "yes"}]});
    let path = format!("/api/v1/assessments/{}/answers", mine["id"]);
    let (status, _) = call(&app, Role::Maker, Method::POST, &path, Some(answer.clone())).await;
    assert_eq!(status, StatusCode::OK, "the maker answers their solution's assessment");
    let (status, _) = call(&app, Role::Viewer, Method::POST, &path, Some(answer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The ALM decision: the maker sees their own resource's, not another's.
    let (status, d) = call(&app, Role::Maker, Method::GET, &format!("/api/v1/resources/{ALICES}/alm"), None).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["assessment_id"], mine["id"]);
    assert!(["now", "later", "not_needed", "in_place"].contains(&d["fit"].as_str().unwrap_or_default()));
    let (status, _) = call(&app, Role::Maker, Method::GET, &format!("/api/v1/resources/{BOBS}/alm"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, f) = call(&app, Role::Viewer, Method::GET, "/api/v1/maturity/alm/findings", None).await;
    assert_eq!((status, f["threshold"].as_str()), (StatusCode::OK, Some("high")), "{f}");
}

#[tokio::test]
async fn the_pages_show_answer_and_print() {
    let app = spawn_app().await;
    let (_, a) = create(&app, Role::Admin, json!({"scope": "organisation", "title": "Spring review"})).await;
    let id = a["id"].as_i64().expect("id");

    let (status, list) = app.html("/maturity").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/maturity\"") && list.contains("Spring review"), "nav item and the assessment");

    let (status, page) = app.html(&format!("/maturity/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Levels per area") && page.contains("Alignment") && page.contains("Recommended actions"));

    let (status, form) = app.html(&format!("/maturity/{id}/areas/alignment")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"a:alignment.coe\""), "one field per question");

    let response = app
        .client
        .post(app.url(&format!("/maturity/{id}/areas/alignment")))
        .form(&[
            ("a:alignment.coe", "yes"),
            ("c:alignment.coe", "since March"),
            ("l:alignment.coe", "https://wiki.example/coe"),
        ])
        .send()
        .await
        .expect("post the form");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::support::header(&response, "location"), format!("/maturity/{id}#area-alignment"));
    let (_, report) = app.json(&format!("/api/v1/assessments/{id}")).await;
    let coe = answer_of(&report, "alignment.coe");
    assert_eq!((coe["answer"].as_str(), coe["comment"].as_str()), (Some("yes"), Some("since March")));

    let (status, print) = app.html(&format!("/maturity/{id}/print")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(print.contains("@media print") && print.contains("Spring review") && print.contains("since March"));

    let (status, resource) = app.html(&format!("/resources/{ALICES}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(resource.contains("Managed ALM:"), "the ALM decision on the resource page");

    for path in ["/maturity/compare", "/maturity/alm"] {
        let (status, _) = app.html(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (status, _) = app.html("/maturity/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
