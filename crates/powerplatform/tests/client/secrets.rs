//! Secrets stay out of Debug, Display, errors and logs.

use crate::support::{self, ENVIRONMENTS, Fake, Reply, SECRET, environments};
use steward_powerplatform::{ApiError, Secret};

#[test]
fn a_secret_prints_as_stars() {
    let secret = Secret::new("hunter2");
    assert_eq!(format!("{secret}"), "***");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(secret.expose(), "hunter2");
}

#[tokio::test]
async fn no_debug_output_or_error_shows_the_secret_or_a_token() {
    let fake = Fake::start().await;
    let source = support::source(&fake);
    assert!(!format!("{source:?}").contains(SECRET));

    fake.script(ENVIRONMENTS, vec![environments(&[], None)]);
    let client = support::client(&fake);
    client.environments_page(None).await.unwrap();
    assert!(!format!("{client:?}").contains(SECRET));

    // A service that echoes the secret in its refusal still does not get it into the error.
    fake.script_token(vec![Reply::status(
        400,
        &format!(r#"{{"error":"invalid_request","error_description":"AADSTS900144: bad body {SECRET}"}}"#),
    )]);
    let fresh = support::client(&fake);
    let error = fresh.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::Auth(_)));
    assert!(!error.to_string().contains(SECRET), "{error}");
    assert!(!format!("{error:?}").contains(SECRET), "{error:?}");
}

#[tokio::test]
async fn credentials_in_urls_are_redacted_in_errors() {
    let fake = Fake::start().await;
    let client = support::client(&fake);
    let uri = format!("{}/api/v1.0/t/activity/feed/audit/c1?sv=2020&sig=SHOULD-NOT-SHOW&se=2026", fake.url());
    let error = client.fetch_blob(&uri).await.unwrap_err();
    let text = error.to_string();
    assert!(!text.contains("SHOULD-NOT-SHOW") && text.contains("sig=***") && text.contains("sv=2020"), "{text}");
}
