//! Token requests, the token cache, and 401 handling.

use crate::support::{self, CLIENT_ID, ENVIRONMENTS, Fake, Reply, SECRET, TENANT, environments};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use std::sync::atomic::Ordering;
use steward_powerplatform::{ApiError, ClientCertificate, Credential, PowerPlatformClient};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[tokio::test]
async fn a_secret_token_request_sends_the_documented_form() {
    let fake = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![environments(&["e1"], None)]);
    let client = support::client(&fake);
    client.environments_page(None).await.unwrap();

    let tokens = fake.token_requests();
    assert_eq!(tokens.len(), 1);
    let request = &tokens[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/{TENANT}/oauth2/v2.0/token"));
    assert_eq!(request.headers["content-type"], "application/x-www-form-urlencoded");
    let form = request.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["scope"], "https://service.powerapps.com/.default");
    assert_eq!(form["client_secret"], SECRET);
    assert!(!form.contains_key("client_assertion"));

    let api = fake.requests_to(ENVIRONMENTS);
    assert_eq!(api[0].bearer().unwrap(), "token-1-for-https://service.powerapps.com/.default");
}

#[tokio::test]
async fn a_certificate_token_request_sends_a_signed_assertion() {
    let fake = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![environments(&[], None)]);
    let pem = std::fs::read(format!("{FIXTURES}/client-pkcs1.pem")).unwrap();
    let mut source = support::source(&fake);
    source.credential = Credential::Certificate(ClientCertificate::from_pem(&pem).unwrap());
    let client = PowerPlatformClient::new(source, support::options()).unwrap();
    client.environments_page(None).await.unwrap();

    let form = fake.token_requests()[0].form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert!(!form.contains_key("client_secret"));

    let jwt = &form["client_assertion"];
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    let thumbprint_hex = std::fs::read_to_string(format!("{FIXTURES}/client-thumbprint.txt")).unwrap();
    let thumbprint: Vec<u8> =
        (0..40).step_by(2).map(|i| u8::from_str_radix(&thumbprint_hex.trim()[i..i + 2], 16).unwrap()).collect();
    assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(thumbprint), "x5t is base64url(SHA-1(DER certificate))");

    assert_eq!(claims["aud"], format!("{}/{TENANT}/oauth2/v2.0/token", fake.url()));
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    let (nbf, iat, exp) =
        (claims["nbf"].as_u64().unwrap(), claims["iat"].as_u64().unwrap(), claims["exp"].as_u64().unwrap());
    assert!(nbf <= iat && iat < exp && exp - iat <= 600);

    let public = STANDARD
        .decode(std::fs::read_to_string(format!("{FIXTURES}/client-public-rsa.der.b64")).unwrap().trim())
        .unwrap();
    let key = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, public);
    let signed = format!("{}.{}", parts[0], parts[1]);
    key.verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
        .expect("the signature verifies with the certificate's key");
}

#[tokio::test]
async fn a_token_is_cached_and_reused() {
    let fake = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![environments(&["e1"], None)]);
    let client = support::client(&fake);
    for _ in 0..3 {
        client.environments_page(None).await.unwrap();
    }
    assert_eq!(fake.token_requests().len(), 1);
    let bearers: Vec<String> = fake.requests_to(ENVIRONMENTS).iter().map(|r| r.bearer().unwrap()).collect();
    assert_eq!(bearers.len(), 3);
    assert!(bearers.iter().all(|b| b == &bearers[0]));
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed() {
    let fake = Fake::start().await;
    // Inside the five-minute margin from the start: every use needs a new token.
    fake.state.token_lifetime.store(200, Ordering::SeqCst);
    fake.script(ENVIRONMENTS, vec![environments(&[], None)]);
    let client = support::client(&fake);
    client.environments_page(None).await.unwrap();
    client.environments_page(None).await.unwrap();
    assert_eq!(fake.token_requests().len(), 2);
    let bearers: Vec<String> = fake.requests_to(ENVIRONMENTS).iter().map(|r| r.bearer().unwrap()).collect();
    assert_ne!(bearers[0], bearers[1]);
}

