//! Channels against real local receivers: an SMTP server and an HTTP server on 127.0.0.1:0,
//! started by the tests. Messages go the whole way: dispatch → delivery log (SQLite) → sender →
//! receiver; the receivers check the payload shapes, the HMAC signature, retries and that a job
//! run twice sends once.

#![allow(clippy::unwrap_used)]

mod receivers;

use chrono::{TimeZone, Utc};
use receivers::{HttpReceiver, SmtpReceiver};
use serde_json::{Value, json};
use std::sync::Arc;
use steward_model::Timestamp;
use steward_notify::channel::chat::{SlackChannel, TeamsChannel};
use steward_notify::channel::email::EmailChannel;
use steward_notify::channel::webhook::WebhookChannel;
use steward_notify::channel::{Channel, Channels, http_client};
use steward_notify::config::{SmtpConfig, SmtpSecurity};
use steward_notify::dispatch::{Dispatcher, Outgoing, Recipient};
use steward_notify::secret::{Secret, SecretRef};
use steward_notify::templates::Templates;
use steward_notify::{NotifyConfig, sender};
use steward_store::Store;
use steward_store::notifications::{
    ChannelKind, DeliveryQuery, DeliveryStatus, Destination, Frequency, MessageKind, Preference,
};
use steward_store_sqlite::SqliteStore;

fn t(day: u32, hour: u32, minute: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
}

async fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db").to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    (dir, Arc::new(store))
}

fn email_channel(port: u16) -> EmailChannel {
    EmailChannel::from_config(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        from: "Steward <steward@example.com>".into(),
        username: None,
        password: SecretRef::default(),
        timeout_seconds: 5,
    })
    .unwrap()
}

fn hooks(http: &HttpReceiver) -> Vec<(String, Arc<dyn Channel>)> {
    let client = http_client(std::time::Duration::from_secs(5)).unwrap();
    vec![
        (
            "coe".into(),
            Arc::new(TeamsChannel::new(client.clone(), Secret::new(http.url("/teams")))) as Arc<dyn Channel>,
        ),
        (
            "makers".into(),
            Arc::new(SlackChannel::new(client.clone(), Secret::new(http.url("/slack")))) as Arc<dyn Channel>,
        ),
        (
            "audit".into(),
            Arc::new(WebhookChannel::new(client.clone(), Secret::new(http.url("/hook")), Secret::new("hook-key")))
                as Arc<dyn Channel>,
        ),
        ("broken".into(), Arc::new(TeamsChannel::new(client, Secret::new(http.url("/fail")))) as Arc<dyn Channel>),
    ]
}

fn welcome(recipient: Recipient) -> Outgoing {
    Outgoing {
        kind: MessageKind::Welcome,
        recipient,
        subject_key: "p1".into(),
        period: "once".into(),
        context: json!({
            "first_resource": "Expense <App>",
            "first_resource_kind": "canvas app",
            "training_links": [{"label": "Power Apps in a day", "url": "https://learn.example.com/pa"}],
            "community_channel": "https://teams.example.com/makers",
            "my_url": "https://steward.example.com/inventory",
            "facts": [{"name": "First resource", "value": "Expense <App>"}],
            "actions": [{"label": "Power Apps in a day", "url": "https://learn.example.com/pa"}],
        }),
    }
}

fn ann() -> Recipient {
    Recipient { key: "ann".into(), name: "Ann Maker".into(), email: Some("ann@example.com".into()) }
}

#[tokio::test]
async fn email_goes_once_as_text_and_html_even_when_the_job_runs_twice() {
    let smtp = SmtpReceiver::start().await;
    let (_dir, store) = store().await;
    let channels = Channels::new(Some(email_channel(smtp.port)), Vec::new());
    let templates = Templates::builtin().unwrap();
    let config = NotifyConfig::default();
    let d = Dispatcher { store: store.as_ref(), templates: &templates, channels: &channels, config: &config };

    let first = d.dispatch(&welcome(ann()), t(24, 9, 0)).await.unwrap();
    assert_eq!(first.queued, 1, "{first:?}");
    let report = sender::send_due(store.as_ref(), &channels, 6, t(24, 9, 0), 50).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    // The job runs again (a retry after a crash): nothing new is queued or sent.
    let again = d.dispatch(&welcome(ann()), t(24, 9, 5)).await.unwrap();
    assert_eq!((again.queued, again.duplicates), (0, 1));
    let report = sender::send_due(store.as_ref(), &channels, 6, t(24, 9, 5), 50).await.unwrap();
    assert_eq!(report.sent, 0);

    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "exactly one e-mail");
    let (rcpt, data) = &mails[0];
    assert_eq!(rcpt, &vec!["ann@example.com".to_string()]);
    assert!(data.contains("Subject: Welcome to the makers' community, Ann Maker"), "{data}");
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("Content-Type: text/plain") && data.contains("Content-Type: text/html"), "{data}");
    assert!(data.contains("Expense &lt;App&gt;"), "HTML part escaped: {data}");
    assert!(data.contains("Expense <App>"), "text part verbatim: {data}");
}

