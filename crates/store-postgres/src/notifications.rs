//! [`steward_store::notifications::NotificationStore`] for PostgresStore.
//!
//! Replicas may send at once, so a claim takes due rows with `FOR UPDATE SKIP LOCKED` and moves
//! their lease in the same statement: two replicas never hold one delivery. The
//! one-delivery-per-key rule is a unique index; of two replicas enqueuing the same message, the
//! second inserts nothing and reads the first one's row.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use steward_model::Timestamp;
use steward_store::notifications::{
    Attempt, ChannelKind, Delivery, DeliveryQuery, DeliveryStatus, Destination, Enqueued, Feedback, MakerSkills,
    NewDelivery, NewFeedback, NotificationStore, Preference, normalise_skills,
};
use steward_store::{Result, StoreError};
use tokio_postgres::Row;

const COLUMNS: &str = "id, kind, recipient, channel, destination, idempotency_key, subject, payload, status, \
     attempts, last_error, created_at, updated_at, sent_at, next_attempt_at";

const FEEDBACK_COLUMNS: &str = "id, username, rating, answered, comment, at";

fn parse<T: std::str::FromStr>(r: &Row, idx: usize, what: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = r.try_get(idx).map_err(|e| corrupt(what, e))?;
    text.parse().map_err(|e| corrupt(what, e))
}

fn delivery_row(r: &Row) -> Result<Delivery> {
    let get = |e: tokio_postgres::Error| corrupt("deliveries", e);
    let attempts: i32 = r.try_get(9).map_err(get)?;
    Ok(Delivery {
        id: r.try_get(0).map_err(get)?,
        kind: parse(r, 1, "deliveries.kind")?,
        recipient: r.try_get(2).map_err(get)?,
        channel: parse(r, 3, "deliveries.channel")?,
        destination: r.try_get(4).map_err(get)?,
        idempotency_key: r.try_get(5).map_err(get)?,
        subject: r.try_get(6).map_err(get)?,
        payload: r.try_get(7).map_err(get)?,
        status: parse(r, 8, "deliveries.status")?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_error: r.try_get(10).map_err(get)?,
        created_at: r.try_get(11).map_err(get)?,
        updated_at: r.try_get(12).map_err(get)?,
        sent_at: r.try_get(13).map_err(get)?,
        next_attempt_at: r.try_get(14).map_err(get)?,
    })
}

fn feedback_row(r: &Row) -> Result<Feedback> {
    let get = |e: tokio_postgres::Error| corrupt("feedback", e);
    let rating: i16 = r.try_get(2).map_err(get)?;
    Ok(Feedback {
        id: r.try_get(0).map_err(get)?,
        username: r.try_get(1).map_err(get)?,
        rating: u8::try_from(rating).map_err(|e| corrupt("feedback.rating", e))?,
        answered: r.try_get(3).map_err(get)?,
        comment: r.try_get(4).map_err(get)?,
        at: r.try_get(5).map_err(get)?,
    })
}

async fn read_delivery<C: GenericClient>(c: &C, id: i64, lock: bool) -> Result<Option<Delivery>> {
    let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1{}", if lock { " FOR UPDATE" } else { "" });
    let row = c.query_opt(&sql, &[&id]).await.map_err(db("reading a delivery"))?;
    row.as_ref().map(delivery_row).transpose()
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: "delivery", id: id.to_string() }
}

#[async_trait]
impl NotificationStore for PostgresStore {
    async fn set_notification_preference(&self, p: &Preference) -> Result<()> {
        let c = client(self.pool()).await?;
        c.execute(
            "INSERT INTO notification_preferences (recipient, kind, channel, frequency) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (recipient, kind, channel) DO UPDATE SET frequency = excluded.frequency",
            &[&p.recipient, &p.kind.as_str(), &p.channel.as_str(), &p.frequency.as_str()],
        )
        .await
        .map_err(db("storing a notification preference"))?;
        Ok(())
    }

