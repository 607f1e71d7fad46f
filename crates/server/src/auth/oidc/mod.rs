//! Sign-in with OpenID Connect (Entra ID first): the authorization code flow with PKCE, state
//! and nonce.
//!
//! `GET /signin/oidc` makes a state, a nonce and a PKCE verifier, keeps them in a short-lived
//! cookie signed with HMAC (so nothing is stored server-side and any replica can finish the
//! flow), and sends the browser to the provider. `GET /signin/oidc/callback` checks the state
//! against the cookie, exchanges the code with the verifier, verifies the id_token
//! ([`verify`]), finds or creates the user, and starts a session exactly like a password
//! sign-in (rotated, audited).

pub mod provider;
pub mod verify;

use crate::AppState;
use crate::audit;
use crate::auth::redirect;
use crate::auth::session;
use crate::auth::signin::{self, user_target};
use crate::error::ApiError;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider::Provider;
use ring::hmac;
use serde::{Deserialize, Serialize};
use steward_model::Role;
use steward_store::StoreError;
use steward_store::auth::User;
use verify::Identity;

/// The cookie that carries one sign-in's state, nonce and verifier to the callback.
pub const FLOW_COOKIE: &str = "steward_oidc";
/// How long someone may take at the provider.
const FLOW_SECONDS: i64 = 600;

/// The provider and the key that signs flow cookies.
#[derive(Debug)]
pub struct Oidc {
    pub provider: Provider,
    key: hmac::Key,
}

impl Oidc {
    pub fn new(settings: crate::auth::OidcSettings) -> Result<Oidc, String> {
        // Derived from the client secret, so every replica signs alike without another secret
        // to configure; without a secret (a public client), a key of this process.
        let key = if settings.client_secret.is_empty() {
            let rng = ring::rand::SystemRandom::new();
            hmac::Key::generate(hmac::HMAC_SHA256, &rng).map_err(|_| "no randomness for the OIDC cookie key")?
        } else {
            let base = hmac::Key::new(hmac::HMAC_SHA256, settings.client_secret.expose().as_bytes());
            let derived = hmac::sign(&base, b"steward oidc flow cookie v1");
            hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
        };
        Ok(Oidc { provider: Provider::new(settings)?, key })
    }
}

/// One sign-in in flight, as the flow cookie carries it.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    /// Unix seconds after which the flow is refused.
    expires: i64,
}

