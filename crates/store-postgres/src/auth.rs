//! Accounts, sessions, API tokens and the audit trail on PostgreSQL.
//!
//! Replicas may write at once, so uniqueness is left to the unique indexes alone (no
//! check-then-insert that two replicas could both pass): a write they refuse is reported as
//! [`StoreError::Conflict`] naming the clashing value, found from the index's name.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use steward_model::{Role, Timestamp};
use steward_store::auth::{
    ApiToken, AuditEntry, AuditQuery, Session, User, duplicate_oidc, duplicate_username, like_prefix,
};
use steward_store::{Result, StoreError};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Json;

const USER_COLUMNS: &str = "id, username, display_name, email, role, environments, principal_id, password_hash, \
     oidc_issuer, oidc_subject, disabled, created_at, updated_at";

const SESSION_COLUMNS: &str = "id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at";

const TOKEN_COLUMNS: &str = "id, name, token_hash, user_id, role, created_at, expires_at, last_used_at, revoked_at";

const AUDIT_COLUMNS: &str = "id, at, actor, action, target, before, after, via";

// ---- users ----

pub(crate) async fn create_user(store: &PostgresStore, u: &User) -> Result<()> {
    u.check()?;
    let client = client(store.pool()).await?;
    client
        .execute(
            &format!(
                "INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ),
            &[
                &u.id,
                &u.username,
                &u.display_name,
                &u.email,
                &u.role.as_str(),
                &u.environments,
                &u.principal_id,
                &u.password_hash,
                &u.oidc_issuer,
                &u.oidc_subject,
                &u.disabled,
                &u.created_at,
                &u.updated_at,
            ],
        )
        .await
        .map_err(|e| user_write_error("creating a user", u, e))?;
    Ok(())
}

pub(crate) async fn update_user(store: &PostgresStore, u: &User) -> Result<()> {
    u.check()?;
    let client = client(store.pool()).await?;
    let changed = client
        .execute(
            "UPDATE users SET username = $2, display_name = $3, email = $4, role = $5, environments = $6, \
             principal_id = $7, password_hash = $8, oidc_issuer = $9, oidc_subject = $10, disabled = $11, \
             updated_at = $12 WHERE id = $1",
            &[
                &u.id,
                &u.username,
                &u.display_name,
                &u.email,
                &u.role.as_str(),
                &u.environments,
                &u.principal_id,
                &u.password_hash,
                &u.oidc_issuer,
                &u.oidc_subject,
                &u.disabled,
                &u.updated_at,
            ],
        )
        .await
        .map_err(|e| user_write_error("updating a user", u, e))?;
    if changed == 0 {
        return Err(StoreError::NotFound { what: "user", id: u.id.clone() });
    }
    Ok(())
}

/// A refused user write names what clashed; anything else is a database error.
fn user_write_error(context: &str, u: &User, e: tokio_postgres::Error) -> StoreError {
    match unique_violation(&e).as_deref() {
        Some("users_username") => duplicate_username(&u.username),
        Some("users_oidc") => {
            duplicate_oidc(u.oidc_issuer.as_deref().unwrap_or_default(), u.oidc_subject.as_deref().unwrap_or_default())
        }
        Some(_) => StoreError::Conflict(format!("a user with id '{}' already exists", u.id)),
        None => StoreError::backend(context, e),
    }
}

pub(crate) async fn get_user(store: &PostgresStore, id: &str) -> Result<Option<User>> {
    read_user(store, "id = $1", &[&id]).await
}

pub(crate) async fn user_by_username(store: &PostgresStore, username: &str) -> Result<Option<User>> {
    read_user(store, "lower(username) = lower($1)", &[&username]).await
}

pub(crate) async fn user_by_oidc(store: &PostgresStore, issuer: &str, subject: &str) -> Result<Option<User>> {
    read_user(store, "oidc_issuer = $1 AND oidc_subject = $2", &[&issuer, &subject]).await
}

pub(crate) async fn list_users(store: &PostgresStore) -> Result<Vec<User>> {
    let client = client(store.pool()).await?;
    // COLLATE "C": the same order as SQLite's bytewise comparison.
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(username) COLLATE \"C\", id");
    let rows = client.query(&sql, &[]).await.map_err(db("listing users"))?;
    rows.iter().map(user).collect()
}

async fn read_user(
    store: &PostgresStore,
    condition: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Option<User>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition}");
    let row = client.query_opt(&sql, params).await.map_err(db("reading a user"))?;
    row.as_ref().map(user).transpose()
}