    async fn notification_preferences(&self, recipient: &str) -> Result<Vec<Preference>> {
        let c = client(self.pool()).await?;
        let rows = c
            .query(
                "SELECT recipient, kind, channel, frequency FROM notification_preferences WHERE recipient = $1 \
                 ORDER BY kind, channel",
                &[&recipient],
            )
            .await
            .map_err(db("reading notification preferences"))?;
        rows.iter()
            .map(|r| {
                Ok(Preference {
                    recipient: r.try_get(0).map_err(|e| corrupt("notification_preferences", e))?,
                    kind: parse(r, 1, "notification_preferences.kind")?,
                    channel: parse(r, 2, "notification_preferences.channel")?,
                    frequency: parse(r, 3, "notification_preferences.frequency")?,
                })
            })
            .collect()
    }

    async fn set_notification_destination(&self, d: &Destination) -> Result<()> {
        d.check()?;
        let c = client(self.pool()).await?;
        c.execute(
            "INSERT INTO notification_destinations (recipient, channel, address) VALUES ($1, $2, $3) \
             ON CONFLICT (recipient, channel) DO UPDATE SET address = excluded.address",
            &[&d.recipient, &d.channel.as_str(), &d.address.trim()],
        )
        .await
        .map_err(db("storing a notification destination"))?;
        Ok(())
    }

    async fn remove_notification_destination(&self, recipient: &str, channel: ChannelKind) -> Result<bool> {
        let c = client(self.pool()).await?;
        let n = c
            .execute(
                "DELETE FROM notification_destinations WHERE recipient = $1 AND channel = $2",
                &[&recipient, &channel.as_str()],
            )
            .await
            .map_err(db("removing a notification destination"))?;
        Ok(n > 0)
    }

    async fn notification_destinations(&self, recipient: &str) -> Result<Vec<Destination>> {
        let c = client(self.pool()).await?;
        let rows = c
            .query(
                "SELECT recipient, channel, address FROM notification_destinations WHERE recipient = $1 ORDER BY channel",
                &[&recipient],
            )
            .await
            .map_err(db("reading notification destinations"))?;
        rows.iter()
            .map(|r| {
                Ok(Destination {
                    recipient: r.try_get(0).map_err(|e| corrupt("notification_destinations", e))?,
                    channel: parse(r, 1, "notification_destinations.channel")?,
                    address: r.try_get(2).map_err(|e| corrupt("notification_destinations", e))?,
                })
            })
            .collect()
    }

