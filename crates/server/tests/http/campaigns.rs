//! `/api/v1/campaigns` and `/api/v1/campaign-tasks`: campaigns with task counts, tasks by
//! campaign, assignee (UPN) and state, a task's history, answers (400 for one the task does
//! not take or without its reason, 404 for unknown ids), and two answers racing (one wins, the
//! other is refused).

use crate::support::spawn_app;
use reqwest::StatusCode;
use serde_json::{Value, json};
use steward_campaigns::feed::{StartOptions, start};
use steward_campaigns::{CampaignConfig, CampaignKind};
use steward_store::Store;
use steward_store_sqlite::SqliteStore;

async fn post(app: &crate::support::TestApp, path: &str, body: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send the request");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or_else(|e| panic!("{path} did not answer JSON: {e}")))
}

/// Carol (a leaver) reports to Bob; an orphaned-resources campaign asks Bob about her resources.
pub async fn orphaned_campaign(app: &crate::support::TestApp) -> i64 {
    let store = SqliteStore::open(&app.db_path().to_string_lossy()).expect("open the store");
    let mut carol = store.get_principal("p-carol").await.expect("read").expect("carol");
    carol.manager_id = Some("p-bob".into());
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_principals(vec![carol]).await.expect("carol's manager");
    tx.commit().await.expect("commit");
    let options = StartOptions {
        kind: CampaignKind::Orphaned,
        title: Some("Leavers".into()),
        by: "ann".into(),
        tenant: None,
        now: chrono::Utc::now(),
        dry_run: false,
        limit: None,
    };
    let report = start(&store, &CampaignConfig::default(), &options).await.expect("start");
    report.campaign.expect("carol owns resources alone").id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_and_tasks_are_listed_with_what_they_take() {
    let app = spawn_app().await;
    let (status, empty) = app.json("/api/v1/campaigns").await;
    assert_eq!((status, empty["total"].as_u64()), (StatusCode::OK, Some(0)), "{empty}");
    let id = orphaned_campaign(&app).await;

    let (status, list) = app.json("/api/v1/campaigns?kind=orphaned&state=open").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!((list["total"].as_u64(), list["items"][0]["title"].as_str()), (Some(1), Some("Leavers")));
    let tasks = list["items"][0]["tasks"].as_u64().expect("task count");
    assert!(tasks > 0);
    let (status, none) = app.json("/api/v1/campaigns?kind=inactivity").await;
    assert_eq!((status, none["total"].as_u64()), (StatusCode::OK, Some(0)));
    let (status, err) = app.json("/api/v1/campaigns?kind=cleanup").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("inactivity"), "{err}");

    let (status, detail) = app.json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["tasks_by_state"]["asked_manager"].as_u64(), Some(tasks), "{detail}");
    for missing in ["/api/v1/campaigns/999", "/api/v1/campaigns/abc", "/api/v1/campaign-tasks/999"] {
        let (status, err) = app.json(missing).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}: {err}");
        assert_eq!(err["error"]["code"], "not_found");
    }

    // Bob's tasks, asked by his UPN or his id.
    let (status, bobs) = app.json("/api/v1/campaign-tasks?assignee=bob@contoso.example&state=open").await;
    assert_eq!(status, StatusCode::OK, "{bobs}");
    assert_eq!(bobs["total"].as_u64(), Some(tasks), "{bobs}");
    let first = &bobs["items"][0];
    assert_eq!(first["assignee"], "p-bob");
    assert_eq!(first["answers"], json!(["take_over", "reassign", "delete", "withdraw"]));
    let (_, by_id) = app.json(&format!("/api/v1/campaign-tasks?assignee=p-bob&campaign={id}")).await;
    assert_eq!(by_id["total"], bobs["total"]);
    let (_, alice) = app.json("/api/v1/campaign-tasks?assignee=alice@contoso.example").await;
    assert_eq!(alice["total"].as_u64(), Some(0));
    let (status, err) = app.json("/api/v1/campaign-tasks?state=pending").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("asked_manager"), "{err}");

    let task = first["id"].as_i64().unwrap();
    let (status, detail) = app.json(&format!("/api/v1/campaign-tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!((detail["campaign"]["id"].as_i64(), detail["history"][0]["action"].as_str()), (Some(id), Some("open")));
    assert!(detail["history"][0]["note"].as_str().unwrap().contains("owner p-carol left"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_checked_recorded_and_raced() {
    let app = spawn_app().await;
    orphaned_campaign(&app).await;
    let (_, bobs) = app.json("/api/v1/campaign-tasks?assignee=p-bob").await;
    let items = bobs["items"].as_array().unwrap();
    assert!(items.len() >= 2, "{bobs}");
    let (first, second) = (items[0]["id"].as_i64().unwrap(), items[1]["id"].as_i64().unwrap());
    let path = |id: i64| format!("/api/v1/campaign-tasks/{id}/answer");

    for (body, says) in [
        (r#"{"answer": "keep", "reason": "x", "by": "p-bob"}"#, "take_over"),
        (r#"{"answer": "withdraw", "by": "p-bob"}"#, "reason"),
        (r#"{"answer": "maybe", "by": "p-bob"}"#, "unknown answer"),
        (r#"{"answer": "take_over"}"#, "`by`"),
        (r#"{"answer": "take_over", "by": "p-bob", "owner": "x"}"#, "unknown field `owner`"),
        ("take it", "must be a JSON object"),
    ] {
        let (status, err) = post(&app, &path(first), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert!(err["error"]["message"].as_str().unwrap().contains(says), "{body}: {err}");
    }
    let (status, err) = post(&app, &path(999), r#"{"answer": "take_over", "by": "p-bob"}"#).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");

    // Bob (by UPN) takes the first over, with a note in the trail.
    let (status, done) =
        post(&app, &path(first), r#"{"answer": "take_over", "by": "bob@contoso.example", "note": "I run it now"}"#)
            .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!((done["step"]["to"].as_str(), done["step"]["actor"].as_str()), (Some("taken_over"), Some("p-bob")));
    assert_eq!(done["task"]["answers"], json!([]), "a closed task takes no answer");
    let (_, detail) = app.json(&format!("/api/v1/campaign-tasks/{first}")).await;
    let last = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["note"].as_str()), (Some("take_over"), Some("I run it now")));
    // Answering it again: the state machine refuses (400), naming the state.
    let (status, err) = post(&app, &path(first), r#"{"answer": "delete", "by": "p-bob"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("taken_over"), "{err}");

    // A reason-bearing answer takes `reason`, or `note` in its place.
    let (status, withdrawn) =
        post(&app, &path(second), r#"{"answer": "withdraw", "by": "p-bob", "note": "opened by mistake"}"#).await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["step"]["note"].as_str(), Some("opened by mistake"));

    // Eight answers at once on one open task: exactly one is recorded; the others are refused
    // as stale (409) or, when the task had already closed before they read it, by the machine.
    let open = items[2..].iter().map(|t| t["id"].as_i64().unwrap()).next();
    if let Some(task) = open {
        let url = format!("{}{}", app.base, path(task));
        let sends: Vec<_> = (0..8)
            .map(|_| {
                let request = app.client.post(url.clone()).body(r#"{"answer": "take_over", "by": "p-bob"}"#);
                tokio::spawn(async move { request.send().await.expect("send").status() })
            })
            .collect();
        let mut statuses = Vec::new();
        for send in sends {
            statuses.push(send.await.expect("the request task"));
        }
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::BAD_REQUEST].contains(s)));
        let (_, detail) = app.json(&format!("/api/v1/campaign-tasks/{task}")).await;
        let takes = detail["history"].as_array().unwrap().iter().filter(|e| e["action"] == "take_over").count();
        assert_eq!(takes, 1, "one answer in the trail: {detail}");
    }
}
