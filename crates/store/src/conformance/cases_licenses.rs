//! Licences: subscribed SKUs and who holds them.

use super::*;
use crate::{Store, UpsertCounts};
use std::sync::Arc;
use steward_model::{License, LicenseAssignment};

fn license(tenant_id: &str, sku_id: &str, part: &str, consumed: i64) -> License {
    License {
        tenant_id: tenant_id.to_string(),
        sku_id: sku_id.to_string(),
        sku_part_number: part.to_string(),
        capability_status: Some("Enabled".into()),
        enabled_units: 100,
        consumed_units: consumed,
        service_plans: vec!["FLOW_P2".into(), "POWERAPPS_P2".into()],
    }
}

fn holds(principal_id: &str, skus: &[&str]) -> LicenseAssignment {
    LicenseAssignment { principal_id: principal_id.to_string(), sku_ids: skus.iter().map(|s| s.to_string()).collect() }
}

async fn write(
    store: &Arc<dyn Store>,
    licenses: Vec<License>,
    assignments: Vec<LicenseAssignment>,
) -> (UpsertCounts, UpsertCounts) {
    let mut tx = store.begin_ingest().await.expect("begin");
    let l = tx.upsert_licenses(licenses).await.expect("upsert_licenses");
    let a = tx.set_license_assignments(assignments).await.expect("set_license_assignments");
    tx.commit().await.expect("commit");
    (l, a)
}

/// SKUs round-trip, sorted by part number, filtered by tenant; upserts count like every table.
pub async fn case_licenses_round_trip_and_counts(store: Arc<dyn Store>) {
    load(&store, &Dataset { tenants: vec![tenant("t"), tenant("u")], ..Default::default() }).await;
    let skus = vec![
        license("t", "s2", "POWERAPPS_PER_USER", 3),
        license("t", "s1", "FLOW_PER_USER", 5),
        license("u", "s1", "FLOW_PER_USER", 1),
    ];
    let (l, _) = write(&store, skus.clone(), vec![]).await;
    assert_eq!(l, UpsertCounts { added: 3, changed: 0, unchanged: 0 });
    let listed = store.list_licenses(Some("t")).await.expect("list_licenses");
    assert_eq!(listed, vec![skus[1].clone(), skus[0].clone()], "tenant t's SKUs, by part number, exactly as written");
    assert_eq!(store.list_licenses(None).await.expect("all").len(), 3);
    let (l, _) = write(&store, skus.clone(), vec![]).await;
    assert_eq!(l, UpsertCounts { added: 0, changed: 0, unchanged: 3 }, "the same SKUs again are unchanged");
    let mut more = skus.clone();
    more[0].consumed_units = 4;
    let (l, _) = write(&store, more.clone(), vec![]).await;
    assert_eq!(l, UpsertCounts { added: 0, changed: 1, unchanged: 2 });
    assert_eq!(store.list_licenses(Some("t")).await.expect("list")[1].consumed_units, 4);
}

/// Assignments replace a principal's set; order and repeats in the input do not matter.
pub async fn case_license_assignments_replace(store: Arc<dyn Store>) {
    load(
        &store,
        &Dataset {
            tenants: vec![tenant("t")],
            principals: vec![principal("t", "p1", "p1@t"), principal("t", "p2", "p2@t")],
            ..Default::default()
        },
    )
    .await;
    assert!(store.license_assignments("p1").await.expect("none yet").is_empty());
    let (_, a) = write(&store, vec![], vec![holds("p1", &["s2", "s1", "s2"]), holds("p2", &[])]).await;
    assert_eq!(a, UpsertCounts { added: 1, changed: 0, unchanged: 1 }, "p1 gets licences; p2 holds none either way");
    assert_eq!(store.license_assignments("p1").await.expect("p1"), vec!["s1".to_string(), "s2".to_string()]);
    let (_, a) = write(&store, vec![], vec![holds("p1", &["s1", "s2"]), holds("p2", &[])]).await;
    assert_eq!(a, UpsertCounts { added: 0, changed: 0, unchanged: 2 });
    let (_, a) = write(&store, vec![], vec![holds("p1", &["s3"])]).await;
    assert_eq!(a, UpsertCounts { added: 0, changed: 1, unchanged: 0 });
    assert_eq!(store.license_assignments("p1").await.expect("p1"), vec!["s3".to_string()], "the old set is replaced");
    let (_, a) = write(&store, vec![], vec![holds("p1", &[])]).await;
    assert_eq!(a.changed, 1, "losing every licence is a change");
    assert!(store.license_assignments("p1").await.expect("p1").is_empty());

    let mut tx = store.begin_ingest().await.expect("begin");
    tx.set_license_assignments(vec![holds("p2", &["s9"])]).await.expect("set");
    tx.rollback().await.expect("rollback");
    assert!(store.license_assignments("p2").await.expect("p2").is_empty(), "a rolled-back assignment is not kept");
}
