//! From a message to deliveries: who gets it on which channel, when, and only once.
//!
//! A recipient is a Steward user (by username), a maker without an account (`principal:<id>`)
//! or a team (`team:<webhook name>`). For each channel the recipient's stored preference for the
//! message kind applies, else the default ([`default_frequency`]: e-mail at once, chat off);
//! teams get their own webhook at once unless they chose otherwise. Daily and weekly choices
//! hold the delivery until the next digest time (08:00 UTC; Mondays for weekly), when the
//! sender sends everything held for one destination as one message.

use crate::channel::Channels;
use crate::message::Message;
use crate::templates::Templates;
use crate::{NotifyConfig, NotifyError};
use chrono::{Datelike, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::notifications::{
    ChannelKind, Enqueued, Frequency, MessageKind, NewDelivery, default_frequency, idempotency_key,
};

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// A username, `principal:<id>` or `team:<webhook name>`.
    pub key: String,
    /// How to greet them.
    pub name: String,
    /// The e-mail address when known (the user's, or the principal's UPN).
    pub email: Option<String>,
}

impl Recipient {
    pub fn team(name: &str) -> Recipient {
        Recipient { key: format!("team:{name}"), name: name.to_string(), email: None }
    }

    fn team_name(&self) -> Option<&str> {
        self.key.strip_prefix("team:")
    }
}

/// A message for one recipient, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub kind: MessageKind,
    pub recipient: Recipient,
    /// What the message is about (`r1/no-owner`, `board`), for the idempotency key.
    pub subject_key: String,
    /// The period it covers (`2026-11`, `2026-W48`, `once`), for the idempotency key.
    pub period: String,
    /// The template context.
    pub context: Value,
}

/// What dispatching did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchReport {
    pub queued: u64,
    /// Already in the log (a job that ran again).
    pub duplicates: u64,
    /// Recipients and channels switched off.
    pub off: u64,
    /// Channels wanted but without an address or webhook.
    pub no_destination: u64,
}

impl DispatchReport {
    pub fn add(&mut self, o: &DispatchReport) {
        self.queued += o.queued;
        self.duplicates += o.duplicates;
        self.off += o.off;
        self.no_destination += o.no_destination;
    }

    pub fn summary(&self) -> String {
        format!(
            "{} queued, {} already sent or queued, {} switched off, {} without an address",
            self.queued, self.duplicates, self.off, self.no_destination
        )
    }
}

/// When a delivery of a frequency made at `now` is due.
pub fn due_time(frequency: Frequency, now: Timestamp) -> Timestamp {
    let eight = |d: chrono::NaiveDate| d.and_hms_opt(8, 0, 0).map(|t| Utc.from_utc_datetime(&t)).unwrap_or(now);
    match frequency {
        Frequency::Immediately | Frequency::Off => now,
        Frequency::Daily => {
            let today = eight(now.date_naive());
            if today > now { today } else { eight(now.date_naive() + Duration::days(1)) }
        }
        Frequency::Weekly => {
            let days_to_monday = (7 - now.weekday().num_days_from_monday()) % 7;
            let candidate = eight(now.date_naive() + Duration::days(i64::from(days_to_monday)));
            if candidate > now { candidate } else { eight(now.date_naive() + Duration::days(7)) }
        }
    }
}

/// The payload a delivery keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub message: Message,
    /// Held for a daily or weekly digest: sent together with the others held for the same
    /// destination.
    #[serde(default)]
    pub digest: bool,
}

pub struct Dispatcher<'a> {
    pub store: &'a dyn Store,
    pub templates: &'a Templates,
    pub channels: &'a Channels,
    pub config: &'a NotifyConfig,
}

