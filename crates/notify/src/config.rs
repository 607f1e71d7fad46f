//! `[notify]` in steward.toml: where messages go from, the SMTP server, the named webhooks, the
//! board's recipients, welcome links and template overrides. Secrets are never written here,
//! only where to read them ([`SecretRef`]).
//!
//! ```toml
//! [notify]
//! base_url = "https://steward.example.com"
//! board = ["alice", "team:coe"]
//! templates_dir = "/etc/steward/templates"
//! community_channel = "https://teams.microsoft.com/l/channel/…"
//! training_links = [{ label = "Power Apps in a day", url = "https://learn.microsoft.com/…" }]
//!
//! [notify.smtp]
//! host = "smtp.example.com"
//! port = 587
//! security = "starttls"
//! from = "Steward <steward@example.com>"
//! username = "steward"
//! password = { env = "STEWARD_SMTP_PASSWORD" }
//!
//! [notify.webhooks.coe]
//! kind = "teams"
//! url = { env = "STEWARD_TEAMS_COE_URL" }
//! ```

use crate::secret::SecretRef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use steward_store::notifications::ChannelKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Steward's public address, for links in messages.
    pub base_url: String,
    pub smtp: Option<SmtpConfig>,
    /// Named chat or webhook destinations; users and teams point at them by name.
    pub webhooks: BTreeMap<String, WebhookConfig>,
    /// Who receives the board digest and new success candidates: usernames, e-mail addresses
    /// or `team:<webhook name>`.
    pub board: Vec<String>,
    /// A directory of files overriding built-in templates (`<kind>.subject`, `<kind>.txt`,
    /// `<kind>.html`, `<kind>.chat`).
    pub templates_dir: Option<PathBuf>,
    /// Training links in the welcome message.
    pub training_links: Vec<Link>,
    /// The makers' community channel (a Teams or Slack link), in the welcome message.
    pub community_channel: Option<String>,
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// Only violations opened and campaign steps taken this many days back are announced, so
    /// that switching notifications on does not mail the whole history.
    pub lookback_days: u32,
    /// Whether the first welcome run greets makers already in the estate (default: no, it
    /// records them as seen).
    pub welcome_existing_makers: bool,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            base_url: "http://localhost:8080".into(),
            smtp: None,
            webhooks: BTreeMap::new(),
            board: Vec::new(),
            templates_dir: None,
            training_links: Vec::new(),
            community_channel: None,
            max_attempts: 6,
            lookback_days: 7,
            welcome_existing_makers: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server cannot.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on localhost or in tests.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    pub username: Option<String>,
    #[serde(default)]
    pub password: SecretRef,
    /// Seconds to wait for the server.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_port() -> u16 {
    587
}

fn default_timeout() -> u64 {
    30
}

/// A named webhook: a Teams or Slack channel's incoming webhook, or a generic receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `teams`, `slack` or `webhook`.
    pub kind: ChannelKind,
    /// The URL: a secret (whoever has it can post), so read from the environment or a file.
    pub url: SecretRef,
    /// The HMAC signing key of a generic webhook.
    #[serde(default)]
    pub secret: SecretRef,
}

impl NotifyConfig {
    /// Resolve relative secret files and the templates directory from `base` (the directory of
    /// steward.toml), as the rest of the configuration does.
    pub fn resolve_paths(&mut self, base: &std::path::Path) {
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p
                && path.is_relative()
            {
                *path = base.join(&*path);
            }
        };
        fix(&mut self.templates_dir);
        if let Some(smtp) = &mut self.smtp {
            fix(&mut smtp.password.file);
        }
        for hook in self.webhooks.values_mut() {
            fix(&mut hook.url.file);
            fix(&mut hook.secret.file);
        }
    }

    /// Refuse a configuration that cannot work, saying what to change.
    pub fn check(&self) -> Result<(), crate::NotifyError> {
        let bad = |m: String| Err(crate::NotifyError::Config(m));
        for (name, hook) in &self.webhooks {
            if hook.kind == ChannelKind::Email {
                return bad(format!("webhook '{name}' has kind email; use teams, slack or webhook"));
            }
            if !hook.url.is_set() {
                return bad(format!("webhook '{name}' has no url; set url = {{ env = \"…\" }} or {{ file = \"…\" }}"));
            }
            if hook.kind == ChannelKind::Webhook && !hook.secret.is_set() {
                return bad(format!(
                    "webhook '{name}' is a generic webhook without a signing secret; set secret = {{ env = \"…\" }} so receivers can verify it"
                ));
            }
        }
        for r in &self.board {
            if let Some(team) = r.strip_prefix("team:")
                && !self.webhooks.contains_key(team)
            {
                return bad(format!("board recipient '{r}' names no webhook; add [notify.webhooks.{team}]"));
            }
        }
        if self.max_attempts == 0 {
            return bad("max_attempts is 0; give at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example_and_checks_it() {
        let text = r#"
base_url = "https://steward.example.com"
board = ["alice", "team:coe"]
training_links = [{ label = "Power Apps in a day", url = "https://learn.example.com/pa" }]
[smtp]
host = "smtp.example.com"
from = "Steward <steward@example.com>"
username = "steward"
password = { env = "STEWARD_SMTP_PASSWORD" }
[webhooks.coe]
kind = "teams"
url = { env = "STEWARD_TEAMS_COE_URL" }
"#;
        let c: NotifyConfig = toml_like(text);
        assert_eq!(c.smtp.as_ref().map(|s| (s.port, s.security)), Some((587, SmtpSecurity::Starttls)));
        assert!(c.check().is_ok());
        let mut unsigned = c.clone();
        unsigned.webhooks.insert(
            "audit".into(),
            WebhookConfig { kind: ChannelKind::Webhook, url: SecretRef::from_env("X"), secret: SecretRef::default() },
        );
        assert!(unsigned.check().expect_err("unsigned").to_string().contains("signing secret"));
        let mut dangling = c;
        dangling.board.push("team:nowhere".into());
        assert!(dangling.check().expect_err("dangling").to_string().contains("nowhere"));
    }

    fn toml_like(text: &str) -> NotifyConfig {
        toml::from_str(text).expect("config")
    }
}
