//! Sync bookkeeping: checkpoints commit with data, and deletion follows only a completed listing.

use super::*;
use crate::{Deletions, ListingScope, Store};
use std::sync::Arc;
use steward_model::ResourceKind;

fn apps_scope(environment_id: &str) -> ListingScope {
    ListingScope::Resources {
        environment_id: environment_id.to_string(),
        kinds: vec![ResourceKind::CanvasApp, ResourceKind::ModelDrivenApp],
    }
}

/// Two environments; e1 holds canvas apps a1..a3 and flow f1, e2 holds canvas app b1.
fn estate() -> Dataset {
    Dataset {
        tenants: vec![tenant("t")],
        environments: vec![environment("t", "e1"), environment("t", "e2")],
        resources: vec![
            resource("t", "e1", "a1", ResourceKind::CanvasApp, "A1"),
            resource("t", "e1", "a2", ResourceKind::CanvasApp, "A2"),
            resource("t", "e1", "a3", ResourceKind::ModelDrivenApp, "A3"),
            resource("t", "e1", "f1", ResourceKind::CloudFlow, "F1"),
            resource("t", "e2", "b1", ResourceKind::CanvasApp, "B1"),
        ],
        ..Default::default()
    }
}

async fn deleted_at(store: &Arc<dyn Store>, id: &str) -> Option<steward_model::Timestamp> {
    store
        .get_resource(id)
        .await
        .unwrap_or_else(|e| panic!("get_resource({id}): {e}"))
        .unwrap_or_else(|| panic!("resource {id} must still exist (deleted resources are kept, marked)"))
        .deleted_at
}

/// Sync state saved in a committed transaction reads back; a rolled-back one leaves the old value.
pub async fn case_sync_state_commits_with_data(store: Arc<dyn Store>) {
    assert_eq!(store.get_sync_state("src").await.expect("get_sync_state"), None, "no state before any sync");
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.put_sync_state("src", serde_json::json!({"page": 1})).await.expect("put_sync_state");
    tx.commit().await.expect("commit");
    assert_eq!(store.get_sync_state("src").await.expect("get"), Some(serde_json::json!({"page": 1})));

    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_tenants(vec![tenant("t")]).await.expect("upsert");
    tx.put_sync_state("src", serde_json::json!({"page": 2})).await.expect("put_sync_state");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        store.get_sync_state("src").await.expect("get"),
        Some(serde_json::json!({"page": 1})),
        "a rolled-back checkpoint must not be visible"
    );
    assert!(store.list_tenants().await.expect("tenants").is_empty(), "nor the data written with it");
    assert_eq!(store.get_sync_state("other").await.expect("get"), None, "keys are independent");
}

/// A completed listing deletes exactly the live resources of its scope it did not see, even
/// when what it saw was recorded over several transactions (a resumed run).
pub async fn case_complete_listing_deletes_unseen_in_scope(store: Arc<dyn Store>) {
    load(&store, &estate()).await;
    let when = at(2026, 5, 1, 12, 0, 0, 0);
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("apps/e1", vec!["a1".into()]).await.expect("seen");
    tx.commit().await.expect("commit first page");
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("apps/e1", vec!["a3".into(), "a1".into()]).await.expect("seen again");
    let d = tx.complete_listing("apps/e1", &apps_scope("e1"), when).await.expect("complete_listing");
    tx.commit().await.expect("commit");
    assert_eq!(d, Deletions { resources: 1, ..Deletions::default() }, "only a2 was not seen");
    assert_eq!(deleted_at(&store, "a2").await, Some(when), "a2 must be marked deleted at the given time");
    assert_eq!(deleted_at(&store, "a1").await, None, "seen a1 stays");
    assert_eq!(deleted_at(&store, "a3").await, None, "seen a3 (other kind in the scope) stays");
    assert_eq!(deleted_at(&store, "f1").await, None, "a flow is outside an apps listing");
    assert_eq!(deleted_at(&store, "b1").await, None, "another environment is outside the scope");

    // The seen set was forgotten: the same listing completing again without sightings deletes
    // everything left in scope, and already deleted rows are not counted twice.
    let later = at(2026, 5, 2, 12, 0, 0, 0);
    let mut tx = store.begin_ingest().await.expect("begin");
    let d = tx.complete_listing("apps/e1", &apps_scope("e1"), later).await.expect("complete_listing");
    tx.commit().await.expect("commit");
    assert_eq!(d.resources, 2, "a1 and a3 are now unseen; a2 was already deleted");
    assert_eq!(deleted_at(&store, "a2").await, Some(when), "an earlier deletion keeps its time");
}

