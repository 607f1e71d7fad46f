//! Accounts, sessions, API tokens and the audit trail on SQLite.
//!
//! Writes run on the writer thread, so checking that a username is free and inserting it
//! cannot interleave with another writer; the unique indexes are the backstop, and a write
//! they refuse is reported as [`StoreError::Conflict`] rather than a database error.

use crate::SqliteStore;
use crate::convert::{col, corrupt, enum_col, opt_timestamp, timestamp};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use steward_model::Timestamp;
use steward_store::auth::{
    ApiToken, AuditEntry, AuditQuery, Session, User, duplicate_oidc, duplicate_username, like_prefix,
};
use steward_store::{Result, StoreError};

const USER_COLUMNS: &str = "id, username, display_name, email, role, environments, principal_id, password_hash, \
     oidc_issuer, oidc_subject, disabled, created_at, updated_at";

const SESSION_COLUMNS: &str = "id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at";

const TOKEN_COLUMNS: &str = "id, name, token_hash, user_id, role, created_at, expires_at, last_used_at, revoked_at";

const AUDIT_COLUMNS: &str = "id, at, actor, action, target, before, after, via";

// ---- users ----

pub(crate) async fn create_user(store: &SqliteStore, user: &User) -> Result<()> {
    user.check()?;
    let u = user.clone();
    store
        .writer
        .run(move |conn| {
            let context = "creating a user";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            check_unique(&tx, &u)?;
            tx.execute(
                &format!(
                    "INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                ),
                params![
                    u.id,
                    u.username,
                    u.display_name,
                    u.email,
                    u.role.as_str(),
                    environments_json(&u.environments),
                    u.principal_id,
                    u.password_hash,
                    u.oidc_issuer,
                    u.oidc_subject,
                    i64::from(u.disabled),
                    u.created_at.timestamp_millis(),
                    u.updated_at.timestamp_millis(),
                ],
            )
            .map_err(|e| write_error(context, &format!("user id '{}'", u.id), e))?;
            tx.commit().map_err(|e| StoreError::backend(context, e))
        })
        .await
}

pub(crate) async fn update_user(store: &SqliteStore, user: &User) -> Result<()> {
    user.check()?;
    let u = user.clone();
    store
        .writer
        .run(move |conn| {
            let context = "updating a user";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            if read_user(&tx, "id = ?1", &u.id)?.is_none() {
                return Err(StoreError::NotFound { what: "user", id: u.id.clone() });
            }
            check_unique(&tx, &u)?;
            tx.execute(
                "UPDATE users SET username = ?2, display_name = ?3, email = ?4, role = ?5, environments = ?6, \
                 principal_id = ?7, password_hash = ?8, oidc_issuer = ?9, oidc_subject = ?10, disabled = ?11, \
                 updated_at = ?12 WHERE id = ?1",
                params![
                    u.id,
                    u.username,
                    u.display_name,
                    u.email,
                    u.role.as_str(),
                    environments_json(&u.environments),
                    u.principal_id,
                    u.password_hash,
                    u.oidc_issuer,
                    u.oidc_subject,
                    i64::from(u.disabled),
                    u.updated_at.timestamp_millis(),
                ],
            )
            .map_err(|e| write_error(context, &format!("user '{}'", u.username), e))?;
            tx.commit().map_err(|e| StoreError::backend(context, e))
        })
        .await
}

/// Refuse a username or OIDC identity another user (not `user` itself) already has.
fn check_unique(conn: &Connection, user: &User) -> Result<()> {
    if let Some(other) = read_user(conn, "lower(username) = lower(?1)", &user.username)?
        && other.id != user.id
    {
        return Err(duplicate_username(&other.username));
    }
    if let (Some(issuer), Some(subject)) = (&user.oidc_issuer, &user.oidc_subject) {
        let other: Option<String> = conn
            .query_row(
                "SELECT id FROM users WHERE oidc_issuer = ?1 AND oidc_subject = ?2",
                params![issuer, subject],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| StoreError::backend("checking an OIDC identity", e))?;
        if other.is_some_and(|id| id != user.id) {
            return Err(duplicate_oidc(issuer, subject));
        }
    }
    Ok(())
}

pub(crate) async fn get_user(store: &SqliteStore, id: &str) -> Result<Option<User>> {
    let id = id.to_string();
    store.read(move |conn| read_user(conn, "id = ?1", &id)).await
}

pub(crate) async fn user_by_username(store: &SqliteStore, username: &str) -> Result<Option<User>> {
    let name = username.to_string();
    store.read(move |conn| read_user(conn, "lower(username) = lower(?1)", &name)).await
}

pub(crate) async fn user_by_oidc(store: &SqliteStore, issuer: &str, subject: &str) -> Result<Option<User>> {
    let (issuer, subject) = (issuer.to_string(), subject.to_string());
    store
        .read(move |conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE oidc_issuer = ?1 AND oidc_subject = ?2");
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend("reading a user", e))?;
            let mut rows =
                stmt.query(params![issuer, subject]).map_err(|e| StoreError::backend("reading a user", e))?;
            match rows.next().map_err(|e| StoreError::backend("reading a user", e))? {
                Some(row) => user(row).map(Some),
                None => Ok(None),
            }
        })
        .await
}

