//! Every request passes here after routing: who is calling (API token, session cookie, or the
//! demo admin), may they call this route (the access table from [`crate::routes`]), and, for
//! changes, is it not a forged cross-site request.
//!
//! Nothing is cached between requests: a revoked token, a disabled user or a deleted session
//! fails on the very next request. What keeps this fast is that tokens and session ids are
//! long random values, so one SHA-256 and an indexed lookup identify them (no argon2 here).

use crate::AppState;
use crate::auth::session::{self, SESSION_COOKIE, TOUCH_EVERY};
use crate::auth::{Caller, Via, allows, csrf};
use crate::error::ApiError;
use crate::routes::{Access, Endpoint};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use steward_store::auth::User;

/// The access level of every (method, registered path), and the paths themselves (a known
/// path with another method is a 405, not a 403).
#[derive(Debug, Default)]
pub struct AccessTable {
    routes: HashMap<(Method, &'static str), Access>,
    paths: HashSet<&'static str>,
}

impl AccessTable {
    pub fn new(endpoints: &[Endpoint]) -> AccessTable {
        let mut table = AccessTable::default();
        for e in endpoints {
            table.routes.insert((e.method.clone(), e.path), e.access);
            table.paths.insert(e.path);
        }
        table
    }

    /// What a route needs. HEAD is answered by the GET handler, so it needs what GET needs.
    pub fn lookup(&self, method: &Method, path: &str) -> Lookup {
        let method = if method == Method::HEAD { Method::GET } else { method.clone() };
        match self.routes.get(&(method, path)) {
            Some(access) => Lookup::Route(*access),
            None if self.paths.contains(path) => Lookup::OtherMethod,
            None => Lookup::Unregistered,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Route(Access),
    /// The path is registered for other methods: the router answers 405.
    OtherMethod,
    /// Matched by the router but absent from the registry: denied.
    Unregistered,
}

/// The middleware's state: the application and the access table built with the router.
#[derive(Clone)]
pub struct Gate {
    pub state: AppState,
    pub table: Arc<AccessTable>,
}

/// What the request carried, before checking it.
enum Credentials {
    Bearer(String),
    Cookie(String),
    None,
}

pub async fn authenticate(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let state = &gate.state;
    let api = request.uri().path().starts_with("/api/");
    let matched = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let access = match matched.as_deref().map(|p| gate.table.lookup(request.method(), p)) {
        // No route: the fallback answers 404 (it reveals nothing a 403 would not).
        None | Some(Lookup::OtherMethod) => return next.run(request).await,
        Some(Lookup::Unregistered) => {
            let error = ApiError::Forbidden("this route has no access level in the route registry".into());
            return deny(state, api, error);
        }
        Some(Lookup::Route(access)) => access,
    };

    let credentials = credentials(&request);
    let resolved = match &credentials {
        Credentials::Bearer(token) => match from_token(state, token).await {
            Ok(Some(caller)) => Some(caller),
            Ok(None) if access != Access::Public => return invalid_token(state, api),
            // A public route needs no credentials, so a token that is not an API token (the
            // `/metrics` scraper's metrics token) is not refused there.
            Ok(None) => None,
            Err(error) => return deny(state, api, error),
        },
        Credentials::Cookie(value) => match from_session(state, value).await {
            Ok(caller) => caller,
            Err(error) => return deny(state, api, error),
        },
        Credentials::None => None,
    };
    // A cookie that named no live session is cleared, so the browser stops sending it.
    let stale_cookie = matches!(credentials, Credentials::Cookie(_)) && resolved.is_none();
    let caller = resolved.or_else(|| state.demo.then(Caller::demo));

    let mut response = match authorize(state, request, caller.as_ref(), access, api).await {
        Ok(mut request) => {
            let authenticated = caller.is_some();
            if let Some(caller) = caller {
                request.extensions_mut().insert(caller);
            }
            let mut response = next.run(request).await;
            if authenticated {
                no_store(&mut response);
            }
            response
        }
        Err(response) => response,
    };
    if stale_cookie {
        response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(state, SESSION_COOKIE));
    }
    response
}

/// The access check and, for changes, the CSRF checks. Hands the request back (a form's body
/// may have been read and restored) or the response that refuses it.
async fn authorize(
    state: &AppState,
    request: Request,
    caller: Option<&Caller>,
    access: Access,
    api: bool,
) -> Result<Request, Response> {
    if access == Access::Public {
        return Ok(request);
    }
    let Some(caller) = caller else {
        return Err(unauthenticated(state, &request, api));
    };
    if !allows(Some(caller.role), access) {
        let error =
            ApiError::Forbidden(format!("your role ({}) may not do this; it needs {}", caller.role, needs(access)));
        return Err(deny(state, api, error));
    }
    if !csrf::is_unsafe(request.method()) {
        return Ok(request);
    }
    match caller.via {
        Via::Token => Ok(request),
        Via::Demo => match csrf::check_origin(request.headers(), state.auth.own_origin()) {
            Ok(()) => Ok(request),
            Err(error) => Err(deny(state, api, error)),
        },
        Via::Session => {
            if let Err(error) = csrf::check_origin(request.headers(), state.auth.own_origin()) {
                return Err(deny(state, api, error));
            }
            let expected = caller.csrf.as_deref().unwrap_or_default();
            csrf::check_token(request, expected).await.map_err(|error| deny(state, api, error))
        }
    }
}

fn needs(access: Access) -> &'static str {
    match access {
        Access::Public | Access::Read | Access::Rate => "any signed-in user",
        Access::Maker => "the maker, environment_admin or admin role",
        Access::EnvAdmin => "the environment_admin or admin role",
        Access::Admin => "the admin role",
    }
}

fn credentials(request: &Request) -> Credentials {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or_default().trim();
        let token = text
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_string())
            .unwrap_or_default();
        return Credentials::Bearer(token);
    }
    match session::cookie(request.headers(), SESSION_COOKIE) {
        Some(value) => Credentials::Cookie(value.to_string()),
        None => Credentials::None,
    }
}

