//! Notifications: preferences and destinations replace, the delivery log keeps one delivery
//! per key (a retried job never sends twice), claims never hand one delivery to two workers,
//! attempts move deliveries through queued → failed → dead or sent, feedback and skills.

use super::*;
use crate::StoreError;
use crate::notifications::{
    Attempt, ChannelKind, DeliveryQuery, DeliveryStatus, Destination, Enqueued, Frequency, MessageKind, NewDelivery,
    NewFeedback, Preference, idempotency_key,
};
use std::sync::Arc;

fn delivery(key: &str, recipient: &str, channel: ChannelKind, minute: u32) -> NewDelivery {
    NewDelivery {
        kind: MessageKind::Violation,
        recipient: recipient.into(),
        channel,
        destination: format!("{recipient}@example.com"),
        idempotency_key: key.into(),
        subject: format!("subject {key}"),
        payload: serde_json::json!({"text": format!("body {key}"), "n": minute}),
        at: at(2026, 11, 24, 9, minute, 0, 0),
        due_at: at(2026, 11, 24, 9, minute, 0, 0),
    }
}

async fn enqueue(store: &Arc<dyn Store>, d: &NewDelivery) -> Enqueued {
    store.enqueue_delivery(d).await.unwrap_or_else(|e| panic!("enqueue_delivery: {e}"))
}

pub async fn case_notification_preferences_and_destinations(store: Arc<dyn Store>) {
    assert!(store.notification_preferences("ann").await.expect("prefs").is_empty());
    let p = Preference {
        recipient: "ann".into(),
        kind: MessageKind::BoardDigest,
        channel: ChannelKind::Email,
        frequency: Frequency::Weekly,
    };
    store.set_notification_preference(&p).await.expect("set");
    let off = Preference { frequency: Frequency::Off, ..p.clone() };
    store.set_notification_preference(&off).await.expect("replace");
    let slack = Preference { channel: ChannelKind::Slack, frequency: Frequency::Daily, ..p.clone() };
    store.set_notification_preference(&slack).await.expect("second channel");
    let other = Preference { recipient: "bob".into(), ..p.clone() };
    store.set_notification_preference(&other).await.expect("other user");
    let got = store.notification_preferences("ann").await.expect("prefs");
    assert_eq!(got.len(), 2, "one per kind and channel: {got:?}");
    assert!(got.contains(&off) && got.contains(&slack), "{got:?}");

    let d = Destination { recipient: "team:coe".into(), channel: ChannelKind::Teams, address: "coe-channel".into() };
    store.set_notification_destination(&d).await.expect("dest");
    let moved = Destination { address: "coe-general".into(), ..d.clone() };
    store.set_notification_destination(&moved).await.expect("replace dest");
    assert_eq!(store.notification_destinations("team:coe").await.expect("dests"), vec![moved]);
    let bad = Destination { channel: ChannelKind::Email, address: "not-an-address".into(), ..d.clone() };
    assert!(matches!(store.set_notification_destination(&bad).await, Err(StoreError::InvalidQuery(_))));
    assert!(store.remove_notification_destination("team:coe", ChannelKind::Teams).await.expect("remove"));
    assert!(!store.remove_notification_destination("team:coe", ChannelKind::Teams).await.expect("remove again"));
    assert!(store.notification_destinations("team:coe").await.expect("dests").is_empty());
}

