//! Steward's own import format.

use crate::support::*;
use serde_json::json;
use steward_ingest::files::{SourceFormat, detect};
use steward_model::{
    ConnectorTier, EnvironmentType, PrincipalKind, ResourceKind, ResourceState, UsageEvent, UsageKind, UsageMetric,
    UsagePeriod, UsageScope,
};
use steward_store::{Store, UsageReads};

#[tokio::test]
async fn directory_of_jsonl_and_csv_files() {
    let f = fixture().await;
    let dir = data("steward-dir");
    assert_eq!(detect(&dir).unwrap(), SourceFormat::Steward);
    let report = import_ok(&f.store, &dir, SourceFormat::Steward).await;

    assert_eq!(report.format, SourceFormat::Steward);
    assert_eq!(report.import.files, 5, "manifest and four record files");
    assert_eq!(report.records_read, 2 + 3 + 3 + 4);
    assert_eq!(report.import.tenants.added, 1);
    assert_eq!(report.import.environments.added, 2);
    assert_eq!(report.import.principals.added, 3);
    assert_eq!(report.import.resources.added, 3);
    assert_eq!((report.import.usage_records_read, report.import.usage_records_counted), (4, 3));
    assert_eq!((report.import.usage_records_repeated, report.import.usage_records_not_counted), (1, 0));

    let tenants = f.store.list_tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(
        (tenants[0].id.as_str(), tenants[0].display_name.as_str(), tenants[0].domain.as_deref()),
        ("contoso-outsystems", "Contoso OutSystems", Some("contoso.com"))
    );

    let prd = f.store.get_environment("os-prd").await.unwrap().unwrap();
    assert_eq!(prd.platform, "outsystems");
    assert_eq!(prd.environment_type, EnvironmentType::Production);
    assert!(prd.managed);
    assert_eq!(prd.created_at, Some(at("2022-12-31T23:00:00Z")), "offsets convert to UTC");
    let dev = f.store.get_environment("os-dev").await.unwrap().unwrap();
    assert_eq!((dev.environment_type, dev.region.as_deref()), (EnvironmentType::Developer, Some("eu-west")));

    let ana = f.store.get_principal("u-1001").await.unwrap().unwrap();
    assert_eq!((ana.display_name.as_str(), ana.kind), ("Ana Silva", PrincipalKind::User));
    assert_eq!(ana.job_title.as_deref(), Some("Developer"));
    let joe = f.store.get_principal("u-1002").await.unwrap().unwrap();
    assert_eq!(joe.display_name, "joe.bloggs@contoso.com", "the UPN when there is no display name");
    assert!(!joe.enabled);
    assert_eq!(joe.manager_id.as_deref(), Some("u-1001"));
    let team = f.store.get_principal("g-claims").await.unwrap().unwrap();
    assert_eq!(team.kind, PrincipalKind::Group);

    let portal = f.store.get_resource("app-claims-portal").await.unwrap().unwrap();
    assert_eq!((portal.platform.as_str(), portal.tenant_id.as_str()), ("outsystems", "contoso-outsystems"));
    assert_eq!((portal.kind, portal.state), (ResourceKind::CanvasApp, ResourceState::Active));
    assert_eq!(portal.environment_id, "os-prd");
    let owners: Vec<&str> = portal.owners.iter().map(|o| o.principal_id.as_str()).collect();
    assert_eq!(owners, ["u-1001", "u-1002"]);
    assert_eq!(portal.shared_users, 140);
    let refs: Vec<(&str, &str, ConnectorTier)> = portal
        .connection_references
        .iter()
        .map(|c| (c.connector_id.as_str(), c.display_name.as_str(), c.tier))
        .collect();
    assert_eq!(
        refs,
        [("sap-erp", "SAP ERP", ConnectorTier::Premium), ("rest-claims", "rest-claims", ConnectorTier::Standard)]
    );
    assert_eq!(portal.attributes.get("type"), Some(&json!("reactive_web_app")));
    assert_eq!(portal.attributes.get("module_count"), Some(&json!(14)));
    assert_eq!(portal.published_at, Some(at("2026-04-01T09:00:00Z")));

    let process = f.store.get_resource("bpt-claim-review").await.unwrap().unwrap();
    assert_eq!((process.kind, process.state), (ResourceKind::CloudFlow, ResourceState::Stopped));
    let legacy = f.store.get_resource("app-legacy-forms").await.unwrap().unwrap();
    assert_eq!((legacy.state, legacy.deleted_at), (ResourceState::Unknown, Some(at("2025-12-31T23:00:00Z"))));

    let events = read_events(&dir, SourceFormat::Steward, None).await;
    assert_eq!(events.len(), 4, "evt-2 twice");
    let first = event(&events, "evt-1");
    assert_eq!(
        first,
        &UsageEvent {
            id: "evt-1".into(),
            tenant_id: "contoso-outsystems".into(),
            occurred_at: at("2026-05-18T08:00:00Z"),
            principal_id: Some("u-1001".into()),
            principal_upn: Some("ana.silva@contoso.com".into()),
            resource_id: Some("app-claims-portal".into()),
            environment_id: Some("os-prd".into()),
            kind: UsageKind::Launch,
            operation: "OpenScreen".into(),
            workload: None,
        }
    );
    let second = event(&events, "evt-2");
    assert_eq!(second.operation, "launch", "the kind when no operation is given");
    assert_eq!((second.principal_id.as_deref(), second.principal_upn.as_deref()), (Some("u-1002"), None));
    let third = event(&events, "evt-3");
    assert_eq!((third.kind, third.principal_id.as_deref()), (UsageKind::Run, None));

    // Counted into the rollups: evt-2 once; the flow run has no user, so it counts as a use
    // without one.
    assert_eq!(ledger_records(&f.store).await, 3);
    let may18 = day("2026-05-18");
    let portal = f.store.daily_usage("app-claims-portal", may18, may18).await.unwrap();
    assert_eq!((portal.len(), portal[0].uses, portal[0].unique_users), (1, 2, 2));
    assert_eq!(portal[0].departments, 1, "Ana is in Claims; Joe has no department");
    let review = f.store.daily_usage("bpt-claim-review", may18, may18).await.unwrap();
    assert_eq!((review.len(), review[0].uses, review[0].unique_users), (1, 1, 0));
    let env = figures(&f.store, UsageScope::Environment, "os-prd", UsagePeriod::Day, UsageMetric::Use, may18).await;
    assert_eq!(env, (3, 2));
    // Ana (u-1001) is the primary owner of both: the maker scope counts their use.
    let maker = figures(&f.store, UsageScope::Maker, "u-1001", UsagePeriod::Week, UsageMetric::Use, may18).await;
    assert_eq!(maker, (3, 2));

    let again = import_ok(&f.store, &dir, SourceFormat::Steward).await;
    assert_eq!(again.import.resources.unchanged, 3);
    assert_eq!(again.import.tenants.unchanged, 1);
    assert_eq!((again.import.usage_records_counted, again.import.usage_records_repeated), (0, 4));
    assert_eq!(ledger_records(&f.store).await, 3);
}