#[tokio::test]
async fn smtp_temporary_failures_retry_with_backoff_and_refusals_are_dead() {
    let smtp = SmtpReceiver::start().await;
    smtp.fail_next_data(1, "451 4.3.0 try again later");
    let (_dir, store) = store().await;
    let channels = Channels::new(Some(email_channel(smtp.port)), Vec::new());
    let templates = Templates::builtin().unwrap();
    let config = NotifyConfig::default();
    let d = Dispatcher { store: store.as_ref(), templates: &templates, channels: &channels, config: &config };
    d.dispatch(&welcome(ann()), t(24, 9, 0)).await.unwrap();

    let r = sender::send_due(store.as_ref(), &channels, 6, t(24, 9, 0), 50).await.unwrap();
    assert_eq!((r.sent, r.failed), (0, 1));
    let stored = store.list_deliveries(&DeliveryQuery::default()).await.unwrap().remove(0);
    assert_eq!(stored.status, DeliveryStatus::Failed);
    assert!(stored.last_error.as_deref().unwrap_or("").contains("451"), "{stored:?}");
    assert_eq!(stored.next_attempt_at, Some(t(24, 9, 1)), "one minute after the first failure");
    // Not due yet; then due, and the server accepts.
    assert_eq!(sender::send_due(store.as_ref(), &channels, 6, t(24, 9, 0), 50).await.unwrap().sent, 0);
    assert_eq!(sender::send_due(store.as_ref(), &channels, 6, t(24, 9, 1), 50).await.unwrap().sent, 1);
    assert_eq!(smtp.messages().len(), 1);

    // A refused recipient is dead at once, with the server's answer.
    smtp.fail_next_data(1, "550 5.1.1 no such user");
    let bob = Recipient { key: "bob".into(), name: "Bob".into(), email: Some("bob@example.com".into()) };
    d.dispatch(&Outgoing { subject_key: "p2".into(), ..welcome(bob) }, t(24, 10, 0)).await.unwrap();
    let r = sender::send_due(store.as_ref(), &channels, 6, t(24, 10, 0), 50).await.unwrap();
    assert_eq!(r.dead, 1, "{r:?}");
    let q = DeliveryQuery { recipient: Some("bob".into()), ..Default::default() };
    let dead = store.list_deliveries(&q).await.unwrap().remove(0);
    assert_eq!(dead.status, DeliveryStatus::Dead);
    assert!(dead.last_error.unwrap_or_default().contains("550"));
    // An admin retries it: queued again, sent when the server takes it.
    store.retry_delivery(dead.id, t(24, 11, 0)).await.unwrap();
    assert_eq!(sender::send_due(store.as_ref(), &channels, 6, t(24, 11, 0), 50).await.unwrap().sent, 1);
}

#[tokio::test]
async fn teams_slack_and_signed_webhooks_get_their_payloads() {
    let http = HttpReceiver::start().await;
    let (_dir, store) = store().await;
    let channels = Channels::new(None, hooks(&http));
    let templates = Templates::builtin().unwrap();
    let config = NotifyConfig::default();
    let d = Dispatcher { store: store.as_ref(), templates: &templates, channels: &channels, config: &config };
    for team in ["coe", "makers", "audit"] {
        let r = d.dispatch(&welcome(Recipient::team(team)), t(24, 9, 0)).await.unwrap();
        assert_eq!(r.queued, 1, "{team}: {r:?}");
    }
    let r = sender::send_due(store.as_ref(), &channels, 6, t(24, 9, 0), 50).await.unwrap();
    assert_eq!(r.sent, 3, "{r:?}");

    let teams = http.body_json("/teams");
    assert_eq!(teams["type"], "message");
    let attachment = &teams["attachments"][0];
    assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &attachment["content"];
    assert_eq!((card["type"].as_str(), card["version"].as_str()), (Some("AdaptiveCard"), Some("1.4")));
    assert_eq!(card["body"][0]["text"], "Welcome to the makers' community, coe");
    assert_eq!(card["body"][2]["type"], "FactSet");
    assert_eq!(card["body"][2]["facts"][0], json!({"title": "First resource", "value": "Expense <App>"}));
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(card["actions"][0]["url"], "https://learn.example.com/pa");

    let slack = http.body_json("/slack");
    assert!(slack["text"].as_str().unwrap().starts_with("Welcome to the makers' community, makers"), "fallback text");
    let blocks = slack["blocks"].as_array().unwrap();
    let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["header", "section", "section", "actions"]);
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(blocks[3]["elements"][0]["url"], "https://learn.example.com/pa");

    let (headers, body) = http.request("/hook");
    let ts = headers.get("x-steward-timestamp").unwrap().to_str().unwrap().to_string();
    let sig = headers.get("x-steward-signature").unwrap().to_str().unwrap().to_string();
    let now = Utc::now().timestamp();
    assert!(steward_notify::sign::verify(b"hook-key", &ts, &body, &sig, now, 300), "the receiver can verify");
    assert!(!steward_notify::sign::verify(b"other-key", &ts, &body, &sig, now, 300));
    let hook: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(hook["kind"], "welcome");
    assert_eq!(headers.get("x-steward-delivery").unwrap().to_str().unwrap(), hook["delivery_id"].to_string());
}

