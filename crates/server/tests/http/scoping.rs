//! Makers see only their own resources in every list that names resources, not only in the
//! inventory: violations, exemptions and exemption requests, campaign tasks, usage figures,
//! success detections, the board report, the compliance page and the overview. Viewers,
//! environment admins and admins see every row. The expectation for the maker is computed from
//! the fixture estate (the resources p-alice owns or created) applied to the admin's answer,
//! and each list is first checked to hold rows of both kinds, so that narrowing shows.

use crate::fixtures::{RICH, TENANT, usage};
use crate::support::{TestApp, spawn_app};
use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use steward_campaigns::feed::{StartOptions, start};
use steward_campaigns::{CampaignConfig, CampaignKind};
use steward_compliance::run::{CheckOptions, active_set, evaluate, record};
use steward_model::{Role, Share, ShareRole, ShareTarget, UsageKind};
use steward_responsibility::Config;
use steward_store::Store;
use steward_store_sqlite::SqliteStore;

/// The maker's principal (see `support::USERS`).
const MAKER: &str = "p-alice";
/// Resources of p-alice and of p-bob (fixture: owners rotate every three resources).
const ALICES_IN_SALES: &str = "r-02";
const BOBS_IN_SALES: &str = "r-03";
const BOBS_BUSY: &str = "r-04";
const BOBS_IN_FIN: &str = "r-12";

const RULES: &str = r#"version = 2

[[rules]]
id = "any-use"
title = "Used at all"
rationale = "A test threshold the fixture estate reaches."
kinds = ["canvas_app", "model_driven_app", "cloud_flow", "agent"]
window_days = 30
all = [{ metric = "uses", at_least = 1 }]
"#;

/// A drop the anomaly check finds in the two resources used only 8 to 15 days ago.
const ANOMALIES: &str = "/api/v1/usage/anomalies?recent_days=7&baseline_days=14&min_baseline=0.1&drop=0.5";

fn own(app: &TestApp) -> BTreeSet<String> {
    app.estate
        .resources
        .iter()
        .filter(|r| r.owners.iter().any(|o| o.principal_id == MAKER) || r.created_by.as_deref() == Some(MAKER))
        .map(|r| r.id.clone())
        .collect()
}

