//! Jobs and schedules: `/api/v1/jobs…`, `/api/v1/schedules…` and `/admin/jobs` — admins only,
//! run now queues the schedule's job once, requeue and cancel check the state, every action
//! leaves its audit entry.

use crate::support::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use steward_model::Role;
use steward_store::jobs::{ClaimRequest, JobFailure, NewJob, ScheduleSpec};

async fn call(app: &TestApp, role: Role, method: Method, path: &str) -> (StatusCode, Value) {
    let response = app.client_as(role).request(method, app.url(path)).send().await.expect("send");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

fn spec(name: &str, kind: &str) -> ScheduleSpec {
    let now = chrono::Utc::now();
    ScheduleSpec {
        name: name.into(),
        cron: "15 * * * *".into(),
        timezone: "Europe/Paris".into(),
        kind: kind.into(),
        payload: serde_json::json!({ "full": false }),
        enabled: true,
        priority: 2,
        max_attempts: 3,
        next_at: Some(now + chrono::Duration::hours(1)),
        initial_slot: Some(now - chrono::Duration::minutes(10)),
    }
}

/// A dead job with its error, as a worker would leave it.
async fn dead_job(app: &TestApp) -> i64 {
    let now = chrono::Utc::now();
    let store = &app.store;
    let id =
        store.enqueue_job(&NewJob::new("notify.deliver", serde_json::json!({"to": "x"})), now).await.expect("e").id;
    let claimed = store
        .claim_jobs(&ClaimRequest {
            worker: "w1".into(),
            kinds: vec!["notify.deliver".into()],
            limit: 1,
            now,
            lease: chrono::Duration::seconds(60),
        })
        .await
        .expect("claim");
    let failure = JobFailure { error: "the SMTP server refused the recipient <x>".into(), retry_at: None };
    store.fail_job(&claimed[0].lease, &failure, now).await.expect("fail");
    id
}

async fn audit_actions(app: &TestApp, target: &str) -> Vec<String> {
    let (status, body) = app.json(&format!("/api/v1/audit?target={target}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str().map(str::to_string)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_see_schedules_and_runs_and_run_a_schedule_once() {
    let app = spawn_app().await;
    app.store.put_schedules(&[spec("usage-sync", "sync.usage")], chrono::Utc::now()).await.expect("put");

    for role in [Role::Maker, Role::Viewer, Role::EnvironmentAdmin] {
        for path in ["/api/v1/schedules", "/api/v1/jobs", "/api/v1/jobs/runs", "/admin/jobs"] {
            let (status, _) = call(&app, role, Method::GET, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {path}");
        }
        let (status, _) = call(&app, role, Method::POST, "/api/v1/schedules/usage-sync/run").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} cannot run a schedule");
    }

    let (status, schedules) = call(&app, Role::Admin, Method::GET, "/api/v1/schedules").await;
    assert_eq!(status, StatusCode::OK, "{schedules}");
    assert_eq!(schedules[0]["name"], "usage-sync");
    assert_eq!(schedules[0]["timezone"], "Europe/Paris");
    assert!(schedules[0]["last_job"].is_null());

    let (status, first) = call(&app, Role::Admin, Method::POST, "/api/v1/schedules/usage-sync/run").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["created"], true);
    let (status, second) = call(&app, Role::Admin, Method::POST, "/api/v1/schedules/usage-sync/run").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        (second["id"].clone(), second["created"].clone()),
        (first["id"].clone(), Value::Bool(false)),
        "not twice"
    );
    assert_eq!(audit_actions(&app, "schedule:usage-sync").await, ["schedule.run_now"], "one entry: one job queued");

    let (status, jobs) = call(&app, Role::Admin, Method::GET, "/api/v1/jobs?status=queued").await;
    assert_eq!(status, StatusCode::OK, "{jobs}");
    let job = &jobs["items"][0];
    assert_eq!((job["kind"].as_str(), job["schedule"].as_str()), (Some("sync.usage"), Some("usage-sync")));
    assert_eq!(job["created_by"], "user:admin");
    assert_eq!(job["priority"], 2);
    assert_eq!(jobs["counts"]["queued"], 1);
    let (status, _) = call(&app, Role::Admin, Method::GET, "/api/v1/jobs?status=sleeping").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown status is refused");
    let (status, _) = call(&app, Role::Admin, Method::POST, "/api/v1/schedules/nope/run").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, schedules) = call(&app, Role::Admin, Method::GET, "/api/v1/schedules").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(schedules[0]["last_job"]["id"], first["id"], "the schedule shows its newest job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_jobs_are_requeued_and_open_jobs_cancelled_once() {
    let app = spawn_app().await;
    let dead = dead_job(&app).await;
    let (status, runs) = call(&app, Role::Admin, Method::GET, &format!("/api/v1/jobs/runs?job={dead}")).await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    assert_eq!(runs[0]["status"], "dead");
    assert_eq!(runs[0]["worker"], "w1");
    assert!(runs[0]["error"].as_str().is_some_and(|e| e.contains("refused")));

    let (status, _) = call(&app, Role::Maker, Method::POST, &format!("/api/v1/jobs/{dead}/requeue")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, job) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/jobs/{dead}/requeue")).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!((job["status"].as_str(), job["attempt"].as_u64()), (Some("queued"), Some(0)));
    let (status, body) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/jobs/{dead}/requeue")).await;
    assert_eq!(status, StatusCode::CONFLICT, "a queued job is not requeued: {body}");

    let (status, job) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/jobs/{dead}/cancel")).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["status"], "cancelled");
    let (status, _) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/jobs/{dead}/cancel")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(&app, Role::Admin, Method::POST, "/api/v1/jobs/999999/cancel").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Role::Admin, Method::GET, "/api/v1/jobs/abc").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_actions(&app, &format!("job:{dead}")).await, ["job.cancel", "job.requeue"], "newest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_page_lists_schedules_runs_and_dead_jobs_and_its_buttons_work() {
    let app = spawn_app().await;
    app.store.put_schedules(&[spec("inventory-sync", "sync.inventory")], chrono::Utc::now()).await.expect("put");
    let dead = dead_job(&app).await;

    let (status, html) = app.html("/admin/jobs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("inventory-sync") && html.contains("15 * * * *") && html.contains("Europe/Paris"), "{html}");
    assert!(html.contains("action=\"/admin/jobs/schedules/inventory-sync/run\""), "a run-now form per schedule");
    assert!(html.contains(&format!("action=\"/admin/jobs/{dead}/requeue\"")), "a requeue form per dead job");
    assert!(html.contains("refused the recipient"), "the last error is shown");
    assert!(!html.contains("recipient <x>"), "and escaped");
    assert!(html.contains("name=\"csrf\""));
    assert!(html.contains("href=\"/admin/jobs\""), "linked beside the admin pages");
    let (_, overview) = app.html("/").await;
    assert!(overview.contains("href=\"/admin/jobs\""), "every admin page links to it");
    let maker_home = app.client_as(Role::Maker).get(app.url("/")).send().await.expect("send");
    let maker_home = maker_home.text().await.expect("text");
    assert!(!maker_home.contains("href=\"/admin/jobs\""), "not shown to makers");

    let response = app
        .client_as(Role::Admin)
        .post(app.url("/admin/jobs/schedules/inventory-sync/run"))
        .form(&[("csrf", "")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = crate::support::header(&response, "location");
    assert!(location.starts_with("/admin/jobs?done=queued&job="), "{location}");
    let (_, html) = app.html(&location).await;
    assert!(crate::support::unescape(&html).contains("Queued job"), "says what it did");
    let response = app
        .client_as(Role::Admin)
        .post(app.url(&format!("/admin/jobs/{dead}/requeue")))
        .form(&[("csrf", "")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let job = app.store.get_job(dead).await.expect("get").expect("exists");
    assert_eq!(job.status, steward_store::jobs::JobStatus::Queued, "requeued from the page");
}
