//! `[auth]` and the security part of `[server]` in steward.toml, as the server uses them.

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use steward_model::Role;

/// `[auth]`: sessions, the sign-in rate limit and OpenID Connect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// A session unused for this long is gone (default 120 minutes).
    pub session_idle_minutes: u64,
    /// A session ends this long after sign-in however busy it is (default 12 hours).
    pub session_lifetime_hours: u64,
    /// Failed sign-ins per client address, and per username, before sign-in answers 429
    /// (default 5).
    pub signin_failures: u32,
    /// …within this many minutes (default 15).
    pub signin_window_minutes: u64,
    /// `[auth.oidc]`: sign-in with an OpenID Connect provider (Entra ID first).
    pub oidc: Option<OidcSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            session_idle_minutes: 120,
            session_lifetime_hours: 12,
            signin_failures: 5,
            signin_window_minutes: 15,
            oidc: None,
        }
    }
}

impl AuthSettings {
    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(self.session_idle_minutes.max(1) * 60)
    }

    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_lifetime_hours.max(1) * 3600)
    }

    pub fn signin_window(&self) -> Duration {
        Duration::from_secs(self.signin_window_minutes.max(1) * 60)
    }
}

/// `[auth.oidc]`. The client secret is never in the file: it comes from the environment
/// (`STEWARD_OIDC_CLIENT_SECRET`) or from `client_secret_file`, filled in by the command line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer, e.g. `https://login.microsoftonline.com/<tenant id>/v2.0`; its discovery
    /// document is read from `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// A file holding the client secret (relative to the configuration file).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Where the provider sends the browser back: `https://<steward>/signin/oidc/callback`,
    /// registered with the provider exactly like this.
    pub redirect_url: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The claim holding role names: `roles` for Entra app roles (default), `groups` for
    /// group object ids.
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Claim value → Steward role, e.g. `"Steward.Admin" = "admin"`. The highest mapped role
    /// wins and is applied at every sign-in.
    #[serde(default)]
    pub roles: std::collections::BTreeMap<String, Role>,
    /// The role of a new user whose claims map to no role (default viewer).
    #[serde(default = "default_role")]
    pub default_role: Role,
    /// Create a user at first sign-in (default true); otherwise an admin creates users first.
    #[serde(default = "default_true")]
    pub auto_provision: bool,
    /// The sign-in button's text (default "Sign in with Microsoft").
    #[serde(default = "default_button")]
    pub button_label: String,
    /// Filled in by the command line; never read from the file, never logged.
    #[serde(skip)]
    pub client_secret: Secret,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "profile".into(), "email".into()]
}

fn default_roles_claim() -> String {
    "roles".into()
}

fn default_role() -> Role {
    Role::Viewer
}

fn default_true() -> bool {
    true
}

fn default_button() -> String {
    "Sign in with Microsoft".into()
}

/// A secret that prints as `[redacted]`, so that no `{:?}` of a configuration leaks it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The security part of `[server]`.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// The URL people reach Steward at (e.g. `https://steward.example.com`): cross-site
    /// requests are recognised against it, and HSTS is sent when it is https.
    pub public_url: Option<url::Url>,
    /// Send the session cookie without `Secure` (plain http on a host other than localhost).
    pub insecure_cookies: bool,
    /// Read the client address for the sign-in rate limit from `X-Forwarded-For` (only behind
    /// a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl WebSettings {
    /// From `[server]`; the message names the setting when `public_url` is not a URL.
    pub fn new(
        public_url: Option<&str>,
        insecure_cookies: bool,
        trust_forwarded_for: bool,
    ) -> Result<WebSettings, String> {
        let public_url = match public_url {
            Some(text) => Some(url::Url::parse(text).map_err(|e| {
                format!("[server] public_url '{text}' is not a URL ({e}); write it like https://steward.example.com")
            })?),
            None => None,
        };
        Ok(WebSettings { public_url, insecure_cookies, trust_forwarded_for })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = OidcSettings {
            issuer: "https://idp".into(),
            client_id: "c".into(),
            client_secret_file: None,
            redirect_url: "https://s/signin/oidc/callback".into(),
            scopes: default_scopes(),
            roles_claim: default_roles_claim(),
            roles: Default::default(),
            default_role: Role::Viewer,
            auto_provision: true,
            button_label: default_button(),
            client_secret: Secret::new("hunter2"),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