/// The estate with something in every list: usage of Bob's resources (recent, and a drop), a
/// compliance run (Bob's app violating what the maker's does), exemptions of both makers' resources and of an environment, exemption
/// requests, success detections, and campaigns whose tasks concern both makers' resources
/// (the orphaned one asks p-alice, Carol's manager here, about Carol's resources).
async fn scoped_app() -> TestApp {
    let app = spawn_app().await;
    let store = SqliteStore::open(&app.db_path().to_string_lossy()).expect("open the server's SQLite file");
    let now = Utc::now();
    let ago = |d: u64| now.checked_sub_days(Days::new(d)).unwrap_or(now);
    let mut events = Vec::new();
    for k in 0..6u64 {
        events.push(usage(&format!("s-busy-{k}"), BOBS_BUSY, "env-sales", "p-dave", ago(k % 3), UsageKind::Launch));
    }
    for d in 8..=15u64 {
        for (resource, env) in [(ALICES_IN_SALES, "env-sales"), (BOBS_IN_SALES, "env-sales")] {
            for k in 0..4 {
                let id = format!("s-drop-{resource}-{d}-{k}");
                events.push(usage(&id, resource, env, "p-dave", ago(d), UsageKind::Launch));
            }
        }
    }
    let mut carol = store.get_principal("p-carol").await.expect("read").expect("carol");
    carol.manager_id = Some(MAKER.into());
    // Bob's app shared with everyone, like the maker's RICH: a must violation of each, so that
    // the compliance campaign asks both.
    let mut bobs = store.get_resource(BOBS_IN_FIN).await.expect("read").expect("Bob's app");
    bobs.sharing.push(Share { target: ShareTarget::Everyone, principal_id: String::new(), role: ShareRole::CanView });
    bobs.shared_with_everyone = true;
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.insert_usage_events(events).await.expect("usage");
    tx.upsert_principals(vec![carol]).await.expect("carol's manager");
    tx.upsert_resources(vec![bobs]).await.expect("Bob's app shared");
    tx.commit().await.expect("commit");

    let (set, _) = active_set(&store).await.expect("the active set");
    let options = CheckOptions { tenant: None, day: now.date_naive(), at: now, threads: 1, only_tracked: false };
    let evaluation = evaluate(&store, set, &options, &Config::defaults()).await.expect("evaluate");
    record(&store, &evaluation, &options).await.expect("record the run");

    for kind in [CampaignKind::Compliance, CampaignKind::Orphaned] {
        let options =
            StartOptions { kind, title: None, by: "ann".into(), tenant: None, now, dry_run: false, limit: None };
        start(&store, &CampaignConfig::default(), &options).await.expect("start a campaign");
    }

    let admin = &app.client;
    let response = admin.put(app.url("/api/v1/success/rules?apply=true")).body(RULES).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK, "adopt the rules");
    let grant = |policy: &str, subject: Value, environment: Value| {
        json!({
            "policy_id": policy, "subject_id": subject, "environment_id": environment,
            "reason": "reviewed", "approved_by": "admin", "expires_at": "2099-12-31",
        })
    };
    let shared = "app-shared-without-justification";
    for body in [
        grant(shared, json!(RICH), Value::Null),
        grant(shared, json!(BOBS_IN_FIN), Value::Null),
        grant(shared, Value::Null, json!("env-sales")),
        grant("environment-without-dlp", json!("env-sales"), Value::Null),
    ] {
        let response = admin.post(app.url("/api/v1/exemptions")).json(&body).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    }
    let request = |resource: &str| json!({ "policy_id": shared, "resource_id": resource, "reason": "a pilot" });
    for (client, resource) in [(app.client_as(Role::Maker), ALICES_IN_SALES), (app.client.clone(), BOBS_IN_SALES)] {
        let response =
            client.post(app.url("/api/v1/exemption-requests")).json(&request(resource)).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::CREATED, "request for {resource}");
    }
    app
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = client.get(app.url(path)).send().await.expect("send");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or_else(|e| panic!("{path} did not answer JSON: {e}")))
}