pub async fn case_deliveries_once_per_key(store: Arc<dyn Store>) {
    let key = idempotency_key(MessageKind::Violation, "r1/no-owner", "2026-11-24");
    let first = enqueue(&store, &delivery(&key, "ann", ChannelKind::Email, 0)).await;
    let Enqueued::New(stored) = first else { panic!("first enqueue is new: {first:?}") };
    assert_eq!((stored.status, stored.attempts, stored.last_error.clone()), (DeliveryStatus::Queued, 0, None));
    assert_eq!(stored.payload, serde_json::json!({"text": format!("body {key}"), "n": 0}), "payload round-trips");
    assert_eq!(stored.next_attempt_at, Some(at(2026, 11, 24, 9, 0, 0, 0)), "due at once");

    // The job runs again (a retry, a second replica): same key, recipient, channel — nothing new.
    let again = enqueue(&store, &delivery(&key, "ann", ChannelKind::Email, 5)).await;
    assert_eq!(again, Enqueued::Duplicate(stored.clone()), "the stored one, unchanged");
    // Same key to someone else or on another channel is another delivery.
    assert!(matches!(enqueue(&store, &delivery(&key, "bob", ChannelKind::Email, 0)).await, Enqueued::New(_)));
    assert!(matches!(enqueue(&store, &delivery(&key, "ann", ChannelKind::Slack, 0)).await, Enqueued::New(_)));
    assert_eq!(store.list_deliveries(&DeliveryQuery::default()).await.expect("list").len(), 3);

    // Even after it was sent, the key stays taken.
    let now = at(2026, 11, 24, 10, 0, 0, 0);
    let claimed = store.claim_deliveries(now, at(2026, 11, 24, 10, 5, 0, 0), 10).await.expect("claim");
    assert_eq!(claimed.len(), 3);
    store.finish_delivery(stored.id, &Attempt::Sent { at: now }).await.expect("sent");
    let after = enqueue(&store, &delivery(&key, "ann", ChannelKind::Email, 30)).await;
    assert!(matches!(&after, Enqueued::Duplicate(d) if d.status == DeliveryStatus::Sent), "{after:?}");

    // Concurrent enqueues of one message make one delivery.
    let k2 = idempotency_key(MessageKind::Welcome, "p9", "once");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = store.clone();
        let d = delivery(&k2, "carl", ChannelKind::Email, 1);
        tasks.push(tokio::spawn(async move { s.enqueue_delivery(&d).await }));
    }
    let mut new = 0;
    for t in tasks {
        if matches!(t.await.expect("task").expect("enqueue"), Enqueued::New(_)) {
            new += 1;
        }
    }
    assert_eq!(new, 1, "exactly one enqueue wins");
}

pub async fn case_deliveries_claims_attempts_and_retries(store: Arc<dyn Store>) {
    let t = |minute| at(2026, 11, 24, 9, minute, 0, 0);
    let a = enqueue(&store, &delivery("k-a", "ann", ChannelKind::Email, 0)).await.delivery().clone();
    let b = enqueue(&store, &delivery("k-b", "bob", ChannelKind::Teams, 10)).await.delivery().clone();

    // Only what is due is claimed, and a claimed delivery is held until its lease ends.
    let got = store.claim_deliveries(t(5), t(15), 10).await.expect("claim");
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), vec![a.id], "b is not due yet");
    assert_eq!((got[0].attempts, got[0].next_attempt_at), (1, Some(t(15))));
    let got = store.claim_deliveries(t(11), t(20), 10).await.expect("claim");
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), vec![b.id], "a is held by the first claim");

    // A finished delivery does not change again (a late worker's report is ignored).
    let sent = store.finish_delivery(b.id, &Attempt::Sent { at: t(12) }).await.expect("sent");
    assert_eq!((sent.status, sent.sent_at, sent.last_error.clone()), (DeliveryStatus::Sent, Some(t(12)), None));
    let late = store
        .finish_delivery(b.id, &Attempt::Failed { at: t(13), error: "late".into(), retry_at: Some(t(20)) })
        .await
        .expect("late");
    assert_eq!(late.status, DeliveryStatus::Sent, "sent stays sent");

    // A failure with a retry time is `failed`, due again then; without one it is dead.
    let failed = store
        .finish_delivery(
            a.id,
            &Attempt::Failed { at: t(6), error: "550 mailbox unavailable".into(), retry_at: Some(t(30)) },
        )
        .await
        .expect("failed");
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!((failed.last_error.as_deref(), failed.next_attempt_at), (Some("550 mailbox unavailable"), Some(t(30))));
    assert!(store.claim_deliveries(t(29), t(40), 10).await.expect("claim").is_empty(), "not due before 9:30");
    let again = store.claim_deliveries(t(30), t(40), 10).await.expect("claim");
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    let dead = store
        .finish_delivery(a.id, &Attempt::Failed { at: t(31), error: "still down".into(), retry_at: None })
        .await
        .expect("dead");
    assert_eq!((dead.status, dead.next_attempt_at), (DeliveryStatus::Dead, None));
    assert!(store.claim_deliveries(t(59), t(59), 10).await.expect("claim").iter().all(|d| d.id != a.id));

    // Retry: only failed or dead ones go back to the queue.
    assert!(matches!(store.retry_delivery(b.id, t(40)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.retry_delivery(9999, t(40)).await, Err(StoreError::NotFound { .. })));
    let requeued = store.retry_delivery(a.id, t(40)).await.expect("retry");
    assert_eq!((requeued.status, requeued.next_attempt_at), (DeliveryStatus::Queued, Some(t(40))));
    assert_eq!(requeued.last_error.as_deref(), Some("still down"), "the last error stays visible");

    // Filters and counts.
    let q = |status| DeliveryQuery { status: Some(status), ..Default::default() };
    let ids = |v: Vec<crate::notifications::Delivery>| v.iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_deliveries(&q(DeliveryStatus::Queued)).await.expect("list")), vec![a.id]);
    assert_eq!(ids(store.list_deliveries(&q(DeliveryStatus::Sent)).await.expect("list")), vec![b.id]);
    let teams = DeliveryQuery { channel: Some(ChannelKind::Teams), ..Default::default() };
    assert_eq!(ids(store.list_deliveries(&teams).await.expect("list")), vec![b.id]);
    let bob = DeliveryQuery { recipient: Some("bob".into()), ..Default::default() };
    assert_eq!(ids(store.list_deliveries(&bob).await.expect("list")), vec![b.id]);
    let page = DeliveryQuery { limit: Some(1), ..Default::default() };
    assert_eq!(ids(store.list_deliveries(&page).await.expect("list")), vec![b.id], "newest first");
    let next = DeliveryQuery { before_id: Some(b.id), ..Default::default() };
    assert_eq!(ids(store.list_deliveries(&next).await.expect("list")), vec![a.id]);
    let counts = store.delivery_counts().await.expect("counts");
    assert_eq!(
        counts,
        vec![
            (DeliveryStatus::Queued, 1),
            (DeliveryStatus::Sent, 1),
            (DeliveryStatus::Failed, 0),
            (DeliveryStatus::Dead, 0)
        ]
    );
    assert_eq!(store.get_delivery(a.id).await.expect("get"), Some(requeued));
    assert_eq!(store.get_delivery(9999).await.expect("get"), None);
}

