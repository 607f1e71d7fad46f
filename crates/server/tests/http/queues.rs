//! Review queues: what each role finds in `/api/v1/queues` and on `/queues` (expected from the
//! fixtures the test sets up), every action from the page and the API changing state and
//! leaving its audit entry, stale decisions answered 409, and makers and viewers kept from
//! deciding.

use crate::support::{TestApp, spawn_app};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use steward_campaigns::feed::{StartOptions, start};
use steward_campaigns::{CampaignConfig, CampaignKind};
use steward_model::Role;
use steward_store::success::{DetectionFinding, DetectionQuery, DetectionState, StateChange, SuccessEvaluation};

/// Alice's resources (the maker is Alice): one in the environment the environment admin
/// administers, one outside it.
const ALICES_IN_FIN: &str = "r-00";
const ALICES_IN_SALES: &str = "r-02";
/// A resource policy of the built-in pack.
const POLICY: &str = "app-shared-without-justification";

async fn call(app: &TestApp, role: Role, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.client_as(role).request(method, app.url(path));
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

/// Post a queue form as `role` (a bearer token needs no CSRF field): the status and where it
/// sends the browser.
async fn form(app: &TestApp, role: Role, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = app.client_as(role).post(app.url(path)).form(fields).send().await.expect("send");
    let status = response.status();
    let location = crate::support::header(&response, "location");
    (status, location)
}

async fn page(app: &TestApp, role: Role) -> String {
    let response = app.client_as(role).get(app.url("/queues")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("read the page")
}

async fn counts(app: &TestApp, role: Role) -> Value {
    let (status, body) = call(app, role, Method::GET, "/api/v1/queues", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The audit entries of one target, newest first.
async fn trail(app: &TestApp, target: &str) -> Vec<Value> {
    let (status, body) = app.json(&format!("/api/v1/audit?target={target}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

fn finding(resource: &str) -> DetectionFinding {
    let today = Utc::now().date_naive();
    DetectionFinding {
        tenant_id: crate::fixtures::TENANT.into(),
        resource_id: resource.into(),
        kind: None,
        rule_id: "any-use".into(),
        rule_version: 1,
        window_from: today,
        window_to: today,
        figures: json!({"uses": 12, "active_users": 3}),
    }
}

/// Four detections: two `new`, one `reviewed`, one `dismissed` (not in the queue). Returns the
/// ids of the three the queue holds.
async fn success_candidates(app: &TestApp) -> Vec<i64> {
    let findings = ["r-00", "r-01", "r-03", "r-04"].map(finding).to_vec();
    let evaluation = SuccessEvaluation { rules: None, findings, at: Utc::now() };
    app.store.record_success_evaluation(&evaluation).await.expect("record detections");
    let all = app.store.list_detections(&DetectionQuery::default()).await.expect("list detections");
    let id = |r: &str| all.iter().find(|d| d.resource_id == r).map(|d| d.id).expect("detected");
    let change = |s| StateChange { state: s, by: "board".into(), note: None, at: Utc::now(), expected: None };
    app.store.set_detection_state(id("r-03"), &change(DetectionState::Reviewed)).await.expect("review");
    app.store.set_detection_state(id("r-04"), &change(DetectionState::Dismissed)).await.expect("dismiss");
    vec![id("r-00"), id("r-01"), id("r-03")]
}

/// A catalog item for one of Alice's resources, proposed and submitted by the maker.
async fn submitted_item(app: &TestApp, resource: &str, title: &str) -> i64 {
    let body = json!({
        "resource_id": resource,
        "title": title,
        "summary": format!("{title}, ready to use."),
        "description": format!("{title} helps colleagues in Finance do their daily work faster; ask the owner."),
        "owner": "p-alice",
        "backup_owner": "p-bob",
        "support_tier": "it_blessed",
        "documentation_url": "https://docs.example.com/catalog/item",
        "screenshots": ["/static/catalog/app.svg"],
    });
    let (status, created) = call(app, Role::Maker, Method::POST, "/api/v1/catalog/items", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("an id");
    let (status, b) = call(app, Role::Maker, Method::POST, &format!("/api/v1/catalog/items/{id}/submit"), None).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    id
}

/// An exemption request by the maker; returns its id.
async fn request(app: &TestApp, resource: &str) -> i64 {
    let body = json!({
        "policy_id": POLICY,
        "resource_id": resource,
        "reason": format!("{resource} is shared on purpose with the whole company"),
        "expires_at": "2099-12-31",
    });
    let (status, created) = call(app, Role::Maker, Method::POST, "/api/v1/exemption-requests", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((created["state"].as_str(), created["requested_by"].as_str()), (Some("requested"), Some("maker")));
    created["id"].as_i64().expect("an id")
}

/// Carol (a leaver) reports to Alice, so the orphaned-resources campaign asks the maker about
/// Carol's resources. Returns the ids of those tasks.
async fn alices_tasks(app: &TestApp) -> Vec<i64> {
    let mut carol = app.store.get_principal("p-carol").await.expect("read").expect("carol");
    carol.manager_id = Some("p-alice".into());
    let mut tx = app.store.begin_ingest().await.expect("begin");
    tx.upsert_principals(vec![carol]).await.expect("carol's manager");
    tx.commit().await.expect("commit");
    let options = StartOptions {
        kind: CampaignKind::Orphaned,
        title: Some("Leavers".into()),
        by: "ann".into(),
        tenant: None,
        now: Utc::now(),
        dry_run: false,
        limit: None,
    };
    start(app.store.as_ref(), &CampaignConfig::default(), &options).await.expect("start").campaign.expect("tasks");
    let query = steward_store::campaigns::TaskQuery {
        assignee: Some("p-alice".into()),
        open: Some(true),
        ..Default::default()
    };
    let tasks = app.store.list_campaign_tasks(&query).await.expect("list tasks");
    assert!(!tasks.is_empty(), "Carol owns resources alone");
    tasks.iter().map(|t| t.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_finds_what_it_may_decide() {
    let app = spawn_app().await;
    let detections = success_candidates(&app).await;
    let in_fin = submitted_item(&app, ALICES_IN_FIN, "Expense tracker").await;
    let in_sales = submitted_item(&app, ALICES_IN_SALES, "Lead board").await;
    let fin_request = request(&app, ALICES_IN_FIN).await;
    let sales_request = request(&app, ALICES_IN_SALES).await;
    let tasks = alices_tasks(&app).await;

    let n = |v: &Value, key: &str| v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"));
    let admin = counts(&app, Role::Admin).await;
    assert_eq!(n(&admin, "success_candidates"), detections.len() as u64, "new and reviewed, not dismissed: {admin}");
    assert_eq!(n(&admin, "publication_requests"), 2, "{admin}");
    assert_eq!(n(&admin, "exemption_requests"), 2, "{admin}");
    assert_eq!(n(&admin, "campaign_tasks"), 0, "nothing reached the platform team yet: {admin}");
    assert_eq!(n(&admin, "total"), detections.len() as u64 + 4);

    let env = counts(&app, Role::EnvironmentAdmin).await;
    assert_eq!(
        [n(&env, "success_candidates"), n(&env, "publication_requests"), n(&env, "exemption_requests")],
        [0, 1, 1],
        "only what lies in env-fin: {env}"
    );

    let maker = counts(&app, Role::Maker).await;
    assert_eq!(n(&maker, "campaign_tasks"), tasks.len() as u64, "{maker}");
    assert_eq!(n(&maker, "my_open_requests"), 2, "both of the maker's requests wait: {maker}");
    assert_eq!(n(&maker, "total"), tasks.len() as u64, "the maker decides only their tasks: {maker}");

    let viewer = counts(&app, Role::Viewer).await;
    assert_eq!((n(&viewer, "total"), n(&viewer, "my_open_requests")), (0, 0), "{viewer}");

    // The pages show the same items, with their forms.
    let html = page(&app, Role::Admin).await;
    for id in &detections {
        assert!(html.contains(&format!("action=\"/queues/detections/{id}\"")), "candidate {id}");
    }
    assert!(html.contains(&format!("action=\"/queues/publications/{in_fin}/approve\"")));
    assert!(html.contains(&format!("action=\"/queues/publications/{in_sales}/reject\"")));
    assert!(html.contains(&format!("action=\"/queues/exemption-requests/{sales_request}/decline\"")));
    assert!(html.contains(&format!("<span class=\"nav-badge\">{}", detections.len() + 4)), "the nav badge");

    let html = page(&app, Role::EnvironmentAdmin).await;
    assert!(html.contains("Expense tracker") && !html.contains("Lead board"), "only env-fin's item");
    assert!(html.contains(&format!("/queues/exemption-requests/{fin_request}/approve")));
    assert!(!html.contains(&format!("/queues/exemption-requests/{sales_request}/approve")));
    assert!(!html.contains("/queues/detections/"), "no success candidates for environment admins");

    let html = page(&app, Role::Maker).await;
    for id in &tasks {
        assert!(html.contains(&format!("action=\"/queues/tasks/{id}/answer\"")), "task {id}");
    }
    assert!(html.contains("take_over"), "the answers the task takes");
    assert!(html.contains("waiting for a decision"), "the maker's own requests are listed");
    assert!(!html.contains("/queues/exemption-requests/"), "but not as decisions");

    let html = page(&app, Role::Viewer).await;
    assert!(html.contains("As a viewer you read everything and decide nothing"), "the empty state explains");
    assert!(!html.contains("<form method=\"post\" action=\"/queues/"), "no decision forms for viewers");
    assert!(!html.contains("nav-badge"), "no badge for viewers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exemption_requests_are_asked_then_approved_once_and_audited() {
    let app = spawn_app().await;
    let id = request(&app, ALICES_IN_FIN).await;
    let body = json!({"policy_id": POLICY, "resource_id": ALICES_IN_FIN, "reason": "again"});
    let (status, err) = call(&app, Role::Maker, Method::POST, "/api/v1/exemption-requests", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "one open request per policy and resource: {err}");
    let others = json!({"policy_id": POLICY, "resource_id": "r-12", "reason": "not mine"});
    let (status, _) = call(&app, Role::Maker, Method::POST, "/api/v1/exemption-requests", Some(others)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a maker asks only for own resources (and does not learn of others')");
    let viewer = json!({"policy_id": POLICY, "resource_id": ALICES_IN_FIN, "reason": "x"});
    let (status, _) = call(&app, Role::Viewer, Method::POST, "/api/v1/exemption-requests", Some(viewer)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nobody but an admin of the environment decides.
    let approve = format!("/api/v1/exemption-requests/{id}/approve");
    let (status, _) = call(&app, Role::Maker, Method::POST, &approve, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a maker cannot decide, not even their own request");
    let sales = request(&app, ALICES_IN_SALES).await;
    let (status, _) =
        call(&app, Role::EnvironmentAdmin, Method::POST, &format!("/api/v1/exemption-requests/{sales}/approve"), None)
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "env-sales is not the environment admin's");

    let (status, decided) =
        call(&app, Role::EnvironmentAdmin, Method::POST, &approve, Some(json!({"note": "until the redesign"}))).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["request"]["state"], "approved");
    assert_eq!(decided["request"]["decided_by"], "envadmin");
    let exemption = &decided["exemption"];
    assert_eq!(
        (exemption["approved_by"].as_str(), exemption["requested_by"].as_str()),
        (Some("envadmin"), Some("maker"))
    );
    assert_eq!((exemption["subject_id"].as_str(), exemption["status"].as_str()), (Some(ALICES_IN_FIN), Some("active")));
    assert_eq!(decided["request"]["exemption_id"], exemption["id"]);
    let (_, granted) = app.json(&format!("/api/v1/exemptions?resource={ALICES_IN_FIN}")).await;
    assert_eq!(granted["total"], 1, "the exemption is in force: {granted}");

    // A second decision, either way, finds it decided.
    let (status, err) = call(&app, Role::Admin, Method::POST, &approve, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(err["error"]["message"].as_str().unwrap_or_default().contains("envadmin"), "says who decided: {err}");
    let decline = format!("/api/v1/exemption-requests/{id}/decline");
    let (status, _) = call(&app, Role::Admin, Method::POST, &decline, Some(json!({"reason": "late"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, granted) = app.json(&format!("/api/v1/exemptions?resource={ALICES_IN_FIN}")).await;
    assert_eq!(granted["total"], 1, "no second exemption");

    let entries = trail(&app, &format!("exemption_request:{id}")).await;
    let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["exemption_request.approve", "exemption_request.create"], "newest first");
    assert_eq!(entries[0]["actor"], "envadmin");
    assert_eq!(
        (entries[0]["before"]["state"].as_str(), entries[0]["after"]["state"].as_str()),
        (Some("requested"), Some("approved"))
    );
    let granted_id = exemption["id"].as_i64().expect("an exemption id");
    let entries = trail(&app, &format!("exemption:{granted_id}")).await;
    assert_eq!(entries.first().map(|e| e["action"].clone()), Some(json!("exemption.add")));

    // The maker reads their requests; the list filters by state.
    let (status, mine) = call(&app, Role::Maker, Method::GET, "/api/v1/exemption-requests?state=requested", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["total"], 1, "the env-sales request still waits: {mine}");
    assert_eq!(mine["items"][0]["id"], sales);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_page_declines_and_a_second_decision_is_a_conflict() {
    let app = spawn_app().await;
    let id = request(&app, ALICES_IN_SALES).await;
    let decline = format!("/queues/exemption-requests/{id}/decline");
    let (status, _) = form(&app, Role::Admin, &decline, &[("reason", "")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "declining needs a reason");
    let (status, location) =
        form(&app, Role::Admin, &decline, &[("reason", "share it with the sales team only")]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/queues?done=exemption_declined"));
    let (_, r) = call(&app, Role::Maker, Method::GET, &format!("/api/v1/exemption-requests/{id}"), None).await;
    assert_eq!(
        (r["state"].as_str(), r["decision_note"].as_str()),
        (Some("declined"), Some("share it with the sales team only"))
    );
    let (_, granted) = app.json("/api/v1/exemptions").await;
    assert_eq!(granted["total"], 0, "declining grants nothing");

    let approve = format!("/queues/exemption-requests/{id}/approve");
    let (status, _) = form(&app, Role::Admin, &approve, &[("note", "")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "decided already");
    let (status, _) = form(&app, Role::Maker, &approve, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let html = page(&app, Role::Admin).await;
    assert!(!html.contains(&format!("/queues/exemption-requests/{id}/")), "a decided request leaves the queue");
    let entries = trail(&app, &format!("exemption_request:{id}")).await;
    assert_eq!(entries[0]["action"], "exemption_request.decline");
    assert_eq!(entries[0]["after"]["decision_note"], "share it with the sales team only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_candidates_are_reviewed_promoted_with_a_catalog_item_and_dismissed() {
    let app = spawn_app().await;
    let ids = success_candidates(&app).await;
    let path = |id: i64| format!("/queues/detections/{id}");

    let (status, _) = form(&app, Role::EnvironmentAdmin, &path(ids[0]), &[("state", "reviewed")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "platform admins review success candidates");

    let (status, location) =
        form(&app, Role::Admin, &path(ids[0]), &[("state", "promoted"), ("expected", "new"), ("propose", "on")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let item: i64 = location
        .strip_prefix("/queues?done=promoted&item=")
        .and_then(|i| i.parse().ok())
        .unwrap_or_else(|| panic!("a proposed item in {location}"));
    let (_, detail) = app.json(&format!("/api/v1/catalog/items/{item}")).await;
    assert_eq!((detail["resource_id"].as_str(), detail["state"].as_str()), (Some("r-00"), Some("draft")), "{detail}");
    let promoted = app.store.get_detection(ids[0]).await.expect("read").expect("exists");
    assert_eq!((promoted.state, promoted.state_by.as_deref()), (DetectionState::Promoted, Some("admin")));

    // The same decision made on the page as it was: someone moved it meanwhile.
    let (status, _) = form(&app, Role::Admin, &path(ids[0]), &[("state", "dismissed"), ("expected", "new")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(app.store.get_detection(ids[0]).await.expect("read").map(|d| d.state), Some(DetectionState::Promoted));

    let (status, location) =
        form(&app, Role::Admin, &path(ids[1]), &[("state", "reviewed"), ("expected", "new")]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/queues?done=reviewed"));
    let (status, _) = form(
        &app,
        Role::Admin,
        &path(ids[2]),
        &[("state", "dismissed"), ("expected", "reviewed"), ("note", "a one-off")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let summary = counts(&app, Role::Admin).await;
    assert_eq!(summary["success_candidates"], 1, "only the reviewed one waits: {summary}");
    let entries = trail(&app, &format!("detection:{}", ids[2])).await;
    assert_eq!(entries[0]["action"], "success.review");
    assert_eq!(
        (entries[0]["before"]["state"].as_str(), entries[0]["after"]["state"].as_str()),
        (Some("reviewed"), Some("dismissed"))
    );
    assert_eq!(entries[0]["after"]["note"], "a one-off");
    let entries = trail(&app, &format!("catalog_item:{item}")).await;
    assert_eq!(entries.last().map(|e| e["action"].clone()), Some(json!("catalog.create")), "the proposal is audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publication_requests_are_approved_and_rejected_from_the_queue() {
    let app = spawn_app().await;
    let in_fin = submitted_item(&app, ALICES_IN_FIN, "Expense tracker").await;
    let in_sales = submitted_item(&app, ALICES_IN_SALES, "Lead board").await;

    let (status, _) = form(&app, Role::Maker, &format!("/queues/publications/{in_fin}/approve"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a maker cannot approve their own item");
    let reject_sales = format!("/queues/publications/{in_sales}/reject");
    let (status, _) = form(&app, Role::EnvironmentAdmin, &reject_sales, &[("reason", "no")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "env-sales is not the environment admin's");

    let approve = format!("/queues/publications/{in_fin}/approve");
    let (status, location) = form(&app, Role::EnvironmentAdmin, &approve, &[("note", "welcome")]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/queues?done=approved"));
    let (_, item) = app.json(&format!("/api/v1/catalog/items/{in_fin}")).await;
    assert_eq!(item["state"], "listed");
    let (status, _) = form(&app, Role::Admin, &approve, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "listed already");

    let (status, _) = form(&app, Role::Admin, &reject_sales, &[("reason", "")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "rejecting needs a reason");
    let (status, _) = form(&app, Role::Admin, &reject_sales, &[("reason", "add a real screenshot")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, item) = app.json(&format!("/api/v1/catalog/items/{in_sales}")).await;
    assert_eq!(item["state"], "rejected");

    let entries = trail(&app, &format!("catalog_item:{in_fin}")).await;
    assert_eq!(
        (entries[0]["action"].as_str(), entries[0]["actor"].as_str()),
        (Some("catalog.approve"), Some("envadmin"))
    );
    let entries = trail(&app, &format!("catalog_item:{in_sales}")).await;
    assert_eq!(entries[0]["action"], "catalog.reject");
    assert_eq!(counts(&app, Role::Admin).await["publication_requests"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_tasks_are_answered_from_the_queue() {
    let app = spawn_app().await;
    let tasks = alices_tasks(&app).await;
    let answer = |id: i64| format!("/queues/tasks/{id}/answer");

    let (status, _) = form(&app, Role::Viewer, &answer(tasks[0]), &[("answer", "take_over")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers answer nothing");
    let (status, location) =
        form(&app, Role::Maker, &answer(tasks[0]), &[("answer", "take_over"), ("expected", "asked_manager")]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/queues?done=answered"));
    let task = app.store.get_campaign_task(tasks[0]).await.expect("read").expect("exists");
    assert_eq!((task.state.as_str(), task.open), ("taken_over", false));
    let (status, _) =
        form(&app, Role::Maker, &answer(tasks[0]), &[("answer", "take_over"), ("expected", "asked_manager")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "answered on a task that moved");

    // Approving the deletion hands the task to the platform team: the admin's queue.
    let (status, _) =
        form(&app, Role::Maker, &answer(tasks[1]), &[("answer", "delete"), ("expected", "asked_manager")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let admin = counts(&app, Role::Admin).await;
    assert_eq!(admin["campaign_tasks"], 1, "{admin}");
    let maker = counts(&app, Role::Maker).await;
    assert_eq!(maker["campaign_tasks"].as_u64(), Some(tasks.len() as u64 - 2), "{maker}");

    let entries = trail(&app, &format!("campaign_task:{}", tasks[0])).await;
    assert_eq!(
        (entries[0]["action"].as_str(), entries[0]["actor"].as_str()),
        (Some("campaign_task.answer"), Some("maker"))
    );
    assert_eq!(
        (entries[0]["before"]["state"].as_str(), entries[0]["after"]["state"].as_str()),
        (Some("asked_manager"), Some("taken_over"))
    );
    assert_eq!(entries[0]["after"]["by"], "p-alice", "the answer is recorded as the maker's principal");

    // A task that is neither assigned to the maker nor about the maker's resources.
    let bobs = app
        .store
        .add_campaign_tasks(task.campaign_id, &[other_task(&task, "r-12", "p-bob")])
        .await
        .expect("add a task")
        .added[0];
    let (status, _) = form(&app, Role::Maker, &answer(bobs), &[("answer", "take_over")]).await;
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");
}

/// A task like `like` for another resource and assignee.
fn other_task(
    like: &steward_store::campaigns::CampaignTask,
    resource: &str,
    assignee: &str,
) -> steward_store::campaigns::NewTask {
    steward_store::campaigns::NewTask {
        tenant_id: like.tenant_id.clone(),
        kind: like.kind.clone(),
        resource_id: resource.into(),
        environment_id: "env-fin".into(),
        assignee: assignee.into(),
        state: "asked_manager".into(),
        open: true,
        due_at: None,
        opened_at: Utc::now(),
        data: like.data.clone(),
        opened_by: "steward".into(),
        note: None,
    }
}
