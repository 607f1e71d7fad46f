//! Browser sessions: a random value in the `steward_session` cookie, its SHA-256 in the
//! database with the user, the CSRF token and the expiry.
//!
//! A session ends when unused for the idle timeout or at its absolute lifetime, whichever
//! comes first. Activity moves the idle expiry, written at most once a minute per session so
//! that a busy page does not turn every read into a database write.

use crate::AppState;
use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use steward_store::auth::{Session, User};

pub const SESSION_COOKIE: &str = "steward_session";

/// How stale `last_seen_at` may get before a request writes it again.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// The value of a cookie in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure unless configured off.
/// Without `max_age` the cookie lasts until the browser closes (the server enforces expiry).
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if !state.auth.web.insecure_cookies {
        text.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    // Values are base64url or hex, so this cannot fail; an empty header is the safe fallback.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` that deletes the cookie.
pub fn clear_cookie(state: &AppState, name: &str) -> HeaderValue {
    set_cookie(state, name, "", Some(0))
}

/// Start a session for `user` and return the cookie value (only its hash is stored).
pub async fn start(state: &AppState, user: &User) -> Result<String, ApiError> {
    let (value, id_hash) = crate::auth::tokens::new_token();
    let (csrf_token, _) = crate::auth::tokens::new_token();
    let now = Utc::now();
    let session = Session {
        id_hash,
        user_id: user.id.clone(),
        csrf_token,
        created_at: now,
        expires_at: expiry(state, now, now),
        last_seen_at: now,
    };
    state.store.create_session(&session).await.map_err(|e| ApiError::store("starting a session", e))?;
    Ok(value)
}

/// End the session whose cookie value this is (sign-out, or rotation at sign-in).
pub async fn end(state: &AppState, cookie_value: &str) -> Result<(), ApiError> {
    let id_hash = crate::auth::tokens::hash_token(cookie_value);
    state.store.delete_session(&id_hash).await.map_err(|e| ApiError::store("ending a session", e))
}

/// The live session and its enabled user for a cookie value; `None` when unknown, expired
/// (then deleted) or its user is gone or disabled.
pub async fn resolve(state: &AppState, cookie_value: &str) -> Result<Option<(Session, User)>, ApiError> {
    let id_hash = crate::auth::tokens::hash_token(cookie_value);
    let store = &state.store;
    let Some(session) = store.get_session(&id_hash).await.map_err(|e| ApiError::store("reading a session", e))? else {
        return Ok(None);
    };
    let now = Utc::now();
    if session.expires_at <= now {
        store.delete_session(&id_hash).await.map_err(|e| ApiError::store("ending an expired session", e))?;
        return Ok(None);
    }
    let user = store.get_user(&session.user_id).await.map_err(|e| ApiError::store("reading a session's user", e))?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        store.delete_session(&id_hash).await.map_err(|e| ApiError::store("ending a session", e))?;
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY {
        let expires_at = expiry(state, session.created_at, now);
        store
            .touch_session(&id_hash, now, expires_at)
            .await
            .map_err(|e| ApiError::store("recording session activity", e))?;
    }
    Ok(Some((session, user)))
}

/// How often expired sessions are deleted in the background.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Delete expired sessions every hour, so that sessions nobody comes back to do not pile up
/// (a session met after its expiry is deleted on the spot anyway). Every replica may run it:
/// the delete is idempotent.
pub fn spawn_purge(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            match state.store.purge_expired_sessions(Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(sessions = n, "expired sessions deleted"),
                Err(error) => tracing::warn!(%error, "deleting expired sessions failed; retrying in an hour"),
            }
        }
    })
}

/// The idle expiry from `now`, capped by the absolute lifetime from `created_at`.
fn expiry(state: &AppState, created_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let settings = &state.auth.settings;
    let idle = chrono::Duration::from_std(settings.session_idle()).unwrap_or(chrono::Duration::hours(2));
    let lifetime = chrono::Duration::from_std(settings.session_lifetime()).unwrap_or(chrono::Duration::hours(12));
    (now + idle).min(created_at + lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; steward_session=abc"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "steward"), None);
    }
}
