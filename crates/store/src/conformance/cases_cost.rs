//! Cost records, licence holders and usage actors as principals (issue #7).

use super::*;
use crate::Store;
use crate::cost::{CostRecord, CostRecordKind};
use std::sync::Arc;
use steward_model::{License, LicenseAssignment, UsageKind};

fn record(key: &str, body: serde_json::Value, ms: i64) -> CostRecord {
    CostRecord { key: key.into(), body, updated_at: ts(ms) }
}

/// Records are kept per kind, ordered by key bytewise, replaced by key, replaced as a set, and
/// deleted one at a time; JSON documents come back exactly as written.
pub async fn case_cost_records_put_replace_delete(store: Arc<dyn Store>) {
    let nested =
        serde_json::json!({"id": "x", "price": 1870, "skus": ["A", "B"], "note": "é ü 東京", "fte": 0.5, "none": null});
    let written = store
        .put_cost_records(
            CostRecordKind::Price,
            &[
                record("b", serde_json::json!({"n": 1}), 1_700_000_000_123),
                record("B", nested.clone(), 1_700_000_000_000),
                record("a|2026-10", serde_json::json!([]), 1_700_000_000_000),
            ],
        )
        .await
        .expect("put_cost_records");
    assert_eq!(written, 3);
    store
        .put_cost_records(CostRecordKind::Budget, &[record("b", serde_json::json!({"other": true}), 5)])
        .await
        .expect("put budget");
    let prices = store.cost_records(CostRecordKind::Price).await.expect("cost_records");
    let keys: Vec<&str> = prices.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["B", "a|2026-10", "b"], "keys order bytewise (upper case first)");
    assert_eq!(prices[0].body, nested, "JSON documents round-trip exactly");
    assert_eq!(prices[2].updated_at, ts(1_700_000_000_123), "updated_at kept to the millisecond");

    store
        .put_cost_records(CostRecordKind::Price, &[record("b", serde_json::json!({"n": 2}), 9)])
        .await
        .expect("put again");
    let prices = store.cost_records(CostRecordKind::Price).await.expect("cost_records");
    assert_eq!(prices.len(), 3, "a put with an existing key replaces it");
    assert_eq!(prices[2].body, serde_json::json!({"n": 2}));
    assert_eq!(prices[2].updated_at, ts(9));
    assert_eq!(
        store.cost_records(CostRecordKind::Budget).await.expect("budgets")[0].body,
        serde_json::json!({"other": true}),
        "the same key in another kind is another record"
    );

    assert!(store.delete_cost_record(CostRecordKind::Price, "B").await.expect("delete"));
    assert!(!store.delete_cost_record(CostRecordKind::Price, "B").await.expect("delete again"));
    assert_eq!(store.cost_records(CostRecordKind::Price).await.expect("after delete").len(), 2);

    store
        .replace_cost_records(
            CostRecordKind::Rule,
            &[record("000000", serde_json::json!(1), 1), record("000001", serde_json::json!(2), 1)],
        )
        .await
        .expect("replace");
    let n = store
        .replace_cost_records(CostRecordKind::Rule, &[record("000000", serde_json::json!(3), 2)])
        .await
        .expect("replace shorter");
    assert_eq!(n, 1);
    let rules = store.cost_records(CostRecordKind::Rule).await.expect("rules");
    assert_eq!(rules, vec![record("000000", serde_json::json!(3), 2)], "a replace leaves no old record behind");
    assert_eq!(store.cost_records(CostRecordKind::Price).await.expect("prices").len(), 2, "other kinds untouched");
    assert!(store.cost_records(CostRecordKind::People).await.expect("people").is_empty());
}

/// Licence holders join assignments to principals and SKUs (per tenant); usage actors map to
/// principals by id or by UPN.
pub async fn case_cost_licence_holders_and_actor_principals(store: Arc<dyn Store>) {
    let mut p2 = principal("t", "p2", "P2@Example.com");
    p2.department = None;
    p2.enabled = false;
    load(
        &store,
        &Dataset {
            tenants: vec![tenant("t"), tenant("u")],
            principals: vec![principal("t", "p1", "p1@example.com"), p2, principal("u", "q1", "q1@example.com")],
            events: vec![
                event("t", "e1", None, Some("p1"), UsageKind::Launch, at(2026, 10, 1, 8, 0, 0, 0)),
                event("u", "e2", None, Some("q1"), UsageKind::Launch, at(2026, 10, 1, 9, 0, 0, 0)),
            ],
            ..Default::default()
        },
    )
    .await;
    let lic = |tenant: &str, sku: &str, part: &str| License {
        tenant_id: tenant.into(),
        sku_id: sku.into(),
        sku_part_number: part.into(),
        capability_status: Some("Enabled".into()),
        enabled_units: 10,
        consumed_units: 2,
        service_plans: vec![],
    };
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_licenses(vec![
        lic("t", "s1", "POWERAPPS_PER_USER"),
        lic("t", "s2", "FLOW_PER_USER"),
        lic("u", "s1", "POWERAPPS_PER_USER"),
    ])
    .await
    .expect("licences");
    tx.set_license_assignments(vec![
        LicenseAssignment { principal_id: "p1".into(), sku_ids: vec!["s1".into(), "s2".into()] },
        LicenseAssignment { principal_id: "p2".into(), sku_ids: vec!["s1".into()] },
        LicenseAssignment { principal_id: "q1".into(), sku_ids: vec!["s1".into()] },
        LicenseAssignment { principal_id: "ghost".into(), sku_ids: vec!["s1".into()] },
    ])
    .await
    .expect("assignments");
    tx.commit().await.expect("commit");

    let all = store.licence_holders(None).await.expect("licence_holders");
    let seen: Vec<(&str, &str, &str)> =
        all.iter().map(|h| (h.principal_id.as_str(), h.sku_id.as_str(), h.sku_part_number.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("p1", "s1", "POWERAPPS_PER_USER"),
            ("p1", "s2", "FLOW_PER_USER"),
            ("p2", "s1", "POWERAPPS_PER_USER"),
            ("q1", "s1", "POWERAPPS_PER_USER")
        ],
        "known principals only, by principal then SKU, each SKU of the holder's own tenant"
    );
    assert_eq!(all[0].department.as_deref(), Some("Finance"));
    assert!(all[0].active);
    assert_eq!((all[2].department.as_deref(), all[2].active), (None, false), "a disabled holder is not active");
    assert_eq!(all[2].upn.as_deref(), Some("P2@Example.com"));
    assert_eq!(store.licence_holders(Some("u")).await.expect("tenant u").len(), 1);

    let actors = store.usage_actor_principals(None).await.expect("usage_actor_principals");
    let mut principals: Vec<&str> = actors.iter().map(|(_, p)| p.as_str()).collect();
    principals.sort_unstable();
    assert_eq!(principals, ["p1", "q1"]);
    let t_only = store.usage_actor_principals(Some("t")).await.expect("tenant t");
    assert_eq!(t_only.len(), 1);
    assert_eq!(t_only[0].1, "p1");
}
