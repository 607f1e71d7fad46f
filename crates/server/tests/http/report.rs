//! The board report page and its JSON, against the fixture estate. Expected figures are
//! computed from the estate, whose usage happens in the last few days (so, this month).

use crate::fixtures::{RICH, SCRIPT_NAME, TENANT};
use crate::support::spawn_app;
use chrono::{Datelike, Utc};
use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use steward_report::Month;

fn this_month() -> Month {
    Month::of(Utc::now().date_naive())
}

#[tokio::test]
async fn json_report_has_the_months_usage_and_the_leavers_resources() {
    let app = spawn_app().await;
    let month = this_month();
    let (status, body) = app.json(&format!("/api/v1/reports/board?period={month}&tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"]["month"], month.to_string());
    assert_eq!(body["tenant"]["id"], TENANT);
    assert_eq!(body["trends"].as_array().map(Vec::len), Some(12));

    let in_month = |t: &chrono::DateTime<Utc>| t.year() == month.year() && t.month() == month.month();
    let mut uses: BTreeMap<&str, u64> = BTreeMap::new();
    let mut users = BTreeSet::new();
    for e in app.estate.events.iter().filter(|e| e.tenant_id == TENANT && in_month(&e.occurred_at)) {
        *uses.entry(e.resource_id.as_deref().unwrap_or_default()).or_default() += 1;
        users.insert(e.principal_id.clone());
    }
    assert_eq!(body["totals"]["active_users"]["current"], users.len() as u64);
    let top = body["top_by_uses"].as_array().expect("top_by_uses is a list");
    assert_eq!(top.len(), uses.len());
    assert_eq!(top[0]["resource_id"], RICH, "{body}");
    assert_eq!(top[0]["uses"], uses[RICH]);

    let leavers: BTreeSet<&str> =
        app.estate.principals.iter().filter(|p| p.is_leaver()).map(|p| p.id.as_str()).collect();
    let expected: BTreeSet<&str> = app
        .estate
        .live()
        .filter(|r| r.primary_owner().is_some_and(|o| leavers.contains(o)))
        .map(|r| r.id.as_str())
        .collect();
    let got: BTreeSet<&str> = body["leavers_resources"]["items"]
        .as_array()
        .expect("leavers' resources are a list")
        .iter()
        .filter_map(|l| l["resource_id"].as_str())
        .collect();
    assert!(!expected.is_empty(), "the estate has a leaver owning resources");
    assert_eq!(got, expected);
    assert!(body["compliance"].is_null());
}

#[tokio::test]
async fn page_shows_the_report_inside_the_site_layout() {
    let app = spawn_app().await;
    let month = this_month();
    let (status, html) = app.html(&format!("/reports/board?period={month}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("aria-current=\"page\">Board report"), "navigation marks the page");
    assert!(html.contains(&format!("Governance board report: {}", month.long_label())));
    assert!(html.contains(&format!("value=\"{month}\"")), "the month picker shows the period");
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 3, "three charts inline");
    assert!(html.contains("Policies are not configured yet"));
    assert!(!html.contains(SCRIPT_NAME), "outside text is escaped");
    let rich = app.estate.resources.iter().find(|r| r.id == RICH).map(|r| r.display_name.clone());
    assert!(html.contains(&rich.unwrap_or_default()), "the most used resource is listed");
    assert!(html.contains(&format!("/api/v1/reports/board?period={month}")), "links its JSON");
}

#[tokio::test]
async fn default_period_bad_period_and_unknown_tenant() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/reports/board").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["period"]["month"], this_month().minus(1).to_string(), "the last complete month");

    let (status, body) = app.json("/api/v1/reports/board?period=2026-13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_parameter");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("`period`") && message.contains("YYYY-MM"), "{message}");

    let (status, html) = app.html("/reports/board?period=last-month").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("YYYY-MM"), "the error page says how to write a month");

    let (status, body) = app.json("/api/v1/reports/board?tenant=t-nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("t-nope"), "{body}");
}

#[tokio::test]
async fn success_detections_of_the_month_are_the_candidates_with_their_rule_titles() {
    use steward_store::Store;
    use steward_store::success::{DetectionFinding, SuccessEvaluation};

    let app = spawn_app().await;
    let month = this_month();
    // A second handle on the server's SQLite file, as `steward success evaluate` would be.
    let store = steward_store_sqlite::SqliteStore::open(&app.db_path().to_string_lossy()).expect("open the store");
    let finding = DetectionFinding {
        tenant_id: TENANT.into(),
        resource_id: RICH.into(),
        kind: Some(steward_model::ResourceKind::CanvasApp),
        rule_id: "high-use-apps".into(),
        rule_version: 1,
        window_from: month.first_day(),
        window_to: month.last_day(),
        figures: serde_json::json!({"unique_users": 2}),
    };
    store
        .record_success_evaluation(&SuccessEvaluation { rules: None, findings: vec![finding], at: Utc::now() })
        .await
        .expect("record a detection");
    let rules = steward_success::active_rules(&store).await.expect("the default rules");
    let title = rules.rules.rules.iter().find(|r| r.id == "high-use-apps").map(|r| r.title.clone());
    let title = title.expect("the defaults have the high-use app rule");

    let (status, body) = app.json(&format!("/api/v1/reports/board?period={month}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let candidates = body["success_candidates"].as_array().expect("a list");
    assert_eq!(candidates.len(), 1, "{body}");
    assert_eq!(candidates[0]["resource_id"], RICH);
    assert_eq!(candidates[0]["rule_title"], title.as_str());
    assert_eq!(candidates[0]["state"], "new");

    let (_, html) = app.html(&format!("/reports/board?period={month}")).await;
    assert!(!html.contains("No candidates for this period.") && html.contains(&title), "the page lists it");
    let last_month = month.minus(1);
    let (_, body) = app.json(&format!("/api/v1/reports/board?period={last_month}")).await;
    assert_eq!(body["success_candidates"].as_array().map(Vec::len), Some(0), "a window outside the month");
}
