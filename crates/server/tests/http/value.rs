//! Business value over HTTP: makers record value for their own resources only (others' answer
//! 404, viewers 403), every change is a new revision and an audit entry, bad figures are refused
//! without touching the stored record, the ROI report is narrowed for makers, assessments of
//! business units are for admins, and the pages show the computed value with its explanation.

use crate::fixtures::RICH;
use crate::support::{TestApp, spawn_app};
use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_model::Role;

/// A resource of p-bob (the maker is p-alice): see the fixture's owner rotation.
const BOBS: &str = "r-03";

/// Forty days up to today: the fixture's recent usage falls in it.
fn recent() -> String {
    let today = Utc::now().date_naive();
    let from = today.checked_sub_days(Days::new(40)).unwrap_or(today);
    format!("{from}..{today}")
}

async fn put(app: &TestApp, role: Role, id: &str, kind: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .client_as(role)
        .put(app.url(&format!("/api/v1/value/resources/{id}/{kind}")))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn makers_record_value_for_their_own_resources_with_every_revision_kept() {
    let app = spawn_app().await;
    let body = json!({"minutes_per_use": 6, "users_impacted": 25, "problem": "Paper forms", "currency": "USD"});
    let (status, first) = put(&app, Role::Maker, RICH, "actual", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["revision"], 1);
    assert_eq!(first["figures"]["centiminutes_per_use"], 600);
    assert_eq!(first["recorded_by"], "maker");
    let (status, second) = put(&app, Role::Maker, RICH, "actual", json!({"minutes_per_use": "7.5"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second["revision"], 2);
    let (status, potential) = put(&app, Role::Maker, RICH, "potential", json!({"minutes_per_week": 120})).await;
    assert_eq!((status, potential["revision"].clone()), (StatusCode::OK, json!(1)), "potential is its own record");

    // Refused: another's resource (not visible to a maker), a viewer, a negative figure, a bad kind.
    assert_eq!(put(&app, Role::Maker, BOBS, "actual", body.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(put(&app, Role::Viewer, RICH, "actual", body.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, error) = put(&app, Role::Maker, RICH, "actual", json!({"minutes_per_use": -3})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("negative"), "{error}");
    assert_eq!(put(&app, Role::Maker, RICH, "someday", body.clone()).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(put(&app, Role::Admin, BOBS, "actual", body).await.0, StatusCode::OK, "admins record for anyone");

    let (status, view) = app.json(&format!("/api/v1/value/resources/{RICH}?period={}", recent())).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["records"].as_array().map(Vec::len), Some(2));
    assert_eq!(view["history"].as_array().map(Vec::len), Some(3), "every revision kept");
    let actual = &view["records"][0];
    assert_eq!(
        (actual["kind"].clone(), actual["figures"]["centiminutes_per_use"].clone()),
        (json!("actual"), json!(750))
    );
    // Ten launches in the window × 7.5 min = 75 min = 1.25 h × 50.00 (the default rate) = 62.50.
    let computed = &view["computed"]["actual"];
    assert_eq!(computed["total"], 6250, "{computed}");
    let formula = computed["lines"][0]["formula"].as_str().unwrap_or_default();
    assert!(formula.starts_with("10 uses × 7.50 min ÷ 60 × 50.00 USD/h"), "{formula}");
    assert_eq!(view["roi"]["state"], "not_available", "no cost imported: {}", view["roi"]);

    // The audit trail has each change, with the record before and after.
    let (_, audit) = app.json("/api/v1/audit?action=value.").await;
    let entries = audit["items"].as_array().cloned().unwrap_or_default();
    let records: Vec<&Value> = entries.iter().filter(|e| e["action"] == "value.record").collect();
    assert_eq!(records.len(), 4, "{audit}");
    assert!(records.iter().any(|e| e["before"]["revision"] == 1 && e["after"]["revision"] == 2));
}

#[tokio::test]
async fn the_roi_report_is_narrowed_for_makers_and_pages_explain_the_value() {
    let app = spawn_app().await;
    assert_eq!(put(&app, Role::Maker, RICH, "actual", json!({"minutes_per_use": 6})).await.0, StatusCode::OK);
    assert_eq!(put(&app, Role::Admin, BOBS, "actual", json!({"cost_avoided_per_year": 3650})).await.0, StatusCode::OK);
    let period = recent();

    let (status, report) = app.json(&format!("/api/v1/value/report?period={period}")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let keys = |r: &Value| -> Vec<String> {
        r["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row["key"].as_str().map(str::to_string))
            .collect()
    };
    let mut all = keys(&report);
    all.sort();
    assert_eq!(all, vec![RICH.to_string(), BOBS.to_string()]);
    // 3,650.00 per year × 41 days ÷ 365 = 410.00; 10 uses × 6 min = 1 h × 50.00 = 50.00.
    assert_eq!(report["total"]["value"], 46_000, "{}", report["total"]);
    assert_eq!(report["total"]["roi"]["state"], "not_available");

    let maker = app.client_as(Role::Maker);
    let mine: Value = maker
        .get(app.url(&format!("/api/v1/value/report?period={period}")))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(keys(&mine), vec![RICH.to_string()], "a maker sees their own resources only");
    assert_eq!(mine["total"]["value"], 5000);
    let bobs = maker.get(app.url(&format!("/api/v1/value/resources/{BOBS}"))).send().await.expect("send");
    assert_eq!(bobs.status(), StatusCode::NOT_FOUND);

    let (status, page) = app.html(&format!("/value/roi?period={period}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Business value and ROI report") && page.contains("How the values were computed"));
    assert!(page.contains("10 uses × 6.00 min ÷ 60 × 50.00 USD/h = 50.00 USD"), "the explanation is shown");
    let (status, page) = app.html("/value").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/value\"") && page.contains("aria-current"), "the nav has Value");
    let (status, page) = app.html(&format!("/resources/{RICH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"value\"") && page.contains("Record value"), "the resource page has the section");
    let (status, _) = app.html("/value?period=soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_value_form_records_and_assessments_score_per_area() {
    let app = spawn_app().await;
    let maker = app.client_as(Role::Maker);
    let response = maker
        .post(app.url(&format!("/resources/{RICH}/value")))
        .form(&[("kind", "potential"), ("minutes_per_use", "4"), ("solution", "An app"), ("users_impacted", "")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "sent back to the resource page");
    assert_eq!(crate::support::header(&response, "location"), format!("/resources/{RICH}#value"));
    let (_, view) = app.json(&format!("/api/v1/value/resources/{RICH}")).await;
    assert_eq!(view["records"][0]["kind"], "potential");
    assert_eq!(view["records"][0]["story"]["solution"], "An app");

    let answers = json!([{"question_id": "strategy.outcomes", "score": 4}, {"question_id": "financial.economic_value", "score": 3}]);
    let post = |client: reqwest::Client, body: Value| {
        let url = app.url("/api/v1/value/assessments");
        async move { client.post(url).json(&body).send().await.expect("send") }
    };
    let response = post(maker.clone(), json!({"subject": "solution", "subject_id": RICH, "answers": answers})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let scored: Value = response.json().await.expect("json");
    assert_eq!(scored["scores"][0]["percent"], 80);
    assert_eq!(scored["scores"][2]["percent"], 60);
    let unit = json!({"subject": "business_unit", "subject_id": "Finance", "answers": answers});
    assert_eq!(post(maker.clone(), unit.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(post(app.client_as(Role::Admin), unit).await.status(), StatusCode::OK);
    let unknown = json!({"subject": "solution", "subject_id": RICH, "answers": [{"question_id": "nope", "score": 1}]});
    assert_eq!(post(maker.clone(), unknown).await.status(), StatusCode::BAD_REQUEST);
    let others = json!({"subject": "solution", "subject_id": BOBS, "answers": answers});
    assert_eq!(post(maker, others).await.status(), StatusCode::NOT_FOUND);
    let (_, view) = app.json(&format!("/api/v1/value/resources/{RICH}")).await;
    assert_eq!(view["assessments"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn business_units_are_assessed_on_their_own_pages_by_admins() {
    let app = spawn_app().await;
    let period = recent();
    assert_eq!(put(&app, Role::Admin, RICH, "actual", json!({"minutes_per_use": 6})).await.0, StatusCode::OK);
    let form = [
        ("csrf", ""),
        ("unit", "Finance"),
        ("strategy.outcomes", "4"),
        ("financial.economic_value", "3"),
        ("technology.skills", ""),
    ];

    // A maker may not assess a business unit; an admin may, and lands on the unit's page.
    let maker =
        app.client_as(Role::Maker).post(app.url("/value/business-units")).form(&form).send().await.expect("send");
    assert_eq!(maker.status(), StatusCode::FORBIDDEN);
    let admin = app.client_as(Role::Admin);
    let response = admin.post(app.url("/value/business-units")).form(&form).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::support::header(&response, "location"), "/value/business-units/Finance");
    let unnamed = [("csrf", ""), ("unit", " "), ("strategy.outcomes", "4")];
    let response = admin.post(app.url("/value/business-units")).form(&unnamed).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a unit must be named");
    let bad = [("csrf", ""), ("unit", "Finance"), ("strategy.outcomes", "9")];
    let response = admin.post(app.url("/value/business-units")).form(&bad).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "scores run 0-5");

    // The API lists it (names compared without case), with its scores.
    let (status, listed) = app.json("/api/v1/value/assessments?subject=business_unit&subject_id=finance").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed.as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "one assessment; the refused ones are not stored");
    assert_eq!(listed[0]["subject_id"], "Finance");
    assert_eq!(listed[0]["assessed_by"], "admin");
    assert_eq!(listed[0]["scores"][0]["percent"], 80);
    assert_eq!(listed[0]["scores"][2]["percent"], 60);
    assert_eq!(app.json("/api/v1/value/assessments?subject=nobody").await.0, StatusCode::BAD_REQUEST);

    // Business units: the ROI report's (with their figures) and every assessed one.
    let (_, report) = app.json(&format!("/api/v1/value/report?period={period}")).await;
    let (status, units) = app.json(&format!("/api/v1/value/business-units?period={period}")).await;
    assert_eq!(status, StatusCode::OK, "{units}");
    let units = units.as_array().cloned().unwrap_or_default();
    let finance = units.iter().find(|u| u["name"] == "Finance").expect("Finance is listed");
    assert_eq!(
        (finance["assessments"].clone(), finance["latest"]["scores"][0]["percent"].clone()),
        (json!(1), json!(80))
    );
    for row in report["business_units"].as_array().into_iter().flatten().filter(|r| r["key"] != "") {
        let unit = units.iter().find(|u| u["name"] == row["key"]).unwrap_or_else(|| panic!("{row} missing"));
        assert_eq!(unit["roi"], *row, "the unit's figures are the report's");
    }

    // The pages: the list with the latest scores, the unit with its answers, forms for admins only.
    let (status, page) = app.html(&format!("/value/business-units?period={period}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/value/business-units/Finance?period="), "the unit links to its page");
    assert!(page.contains("Business strategy viability 80% (1 of 5 answered)"), "latest scores shown");
    assert!(page.contains("action=\"/value/business-units\"") && page.contains("name=\"csrf\""), "admins get the form");
    let (status, page) = app.html("/value/business-units/Finance").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Financial viability 60% (1 of 4 answered)"), "scores per area");
    assert!(page.contains("4 of 5"), "answers shown");
    assert!(page.contains("name=\"unit\" value=\"Finance\""), "the form assesses this unit");
    let viewer = app.client_as(Role::Viewer).get(app.url("/value/business-units/Finance")).send().await.expect("send");
    assert_eq!(viewer.status(), StatusCode::OK);
    let viewer_page = viewer.text().await.expect("text");
    assert!(viewer_page.contains("80%") && !viewer_page.contains("action=\"/value/business-units\""), "read only");
    let (_, page) = app.html("/value").await;
    assert!(page.contains("href=\"/value/business-units?period="), "linked from /value");
    let (_, audit) = app.json("/api/v1/audit?action=value.assess").await;
    assert!(audit.to_string().contains("business_unit:Finance"), "{audit}");
}
