use crate::support::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_ok_without_the_store() {
    let app = spawn_app().await;
    let (status, body) = app.json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn readyz_names_the_backend_when_the_store_answers() {
    let app = spawn_app().await;
    let (status, body) = app.json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["backend"], "sqlite");
}

/// A store that fails for real: tables dropped behind the server's back.
#[tokio::test]
async fn a_broken_store_is_unready_and_errors_leak_nothing() {
    let app = spawn_app().await;
    let connection = rusqlite::Connection::open(app.db_path()).expect("open the database beside the server");
    connection.busy_timeout(std::time::Duration::from_secs(10)).expect("set a busy timeout");
    connection
        .execute_batch(
            "PRAGMA foreign_keys = OFF; DROP TABLE resource_owners; DROP TABLE resource_connectors; \
             DROP TABLE resources; DROP TABLE tenants;",
        )
        .expect("drop tables");

    let (status, body) = app.json("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(!body.to_string().contains("no such table"), "{body}");

    let (status, body) = app.json("/api/v1/resources").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "internal");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("server log") && !message.contains("resources"), "{message}");

    let (status, html) = app.html("/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(html.contains("Something went wrong") && !html.contains("no such table"));
}

#[tokio::test]
async fn serve_returns_cleanly_after_shutdown_and_stops_listening() {
    let app = spawn_app().await;
    let (status, _) = app.json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let base = app.base.clone();
    let result = app.stop().await;
    assert!(result.is_ok(), "{result:?}");
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err(), "the listener is closed after shutdown");
}
