//! Sign-in with OpenID Connect, end to end against a local provider this test starts on
//! 127.0.0.1:0: discovery, JWKS, an authorize endpoint that sends the browser back with a code,
//! and a token endpoint that checks PKCE and the client secret and answers an id_token signed
//! with an ECDSA P-256 key made here. The provider can misbehave on purpose: a signature by
//! another key, another audience, an expired token, another nonce.

use crate::support::{TestApp, header, spawn_at};
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use steward_model::Role;
use steward_server::auth::{AuthSettings, AuthState, OidcSettings, Secret, WebSettings};

const CLIENT_ID: &str = "steward-test";
const CLIENT_SECRET: &str = "s3cret-for-tests";
const KID: &str = "test-key-1";

/// How the provider answers the token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Good,
    SignedByAnotherKey,
    OtherAudience,
    Expired,
    OtherNonce,
}

/// One authorization in flight at the provider.
#[derive(Debug, Clone)]
struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Provider {
    issuer: String,
    key: Vec<u8>,
    other_key: Vec<u8>,
    jwk: Value,
    mode: Mutex<Mode>,
    grants: Mutex<HashMap<String, Grant>>,
    /// Claims of the user who signs in at the provider.
    claims: Value,
}

type Shared = Arc<Provider>;

fn p256_key() -> (Vec<u8>, Vec<u8>) {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("generate a key");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("read the key");
    (pkcs8.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
}

async fn start_provider(claims: Value) -> Shared {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the provider");
    let issuer = format!("http://{}", listener.local_addr().expect("address"));
    let (key, public) = p256_key();
    let (other_key, _) = p256_key();
    // An uncompressed point: 0x04, then x and y (32 bytes each).
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": KID,
        "x": URL_SAFE_NO_PAD.encode(&public[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&public[33..65]),
    });
    let provider = Arc::new(Provider {
        issuer,
        key,
        other_key,
        jwk,
        mode: Mutex::new(Mode::Good),
        grants: Mutex::new(HashMap::new()),
        claims,
    });
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(provider.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    provider
}

async fn discovery(State(p): State<Shared>) -> Json<Value> {
    Json(json!({
        "issuer": p.issuer,
        "authorization_endpoint": format!("{}/authorize", p.issuer),
        "token_endpoint": format!("{}/token", p.issuer),
        "jwks_uri": format!("{}/jwks", p.issuer),
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
    }))
}

async fn jwks(State(p): State<Shared>) -> Json<Value> {
    // A key type jsonwebtoken does not read sits beside ours: it must be skipped, not fatal.
    Json(json!({ "keys": [{ "kty": "unknown", "kid": "odd" }, p.jwk] }))
}

async fn authorize(State(p): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    let ok = field("client_id") == CLIENT_ID
        && field("response_type") == "code"
        && field("code_challenge_method") == "S256"
        && field("scope").split(' ').any(|s| s == "openid");
    if !ok {
        return (StatusCode::BAD_REQUEST, format!("bad authorization request: {q:?}")).into_response();
    }
    let code = format!("code-{}", p.grants.lock().expect("lock").len());
    let grant =
        Grant { nonce: field("nonce"), challenge: field("code_challenge"), redirect_uri: field("redirect_uri") };
    p.grants.lock().expect("lock").insert(code.clone(), grant.clone());
    let state: String = url::form_urlencoded::byte_serialize(field("state").as_bytes()).collect();
    Redirect::to(&format!("{}?code={code}&state={state}", grant.redirect_uri)).into_response()
}

async fn token(State(p): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    let refuse =
        |why: &str| (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant", "error_description": why })));
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return refuse("client authentication failed").into_response();
    }
    let Some(grant) = p.grants.lock().expect("lock").remove(&field("code")) else {
        return refuse("unknown or used code").into_response();
    };
    let challenge =
        URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, field("code_verifier").as_bytes()));
    if challenge != grant.challenge || field("redirect_uri") != grant.redirect_uri {
        return refuse("PKCE verifier or redirect_uri does not match").into_response();
    }
    let mode = *p.mode.lock().expect("lock");
    let now = chrono::Utc::now().timestamp();
    let mut claims = p.claims.clone();
    claims["iss"] = json!(p.issuer);
    claims["aud"] = json!(if mode == Mode::OtherAudience { "someone-else" } else { CLIENT_ID });
    claims["iat"] = json!(now);
    claims["exp"] = json!(if mode == Mode::Expired { now - 3600 } else { now + 600 });
    claims["nonce"] = json!(if mode == Mode::OtherNonce { "another-sign-in" } else { grant.nonce.as_str() });
    let key = if mode == Mode::SignedByAnotherKey { &p.other_key } else { &p.key };
    let mut jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    jwt_header.kid = Some(KID.into());
    let id_token = jsonwebtoken::encode(&jwt_header, &claims, &jsonwebtoken::EncodingKey::from_ec_der(key))
        .expect("sign the id_token");
    Json(json!({ "access_token": "unused", "token_type": "Bearer", "id_token": id_token })).into_response()
}

async fn app_with(provider: &Shared, auto_provision: bool) -> TestApp {
    let issuer = provider.issuer.clone();
    spawn_at(false, move |state, base| {
        let oidc = OidcSettings {
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret_file: None,
            redirect_url: format!("{base}/signin/oidc/callback"),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            roles_claim: "roles".into(),
            roles: BTreeMap::from([
                ("Steward.Admin".to_string(), Role::Admin),
                ("Steward.Maker".to_string(), Role::Maker),
            ]),
            default_role: Role::Viewer,
            auto_provision,
            button_label: "Sign in with Microsoft".into(),
            client_secret: Secret::new(CLIENT_SECRET),
        };
        let settings = AuthSettings { oidc: Some(oidc), ..Default::default() };
        let auth = AuthState::new(settings, WebSettings::default()).expect("OIDC settings");
        state.auth = Arc::new(auth);
    })
    .await
}

