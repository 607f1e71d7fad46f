//! Notification preferences, channel destinations, the delivery log, feedback answers and
//! maker skills (issue #9).
//!
//! A part of the storage boundary kept in its own trait so that its methods, types and backend
//! implementations live together; [`crate::Store`] requires it, so `Arc<dyn Store>` reaches them.
//!
//! What both backends must do the same way is written here once:
//! - **one delivery per idempotency key**: [`NotificationStore::enqueue_delivery`] with a key
//!   already in the log writes nothing and answers the stored delivery
//!   ([`Enqueued::Duplicate`]), so a job that runs again after a crash or a retry never sends a
//!   message twice. The key is the message kind, the subject and the period
//!   ([`idempotency_key`]) plus the recipient and channel.
//! - **claiming**: [`NotificationStore::claim_deliveries`] moves each due delivery's
//!   `next_attempt_at` to the end of a lease and counts the attempt in the same statement, so two
//!   workers never hold the same delivery; a worker that dies leaves the delivery to be claimed
//!   again when the lease ends.
//! - **retries**: a failed attempt is `failed` with its error and a next attempt time until the
//!   attempts run out, then `dead`; an admin may put a failed or dead delivery back in the queue.

use crate::{Result, StoreError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

steward_model::string_enum!(
    /// What a message is about; templates and preferences are per kind.
    MessageKind, "message kind" {
        /// The governance board digest: the board report, weekly.
        BoardDigest => "board_digest",
        /// New success candidates, to the board.
        SuccessCandidates => "success_candidates",
        /// A policy violation, to the resource's owner, with the remediation text.
        Violation => "violation",
        /// A campaign step: a request, a reminder or an escalation to the owner's manager.
        CampaignStep => "campaign_step",
        /// Welcome to a maker seen for the first time.
        Welcome => "welcome",
        /// A maker's monthly summary of their resources' usage and compliance.
        MakerSummary => "maker_summary",
        /// `steward notify test`.
        Test => "test",
    }
);

steward_model::string_enum!(
    /// How a message travels.
    ChannelKind, "notification channel" {
        Email => "email",
        Teams => "teams",
        Slack => "slack",
        Webhook => "webhook",
    }
);

steward_model::string_enum!(
    /// How often a user wants a kind of message on a channel.
    Frequency, "notification frequency" {
        Immediately => "immediately",
        Daily => "daily",
        Weekly => "weekly",
        Off => "off",
    }
);

steward_model::string_enum!(
    /// Where a delivery is. `queued` and `failed` ones are sent (again) when due.
    DeliveryStatus, "delivery status" {
        Queued => "queued",
        Sent => "sent",
        Failed => "failed",
        Dead => "dead",
    }
);

/// A user's choice for one kind of message on one channel. Without a stored choice the
/// defaults of [`default_frequency`] apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    /// The Steward username, or the principal id for makers without an account.
    pub recipient: String,
    pub kind: MessageKind,
    pub channel: ChannelKind,
    pub frequency: Frequency,
}

/// What a recipient gets when they chose nothing: e-mail, as soon as the message is made
/// (digests are already periodic), nothing on chat channels (those are per team and opt-in).
pub fn default_frequency(channel: ChannelKind) -> Frequency {
    match channel {
        ChannelKind::Email => Frequency::Immediately,
        ChannelKind::Teams | ChannelKind::Slack | ChannelKind::Webhook => Frequency::Off,
    }
}

/// Where a recipient (a user, or a team named `team:<name>`) is reached on a channel: an
/// e-mail address, or the *name* of a webhook configured in steward.toml. Webhook URLs are
/// secrets and live only in the environment or files named by the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub recipient: String,
    pub channel: ChannelKind,
    pub address: String,
}

impl Destination {
    pub fn check(&self) -> Result<()> {
        required(&self.recipient, "the recipient of a destination")?;
        required(&self.address, "the address of a destination (an e-mail address or a configured webhook name)")?;
        if self.channel == ChannelKind::Email && !self.address.contains('@') {
            return Err(StoreError::InvalidQuery(format!(
                "'{}' is not an e-mail address; give one like name@example.com",
                self.address
            )));
        }
        Ok(())
    }
}

/// The idempotency key of a message: its kind, what it is about and the period it covers
/// (`board_digest:board:2026-W48`, `violation:res-1/no-owner:2026-11-24`). The delivery log
/// adds the recipient and channel.
pub fn idempotency_key(kind: MessageKind, subject: &str, period: &str) -> String {
    format!("{}:{}:{}", kind.as_str(), subject, period)
}

