//! The content digest: order-independent, change-sensitive, and one definition for every backend.

use super::*;
use crate::{Store, content_hash};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use steward_model::{ResourceKind, ShareRole, UsageEvent, UsageKind};

/// A dataset touching every table, with usage on several resource-days.
pub fn digest_dataset() -> Dataset {
    let mut data = super::cases_lists::filter_dataset();
    data.environments = vec![full_environment("t1", "e1"), environment("t1", "e2"), environment("t2", "e3")];
    data.connectors = vec![connector("t1", "shared_sql"), connector("t1", "shared_office365")];
    data.data_policies = vec![data_policy("t1", "d1"), data_policy("t2", "d2")];
    data.resources.push(full_resource("t1", "e1", "r-full"));
    data.events = (0..30)
        .map(|i: u32| {
            let kind = [UsageKind::Launch, UsageKind::Run, UsageKind::Edit, UsageKind::Session][i as usize % 4];
            let resource = ["r1", "r2", "r3"][i as usize % 3];
            let who = ["p1", "p2", "p3", "p4", "p5"][i as usize % 5];
            event("t1", &format!("ev{i:02}"), Some(resource), Some(who), kind, at(2025, 4, 1 + i % 4, i % 24, 0, 0, 0))
        })
        .collect();
    data
}