impl Dispatcher<'_> {
    /// Render and queue one message for its recipient on every channel they want it on.
    pub async fn dispatch(&self, out: &Outgoing, now: Timestamp) -> Result<DispatchReport, NotifyError> {
        let mut report = DispatchReport::default();
        let targets = self.targets(&out.recipient, out.kind, &mut report).await?;
        if targets.is_empty() {
            return Ok(report);
        }
        let mut context = out.context.clone();
        if let Value::Object(map) = &mut context {
            map.entry("recipient_name").or_insert_with(|| Value::String(out.recipient.name.clone()));
            map.entry("base_url").or_insert_with(|| Value::String(self.config.base_url.clone()));
        }
        let message = self.templates.render(out.kind, &context)?;
        let key = idempotency_key(out.kind, &out.subject_key, &out.period);
        for (channel, destination, frequency) in targets {
            let payload = Payload { message: message.clone(), digest: frequency != Frequency::Immediately };
            let payload = serde_json::to_value(&payload)
                .map_err(|e| NotifyError::Config(format!("cannot encode a message: {e}")))?;
            let new = NewDelivery {
                kind: out.kind,
                recipient: out.recipient.key.clone(),
                channel,
                destination,
                idempotency_key: key.clone(),
                subject: message.subject.clone(),
                payload,
                at: now,
                due_at: due_time(frequency, now),
            };
            match self.store.enqueue_delivery(&new).await? {
                Enqueued::New(_) => report.queued += 1,
                Enqueued::Duplicate(_) => report.duplicates += 1,
            }
        }
        Ok(report)
    }

    /// The channels, destinations and frequencies a recipient gets a kind on.
    async fn targets(
        &self,
        r: &Recipient,
        kind: MessageKind,
        report: &mut DispatchReport,
    ) -> Result<Vec<(ChannelKind, String, Frequency)>, NotifyError> {
        let prefs = self.store.notification_preferences(&r.key).await?;
        let chosen = |channel: ChannelKind, default: Frequency| {
            prefs.iter().find(|p| p.kind == kind && p.channel == channel).map_or(default, |p| p.frequency)
        };
        if let Some(team) = r.team_name() {
            let Some(channel) = self.channels.webhook_kind(team) else {
                report.no_destination += 1;
                return Ok(Vec::new());
            };
            let frequency = chosen(channel, Frequency::Immediately);
            if frequency == Frequency::Off {
                report.off += 1;
                return Ok(Vec::new());
            }
            return Ok(vec![(channel, team.to_string(), frequency)]);
        }
        let destinations = self.store.notification_destinations(&r.key).await?;
        let mut out = Vec::new();
        for &channel in ChannelKind::ALL {
            let frequency = chosen(channel, default_frequency(channel));
            if frequency == Frequency::Off {
                if channel == ChannelKind::Email || prefs.iter().any(|p| p.channel == channel) {
                    report.off += 1;
                }
                continue;
            }
            let stored = destinations.iter().find(|d| d.channel == channel).map(|d| d.address.clone());
            let destination = match channel {
                // Without SMTP configured nothing could send it: do not fill the log with dead mail.
                ChannelKind::Email if !self.channels.has_email() => None,
                ChannelKind::Email => stored.or_else(|| r.email.clone()).filter(|a| a.contains('@')),
                _ => stored.filter(|name| self.channels.webhook_kind(name) == Some(channel)),
            };
            match destination {
                Some(d) => out.push((channel, d, frequency)),
                None => report.no_destination += 1,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(d: u32, h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn digests_wait_for_eight_and_mondays() {
        // 2026-11-24 is a Tuesday.
        assert_eq!(due_time(Frequency::Immediately, t(24, 10)), t(24, 10));
        assert_eq!(due_time(Frequency::Daily, t(24, 7)), t(24, 8));
        assert_eq!(due_time(Frequency::Daily, t(24, 10)), t(25, 8));
        assert_eq!(due_time(Frequency::Weekly, t(24, 10)), t(30, 8));
        assert_eq!(due_time(Frequency::Weekly, t(30, 7)), t(30, 8), "Monday before eight");
        assert_eq!(due_time(Frequency::Weekly, t(30, 9)), Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap());
    }
}