pub async fn case_deliveries_concurrent_claims_share_nothing(store: Arc<dyn Store>) {
    for i in 0..40 {
        enqueue(&store, &delivery(&format!("k{i}"), "ann", ChannelKind::Email, 0)).await;
    }
    let now = at(2026, 11, 24, 10, 0, 0, 0);
    let lease = at(2026, 11, 24, 10, 5, 0, 0);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = s.claim_deliveries(now, lease, 3).await.expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|d| d.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "every delivery claimed exactly once");
}

pub async fn case_feedback_skills_and_seen_makers(store: Arc<dyn Store>) {
    let f = |user: &str, rating, answered, day| NewFeedback {
        username: user.into(),
        rating,
        answered,
        comment: Some("  quick answers  ".into()),
        at: at(2026, 11, day, 12, 0, 0, 0),
    };
    let a = store.record_feedback(&f("ann", 5, true, 1)).await.expect("feedback");
    assert_eq!((a.rating, a.answered, a.comment.as_deref()), (5, true, Some("quick answers")));
    store.record_feedback(&f("bob", 2, false, 20)).await.expect("feedback");
    assert!(matches!(store.record_feedback(&f("bob", 9, false, 20)).await, Err(StoreError::InvalidQuery(_))));
    let recent = store.list_feedback(at(2026, 11, 10, 0, 0, 0, 0)).await.expect("list");
    assert_eq!(recent.iter().map(|f| f.username.as_str()).collect::<Vec<_>>(), vec!["bob"]);
    assert_eq!(store.list_feedback(at(2026, 1, 1, 0, 0, 0, 0)).await.expect("list").len(), 2);

    let when = at(2026, 11, 24, 8, 0, 0, 0);
    let s = store.set_maker_skills("p1", &["Dataverse".into(), " power automate".into()], when).await.expect("skills");
    assert_eq!(s.skills, vec!["dataverse".to_string(), "power automate".to_string()]);
    store.set_maker_skills("p2", &["sharepoint".into()], when).await.expect("skills");
    store.set_maker_skills("p1", &["Copilot Studio".into()], when).await.expect("replace");
    let all = store.list_maker_skills().await.expect("list");
    assert_eq!(
        all.iter().map(|m| (m.principal_id.as_str(), m.skills.clone())).collect::<Vec<_>>(),
        vec![("p1", vec!["copilot studio".to_string()]), ("p2", vec!["sharepoint".to_string()])]
    );
    store.set_maker_skills("p2", &[], when).await.expect("clear");
    assert_eq!(store.list_maker_skills().await.expect("list").len(), 1);
    assert!(store.set_maker_skills("p3", &["x".repeat(50)], when).await.is_err(), "too long");

    assert_eq!(store.seen_makers_count().await.expect("count"), 0);
    let new = store.mark_makers_seen(&["p2".into(), "p1".into(), "p1".into()], when).await.expect("seen");
    assert_eq!(new, vec!["p1".to_string(), "p2".to_string()]);
    let new = store.mark_makers_seen(&["p1".into(), "p3".into()], when).await.expect("seen");
    assert_eq!(new, vec!["p3".to_string()], "only the ones not seen before");
    assert_eq!(store.seen_makers_count().await.expect("count"), 3);
}
