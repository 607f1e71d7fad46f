//! Governance over HTTP: policies and sets, violations, compliance, exemptions, responsibility,
//! the compliance page, the resource page's governance sections and the board report's
//! compliance. Runs are recorded the way `steward check` records them, through a second handle
//! on the server's SQLite file.

use crate::fixtures::{RICH, SCRIPT_NAME, TENANT};
use crate::support::{TestApp, hrefs, spawn_app};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_compliance::run::{CheckOptions, active_set, evaluate, record, save_set};
use steward_policy::builtin::builtin_set;
use steward_policy::model::Level;
use steward_responsibility::Config;
use steward_store::Store;
use steward_store_sqlite::SqliteStore;

/// The policy the fixture's widely shared app (`RICH`, shared with everyone, no justification) violates.
const SHARED: &str = "app-shared-without-justification";

fn store(app: &TestApp) -> SqliteStore {
    SqliteStore::open(&app.db_path().to_string_lossy()).expect("open the server's SQLite file")
}

/// Evaluate the active set over every tenant and record the run, as `steward check` does.
async fn check(app: &TestApp) {
    let store = store(app);
    let (set, _) = active_set(&store).await.expect("the active set");
    let now = Utc::now();
    let options = CheckOptions { tenant: None, day: now.date_naive(), at: now, threads: 1, only_tracked: false };
    let evaluation = evaluate(&store, set, &options, &Config::defaults()).await.expect("evaluate");
    assert!(evaluation.compile_errors.is_empty(), "{:?}", evaluation.compile_errors);
    record(&store, &evaluation, &options).await.expect("record the run");
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) -> String {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"].as_object().map(|o| o.len()), Some(2), "the one error shape: {body}");
    body["error"]["message"].as_str().unwrap_or_default().to_string()
}

async fn post(app: &TestApp, path: &str, body: &str) -> (StatusCode, Value) {
    send(app, reqwest::Method::POST, path, body).await
}

async fn put(app: &TestApp, path: &str, body: &str) -> (StatusCode, Value) {
    send(app, reqwest::Method::PUT, path, body).await
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, body: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send the request");
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or_else(|e| panic!("{path} did not answer JSON: {e}"));
    (status, body)
}

fn ids(body: &Value, list: &str, field: &str) -> Vec<String> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is a list: {body}"))
        .iter()
        .map(|v| v[field].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn policies_sets_and_their_diff() {
    let app = spawn_app().await;
    let builtin = builtin_set();
    let (status, body) = app.json("/api/v1/policies").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["set"], json!({"version": builtin.version, "origin": "builtin", "active": true}));
    assert_eq!(body["total"], builtin.policies.len());
    let listed = ids(&body, "items", "id");
    let mut expected: Vec<String> = builtin.policies.iter().map(|p| p.id.clone()).collect();
    expected.sort();
    assert_eq!(listed, expected, "every policy, by id");
    let shared = body["items"].as_array().and_then(|l| l.iter().find(|p| p["id"] == SHARED)).cloned();
    let shared = shared.expect("the shared-app policy is built in");
    for field in
        ["title", "level", "subject", "effect", "tracked", "params", "condition", "remediation", "source", "scope"]
    {
        assert!(!shared[field].is_null(), "{field} missing: {shared}");
    }
    assert_eq!(shared["level"], "must");
    assert_eq!(shared["params"]["max_shared_users"], 20);

    let (status, body) = app.json(&format!("/api/v1/policies/{SHARED}?set=builtin")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["policy"]["id"], SHARED);
    assert_eq!((body["open"].as_u64(), body["exempted"].as_u64()), (Some(0), Some(0)), "nothing recorded yet");
    let (status, body) = app.json("/api/v1/policies/no-such-policy").await;
    assert!(assert_error(status, &body, StatusCode::NOT_FOUND, "not_found").contains("no-such-policy"));
    let (status, body) = app.json("/api/v1/policies?set=v9").await;
    assert!(assert_error(status, &body, StatusCode::NOT_FOUND, "not_found").contains("v9"));

    // A stricter v2: one policy removed, one level changed, saved and adopted.
    let mut v2 = builtin.clone();
    v2.version = "v2".into();
    let removed = v2.policies.remove(0).id;
    let changed = v2.policies.iter_mut().find(|p| p.level != Level::Must).expect("a policy below must");
    changed.level = Level::Must;
    let changed = changed.id.clone();
    let store = store(&app);
    save_set(&store, &v2, "ana", Utc::now()).await.expect("save v2");
    store.adopt_policy_set("v2", "ana", Utc::now()).await.expect("adopt v2");

    let (status, body) = app.json("/api/v1/policy-sets").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], "v2");
    assert_eq!(body["builtin_version"], builtin.version.as_str());
    assert_eq!(ids(&body, "versions", "version"), ["v2"]);
    assert_eq!(body["adoptions"][0]["adopted_by"], "ana");
    let (_, body) = app.json("/api/v1/policies").await;
    assert_eq!(body["set"], json!({"version": "v2", "origin": "adopted", "active": true}));
    assert_eq!(body["total"], builtin.policies.len() - 1);
    let (_, body) = app.json("/api/v1/policies?set=builtin").await;
    assert_eq!(body["set"]["active"], false, "the pack is no longer in use");

    let (status, body) = app.json("/api/v1/policy-sets/builtin/diff/v2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body, "removed", "id"), [removed]);
    assert_eq!(ids(&body, "changed", "id"), [changed]);
    assert!(body["added"].as_array().is_some_and(Vec::is_empty));
    let (status, body) = app.json("/api/v1/policy-sets/v2/diff/v7").await;
    assert!(assert_error(status, &body, StatusCode::NOT_FOUND, "not_found").contains("v7"));
}

