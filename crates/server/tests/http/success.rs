//! `/api/v1/success/…`: the rule set in use, a dry run that writes nothing, a bad rule set
//! refused with its line, adopting a rule set, listing and reviewing detections.

use crate::fixtures::RICH;
use crate::support::spawn_app;
use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_store_sqlite::SqliteStore;
use steward_success::{DEFAULT_RULES, RuleSet};

const RULES: &str = r#"version = 2

[[rules]]
id = "any-use"
title = "Used at all"
rationale = "A test threshold the fixture estate reaches."
kinds = ["canvas_app", "model_driven_app", "cloud_flow", "agent"]
window_days = 30
all = [{ metric = "uses", at_least = 1 }]
"#;

async fn send(app: &crate::support::TestApp, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("send the request");
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or_else(|e| panic!("{} did not answer JSON: {e}", app.base));
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_dry_run_apply_and_review_over_http() {
    let app = spawn_app().await;
    let url = |path: &str| format!("{}{path}", app.base);

    let (status, body) = app.json("/api/v1/success/rules").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["origin"].as_str(), body["version"].as_u64()), (Some("defaults"), Some(1)));
    assert_eq!(body["toml"].as_str(), Some(DEFAULT_RULES));
    assert_eq!(body["rules"]["rules"].as_array().map(Vec::len), Some(RuleSet::defaults().rules.len()));

    // The oracle: what the library finds on the same database.
    let expected: Vec<String> = {
        let store = SqliteStore::open(&app.db_path().to_string_lossy()).unwrap();
        let rules = RuleSet::parse(RULES, "test").unwrap();
        let today = chrono::Utc::now().date_naive();
        steward_success::evaluate(&store, &rules, today).await.unwrap().into_iter().map(|f| f.resource_id).collect()
    };
    assert!(expected.contains(&RICH.to_string()), "the fixture's launches fire the rule: {expected:?}");

    let (status, dry) = send(&app, app.client.put(url("/api/v1/success/rules")).body(RULES)).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["applied"], false, "a dry run by default");
    let added: Vec<&str> = dry["added"].as_array().unwrap().iter().filter_map(|f| f["resource_id"].as_str()).collect();
    assert_eq!(added, expected, "{dry}");
    let (_, listed) = app.json("/api/v1/success/detections").await;
    assert_eq!(listed["total"], 0, "a dry run records nothing");

    let bad = RULES.replace("\"uses\"", "\"launches\"");
    let (status, err) = send(&app, app.client.put(url("/api/v1/success/rules?apply=true")).body(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    for part in ["the request body", "line 9", "rule 'any-use'", "unknown metric 'launches'"] {
        assert!(message.contains(part), "missing {part:?} in {message}");
    }

    let (status, applied) =
        send(&app, app.client.put(url("/api/v1/success/rules?apply=true&by=ann")).body(RULES)).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["applied"], true);
    let (_, rules) = app.json("/api/v1/success/rules").await;
    assert_eq!((rules["origin"].as_str(), rules["version"].as_u64()), (Some("saved"), Some(2)), "{rules}");
    assert_eq!((rules["saved_by"].as_str(), rules["toml"].as_str()), (Some("ann"), Some(RULES)));
    let (status, stale) = send(&app, app.client.put(url("/api/v1/success/rules?apply=true")).body(RULES)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the same version again is refused: {stale}");
    assert!(stale["error"]["message"].as_str().unwrap().contains("version = 3"), "{stale}");

    let (status, listed) = app.json("/api/v1/success/detections").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let items = listed["items"].as_array().unwrap();
    let mut ids: Vec<&str> = items.iter().filter_map(|d| d["resource_id"].as_str()).collect();
    ids.sort_unstable();
    let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(ids, want);
    let rich = items.iter().find(|d| d["resource_id"] == RICH).unwrap();
    let (_, by_kind) = app.json(&format!("/api/v1/success/detections?kind={}", rich["kind"].as_str().unwrap())).await;
    assert!(by_kind["items"].as_array().unwrap().iter().all(|d| d["kind"] == rich["kind"]), "{by_kind}");
    assert!(by_kind["total"].as_u64().unwrap() >= 1);
    let (status, _) = app.json("/api/v1/success/detections?state=closed").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let id = rich["id"].as_i64().unwrap();
    let state_url = url(&format!("/api/v1/success/detections/{id}/state"));
    let body = json!({ "state": "promoted", "by": "bob", "note": "in the catalogue" });
    let (status, promoted) = send(&app, app.client.post(&state_url).json(&body)).await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    assert_eq!((promoted["state"].as_str(), promoted["state_by"].as_str()), (Some("promoted"), Some("bob")));
    let (_, listed) = app.json("/api/v1/success/detections?state=promoted").await;
    assert_eq!(listed["total"], 1);
    let (_, detail) = app.json(&format!("/api/v1/success/detections/{id}")).await;
    let moves: Vec<(&Value, &Value)> =
        detail["history"].as_array().unwrap().iter().map(|h| (&h["to"], &h["by"])).collect();
    assert_eq!(moves, [(&json!("new"), &json!("steward")), (&json!("promoted"), &json!("bob"))]);

    let (status, err) = send(&app, app.client.post(&state_url).json(&json!({ "state": "new", "by": "eve" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let (status, _) = send(&app, app.client.post(&state_url).body("state=promoted")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not JSON");
    let missing = url("/api/v1/success/detections/999999/state");
    let (status, err) = send(&app, app.client.post(missing).json(&body)).await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{err}");
}
