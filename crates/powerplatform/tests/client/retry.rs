//! Throttling, server errors, broken transfers, timeouts, the give-up point and the per-host limit.

use crate::support::{self, ENVIRONMENTS, Fake, Reply, environments};
use std::time::{Duration, SystemTime};
use steward_powerplatform::{ApiError, ClientOptions, PowerPlatformClient};

fn gap(fake: &Fake) -> Duration {
    let seen = fake.requests_to(ENVIRONMENTS);
    seen[1].at.duration_since(seen[0].at)
}

#[tokio::test]
async fn a_429_waits_the_retry_after_seconds() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![
            Reply::status(429, r#"{"error":{"code":"TooManyRequests"}}"#).header("retry-after", "1"),
            environments(&["e1"], None),
        ],
    );
    let client = support::client(&fake);
    let page = client.environments_page(None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    // A lower bound only: the server asked for a second, the client must not come back sooner.
    assert!(gap(&fake) >= Duration::from_millis(950), "{:?}", gap(&fake));
    let stats = client.stats();
    assert_eq!((stats.overall.throttled, stats.overall.retries, stats.overall.failures), (1, 1, 0));
    let host = &stats.hosts[&fake.addr.to_string()];
    assert_eq!(host.throttled, 1);
    assert_eq!(host.calls, 3, "token request and two attempts");
}

#[tokio::test]
async fn a_429_waits_until_the_retry_after_date() {
    let fake = Fake::start().await;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    fake.script(ENVIRONMENTS, vec![Reply::status(429, "").header("retry-after", &date), environments(&["e1"], None)]);
    let client = support::client(&fake);
    client.environments_page(None).await.unwrap();
    // The date has one-second resolution, so the wait is somewhere in (1 s, 2 s].
    assert!(gap(&fake) >= Duration::from_millis(900), "{:?}", gap(&fake));
}

#[tokio::test]
async fn a_403_af429_is_throttling_and_is_retried() {
    let fake = Fake::start().await;
    let af429 = r#"{"error":{"code":"AF429","message":"Too many requests. Method=GetBlob, PublisherId=00000000-0000-0000-0000-000000000000"}}"#;
    fake.script(ENVIRONMENTS, vec![Reply::status(403, af429), Reply::status(403, af429), environments(&["e1"], None)]);
    let client = support::client(&fake);
    client.environments_page(None).await.unwrap();
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 3);
    assert_eq!(client.stats().overall.throttled, 2);
}

#[tokio::test]
async fn a_500_then_success() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![
            Reply::status(500, r#"{"error":{"code":"InternalServerError","message":"boom"}}"#),
            environments(&["e1"], None),
        ],
    );
    let client = support::client(&fake);
    assert_eq!(client.environments_page(None).await.unwrap().items.len(), 1);
    assert_eq!(client.stats().overall.retries, 1);
}

#[tokio::test]
async fn a_408_then_a_503_then_success() {
    let fake = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![Reply::status(408, ""), Reply::status(503, ""), environments(&["e1"], None)]);
    let client = support::client(&fake);
    assert_eq!(client.environments_page(None).await.unwrap().items.len(), 1);
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 3);
}

#[tokio::test]
async fn a_truncated_body_then_success() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![Reply::status(200, r#"{"value":[{"id":"/providers/x","na"#), environments(&["e1"], None)],
    );
    let client = support::client(&fake);
    assert_eq!(client.environments_page(None).await.unwrap().items[0].name, "e1");
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 2);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_not_retried() {
    let fake = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![Reply::json(serde_json::json!({"value": [{"unexpected": true}]}))]);
    let client = support::client(&fake);
    let error = client.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::InvalidBody { .. }), "{error:?}");
    assert!(error.to_string().contains("missing field"), "the serde message is kept: {error}");
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 1);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![environments(&["slow"], None).delay(Duration::from_secs(3)), environments(&["e1"], None)],
    );
    let options = ClientOptions { request_timeout: Duration::from_millis(300), ..support::options() };
    let client = PowerPlatformClient::new(support::source(&fake), options).unwrap();
    assert_eq!(client.environments_page(None).await.unwrap().items[0].name, "e1");
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 2);
}

#[tokio::test]
async fn giving_up_after_max_attempts_says_so() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![Reply::status(503, r#"{"error":{"code":"ServiceUnavailable","message":"try later"}}"#)],
    );
    let client = support::client(&fake);
    let error = client.environments_page(None).await.unwrap_err();
    match &error {
        ApiError::Server { status, attempts, detail, .. } => {
            assert_eq!((*status, *attempts), (503, 4));
            assert_eq!(detail, "ServiceUnavailable: try later");
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert!(error.is_transient() && !error.is_permission());
    assert_eq!(error.method(), "GET");
    assert!(error.url().contains(ENVIRONMENTS) && error.url().contains("api-version=2020-10-01"));
    let text = error.to_string();
    assert!(text.contains("after 4 attempts") && text.contains("run the sync later"), "{text}");
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 4);
    let stats = client.stats().overall;
    assert_eq!((stats.retries, stats.failures), (3, 1));

    fake.script(ENVIRONMENTS, vec![Reply::status(429, "")]);
    let error = client.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::Throttled { attempts: 4, .. }), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error_after_retries() {
    let fake = Fake::start().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let mut source = support::source(&fake);
    source.endpoints.bap = format!("http://{closed}");
    let client = PowerPlatformClient::new(source, support::options()).unwrap();
    let error = client.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::Transport { attempts: 4, .. }), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(client.stats().hosts[&closed.to_string()].calls, 4);
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let fake = Fake::start().await;
    let client = support::client(&fake);

    fake.script(
        ENVIRONMENTS,
        vec![Reply::status(
            403,
            r#"{"error":{"code":"Forbidden","message":"does not have permission to access the path"}}"#,
        )],
    );
    let error = client.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::Forbidden { .. }) && error.is_permission(), "{error:?}");
    assert!(error.to_string().contains("does not have permission"));

    fake.script(ENVIRONMENTS, vec![Reply::status(404, "")]);
    assert!(matches!(client.environments_page(None).await.unwrap_err(), ApiError::NotFound { .. }));

    fake.script(
        ENVIRONMENTS,
        vec![Reply::status(400, r#"{"error":{"code":"InvalidApiVersion","message":"bad version"}}"#)],
    );
    let error = client.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::Rejected { status: 400, .. }), "{error:?}");
    assert_eq!(error.code(), Some("InvalidApiVersion"));

    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 3, "one attempt each");
    assert_eq!(client.stats().overall.retries, 0);
}

#[tokio::test]
async fn the_per_host_limit_is_never_exceeded() {
    let fake = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![environments(&["e1"], None).delay(Duration::from_millis(40))]);
    let options = ClientOptions { concurrency_per_host: 3, ..support::options() };
    let client = PowerPlatformClient::new(support::source(&fake), options).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..15 {
        let client = client.clone();
        tasks.spawn(async move { client.environments_page(None).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 15);
    assert!(fake.max_in_flight() <= 3, "saw {} in flight", fake.max_in_flight());
    assert!(fake.max_in_flight() >= 2, "requests did run concurrently");
}