#[tokio::test]
async fn http_errors_retry_on_5xx_and_urls_never_reach_the_log() {
    let http = HttpReceiver::start().await;
    let (_dir, store) = store().await;
    let channels = Channels::new(None, hooks(&http));
    let templates = Templates::builtin().unwrap();
    let config = NotifyConfig::default();
    let d = Dispatcher { store: store.as_ref(), templates: &templates, channels: &channels, config: &config };
    d.dispatch(&welcome(Recipient::team("broken")), t(24, 9, 0)).await.unwrap();
    let r = sender::send_due(store.as_ref(), &channels, 2, t(24, 9, 0), 50).await.unwrap();
    assert_eq!(r.failed, 1);
    let r = sender::send_due(store.as_ref(), &channels, 2, t(24, 9, 1), 50).await.unwrap();
    assert_eq!(r.dead, 1, "out of attempts: {r:?}");
    let dead = store.list_deliveries(&DeliveryQuery::default()).await.unwrap().remove(0);
    let error = dead.last_error.unwrap_or_default();
    assert!(error.contains("503"), "{error}");
    assert!(!error.contains("127.0.0.1") && !error.contains("/fail"), "the webhook URL is a secret: {error}");
}

#[tokio::test]
async fn preferences_decide_channels_and_digests_combine() {
    let smtp = SmtpReceiver::start().await;
    let http = HttpReceiver::start().await;
    let (_dir, store) = store().await;
    let channels = Channels::new(Some(email_channel(smtp.port)), hooks(&http));
    let templates = Templates::builtin().unwrap();
    let config = NotifyConfig::default();
    let d = Dispatcher { store: store.as_ref(), templates: &templates, channels: &channels, config: &config };
    let pref = |kind, channel, frequency| Preference { recipient: "ann".into(), kind, channel, frequency };

    // E-mail off for welcomes: nothing queued.
    store.set_notification_preference(&pref(MessageKind::Welcome, ChannelKind::Email, Frequency::Off)).await.unwrap();
    let r = d.dispatch(&welcome(ann()), t(24, 9, 0)).await.unwrap();
    assert_eq!((r.queued, r.off), (0, 1), "{r:?}");

    // Slack daily for welcomes and test-kind messages, to the "makers" webhook.
    store
        .set_notification_destination(&Destination {
            recipient: "ann".into(),
            channel: ChannelKind::Slack,
            address: "makers".into(),
        })
        .await
        .unwrap();
    store.set_notification_preference(&pref(MessageKind::Welcome, ChannelKind::Slack, Frequency::Daily)).await.unwrap();
    let r = d.dispatch(&Outgoing { subject_key: "p9".into(), ..welcome(ann()) }, t(24, 9, 0)).await.unwrap();
    assert_eq!(r.queued, 1, "{r:?}");
    let r = d.dispatch(&Outgoing { subject_key: "p10".into(), ..welcome(ann()) }, t(24, 9, 30)).await.unwrap();
    assert_eq!(r.queued, 1);
    // Held until 08:00 the next day, then sent together as one message.
    assert_eq!(sender::send_due(store.as_ref(), &channels, 6, t(24, 12, 0), 50).await.unwrap().sent, 0);
    let r = sender::send_due(store.as_ref(), &channels, 6, t(25, 8, 0), 50).await.unwrap();
    assert_eq!(r.sent, 2, "{r:?}");
    assert_eq!(http.count("/slack"), 1, "one digest message for two deliveries");
    let slack = http.body_json("/slack");
    assert_eq!(slack["blocks"][0]["text"]["text"], "Steward digest: 2 messages");
    assert!(smtp.messages().is_empty(), "e-mail stayed off");
}