impl Flow {
    fn seal(&self, key: &hmac::Key) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let tag = hmac::sign(key, body.as_bytes());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    fn open(sealed: &str, key: &hmac::Key) -> Option<Flow> {
        let (body, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        hmac::verify(key, body.as_bytes(), &tag).ok()?;
        let flow: Flow = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (flow.expires > chrono::Utc::now().timestamp()).then_some(flow)
    }
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

fn configured(state: &AppState) -> Result<&Oidc, ApiError> {
    state.auth.oidc.as_ref().ok_or_else(|| ApiError::NoRoute("/signin/oidc (OpenID Connect is not configured)".into()))
}

/// `GET /signin/oidc`: off to the provider.
pub async fn start(State(state): State<AppState>, Query(query): Query<StartQuery>) -> Response {
    match begin(&state, query.next.as_deref()).await {
        Ok(response) => response,
        Err(error) => crate::web::errors::page(&state, error),
    }
}

async fn begin(state: &AppState, next: Option<&str>) -> Result<Response, ApiError> {
    let oidc = configured(state)?;
    let discovery = oidc.provider.discovery().await.map_err(provider_error)?;
    let (state_value, _) = crate::auth::tokens::new_token();
    let (nonce, _) = crate::auth::tokens::new_token();
    let (verifier, _) = crate::auth::tokens::new_token();
    let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()));
    let s = &oidc.provider.settings;
    let mut url = url::Url::parse(&discovery.authorization_endpoint)
        .map_err(|e| ApiError::internal("reading the provider's authorization endpoint", e))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("response_mode", "query")
        .append_pair("client_id", &s.client_id)
        .append_pair("redirect_uri", &s.redirect_url)
        .append_pair("scope", &s.scopes.join(" "))
        .append_pair("state", &state_value)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let flow = Flow {
        state: state_value,
        nonce,
        verifier,
        next: redirect::safe_next(next),
        expires: chrono::Utc::now().timestamp() + FLOW_SECONDS,
    };
    let mut response = Redirect::to(url.as_str()).into_response();
    let cookie = session::set_cookie(state, FLOW_COOKIE, &flow.seal(&oidc.key), Some(FLOW_SECONDS));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /signin/oidc/callback`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let mut response = match finish(&state, &headers, query).await {
        Ok(response) => response,
        Err(error) => crate::web::errors::page(&state, error),
    };
    // The flow is single-use whatever happened.
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(&state, FLOW_COOKIE));
    response
}

async fn finish(state: &AppState, headers: &HeaderMap, query: CallbackQuery) -> Result<Response, ApiError> {
    let oidc = configured(state)?;
    let refused = |reason: String| {
        tracing::warn!(%reason, "OpenID Connect sign-in refused");
        ApiError::Forbidden(format!("sign-in with the provider failed: {reason}; try again from /signin"))
    };
    if let Some(error) = query.error {
        let description = query.error_description.unwrap_or_default();
        return Err(refused(format!(
            "the provider answered {error}: {}",
            description.chars().take(300).collect::<String>()
        )));
    }
    let flow = session::cookie(headers, FLOW_COOKIE)
        .and_then(|sealed| Flow::open(sealed, &oidc.key))
        .ok_or_else(|| refused("the sign-in took too long or did not start here (no valid flow cookie)".into()))?;
    let sent_state = query.state.unwrap_or_default();
    if !crate::auth::csrf::matches(sent_state.as_bytes(), &flow.state) {
        return Err(refused("the state does not match this browser's sign-in".into()));
    }
    let code = query.code.filter(|c| !c.is_empty()).ok_or_else(|| refused("the provider sent no code".into()))?;
    let tokens = oidc.provider.exchange(&code, &flow.verifier).await.map_err(|e| refused(e.to_string()))?;
    let id_token = tokens.id_token.ok_or_else(|| refused("the provider sent no id_token".into()))?;
    let identity = verify::verify(&oidc.provider, &id_token, &flow.nonce).await.map_err(|e| refused(e.to_string()))?;

    let user = find_or_create(state, &oidc.provider.settings, &identity).await?;
    if user.disabled {
        return Err(ApiError::Forbidden("this account is disabled; ask a Steward admin to enable it".into()));
    }
    let cookie = signin::establish(state, headers, &user, "oidc").await?;
    let mut response = Redirect::to(&flow.next).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

fn provider_error(error: provider::ProviderError) -> ApiError {
    tracing::warn!(%error, "OpenID Connect provider");
    ApiError::Forbidden(format!("sign-in with the provider is unavailable: {error}"))
}

/// The role the claims map to (the highest of the mapped values), if any.
fn mapped_role(settings: &crate::auth::OidcSettings, identity: &Identity) -> Option<Role> {
    identity.list(&settings.roles_claim).iter().filter_map(|v| settings.roles.get(v).copied()).max_by_key(|r| r.rank())
}

/// The Steward user of this identity: found by (issuer, subject); else linked to an account an
/// admin created for it (same username, no password, no identity yet); else created when
/// auto-provisioning is on. Mapped roles are applied at every sign-in.
async fn find_or_create(
    state: &AppState,
    settings: &crate::auth::OidcSettings,
    identity: &Identity,
) -> Result<User, ApiError> {
    let store = &state.store;
    let now = chrono::Utc::now();
    let mapped = mapped_role(settings, identity);
    let existing = store
        .user_by_oidc(&identity.issuer, &identity.subject)
        .await
        .map_err(|e| ApiError::store("finding the user of an OIDC identity", e))?;
    if let Some(mut user) = existing {
        if let Some(role) = mapped.filter(|r| *r != user.role) {
            let before = audit::json(&user);
            user.role = role;
            user.updated_at = now;
            store.update_user(&user).await.map_err(|e| ApiError::store("updating a user's role", e))?;
            let target = user_target(&user.username);
            audit::record_as(state, "oidc", "ui", "user.role", target, before, audit::json(&user)).await;
        }
        return Ok(user);
    }

    let username = identity.username();
    let taken = store.user_by_username(&username).await.map_err(|e| ApiError::store("reading a user", e))?;
    if let Some(mut user) = taken {
        if user.password_hash.is_some() || user.oidc_subject.is_some() {
            return Err(ApiError::Conflict(format!(
                "a Steward account named '{username}' already exists and is not linked to this sign-in; ask an admin \
                 to link it (an account created without a password is linked at its first sign-in)"
            )));
        }
        let before = audit::json(&user);
        user.oidc_issuer = Some(identity.issuer.clone());
        user.oidc_subject = Some(identity.subject.clone());
        if let Some(role) = mapped {
            user.role = role;
        }
        if user.principal_id.is_none() {
            user.principal_id = identity.object_id();
        }
        user.updated_at = now;
        store.update_user(&user).await.map_err(|e| ApiError::store("linking an OIDC identity", e))?;
        let target = user_target(&user.username);
        audit::record_as(state, "oidc", "ui", "user.link", target, before, audit::json(&user)).await;
        return Ok(user);
    }
    if !settings.auto_provision {
        return Err(ApiError::Forbidden(format!(
            "there is no Steward account for '{username}'; ask an admin to create one (`steward user add {username}`)"
        )));
    }
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.clone(),
        display_name: identity.display_name(),
        email: identity.email(),
        role: mapped.unwrap_or(settings.default_role),
        environments: Vec::new(),
        principal_id: identity.object_id(),
        password_hash: None,
        oidc_issuer: Some(identity.issuer.clone()),
        oidc_subject: Some(identity.subject.clone()),
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    match store.create_user(&user).await {
        Ok(()) => {}
        Err(StoreError::Conflict(message)) => return Err(ApiError::Conflict(message)),
        Err(e) => return Err(ApiError::store("creating a user at first sign-in", e)),
    }
    let target = user_target(&user.username);
    audit::record_as(state, "oidc", "ui", "user.create", target, None, audit::json(&user)).await;
    Ok(user)
}