#[tokio::test]
async fn violations_summary_runs_and_trend_after_a_run() {
    let app = spawn_app().await;
    let (status, body) = app.json("/api/v1/compliance/summary").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["open"].as_u64(), body["last_run"].is_null()), (Some(0), true));
    check(&app).await;

    let (status, body) = app.json("/api/v1/violations?limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let all = body["items"].as_array().cloned().unwrap_or_default();
    assert!(!all.is_empty(), "the fixture violates the built-in pack");
    assert!(body["next_offset"].is_null());
    let shared: Vec<&Value> = all.iter().filter(|v| v["policy_id"] == SHARED).collect();
    assert!(shared.iter().any(|v| v["subject_id"] == RICH), "the app shared with everyone");
    assert_eq!(shared[0]["state"], "open");
    assert!(shared[0]["policy_title"].as_str().is_some_and(|t| t.contains("justification")));
    assert!(shared[0]["remediation"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(shared[0]["evidence"].is_object());

    // Filters.
    let (_, body) = app.json(&format!("/api/v1/violations?policy={SHARED}&state=open&level=must&limit=1000")).await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(shared.len()));
    let (_, body) = app.json(&format!("/api/v1/violations?resource={RICH}&limit=1000")).await;
    assert!(body["items"].as_array().is_some_and(|l| !l.is_empty() && l.iter().all(|v| v["subject_id"] == RICH)));
    let (_, body) = app.json("/api/v1/violations?state=resolved").await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0));

    // Paging: one row at a time, no overlap, the whole list.
    let mut seen: Vec<i64> = Vec::new();
    let mut offset = Some(0u64);
    while let Some(o) = offset {
        let (status, body) = app.json(&format!("/api/v1/violations?limit=1&offset={o}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(body["items"].as_array().into_iter().flatten().filter_map(|v| v["id"].as_i64()));
        offset = body["next_offset"].as_u64();
        assert!(seen.len() <= all.len(), "paging never ends");
    }
    let every: Vec<i64> = all.iter().filter_map(|v| v["id"].as_i64()).collect();
    assert_eq!(seen, every, "every row once, in order");

    for (query, parameter) in
        [("state=closed", "`state`"), ("level=may", "`level`"), ("limit=0", "`limit`"), ("offset=-3", "`offset`")]
    {
        let (status, body) = app.json(&format!("/api/v1/violations?{query}")).await;
        assert!(assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter").contains(parameter));
    }

    let (status, body) = app.json("/api/v1/compliance/summary").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["open"].as_u64(), Some(all.len() as u64));
    assert!(body["open_by_level"]["must"].as_u64().unwrap_or(0) >= 1);
    assert!(!body["last_run"].is_null());
    let summary_policy =
        body["by_policy"].as_array().and_then(|l| l.iter().find(|p| p["policy_id"] == SHARED)).cloned();
    assert!(summary_policy.is_some_and(|p| p["title"].is_string()));
    let (_, body) = app.json(&format!("/api/v1/compliance/summary?tenant={TENANT}")).await;
    assert!(body["open"].as_u64().unwrap_or(0) <= all.len() as u64);

    let (status, body) = app.json("/api/v1/compliance/runs").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["items"][0]["counts"]["opened"].as_u64(), Some(all.len() as u64));

    let (status, body) = app.json("/api/v1/compliance/trend").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["points"][0]["open"].as_u64(), Some(all.len() as u64));
    let (_, body) = app.json(&format!("/api/v1/compliance/trend?policy={SHARED}")).await;
    assert_eq!(body["points"][0]["open"].as_u64(), Some(shared.len() as u64));
    let (status, body) = app.json("/api/v1/compliance/trend?policy=nope").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    let (status, body) = app.json(&format!("/api/v1/resources/{RICH}/violations")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(ids(&body, "current", "policy_id").contains(&SHARED.to_string()));
    assert!(body["history"].as_array().is_some_and(|h| h.iter().any(|e| e["kind"] == "opened")));
    assert!(body["resolved"].as_array().is_some_and(Vec::is_empty));
    let (status, body) = app.json("/api/v1/resources/r-nope/violations").await;
    assert!(assert_error(status, &body, StatusCode::NOT_FOUND, "not_found").contains("r-nope"));
}

