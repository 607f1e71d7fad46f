//! `steward notify`: send a test message over a channel, list the delivery log, put a failed
//! delivery back in the queue, queue one kind of message now; and the job handlers' registration
//! (docs/notifications.md).

use crate::config::Config;
use crate::db;
use anyhow::Context;
use std::sync::Arc;
use steward_notify::Notifier;
use steward_store::notifications::{ChannelKind, DeliveryQuery, DeliveryStatus, MessageKind};

#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Send a test message straight away (not through the delivery log).
    ///
    /// Example: steward notify test --channel email --to ann@example.com
    /// Example: steward notify test --channel teams --to coe   (a [notify.webhooks.coe] entry)
    Test {
        /// email, teams, slack or webhook.
        #[arg(long, value_parser = parse_channel)]
        channel: ChannelKind,
        /// An e-mail address, or the name of a configured webhook.
        #[arg(long)]
        to: String,
    },
    /// The delivery log, newest first.
    Deliveries {
        /// queued, sent, failed or dead.
        #[arg(long, value_parser = parse_status)]
        status: Option<DeliveryStatus>,
        /// Only this recipient (username, principal:<id> or team:<name>).
        #[arg(long)]
        recipient: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put a failed or dead delivery back in the queue.
    Retry { id: i64 },
    /// Build and queue the messages of one kind now, then send what is due (what the jobs do).
    ///
    /// Example: steward notify run board_digest
    Run {
        /// board_digest, success_candidates, violation, campaign_step, welcome, maker_summary.
        #[arg(value_parser = parse_kind)]
        kind: MessageKind,
    },
}

fn parse_channel(s: &str) -> Result<ChannelKind, String> {
    s.parse().map_err(|e: steward_model::UnknownValue| e.to_string())
}

fn parse_status(s: &str) -> Result<DeliveryStatus, String> {
    s.parse().map_err(|e: steward_model::UnknownValue| e.to_string())
}

fn parse_kind(s: &str) -> Result<MessageKind, String> {
    s.parse().map_err(|e: steward_model::UnknownValue| e.to_string())
}

fn notifier(config: &Config) -> anyhow::Result<Notifier> {
    let mut c = config.notify.clone();
    c.resolve_paths(&config.base_dir);
    // The maker summary tells makers what their resources were worth, at the [value] rates.
    let rates = config.value.rates().map_err(|e| anyhow::anyhow!("steward.toml [value]: {e}"))?;
    Notifier::from_config(c, rates).context("the [notify] section of steward.toml cannot be used")
}

/// Register the notification job handlers. A configuration that cannot be used (a missing
/// secret, a broken template) registers none and says why, so the rest of the jobs still run.
pub fn register(registry: &mut steward_jobs::Registry, config: &Arc<Config>) {
    match notifier(config) {
        Ok(n) => steward_notify::jobs::register(registry, Arc::new(n)),
        Err(e) => tracing::error!(error = %format!("{e:#}"), "notifications are off: fix [notify] and restart"),
    }
}

pub async fn run(cmd: NotifyCommand, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match cmd {
        NotifyCommand::Test { channel, to } => {
            let n = notifier(config)?;
            n.send_test(channel, &to, now).await?;
            println!("Sent a test message to {to} over {channel}.");
            Ok(())
        }
        NotifyCommand::Deliveries { status, recipient, limit, json } => {
            let store = db::open(db_url).await?;
            let q = DeliveryQuery { status, recipient, limit: Some(limit), ..Default::default() };
            let list = store.list_deliveries(&q).await.context("cannot read the delivery log")?;
            if json {
                for d in &list {
                    println!("{}", serde_json::to_string(d).context("cannot encode a delivery")?);
                }
                return Ok(());
            }
            if list.is_empty() {
                println!("No deliveries.");
                return Ok(());
            }
            println!(
                "{:>6}  {:<7}  {:<18}  {:<8}  {:<24}  {:>3}  {:<16}  error",
                "id", "status", "kind", "channel", "recipient", "try", "updated"
            );
            for d in &list {
                println!(
                    "{:>6}  {:<7}  {:<18}  {:<8}  {:<24}  {:>3}  {:<16}  {}",
                    d.id,
                    d.status.as_str(),
                    d.kind.as_str(),
                    d.channel.as_str(),
                    d.recipient,
                    d.attempts,
                    d.updated_at.format("%Y-%m-%d %H:%M"),
                    d.last_error.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
        NotifyCommand::Retry { id } => {
            let store = db::open(db_url).await?;
            let d = store.retry_delivery(id, now).await.with_context(|| format!("cannot retry delivery {id}"))?;
            println!("Delivery {} to {} is queued again.", d.id, d.recipient);
            Ok(())
        }
        NotifyCommand::Run { kind } => {
            let store = db::open(db_url).await?;
            let n = notifier(config)?;
            let queued = n.queue(store.as_ref(), kind, now).await?;
            let sent = n.send(store.as_ref(), now, 500).await?;
            println!("{kind}: {}; {}", queued.summary(), sent.summary());
            Ok(())
        }
    }
}