fn user(r: &Row) -> Result<User> {
    let context = "reading a user";
    Ok(User {
        id: r.try_get(0).map_err(db(context))?,
        username: r.try_get(1).map_err(db(context))?,
        display_name: r.try_get(2).map_err(db(context))?,
        email: r.try_get(3).map_err(db(context))?,
        role: role(r, 4, "users.role")?,
        environments: r.try_get(5).map_err(db(context))?,
        principal_id: r.try_get(6).map_err(db(context))?,
        password_hash: r.try_get(7).map_err(db(context))?,
        oidc_issuer: r.try_get(8).map_err(db(context))?,
        oidc_subject: r.try_get(9).map_err(db(context))?,
        disabled: r.try_get(10).map_err(db(context))?,
        created_at: r.try_get(11).map_err(db(context))?,
        updated_at: r.try_get(12).map_err(db(context))?,
    })
}

fn role(r: &Row, idx: usize, what: &str) -> Result<Role> {
    let text: String = r.try_get(idx).map_err(db(format!("reading {what}")))?;
    text.parse().map_err(|e| corrupt(what, e))
}

// ---- sessions ----

pub(crate) async fn create_session(store: &PostgresStore, s: &Session) -> Result<()> {
    let client = client(store.pool()).await?;
    client
        .execute(
            &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
            &[&s.id_hash, &s.user_id, &s.csrf_token, &s.created_at, &s.expires_at, &s.last_seen_at],
        )
        .await
        .map_err(|e| owned_write_error("creating a session", "a session with this id", &s.user_id, e))?;
    Ok(())
}

pub(crate) async fn get_session(store: &PostgresStore, id_hash: &str) -> Result<Option<Session>> {
    let client = client(store.pool()).await?;
    let context = "reading a session";
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = $1");
    let Some(r) = client.query_opt(&sql, &[&id_hash]).await.map_err(db(context))? else {
        return Ok(None);
    };
    Ok(Some(Session {
        id_hash: r.try_get(0).map_err(db(context))?,
        user_id: r.try_get(1).map_err(db(context))?,
        csrf_token: r.try_get(2).map_err(db(context))?,
        created_at: r.try_get(3).map_err(db(context))?,
        expires_at: r.try_get(4).map_err(db(context))?,
        last_seen_at: r.try_get(5).map_err(db(context))?,
    }))
}

pub(crate) async fn touch_session(
    store: &PostgresStore,
    id_hash: &str,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    let client = client(store.pool()).await?;
    client
        .execute(
            "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1",
            &[&id_hash, &last_seen_at, &expires_at],
        )
        .await
        .map_err(db("touching a session"))?;
    Ok(())
}

pub(crate) async fn delete_session(store: &PostgresStore, id_hash: &str) -> Result<()> {
    let client = client(store.pool()).await?;
    client.execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash]).await.map_err(db("deleting a session"))?;
    Ok(())
}

pub(crate) async fn delete_user_sessions(store: &PostgresStore, user_id: &str) -> Result<u64> {
    let client = client(store.pool()).await?;
    client
        .execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id])
        .await
        .map_err(db("deleting a user's sessions"))
}

pub(crate) async fn purge_expired_sessions(store: &PostgresStore, now: Timestamp) -> Result<u64> {
    let client = client(store.pool()).await?;
    client.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now]).await.map_err(db("purging expired sessions"))
}

// ---- API tokens ----

pub(crate) async fn create_api_token(store: &PostgresStore, t: &ApiToken) -> Result<()> {
    let client = client(store.pool()).await?;
    client
        .execute(
            &format!("INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            &[
                &t.id,
                &t.name,
                &t.token_hash,
                &t.user_id,
                &t.role.as_str(),
                &t.created_at,
                &t.expires_at,
                &t.last_used_at,
                &t.revoked_at,
            ],
        )
        .await
        .map_err(|e| {
            let what = format!("API token '{}' (or its hash)", t.id);
            owned_write_error("creating an API token", &what, &t.user_id, e)
        })?;
    Ok(())
}

pub(crate) async fn api_token_by_hash(store: &PostgresStore, token_hash: &str) -> Result<Option<ApiToken>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
    let row = client.query_opt(&sql, &[&token_hash]).await.map_err(db("reading an API token"))?;
    row.as_ref().map(token).transpose()
}