/// A message to send: see [`NotificationStore::enqueue_delivery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDelivery {
    pub kind: MessageKind,
    pub recipient: String,
    pub channel: ChannelKind,
    /// The e-mail address or webhook name it goes to.
    pub destination: String,
    /// From [`idempotency_key`]; the log keeps one delivery per key, recipient and channel.
    pub idempotency_key: String,
    /// The subject line (e-mail) or title (cards).
    pub subject: String,
    /// The rendered message (the channel's own form, JSON), kept so a retry sends the same.
    pub payload: serde_json::Value,
    pub at: Timestamp,
    /// When to send: `at` for at once, later for a daily or weekly digest.
    pub due_at: Timestamp,
}

impl NewDelivery {
    pub fn check(&self) -> Result<()> {
        required(&self.recipient, "the recipient of a delivery")?;
        required(&self.destination, "the destination of a delivery")?;
        required(&self.idempotency_key, "the idempotency key of a delivery")?;
        Ok(())
    }
}

/// A delivery in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub kind: MessageKind,
    pub recipient: String,
    pub channel: ChannelKind,
    pub destination: String,
    pub idempotency_key: String,
    pub subject: String,
    pub payload: serde_json::Value,
    pub status: DeliveryStatus,
    /// Attempts made (claimed) so far.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    /// When it is next due (queued/failed), or until when a worker holds it.
    pub next_attempt_at: Option<Timestamp>,
}

/// What enqueuing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Enqueued {
    /// A new delivery, queued.
    New(Delivery),
    /// The key was in the log already: nothing written; the stored delivery.
    Duplicate(Delivery),
}

impl Enqueued {
    pub fn delivery(&self) -> &Delivery {
        match self {
            Enqueued::New(d) | Enqueued::Duplicate(d) => d,
        }
    }
}

/// The result of one attempt: see [`NotificationStore::finish_delivery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Attempt {
    Sent {
        at: Timestamp,
    },
    /// Try again at `retry_at`, or give up (`dead`) when `None`.
    Failed {
        at: Timestamp,
        error: String,
        retry_at: Option<Timestamp>,
    },
}

/// Which deliveries [`NotificationStore::list_deliveries`] returns, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    pub kind: Option<MessageKind>,
    pub channel: Option<ChannelKind>,
    pub recipient: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Only ids below this one (the next page).
    pub before_id: Option<i64>,
}

impl DeliveryQuery {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }

    /// Whether a delivery matches; backends filter in SQL, this is the definition.
    pub fn matches(&self, d: &Delivery) -> bool {
        self.status.is_none_or(|s| s == d.status)
            && self.kind.is_none_or(|k| k == d.kind)
            && self.channel.is_none_or(|c| c == d.channel)
            && self.recipient.as_ref().is_none_or(|r| *r == d.recipient)
            && self.before_id.is_none_or(|b| d.id < b)
    }
}

/// An answer to the short feedback form of `/community/feedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFeedback {
    pub username: String,
    /// 1 (poor) to 5 (excellent).
    pub rating: u8,
    /// Whether the CoE answered what they asked for.
    pub answered: bool,
    pub comment: Option<String>,
    pub at: Timestamp,
}

impl NewFeedback {
    pub fn check(&self) -> Result<()> {
        required(&self.username, "who gives feedback")?;
        if !(1..=5).contains(&self.rating) {
            return Err(StoreError::InvalidQuery(format!(
                "a satisfaction rating is 1 to 5, not {}; pick one of 1, 2, 3, 4, 5",
                self.rating
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: i64,
    pub username: String,
    pub rating: u8,
    pub answered: bool,
    pub comment: Option<String>,
    pub at: Timestamp,
}

/// Feedback answers since a time, summed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedbackSummary {
    pub responses: u64,
    /// Mean rating, 1 to 5; `None` without answers.
    pub average_rating: Option<f64>,
    /// Share of answers saying their request was answered, 0 to 1.
    pub answered_share: Option<f64>,
}

impl FeedbackSummary {
    /// The summary of some answers; backends may sum in SQL, this is the definition.
    pub fn of(answers: &[Feedback]) -> Self {
        if answers.is_empty() {
            return FeedbackSummary::default();
        }
        let n = answers.len() as f64;
        FeedbackSummary {
            responses: answers.len() as u64,
            average_rating: Some(answers.iter().map(|a| f64::from(a.rating)).sum::<f64>() / n),
            answered_share: Some(answers.iter().filter(|a| a.answered).count() as f64 / n),
        }
    }
}

/// The skills a maker lists for the community directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakerSkills {
    /// The principal id of the maker.
    pub principal_id: String,
    /// Trimmed, lower-cased, without duplicates, sorted.
    pub skills: Vec<String>,
    pub updated_at: Timestamp,
}

/// Skills as stored: trimmed, lower-cased, deduplicated and sorted; empty ones dropped; at
/// most 20 of at most 40 characters each (a directory, not a CV).
pub fn normalise_skills(skills: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> =
        skills.iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
    out.sort();
    out.dedup();
    if let Some(long) = out.iter().find(|s| s.chars().count() > 40) {
        return Err(StoreError::InvalidQuery(format!("skill '{long}' is longer than 40 characters; shorten it")));
    }
    if out.len() > 20 {
        return Err(StoreError::InvalidQuery(format!("{} skills given; list at most 20", out.len())));
    }
    Ok(out)
}

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidQuery(format!("{what} is required")));
    }
    Ok(())
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Store (or replace) a recipient's frequency for one kind on one channel.
    async fn set_notification_preference(&self, preference: &Preference) -> Result<()>;

