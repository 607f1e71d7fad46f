//! Sending what is due: claim deliveries (each held by one worker for a lease), send them, and
//! record how it went — sent; failed with the error and a next attempt after a backoff; dead
//! when a send cannot succeed or the attempts run out. Deliveries held for a digest are sent
//! together, one message per destination.

use crate::NotifyError;
use crate::channel::{Channels, SendError};
use crate::dispatch::Payload;
use crate::message::Message;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::notifications::{Attempt, ChannelKind, Delivery};

/// How long a claimed delivery is held before another worker may take it.
pub const LEASE: Duration = Duration::minutes(5);

/// The wait after attempt `n` (1-based) failed: 1, 4, 16, 64 minutes… at most 6 hours.
pub fn backoff(attempts: u32) -> Duration {
    let minutes = 4i64.saturating_pow(attempts.saturating_sub(1).min(10));
    Duration::minutes(minutes.min(6 * 60))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendReport {
    pub sent: u64,
    pub failed: u64,
    pub dead: u64,
}

impl SendReport {
    pub fn summary(&self) -> String {
        format!("{} sent, {} failed (will retry), {} dead", self.sent, self.failed, self.dead)
    }
}

/// Channel, destination, and the delivery id for one sent alone (0 for a digest).
type GroupKey = (String, String, i64);

/// Send up to `limit` due deliveries.
pub async fn send_due(
    store: &dyn Store,
    channels: &Channels,
    max_attempts: u32,
    now: Timestamp,
    limit: u32,
) -> Result<SendReport, NotifyError> {
    let claimed = store.claim_deliveries(now, now + LEASE, limit).await?;
    let mut report = SendReport::default();
    // Digest deliveries to one destination go as one message; the others one by one.
    let mut groups: BTreeMap<GroupKey, Vec<(Delivery, Option<Message>)>> = BTreeMap::new();
    for d in claimed {
        let payload: Result<Payload, _> = serde_json::from_value(d.payload.clone());
        let digest = payload.as_ref().is_ok_and(|p| p.digest);
        let key = (d.channel.to_string(), d.destination.clone(), if digest { 0 } else { d.id });
        groups.entry(key).or_default().push((d, payload.ok().map(|p| p.message)));
    }
    for ((_, _, _), members) in groups {
        let (good, bad): (Vec<_>, Vec<_>) = members.into_iter().partition(|(_, m)| m.is_some());
        for (d, _) in bad {
            let attempt = Attempt::Failed {
                at: now,
                error: "the stored message cannot be read (edited by hand?); it cannot be sent".into(),
                retry_at: None,
            };
            store.finish_delivery(d.id, &attempt).await?;
            report.dead += 1;
        }
        let Some((first, _)) = good.first() else { continue };
        let messages: Vec<Message> = good.iter().filter_map(|(_, m)| m.clone()).collect();
        let message = Message::digest(&messages);
        let channel: ChannelKind = first.channel;
        let destination = first.destination.clone();
        let outcome = channels.send(channel, &destination, &message, first.id).await;
        for (d, _) in &good {
            let attempt = match &outcome {
                Ok(()) => Attempt::Sent { at: now },
                Err(SendError::Permanent(e)) => Attempt::Failed { at: now, error: e.clone(), retry_at: None },
                Err(SendError::Retryable(e)) => Attempt::Failed {
                    at: now,
                    error: e.clone(),
                    retry_at: (d.attempts < max_attempts).then(|| now + backoff(d.attempts)),
                },
            };
            let after = store.finish_delivery(d.id, &attempt).await?;
            match after.status {
                steward_store::notifications::DeliveryStatus::Sent => report.sent += 1,
                steward_store::notifications::DeliveryStatus::Failed => report.failed += 1,
                steward_store::notifications::DeliveryStatus::Dead => report.dead += 1,
                steward_store::notifications::DeliveryStatus::Queued => {}
            }
            if let Err(e) = &outcome {
                tracing::warn!(delivery = d.id, channel = %d.channel, attempts = d.attempts, error = %e, "delivery failed");
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(4));
        assert_eq!(backoff(3), Duration::minutes(16));
        assert_eq!(backoff(9), Duration::hours(6));
        assert_eq!(backoff(40), Duration::hours(6));
    }
}