/// A resource that comes back after being marked deleted is live again and reported changed.
pub async fn case_deleted_resource_reappears(store: Arc<dyn Store>) {
    let data = estate();
    load(&store, &data).await;
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("apps/e1", vec!["a1".into(), "a3".into()]).await.expect("seen");
    tx.complete_listing("apps/e1", &apps_scope("e1"), at(2026, 5, 1, 0, 0, 0, 0)).await.expect("complete");
    tx.commit().await.expect("commit");
    let deleted_digest = digest(&store).await;
    let counts = load(&store, &data).await;
    assert_eq!(
        counts.resources,
        crate::UpsertCounts { added: 0, changed: 1, unchanged: 4 },
        "the returning a2 must count as changed"
    );
    assert_eq!(deleted_at(&store, "a2").await, None, "a2 is live again");
    assert_ne!(digest(&store).await, deleted_digest, "the digest must see the deletion undone");
}

/// Abandoning a listing, or rolling back its completion, deletes nothing.
pub async fn case_abandoned_or_rolled_back_listing_deletes_nothing(store: Arc<dyn Store>) {
    load(&store, &estate()).await;
    let before = digest(&store).await;
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("apps/e1", vec!["a1".into()]).await.expect("seen");
    tx.complete_listing("apps/e1", &apps_scope("e1"), at(2026, 5, 1, 0, 0, 0, 0)).await.expect("complete");
    tx.rollback().await.expect("rollback");
    assert_eq!(digest(&store).await, before, "a rolled-back completion must delete nothing");

    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("apps/e1", vec!["a1".into(), "a2".into(), "a3".into()]).await.expect("seen");
    tx.commit().await.expect("commit");
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.abandon_listing("apps/e1").await.expect("abandon");
    tx.commit().await.expect("commit");
    assert_eq!(digest(&store).await, before, "abandoning deletes nothing");
    // What the abandoned walk saw is gone: completing now (no sightings) deletes the whole scope,
    // which proves the old sightings could not leak into a later walk.
    let mut tx = store.begin_ingest().await.expect("begin");
    let d = tx.complete_listing("apps/e1", &apps_scope("e1"), at(2026, 5, 1, 0, 0, 0, 0)).await.expect("complete");
    tx.commit().await.expect("commit");
    assert_eq!(d.resources, 3, "the abandoned sightings must have been forgotten");
}

