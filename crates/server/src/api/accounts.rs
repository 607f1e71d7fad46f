//! Accounts over the API: who am I (`/api/v1/me`), users (admins), API tokens (everyone their
//! own; admins anyone's) and the audit trail (admins).
//!
//! Every change is audited with the user or token before and after (token hashes and password
//! hashes are never serialised).

use crate::AppState;
use crate::audit;
use crate::auth::signin::user_target;
use crate::auth::{Caller, Via};
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use steward_model::{Page, Role, Timestamp};
use steward_store::auth::{ApiToken, AuditEntry, AuditQuery, User};
use steward_store::{Cursor, StoreError};

/// `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// The effective role: a token's role, or the user's.
    pub role: Role,
    pub environments: Vec<String>,
    pub principal_id: Option<String>,
    /// `session`, `token` or `demo`.
    pub via: String,
    /// The session's CSRF token, for scripts that call the API with the session cookie
    /// (header `X-CSRF-Token`); absent for tokens and the demo.
    pub csrf_token: Option<String>,
}

pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let email = match caller.via {
        Via::Demo => None,
        Via::Session | Via::Token => {
            let user = state.store.get_user(&caller.user_id).await.map_err(|e| ApiError::store("reading a user", e))?;
            user.and_then(|u| u.email)
        }
    };
    let via = match caller.via {
        Via::Session => "session",
        Via::Token => "token",
        Via::Demo => "demo",
    };
    Ok(Json(Me {
        id: caller.user_id,
        username: caller.username,
        display_name: caller.display_name,
        email,
        role: caller.role,
        environments: caller.environments,
        principal_id: caller.principal_id,
        via: via.into(),
        csrf_token: caller.csrf,
    }))
}

// ---- users ---------------------------------------------------------------------------------

/// `GET /api/v1/users`: every user, by username (admins).
pub async fn users(State(state): State<AppState>) -> Result<Json<Page<User>>, ApiError> {
    let items = state.store.list_users().await.map_err(|e| ApiError::store("listing users", e))?;
    Ok(Json(Page { total: items.len() as u64, items, next: None }))
}