fn ann() -> Value {
    json!({
        "sub": "entra-subject-ann",
        "oid": "p-alice",
        "name": "Ann Lee",
        "preferred_username": "Ann@Contoso.example",
        "roles": ["Steward.Maker", "Steward.Admin", "Unmapped.Role"],
    })
}

fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let pair = c.split(';').next().unwrap_or_default();
        pair.strip_prefix(&format!("{name}=")).map(str::to_string)
    })
}

/// Run the browser's part of the flow; returns the callback's response.
async fn sign_in(app: &TestApp, next: &str, tamper_state: bool) -> reqwest::Response {
    let browser = app.anonymous();
    let start = browser.get(app.url(&format!("/signin/oidc?next={next}"))).send().await.expect("start");
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let flow = cookie_value(&start, "steward_oidc").expect("the flow cookie");
    let authorize = header(&start, "location");
    let at_provider = browser.get(&authorize).send().await.expect("authorize");
    assert_eq!(at_provider.status(), StatusCode::SEE_OTHER, "{}", at_provider.text().await.unwrap_or_default());
    let mut callback = header(&at_provider, "location");
    if tamper_state {
        callback = callback.replace("state=", "state=x");
    }
    assert!(callback.starts_with(&app.url("/signin/oidc/callback?")), "{callback}");
    browser.get(&callback).header("cookie", format!("steward_oidc={flow}")).send().await.expect("callback")
}

async fn me(app: &TestApp, session: &str) -> Value {
    let response =
        app.anonymous().get(app.url("/api/v1/me")).header("cookie", format!("steward_session={session}")).send().await;
    response.expect("send").json().await.expect("JSON")
}

#[tokio::test]
async fn a_new_user_signs_in_with_the_provider_and_gets_the_mapped_role() {
    let provider = start_provider(ann()).await;
    let app = app_with(&provider, true).await;
    let page = app.anonymous().get(app.url("/signin")).send().await.expect("send").text().await.expect("page");
    assert!(page.contains("Sign in with Microsoft") && page.contains("/signin/oidc?next="));

    let done = sign_in(&app, "%2Fcompliance", false).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER, "{}", done.text().await.unwrap_or_default());
    assert_eq!(header(&done, "location"), "/compliance");
    assert_eq!(cookie_value(&done, "steward_oidc").as_deref(), Some(""), "the flow cookie is single-use");
    let session = cookie_value(&done, "steward_session").expect("a session");
    let who = me(&app, &session).await;
    assert_eq!(who["username"], "ann@contoso.example");
    assert_eq!(who["display_name"], "Ann Lee");
    assert_eq!(who["role"], "admin", "the highest mapped role");
    assert_eq!(who["principal_id"], "p-alice", "Entra's object id is the inventory principal");

    // The second sign-in finds the same user.
    let again = sign_in(&app, "%2F", false).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let users = app.store.list_users().await.expect("users");
    assert_eq!(users.iter().filter(|u| u.username == "ann@contoso.example").count(), 1);
    let user = users.iter().find(|u| u.username == "ann@contoso.example").expect("ann");
    assert_eq!(user.oidc_issuer.as_deref(), Some(provider.issuer.as_str()));
    assert!(user.password_hash.is_none());
    let trail = app
        .store
        .list_audit(&steward_store::auth::AuditQuery {
            target: Some("user:ann@contoso.example".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["session.signin", "session.signin", "user.create"]);
}

#[tokio::test]
async fn tokens_that_fail_verification_sign_nobody_in() {
    let provider = start_provider(ann()).await;
    let app = app_with(&provider, true).await;
    for (mode, says) in [
        (Mode::SignedByAnotherKey, "signature"),
        (Mode::OtherAudience, "another application"),
        (Mode::Expired, "expired"),
        (Mode::OtherNonce, "nonce"),
    ] {
        *provider.mode.lock().expect("lock") = mode;
        let response = sign_in(&app, "%2F", false).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{mode:?}");
        assert!(cookie_value(&response, "steward_session").is_none(), "{mode:?}");
        let page = response.text().await.expect("page");
        assert!(page.contains(says), "{mode:?}: {page}");
    }
    *provider.mode.lock().expect("lock") = Mode::Good;
    let response = sign_in(&app, "%2F", true).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a state from elsewhere");
    assert!(response.text().await.expect("page").contains("state"));
    // Without the flow cookie (another browser), nothing happens either.
    let response =
        app.anonymous().get(app.url("/signin/oidc/callback?code=code-0&state=x")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(app.store.user_by_username("ann@contoso.example").await.expect("read").is_none(), "no user was created");
}

#[tokio::test]
async fn without_auto_provisioning_only_accounts_an_admin_made_sign_in() {
    let provider = start_provider(json!({ "sub": "s-bob", "preferred_username": "bob@contoso.example" })).await;
    let app = app_with(&provider, false).await;
    let refused = sign_in(&app, "%2F", false).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.expect("page").contains("steward user add bob@contoso.example"));

    // An admin makes the account (no password): the first sign-in links it, with the default role.
    let body = json!({ "username": "bob@contoso.example", "role": "viewer" });
    assert_eq!(
        app.client.post(app.url("/api/v1/users")).json(&body).send().await.expect("send").status(),
        StatusCode::CREATED
    );
    let done = sign_in(&app, "%2F", false).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let session = cookie_value(&done, "steward_session").expect("a session");
    assert_eq!(me(&app, &session).await["role"], "viewer");
    let bob = app.store.user_by_username("bob@contoso.example").await.expect("read").expect("bob");
    assert_eq!(bob.oidc_subject.as_deref(), Some("s-bob"));
}