#[tokio::test]
async fn exemptions_are_granted_apply_at_the_next_run_and_are_revoked() {
    let app = spawn_app().await;
    check(&app).await;
    let good = json!({
        "policy_id": SHARED,
        "resource_id": RICH,
        "reason": "vendor-supported app, reviewed by the board",
        "approved_by": "Board",
        "expires_at": "2099-12-31",
    });
    let (status, body) = post(&app, "/api/v1/exemptions", &good.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "active");
    assert_eq!(body["subject_id"], RICH);
    assert_eq!(body["requested_by"], "Board", "defaults to the approver");
    assert_eq!(body["expires_at"], "2100-01-01T00:00:00Z", "to the end of the day");
    let id = body["id"].as_i64().expect("an id");

    // Validation: every refusal is a 400 with the reason.
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut without = |field: &str, says: &'static str| {
        let mut b = good.clone();
        if let Some(o) = b.as_object_mut() {
            o.remove(field);
        }
        cases.push((b, says));
    };
    without("reason", "reason");
    without("approved_by", "approved");
    without("resource_id", "subject or an environment");
    let mut with = |field: &str, value: Value, says: &'static str| {
        let mut b = good.clone();
        b[field] = value;
        cases.push((b, says));
    };
    with("policy_id", json!("no-such-policy"), "no policy 'no-such-policy'");
    with("resource_id", json!("r-nope"), "no resource 'r-nope'");
    with("expires_at", json!("2001-01-01"), "later expiry");
    with("expires_at", json!("someday"), "YYYY-MM-DD");
    with("colour", json!("red"), "unknown field");
    for (body, says) in cases {
        let (status, answer) = post(&app, "/api/v1/exemptions", &body.to_string()).await;
        let message = assert_error(status, &answer, StatusCode::BAD_REQUEST, "invalid_parameter");
        assert!(message.contains(says), "{says}: {message}");
    }
    let (status, body) = post(&app, "/api/v1/exemptions", "not json").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");

    let (_, body) = app.json("/api/v1/exemptions").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["id"], id);
    let (_, body) = app.json(&format!("/api/v1/exemptions?policy={SHARED}&resource={RICH}")).await;
    assert_eq!(body["total"], 1);

    // The next run moves the violation aside.
    check(&app).await;
    let (_, body) = app.json(&format!("/api/v1/violations?state=exempted&resource={RICH}")).await;
    assert_eq!(ids(&body, "items", "policy_id"), [SHARED]);
    assert_eq!(body["items"][0]["exemption_id"], id);

    let path = format!("/api/v1/exemptions/{id}/revoke");
    let (status, body) = post(&app, &path, "{}").await;
    assert!(assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter").contains("by"));
    let (status, body) = post(&app, &path, r#"{"by": "Ana"}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["status"].as_str(), body["revoked_by"].as_str()), (Some("revoked"), Some("Ana")));
    let (status, body) = post(&app, &path, r#"{"by": "Ana"}"#).await;
    assert!(assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter").contains("already revoked"));
    for missing in ["/api/v1/exemptions/999/revoke", "/api/v1/exemptions/abc/revoke"] {
        let (status, body) = post(&app, missing, r#"{"by": "Ana"}"#).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, body) = app.json(&path).await;
    assert!(assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").contains("POST"));
    let (_, body) = app.json("/api/v1/exemptions").await;
    assert_eq!(body["total"], 0, "revoked ones only with all=true");
    let (_, body) = app.json("/api/v1/exemptions?all=true").await;
    assert_eq!(body["total"], 1);

    // The next run reopens it; the history tells the whole story.
    check(&app).await;
    let (_, body) = app.json(&format!("/api/v1/resources/{RICH}/violations")).await;
    let kinds: Vec<String> = body["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter(|e| e["policy_id"] == SHARED)
                .map(|e| e["kind"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(kinds, ["opened", "exempted", "reopened"]);
    assert_eq!(body["exemptions"][0]["status"], "revoked");
}

#[tokio::test]
async fn responsibility_of_a_resource() {
    let app = spawn_app().await;
    let (status, body) = app.json(&format!("/api/v1/resources/{RICH}/responsibility")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = &body["responsibility"];
    assert_eq!(r["declared_impact"], "high", "the fixture declares high impact");
    assert!(r["criticality"] == "high" || r["criticality"] == "critical", "{r}");
    assert!(r["reasons"].as_array().is_some_and(|l| !l.is_empty()), "every level says why");
    assert!(r["service_level"]["response"].is_string());
    assert!(r["support_profile"]["profile"].is_string());
    let users = app.estate.events.iter().filter(|e| e.resource_id.as_deref() == Some(RICH)).count();
    assert_eq!(body["input"]["uses_30d"].as_u64(), Some(users as u64));
    assert_eq!(body["input"]["users_30d"], 2);
    let makers = r["raci"]["roles"].as_array().and_then(|l| l.iter().find(|h| h["role"] == "maker")).cloned();
    let summary = makers.map(|m| m["summary"].as_str().unwrap_or_default().to_string()).unwrap_or_default();
    assert!(summary.contains("Alice Ng"), "owners by name: {summary}");
    let (status, body) = app.json("/api/v1/resources/r-nope/responsibility").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn compliance_page_without_and_with_runs() {
    let app = spawn_app().await;
    let (status, html) = app.html("/compliance").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("aria-current=\"page\">Compliance"), "navigation marks the page");
    assert!(html.contains("No compliance run has been recorded yet"));
    assert!(html.contains("No violations match these filters."));
    assert!(!html.contains("<script"), "readable without JavaScript");
    assert!(html.contains(&format!("href=\"/compliance?policy={SHARED}#violations\"")), "policies link to their list");

    check(&app).await;
    let (status, html) = app.html("/compliance").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Latest compliance run"));
    assert_eq!(html.matches("<svg class=\"chart-svg\"").count(), 1, "the trend chart");
    assert!(html.contains(&format!("href=\"/resources/{RICH}\"")), "violations link to their resource");
    assert!(!html.contains(SCRIPT_NAME), "outside text is escaped");
    assert!(html.contains("Recent runs") && !html.contains("No compliance run recorded yet."));

    // Filters live in the URL.
    let (status, html) = app.html(&format!("/compliance?policy={SHARED}&level=must")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<option value=\"{SHARED}\" selected>")));
    assert!(html.contains("<option value=\"must\" selected>"));
    assert!(html.contains("<option value=\"open\" selected>"), "open by default");
    let rows =
        |html: &str| -> Vec<String> { hrefs(html).into_iter().filter(|h| h.starts_with("/resources/")).collect() };
    assert_eq!(rows(&html), [format!("/resources/{RICH}")], "only that policy's violations");

    // And survive paging: one row per page, no overlap.
    let (_, html) = app.html("/compliance?state=open&policy=orphaned-resource&limit=1").await;
    let first = rows(&html);
    let next = hrefs(&html).into_iter().find(|h| h.contains("offset=")).expect("a next-page link");
    assert!(
        next.contains("state=open") && next.contains("policy=orphaned-resource") && next.contains("limit=1"),
        "{next}"
    );
    let (_, page_two) = app.html(&next).await;
    let second = rows(&page_two);
    assert!(page_two.contains("rel=\"prev\""));
    assert_eq!(first.len() + second.len(), 2, "one row per page");
    assert_ne!(first, second, "pages do not overlap");
    let (_, html) = app.html("/compliance?state=resolved").await;
    assert!(html.contains("No violations match these filters."));
    let (status, html) = app.html("/compliance?state=closed").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("resolved"), "the error page lists the states");
}

#[tokio::test]
async fn resource_page_shows_responsibility_and_violations() {
    let app = spawn_app().await;
    let (status, html) = app.html(&format!("/resources/{RICH}")).await;
    assert_eq!(status, StatusCode::OK);
    for text in
        ["Criticality", "Service level", "Support risk profile", "Responsibilities", "Platform admin team", "Alice Ng"]
    {
        assert!(html.contains(text), "{text} missing");
    }
    assert!(html.contains("No open or exempted violation."));

    check(&app).await;
    let (_, html) = app.html(&format!("/resources/{RICH}")).await;
    let remediation = builtin_set().get(SHARED).map(|p| p.remediation.clone()).unwrap_or_default();
    let start: String = remediation.chars().take(40).collect();
    assert!(html.contains(&start), "the remediation text is shown");
    assert!(html.contains("resource.shared_with_everyone"), "with the evidence");
    assert!(html.contains("Violation history") && html.contains(">Opened<"));
}

#[tokio::test]
async fn board_report_shows_compliance_after_a_run() {
    let app = spawn_app().await;
    let (_, body) = app.json("/api/v1/reports/board").await;
    assert!(body["compliance"].is_null(), "no run: not configured");
    check(&app).await;
    let (status, body) = app.json(&format!("/api/v1/reports/board?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let policies = body["compliance"]["policies"].as_array().cloned().unwrap_or_default();
    assert_eq!(policies.len(), builtin_set().policies.len(), "every evaluated policy");
    let shared = policies.iter().find(|p| p["policy_id"] == SHARED).cloned().expect("the shared-app policy");
    let apps = app.estate.live().filter(|r| r.kind.is_app()).count() as u64;
    assert_eq!(shared["in_scope"].as_u64(), Some(apps), "its scope is apps");
    let figure = |k: &str| shared[k].as_u64().unwrap_or(0);
    assert!(figure("non_compliant") >= 1);
    assert_eq!(figure("compliant") + figure("non_compliant") + figure("exempt"), figure("in_scope"));

    let (_, html) = app.html("/reports/board").await;
    assert!(!html.contains("Policies are not configured yet"));
    assert!(html.contains("Non-compliant") && html.contains("In scope"));
}

/// Writes the governance pages after a run to `$STEWARD_WEB_SAMPLE_DIR`, for a look by eye.
#[tokio::test]
async fn write_sample_pages_when_asked() {
    let Ok(dir) = std::env::var("STEWARD_WEB_SAMPLE_DIR") else { return };
    let app = spawn_app().await;
    check(&app).await;
    for (path, file) in [
        ("/compliance", "compliance.html"),
        (&*format!("/resources/{RICH}"), "resource.html"),
        ("/reports/board", "board.html"),
    ] {
        let (_, html) = app.html(path).await;
        std::fs::write(format!("{dir}/{file}"), html).expect("write a sample page");
    }
}

#[tokio::test]
async fn a_declared_justification_resolves_the_sharing_violation() {
    let app = spawn_app().await;
    check(&app).await;
    let path = format!("/api/v1/violations?policy={SHARED}&resource={RICH}&state=open");
    let (_, body) = app.json(&path).await;
    assert_eq!(ids(&body, "items", "subject_id"), [RICH], "the widely shared app violates {SHARED}: {body}");

    let declared = json!({ "justification": "Every store manager files expenses here", "handover_done": true });
    let (status, body) = put(&app, &format!("/api/v1/resources/{RICH}/governance"), &declared.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["justification"], "Every store manager files expenses here");
    assert_eq!(body["handover_done"], true);
    let (_, stored) = app.json(&format!("/api/v1/resources/{RICH}/governance")).await;
    assert_eq!(stored, body, "GET answers what PUT saved");

    check(&app).await;
    let (_, body) = app.json(&path).await;
    assert!(ids(&body, "items", "subject_id").is_empty(), "resolved once justified: {body}");

    let (status, body) = put(&app, &format!("/api/v1/resources/{RICH}/governance"), r#"{"justificaton": "x"}"#).await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    assert!(message.contains("justificaton"), "names the unknown field: {message}");
    let (status, body) = put(&app, "/api/v1/resources/nope/governance", "{}").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    app.stop().await.expect("stop");
}
