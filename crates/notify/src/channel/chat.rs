//! Microsoft Teams and Slack incoming webhooks.
//!
//! Teams: the payload Teams Workflows ("Post to a channel when a webhook request is received")
//! expects — a `message` whose one attachment is an Adaptive Card (1.4): the subject as a
//! heading, the chat summary, the facts as a FactSet, links as `Action.OpenUrl` buttons.
//!
//! Slack: Block Kit `blocks` (header, section, fields, action buttons) and a `text` fallback,
//! which Slack shows in notifications and to clients that cannot render blocks.

use super::{Channel, SendError, http_error, http_outcome, secret_url};
use crate::message::Message;
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::{Value, json};
use steward_store::notifications::ChannelKind;

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The Teams Workflows payload of a message.
pub fn teams_payload(m: &Message) -> Value {
    let mut body = vec![
        json!({"type": "TextBlock", "text": m.subject, "weight": "Bolder", "size": "Medium", "wrap": true}),
        json!({"type": "TextBlock", "text": m.summary, "wrap": true}),
    ];
    if !m.facts.is_empty() {
        let facts: Vec<Value> = m.facts.iter().map(|f| json!({"title": f.name, "value": f.value})).collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    let actions: Vec<Value> =
        m.actions.iter().map(|a| json!({"type": "Action.OpenUrl", "title": a.label, "url": a.url})).collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": actions,
            }
        }]
    })
}

/// The Slack Block Kit payload of a message, within Slack's limits (header 150 characters,
/// section text 3,000, 10 fields, 25 buttons).
pub fn slack_payload(m: &Message) -> Value {
    // The chat templates write Markdown bold (`**x**`); Slack's mrkdwn bold is `*x*`.
    let summary = m.summary.replace("**", "*");
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&m.subject, 150), "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&summary, 3000)}}),
    ];
    if !m.facts.is_empty() {
        let fields: Vec<Value> = m
            .facts
            .iter()
            .take(10)
            .map(|f| json!({"type": "mrkdwn", "text": cut(&format!("*{}*\n{}", f.name, f.value), 2000)}))
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if !m.actions.is_empty() {
        let buttons: Vec<Value> = m
            .actions
            .iter()
            .take(25)
            .map(|a| json!({"type": "button", "text": {"type": "plain_text", "text": cut(&a.label, 75)}, "url": a.url}))
            .collect();
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    json!({"text": format!("{}\n{}", m.subject, m.text.trim()), "blocks": blocks})
}

async fn post(client: &reqwest::Client, url: &Secret, payload: &Value, what: &str) -> Result<(), SendError> {
    let url = secret_url(url)?;
    let response = client.post(url).json(payload).send().await.map_err(|e| http_error(e, what))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    http_outcome(status, &body, what)
}

pub struct TeamsChannel {
    client: reqwest::Client,
    url: Secret,
}

impl TeamsChannel {
    pub fn new(client: reqwest::Client, url: Secret) -> Self {
        TeamsChannel { client, url }
    }
}

#[async_trait]
impl Channel for TeamsChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Teams
    }

    async fn send(&self, message: &Message, _delivery_id: i64) -> Result<(), SendError> {
        post(&self.client, &self.url, &teams_payload(message), "the Teams webhook").await
    }
}

pub struct SlackChannel {
    client: reqwest::Client,
    url: Secret,
}

impl SlackChannel {
    pub fn new(client: reqwest::Client, url: Secret) -> Self {
        SlackChannel { client, url }
    }
}

#[async_trait]
impl Channel for SlackChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Slack
    }

    async fn send(&self, message: &Message, _delivery_id: i64) -> Result<(), SendError> {
        post(&self.client, &self.url, &slack_payload(message), "the Slack webhook").await
    }
}