/// The digest the definition in `steward-store-sqlite`'s `digest.rs` gives for a dataset written
/// in one go: an independent implementation, so that every backend is held to the same bytes.
pub fn reference_digest(data: &Dataset) -> String {
    fn table<T: serde::Serialize>(h: &mut xxhash_rust::xxh3::Xxh3, name: &str, rows: &[T], id: fn(&T) -> &str) {
        let latest: BTreeMap<&str, String> = rows.iter().map(|r| (id(r), content_hash(r))).collect();
        h.update(name.as_bytes());
        h.update(b"\n");
        for (id, hash) in latest {
            h.update(format!("{id}\t{hash}\n").as_bytes());
        }
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    table(&mut h, "tenants", &data.tenants, |r| &r.id);
    table(&mut h, "environments", &data.environments, |r| &r.id);
    table(&mut h, "connectors", &data.connectors, |r| &r.id);
    table(&mut h, "data_policies", &data.data_policies, |r| &r.id);
    table(&mut h, "principals", &data.principals, |r| &r.id);
    table(&mut h, "resources", &data.resources, |r| &r.id);
    // Seen records: every event once per id and tenant-day (the rollups count uses and maker actions).
    let mut ledgers: BTreeMap<(&str, chrono::NaiveDate), BTreeSet<u64>> = BTreeMap::new();
    let mut first_seen: BTreeMap<(&str, chrono::NaiveDate, String), &UsageEvent> = BTreeMap::new();
    for e in &data.events {
        let day = e.occurred_at.date_naive();
        if ledgers.entry((e.tenant_id.as_str(), day)).or_default().insert(crate::usage::record_hash(&e.id)) {
            first_seen.insert((e.tenant_id.as_str(), day, e.id.to_lowercase()), e);
        }
    }
    h.update(b"usage_ledger\n");
    for ((tenant, day), ids) in &ledgers {
        let blob: Vec<u8> = ids.iter().flat_map(|i| i.to_le_bytes()).collect();
        let line = format!(
            "{tenant}\t{}\t{}\t{:016x}\n",
            day.format("%Y-%m-%d"),
            ids.len(),
            xxhash_rust::xxh3::xxh3_64(&blob)
        );
        h.update(line.as_bytes());
    }
    h.update(b"usage_daily\n");
    let mut days: BTreeMap<(&str, chrono::NaiveDate), (u64, BTreeSet<String>)> = BTreeMap::new();
    for e in first_seen.values().filter(|e| e.kind.is_use()) {
        let Some(resource) = e.resource_id.as_deref() else { continue };
        let entry = days.entry((resource, e.occurred_at.date_naive())).or_default();
        entry.0 += 1;
        if let Some(actor) = e.principal_id.clone().or_else(|| e.principal_upn.as_ref().map(|u| u.to_lowercase())) {
            entry.1.insert(actor);
        }
    }
    for ((resource, day), (uses, users)) in days {
        h.update(format!("{resource}\t{}\t{uses}\t{}\n", day.format("%Y-%m-%d"), users.len()).as_bytes());
    }
    format!("{:032x}", h.digest128())
}

pub async fn case_digest_matches_definition(store: Arc<dyn Store>) {
    let empty = Dataset::default();
    assert_eq!(digest(&store).await, reference_digest(&empty), "digest of an empty store");
    let data = digest_dataset();
    load(&store, &data).await;
    assert_eq!(
        digest(&store).await,
        reference_digest(&data),
        "the digest must follow the shared definition (steward-store-sqlite src/digest.rs) byte for byte"
    );
}

pub async fn case_digest_independent_of_insertion_order(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let data = digest_dataset();
    load(&first, &data).await;

    // The same data, every list reversed, in two transactions with events split across them.
    let mut reversed = data.clone();
    reversed.tenants.reverse();
    reversed.environments.reverse();
    reversed.connectors.reverse();
    reversed.data_policies.reverse();
    reversed.principals.reverse();
    reversed.resources.reverse();
    reversed.events.reverse();
    let later_events = reversed.events.split_off(reversed.events.len() / 2);
    let (mut a, mut b) = (reversed.clone(), Dataset { events: later_events, ..Default::default() });
    b.resources = a.resources.split_off(a.resources.len() / 2);
    a.events.extend(b.events.iter().take(3).cloned());
    load(&second, &b).await;
    load(&second, &a).await;

    assert_eq!(digest(&first).await, digest(&second).await, "same data in another order must give the same digest");
}

pub async fn case_digest_detects_changes(store: Arc<dyn Store>) {
    let mut data = digest_dataset();
    load(&store, &data).await;
    let mut seen = vec![digest(&store).await];
    type Change = (&'static str, fn(&mut Dataset));
    let changes: Vec<Change> = vec![
        ("tenant name", |d| d.tenants[0].display_name = "Renamed".into()),
        ("environment capacity", |d| d.environments[0].capacity[0].actual_mb = 99.5),
        ("connector tier", |d| d.connectors[1].tier = steward_model::ConnectorTier::Premium),
        ("policy group", |d| d.data_policies[0].connector_groups[0].connector_ids.truncate(1)),
        ("principal enabled", |d| d.principals[2].enabled = false),
        ("resource owner role", |d| d.resources[1].owners[1].role = ShareRole::CanView),
        ("resource deleted", |d| d.resources[0].deleted_at = Some(at(2025, 6, 1, 0, 0, 0, 0))),
        ("resource attribute", |d| {
            if let Some(r) = d.resources.last_mut() {
                r.attributes.insert("extra".into(), serde_json::json!(1));
            }
        }),
        ("new resource", |d| d.resources.push(resource("t1", "e1", "r-new", ResourceKind::AiModel, "Model"))),
        ("event without a resource", |d| {
            d.events.push(event("t1", "ev-x", None, Some("p1"), UsageKind::Launch, at(2025, 4, 2, 0, 0, 0, 0)))
        }),
        ("event adding a use", |d| {
            d.events.push(event("t1", "ev-y", Some("r1"), Some("p1"), UsageKind::Launch, at(2025, 4, 1, 0, 0, 0, 0)))
        }),
        ("event that is not a use", |d| {
            d.events.push(event("t1", "ev-z", Some("r1"), Some("p-new"), UsageKind::Edit, at(2025, 4, 1, 0, 0, 0, 0)))
        }),
    ];
    for (what, change) in changes {
        change(&mut data);
        load(&store, &data).await;
        let now = digest(&store).await;
        assert!(!seen.contains(&now), "changing the {what} must change the digest");
        seen.push(now);
    }
}
