//! The usage API: figures checked against the estate's events, and bad parameters refused
//! with a message that names them.

use crate::fixtures::{RICH, TENANT};
use crate::support::{TestApp, spawn_app};
use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use steward_model::{ResourceKind, UsageEvent};
use steward_usage::trends::{DropParams, sudden_drop};

fn event_day(e: &UsageEvent) -> NaiveDate {
    e.occurred_at.date_naive()
}

fn newest(app: &TestApp) -> NaiveDate {
    app.estate.events.iter().map(event_day).max().expect("the estate has events")
}

/// Uses and distinct users per resource of the events in `[from, to]`.
fn per_resource(app: &TestApp, from: NaiveDate, to: NaiveDate) -> BTreeMap<String, (u64, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (u64, BTreeSet<String>)> = BTreeMap::new();
    for e in app.estate.events.iter().filter(|e| (from..=to).contains(&event_day(e))) {
        let entry = out.entry(e.resource_id.clone().unwrap_or_default()).or_default();
        entry.0 += 1;
        entry.1.insert(e.principal_id.clone().unwrap_or_default());
    }
    out
}

async fn bad_request(app: &TestApp, path: &str) -> String {
    let (status, body) = app.json(path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    assert_eq!(body["error"]["code"], "invalid_parameter", "{body}");
    body["error"]["message"].as_str().unwrap_or_default().to_string()
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|i| i["resource_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn status_says_what_the_usage_store_holds() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/usage/status").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = app.estate.events.iter().map(event_day).min().expect("events");
    assert_eq!(body["records"], app.estate.events.len() as u64);
    assert_eq!(body["first_day"], first.to_string());
    assert_eq!(body["last_day"], newest(&app).to_string());
    assert_eq!(body["days"], (newest(&app) - first).num_days() + 1);
    assert!(body["rollup_rows"].as_u64().is_some_and(|n| n > 0), "{body}");
    assert_eq!(body["sealed_before"], Value::Null);
}

#[tokio::test]
async fn top_ranks_the_window_by_uses_or_users_and_filters_by_kind() {
    let app = spawn_app().await;
    let to = newest(&app);
    let from = to - Days::new(6);
    let expected = per_resource(&app, from, to);
    let (status, body) = app.json("/api/v1/usage/top?days=7").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some(&*from.to_string()), Some(&*to.to_string())));
    let mut by_uses: Vec<(&String, u64)> = expected.iter().map(|(id, (uses, _))| (id, *uses)).collect();
    by_uses.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    assert_eq!(ids(&body["items"]), by_uses.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>());
    let rich = &body["items"][0];
    assert_eq!(rich["resource_id"], RICH);
    assert_eq!(rich["uses"], expected[RICH].0);
    assert_eq!(rich["unique_users"], expected[RICH].1.len() as u64);

    let (_, flows) = app.json("/api/v1/usage/top?days=7&kind=cloud_flow&by=users&limit=5").await;
    let flow_ids: BTreeSet<String> = app
        .estate
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::CloudFlow && expected.contains_key(&r.id))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(ids(&flows["items"]).into_iter().collect::<BTreeSet<_>>(), flow_ids);
    assert!(!flow_ids.is_empty(), "the estate has used flows");

    let message = bad_request(&app, "/api/v1/usage/top?by=fame").await;
    assert!(message.contains("`by`") && message.contains("users"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/top?days=7&from=2025-01-01").await;
    assert!(message.contains("days") && message.contains("from"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/top?to=2025-13-01").await;
    assert!(message.contains("`to`") && message.contains("YYYY-MM-DD"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/top?kind=canvas_app,spreadsheet").await;
    assert!(message.contains("`kind`") && message.contains("spreadsheet"), "{message}");
}

#[tokio::test]
async fn trend_fills_every_day_and_adds_up_the_events() {
    let app = spawn_app().await;
    let to = newest(&app);
    let (status, body) = app.json(&format!("/api/v1/usage/trend?scope=tenant&id={TENANT}&days=10")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let points = body["points"].as_array().expect("points");
    assert_eq!(points.len(), 10, "{body}");
    let from = to - Days::new(9);
    for (i, p) in points.iter().enumerate() {
        let day = from + Days::new(i as u64);
        let uses = app.estate.events.iter().filter(|e| event_day(e) == day).count() as u64;
        assert_eq!(p["start"], day.to_string());
        assert_eq!(p["uses"], uses, "{day}");
    }
    let in_window = app.estate.events.iter().filter(|e| (from..=to).contains(&event_day(e))).count();
    assert_eq!(body["uses"], in_window as u64);

    let (status, body) = app.json(&format!("/api/v1/usage/trend?scope=resource&id={RICH}&period=week&days=14")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"], "week");
    let weekly: u64 = body["points"].as_array().expect("points").iter().filter_map(|p| p["uses"].as_u64()).sum();
    let rich_uses = app.estate.events.iter().filter(|e| e.resource_id.as_deref() == Some(RICH)).count();
    assert_eq!(weekly, rich_uses as u64, "every use of the last days falls in the weeks asked");

    let message = bad_request(&app, "/api/v1/usage/trend?scope=galaxy").await;
    assert!(message.contains("`scope`") && message.contains("environment"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/trend?scope=environment").await;
    assert!(message.contains("`id`"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/trend?from=2025-02-01&to=2025-01-01").await;
    assert!(message.contains("swap"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/trend?days=0").await;
    assert!(message.contains("`days`"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/trend?to=2025-01-01&as_of=2025-01-02").await;
    assert!(message.contains("as_of"), "{message}");
}

#[tokio::test]
async fn inactive_lists_the_unused_resources_of_the_kinds_ever_used() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/usage/inactive").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let used: BTreeSet<&str> = app.estate.events.iter().filter_map(|e| e.resource_id.as_deref()).collect();
    let kinds: BTreeSet<ResourceKind> =
        app.estate.resources.iter().filter(|r| used.contains(r.id.as_str())).map(|r| r.kind).collect();
    // Every resource was created in January 2025: long enough ago for any 90-day window.
    let expected: BTreeSet<String> = app
        .estate
        .resources
        .iter()
        .filter(|r| r.deleted_at.is_none() && kinds.contains(&r.kind) && !used.contains(r.id.as_str()))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(ids(&body["items"]).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(body["total"], expected.len() as u64);
    let judged: Vec<String> = kinds.iter().map(|k| k.as_str().to_string()).collect();
    assert_eq!(body["kinds"], serde_json::json!(judged));
    let first = &body["items"][0];
    assert_eq!(first["never_used"], true);
    assert!(first["owner"].is_string() && first["environment_id"].is_string(), "{first}");

    let (_, limited) = app.json("/api/v1/usage/inactive?never_used=true&kind=agent&limit=2").await;
    assert_eq!(limited["mode"], "never_used");
    assert_eq!(limited["items"].as_array().map(Vec::len), Some(2));
    let agents =
        app.estate.resources.iter().filter(|r| r.deleted_at.is_none() && r.kind == ResourceKind::Agent).count();
    assert_eq!(limited["total"], agents as u64);

    let message = bad_request(&app, "/api/v1/usage/inactive?never_used=maybe").await;
    assert!(message.contains("`never_used`"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/inactive?days=-3").await;
    assert!(message.contains("`days`"), "{message}");
}

#[tokio::test]
async fn anomalies_flag_the_drops_the_parameters_describe() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/usage/anomalies").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"], serde_json::json!([]), "a few uses a day are not busy at 10 a day");
    assert_eq!(body["params"]["min_baseline"], 10.0);

    // Ten days later, every use of the estate is in the baseline and none in the recent week.
    let as_of = newest(&app) + Days::new(10);
    let params = DropParams { min_baseline: 0.1, drop: 0.5, ..DropParams::default() };
    let path = format!("/api/v1/usage/anomalies?as_of={as_of}&min_baseline=0.1&drop=0.5");
    let (status, body) = app.json(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let baseline_from = as_of - Days::new(7 + 28 - 1);
    let baseline_to = as_of - Days::new(7);
    let expected: BTreeSet<String> = per_resource(&app, baseline_from, baseline_to)
        .into_iter()
        .filter(|(_, (uses, _))| sudden_drop(*uses, 0, &params).is_some())
        .map(|(id, _)| id)
        .collect();
    assert!(expected.contains(RICH), "the fixture's busiest resource drops to nothing");
    assert_eq!(ids(&body["items"]).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(body["items"][0]["drop_pct"], 100.0);
    assert_eq!(body["baseline"]["from"], baseline_from.to_string());

    let message = bad_request(&app, "/api/v1/usage/anomalies?drop=2").await;
    assert!(message.contains("drop") && message.contains("at most 1"), "{message}");
    let message = bad_request(&app, "/api/v1/usage/anomalies?min_baseline=lots").await;
    assert!(message.contains("`min_baseline`"), "{message}");
}

#[tokio::test]
async fn resource_usage_gives_every_day_of_the_window() {
    let app = spawn_app().await;
    let to = newest(&app);
    let (status, body) = app.json(&format!("/api/v1/resources/{RICH}/usage?days=7")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let days = body["days"].as_array().expect("days");
    assert_eq!(days.len(), 7);
    let from = to - Days::new(6);
    let expected = per_resource(&app, from, to);
    assert_eq!(body["uses"], expected[RICH].0);
    for (i, d) in days.iter().enumerate() {
        let day = from + Days::new(i as u64);
        let uses =
            app.estate.events.iter().filter(|e| e.resource_id.as_deref() == Some(RICH) && event_day(e) == day).count();
        assert_eq!((d["day"].as_str(), d["uses"].as_u64()), (Some(&*day.to_string()), Some(uses as u64)));
    }
    let active = days.iter().filter(|d| d["uses"].as_u64().is_some_and(|u| u > 0)).count();
    assert_eq!(body["active_days"], active as u64);

    let (status, body) = app.json("/api/v1/resources/r-nowhere/usage").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let message = bad_request(&app, &format!("/api/v1/resources/{RICH}/usage?from=yesterday")).await;
    assert!(message.contains("`from`"), "{message}");
}