/// The caller an API token stands for: usable (not revoked, not expired), its user enabled,
/// with the token's role unless the user's is lower now.
async fn from_token(state: &AppState, token: &str) -> Result<Option<Caller>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    let store = &state.store;
    let hash = crate::auth::tokens::hash_token(token);
    let found = store.api_token_and_user(&hash).await.map_err(|e| ApiError::store("reading an API token", e))?;
    let Some((t, user)) = found else { return Ok(None) };
    let now = Utc::now();
    if !t.is_usable(now) || user.disabled {
        return Ok(None);
    }
    if t.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        store.touch_api_token(&t.id, now).await.map_err(|e| ApiError::store("recording token use", e))?;
    }
    let role = if user.role.includes(t.role) { t.role } else { user.role };
    Ok(Some(caller(user, role, Via::Token, None)))
}

async fn from_session(state: &AppState, value: &str) -> Result<Option<Caller>, ApiError> {
    Ok(session::resolve(state, value).await?.map(|(session, user)| {
        let role = user.role;
        caller(user, role, Via::Session, Some(session.csrf_token))
    }))
}

pub fn caller(user: User, role: steward_model::Role, via: Via, csrf: Option<String>) -> Caller {
    Caller {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role,
        environments: user.environments,
        principal_id: user.principal_id,
        via,
        csrf,
    }
}

/// Nobody signed in: the API answers 401; a page asks the browser to sign in and come back.
fn unauthenticated(state: &AppState, request: &Request, api: bool) -> Response {
    if api {
        return ApiError::Unauthenticated.into_response();
    }
    if request.method() == Method::GET || request.method() == Method::HEAD {
        let next = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        return Redirect::to(&format!("/signin?next={encoded}")).into_response();
    }
    crate::web::errors::page(state, ApiError::Unauthenticated)
}

fn invalid_token(state: &AppState, api: bool) -> Response {
    let mut response = if api {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(crate::ErrorBody {
                error: crate::ErrorDetail {
                    code: "unauthenticated".into(),
                    message: "the API token is unknown, revoked or expired, or its user is disabled; create a new \
                              one on /account or with `steward token create`"
                        .into(),
                },
            }),
        )
            .into_response()
    } else {
        crate::web::errors::page(state, ApiError::Unauthenticated)
    };
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    response
}

/// Refuse: JSON under /api, an error page elsewhere.
fn deny(state: &AppState, api: bool, error: ApiError) -> Response {
    if api { error.into_response() } else { crate::web::errors::page(state, error) }
}

/// Answers for a signed-in user are theirs alone: no shared or browser cache keeps them.
fn no_store(response: &mut Response) {
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let personal = content_type.starts_with("text/html") || content_type.starts_with("application/json");
    if personal && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
