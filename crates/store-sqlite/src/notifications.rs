//! [`steward_store::notifications::NotificationStore`] for SqliteStore.
//!
//! Writes run on the writer thread, each in its own transaction, so a claim (read what is due,
//! move its lease) cannot interleave with another claim; the one-delivery-per-key rule is also
//! a unique index (`deliveries_once`), so `INSERT … ON CONFLICT DO NOTHING` decides duplicates.

use crate::SqliteStore;
use crate::convert::{col, count, enum_col, json_col, opt_timestamp, timestamp, to_json};
use crate::read::{collect, db, text};
use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};
use std::collections::HashSet;
use steward_model::Timestamp;
use steward_store::notifications::{
    Attempt, ChannelKind, Delivery, DeliveryQuery, DeliveryStatus, Destination, Enqueued, Feedback, MakerSkills,
    NewDelivery, NewFeedback, NotificationStore, Preference, normalise_skills,
};
use steward_store::{Result, StoreError};

const COLUMNS: &str = "id, kind, recipient, channel, destination, idempotency_key, subject, payload, status, \
     attempts, last_error, created_at, updated_at, sent_at, next_attempt_at";

fn delivery_row(r: &Row<'_>) -> Result<Delivery> {
    let what = "deliveries";
    Ok(Delivery {
        id: col(r, 0, what)?,
        kind: enum_col(r, 1, "deliveries.kind")?,
        recipient: col(r, 2, what)?,
        channel: enum_col(r, 3, "deliveries.channel")?,
        destination: col(r, 4, what)?,
        idempotency_key: col(r, 5, what)?,
        subject: col(r, 6, what)?,
        payload: json_col(r, 7, "deliveries.payload")?,
        status: enum_col(r, 8, "deliveries.status")?,
        attempts: u32::try_from(col::<i64>(r, 9, what)?).unwrap_or(0),
        last_error: col(r, 10, what)?,
        created_at: timestamp(col(r, 11, what)?, "deliveries.created_at")?,
        updated_at: timestamp(col(r, 12, what)?, "deliveries.updated_at")?,
        sent_at: opt_timestamp(col(r, 13, what)?, "deliveries.sent_at")?,
        next_attempt_at: opt_timestamp(col(r, 14, what)?, "deliveries.next_attempt_at")?,
    })
}

fn read_delivery(conn: &Connection, id: i64) -> Result<Option<Delivery>> {
    let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1");
    Ok(collect(conn, &sql, &[Value::Integer(id)], "reading a delivery", delivery_row)?.pop())
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: "delivery", id: id.to_string() }
}

fn feedback_row(r: &Row<'_>) -> Result<Feedback> {
    let what = "feedback";
    Ok(Feedback {
        id: col(r, 0, what)?,
        username: col(r, 1, what)?,
        rating: u8::try_from(col::<i64>(r, 2, what)?).map_err(|e| crate::convert::corrupt(what, e.to_string()))?,
        answered: col::<i64>(r, 3, what)? != 0,
        comment: col(r, 4, what)?,
        at: timestamp(col(r, 5, what)?, "feedback.at")?,
    })
}

#[async_trait]
impl NotificationStore for SqliteStore {
    async fn set_notification_preference(&self, p: &Preference) -> Result<()> {
        let p = p.clone();
        self.writer
            .run(move |conn| {
                conn.execute(
                    "INSERT INTO notification_preferences (recipient, kind, channel, frequency) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (recipient, kind, channel) DO UPDATE SET frequency = excluded.frequency",
                    params![p.recipient, p.kind.as_str(), p.channel.as_str(), p.frequency.as_str()],
                )
                .map_err(db("storing a notification preference"))?;
                Ok(())
            })
            .await
    }

    async fn notification_preferences(&self, recipient: &str) -> Result<Vec<Preference>> {
        let args = vec![text(recipient)];
        self.read(move |conn| {
            collect(
                conn,
                "SELECT recipient, kind, channel, frequency FROM notification_preferences WHERE recipient = ?1 \
                 ORDER BY kind, channel",
                &args,
                "reading notification preferences",
                |r| {
                    Ok(Preference {
                        recipient: col(r, 0, "notification_preferences")?,
                        kind: enum_col(r, 1, "notification_preferences.kind")?,
                        channel: enum_col(r, 2, "notification_preferences.channel")?,
                        frequency: enum_col(r, 3, "notification_preferences.frequency")?,
                    })
                },
            )
        })
        .await
    }