    async fn enqueue_delivery(&self, d: &NewDelivery) -> Result<Enqueued> {
        d.check()?;
        let c = client(self.pool()).await?;
        let context = "queueing a delivery";
        let sql = format!(
            "INSERT INTO deliveries (kind, recipient, channel, destination, idempotency_key, subject, payload, status, \
             attempts, created_at, updated_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8, $9) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        );
        let row = c
            .query_opt(
                &sql,
                &[
                    &d.kind.as_str(),
                    &d.recipient,
                    &d.channel.as_str(),
                    &d.destination,
                    &d.idempotency_key,
                    &d.subject,
                    &d.payload,
                    &d.at,
                    &d.due_at,
                ],
            )
            .await
            .map_err(db(context))?;
        if let Some(row) = row {
            return Ok(Enqueued::New(delivery_row(&row)?));
        }
        let sql =
            format!("SELECT {COLUMNS} FROM deliveries WHERE idempotency_key = $1 AND recipient = $2 AND channel = $3");
        let row = c
            .query_opt(&sql, &[&d.idempotency_key, &d.recipient, &d.channel.as_str()])
            .await
            .map_err(db(context))?
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "delivery '{}' to {} was being written by another replica at the same time; queue it again",
                    d.idempotency_key, d.recipient
                ))
            })?;
        Ok(Enqueued::Duplicate(delivery_row(&row)?))
    }

    async fn claim_deliveries(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<Delivery>> {
        let c = client(self.pool()).await?;
        let sql = format!(
            "WITH due AS (SELECT id FROM deliveries WHERE status IN ('queued', 'failed') AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             UPDATE deliveries d SET attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 \
             FROM due WHERE d.id = due.id RETURNING {}",
            COLUMNS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
        );
        let rows = c
            .query(&sql, &[&now, &lease_until, &i64::from(limit.max(1))])
            .await
            .map_err(db("claiming due deliveries"))?;
        let mut out = rows.iter().map(delivery_row).collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    async fn finish_delivery(&self, id: i64, attempt: &Attempt) -> Result<Delivery> {
        let mut c = client(self.pool()).await?;
        let context = "recording a delivery attempt";
        let tx = c.transaction().await.map_err(db(context))?;
        let current = read_delivery(&tx, id, true).await?.ok_or_else(|| not_found(id))?;
        if matches!(current.status, DeliveryStatus::Queued | DeliveryStatus::Failed) {
            match attempt {
                Attempt::Sent { at } => tx
                    .execute(
                        "UPDATE deliveries SET status = 'sent', sent_at = $2, updated_at = $2, next_attempt_at = NULL, \
                         last_error = NULL WHERE id = $1",
                        &[&id, at],
                    )
                    .await
                    .map_err(db(context))?,
                Attempt::Failed { at, error, retry_at } => tx
                    .execute(
                        "UPDATE deliveries SET status = $2, last_error = $3, updated_at = $4, next_attempt_at = $5 \
                         WHERE id = $1",
                        &[&id, &if retry_at.is_some() { "failed" } else { "dead" }, error, at, retry_at],
                    )
                    .await
                    .map_err(db(context))?,
            };
        }
        let now = read_delivery(&tx, id, false).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await.map_err(db(context))?;
        Ok(now)
    }

    async fn retry_delivery(&self, id: i64, now: Timestamp) -> Result<Delivery> {
        let mut c = client(self.pool()).await?;
        let context = "putting a delivery back in the queue";
        let tx = c.transaction().await.map_err(db(context))?;
        let current = read_delivery(&tx, id, true).await?.ok_or_else(|| not_found(id))?;
        if !matches!(current.status, DeliveryStatus::Failed | DeliveryStatus::Dead) {
            return Err(StoreError::Conflict(format!(
                "delivery {id} is {}; only a failed or dead delivery can be retried",
                current.status
            )));
        }
        tx.execute(
            "UPDATE deliveries SET status = 'queued', next_attempt_at = $2, updated_at = $2 WHERE id = $1",
            &[&id, &now],
        )
        .await
        .map_err(db(context))?;
        let stored = read_delivery(&tx, id, false).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await.map_err(db(context))?;
        Ok(stored)
    }

    async fn get_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        let c = client(self.pool()).await?;
        read_delivery(&c, id, false).await
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>> {
        let c = client(self.pool()).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM deliveries WHERE ($1::text IS NULL OR status = $1) \
             AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR channel = $3) \
             AND ($4::text IS NULL OR recipient = $4) AND ($5::bigint IS NULL OR id < $5) ORDER BY id DESC LIMIT $6"
        );
        let rows = c
            .query(
                &sql,
                &[
                    &q.status.map(DeliveryStatus::as_str),
                    &q.kind.map(|k| k.as_str()),
                    &q.channel.map(ChannelKind::as_str),
                    &q.recipient,
                    &q.before_id,
                    &i64::from(q.limit()),
                ],
            )
            .await
            .map_err(db("listing deliveries"))?;
        rows.iter().map(delivery_row).collect()
    }

    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>> {
        let c = client(self.pool()).await?;
        let rows = c
            .query("SELECT status, COUNT(*) FROM deliveries GROUP BY status", &[])
            .await
            .map_err(db("counting deliveries"))?;
        let mut counted: Vec<(String, i64)> = Vec::new();
        for r in &rows {
            counted.push((
                r.try_get(0).map_err(|e| corrupt("deliveries.status", e))?,
                r.try_get(1).map_err(|e| corrupt("deliveries", e))?,
            ));
        }
        Ok(DeliveryStatus::ALL
            .iter()
            .map(|s| {
                let n = counted.iter().find(|(t, _)| t == s.as_str()).map_or(0, |(_, n)| *n);
                (*s, u64::try_from(n).unwrap_or(0))
            })
            .collect())
    }

    async fn record_feedback(&self, f: &NewFeedback) -> Result<Feedback> {
        f.check()?;
        let c = client(self.pool()).await?;
        let comment = f.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let sql = format!(
            "INSERT INTO feedback (username, rating, answered, comment, at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {FEEDBACK_COLUMNS}"
        );
        let row = c
            .query_one(&sql, &[&f.username, &i16::from(f.rating), &f.answered, &comment, &f.at])
            .await
            .map_err(db("recording feedback"))?;
        feedback_row(&row)
    }

    async fn list_feedback(&self, since: Timestamp) -> Result<Vec<Feedback>> {
        let c = client(self.pool()).await?;
        let sql = format!("SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE at >= $1 ORDER BY at DESC, id DESC");
        let rows = c.query(&sql, &[&since]).await.map_err(db("listing feedback"))?;
        rows.iter().map(feedback_row).collect()
    }

    async fn set_maker_skills(&self, principal_id: &str, skills: &[String], at: Timestamp) -> Result<MakerSkills> {
        let skills = normalise_skills(skills)?;
        let c = client(self.pool()).await?;
        let context = "storing a maker's skills";
        if skills.is_empty() {
            c.execute("DELETE FROM maker_skills WHERE principal_id = $1", &[&principal_id])
                .await
                .map_err(db(context))?;
        } else {
            let json = serde_json::to_value(&skills).map_err(|e| corrupt("maker_skills.skills", e))?;
            c.execute(
                "INSERT INTO maker_skills (principal_id, skills, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (principal_id) DO UPDATE SET skills = excluded.skills, updated_at = excluded.updated_at",
                &[&principal_id, &json, &at],
            )
            .await
            .map_err(db(context))?;
        }
        Ok(MakerSkills { principal_id: principal_id.to_string(), skills, updated_at: at })
    }

    async fn list_maker_skills(&self) -> Result<Vec<MakerSkills>> {
        let c = client(self.pool()).await?;
        let rows = c
            .query("SELECT principal_id, skills, updated_at FROM maker_skills ORDER BY principal_id", &[])
            .await
            .map_err(db("listing maker skills"))?;
        rows.iter()
            .map(|r| {
                let get = |e: tokio_postgres::Error| corrupt("maker_skills", e);
                let skills: serde_json::Value = r.try_get(1).map_err(get)?;
                Ok(MakerSkills {
                    principal_id: r.try_get(0).map_err(get)?,
                    skills: serde_json::from_value(skills).map_err(|e| corrupt("maker_skills.skills", e))?,
                    updated_at: r.try_get(2).map_err(get)?,
                })
            })
            .collect()
    }

    async fn mark_makers_seen(&self, principal_ids: &[String], at: Timestamp) -> Result<Vec<String>> {
        let c = client(self.pool()).await?;
        let rows = c
            .query(
                "INSERT INTO makers_seen (principal_id, first_seen_at) SELECT DISTINCT unnest($1::text[]), $2::timestamptz \
                 ON CONFLICT DO NOTHING RETURNING principal_id",
                &[&principal_ids, &at],
            )
            .await
            .map_err(db("recording makers seen"))?;
        let mut new = rows
            .iter()
            .map(|r| r.try_get(0).map_err(|e| corrupt("makers_seen", e)))
            .collect::<Result<Vec<String>>>()?;
        new.sort();
        Ok(new)
    }

    async fn seen_makers_count(&self) -> Result<u64> {
        let c = client(self.pool()).await?;
        let row = c.query_one("SELECT COUNT(*) FROM makers_seen", &[]).await.map_err(db("counting makers seen"))?;
        let n: i64 = row.try_get(0).map_err(|e| corrupt("makers_seen", e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
