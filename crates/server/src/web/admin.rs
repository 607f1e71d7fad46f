//! Admin pages: `/admin/users` (create, change role and environments, disable) and
//! `/admin/audit` (the audit trail with filters, newest first).

use crate::AppState;
use crate::api::accounts::{self, AuditParams, NewUser, UserChange};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::web::links::Href;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use steward_model::Role;

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    roles: Vec<&'static str>,
    saved: Option<String>,
}

pub struct UserRow {
    id: String,
    username: String,
    display_name: String,
    email: String,
    role: &'static str,
    environments: String,
    principal: String,
    sign_in: &'static str,
    disabled: bool,
    updated: String,
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    saved: Option<String>,
}

pub async fn users(State(state): State<AppState>, caller: Caller, Params(q): Params<UsersQuery>) -> Response {
    let page = async {
        let users = state.store.list_users().await.map_err(|e| ApiError::store("listing users", e))?;
        let rows = users
            .into_iter()
            .map(|u| UserRow {
                sign_in: match (u.password_hash.is_some(), u.oidc_subject.is_some()) {
                    (true, true) => "password, OIDC",
                    (true, false) => "password",
                    (false, true) => "OIDC",
                    (false, false) => "OIDC (not linked yet)",
                },
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                email: u.email.unwrap_or_default(),
                role: u.role.as_str(),
                environments: u.environments.join(", "),
                principal: u.principal_id.unwrap_or_default(),
                disabled: u.disabled,
                updated: format::date_time(Some(u.updated_at)),
            })
            .collect();
        Ok::<_, ApiError>(UsersPage {
            layout: Layout::new(&state, &caller, "Users", Some(Section::Users)),
            users: rows,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            saved: params::text(&q.saved),
        })
    }
    .await;
    respond(&state, page)
}

#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    environments: String,
    #[serde(default)]
    principal_id: String,
    #[serde(default)]
    password: String,
}

/// `POST /admin/users`.
pub async fn create_user(State(state): State<AppState>, caller: Caller, Form(form): Form<NewUserForm>) -> Response {
    let result = async {
        let role = params::one_of::<Role>("role", &Some(form.role))?.unwrap_or(Role::Viewer);
        let input = NewUser {
            username: form.username,
            role,
            display_name: Some(form.display_name),
            email: Some(form.email),
            environments: split_list(&form.environments),
            principal_id: Some(form.principal_id),
            password: params::text(&Some(form.password)),
        };
        accounts::add_user(&state, &caller, input).await
    }
    .await;
    saved(&state, result.map(|u| u.username))
}

#[derive(Debug, Deserialize)]
pub struct UserChangeForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    environments: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    disabled: Option<String>,
}

/// `POST /admin/users/{id}`.
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<UserChangeForm>,
) -> Response {
    let result = async {
        let change = UserChange {
            role: params::one_of::<Role>("role", &Some(form.role))?,
            environments: Some(split_list(&form.environments)),
            disabled: Some(form.disabled.is_some()),
            display_name: None,
            email: None,
            principal_id: None,
        };
        accounts::change_user(&state, &caller, &id, change).await
    }
    .await;
    saved(&state, result.map(|u| u.username))
}

fn saved(state: &AppState, result: Result<String, ApiError>) -> Response {
    match result {
        Ok(username) => {
            Redirect::to(&Href::new("/admin/users").param("saved", Some(&username)).build()).into_response()
        }
        Err(error) => crate::web::errors::page(state, error),
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    layout: Layout,
    actor: String,
    target: String,
    action: String,
    since: String,
    entries: Vec<AuditRow>,
    next: Option<String>,
}

pub struct AuditRow {
    at: String,
    actor: String,
    action: String,
    target: String,
    via: String,
    before: Option<String>,
    after: Option<String>,
}

pub async fn audit(State(state): State<AppState>, caller: Caller, Params(p): Params<AuditParams>) -> Response {
    let page = async {
        let loaded = accounts::load_audit(&state, &p).await?;
        let [actor, target, action, since] = p.filters();
        let mut next_link = Href::new("/admin/audit");
        for (name, value) in p.filters() {
            next_link = next_link.param(name, value.as_deref());
        }
        let next = loaded.next.as_deref().map(|cursor| next_link.param("cursor", Some(cursor)).build());
        let pretty =
            |v: &Option<serde_json::Value>| v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default());
        let entries = loaded
            .items
            .iter()
            .map(|e| AuditRow {
                at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor: e.actor.clone(),
                action: e.action.clone(),
                target: e.target.clone(),
                via: e.via.clone(),
                before: pretty(&e.before),
                after: pretty(&e.after),
            })
            .collect();
        Ok::<_, ApiError>(AuditPage {
            layout: Layout::new(&state, &caller, "Audit trail", Some(Section::Audit)),
            actor: actor.1.unwrap_or_default(),
            target: target.1.unwrap_or_default(),
            action: action.1.unwrap_or_default(),
            since: since.1.unwrap_or_default(),
            entries,
            next,
        })
    }
    .await;
    respond(&state, page)
}