/// Every item of a paged list as one caller sees it, following `next`.
async fn all_items(client: &reqwest::Client, app: &TestApp, path: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut url = path.to_string();
    for _ in 0..200 {
        let (status, body) = get(client, app, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        items.extend(body["items"].as_array().unwrap_or_else(|| panic!("{url}: no items in {body}")).iter().cloned());
        match body["next"].as_str() {
            Some(cursor) => url = format!("{path}{separator}cursor={cursor}"),
            None => return items,
        }
    }
    panic!("{path}: `next` never ran out");
}

/// The resource a row names, for lists where every row names one.
fn resource_of(field: &'static str) -> impl Fn(&Value) -> Option<String> {
    move |row| row[field].as_str().map(str::to_string)
}

/// What a row shows, to compare lists: the whole row minus fields that differ per request.
fn key(row: &Value) -> String {
    let mut row = row.clone();
    if let Some(o) = row.as_object_mut() {
        o.remove("status");
    }
    row.to_string()
}

/// Checks one list: the admin's rows name own and others' resources; viewers and environment
/// admins get the admin's rows; the maker gets exactly the rows `visible_to_maker` keeps.
async fn check_list(
    app: &TestApp,
    path: &str,
    rows: impl AsyncFn(&reqwest::Client) -> Vec<Value>,
    visible_to_maker: impl Fn(&Value) -> bool,
    names_resource: impl Fn(&Value) -> Option<String>,
) {
    let own = own(app);
    let everything = rows(&app.client).await;
    let named: Vec<String> = everything.iter().filter_map(&names_resource).collect();
    assert!(named.iter().any(|id| own.contains(id)), "{path}: the admin's rows name the maker's resources: {named:?}");
    assert!(named.iter().any(|id| !own.contains(id)), "{path}: the admin's rows name others' resources: {named:?}");
    for role in [Role::Viewer, Role::EnvironmentAdmin] {
        let theirs = rows(&app.client_as(role)).await;
        assert_eq!(
            theirs.iter().map(key).collect::<Vec<_>>(),
            everything.iter().map(key).collect::<Vec<_>>(),
            "{path}: {role}"
        );
    }
    let expected: Vec<String> = everything.iter().filter(|r| visible_to_maker(r)).map(key).collect();
    assert!(!expected.is_empty() && expected.len() < everything.len(), "{path}: the maker sees some rows, not all");
    let got: Vec<String> = rows(&app.client_as(Role::Maker)).await.iter().map(key).collect();
    assert_eq!(got, expected, "{path}: the maker's rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_naming_resources_shows_a_maker_only_their_own() {
    let app = scoped_app().await;
    let own = own(&app);
    let mine = |id: Option<String>| id.is_none_or(|id| own.contains(&id));

    // Violations, paged three at a time: environment violations name no resource and stay.
    let violation_resource =
        |v: &Value| (v["subject_kind"] == "resource").then(|| v["subject_id"].as_str().unwrap_or_default().to_string());
    let path = "/api/v1/violations?state=all&limit=3";
    check_list(
        &app,
        path,
        async |c| all_items(c, &app, path).await,
        |v| mine(violation_resource(v)),
        violation_resource,
    )
    .await;
    let maker_violations = all_items(&app.client_as(Role::Maker), &app, path).await;
    assert!(maker_violations.iter().any(|v| v["subject_kind"] == "environment"), "environment violations stay");

    // Exemptions: the environment policy's exemption names an environment, not a resource.
    let exemption_resource = |e: &Value| {
        (e["policy_id"] != "environment-without-dlp").then(|| e["subject_id"].as_str().map(str::to_string)).flatten()
    };
    let path = "/api/v1/exemptions?all=true";
    check_list(
        &app,
        path,
        async |c| all_items(c, &app, path).await,
        |e| mine(exemption_resource(e)),
        exemption_resource,
    )
    .await;
    let maker_exemptions = all_items(&app.client_as(Role::Maker), &app, path).await;
    assert_eq!(maker_exemptions.len(), 3, "their own resource's, the environment-wide one and the environment's");

    // Exemption requests: the maker's own request (on their resource); not the admin's on Bob's.
    let path = "/api/v1/exemption-requests";
    let subject = resource_of("subject_id");
    check_list(&app, path, async |c| all_items(c, &app, path).await, |r| mine(subject(r)), resource_of("subject_id"))
        .await;

    // Campaign tasks: about their resources, or assigned to them (Carol's, whose manager they are).
    let path = "/api/v1/campaign-tasks?limit=4";
    let task_visible = |t: &Value| mine(resource_of("resource_id")(t)) || t["assignee"] == MAKER;
    check_list(&app, path, async |c| all_items(c, &app, path).await, task_visible, resource_of("resource_id")).await;
    let tasks = all_items(&app.client, &app, path).await;
    assert!(
        tasks.iter().any(|t| t["assignee"] == MAKER && !own.contains(t["resource_id"].as_str().unwrap_or_default())),
        "a task assigned to the maker about a resource they do not own"
    );

    // Success detections, paged.
    let path = "/api/v1/success/detections?limit=2";
    let detected = resource_of("resource_id");
    check_list(&app, path, async |c| all_items(c, &app, path).await, |d| mine(detected(d)), resource_of("resource_id"))
        .await;

    // Usage: anomalies are narrowed (`busy` stays a count of every resource).
    let rows =
        async |c: &reqwest::Client| get(c, &app, ANOMALIES).await.1["items"].as_array().cloned().unwrap_or_default();
    let used = resource_of("resource_id");
    check_list(&app, ANOMALIES, rows, |r| mine(used(r)), resource_of("resource_id")).await;

    // The board report's named resources; its counts are the board's.
    let period = Utc::now().format("%Y-%m").to_string();
    let report = format!("/api/v1/reports/board?period={period}");
    let (status, full) = get(&app.client, &app, &report).await;
    assert_eq!(status, StatusCode::OK, "{full}");
    let (status, makers) = get(&app.client_as(Role::Maker), &app, &report).await;
    assert_eq!(status, StatusCode::OK, "{makers}");
    for list in ["top_by_uses", "top_by_users", "success_candidates"] {
        let all = full[list].as_array().cloned().unwrap_or_default();
        let ids: Vec<&str> = all.iter().filter_map(|r| r["resource_id"].as_str()).collect();
        assert!(ids.iter().any(|id| !own.contains(*id)) && ids.iter().any(|id| own.contains(*id)), "{list}: {ids:?}");
        let expected: Vec<&Value> =
            all.iter().filter(|r| own.contains(r["resource_id"].as_str().unwrap_or(""))).collect();
        let got: Vec<&Value> = makers[list].as_array().map(|a| a.iter().collect()).unwrap_or_default();
        assert_eq!(got, expected, "board report {list}");
    }
    let leavers = full["leavers_resources"]["items"].as_array().map(Vec::len).unwrap_or_default();
    assert!(leavers > 0, "Carol's resources are listed for the board");
    assert_eq!(makers["leavers_resources"]["items"], json!([]), "none of them is the maker's");
    assert_eq!(makers["leavers_resources"]["total"], full["leavers_resources"]["total"], "the count stays");
    assert_eq!(makers["totals"], full["totals"]);
    let (_, viewers) = get(&app.client_as(Role::Viewer), &app, &report).await;
    assert_eq!(viewers["top_by_uses"], full["top_by_uses"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_lists_are_narrowed_before_their_limits() {
    let app = scoped_app().await;
    let own = own(&app);
    let ids = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["resource_id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let maker = app.client_as(Role::Maker);

    // The most used: every used resource ranked, then the maker's first two.
    let (_, all) = get(&app.client, &app, "/api/v1/usage/top?limit=1000").await;
    let ranked = ids(&all);
    assert!(ranked.iter().any(|id| !own.contains(id)) && ranked.iter().filter(|id| own.contains(*id)).count() >= 2);
    let (status, top) = get(&maker, &app, "/api/v1/usage/top?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{top}");
    let expected: Vec<String> = ranked.iter().filter(|id| own.contains(*id)).take(2).cloned().collect();
    assert_eq!(ids(&top), expected);
    let (_, viewer) = get(&app.client_as(Role::Viewer), &app, "/api/v1/usage/top?limit=2").await;
    assert_eq!(ids(&viewer), ranked[..2].to_vec());

    // Inactive resources: `total` counts the maker's, the limit cuts theirs.
    let (_, all) = get(&app.client, &app, "/api/v1/usage/inactive").await;
    let inactive = ids(&all);
    let theirs: Vec<String> = inactive.iter().filter(|id| own.contains(*id)).cloned().collect();
    assert!(theirs.len() > 2 && theirs.len() < inactive.len(), "{inactive:?}");
    let (status, page) = get(&maker, &app, "/api/v1/usage/inactive?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), theirs[..2].to_vec());
    assert_eq!(page["total"].as_u64(), Some(theirs.len() as u64));
    let (_, viewer) = get(&app.client_as(Role::Viewer), &app, "/api/v1/usage/inactive").await;
    assert_eq!((ids(&viewer), viewer["total"].as_u64()), (inactive.clone(), Some(inactive.len() as u64)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_makers_resource_is_not_found_behind_every_single_item() {
    let app = scoped_app().await;
    let own = own(&app);
    let (_, tasks) = get(&app.client, &app, "/api/v1/campaign-tasks").await;
    let tasks = tasks["items"].as_array().cloned().unwrap_or_default();
    let task_of = |pick: &dyn Fn(&Value) -> bool| {
        let found = tasks.iter().find(|t| pick(t)).and_then(|t| t["id"].as_i64());
        let listed: Vec<(&Value, &Value)> = tasks.iter().map(|t| (&t["resource_id"], &t["assignee"])).collect();
        found.unwrap_or_else(|| panic!("no such task among (resource, assignee) {listed:?}"))
    };
    let others_task = task_of(&|t| t["assignee"] != MAKER && !own.contains(t["resource_id"].as_str().unwrap_or("")));
    let own_task = task_of(&|t| own.contains(t["resource_id"].as_str().unwrap_or("")));
    let asked_task = task_of(&|t| t["assignee"] == MAKER && !own.contains(t["resource_id"].as_str().unwrap_or("")));
    let (_, detections) = get(&app.client, &app, "/api/v1/success/detections").await;
    let detections = detections["items"].as_array().cloned().unwrap_or_default();
    let detection = |mine: bool| {
        detections
            .iter()
            .find(|d| own.contains(d["resource_id"].as_str().unwrap_or("")) == mine)
            .and_then(|d| d["id"].as_i64())
            .expect("detections of both makers")
    };

    let (_, requests) = get(&app.client, &app, "/api/v1/exemption-requests").await;
    let request = |resource: &str| {
        let items = requests["items"].as_array().cloned().unwrap_or_default();
        items.iter().find(|r| r["subject_id"] == resource).and_then(|r| r["id"].as_i64()).expect("a request")
    };

    let hidden = [
        format!("/api/v1/campaign-tasks/{others_task}"),
        format!("/api/v1/exemption-requests/{}", request(BOBS_IN_SALES)),
        format!("/api/v1/success/detections/{}", detection(false)),
        format!("/api/v1/usage/trend?scope=resource&id={BOBS_BUSY}"),
        format!("/api/v1/resources/{BOBS_BUSY}/usage"),
        format!("/api/v1/resources/{BOBS_BUSY}/violations"),
        format!("/api/v1/resources/{BOBS_BUSY}/responsibility"),
        format!("/api/v1/resources/{BOBS_BUSY}/governance"),
    ];
    let shown = [
        format!("/api/v1/campaign-tasks/{own_task}"),
        format!("/api/v1/exemption-requests/{}", request(ALICES_IN_SALES)),
        format!("/api/v1/campaign-tasks/{asked_task}"),
        format!("/api/v1/success/detections/{}", detection(true)),
        format!("/api/v1/usage/trend?scope=resource&id={RICH}"),
        format!("/api/v1/resources/{RICH}/usage"),
    ];
    let maker = app.client_as(Role::Maker);
    for path in &hidden {
        let (status, body) = get(&maker, &app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "maker: {path}: {body}");
        for role in [Role::Viewer, Role::EnvironmentAdmin, Role::Admin] {
            let (status, body) = get(&app.client_as(role), &app, path).await;
            assert_eq!(status, StatusCode::OK, "{role}: {path}: {body}");
        }
    }
    for path in &shown {
        let (status, body) = get(&maker, &app, path).await;
        assert_eq!(status, StatusCode::OK, "maker: {path}: {body}");
    }
}

/// Resource ids a page links to (`/resources/{id}`).
fn linked_resources(html: &str) -> BTreeSet<String> {
    crate::support::hrefs(html)
        .iter()
        .filter_map(|h| h.strip_prefix("/resources/"))
        .map(|id| id.split(['?', '#', '/']).next().unwrap_or_default().to_string())
        .collect()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("read the page")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_name_only_a_makers_own_resources() {
    let app = scoped_app().await;
    let own = own(&app);
    let maker = app.client_as(Role::Maker);
    for path in ["/compliance?state=all&limit=1000", &format!("/?tenant={TENANT}")] {
        let everything = linked_resources(&page(&app.client, &app, path).await);
        assert!(everything.iter().any(|id| !own.contains(id)), "{path}: the admin's page links others' resources");
        let expected: BTreeSet<String> = everything.iter().filter(|id| own.contains(*id)).cloned().collect();
        assert!(!expected.is_empty(), "{path}: and the maker's");
        assert_eq!(linked_resources(&page(&maker, &app, path).await), expected, "{path}: the maker's page");
        let viewer = linked_resources(&page(&app.client_as(Role::Viewer), &app, path).await);
        assert_eq!(viewer, everything, "{path}: the viewer's page");
    }

    // The board report page names no resource of another that the board's lists name.
    let period = Utc::now().format("%Y-%m").to_string();
    let (_, full) = get(&app.client, &app, &format!("/api/v1/reports/board?period={period}")).await;
    let html = page(&maker, &app, &format!("/reports/board?period={period}")).await;
    let others: Vec<&str> = full["top_by_uses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| !own.contains(r["resource_id"].as_str().unwrap_or("")))
        .filter_map(|r| r["display_name"].as_str())
        .collect();
    assert!(!others.is_empty());
    for name in others {
        assert!(!html.contains(name), "the maker's report names '{name}'");
    }
}
