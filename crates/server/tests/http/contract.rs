//! What every API client relies on: the OpenAPI document, the metrics, one error shape for
//! every refusal (axum's own included), and one paging shape for every list.

use crate::fixtures::RICH;
use crate::support::{header, ids, spawn_app, spawn_with};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

/// The status, and the error body with exactly `code` and `message`.
async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let content_type = header(&response, "content-type");
    let body: Value = response.json().await.unwrap_or_else(|e| panic!("{status}: not JSON ({content_type}): {e}"));
    let error = body["error"].as_object().unwrap_or_else(|| panic!("no `error` object: {body}"));
    assert_eq!(error.len(), 2, "the error shape is exactly code and message: {body}");
    let text = |key: &str| error[key].as_str().unwrap_or_else(|| panic!("{key} is not a string: {body}")).to_string();
    (status, text("code"), text("message"))
}

#[tokio::test]
async fn the_openapi_document_is_public_and_describes_the_api() {
    let app = spawn_app().await;
    let response = app.anonymous().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("application/json"));
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let list = &doc["paths"]["/api/v1/resources"]["get"];
    assert_eq!(list["x-steward-access"], "read");
    assert_eq!(list["responses"]["401"]["$ref"], "#/components/responses/Unauthenticated");
    assert_eq!(doc["paths"]["/api/v1/openapi.json"]["get"]["security"], serde_json::json!([]));
}

/// One request's count in the metrics text, by its labels.
fn count(text: &str, route: &str, status: &str) -> Option<u64> {
    let prefix = format!("steward_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_not_by_path() {
    let app = spawn_app().await;
    for path in [format!("/api/v1/resources/{RICH}"), "/api/v1/resources/no-such-id".into(), "/nowhere".into()] {
        app.get(&path).await;
    }
    let response = app.anonymous().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    assert_eq!(count(&text, "/api/v1/resources/{id}", "2xx"), Some(1), "{text}");
    assert_eq!(count(&text, "/api/v1/resources/{id}", "4xx"), Some(1), "{text}");
    assert_eq!(count(&text, "unmatched", "4xx"), Some(1), "{text}");
    assert!(!text.contains(RICH) && !text.contains("no-such-id"), "raw paths never become labels");
    assert!(text.contains("steward_store_up{backend=\"sqlite\"} 1"), "{text}");
    assert!(text.contains("steward_http_request_duration_seconds_bucket{"), "{text}");
    assert!(text.contains("steward_build_info{version=\""), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
}

#[tokio::test]
async fn a_metrics_token_guards_the_metrics() {
    let app = spawn_with(false, |state| *state = state.clone().with_metrics_token(Some("scrape-me".into()))).await;
    let anonymous = app.anonymous().get(app.url("/metrics")).send().await.unwrap();
    let (status, code, message) = error_of(anonymous).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    assert!(message.contains("metrics_token"), "{message}");
    let scraper = app.anonymous().get(app.url("/metrics")).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(scraper.status(), StatusCode::OK);
}

#[tokio::test]
async fn refusals_made_before_any_handler_answer_in_the_error_shape() {
    let app = spawn_app().await;
    // A path segment that is not UTF-8: axum's Path extractor refuses it.
    let (status, code, message) = error_of(app.get("/api/v1/resources/%FF").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "invalid_parameter"));
    assert!(message.contains("UTF-8"), "{message}");

    // A body over the size limit.
    let big = vec![b'#'; 3 * 1024 * 1024];
    let response = app.client.put(app.url("/api/v1/success/rules")).body(big).send().await.unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));

    // An unknown path and a known path with the wrong method.
    let (status, code, _) = error_of(app.get("/api/v1/nowhere").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let response = app.client.delete(app.url("/api/v1/resources")).send().await.unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));

    // A malformed JSON body.
    let response = app.client.post(app.url("/api/v1/exemptions")).body("{not json").send().await.unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "invalid_parameter"));
}

#[tokio::test]
async fn lists_held_whole_page_like_every_other_list() {
    let app = spawn_app().await;
    let (whole, total) = app.all_pages("/api/v1/policies").await;
    assert!(total > 5, "the built-in pack has more than five policies");
    let (paged, paged_total) = app.all_pages("/api/v1/policies?limit=5").await;
    assert_eq!((paged.len() as u64, paged_total), (total, total));
    assert_eq!(ids(&paged), ids(&whole), "pages visit every policy once, in order");
    assert_eq!(ids(&paged).into_iter().collect::<HashSet<_>>().len(), paged.len());

    let (status, first) = app.json("/api/v1/policies?limit=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["items"].as_array().map(Vec::len), Some(5));
    assert!(first["set"]["version"].is_string(), "the set travels beside the page: {first}");

    for path in ["/api/v1/exemptions", "/api/v1/success/detections", "/api/v1/campaigns", "/api/v1/campaign-tasks"] {
        let (status, body) = app.json(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body["items"].is_array() && body["total"].is_u64() && body["next"].is_null(), "{path}: {body}");
    }
    let (_, runs) = app.json("/api/v1/compliance/runs").await;
    assert!(runs["total"].is_u64() && runs.get("next").is_some(), "{runs}");

    // A cursor of another list is refused, not misread.
    let (_, resources) = app.json("/api/v1/resources?limit=1").await;
    let foreign = resources["next"].as_str().expect("more than one resource");
    let response = app.get(&format!("/api/v1/policies?limit=5&cursor={foreign}")).await;
    let (status, code, message) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "invalid_parameter"));
    assert!(message.contains("cursor"), "{message}");
}
