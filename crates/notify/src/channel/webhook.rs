//! Generic webhooks: the message as JSON, signed ([`crate::sign`]) so the receiver can tell it
//! came from this Steward and was not changed or replayed.

use super::{Channel, SendError, http_error, http_outcome, secret_url};
use crate::message::Message;
use crate::secret::Secret;
use crate::sign::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
use async_trait::async_trait;
use serde_json::json;
use steward_store::notifications::ChannelKind;

pub struct WebhookChannel {
    client: reqwest::Client,
    url: Secret,
    key: Secret,
}

impl WebhookChannel {
    pub fn new(client: reqwest::Client, url: Secret, key: Secret) -> Self {
        WebhookChannel { client, url, key }
    }
}

/// The JSON body: the message with its kind and the delivery id.
pub fn webhook_body(message: &Message, delivery_id: i64) -> serde_json::Value {
    json!({
        "delivery_id": delivery_id,
        "kind": message.kind,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "summary": message.summary,
        "facts": message.facts,
        "actions": message.actions,
    })
}

#[async_trait]
impl Channel for WebhookChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    async fn send(&self, message: &Message, delivery_id: i64) -> Result<(), SendError> {
        let url = secret_url(&self.url)?;
        // Signed over these exact bytes, sent as they are.
        let body = serde_json::to_vec(&webhook_body(message, delivery_id))
            .map_err(|e| SendError::Permanent(format!("cannot encode the message: {e}")))?;
        let timestamp = chrono::Utc::now().timestamp();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature(self.key.expose().as_bytes(), timestamp, &body))
            .header(DELIVERY_HEADER, delivery_id.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| http_error(e, "the webhook"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        http_outcome(status, &text, "the webhook")
    }
}