pub(crate) async fn list_users(store: &SqliteStore) -> Result<Vec<User>> {
    store
        .read(|conn| {
            let context = "listing users";
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY lower(username), id");
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let mut rows = stmt.query([]).map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| StoreError::backend(context, e))? {
                out.push(user(row)?);
            }
            Ok(out)
        })
        .await
}

fn read_user(conn: &Connection, condition: &str, value: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition}");
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend("reading a user", e))?;
    let mut rows = stmt.query([value]).map_err(|e| StoreError::backend("reading a user", e))?;
    match rows.next().map_err(|e| StoreError::backend("reading a user", e))? {
        Some(row) => user(row).map(Some),
        None => Ok(None),
    }
}

fn user(r: &Row<'_>) -> Result<User> {
    let environments: String = col(r, 5, "users.environments")?;
    Ok(User {
        id: col(r, 0, "users.id")?,
        username: col(r, 1, "users.username")?,
        display_name: col(r, 2, "users.display_name")?,
        email: col(r, 3, "users.email")?,
        role: enum_col(r, 4, "users.role")?,
        environments: serde_json::from_str(&environments).map_err(|e| corrupt("users.environments", e.to_string()))?,
        principal_id: col(r, 6, "users.principal_id")?,
        password_hash: col(r, 7, "users.password_hash")?,
        oidc_issuer: col(r, 8, "users.oidc_issuer")?,
        oidc_subject: col(r, 9, "users.oidc_subject")?,
        disabled: col::<i64>(r, 10, "users.disabled")? != 0,
        created_at: timestamp(col(r, 11, "users.created_at")?, "users.created_at")?,
        updated_at: timestamp(col(r, 12, "users.updated_at")?, "users.updated_at")?,
    })
}

fn environments_json(environments: &[String]) -> String {
    // A list of strings always serialises.
    serde_json::to_string(environments).unwrap_or_else(|_| "[]".into())
}

// ---- sessions ----

pub(crate) async fn create_session(store: &SqliteStore, session: &Session) -> Result<()> {
    let s = session.clone();
    store
        .writer
        .run(move |conn| {
            let context = "creating a session";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            require_user(&tx, &s.user_id)?;
            tx.execute(
                &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    s.id_hash,
                    s.user_id,
                    s.csrf_token,
                    s.created_at.timestamp_millis(),
                    s.expires_at.timestamp_millis(),
                    s.last_seen_at.timestamp_millis(),
                ],
            )
            .map_err(|e| write_error(context, "session", e))?;
            tx.commit().map_err(|e| StoreError::backend(context, e))
        })
        .await
}

pub(crate) async fn get_session(store: &SqliteStore, id_hash: &str) -> Result<Option<Session>> {
    let id_hash = id_hash.to_string();
    store
        .read(move |conn| {
            let context = "reading a session";
            let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id_hash = ?1");
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let mut rows = stmt.query([id_hash]).map_err(|e| StoreError::backend(context, e))?;
            match rows.next().map_err(|e| StoreError::backend(context, e))? {
                Some(r) => Ok(Some(Session {
                    id_hash: col(r, 0, "sessions.id_hash")?,
                    user_id: col(r, 1, "sessions.user_id")?,
                    csrf_token: col(r, 2, "sessions.csrf_token")?,
                    created_at: timestamp(col(r, 3, "sessions.created_at")?, "sessions.created_at")?,
                    expires_at: timestamp(col(r, 4, "sessions.expires_at")?, "sessions.expires_at")?,
                    last_seen_at: timestamp(col(r, 5, "sessions.last_seen_at")?, "sessions.last_seen_at")?,
                })),
                None => Ok(None),
            }
        })
        .await
}

