//! Accounts, sessions, API tokens and the audit trail, as the store keeps them.
//!
//! The store holds only what authentication decided: hashes (never passwords or token
//! values), roles as text, times. Checking a password, minting a token or deciding what a role
//! may do happens in `steward-credentials` and the server. What the store enforces itself, the
//! same way on every backend:
//! - usernames are unique case-insensitively, and so is an OIDC (issuer, subject) pair:
//!   creating a second one fails with [`StoreError::Conflict`];
//! - an audit entry's id is assigned by the store, increasing, so paging newest-first by id
//!   is stable while entries are appended.

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use steward_model::{Role, Timestamp};

/// The longest username [`normalize_username`] accepts.
pub const MAX_USERNAME_CHARS: usize = 128;

/// A username as stored: trimmed and lowercased, 1 to 128 letters, digits, `.`, `_`, `-` or
/// `@` (so e-mail style names fit, and `cli:…` actors in the audit trail never clash with a
/// user). `None` when the name does not fit; the CLI and the server both use this rule.
pub fn normalize_username(name: &str) -> Option<String> {
    let name = name.trim().to_lowercase();
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_USERNAME_CHARS
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    ok.then_some(name)
}

/// Someone who can sign in (with a password, OpenID Connect, or both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// A UUID v4 as text, chosen by the caller.
    pub id: String,
    /// Unique case-insensitively; callers store it lowercased.
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// The environments an `environment_admin` administers (ignored for other roles).
    pub environments: Vec<String>,
    /// The inventory principal this user is (what "own resources" means for a maker).
    pub principal_id: Option<String>,
    /// A PHC string (argon2); `None` for an account that signs in only through OIDC.
    #[serde(skip_serializing, default)]
    pub password_hash: Option<String>,
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl User {
    /// Refuse a user the store would keep inconsistently; the message says what is wrong.
    pub fn check(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(StoreError::InvalidQuery("a user needs an id".into()));
        }
        if self.username.trim().is_empty() {
            return Err(StoreError::InvalidQuery("a user needs a username".into()));
        }
        if self.oidc_issuer.is_some() != self.oidc_subject.is_some() {
            return Err(StoreError::InvalidQuery(format!(
                "user '{}': an OIDC identity needs both issuer and subject",
                self.username
            )));
        }
        Ok(())
    }
}

/// A signed-in browser. The cookie holds a random value; the store keeps only its hash, so a
/// copy of the database does not let anyone sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// SHA-256 (hex) of the cookie value.
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// A bearer token for the API, scoped to a role. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing, default)]
    pub token_hash: String,
    /// The user the token acts for.
    pub user_id: String,
    /// Never above the owner's role (checked by whoever creates it).
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl ApiToken {
    /// Whether the token may be used at `now`: not revoked and not expired.
    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// One change someone made, with what it looked like before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Assigned by the store; ignored on insert.
    pub id: i64,
    pub at: Timestamp,
    /// A username, or `cli:<os user>` for the command line.
    pub actor: String,
    /// What was done, dotted: `exemption.add`, `user.disable`, `token.create`.
    pub action: String,
    /// What it was done to, as `kind:id`: `resource:r-00`, `user:ann`.
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// `ui`, `api` or `cli`.
    pub via: String,
}

/// Which audit entries [`crate::Store::list_audit`] returns: newest first (by id), at most
/// `limit`, only those matching every filter given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Exactly this actor.
    pub actor: Option<String>,
    /// Exactly this target.
    pub target: Option<String>,
    /// Actions starting with this text (`exemption.` for every exemption action).
    pub action_prefix: Option<String>,
    /// At or after this time.
    pub since: Option<Timestamp>,
    /// Only entries with a smaller id: pass the last id of a page to get the next one.
    pub before_id: Option<i64>,
    /// Page size; 0 is read as [`AuditQuery::DEFAULT_LIMIT`], and at most [`AuditQuery::MAX_LIMIT`].
    pub limit: u32,
}

impl AuditQuery {
    pub const DEFAULT_LIMIT: u32 = 100;
    pub const MAX_LIMIT: u32 = 1000;

    /// The page size backends use.
    pub fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => Self::DEFAULT_LIMIT,
            n => n.min(Self::MAX_LIMIT),
        }
    }

    /// Whether an entry matches the filters (not the paging); backends filter in SQL, this is
    /// the definition.
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.actor.as_ref().is_none_or(|a| *a == e.actor)
            && self.target.as_ref().is_none_or(|t| *t == e.target)
            && self.action_prefix.as_ref().is_none_or(|p| e.action.starts_with(p.as_str()))
            && self.since.is_none_or(|s| e.at >= s)
            && self.before_id.is_none_or(|b| e.id < b)
    }
}

/// Escape `%`, `_` and `\` so that text is matched literally by `LIKE … ESCAPE '\'`.
pub fn like_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The error for a new or renamed user whose username is taken (case-insensitively).
pub fn duplicate_username(username: &str) -> StoreError {
    StoreError::Conflict(format!("a user named '{username}' already exists; choose another username"))
}

/// The error for a user whose OIDC identity already belongs to another user.
pub fn duplicate_oidc(issuer: &str, subject: &str) -> StoreError {
    StoreError::Conflict(format!("the OIDC identity '{subject}' of issuer '{issuer}' already belongs to another user"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_lowercased_and_limited() {
        assert_eq!(normalize_username("  Ann.Lee@Example.COM "), Some("ann.lee@example.com".into()));
        assert_eq!(normalize_username("bob_o-neil"), Some("bob_o-neil".into()));
        for bad in ["", "   ", "ann lee", "cli:root", "a/b", "x%"] {
            assert_eq!(normalize_username(bad), None, "{bad:?}");
        }
        assert!(normalize_username(&"a".repeat(128)).is_some());
        assert!(normalize_username(&"a".repeat(129)).is_none());
    }

    #[test]
    fn like_prefixes_match_literally() {
        assert_eq!(like_prefix("user_"), "user\\_%");
        assert_eq!(like_prefix("50%\\"), "50\\%\\\\%");
    }

    #[test]
    fn audit_limits() {
        assert_eq!(AuditQuery::default().effective_limit(), AuditQuery::DEFAULT_LIMIT);
        assert_eq!(AuditQuery { limit: 5000, ..AuditQuery::default() }.effective_limit(), AuditQuery::MAX_LIMIT);
        assert_eq!(AuditQuery { limit: 7, ..AuditQuery::default() }.effective_limit(), 7);
    }
}