#[tokio::test]
async fn one_jsonl_file_with_a_header_line() {
    let f = fixture().await;
    let path = data("steward-appian.jsonl");
    assert_eq!(detect(&path).unwrap(), SourceFormat::Steward);
    let report = import_ok(&f.store, &path, SourceFormat::Steward).await;
    assert_eq!(report.import.files, 1);
    assert_eq!(report.records_read, 5);
    assert_eq!(report.import.environments.added, 1);
    assert_eq!(report.import.principals.added, 1);
    assert_eq!(report.import.resources.added, 1);
    // The launch counts; the export of a report is no use Steward interprets.
    assert_eq!((report.import.usage_records_counted, report.import.usage_records_not_counted), (1, 1));
    assert_eq!(ledger_records(&f.store).await, 2, "the export is seen, though no rollup counts it");
    let site = f.store.get_resource("site-onboarding").await.unwrap().unwrap();
    assert_eq!((site.platform.as_str(), site.tenant_id.as_str()), ("appian", "contoso-appian"));
    assert_eq!(site.primary_owner(), Some("jdoe"));
    let events = read_events(&path, SourceFormat::Steward, None).await;
    let other = event(&events, "a-2");
    assert_eq!((other.kind, other.operation.as_str()), (UsageKind::Other, "ExportReport"));
    assert_eq!(other.resource_id.as_deref(), Some("site-onboarding"));
    let may19 = day("2026-05-19");
    let launches = f.store.daily_usage("site-onboarding", may19, may19).await.unwrap();
    assert_eq!((launches.len(), launches[0].uses, launches[0].unique_users), (1, 1, 1));
}

#[tokio::test]
async fn resources_as_csv_with_lists_tiers_and_attributes() {
    let f = fixture().await;
    let dir = f.dir.path().join("mendix");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"format": "steward-import", "version": 1, "platform": "mendix", "tenant": {"id": "contoso-mendix", "display_name": "Contoso Mendix"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("resources.csv"),
        "id,environment_id,kind,display_name,owners,connectors,shared_with_everyone,attributes\n\
         mx-1,mx-prod,canvas_app,Field Service,\"u1; u2\",\"sap:premium;odata;contoso:connector:custom\",yes,\"{\"\"type\"\": \"\"native_mobile\"\"}\"\n",
    )
    .unwrap();
    let report = import_ok(&f.store, &dir, SourceFormat::Steward).await;
    assert_eq!(report.import.resources.added, 1);
    let app = f.store.get_resource("mx-1").await.unwrap().unwrap();
    let owners: Vec<&str> = app.owners.iter().map(|o| o.principal_id.as_str()).collect();
    assert_eq!(owners, ["u1", "u2"]);
    let refs: Vec<(&str, ConnectorTier)> =
        app.connection_references.iter().map(|c| (c.connector_id.as_str(), c.tier)).collect();
    assert_eq!(
        refs,
        [
            ("sap", ConnectorTier::Premium),
            ("odata", ConnectorTier::Standard),
            ("contoso:connector", ConnectorTier::Custom)
        ]
    );
    assert!(app.shared_with_everyone);
    assert_eq!(app.attributes.get("type"), Some(&json!("native_mobile")));
}
