//! Purview audit-log search exports.

use crate::support::*;
use steward_ingest::files::{SourceFormat, detect};
use steward_store::Store;

#[tokio::test]
async fn export_becomes_usage_events_in_every_record_form() {
    let f = fixture().await;
    let path = data("purview/audit-export.csv");
    assert_eq!(detect(&path).unwrap(), SourceFormat::Purview);
    let report = import_ok(&f.store, &path, SourceFormat::Purview).await;

    assert_eq!(report.format, SourceFormat::Purview);
    assert_eq!(report.records_read, 8);
    assert_eq!(report.records_skipped, 1, "the Exchange record is not Power Platform activity");
    assert_eq!(report.import.usage_events_read, 7);
    assert_eq!(report.import.usage_events_new, 6, "the repeated LaunchPowerApp record is stored once");
    assert_eq!(report.import.tenants.added, 1);
    assert_eq!(report.import.files, 1);
    assert_eq!(report.import.resources.total(), 0);

    let tenants = f.store.list_tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].id, TENANT, "from OrganizationId");
    assert_eq!(tenants[0].display_name, TENANT, "an export does not name the tenant");

    let events = events(&f.db);
    assert_eq!(events.len(), 6, "{events:#?}");
    assert!(events.iter().all(|e| e.tenant_id == TENANT));

    // Legacy Power Apps record: app in AppName, environment in AdditionalInfo (a JSON string).
    let legacy = event(&events, "1a2b3c4d-0000-4000-8000-000000000001");
    assert_eq!(
        legacy,
        &Event {
            id: "1a2b3c4d-0000-4000-8000-000000000001".into(),
            tenant_id: TENANT.into(),
            occurred_at: "2026-05-19T09:00:00Z".into(),
            principal_id: Some(AMBER.into()),
            principal_upn: Some("AmberR@contoso.onmicrosoft.com".into()),
            resource_id: Some(EXPENSES_APP.into()),
            environment_id: Some(DEFAULT_ENV.into()),
            kind: "launch".into(),
            operation: "LaunchPowerApp".into(),
            workload: Some("PowerApps".into()),
        }
    );

    // New Power Platform record: everything in PropertyCollection and EnvironmentId.
    let platform = event(&events, "e2a84675-8952-4d91-a2ea-4d89f310f1a7");
    assert_eq!(platform.resource_id.as_deref(), Some(INVOICE_APP));
    assert_eq!(platform.environment_id.as_deref(), Some(PROD_ENV));
    assert_eq!(platform.principal_id.as_deref(), Some(BEN));
    assert_eq!(platform.principal_upn.as_deref(), Some("ben@contoso.onmicrosoft.com"));
    assert_eq!(platform.occurred_at, "2026-05-19T13:17:34Z");
    assert_eq!((platform.kind.as_str(), platform.workload.as_deref()), ("launch", Some("PowerPlatform")));

    // Power Automate: flow in ObjectId, environment in FlowDetailsUrl.
    let flow = event(&events, "00000000-0000-0000-0000-0000000000c1");
    assert_eq!(flow.resource_id.as_deref(), Some(INVOICE_FLOW));
    assert_eq!(flow.environment_id.as_deref(), Some(PROD_ENV));
    assert_eq!((flow.kind.as_str(), flow.operation.as_str()), ("create", "CreateFlow"));

    // An operation Steward does not interpret is kept, as `other`.
    let unknown = event(&events, "d1d1d1d1-0000-4000-8000-0000000000d1");
    assert_eq!((unknown.kind.as_str(), unknown.operation.as_str()), ("other", "EnvironmentAddedToEnvironmentGroup"));
    assert_eq!(unknown.environment_id.as_deref(), Some(PROD_ENV));
    assert_eq!(unknown.resource_id, None);

    // AuditData pretty-printed over several lines (a quoted multi-line CSV field), with
    // AdditionalInfo as an object.
    let deleted = event(&events, "1a2b3c4d-0000-4000-8000-0000000000a7");
    assert_eq!((deleted.kind.as_str(), deleted.environment_id.as_deref()), ("delete", Some(DEFAULT_ENV)));

    // A record without Id and CreationTime takes RecordId and CreationDate (US spelling) from the row.
    let published = event(&events, "1a2b3c4d-0000-4000-8000-0000000000a8");
    assert_eq!(published.occurred_at, "2026-05-19T13:20:00Z");
    assert_eq!((published.kind.as_str(), published.resource_id.as_deref()), ("publish", Some(EXPENSES_APP)));

    assert!(!events.iter().any(|e| e.operation == "MailItemsAccessed"));
    let overview = f.store.overview(None).await.unwrap();
    assert_eq!(overview.usage_events, 6);
}

#[tokio::test]
async fn overlapping_exports_add_each_record_once() {
    let f = fixture().await;
    let exports = f.dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    std::fs::copy(data("purview/audit-export.csv"), exports.join("2026-05-19.csv")).unwrap();
    std::fs::copy(data("purview/audit-export.csv"), exports.join("2026-05-19-again.csv")).unwrap();
    assert_eq!(detect(&exports).unwrap(), SourceFormat::Purview);

    let report = import_ok(&f.store, &exports, SourceFormat::Purview).await;
    assert_eq!(report.import.files, 2);
    assert_eq!(report.records_read, 16);
    assert_eq!(report.import.usage_events_read, 14);
    assert_eq!(report.import.usage_events_new, 6);

    let again = import_ok(&f.store, &data("purview/audit-export.csv"), SourceFormat::Purview).await;
    assert_eq!(again.import.usage_events_new, 0);
    assert_eq!(again.import.tenants.total(), 0, "a known tenant is not written again");
    assert_eq!(events(&f.db).len(), 6);
}

#[tokio::test]
async fn a_known_tenant_keeps_its_name_and_the_option_names_the_tenant() {
    let f = fixture().await;
    let mut tx = f.store.begin_ingest().await.unwrap();
    tx.upsert_tenants(vec![steward_model::Tenant {
        id: TENANT.into(),
        display_name: "Contoso".into(),
        domain: Some("contoso.onmicrosoft.com".into()),
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();

    import_ok(&f.store, &data("purview/audit-export.csv"), SourceFormat::Purview).await;
    let tenants = f.store.list_tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].display_name, "Contoso");

    let other = fixture().await;
    let report =
        import(&other.store, &data("purview/audit-export.csv"), SourceFormat::Purview, Some("fabrikam")).await.unwrap();
    assert_eq!(report.import.tenants.added, 1);
    assert!(events(&other.db).iter().all(|e| e.tenant_id == "fabrikam"));
}