    async fn set_notification_destination(&self, d: &Destination) -> Result<()> {
        d.check()?;
        let d = d.clone();
        self.writer
            .run(move |conn| {
                conn.execute(
                    "INSERT INTO notification_destinations (recipient, channel, address) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (recipient, channel) DO UPDATE SET address = excluded.address",
                    params![d.recipient, d.channel.as_str(), d.address.trim()],
                )
                .map_err(db("storing a notification destination"))?;
                Ok(())
            })
            .await
    }

    async fn remove_notification_destination(&self, recipient: &str, channel: ChannelKind) -> Result<bool> {
        let recipient = recipient.to_string();
        self.writer
            .run(move |conn| {
                let n = conn
                    .execute(
                        "DELETE FROM notification_destinations WHERE recipient = ?1 AND channel = ?2",
                        params![recipient, channel.as_str()],
                    )
                    .map_err(db("removing a notification destination"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn notification_destinations(&self, recipient: &str) -> Result<Vec<Destination>> {
        let args = vec![text(recipient)];
        self.read(move |conn| {
            collect(
                conn,
                "SELECT recipient, channel, address FROM notification_destinations WHERE recipient = ?1 ORDER BY channel",
                &args,
                "reading notification destinations",
                |r| {
                    Ok(Destination {
                        recipient: col(r, 0, "notification_destinations")?,
                        channel: enum_col(r, 1, "notification_destinations.channel")?,
                        address: col(r, 2, "notification_destinations")?,
                    })
                },
            )
        })
        .await
    }

    async fn enqueue_delivery(&self, d: &NewDelivery) -> Result<Enqueued> {
        d.check()?;
        let d = d.clone();
        self.writer
            .run(move |conn| {
                let context = "queueing a delivery";
                let tx = conn.transaction().map_err(db(context))?;
                let at = d.at.timestamp_millis();
                let inserted = tx
                    .execute(
                        "INSERT INTO deliveries (kind, recipient, channel, destination, idempotency_key, subject, \
                         payload, status, attempts, created_at, updated_at, next_attempt_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', 0, ?8, ?8, ?9) ON CONFLICT DO NOTHING",
                        params![
                            d.kind.as_str(),
                            d.recipient,
                            d.channel.as_str(),
                            d.destination,
                            d.idempotency_key,
                            d.subject,
                            to_json(&d.payload),
                            at,
                            d.due_at.timestamp_millis()
                        ],
                    )
                    .map_err(db(context))?;
                let sql = format!(
                    "SELECT {COLUMNS} FROM deliveries WHERE idempotency_key = ?1 AND recipient = ?2 AND channel = ?3"
                );
                let args = [text(&d.idempotency_key), text(&d.recipient), text(d.channel.as_str())];
                let stored = collect(&tx, &sql, &args, context, delivery_row)?.pop().ok_or_else(|| {
                    StoreError::Corrupt { what: "deliveries".into(), reason: "the queued row is missing".into() }
                })?;
                tx.commit().map_err(db(context))?;
                Ok(if inserted > 0 { Enqueued::New(stored) } else { Enqueued::Duplicate(stored) })
            })
            .await
    }

    async fn claim_deliveries(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<Delivery>> {
        self.writer
            .run(move |conn| {
                let context = "claiming due deliveries";
                let tx = conn.transaction().map_err(db(context))?;
                let ids: Vec<i64> = collect(
                    &tx,
                    "SELECT id FROM deliveries WHERE status IN ('queued', 'failed') AND next_attempt_at <= ?1 \
                     ORDER BY next_attempt_at, id LIMIT ?2",
                    &[Value::Integer(now.timestamp_millis()), Value::Integer(i64::from(limit.max(1)))],
                    context,
                    |r| col(r, 0, "deliveries.id"),
                )?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    tx.execute(
                        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?2, updated_at = ?3 \
                         WHERE id = ?1",
                        params![id, lease_until.timestamp_millis(), now.timestamp_millis()],
                    )
                    .map_err(db(context))?;
                    out.extend(read_delivery(&tx, id)?);
                }
                tx.commit().map_err(db(context))?;
                out.sort_by_key(|d| d.id);
                Ok(out)
            })
            .await
    }

    async fn finish_delivery(&self, id: i64, attempt: &Attempt) -> Result<Delivery> {
        let attempt = attempt.clone();
        self.writer
            .run(move |conn| {
                let context = "recording a delivery attempt";
                let tx = conn.transaction().map_err(db(context))?;
                let current = read_delivery(&tx, id)?.ok_or_else(|| not_found(id))?;
                if matches!(current.status, DeliveryStatus::Queued | DeliveryStatus::Failed) {
                    match &attempt {
                        Attempt::Sent { at } => tx.execute(
                            "UPDATE deliveries SET status = 'sent', sent_at = ?2, updated_at = ?2, \
                             next_attempt_at = NULL, last_error = NULL WHERE id = ?1",
                            params![id, at.timestamp_millis()],
                        ),
                        Attempt::Failed { at, error, retry_at } => tx.execute(
                            "UPDATE deliveries SET status = ?2, last_error = ?3, updated_at = ?4, \
                             next_attempt_at = ?5 WHERE id = ?1",
                            params![
                                id,
                                if retry_at.is_some() { "failed" } else { "dead" },
                                error,
                                at.timestamp_millis(),
                                retry_at.map(|t| t.timestamp_millis())
                            ],
                        ),
                    }
                    .map_err(db(context))?;
                }
                let now = read_delivery(&tx, id)?.ok_or_else(|| not_found(id))?;
                tx.commit().map_err(db(context))?;
                Ok(now)
            })
            .await
    }

    async fn retry_delivery(&self, id: i64, now: Timestamp) -> Result<Delivery> {
        self.writer
            .run(move |conn| {
                let context = "putting a delivery back in the queue";
                let tx = conn.transaction().map_err(db(context))?;
                let current = read_delivery(&tx, id)?.ok_or_else(|| not_found(id))?;
                if !matches!(current.status, DeliveryStatus::Failed | DeliveryStatus::Dead) {
                    return Err(StoreError::Conflict(format!(
                        "delivery {id} is {}; only a failed or dead delivery can be retried",
                        current.status
                    )));
                }
                tx.execute(
                    "UPDATE deliveries SET status = 'queued', next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1",
                    params![id, now.timestamp_millis()],
                )
                .map_err(db(context))?;
                let stored = read_delivery(&tx, id)?.ok_or_else(|| not_found(id))?;
                tx.commit().map_err(db(context))?;
                Ok(stored)
            })
            .await
    }

    async fn get_delivery(&self, id: i64) -> Result<Option<Delivery>> {
        self.read(move |conn| read_delivery(conn, id)).await
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> Result<Vec<Delivery>> {
        let q = q.clone();
        self.read(move |conn| {
            let mut sql = format!("SELECT {COLUMNS} FROM deliveries WHERE 1 = 1");
            let mut args: Vec<Value> = Vec::new();
            let mut add = |clause: &str, v: Value, args: &mut Vec<Value>| {
                args.push(v);
                sql.push_str(&format!(" AND {clause} ?{}", args.len()));
            };
            if let Some(s) = q.status {
                add("status =", text(s.as_str()), &mut args);
            }
            if let Some(k) = q.kind {
                add("kind =", text(k.as_str()), &mut args);
            }
            if let Some(c) = q.channel {
                add("channel =", text(c.as_str()), &mut args);
            }
            if let Some(r) = &q.recipient {
                add("recipient =", text(r), &mut args);
            }
            if let Some(b) = q.before_id {
                add("id <", Value::Integer(b), &mut args);
            }
            sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", q.limit()));
            collect(conn, &sql, &args, "listing deliveries", delivery_row)
        })
        .await
    }

    async fn delivery_counts(&self) -> Result<Vec<(DeliveryStatus, u64)>> {
        self.read(move |conn| {
            let rows: Vec<(String, i64)> = collect(
                conn,
                "SELECT status, COUNT(*) FROM deliveries GROUP BY status",
                &[],
                "counting deliveries",
                |r| Ok((col(r, 0, "deliveries.status")?, col(r, 1, "deliveries")?)),
            )?;
            Ok(DeliveryStatus::ALL
                .iter()
                .map(|s| (*s, rows.iter().find(|(t, _)| t == s.as_str()).map_or(0, |(_, n)| count(*n))))
                .collect())
        })
        .await
    }

    async fn record_feedback(&self, f: &NewFeedback) -> Result<Feedback> {
        f.check()?;
        let f = f.clone();
        self.writer
            .run(move |conn| {
                let context = "recording feedback";
                let tx = conn.transaction().map_err(db(context))?;
                tx.execute(
                    "INSERT INTO feedback (username, rating, answered, comment, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        f.username,
                        i64::from(f.rating),
                        i64::from(f.answered),
                        f.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()),
                        f.at.timestamp_millis()
                    ],
                )
                .map_err(db(context))?;
                let id = tx.last_insert_rowid();
                let stored = collect(
                    &tx,
                    "SELECT id, username, rating, answered, comment, at FROM feedback WHERE id = ?1",
                    &[Value::Integer(id)],
                    context,
                    feedback_row,
                )?
                .pop()
                .ok_or_else(|| StoreError::Corrupt {
                    what: "feedback".into(),
                    reason: "the new row is missing".into(),
                })?;
                tx.commit().map_err(db(context))?;
                Ok(stored)
            })
            .await
    }

    async fn list_feedback(&self, since: Timestamp) -> Result<Vec<Feedback>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT id, username, rating, answered, comment, at FROM feedback WHERE at >= ?1 ORDER BY at DESC, id DESC",
                &[Value::Integer(since.timestamp_millis())],
                "listing feedback",
                feedback_row,
            )
        })
        .await
    }

