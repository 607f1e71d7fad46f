//! Channels: how a [`Message`] reaches a destination.
//!
//! [`Channels`] holds the configured ones: SMTP for e-mail (destination: an address) and the
//! named webhooks (destination: the webhook's name in steward.toml; its URL is a secret read at
//! start and never stored in the database or logged).

pub mod chat;
pub mod email;
pub mod webhook;

use crate::NotifyError;
use crate::config::NotifyConfig;
use crate::message::Message;
use crate::secret::Secret;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use steward_store::notifications::ChannelKind;

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The network, a 5xx or 429, a temporary SMTP reply: retried with backoff.
    #[error("{0}")]
    Retryable(String),
    /// A refused address, a 4xx other than 429, a destination that is not configured.
    #[error("{0}")]
    Permanent(String),
}

/// One way to send.
#[async_trait]
pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;

    /// Send one message. `delivery_id` lets receivers recognise a repeat (webhook header).
    async fn send(&self, message: &Message, delivery_id: i64) -> Result<(), SendError>;
}

/// Every configured channel.
#[derive(Clone, Default)]
pub struct Channels {
    email: Option<Arc<email::EmailChannel>>,
    hooks: BTreeMap<String, Arc<dyn Channel>>,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("email", &self.email.is_some())
            .field("webhooks", &self.hooks.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The HTTP client webhooks share: rustls, a timeout, no redirects (a webhook that redirects
/// is misconfigured, and following it could send the payload elsewhere).
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, NotifyError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("steward/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NotifyError::Config(format!("cannot build the HTTP client for webhooks: {e}")))
}

impl Channels {
    /// Build every channel of the configuration, reading its secrets now so that a missing one
    /// is reported at start.
    pub fn from_config(config: &NotifyConfig) -> Result<Channels, NotifyError> {
        config.check()?;
        let http = http_client(Duration::from_secs(30))?;
        let email = match &config.smtp {
            Some(smtp) => Some(Arc::new(email::EmailChannel::from_config(smtp)?)),
            None => None,
        };
        let mut hooks: BTreeMap<String, Arc<dyn Channel>> = BTreeMap::new();
        for (name, hook) in &config.webhooks {
            let url = hook.url.load(&format!("the URL of webhook '{name}'"))?;
            let channel: Arc<dyn Channel> = match hook.kind {
                ChannelKind::Teams => Arc::new(chat::TeamsChannel::new(http.clone(), url)),
                ChannelKind::Slack => Arc::new(chat::SlackChannel::new(http.clone(), url)),
                ChannelKind::Webhook => {
                    let key = hook.secret.load(&format!("the signing secret of webhook '{name}'"))?;
                    Arc::new(webhook::WebhookChannel::new(http.clone(), url, key))
                }
                ChannelKind::Email => {
                    return Err(NotifyError::Config(format!("webhook '{name}' cannot have kind email")));
                }
            };
            hooks.insert(name.clone(), channel);
        }
        Ok(Channels { email, hooks })
    }

    /// Channels built by hand (tests, `steward notify test`).
    pub fn new(email: Option<email::EmailChannel>, hooks: Vec<(String, Arc<dyn Channel>)>) -> Channels {
        Channels { email: email.map(Arc::new), hooks: hooks.into_iter().collect() }
    }

    /// The kind of a named webhook, when configured.
    pub fn webhook_kind(&self, name: &str) -> Option<ChannelKind> {
        self.hooks.get(name).map(|h| h.kind())
    }

    pub fn webhook_names(&self) -> Vec<String> {
        self.hooks.keys().cloned().collect()
    }

    pub fn has_email(&self) -> bool {
        self.email.is_some()
    }

    /// Send to a destination of a channel kind.
    pub async fn send(
        &self,
        kind: ChannelKind,
        destination: &str,
        message: &Message,
        delivery_id: i64,
    ) -> Result<(), SendError> {
        match kind {
            ChannelKind::Email => match &self.email {
                Some(email) => email.send_to(destination, message).await,
                None => Err(SendError::Permanent("e-mail is not configured; add [notify.smtp] to steward.toml".into())),
            },
            other => match self.hooks.get(destination) {
                Some(hook) if hook.kind() == other => hook.send(message, delivery_id).await,
                Some(hook) => Err(SendError::Permanent(format!(
                    "webhook '{destination}' is a {} webhook, not {other}",
                    hook.kind()
                ))),
                None => Err(SendError::Permanent(format!(
                    "no webhook named '{destination}' is configured; add [notify.webhooks.{destination}]"
                ))),
            },
        }
    }
}

/// Classify an HTTP answer: 2xx sent; 429 and 5xx worth retrying; other answers permanent.
pub(crate) fn http_outcome(status: reqwest::StatusCode, body: &str, what: &str) -> Result<(), SendError> {
    if status.is_success() {
        return Ok(());
    }
    // The body may echo parts of the request; keep a short, single-line excerpt.
    let excerpt: String = body.chars().filter(|c| !c.is_control()).take(200).collect();
    let message = format!("{what} answered {status}: {excerpt}");
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Err(SendError::Retryable(message))
    } else {
        Err(SendError::Permanent(message))
    }
}

/// A request that got no answer: retryable. The URL (a secret) is left out of the message.
pub(crate) fn http_error(e: reqwest::Error, what: &str) -> SendError {
    let e = e.without_url();
    SendError::Retryable(format!("{what} could not be reached: {e}"))
}

pub(crate) fn secret_url(secret: &Secret) -> Result<reqwest::Url, SendError> {
    reqwest::Url::parse(secret.expose())
        .map_err(|e| SendError::Permanent(format!("the configured webhook URL is not a URL ({e}); fix it")))
}
