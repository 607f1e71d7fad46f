//! `GET/POST /signin` (local accounts) and `POST /signout`.
//!
//! Sign-in verifies the argon2 hash off the async threads, answers the same message for an
//! unknown user and a wrong password, counts failures per client address and per username
//! (429 with `Retry-After` past the limit), and ROTATES the session: a new random id, the
//! browser's previous session deleted, so a session id planted before sign-in is worthless.
//!
//! The sign-in form itself is protected against login CSRF by the `Origin` check and a
//! double-submit token: a random value in a short-lived cookie that the form must repeat.

use crate::AppState;
use crate::audit;
use crate::auth::session::{self, SESSION_COOKIE};
use crate::auth::{Caller, Via, csrf, ratelimit::SigninLimiter, redirect};
use crate::error::ApiError;
use crate::web::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Instant;
use steward_store::auth::User;

/// The double-submit cookie of the sign-in form.
pub const SIGNIN_COOKIE: &str = "steward_signin";
/// How long a sign-in form stays usable.
const SIGNIN_COOKIE_SECONDS: i64 = 3600;

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    layout: Layout,
    next: String,
    username: String,
    error: Option<String>,
    /// The text of the OpenID Connect button, when a provider is configured.
    oidc_button: Option<String>,
    oidc_href: String,
}

#[derive(Debug, Deserialize)]
pub struct SigninQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    csrf: String,
}

/// The client address the rate limit counts: the peer, or the first `X-Forwarded-For`
/// address when `[server] trust_forwarded_for` says a proxy sets it.
pub struct ClientAddr(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.auth.web.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
            if forwarded.is_some() {
                return Ok(ClientAddr(forwarded));
            }
        }
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())))
    }
}

pub async fn page(
    State(state): State<AppState>,
    caller: Option<Caller>,
    axum::extract::Query(query): axum::extract::Query<SigninQuery>,
) -> Response {
    let next = redirect::safe_next(query.next.as_deref());
    if caller.is_some_and(|c| c.via == Via::Session) {
        return Redirect::to(&next).into_response();
    }
    form(&state, StatusCode::OK, next, String::new(), None)
}

/// The form with a fresh double-submit token.
fn form(state: &AppState, status: StatusCode, next: String, username: String, error: Option<String>) -> Response {
    let (token, _) = crate::auth::tokens::new_token();
    let oidc_button = state.auth.settings.oidc.as_ref().map(|o| o.button_label.clone());
    let oidc_href = format!("/signin/oidc?next={}", redirect::encode(&next));
    let mut layout = Layout::public(state, "Sign in");
    layout.csrf = token.clone();
    let page = SigninPage { layout, next, username, error, oidc_button, oidc_href };
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let cookie = session::set_cookie(state, SIGNIN_COOKIE, &token, Some(SIGNIN_COOKIE_SECONDS));
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => crate::web::errors::page(state, ApiError::internal("rendering the sign-in page", e)),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(input): Form<SigninForm>,
) -> Response {
    let next = redirect::safe_next(input.next.as_deref());
    let username = input.username.trim().to_lowercase();
    if let Err(error) = csrf::check_origin(&headers, state.auth.own_origin()) {
        return crate::web::errors::page(&state, error);
    }
    let expected = session::cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if !csrf::matches(input.csrf.as_bytes(), expected) {
        let message = "the sign-in form expired or was not sent from this site; sign in again".to_string();
        return form(&state, StatusCode::FORBIDDEN, next, username, Some(message));
    }

    let keys = SigninLimiter::keys(client.as_deref(), &username);
    let limiter = &state.auth.limiter;
    if let Some(wait) = limiter.blocked(&keys, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let message = format!("too many failed sign-ins; try again in {minutes} minute(s)");
        let mut response = form(&state, StatusCode::TOO_MANY_REQUESTS, next, username, Some(message));
        let seconds = HeaderValue::from(wait.as_secs().max(1));
        response.headers_mut().insert(header::RETRY_AFTER, seconds);
        return response;
    }

    let user = match check_password(&state, &username, input.password).await {
        Ok(user) => user,
        Err(Refused { message, audit_reason }) => {
            limiter.record_failure(&keys, Instant::now());
            let after = serde_json::json!({ "reason": audit_reason, "client": client });
            audit::record_anonymous(
                &state,
                &username,
                "ui",
                "session.signin_failed",
                user_target(&username),
                Some(after),
            )
            .await;
            return form(&state, StatusCode::UNAUTHORIZED, next, username, Some(message));
        }
    };
    limiter.record_success(&username);
    let mut response = match establish(&state, &headers, &user, "password").await {
        Ok(cookie) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(error) => return crate::web::errors::page(&state, error),
    };
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(&state, SIGNIN_COOKIE));
    response
}

/// Start a new session for `user` (deleting the one the browser had: rotation), audit it,
/// and return the `Set-Cookie` value. Shared by password and OpenID Connect sign-in.
pub async fn establish(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
    method: &str,
) -> Result<HeaderValue, ApiError> {
    if let Some(previous) = session::cookie(headers, SESSION_COOKIE) {
        session::end(state, previous).await?;
    }
    let value = session::start(state, user).await?;
    let caller = crate::auth::middleware::caller(user.clone(), user.role, Via::Session, None);
    let after = serde_json::json!({ "method": method, "role": user.role });
    audit::record(state, &caller, "session.signin", user_target(&user.username), None, Some(after)).await;
    Ok(session::set_cookie(state, SESSION_COOKIE, &value, None))
}

pub fn user_target(username: &str) -> String {
    format!("user:{username}")
}

struct Refused {
    message: String,
    audit_reason: &'static str,
}

const WRONG: &str = "unknown username or wrong password";

/// The user whose password this is. An unknown user costs the same argon2 work as a known
/// one, so timing does not tell which usernames exist.
async fn check_password(state: &AppState, username: &str, password: String) -> Result<User, Refused> {
    let refused = |audit_reason| Refused { message: WRONG.into(), audit_reason };
    if username.is_empty() || password.is_empty() {
        return Err(refused("empty"));
    }
    let user = match state.store.user_by_username(username).await {
        Ok(user) => user,
        Err(error) => {
            tracing::error!(%error, "reading a user at sign-in failed");
            return Err(Refused {
                message: "sign-in is unavailable right now (the database did not answer); try again shortly".into(),
                audit_reason: "store error",
            });
        }
    };
    let phc = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || match phc {
        Some(phc) => crate::auth::tokens::verify_password(&password, &phc),
        None => {
            crate::auth::tokens::burn_password_time(&password);
            false
        }
    })
    .await
    .unwrap_or(false);
    match user {
        Some(user) if verified && user.disabled => Err(Refused {
            message: "this account is disabled; ask a Steward admin to enable it".into(),
            audit_reason: "disabled",
        }),
        Some(user) if verified => Ok(user),
        Some(user) if user.password_hash.is_none() => Err(refused("no password (OIDC only)")),
        Some(_) => Err(refused("wrong password")),
        None => Err(refused("unknown user")),
    }
}

pub async fn signout(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> Response {
    if let Some(value) = session::cookie(&headers, SESSION_COOKIE) {
        if let Err(error) = session::end(&state, value).await {
            return crate::web::errors::page(&state, error);
        }
        audit::record(&state, &caller, "session.signout", user_target(&caller.username), None, None).await;
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(&state, SESSION_COOKIE));
    response
}