const NEW_USER_SHAPE: &str = r#"{"username": "ann", "role": "maker", "display_name": "Ann Lee", "email": "ann@example.com", "environments": [], "principal_id": "…", "password": "…"}"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub environments: Vec<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
    /// Absent: the user signs in only through OpenID Connect.
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /api/v1/users` (admins): 201 with the user.
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let input: NewUser = json_body(&body, NEW_USER_SHAPE)?;
    let user = add_user(&state, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Create a user (API and the admin page), audited.
pub async fn add_user(state: &AppState, caller: &Caller, input: NewUser) -> Result<User, ApiError> {
    let username = check_username(&input.username)?;
    let password_hash = match input.password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };
    let now = Utc::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        display_name: params::text(&input.display_name).unwrap_or_else(|| username.clone()),
        username,
        email: params::text(&input.email),
        role: input.role,
        environments: clean_list(input.environments),
        principal_id: params::text(&input.principal_id),
        password_hash,
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    state.store.create_user(&user).await.map_err(|e| conflict_or("creating a user", e))?;
    audit::record(state, caller, "user.create", user_target(&user.username), None, audit::json(&user)).await;
    Ok(user)
}

const UPDATE_USER_SHAPE: &str = r#"{"role": "environment_admin", "environments": ["env-1"], "disabled": false, "display_name": "…", "email": "…", "principal_id": "…"}"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub principal_id: Option<String>,
}

/// `PUT /api/v1/users/{id}` (admins; `id` or username): change role, environments, disabled.
/// Disabling signs the user out everywhere. The last enabled admin cannot be demoted or
/// disabled (nobody could manage users any more).
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<User>, ApiError> {
    let change: UserChange = json_body(&body, UPDATE_USER_SHAPE)?;
    Ok(Json(change_user(&state, &caller, &id, change).await?))
}

/// Change a user (API and the admin page), audited.
pub async fn change_user(state: &AppState, caller: &Caller, id: &str, change: UserChange) -> Result<User, ApiError> {
    let before = find_user(state, id).await?;
    let mut user = before.clone();
    if let Some(role) = change.role {
        user.role = role;
    }
    if let Some(environments) = change.environments {
        user.environments = clean_list(environments);
    }
    if let Some(disabled) = change.disabled {
        user.disabled = disabled;
    }
    if let Some(name) = change.display_name {
        user.display_name = params::text(&Some(name)).unwrap_or_else(|| user.username.clone());
    }
    if let Some(email) = change.email {
        user.email = params::text(&Some(email));
    }
    if let Some(principal) = change.principal_id {
        user.principal_id = params::text(&Some(principal));
    }
    let was_admin = before.role == Role::Admin && !before.disabled;
    let stays_admin = user.role == Role::Admin && !user.disabled;
    if was_admin && !stays_admin {
        let users = state.store.list_users().await.map_err(|e| ApiError::store("listing users", e))?;
        let admins = users.iter().filter(|u| u.role == Role::Admin && !u.disabled && u.id != user.id).count();
        if admins == 0 {
            return Err(ApiError::Conflict(format!(
                "'{}' is the last enabled admin; make another user admin first",
                user.username
            )));
        }
    }
    user.updated_at = Utc::now();
    state.store.update_user(&user).await.map_err(|e| conflict_or("updating a user", e))?;
    if user.disabled && !before.disabled {
        state.store.delete_user_sessions(&user.id).await.map_err(|e| ApiError::store("signing a user out", e))?;
    }
    if !user.role.includes(before.role) {
        revoke_above(state, caller, &user).await?;
    }
    let action = match (before.disabled, user.disabled) {
        (false, true) => "user.disable",
        (true, false) => "user.enable",
        _ => "user.update",
    };
    audit::record(state, caller, action, user_target(&user.username), audit::json(&before), audit::json(&user)).await;
    Ok(user)
}

/// A lowered role revokes the user's tokens above it (as `steward user role` does): they are
/// already capped at the user's role on every request, but would regain their power if the
/// role were raised again.
async fn revoke_above(state: &AppState, caller: &Caller, user: &User) -> Result<(), ApiError> {
    let tokens = state.store.list_api_tokens(Some(&user.id)).await.map_err(|e| ApiError::store("listing tokens", e))?;
    let now = Utc::now();
    for token in tokens.into_iter().filter(|t| t.revoked_at.is_none() && !user.role.includes(t.role)) {
        let after =
            state.store.revoke_api_token(&token.id, now).await.map_err(|e| ApiError::store("revoking a token", e))?;
        let target = format!("token:{}", token.id);
        audit::record(state, caller, "token.revoke", target, audit::json(&token), audit::json(&after)).await;
    }
    Ok(())
}

async fn find_user(state: &AppState, id_or_name: &str) -> Result<User, ApiError> {
    let store = &state.store;
    if let Some(user) = store.get_user(id_or_name).await.map_err(|e| ApiError::store("reading a user", e))? {
        return Ok(user);
    }
    store
        .user_by_username(id_or_name)
        .await
        .map_err(|e| ApiError::store("reading a user", e))?
        .ok_or_else(|| ApiError::NotFound { what: "user", plural: "/api/v1/users", id: id_or_name.to_string() })
}

/// Usernames are lowercase; letters, digits and `.`, `_`, `-`, `@` (e-mail style names fit).
pub fn check_username(name: &str) -> Result<String, ApiError> {
    let name = name.trim().to_lowercase();
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::invalid(
            "username",
            format!("username '{name}' is not valid: use 1 to 128 letters, digits, '.', '_', '-' or '@'"),
        ))
    }
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    steward_credentials::check_new_password(&password).map_err(|e| ApiError::invalid("password", e.to_string()))?;
    tokio::task::spawn_blocking(move || crate::auth::tokens::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal("hashing a password", e))?
        .map_err(|e| ApiError::internal("hashing a password", e))
}

fn clean_list(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = list.into_iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

// ---- tokens --------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct TokenListParams {
    /// Admins: another user's tokens (username or id), or `*` for everyone's.
    user: Option<String>,
}

/// `GET /api/v1/tokens`: the caller's tokens; admins may name a user (`?user=`) or `*`.
pub async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<TokenListParams>,
) -> Result<Json<Page<ApiToken>>, ApiError> {
    let owner = match params::text(&p.user) {
        None => Some(caller.user_id.clone()),
        Some(name) => {
            must_be_admin(&caller, "list another user's tokens")?;
            if name == "*" { None } else { Some(find_user(&state, &name).await?.id) }
        }
    };
    let items =
        state.store.list_api_tokens(owner.as_deref()).await.map_err(|e| ApiError::store("listing tokens", e))?;
    Ok(Json(Page { total: items.len() as u64, items, next: None }))
}

const NEW_TOKEN_SHAPE: &str = r#"{"name": "CI export", "role": "viewer", "expires_days": 90, "user": "ann"}"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// Default: the owner's role (capped by the caller's).
    #[serde(default)]
    pub role: Option<Role>,
    /// Default: no expiry.
    #[serde(default)]
    pub expires_days: Option<u32>,
    /// Admins: create it for another user (username or id).
    #[serde(default)]
    pub user: Option<String>,
}

/// The answer to creating a token: the token itself, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The bearer token. Only its hash is stored: copy it now.
    pub token: String,
    #[serde(flatten)]
    pub details: ApiToken,
}

/// `POST /api/v1/tokens`: 201 with the token, once.
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let input: NewToken = json_body(&body, NEW_TOKEN_SHAPE)?;
    let created = issue_token(&state, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Create a token for the caller (or, for admins, another user); shared with the account page.
pub async fn issue_token(state: &AppState, caller: &Caller, input: NewToken) -> Result<CreatedToken, ApiError> {
    let name = params::text(&Some(input.name)).ok_or_else(|| ApiError::invalid("name", "a token needs a name"))?;
    if caller.via == Via::Demo {
        return Err(ApiError::Forbidden(
            "the demo admin has no account to own tokens; create a user with `steward user add` first".into(),
        ));
    }
    let owner = match params::text(&input.user) {
        Some(who) if who != caller.username && who != caller.user_id => {
            must_be_admin(caller, "create a token for another user")?;
            find_user(state, &who).await?
        }
        _ => find_user(state, &caller.user_id).await?,
    };
    // Never above the owner's role, and never above what the caller holds right now (a viewer
    // token must not mint an admin token).
    let ceiling = if caller.role.includes(owner.role) { owner.role } else { caller.role };
    let role = input.role.unwrap_or(ceiling);
    if !ceiling.includes(role) {
        return Err(ApiError::invalid(
            "role",
            format!("a token for '{}' can have at most the role {ceiling}, not {role}", owner.username),
        ));
    }
    let now = Utc::now();
    let expires_at = match input.expires_days {
        Some(0) => {
            return Err(ApiError::invalid("expires_days", "expires_days must be at least 1 (omit it for no expiry)"));
        }
        Some(days) => Some(now + chrono::Duration::days(i64::from(days.min(3650)))),
        None => None,
    };
    let (plain, hash) = crate::auth::tokens::new_api_token();
    let token = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        token_hash: hash,
        user_id: owner.id.clone(),
        role,
        created_at: now,
        expires_at,
        last_used_at: None,
        revoked_at: None,
    };
    state.store.create_api_token(&token).await.map_err(|e| conflict_or("creating a token", e))?;
    let target = format!("token:{}", token.id);
    let after = serde_json::json!({ "token": &token, "user": owner.username });
    audit::record(state, caller, "token.create", target, None, Some(after)).await;
    Ok(CreatedToken { token: plain, details: token })
}

/// `POST /api/v1/tokens/{id}/revoke`: own tokens; admins any.
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ApiToken>, ApiError> {
    Ok(Json(revoke(&state, &caller, &id).await?))
}

pub async fn revoke(state: &AppState, caller: &Caller, id: &str) -> Result<ApiToken, ApiError> {
    let scope = if caller.is_admin() { None } else { Some(caller.user_id.as_str()) };
    let tokens = state.store.list_api_tokens(scope).await.map_err(|e| ApiError::store("listing tokens", e))?;
    let Some(before) = tokens.into_iter().find(|t| t.id == id) else {
        return Err(ApiError::NotFound { what: "token", plural: "/api/v1/tokens", id: id.to_string() });
    };
    let after =
        state.store.revoke_api_token(id, Utc::now()).await.map_err(|e| ApiError::store("revoking a token", e))?;
    let target = format!("token:{id}");
    audit::record(state, caller, "token.revoke", target, audit::json(&before), audit::json(&after)).await;
    Ok(after)
}

// ---- audit trail ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    actor: Option<String>,
    target: Option<String>,
    /// Actions starting with this (`exemption.` or `exemption.add`).
    action: Option<String>,
    since: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// A page of the audit trail, newest first. No `total`: the trail only grows and counting it
/// would read all of it; follow `next` until it is null.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next: Option<String>,
}

/// `GET /api/v1/audit` (admins).
pub async fn audit_trail(
    State(state): State<AppState>,
    Params(p): Params<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(load_audit(&state, &p).await?))
}

pub async fn load_audit(state: &AppState, p: &AuditParams) -> Result<AuditPage, ApiError> {
    let limit = params::limit(&p.limit)?.unwrap_or(50).min(AuditQuery::MAX_LIMIT - 1);
    let before_id = match params::text(&p.cursor) {
        None => None,
        Some(text) => Some(
            Cursor::decode(&text)
                .ok()
                .and_then(|c| c.id.parse::<i64>().ok())
                .ok_or_else(crate::error::invalid_cursor)?,
        ),
    };
    let since: Option<Timestamp> = match params::text(&p.since) {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
                })
                .map_err(|_| {
                    ApiError::invalid("since", format!("`since` '{text}' is not a date (YYYY-MM-DD) or RFC 3339 time"))
                })?,
        ),
    };
    let query = AuditQuery {
        actor: params::text(&p.actor),
        target: params::text(&p.target),
        action_prefix: params::text(&p.action),
        since,
        before_id,
        // One more than asked tells whether there is a next page.
        limit: limit + 1,
    };
    let mut items = state.store.list_audit(&query).await.map_err(|e| ApiError::store("reading the audit trail", e))?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|e| Cursor { key: None, id: e.id.to_string() }.encode())
    } else {
        None
    };
    Ok(AuditPage { items, next })
}

impl AuditParams {
    /// The filters as given (for the audit page's form and its links).
    pub fn filters(&self) -> [(&'static str, Option<String>); 4] {
        [
            ("actor", params::text(&self.actor)),
            ("target", params::text(&self.target)),
            ("action", params::text(&self.action)),
            ("since", params::text(&self.since)),
        ]
    }
}

// ---- helpers -------------------------------------------------------------------------------

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], shape: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("the body must be JSON like {shape} ({e})")))
}

fn must_be_admin(caller: &Caller, what: &str) -> Result<(), ApiError> {
    if caller.is_admin() { Ok(()) } else { Err(ApiError::Forbidden(format!("only an admin may {what}"))) }
}

fn conflict_or(context: &str, error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(message) => ApiError::Conflict(message),
        other => ApiError::store(context, other),
    }
}
