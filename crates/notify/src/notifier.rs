//! [`Notifier`]: the configuration, templates and channels together, and what the jobs and the
//! server do with them.

use crate::channel::Channels;
use crate::dispatch::{DispatchReport, Dispatcher};
use crate::message::Message;
use crate::sender::{SendReport, send_due};
use crate::templates::Templates;
use crate::{NotifyConfig, NotifyError, messages};
use serde_json::json;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::notifications::{ChannelKind, MessageKind};
use steward_value::Rates;

#[derive(Debug)]
pub struct Notifier {
    pub config: NotifyConfig,
    pub templates: Templates,
    pub channels: Channels,
    /// The `[value]` rates and currency: the maker summary says what resources were worth.
    pub value: Rates,
}

impl Notifier {
    /// Read templates and secrets now, so a broken template or a missing secret stops the start
    /// with a clear message instead of failing each delivery.
    /// `value` is the checked `[value]` section (`ValueConfig::rates`), the same the value pages use.
    pub fn from_config(config: NotifyConfig, value: Rates) -> Result<Notifier, NotifyError> {
        let templates = Templates::with_overrides(config.templates_dir.as_deref())?;
        let channels = Channels::from_config(&config)?;
        Ok(Notifier { config, templates, channels, value })
    }

    pub fn new(config: NotifyConfig, templates: Templates, channels: Channels, value: Rates) -> Notifier {
        Notifier { config, templates, channels, value }
    }

    /// Build the messages of a kind and queue them.
    pub async fn queue(
        &self,
        store: &dyn Store,
        kind: MessageKind,
        now: Timestamp,
    ) -> Result<DispatchReport, NotifyError> {
        let outgoing = messages::build(kind, store, &self.config, &self.value, now).await?;
        let dispatcher =
            Dispatcher { store, templates: &self.templates, channels: &self.channels, config: &self.config };
        let mut report = DispatchReport::default();
        for o in &outgoing {
            report.add(&dispatcher.dispatch(o, now).await?);
        }
        Ok(report)
    }

    /// Send what is due.
    pub async fn send(&self, store: &dyn Store, now: Timestamp, limit: u32) -> Result<SendReport, NotifyError> {
        send_due(store, &self.channels, self.config.max_attempts, now, limit).await
    }

    /// The test message of a channel.
    pub fn test_message(&self, channel: ChannelKind, now: Timestamp) -> Result<Message, NotifyError> {
        self.templates.render(
            MessageKind::Test,
            &json!({
                "base_url": self.config.base_url,
                "sent_at": now.format("%Y-%m-%d %H:%M UTC").to_string(),
                "channel": channel.as_str(),
            }),
        )
    }

    /// Send a test message straight away (not through the log): `steward notify test`.
    pub async fn send_test(&self, channel: ChannelKind, destination: &str, now: Timestamp) -> Result<(), NotifyError> {
        let message = self.test_message(channel, now)?;
        self.channels
            .send(channel, destination, &message, 0)
            .await
            .map_err(|e| NotifyError::Config(format!("the test message to {destination} over {channel} failed: {e}")))
    }
}