pub(crate) async fn touch_session(
    store: &SqliteStore,
    id_hash: &str,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    let id_hash = id_hash.to_string();
    let (seen, expires) = (last_seen_at.timestamp_millis(), expires_at.timestamp_millis());
    execute(
        store,
        "touching a session",
        "UPDATE sessions SET last_seen_at = ?2, expires_at = ?3 WHERE id_hash = ?1",
        move |stmt| stmt.execute(params![id_hash, seen, expires]),
    )
    .await
    .map(drop)
}

pub(crate) async fn delete_session(store: &SqliteStore, id_hash: &str) -> Result<()> {
    let id_hash = id_hash.to_string();
    execute(store, "deleting a session", "DELETE FROM sessions WHERE id_hash = ?1", move |stmt| stmt.execute([id_hash]))
        .await
        .map(drop)
}

pub(crate) async fn delete_user_sessions(store: &SqliteStore, user_id: &str) -> Result<u64> {
    let user_id = user_id.to_string();
    execute(store, "deleting a user's sessions", "DELETE FROM sessions WHERE user_id = ?1", move |stmt| {
        stmt.execute([user_id])
    })
    .await
}

pub(crate) async fn purge_expired_sessions(store: &SqliteStore, now: Timestamp) -> Result<u64> {
    let now = now.timestamp_millis();
    execute(store, "purging expired sessions", "DELETE FROM sessions WHERE expires_at <= ?1", move |stmt| {
        stmt.execute([now])
    })
    .await
}

/// One statement on the writer thread; returns how many rows it changed.
async fn execute<F>(store: &SqliteStore, context: &'static str, sql: &'static str, run: F) -> Result<u64>
where
    F: FnOnce(&mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<usize> + Send + 'static,
{
    store
        .writer
        .run(move |conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(|e| StoreError::backend(context, e))?;
            let changed = run(&mut stmt).map_err(|e| StoreError::backend(context, e))?;
            Ok(changed as u64)
        })
        .await
}

// ---- API tokens ----

pub(crate) async fn create_api_token(store: &SqliteStore, token: &ApiToken) -> Result<()> {
    let t = token.clone();
    store
        .writer
        .run(move |conn| {
            let context = "creating an API token";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            require_user(&tx, &t.user_id)?;
            tx.execute(
                &format!("INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![
                    t.id,
                    t.name,
                    t.token_hash,
                    t.user_id,
                    t.role.as_str(),
                    t.created_at.timestamp_millis(),
                    t.expires_at.map(|e| e.timestamp_millis()),
                    t.last_used_at.map(|e| e.timestamp_millis()),
                    t.revoked_at.map(|e| e.timestamp_millis()),
                ],
            )
            .map_err(|e| write_error(context, &format!("API token '{}' (or its hash)", t.id), e))?;
            tx.commit().map_err(|e| StoreError::backend(context, e))
        })
        .await
}

pub(crate) async fn api_token_by_hash(store: &SqliteStore, token_hash: &str) -> Result<Option<ApiToken>> {
    let hash = token_hash.to_string();
    store.read(move |conn| read_token(conn, "token_hash = ?1", &hash)).await
}

/// Both reads in one transaction on one reader: one hop to the blocking pool per API request
/// instead of two.
pub(crate) async fn api_token_and_user(store: &SqliteStore, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
    let hash = token_hash.to_string();
    store
        .read(move |conn| {
            let Some(token) = read_token(conn, "token_hash = ?1", &hash)? else { return Ok(None) };
            Ok(read_user(conn, "id = ?1", &token.user_id)?.map(|user| (token, user)))
        })
        .await
}

