//! Notifications and the community: the delivery log is admins' (filters, retry of failed and
//! dead ones, the audit trail), each user chooses their own channels and frequencies, makers set
//! their skills, anyone signed in answers the feedback form and reads the directory and the
//! engagement figures; champions are admins'.

use crate::support::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use steward_model::Role;
use steward_store::notifications::{Attempt, ChannelKind, MessageKind, NewDelivery};

async fn call(app: &TestApp, role: Role, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.client_as(role).request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

/// A delivery that failed for good, as the sender leaves it.
async fn dead_delivery(app: &TestApp, key: &str) -> i64 {
    let now = chrono::Utc::now();
    let new = NewDelivery {
        kind: MessageKind::Violation,
        recipient: "maker".into(),
        channel: ChannelKind::Email,
        destination: "alice@example.com".into(),
        idempotency_key: key.into(),
        subject: "Action needed".into(),
        payload: json!({"message": {}}),
        at: now,
        due_at: now,
    };
    let id = app.store.enqueue_delivery(&new).await.expect("enqueue").delivery().id;
    app.store.claim_deliveries(now, now + chrono::Duration::minutes(5), 10).await.expect("claim");
    let failed =
        Attempt::Failed { at: now, error: "550 5.1.1 <alice@example.com> no such user".into(), retry_at: None };
    app.store.finish_delivery(id, &failed).await.expect("finish");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_read_the_delivery_log_and_retry_failed_deliveries() {
    let app = spawn_app().await;
    let dead = dead_delivery(&app, "violation:r1/p:1").await;
    let other = dead_delivery(&app, "violation:r2/p:1").await;

    for role in [Role::Maker, Role::Viewer, Role::EnvironmentAdmin] {
        let (status, _) = call(&app, role, Method::GET, "/api/v1/deliveries", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        let (status, _) = call(&app, role, Method::POST, &format!("/api/v1/deliveries/{dead}/retry"), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let (status, list) = call(&app, Role::Admin, Method::GET, "/api/v1/deliveries?status=dead", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(list["counts"]["dead"], 2);
    assert!(list["items"][0]["last_error"].as_str().is_some_and(|e| e.contains("550")));
    let (status, _) = call(&app, Role::Admin, Method::GET, "/api/v1/deliveries?status=lost", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown status is refused");
    let (_, page) = call(&app, Role::Admin, Method::GET, "/api/v1/deliveries?limit=1", None).await;
    assert_eq!(page["next_before"], other, "the next page starts below the newest");

    let (status, retried) =
        call(&app, Role::Admin, Method::POST, &format!("/api/v1/deliveries/{dead}/retry"), None).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["status"], "queued");
    let (status, _) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/deliveries/{dead}/retry"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a queued delivery is not retried again");
    let (status, _) = call(&app, Role::Admin, Method::POST, "/api/v1/deliveries/999999/retry", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = app.json(&format!("/api/v1/audit?target=delivery:{dead}")).await;
    assert_eq!(audit["items"][0]["action"], "delivery.retry");

    let (status, html) = app.html("/admin/deliveries").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("action=\"/admin/deliveries/{other}/retry\"")), "a retry form for the dead one");
    assert!(!html.contains(&format!("action=\"/admin/deliveries/{dead}/retry\"")), "none for the queued one");
    assert!(html.contains("no such user") && !html.contains("<alice@"), "the error is shown, escaped");
    assert!(html.contains("href=\"/admin/deliveries\""), "linked beside the admin pages");
    let response = app
        .client_as(Role::Admin)
        .post(app.url(&format!("/admin/deliveries/{other}/retry")))
        .form(&[("csrf", "")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let d = app.store.get_delivery(other).await.expect("get").expect("exists");
    assert_eq!(d.status, steward_store::notifications::DeliveryStatus::Queued, "retried from the page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_choose_their_own_channels_and_frequencies() {
    let app = spawn_app().await;
    let (status, mine) = call(&app, Role::Maker, Method::GET, "/api/v1/notifications/preferences", None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let find = |v: &Value, kind: &str, channel: &str| {
        v["preferences"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["kind"] == kind && p["channel"] == channel).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(find(&mine, "welcome", "email")["frequency"], "immediately", "e-mail by default");
    assert_eq!(find(&mine, "welcome", "slack")["frequency"], "off", "chat off by default");
    assert_eq!(find(&mine, "welcome", "email")["chosen"], false);

    let body = json!({"kind": "violation", "channel": "email", "frequency": "daily"});
    let (status, after) = call(&app, Role::Maker, Method::PUT, "/api/v1/notifications/preferences", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        find(&after, "violation", "email"),
        json!({"kind": "violation", "channel": "email", "frequency": "daily", "chosen": true})
    );
    let stored = app.store.notification_preferences("maker").await.expect("prefs");
    assert_eq!(stored.len(), 1, "stored for the caller only");
    let bad = json!({"kind": "violation", "channel": "email", "frequency": "hourly"});
    let (status, _) = call(&app, Role::Maker, Method::PUT, "/api/v1/notifications/preferences", Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let bad = json!({"channel": "email", "address": "not-an-address"});
    let (status, _) = call(&app, Role::Maker, Method::PUT, "/api/v1/notifications/destinations", Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let slack = json!({"channel": "slack", "address": "makers"});
    let (status, after) = call(&app, Role::Maker, Method::PUT, "/api/v1/notifications/destinations", Some(slack)).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["destinations"][0]["address"], "makers");

    // The page shows the grid and saves only what changed.
    let page = app.client_as(Role::Maker).get(app.url("/account/notifications")).send().await.expect("send");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("text");
    assert!(html.contains("name=\"welcome.teams\"") && html.contains("name=\"dest.email\""), "{html}");
    let response = app
        .client_as(Role::Maker)
        .post(app.url("/account/notifications"))
        .form(&[("csrf", ""), ("welcome.email", "off"), ("violation.email", "daily"), ("dest.slack", "makers")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = app.store.notification_preferences("maker").await.expect("prefs");
    assert_eq!(stored.len(), 2, "one more choice: {stored:?}");
    let (_, account) = app.html("/account").await;
    assert!(account.contains("href=\"/account/notifications\""), "linked from the account page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_community_has_a_directory_skills_feedback_and_figures() {
    let app = spawn_app().await;
    let (status, stored) = call(
        &app,
        Role::Maker,
        Method::PUT,
        "/api/v1/community/skills",
        Some(json!({"skills": ["Dataverse", " Power Automate "]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["skills"], json!(["dataverse", "power automate"]));
    assert_eq!(stored["principal_id"], "p-alice");
    let (status, _) =
        call(&app, Role::Viewer, Method::PUT, "/api/v1/community/skills", Some(json!({"skills": ["x"]}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers are not makers");

    let (status, dir) =
        call(&app, Role::Viewer, Method::GET, "/api/v1/community/directory?skill=dataverse", None).await;
    assert_eq!(status, StatusCode::OK, "{dir}");
    let everyone: Vec<&Value> =
        dir.as_object().into_iter().flat_map(|m| m.values()).flat_map(|v| v.as_array().into_iter().flatten()).collect();
    assert_eq!(everyone.len(), 1, "only the maker with that skill: {dir}");
    assert_eq!(everyone[0]["principal_id"], "p-alice");

    let (status, _) =
        call(&app, Role::Viewer, Method::POST, "/api/v1/community/feedback", Some(json!({"rating": 9}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "ratings are 1 to 5");
    let (status, f) = call(
        &app,
        Role::Viewer,
        Method::POST,
        "/api/v1/community/feedback",
        Some(json!({"rating": 4, "answered": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    let response = app
        .client_as(Role::Maker)
        .post(app.url("/community/feedback"))
        .form(&[("csrf", ""), ("rating", "2"), ("comment", "slow answers")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, e) = call(&app, Role::Viewer, Method::GET, "/api/v1/community/engagement", None).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["feedback"]["responses"], 2);
    assert_eq!(e["feedback"]["average_rating"], 3.0);
    assert_eq!(e["feedback"]["answered_share"], 0.5);

    let (status, _) = call(&app, Role::Maker, Method::GET, "/api/v1/community/champions", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, champions) = call(&app, Role::Admin, Method::GET, "/api/v1/community/champions", None).await;
    assert_eq!(status, StatusCode::OK, "{champions}");
    for c in champions.as_array().into_iter().flatten() {
        assert!(c["score"].as_u64().is_some_and(|s| s > 0 && s <= 100) && c["reasons"][0].is_string(), "{c}");
    }

    let (status, html) = app.html("/community").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/community\""), "in the navigation");
    assert!(html.contains("Suggested champions"), "admins see the champions");
    let maker = app.client_as(Role::Maker).get(app.url("/community")).send().await.expect("send");
    let maker = maker.text().await.expect("text");
    assert!(
        !maker.contains("Suggested champions") && maker.contains("action=\"/community/skills\""),
        "makers edit skills"
    );
    assert!(maker.contains("dataverse"));
    let (status, form) = app.html("/community/feedback").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"rating\"") && form.contains("name=\"csrf\""));
}