/// An environment missing from a completed environment listing is deleted with its live resources;
/// other tenants are untouched.
pub async fn case_environment_listing_deletes_environment_and_resources(store: Arc<dyn Store>) {
    let mut data = estate();
    data.tenants.push(tenant("u"));
    data.environments.push(environment("u", "x1"));
    data.resources.push(resource("u", "x1", "x-app", ResourceKind::CanvasApp, "X"));
    load(&store, &data).await;
    let when = at(2026, 6, 1, 0, 0, 0, 0);
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("envs/t", vec!["e2".into()]).await.expect("seen");
    let d = tx
        .complete_listing("envs/t", &ListingScope::Environments { tenant_id: "t".into() }, when)
        .await
        .expect("complete");
    tx.commit().await.expect("commit");
    assert_eq!(d, Deletions { environments: 1, resources: 4, principals: 0 }, "e1 and its four resources");
    let e1 = store.get_environment("e1").await.expect("get").expect("e1 kept, marked");
    assert_eq!(e1.deleted_at, Some(when));
    assert_eq!(store.get_environment("e2").await.expect("get").expect("e2").deleted_at, None);
    assert_eq!(store.get_environment("x1").await.expect("get").expect("x1").deleted_at, None, "other tenant");
    assert_eq!(deleted_at(&store, "f1").await, Some(when));
    assert_eq!(deleted_at(&store, "b1").await, None);
    assert_eq!(deleted_at(&store, "x-app").await, None);
    // The environment coming back is a change, like a resource.
    let counts = load(&store, &data).await;
    assert_eq!(counts.environments.changed, 1, "the returning environment counts as changed");
    assert_eq!(store.get_environment("e1").await.expect("get").expect("e1").deleted_at, None);
}

/// A principal missing from a completed directory listing is deleted (a leaver); another
/// tenant's principals are untouched, and the returning principal is live again.
pub async fn case_principal_listing_deletes_leavers(store: Arc<dyn Store>) {
    let data = Dataset {
        tenants: vec![tenant("t"), tenant("u")],
        principals: vec![
            principal("t", "p1", "p1@t.example"),
            principal("t", "p2", "p2@t.example"),
            principal("u", "q1", "q1@u.example"),
        ],
        ..Default::default()
    };
    load(&store, &data).await;
    let when = at(2026, 7, 1, 0, 0, 0, 0);
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("users/t", vec!["p1".into()]).await.expect("seen");
    let d = tx
        .complete_listing("users/t", &ListingScope::Principals { tenant_id: "t".into() }, when)
        .await
        .expect("complete");
    tx.commit().await.expect("commit");
    assert_eq!(d, Deletions { principals: 1, ..Deletions::default() });
    let p2 = store.get_principal("p2").await.expect("get").expect("p2 kept, marked");
    assert_eq!(p2.deleted_at, Some(when));
    assert!(p2.is_leaver(), "a principal gone from the directory is a leaver");
    assert_eq!(store.get_principal("p1").await.expect("get").expect("p1").deleted_at, None);
    assert_eq!(store.get_principal("q1").await.expect("get").expect("q1").deleted_at, None, "other tenant");
    let counts = load(&store, &data).await;
    assert_eq!(counts.principals.changed, 1, "the returning principal counts as changed");
    assert_eq!(store.get_principal("p2").await.expect("get").expect("p2").deleted_at, None);
}

/// A tenant-wide listing deletes the unseen resources of its kinds in every environment of the
/// tenant, and nothing of other kinds or tenants.
pub async fn case_tenant_wide_listing_deletes_across_environments(store: Arc<dyn Store>) {
    let mut data = estate();
    data.tenants.push(tenant("u"));
    data.environments.push(environment("u", "x1"));
    data.resources.push(resource("u", "x1", "x-app", ResourceKind::CanvasApp, "X"));
    load(&store, &data).await;
    let when = at(2026, 8, 1, 0, 0, 0, 0);
    let scope = ListingScope::TenantResources { tenant_id: "t".into(), kinds: vec![ResourceKind::CanvasApp] };
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.record_listing_seen("canvas/t", vec!["a1".into()]).await.expect("seen");
    let d = tx.complete_listing("canvas/t", &scope, when).await.expect("complete");
    tx.commit().await.expect("commit");
    assert_eq!(d.resources, 2, "a2 in e1 and b1 in e2 were not seen");
    assert_eq!(deleted_at(&store, "a2").await, Some(when));
    assert_eq!(deleted_at(&store, "b1").await, Some(when));
    assert_eq!(deleted_at(&store, "a1").await, None);
    assert_eq!(deleted_at(&store, "a3").await, None, "a model-driven app is outside the scope");
    assert_eq!(deleted_at(&store, "x-app").await, None, "another tenant is outside the scope");
}