    async fn set_maker_skills(&self, principal_id: &str, skills: &[String], at: Timestamp) -> Result<MakerSkills> {
        let skills = normalise_skills(skills)?;
        let stored = MakerSkills { principal_id: principal_id.to_string(), skills, updated_at: at };
        let row = stored.clone();
        self.writer
            .run(move |conn| {
                let context = "storing a maker's skills";
                if row.skills.is_empty() {
                    conn.execute("DELETE FROM maker_skills WHERE principal_id = ?1", params![row.principal_id])
                        .map_err(db(context))?;
                } else {
                    conn.execute(
                        "INSERT INTO maker_skills (principal_id, skills, updated_at) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (principal_id) DO UPDATE SET skills = excluded.skills, \
                         updated_at = excluded.updated_at",
                        params![row.principal_id, to_json(&row.skills), row.updated_at.timestamp_millis()],
                    )
                    .map_err(db(context))?;
                }
                Ok(())
            })
            .await?;
        Ok(stored)
    }

    async fn list_maker_skills(&self) -> Result<Vec<MakerSkills>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT principal_id, skills, updated_at FROM maker_skills ORDER BY principal_id",
                &[],
                "listing maker skills",
                |r| {
                    Ok(MakerSkills {
                        principal_id: col(r, 0, "maker_skills")?,
                        skills: json_col(r, 1, "maker_skills.skills")?,
                        updated_at: timestamp(col(r, 2, "maker_skills")?, "maker_skills.updated_at")?,
                    })
                },
            )
        })
        .await
    }

    async fn mark_makers_seen(&self, principal_ids: &[String], at: Timestamp) -> Result<Vec<String>> {
        let mut ids: Vec<String> = principal_ids.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
        ids.sort();
        self.writer
            .run(move |conn| {
                let context = "recording makers seen";
                let tx = conn.transaction().map_err(db(context))?;
                let mut new = Vec::new();
                for id in ids {
                    let n = tx
                        .execute(
                            "INSERT INTO makers_seen (principal_id, first_seen_at) VALUES (?1, ?2) \
                             ON CONFLICT DO NOTHING",
                            params![id, at.timestamp_millis()],
                        )
                        .map_err(db(context))?;
                    if n > 0 {
                        new.push(id);
                    }
                }
                tx.commit().map_err(db(context))?;
                Ok(new)
            })
            .await
    }

    async fn seen_makers_count(&self) -> Result<u64> {
        self.read(move |conn| {
            Ok(count(crate::read::scalar(conn, "SELECT COUNT(*) FROM makers_seen", &[], "counting makers seen")?))
        })
        .await
    }
}