    /// A recipient's stored preferences (kinds and channels without one take the defaults).
    async fn notification_preferences(&self, recipient: &str) -> Result<Vec<Preference>>;

    /// Store (or replace) where a recipient is reached on a channel.
    async fn set_notification_destination(&self, destination: &Destination) -> Result<()>;

    /// Forget where a recipient is reached on a channel; `false` when nothing was stored.
    async fn remove_notification_destination(&self, recipient: &str, channel: ChannelKind) -> Result<bool>;

    /// A recipient's stored destinations.
    async fn notification_destinations(&self, recipient: &str) -> Result<Vec<Destination>>;

    /// Queue a message unless its key, recipient and channel are in the log already.
    async fn enqueue_delivery(&self, delivery: &NewDelivery) -> Result<Enqueued>;

    /// Take up to `limit` deliveries that are `queued` or `failed` and due at `now` (oldest due
    /// first), counting the attempt and holding each until `lease_until`.
    async fn claim_deliveries(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<Delivery>>;

    /// Record how an attempt went. Only a delivery that is still `queued` or `failed` changes;
    /// the delivery as it is now.
    async fn finish_delivery(&self, id: i64, attempt: &Attempt) -> Result<Delivery>;

    /// Put a `failed` or `dead` delivery back in the queue, due at `now`; a `sent` or `queued`
    /// one is refused with [`StoreError::Conflict`].
    async fn retry_delivery(&self, id: i64, now: Timestamp) -> Result<Delivery>;

    async fn get_delivery(&self, id: i64) -> Result<Option<Delivery>>;

    async fn list_deliveries(&self, query: &DeliveryQuery) -> Result<Vec<Delivery>>;

    /// Deliveries per status (every status present, zero when none).
    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>>;

    async fn record_feedback(&self, feedback: &NewFeedback) -> Result<Feedback>;

    /// Answers given at or after `since`, newest first.
    async fn list_feedback(&self, since: Timestamp) -> Result<Vec<Feedback>>;

    /// Replace a maker's skills (an empty list removes them from the directory's skills).
    async fn set_maker_skills(&self, principal_id: &str, skills: &[String], at: Timestamp) -> Result<MakerSkills>;

    /// Every maker's skills, by principal id.
    async fn list_maker_skills(&self) -> Result<Vec<MakerSkills>>;

    /// Record principals as seen by the welcome job; answers the ids that were not seen before
    /// (those are welcomed).
    async fn mark_makers_seen(&self, principal_ids: &[String], at: Timestamp) -> Result<Vec<String>>;

    /// How many principals the welcome job has seen (0 before its first run: the first run
    /// records the estate as it is without welcoming everyone).
    async fn seen_makers_count(&self) -> Result<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_are_normalised_and_bounded() {
        let got = normalise_skills(&[" Power Apps ".into(), "power apps".into(), "".into(), "Dataverse".into()]);
        assert_eq!(got.ok(), Some(vec!["dataverse".to_string(), "power apps".to_string()]));
        assert!(normalise_skills(&["x".repeat(41)]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("s{i}")).collect();
        assert!(normalise_skills(&many).is_err());
    }

    #[test]
    fn feedback_ratings_are_one_to_five_and_summed() {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let f = |rating| NewFeedback { username: "ann".into(), rating, answered: true, comment: None, at };
        assert!(f(0).check().is_err());
        assert!(f(6).check().is_err());
        assert!(f(5).check().is_ok());
        let stored = |id, rating, answered| Feedback { id, username: "a".into(), rating, answered, comment: None, at };
        let s = FeedbackSummary::of(&[stored(1, 5, true), stored(2, 2, false)]);
        assert_eq!((s.responses, s.average_rating, s.answered_share), (2, Some(3.5), Some(0.5)));
        assert_eq!(FeedbackSummary::of(&[]).average_rating, None);
    }

    #[test]
    fn destinations_check_email_addresses() {
        let d = Destination { recipient: "ann".into(), channel: ChannelKind::Email, address: "ann".into() };
        assert!(d.check().is_err());
        let ok = Destination { address: "ann@example.com".into(), ..d.clone() };
        assert!(ok.check().is_ok());
        let team = Destination { channel: ChannelKind::Teams, address: "coe-channel".into(), ..d };
        assert!(team.check().is_ok());
    }

    #[test]
    fn keys_name_kind_subject_and_period() {
        assert_eq!(idempotency_key(MessageKind::BoardDigest, "board", "2026-W48"), "board_digest:board:2026-W48");
    }
}