pub(crate) async fn list_api_tokens(store: &SqliteStore, user_id: Option<&str>) -> Result<Vec<ApiToken>> {
    let user_id = user_id.map(str::to_string);
    store
        .read(move |conn| {
            let context = "listing API tokens";
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE (?1 IS NULL OR user_id = ?1) ORDER BY created_at, id"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let mut rows = stmt.query([user_id]).map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| StoreError::backend(context, e))? {
                out.push(token(row)?);
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn revoke_api_token(store: &SqliteStore, id: &str, at: Timestamp) -> Result<ApiToken> {
    let id = id.to_string();
    store
        .writer
        .run(move |conn| {
            let context = "revoking an API token";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            tx.execute(
                "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![id, at.timestamp_millis()],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            let revoked = read_token(&tx, "id = ?1", &id)?
                .ok_or_else(|| StoreError::NotFound { what: "API token", id: id.clone() })?;
            tx.commit().map_err(|e| StoreError::backend(context, e))?;
            Ok(revoked)
        })
        .await
}

pub(crate) async fn touch_api_token(store: &SqliteStore, id: &str, at: Timestamp) -> Result<()> {
    let id = id.to_string();
    let at = at.timestamp_millis();
    execute(store, "recording an API token's use", "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", move |s| {
        s.execute(params![id, at])
    })
    .await
    .map(drop)
}

fn read_token(conn: &Connection, condition: &str, value: &str) -> Result<Option<ApiToken>> {
    let context = "reading an API token";
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE {condition}");
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
    let mut rows = stmt.query([value]).map_err(|e| StoreError::backend(context, e))?;
    match rows.next().map_err(|e| StoreError::backend(context, e))? {
        Some(row) => token(row).map(Some),
        None => Ok(None),
    }
}

fn token(r: &Row<'_>) -> Result<ApiToken> {
    Ok(ApiToken {
        id: col(r, 0, "api_tokens.id")?,
        name: col(r, 1, "api_tokens.name")?,
        token_hash: col(r, 2, "api_tokens.token_hash")?,
        user_id: col(r, 3, "api_tokens.user_id")?,
        role: enum_col(r, 4, "api_tokens.role")?,
        created_at: timestamp(col(r, 5, "api_tokens.created_at")?, "api_tokens.created_at")?,
        expires_at: opt_timestamp(col(r, 6, "api_tokens.expires_at")?, "api_tokens.expires_at")?,
        last_used_at: opt_timestamp(col(r, 7, "api_tokens.last_used_at")?, "api_tokens.last_used_at")?,
        revoked_at: opt_timestamp(col(r, 8, "api_tokens.revoked_at")?, "api_tokens.revoked_at")?,
    })
}

// ---- audit trail ----

pub(crate) async fn append_audit(store: &SqliteStore, entry: &AuditEntry) -> Result<i64> {
    let e = entry.clone();
    store
        .writer
        .run(move |conn| {
            let context = "appending to the audit trail";
            conn.prepare_cached(
                "INSERT INTO audit_log (at, actor, action, target, before, after, via) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    e.at.timestamp_millis(),
                    e.actor,
                    e.action,
                    e.target,
                    e.before.as_ref().map(serde_json::Value::to_string),
                    e.after.as_ref().map(serde_json::Value::to_string),
                    e.via,
                ])
            })
            .map_err(|err| StoreError::backend(context, err))?;
            Ok(conn.last_insert_rowid())
        })
        .await
}

pub(crate) async fn list_audit(store: &SqliteStore, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
    let q = query.clone();
    store
        .read(move |conn| {
            let context = "reading the audit trail";
            let sql = format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR target = ?2) \
                 AND (?3 IS NULL OR action LIKE ?3 ESCAPE '\\') AND (?4 IS NULL OR at >= ?4) \
                 AND (?5 IS NULL OR id < ?5) ORDER BY id DESC LIMIT ?6"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let mut rows = stmt
                .query(params![
                    q.actor,
                    q.target,
                    q.action_prefix.as_deref().map(like_prefix),
                    q.since.map(|s| s.timestamp_millis()),
                    q.before_id,
                    i64::from(q.effective_limit()),
                ])
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next().map_err(|e| StoreError::backend(context, e))? {
                out.push(AuditEntry {
                    id: col(r, 0, "audit_log.id")?,
                    at: timestamp(col(r, 1, "audit_log.at")?, "audit_log.at")?,
                    actor: col(r, 2, "audit_log.actor")?,
                    action: col(r, 3, "audit_log.action")?,
                    target: col(r, 4, "audit_log.target")?,
                    before: json_col(r, 5, "audit_log.before")?,
                    after: json_col(r, 6, "audit_log.after")?,
                    via: col(r, 7, "audit_log.via")?,
                });
            }
            Ok(out)
        })
        .await
}

fn json_col(r: &Row<'_>, idx: usize, what: &str) -> Result<Option<serde_json::Value>> {
    let text: Option<String> = col(r, idx, what)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(what, e.to_string()))).transpose()
}

// ---- shared ----

/// Sessions and tokens belong to an existing user: say so rather than fail on the foreign key.
fn require_user(conn: &Connection, user_id: &str) -> Result<()> {
    let found: Option<i64> = conn
        .query_row("SELECT 1 FROM users WHERE id = ?1", [user_id], |r| r.get(0))
        .optional()
        .map_err(|e| StoreError::backend("checking a user", e))?;
    found.map(drop).ok_or_else(|| StoreError::NotFound { what: "user", id: user_id.to_string() })
}

/// A uniqueness clash is the caller's conflict, not a database failure.
fn write_error(context: &str, what: &str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) if e.to_string().contains("UNIQUE") => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        _ => StoreError::backend(context, e),
    }
}
