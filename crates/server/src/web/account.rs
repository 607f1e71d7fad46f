//! `/account`: who I am and my API tokens (create one, shown once; revoke).

use crate::AppState;
use crate::api::accounts::{self, NewToken};
use crate::auth::{Caller, Via};
use crate::error::ApiError;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use steward_model::Role;
use steward_store::auth::ApiToken;

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    username: String,
    display_name: String,
    role: &'static str,
    environments: String,
    principal: String,
    demo: bool,
    tokens: Vec<TokenRow>,
    /// Roles a new token may have (up to the caller's).
    roles: Vec<&'static str>,
    /// A token just created: shown this once.
    created: Option<String>,
}

pub struct TokenRow {
    id: String,
    name: String,
    role: &'static str,
    created: String,
    expires: String,
    last_used: String,
    state: &'static str,
    state_class: &'static str,
    revocable: bool,
}

impl TokenRow {
    pub fn new(t: &ApiToken) -> TokenRow {
        let now = chrono::Utc::now();
        let (state, state_class) = if t.revoked_at.is_some() {
            ("revoked", "badge-muted")
        } else if t.is_usable(now) {
            ("active", "badge-ok")
        } else {
            ("expired", "badge-warn")
        };
        TokenRow {
            id: t.id.clone(),
            name: t.name.clone(),
            role: t.role.as_str(),
            created: format::date_time(Some(t.created_at)),
            expires: t.expires_at.map_or_else(|| "never".into(), |e| format::date(Some(e))),
            last_used: format::date_time(t.last_used_at),
            state,
            state_class,
            revocable: t.revoked_at.is_none(),
        }
    }
}

pub async fn show(State(state): State<AppState>, caller: Caller) -> Response {
    respond(&state, build(&state, &caller, None).await)
}

async fn build(state: &AppState, caller: &Caller, created: Option<String>) -> Result<AccountPage, ApiError> {
    let demo = caller.via == Via::Demo;
    let tokens = if demo {
        Vec::new()
    } else {
        let list = state
            .store
            .list_api_tokens(Some(&caller.user_id))
            .await
            .map_err(|e| ApiError::store("listing tokens", e))?;
        list.iter().rev().map(TokenRow::new).collect()
    };
    let roles = Role::ALL.iter().filter(|r| caller.role.includes(**r)).map(|r| r.as_str()).collect();
    Ok(AccountPage {
        layout: Layout::new(state, caller, "My account", Some(Section::Account)),
        username: caller.username.clone(),
        display_name: caller.display_name.clone(),
        role: caller.role.as_str(),
        environments: caller.environments.join(", "),
        principal: caller.principal_id.clone().unwrap_or_else(|| "—".into()),
        demo,
        tokens,
        roles,
        created,
    })
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    expires_days: String,
}

/// `POST /account/tokens`: create a token and show it once (in this response only).
pub async fn create_token(State(state): State<AppState>, caller: Caller, Form(form): Form<TokenForm>) -> Response {
    let result = async {
        let role = crate::params::one_of::<Role>("role", &Some(form.role))?;
        let expires_days = match crate::params::text(&Some(form.expires_days)) {
            None => None,
            Some(text) => Some(
                text.parse::<u32>()
                    .map_err(|_| ApiError::invalid("expires_days", format!("'{text}' is not a number of days")))?,
            ),
        };
        let input = NewToken { name: form.name, role, expires_days, user: None };
        let created = accounts::issue_token(&state, &caller, input).await?;
        build(&state, &caller, Some(created.token)).await
    }
    .await;
    respond(&state, result)
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    match accounts::revoke(&state, &caller, &id).await {
        Ok(_) => Redirect::to("/account").into_response(),
        Err(error) => crate::web::errors::page(&state, error),
    }
}