#[tokio::test]
async fn each_audience_has_its_own_token() {
    let fake = Fake::start().await;
    let dataverse = Fake::start().await;
    fake.script(ENVIRONMENTS, vec![environments(&[], None)]);
    fake.script(
        "/providers/Microsoft.ProcessSimple/scopes/admin/environments/e1/v2/flows",
        vec![Reply::json(serde_json::json!({"value": []}))],
    );
    fake.script("/v1.0/users", vec![Reply::json(serde_json::json!({"value": []}))]);
    fake.script("/resourcequery/resources/query", vec![Reply::json(serde_json::json!({"data": []}))]);
    fake.script(
        &format!("/api/v1.0/{TENANT}/activity/feed/subscriptions/list"),
        vec![Reply::json(serde_json::json!([]))],
    );
    dataverse.script("/api/data/v9.2/bots", vec![Reply::json(serde_json::json!({"value": []}))]);
    let client = support::client(&fake);

    client.environments_page(None).await.unwrap();
    client.apps_page("e1", None).await.unwrap_err(); // not scripted: 404, but still a Power Apps token
    client.flows_page("e1", None).await.unwrap();
    client.users_page(None).await.unwrap();
    client.resource_query_page("PowerPlatformResources", &serde_json::json!([]), None).await.unwrap();
    client.list_subscriptions().await.unwrap();
    client.bots_page(&format!("{}/", dataverse.url()), None).await.unwrap();

    let mut scopes: Vec<String> = fake.token_requests().iter().map(|r| r.form()["scope"].clone()).collect();
    scopes.sort();
    let mut expected = vec![
        "https://service.powerapps.com/.default".to_string(),
        "https://service.flow.microsoft.com/.default".to_string(),
        "https://graph.microsoft.com/.default".to_string(),
        "https://api.powerplatform.com/.default".to_string(),
        "https://manage.office.com/.default".to_string(),
        format!("{}/.default", dataverse.url()),
    ];
    expected.sort();
    assert_eq!(scopes, expected, "one token per audience, BAP and Power Apps sharing one");
    let bot = &dataverse.requests_to("/api/data/v9.2/bots")[0];
    assert!(bot.bearer().unwrap().ends_with(&format!("for-{}/.default", dataverse.url())));
    let flows = &fake.api_requests().into_iter().find(|r| r.path.ends_with("/v2/flows")).unwrap();
    assert!(flows.bearer().unwrap().ends_with("for-https://service.flow.microsoft.com/.default"));
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let fake = Fake::start().await;
    fake.state.token_delay_ms.store(100, Ordering::SeqCst);
    fake.script(ENVIRONMENTS, vec![environments(&[], None)]);
    let client = support::client(&fake);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let client = client.clone();
        tasks.spawn(async move { client.environments_page(None).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(fake.token_requests().len(), 1);
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 10);
}

#[tokio::test]
async fn an_entra_refusal_is_an_auth_error_with_code_and_hint() {
    let fake = Fake::start().await;
    fake.script_token(vec![Reply::status(
        401,
        r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[7000215]}"#,
    )]);
    let client = support::client(&fake);
    let error = client.environments_page(None).await.unwrap_err();
    let ApiError::Auth(failure) = &error else { panic!("expected Auth, got {error:?}") };
    assert_eq!(failure.code, "invalid_client");
    assert_eq!(failure.status, 401);
    assert_eq!(failure.audience, "https://service.powerapps.com/");
    assert!(failure.detail.starts_with("AADSTS7000215"), "{}", failure.detail);
    assert!(!failure.detail.contains("Trace ID"), "only the first line is kept");
    assert!(error.is_permission() && !error.is_transient());
    let text = error.to_string();
    assert!(text.contains("/oauth2/v2.0/token") && text.contains("Value (not its ID)"), "{text}");
    assert!(!text.contains(SECRET));
    assert_eq!(fake.token_requests().len(), 1, "a refusal is not retried");
    assert!(fake.requests_to(ENVIRONMENTS).is_empty());
}

#[tokio::test]
async fn a_401_is_retried_once_with_a_fresh_token() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![
            Reply::status(401, r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#),
            environments(&["e1"], None),
        ],
    );
    let client = support::client(&fake);
    let page = client.environments_page(None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let api = fake.requests_to(ENVIRONMENTS);
    assert_eq!(api.len(), 2);
    assert_ne!(api[0].bearer(), api[1].bearer(), "the second attempt carries a new token");
    assert_eq!(fake.token_requests().len(), 2);
}

#[tokio::test]
async fn a_second_401_is_final() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![Reply::status(401, r#"{"error":{"code":"Unauthorized","message":"The app is not registered"}}"#)],
    );
    let client = support::client(&fake);
    let error = client.environments_page(None).await.unwrap_err();
    assert!(matches!(error, ApiError::Unauthorized { .. }), "{error:?}");
    assert!(error.is_permission());
    assert_eq!(error.code(), Some("Unauthorized"));
    assert!(error.to_string().contains("New-PowerAppManagementApp"));
    assert_eq!(fake.requests_to(ENVIRONMENTS).len(), 2, "exactly one retry");
    assert_eq!(client.stats().overall.failures, 1);
}

#[tokio::test]
async fn callers_waiting_on_a_failed_refresh_share_its_error() {
    let fake = Fake::start().await;
    fake.state.token_delay_ms.store(100, Ordering::SeqCst);
    fake.script_token(vec![Reply::status(
        400,
        r#"{"error":"invalid_client","error_description":"AADSTS700016: Application not found"}"#,
    )]);
    let client = support::client(&fake);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let client = client.clone();
        tasks.spawn(async move { client.environments_page(None).await });
    }
    while let Some(result) = tasks.join_next().await {
        let error = result.unwrap().unwrap_err();
        assert!(error.to_string().contains("check client_id and tenant_id"), "{error}");
    }
    assert_eq!(fake.token_requests().len(), 1, "one refusal serves every waiting caller");
}