pub(crate) async fn list_api_tokens(store: &PostgresStore, user_id: Option<&str>) -> Result<Vec<ApiToken>> {
    let client = client(store.pool()).await?;
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE ($1::text IS NULL OR user_id = $1) \
         ORDER BY created_at, id COLLATE \"C\""
    );
    let rows = client.query(&sql, &[&user_id]).await.map_err(db("listing API tokens"))?;
    rows.iter().map(token).collect()
}

pub(crate) async fn revoke_api_token(store: &PostgresStore, id: &str, at: Timestamp) -> Result<ApiToken> {
    let client = client(store.pool()).await?;
    let sql =
        format!("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING {TOKEN_COLUMNS}");
    let row = client.query_opt(&sql, &[&id, &at]).await.map_err(db("revoking an API token"))?;
    match row {
        Some(row) => token(&row),
        None => Err(StoreError::NotFound { what: "API token", id: id.to_string() }),
    }
}

pub(crate) async fn touch_api_token(store: &PostgresStore, id: &str, at: Timestamp) -> Result<()> {
    let client = client(store.pool()).await?;
    client
        .execute("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", &[&id, &at])
        .await
        .map_err(db("recording an API token's use"))?;
    Ok(())
}

fn token(r: &Row) -> Result<ApiToken> {
    let context = "reading an API token";
    Ok(ApiToken {
        id: r.try_get(0).map_err(db(context))?,
        name: r.try_get(1).map_err(db(context))?,
        token_hash: r.try_get(2).map_err(db(context))?,
        user_id: r.try_get(3).map_err(db(context))?,
        role: role(r, 4, "api_tokens.role")?,
        created_at: r.try_get(5).map_err(db(context))?,
        expires_at: r.try_get(6).map_err(db(context))?,
        last_used_at: r.try_get(7).map_err(db(context))?,
        revoked_at: r.try_get(8).map_err(db(context))?,
    })
}

// ---- audit trail ----

pub(crate) async fn append_audit(store: &PostgresStore, e: &AuditEntry) -> Result<i64> {
    let client = client(store.pool()).await?;
    let row = client
        .query_one(
            "INSERT INTO audit_log (at, actor, action, target, before, after, via) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&e.at, &e.actor, &e.action, &e.target, &e.before.as_ref().map(Json), &e.after.as_ref().map(Json), &e.via],
        )
        .await
        .map_err(db("appending to the audit trail"))?;
    row.try_get(0).map_err(db("appending to the audit trail"))
}

pub(crate) async fn list_audit(store: &PostgresStore, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let client = client(store.pool()).await?;
    let context = "reading the audit trail";
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE ($1::text IS NULL OR actor = $1) \
         AND ($2::text IS NULL OR target = $2) AND ($3::text IS NULL OR action LIKE $3 ESCAPE '\\') \
         AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::bigint IS NULL OR id < $5) \
         ORDER BY id DESC LIMIT $6"
    );
    let prefix = q.action_prefix.as_deref().map(like_prefix);
    let limit = i64::from(q.effective_limit());
    let rows = client
        .query(&sql, &[&q.actor, &q.target, &prefix, &q.since, &q.before_id, &limit])
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get(0).map_err(db(context))?,
                at: r.try_get(1).map_err(db(context))?,
                actor: r.try_get(2).map_err(db(context))?,
                action: r.try_get(3).map_err(db(context))?,
                target: r.try_get(4).map_err(db(context))?,
                before: r.try_get::<_, Option<Json<serde_json::Value>>>(5).map_err(db(context))?.map(|j| j.0),
                after: r.try_get::<_, Option<Json<serde_json::Value>>>(6).map_err(db(context))?.map(|j| j.0),
                via: r.try_get(7).map_err(db(context))?,
            })
        })
        .collect()
}

// ---- shared ----

/// The index a unique violation names, if the error is one.
fn unique_violation(e: &tokio_postgres::Error) -> Option<String> {
    let db_error = e.as_db_error()?;
    (*db_error.code() == SqlState::UNIQUE_VIOLATION).then(|| db_error.constraint().unwrap_or_default().to_string())
}

/// Sessions and tokens belong to a user: a missing one is NotFound, a taken key a conflict.
fn owned_write_error(context: &str, what: &str, user_id: &str, e: tokio_postgres::Error) -> StoreError {
    if unique_violation(&e).is_some() {
        return StoreError::Conflict(format!("{what} already exists"));
    }
    if e.as_db_error().is_some_and(|d| *d.code() == SqlState::FOREIGN_KEY_VIOLATION) {
        return StoreError::NotFound { what: "user", id: user_id.to_string() };
    }
    StoreError::backend(context, e)
}
