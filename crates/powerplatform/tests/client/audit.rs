//! Office 365 Management Activity API: PublisherIdentifier everywhere, the 24-hour window, blobs.

use crate::support::{self, Fake, PUBLISHER, Reply, TENANT};
use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::json;
use steward_powerplatform::ApiError;

#[tokio::test]
async fn every_o365_call_carries_the_publisher_identifier() {
    let fake = Fake::start().await;
    let url = fake.url();
    let feed = format!("/api/v1.0/{TENANT}/activity/feed");
    fake.script(
        &format!("{feed}/subscriptions/list"),
        vec![Reply::json(json!([{"contentType": "Audit.General", "status": "enabled", "webhook": null}]))],
    );
    fake.script(
        &format!("{feed}/subscriptions/start"),
        vec![Reply::json(json!({"contentType": "Audit.General", "status": "enabled", "webhook": null}))],
    );
    fake.script(
        &format!("{feed}/subscriptions/content"),
        vec![
            // The next-page link as the service sends it: without PublisherIdentifier.
            Reply::json(json!([])).header("NextPageUri", &format!("{url}{feed}/subscriptions/content?contentType=Audit.General&nextPage=2")),
            Reply::json(json!([{"contentType": "Audit.General", "contentId": "c1", "contentUri": format!("{url}{feed}/audit/c1"),
                                "contentCreated": "2026-05-19T13:17:34.000Z", "contentExpiration": "2026-05-26T13:17:34.000Z"}])),
        ],
    );
    fake.script(
        &format!("{feed}/audit/c1"),
        vec![Reply::json(json!([{
            "CreationTime": "2026-05-19T13:17:34", "Id": "r1", "Operation": "LaunchPowerApp", "RecordType": 256,
            "Workload": "PowerPlatform", "UserKey": "u1",
            "PropertyCollection": [{"Name": "powerplatform.analytics.resource.power_app.id", "Value": "app-1"}]
        }]))],
    );
    let client = support::client(&fake);

    let subscriptions = client.list_subscriptions().await.unwrap();
    assert_eq!(subscriptions[0].content_type, "Audit.General");
    let started = client.start_subscription("Audit.General").await.unwrap();
    assert_eq!(started.status.as_deref(), Some("enabled"));
    let start = Utc.with_ymd_and_hms(2026, 5, 19, 0, 0, 0).unwrap();
    let first = client.content_page("Audit.General", start, start + TimeDelta::hours(24), None).await.unwrap();
    let second =
        client.content_page("Audit.General", start, start + TimeDelta::hours(24), first.next.as_deref()).await.unwrap();
    let records = client.fetch_blob(&second.items[0].content_uri).await.unwrap();
    assert_eq!(records[0].id, "r1");
    assert_eq!(records[0].property("powerplatform.analytics.resource.power_app.id"), Some("app-1"));

    let calls = fake.api_requests();
    assert_eq!(calls.len(), 5);
    for call in &calls {
        assert_eq!(
            call.params().get("PublisherIdentifier").map(String::as_str),
            Some(PUBLISHER),
            "{} {}?{}",
            call.method,
            call.path,
            call.query
        );
    }
    let start_call = calls.iter().find(|c| c.path.ends_with("/start")).unwrap();
    assert_eq!(start_call.method, "POST");
    assert_eq!(start_call.params()["contentType"], "Audit.General");
    assert_eq!(start_call.headers["content-length"], "0");
    assert_eq!(calls.iter().filter(|c| c.params().contains_key("nextPage")).count(), 1);
}

#[tokio::test]
async fn a_window_over_24_hours_or_backwards_is_refused_before_sending() {
    let fake = Fake::start().await;
    let client = support::client(&fake);
    let start = Utc.with_ymd_and_hms(2026, 5, 19, 0, 0, 0).unwrap();
    let error = client.content_page("Audit.General", start, start + TimeDelta::hours(25), None).await.unwrap_err();
    assert!(matches!(error, ApiError::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("at most 24 hours") && error.url().contains("subscriptions/content"), "{error}");
    let error = client.content_page("Audit.General", start, start, None).await.unwrap_err();
    assert!(error.to_string().contains("not after"), "{error}");
    assert!(fake.seen().is_empty(), "nothing was sent, not even a token request");
}

#[tokio::test]
async fn starting_an_enabled_subscription_is_not_an_error() {
    let fake = Fake::start().await;
    fake.script(
        &format!("/api/v1.0/{TENANT}/activity/feed/subscriptions/start"),
        vec![Reply::status(
            400,
            r#"{"error":{"code":"AF20024","message":"The subscription is already enabled. No property change."}}"#,
        )],
    );
    let client = support::client(&fake);
    let subscription = client.start_subscription("Audit.General").await.unwrap();
    assert_eq!(subscription.content_type, "Audit.General");
    assert_eq!(subscription.status.as_deref(), Some("enabled"));
}

#[tokio::test]
async fn a_missing_subscription_is_reported_with_its_code() {
    let fake = Fake::start().await;
    fake.script(
        &format!("/api/v1.0/{TENANT}/activity/feed/subscriptions/content"),
        vec![Reply::status(
            400,
            r#"{"error":{"code":"AF20022","message":"No subscription found for the specified content type"}}"#,
        )],
    );
    let client = support::client(&fake);
    let start = Utc.with_ymd_and_hms(2026, 5, 19, 0, 0, 0).unwrap();
    let error = client.content_page("Audit.General", start, start + TimeDelta::hours(1), None).await.unwrap_err();
    assert_eq!(error.code(), Some("AF20022"));
    assert!(!error.is_transient());
}
