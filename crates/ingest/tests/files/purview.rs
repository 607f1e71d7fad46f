//! Purview audit-log search exports.

use crate::support::*;
use steward_ingest::files::{SourceFormat, detect};
use steward_model::{UsageEvent, UsageKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::{Store, UsageReads};

#[tokio::test]
async fn every_record_form_is_normalised() {
    let path = data("purview/audit-export.csv");
    let events = read_events(&path, SourceFormat::Purview, None).await;
    assert_eq!(events.len(), 7, "every Power Platform record, the repeat too: {events:#?}");
    assert!(events.iter().all(|e| e.tenant_id == TENANT), "from OrganizationId");
    assert!(!events.iter().any(|e| e.operation == "MailItemsAccessed"), "Exchange is not Power Platform");

    // Legacy Power Apps record: app in AppName, environment in AdditionalInfo (a JSON string),
    // ids lowercased.
    let legacy = event(&events, "1a2b3c4d-0000-4000-8000-000000000001");
    assert_eq!(
        legacy,
        &UsageEvent {
            id: "1a2b3c4d-0000-4000-8000-000000000001".into(),
            tenant_id: TENANT.into(),
            occurred_at: at("2026-05-19T09:00:00Z"),
            principal_id: Some(AMBER.into()),
            principal_upn: Some("AmberR@contoso.onmicrosoft.com".into()),
            resource_id: Some(EXPENSES_APP.into()),
            environment_id: Some(DEFAULT_ENV.into()),
            kind: UsageKind::Launch,
            operation: "LaunchPowerApp".into(),
            workload: Some("PowerApps".into()),
        }
    );
    assert_eq!(events.iter().filter(|e| e.id == legacy.id).count(), 2, "the export repeats it");

    // New Power Platform record: everything in PropertyCollection and EnvironmentId.
    let platform = event(&events, "e2a84675-8952-4d91-a2ea-4d89f310f1a7");
    assert_eq!(platform.resource_id.as_deref(), Some(INVOICE_APP));
    assert_eq!(platform.environment_id.as_deref(), Some(PROD_ENV));
    assert_eq!(platform.principal_id.as_deref(), Some(BEN));
    assert_eq!(platform.principal_upn.as_deref(), Some("ben@contoso.onmicrosoft.com"));
    assert_eq!(platform.occurred_at, at("2026-05-19T13:17:34Z"));
    assert_eq!((platform.kind, platform.workload.as_deref()), (UsageKind::Launch, Some("PowerPlatform")));

    // Power Automate: flow in ObjectId, environment in FlowDetailsUrl.
    let flow = event(&events, "00000000-0000-0000-0000-0000000000c1");
    assert_eq!(flow.resource_id.as_deref(), Some(INVOICE_FLOW));
    assert_eq!(flow.environment_id.as_deref(), Some(PROD_ENV));
    assert_eq!((flow.kind, flow.operation.as_str()), (UsageKind::Create, "CreateFlow"));

    // An operation Steward does not interpret is kept, as `other`.
    let unknown = event(&events, "d1d1d1d1-0000-4000-8000-0000000000d1");
    assert_eq!((unknown.kind, unknown.operation.as_str()), (UsageKind::Other, "EnvironmentAddedToEnvironmentGroup"));
    assert_eq!(unknown.environment_id.as_deref(), Some(PROD_ENV));
    assert_eq!(unknown.resource_id, None);

    // AuditData pretty-printed over several lines (a quoted multi-line CSV field), with
    // AdditionalInfo as an object.
    let deleted = event(&events, "1a2b3c4d-0000-4000-8000-0000000000a7");
    assert_eq!((deleted.kind, deleted.environment_id.as_deref()), (UsageKind::Delete, Some(DEFAULT_ENV)));

    // A record without Id and CreationTime takes RecordId and CreationDate (US spelling) from the row.
    let published = event(&events, "1a2b3c4d-0000-4000-8000-0000000000a8");
    assert_eq!(published.occurred_at, at("2026-05-19T13:20:00Z"));
    assert_eq!((published.kind, published.resource_id.as_deref()), (UsageKind::Publish, Some(EXPENSES_APP)));
}

#[tokio::test]
async fn export_is_counted_into_the_rollups() {
    let f = fixture().await;
    let path = data("purview/audit-export.csv");
    assert_eq!(detect(&path).unwrap(), SourceFormat::Purview);
    let report = import_ok(&f.store, &path, SourceFormat::Purview).await;

    assert_eq!(report.format, SourceFormat::Purview);
    assert_eq!(report.records_read, 8);
    assert_eq!(report.records_skipped, 1, "the Exchange record is not Power Platform activity");
    assert_eq!(report.import.usage_records_read, 7);
    // Two launches, a flow created and an app published; the repeated launch is counted once,
    // the deletion and the uninterpreted operation are seen but counted in no rollup.
    assert_eq!(report.import.usage_records_counted, 4);
    assert_eq!(report.import.usage_records_repeated, 1);
    assert_eq!(report.import.usage_records_not_counted, 2);
    assert_eq!(report.import.usage_records_past_retention, 0);
    assert_eq!(report.import.tenants.added, 1);
    assert_eq!(report.import.files, 1);
    assert_eq!(report.import.resources.total(), 0);

    let tenants = f.store.list_tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(tenants[0].id, TENANT, "from OrganizationId");
    assert_eq!(tenants[0].display_name, TENANT, "an export does not name the tenant");

    assert_eq!(ledger_records(&f.store).await, 6, "every distinct record, counted in a rollup or not");
    assert_eq!(f.store.overview(None).await.unwrap().usage_events, 6);

    // Each launch counts once for its app and its environment, though the export repeats one.
    let may19 = day("2026-05-19");
    let expenses = f.store.daily_usage(EXPENSES_APP, may19, may19).await.unwrap();
    assert_eq!(expenses.len(), 1, "{expenses:#?}");
    assert_eq!((expenses[0].day, expenses[0].uses, expenses[0].unique_users), (may19, 1, 1));
    let invoices = f.store.daily_usage(INVOICE_APP, may19, may19).await.unwrap();
    assert_eq!((invoices.len(), invoices[0].uses), (1, 1));
    for period in [UsagePeriod::Day, UsagePeriod::Week, UsagePeriod::Month] {
        assert_eq!(
            figures(&f.store, UsageScope::Environment, DEFAULT_ENV, period, UsageMetric::Use, may19).await,
            (1, 1)
        );
        assert_eq!(figures(&f.store, UsageScope::Environment, PROD_ENV, period, UsageMetric::Use, may19).await, (1, 1));
        assert_eq!(figures(&f.store, UsageScope::Tenant, TENANT, period, UsageMetric::Use, may19).await, (2, 2));
        // The flow Ben created and the app Amber published; the deletion is no maker activity.
        assert_eq!(figures(&f.store, UsageScope::Tenant, TENANT, period, UsageMetric::Make, may19).await, (2, 2));
    }
    assert_eq!(
        figures(&f.store, UsageScope::Environment, PROD_ENV, UsagePeriod::Day, UsageMetric::Make, may19).await,
        (1, 1)
    );
    let week = rollup(&f.store, UsageScope::Tenant, TENANT, UsagePeriod::Week, UsageMetric::Use, may19).await.unwrap();
    assert_eq!(week.start, day("2026-05-18"), "ISO weeks start on Monday");
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
    assert_eq!(report.import.usage_records_read, 14);
    assert_eq!(report.import.usage_records_counted, 4);
    assert_eq!(report.import.usage_records_repeated, 1 + 7, "the repeat in the first file, all of the second");
    assert_eq!(report.import.usage_records_not_counted, 2);
    let digest_before = digest(&f.store).await;

    let again = import_ok(&f.store, &data("purview/audit-export.csv"), SourceFormat::Purview).await;
    assert_eq!(again.import.usage_records_counted, 0);
    assert_eq!((again.import.usage_records_repeated, again.import.usage_records_not_counted), (7, 0));
    assert_eq!(again.import.tenants.total(), 0, "a known tenant is not written again");
    assert_eq!(ledger_records(&f.store).await, 6);
    assert_eq!(digest(&f.store).await, digest_before, "a replayed export changes no rollup");
    let may19 = day("2026-05-19");
    assert_eq!(figures(&f.store, UsageScope::Tenant, TENANT, UsagePeriod::Day, UsageMetric::Use, may19).await, (2, 2));
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
    let path = data("purview/audit-export.csv");
    let report = import(&other.store, &path, SourceFormat::Purview, Some("fabrikam")).await.unwrap();
    assert_eq!(report.import.tenants.added, 1);
    assert!(
        read_events(&path, SourceFormat::Purview, Some("fabrikam")).await.iter().all(|e| e.tenant_id == "fabrikam")
    );
    let may19 = day("2026-05-19");
    assert_eq!(
        figures(&other.store, UsageScope::Tenant, "fabrikam", UsagePeriod::Day, UsageMetric::Use, may19).await,
        (2, 2)
    );
    assert_eq!(
        figures(&other.store, UsageScope::Tenant, TENANT, UsagePeriod::Day, UsageMetric::Use, may19).await,
        (0, 0)
    );
}

#[tokio::test]
async fn records_of_days_past_the_retention_are_refused_and_reported() {
    let f = fixture().await;
    let path = data("purview/audit-export.csv");
    import_ok(&f.store, &path, SourceFormat::Purview).await;
    let may19 = day("2026-05-19");
    let before = figures(&f.store, UsageScope::Tenant, TENANT, UsagePeriod::Day, UsageMetric::Use, may19).await;
    // Retention drops the ledger of the 19th (keeping its rollups): whether a record of that
    // day was counted can no longer be told, so a late or replayed export must not count it.
    f.store.prune_usage(TENANT, Some(day("2026-05-20")), None).await.unwrap();

    let late = import_ok(&f.store, &path, SourceFormat::Purview).await;
    assert_eq!(late.import.usage_records_past_retention, 7, "{:?}", late.import);
    assert_eq!(late.import.usage_records_counted + late.import.usage_records_repeated, 0);
    assert_eq!(figures(&f.store, UsageScope::Tenant, TENANT, UsagePeriod::Day, UsageMetric::Use, may19).await, before);
}
