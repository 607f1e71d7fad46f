//! Seeding from the inventory: listed, featured, hero, submitted; drafts when the checklist
//! fails; a second run adds nothing.

use crate::common::store;
use steward_catalog::{
    Catalog, CatalogQuery, ItemKind, PublicationState, SearchQuery, SeedOptions, seed_from_inventory,
};
use steward_model::{ResourceKind, ShareRole};
use steward_store::conformance::{Dataset, environment, load, owner, principal, resource, tenant};
use steward_store::governance::{ComplianceFinding, ComplianceRun, Level, SubjectKind};

fn inventory() -> Dataset {
    let mut env = environment("t1", "e1");
    env.business_area = Some("Corporate".into());
    let mut people: Vec<_> = (1..=4).map(|n| principal("t1", &format!("p{n}"), &format!("p{n}@contoso.com"))).collect();
    people[0].manager_id = Some("p4".into());
    people[1].department = Some("HR".into());
    let kinds = [ResourceKind::CanvasApp, ResourceKind::CloudFlow, ResourceKind::Agent, ResourceKind::CustomConnector];
    let names = ["Expense claims", "Leave requests", "Helpdesk agent", "SAP connector"];
    let mut resources = Vec::new();
    for n in 0..12 {
        let kind = kinds[n % 4];
        let mut r = resource("t1", "e1", &format!("r{n}"), kind, &format!("{} {n}", names[n % 4]));
        r.owners = vec![owner(&format!("p{}", 1 + n % 3))];
        if n % 2 == 0 {
            r.owners.push(steward_model::Owner { principal_id: "p2".into(), role: ShareRole::CanEdit });
        }
        resources.push(r);
    }
    Dataset {
        tenants: vec![tenant("t1")],
        environments: vec![env],
        principals: people,
        resources,
        ..Dataset::default()
    }
}

#[tokio::test]
async fn seeding_lists_features_and_queues_and_is_idempotent() {
    let store = store().await;
    load(&store, &inventory()).await;
    // r1 breaks a must policy: its item cannot be submitted and stays a draft.
    let run = ComplianceRun {
        at: crate::common::t(1),
        policy_set_version: "v1".into(),
        tenant_id: None,
        subjects_evaluated: 1,
        policies: vec!["dlp-must".into()],
        findings: vec![ComplianceFinding {
            policy_id: "dlp-must".into(),
            policy_version: 1,
            level: Level::Must,
            subject_kind: SubjectKind::Resource,
            subject_id: "r1".into(),
            tenant_id: "t1".into(),
            environment_id: "e1".into(),
            evidence: serde_json::json!({}),
            exemption_id: None,
        }],
        statuses: vec![],
    };
    store.record_compliance(&run).await.expect("violation");

    let opts = SeedOptions { listed: 5, submitted: 2, featured: 2, at: crate::common::t(9), ..SeedOptions::default() };
    let report = seed_from_inventory(store.as_ref(), &opts).await.expect("seed");
    assert_eq!(report.drafts, 1, "{report:?}");
    assert_eq!(report.listed, 5 - 1 + 2, "the listed ones (one became a draft) and two AI models: {report:?}");
    assert_eq!(report.submitted, 2);
    assert_eq!(report.featured.len(), 2);
    assert!(report.hero.is_some_and(|h| report.featured.contains(&h)), "the hero is the first featured item");

    let all =
        store.list_catalog_items(&CatalogQuery { limit: Some(100), ..CatalogQuery::default() }).await.expect("list");
    assert_eq!(all.total as usize, report.created);
    let connectors = all.items.iter().filter(|i| i.fields.kind == ItemKind::Connector).count();
    assert_eq!(connectors, 0, "only apps, flows and agents are proposed from the inventory");
    let r1 = all.items.iter().find(|i| i.fields.resource_id.as_deref() == Some("r1")).expect("r1 proposed");
    assert_eq!(r1.state, PublicationState::Draft);
    for item in all.items.iter().filter(|i| i.state == PublicationState::Listed) {
        let f = &item.fields;
        assert!(f.owner.is_some() && f.backup_owner.is_some() && f.owner != f.backup_owner, "{f:?}");
        assert!(f.description.len() >= 50 && !f.screenshots.is_empty() && f.documentation_url.is_some());
        assert!(!f.tags.is_empty() && f.category.is_some());
        if f.resource_id.is_some() {
            assert_eq!(f.business_area.as_deref(), Some("Corporate"));
            assert!(f.department.is_some());
        }
    }
    let waiting = CatalogQuery { states: vec![PublicationState::Submitted], ..CatalogQuery::default() };
    assert_eq!(store.list_catalog_items(&waiting).await.expect("queue").total, 2);

    let catalog = Catalog::open(store.as_ref()).await.expect("index");
    assert_eq!(catalog.search(&SearchQuery::default()).expect("search").total, report.listed as u64);
    let heroes = catalog.search(&SearchQuery { hero_only: true, ..SearchQuery::default() }).expect("hero");
    assert_eq!(heroes.hits.iter().map(|h| h.id).collect::<Vec<_>>(), [report.hero.expect("hero")]);
    assert_eq!(catalog.search(&SearchQuery::text("kind:ai_model")).expect("ai").total, 2);

    let again = seed_from_inventory(store.as_ref(), &opts).await.expect("seed again");
    assert_eq!(again.created, 0, "{again:?}");
    assert_eq!(store.list_catalog_items(&CatalogQuery::default()).await.expect("list").total as usize, report.created);
}
