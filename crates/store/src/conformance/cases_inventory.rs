//! Upsert bookkeeping, round trips and governance.

use super::*;
use crate::{Store, StoreError, UpsertCounts};
use std::sync::Arc;
use steward_model::{
    CatalogState, ConnectorTier, EnvironmentType, Governance, ImpactLevel, LifecycleStage, PolicyEnvironmentScope,
    PrincipalKind, ResourceGovernance, ResourceKind, ResourceState, SupportTier,
};

fn counts(added: u64, changed: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts { added, changed, unchanged }
}

/// Migrating again is harmless; unknown ids read as `None`; governance of an unknown resource is refused.
pub async fn case_migrate_twice_and_unknown_ids(store: Arc<dyn Store>) {
    store.migrate().await.unwrap_or_else(|e| panic!("second migrate must be a no-op, got: {e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("third migrate must be a no-op, got: {e}"));
    assert!(store.get_resource("nope").await.expect("get_resource").is_none(), "unknown resource must be None");
    assert!(store.get_environment("nope").await.expect("get_environment").is_none(), "unknown environment");
    assert!(store.get_principal("nope").await.expect("get_principal").is_none(), "unknown principal");
    assert!(store.list_tenants().await.expect("list_tenants").is_empty(), "a fresh store has no tenants");
    let err = store.set_governance("nope", &Governance::default()).await;
    assert!(
        matches!(err, Err(StoreError::NotFound { .. })),
        "set_governance on an unknown resource must be NotFound, got {err:?}"
    );
}

/// Run the added / unchanged / one-changed sequence for one table.
async fn check_upsert_counts(
    store: Arc<dyn Store>,
    what: &str,
    first: Dataset,
    changed: Dataset,
    pick: fn(&LoadCounts) -> UpsertCounts,
) {
    let n = [
        first.tenants.len(),
        first.environments.len(),
        first.connectors.len(),
        first.data_policies.len(),
        first.principals.len(),
        first.resources.len(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0) as u64;
    let c = load(&store, &first).await;
    assert_eq!(pick(&c), counts(n, 0, 0), "{what}: first upsert must report every row added");
    let c = load(&store, &first).await;
    assert_eq!(pick(&c), counts(0, 0, n), "{what}: the same data again must report every row unchanged");
    let c = load(&store, &changed).await;
    assert_eq!(pick(&c), counts(0, 1, n - 1), "{what}: one field changed must report exactly one changed row");
    let c = load(&store, &changed).await;
    assert_eq!(pick(&c), counts(0, 0, n), "{what}: the changed data again must report every row unchanged");
}

pub async fn case_upsert_counts_tenants(store: Arc<dyn Store>) {
    let first = Dataset { tenants: (0..5).map(|i| tenant(&format!("t{i}"))).collect(), ..Default::default() };
    let mut changed = first.clone();
    changed.tenants[2].domain = Some("renamed.example.com".into());
    check_upsert_counts(store.clone(), "tenants", first, changed.clone(), |c| c.tenants).await;
    let mut stored = store.list_tenants().await.expect("list_tenants");
    stored.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(stored, changed.tenants, "tenants must read back as last written");
}

pub async fn case_upsert_counts_environments(store: Arc<dyn Store>) {
    let first =
        Dataset { environments: (0..6).map(|i| environment("t1", &format!("e{i}"))).collect(), ..Default::default() };
    let mut changed = first.clone();
    changed.environments[4].managed = true;
    check_upsert_counts(store.clone(), "environments", first, changed.clone(), |c| c.environments).await;
    let got = store.get_environment("e4").await.expect("get_environment");
    assert_eq!(got.as_ref(), Some(&changed.environments[4]), "changed environment must read back changed");
}

pub async fn case_upsert_counts_connectors(store: Arc<dyn Store>) {
    let first =
        Dataset { connectors: (0..4).map(|i| connector("t1", &format!("c{i}"))).collect(), ..Default::default() };
    let mut changed = first.clone();
    changed.connectors[0].tier = ConnectorTier::Premium;
    check_upsert_counts(store.clone(), "connectors", first, changed.clone(), |c| c.connectors).await;
    let mut got = store.list_connectors(None).await.expect("list_connectors");
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, changed.connectors, "connectors must read back as last written");
}

pub async fn case_upsert_counts_data_policies(store: Arc<dyn Store>) {
    let first =
        Dataset { data_policies: (0..3).map(|i| data_policy("t1", &format!("d{i}"))).collect(), ..Default::default() };
    let mut changed = first.clone();
    changed.data_policies[1].connector_groups[1].connector_ids.push("shared_facebook".into());
    check_upsert_counts(store.clone(), "data policies", first, changed.clone(), |c| c.data_policies).await;
    let mut got = store.list_data_policies(None).await.expect("list_data_policies");
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, changed.data_policies, "data policies must read back as last written");
}

pub async fn case_upsert_counts_principals(store: Arc<dyn Store>) {
    let first = Dataset {
        principals: (0..8).map(|i| principal("t1", &format!("p{i}"), &format!("user{i}@example.com"))).collect(),
        ..Default::default()
    };
    let mut changed = first.clone();
    changed.principals[7].enabled = false;
    check_upsert_counts(store.clone(), "principals", first, changed.clone(), |c| c.principals).await;
    let got = store.get_principal("p7").await.expect("get_principal");
    assert_eq!(got.as_ref(), Some(&changed.principals[7]), "changed principal must read back changed");
}

pub async fn case_upsert_counts_resources(store: Arc<dyn Store>) {
    let first = Dataset {
        resources: (0..10)
            .map(|i| {
                let mut r = full_resource("t1", "e1", &format!("r{i:02}"));
                r.deleted_at = None;
                r
            })
            .collect(),
        ..Default::default()
    };
    let mut changed = first.clone();
    changed.resources[3].owners.pop();
    check_upsert_counts(store.clone(), "resources", first, changed.clone(), |c| c.resources).await;
    let got = store.get_resource("r03").await.expect("get_resource");
    assert_eq!(got.as_ref(), Some(&changed.resources[3]), "changed resource must read back changed");
}

/// Writing a batch twice inside one transaction: the second write sees the first.
pub async fn case_upsert_same_batch_twice_in_one_tx(store: Arc<dyn Store>) {
    let data = Dataset {
        resources: (0..5).map(|i| resource("t1", "e1", &format!("r{i}"), ResourceKind::CanvasApp, "App")).collect(),
        principals: vec![principal("t1", "p1", "p1@example.com")],
        ..Default::default()
    };
    let mut tx = store.begin_ingest().await.expect("begin_ingest");
    let first = load_into(tx.as_mut(), &data).await;
    let second = load_into(tx.as_mut(), &data).await;
    tx.commit().await.expect("commit");
    assert_eq!(first.resources, counts(5, 0, 0), "first write in the transaction adds");
    assert_eq!(second.resources, counts(0, 0, 5), "second write in the same transaction must see the first");
    assert_eq!(second.principals, counts(0, 0, 1), "principals likewise");
}

pub async fn case_round_trip_resource(store: Arc<dyn Store>) {
    let full = full_resource("t1", "e1", "r-full");
    let mut live = full_resource("t1", "e1", "r-live");
    live.deleted_at = None;
    let minimal = resource("t1", "e1", "r-min", ResourceKind::Agent, "Helpdesk agent");
    let mut no_dates = resource("t1", "e1", "r-nodates", ResourceKind::PowerPagesSite, "Portal");
    no_dates.created_at = None;
    no_dates.modified_at = None;
    let data = Dataset {
        resources: vec![full.clone(), live.clone(), minimal.clone(), no_dates.clone()],
        ..Default::default()
    };
    load(&store, &data).await;
    for expected in &data.resources {
        let got = store.get_resource(&expected.id).await.expect("get_resource");
        assert_eq!(got.as_ref(), Some(expected), "resource {} must come back field for field", expected.id);
    }
    // The same record through the list path.
    let page = store
        .list_resources(&crate::ResourceQuery { include_deleted: true, ..Default::default() })
        .await
        .expect("list_resources");
    let listed = page.items.iter().find(|r| r.id == "r-full");
    assert_eq!(listed, Some(&full), "list_resources must return the complete resource");
}

pub async fn case_round_trip_environment(store: Arc<dyn Store>) {
    let full = full_environment("t1", "e-full");
    let mut gone = environment("t1", "e-gone");
    gone.environment_type = EnvironmentType::Developer;
    gone.deleted_at = Some(at(2025, 2, 3, 4, 5, 6, 789));
    gone.region = None;
    gone.dataverse_url = None;
    gone.has_dataverse = false;
    gone.created_at = None;
    let data = Dataset { environments: vec![full.clone(), gone.clone()], ..Default::default() };
    load(&store, &data).await;
    assert_eq!(store.get_environment("e-full").await.expect("get").as_ref(), Some(&full), "full environment");
    assert_eq!(store.get_environment("e-gone").await.expect("get").as_ref(), Some(&gone), "deleted environment");
    let page = store
        .list_environments(&crate::EnvironmentQuery { include_deleted: true, ..Default::default() })
        .await
        .expect("list_environments");
    let listed = page.items.iter().find(|s| s.environment.id == "e-full").map(|s| &s.environment);
    assert_eq!(listed, Some(&full), "list_environments must return the complete environment");
}

pub async fn case_round_trip_principal_connector_policy(store: Arc<dyn Store>) {
    let mut p = principal("t1", "p-full", "Ann.Smith@Example.com");
    p.job_title = Some("Controller".into());
    p.manager_id = Some("p-boss".into());
    p.enabled = false;
    p.deleted_at = Some(at(2024, 8, 9, 10, 11, 12, 131));
    let mut group = principal("t1", "g-1", "");
    group.kind = PrincipalKind::Group;
    group.upn = None;
    group.department = None;
    group.country = None;
    let mut custom = connector("t2", "c-custom");
    custom.tier = ConnectorTier::Custom;
    custom.publisher = None;
    custom.environment_id = Some("e1".into());
    let mut policy = data_policy("t2", "d-all");
    policy.scope = PolicyEnvironmentScope::AllEnvironments;
    policy.environment_ids.clear();
    policy.default_classification = None;
    policy.modified_at = Some(at(2025, 1, 1, 0, 0, 0, 1));
    let data = Dataset {
        tenants: vec![tenant("t1"), tenant("t2")],
        principals: vec![p.clone(), group.clone()],
        connectors: vec![connector("t1", "shared_sql"), custom.clone()],
        data_policies: vec![data_policy("t1", "d-only"), policy.clone()],
        ..Default::default()
    };
    load(&store, &data).await;
    assert_eq!(store.get_principal("p-full").await.expect("get").as_ref(), Some(&p), "principal round trip");
    assert_eq!(store.get_principal("g-1").await.expect("get").as_ref(), Some(&group), "group round trip");
    assert_eq!(store.list_connectors(Some("t2")).await.expect("list"), vec![custom], "connectors of tenant t2");
    assert_eq!(store.list_connectors(None).await.expect("list").len(), 2, "connectors of all tenants");
    assert_eq!(store.list_data_policies(Some("t2")).await.expect("list"), vec![policy], "policies of tenant t2");
    let mut all = store.list_data_policies(None).await.expect("list");
    all.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(all, vec![data.data_policies[1].clone(), data.data_policies[0].clone()], "all policies");
    let mut tenants = store.list_tenants().await.expect("list_tenants");
    tenants.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(tenants, data.tenants, "tenants round trip");
}

pub async fn case_governance_round_trip_and_survives_reingest(store: Arc<dyn Store>) {
    let r = resource("t1", "e1", "r1", ResourceKind::CanvasApp, "Expenses");
    load(&store, &Dataset { resources: vec![r.clone()], ..Default::default() }).await;
    assert_eq!(store.get_governance("r1").await.expect("get_governance"), Governance::default(), "starts empty");
    let g = Governance {
        business_impact: Some(ImpactLevel::High),
        criticality: Some(ImpactLevel::Critical),
        support_tier: Some(SupportTier::ItBlessed),
        lifecycle_stage: Some(LifecycleStage::Production),
        cost_centre: Some("CC-1234".into()),
        catalog_state: Some(CatalogState::Listed),
        justification: Some("Used by every store manager".into()),
        mitigation_plan: Some("Paper forms".into()),
        handover_done: true,
        knowledge_transfer_done: false,
    };
    store.set_governance("r1", &g).await.expect("set_governance");
    assert_eq!(store.get_governance("r1").await.expect("get_governance"), g, "governance round trip");
    let listed = store.list_governance(Some("t1")).await.expect("list_governance");
    assert_eq!(
        listed,
        vec![ResourceGovernance { resource_id: "r1".into(), governance: g.clone() }],
        "listed by tenant"
    );
    assert!(store.list_governance(Some("t2")).await.expect("list_governance").is_empty(), "other tenant has none");
    assert_eq!(store.list_governance(None).await.expect("list_governance").len(), 1, "every tenant");

    let mut changed = r.clone();
    changed.display_name = "Expenses v2".into();
    changed.state = ResourceState::Draft;
    changed.owners = vec![owner("p9")];
    let c = load(&store, &Dataset { resources: vec![changed.clone()], ..Default::default() }).await;
    assert_eq!(c.resources, counts(0, 1, 0), "re-ingest with changed fields is a change");
    assert_eq!(store.get_governance("r1").await.expect("get_governance"), g, "governance must survive re-ingest");
    assert_eq!(store.get_resource("r1").await.expect("get").as_ref(), Some(&changed), "inventory updated");

    let partial = Governance { lifecycle_stage: Some(LifecycleStage::Retired), ..Default::default() };
    store.set_governance("r1", &partial).await.expect("set_governance");
    assert_eq!(store.get_governance("r1").await.expect("get"), partial, "set_governance replaces the whole record");
}
