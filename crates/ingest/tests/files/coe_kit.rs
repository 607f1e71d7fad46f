//! CoE Starter Kit table exports.

use crate::support::*;
use serde_json::json;
use steward_ingest::files::{SourceFormat, detect};
use steward_model::{
    ConnectorTier, EnvironmentType, PrincipalKind, ResourceKind, ResourceState, UsageKind, UsageMetric, UsagePeriod,
    UsageScope,
};
use steward_store::usage::{ResourceUsageQuery, UsageOrder};
use steward_store::{ResourceQuery, Store, UsageReads};

#[tokio::test]
async fn kit_tables_become_inventory_and_usage() {
    let f = fixture().await;
    let dir = data("coe-kit");
    assert_eq!(detect(&dir).unwrap(), SourceFormat::CoeKit);
    let report = import_ok(&f.store, &dir, SourceFormat::CoeKit).await;

    assert_eq!(report.format, SourceFormat::CoeKit);
    assert_eq!(report.import.files, 6);
    assert_eq!(report.records_read, 3 + 4 + 3 + 3 + 3 + 3);
    assert_eq!(report.records_skipped, 0);
    assert_eq!(report.import.tenants.added, 1);
    assert_eq!(report.import.environments.added, 3);
    assert_eq!(report.import.connectors.added, 4);
    assert_eq!(report.import.principals.added, 3);
    assert_eq!(report.import.resources.added, 6);
    assert_eq!((report.import.usage_records_read, report.import.usage_records_counted), (3, 3));

    // Environments: the default one keeps the `Default-{tenant}` name the APIs use.
    let default = f.store.get_environment(DEFAULT_ENV).await.unwrap().expect("default environment by its API name");
    assert_eq!(default.tenant_id, TENANT, "from admin_tenantid");
    assert_eq!(default.display_name, "Contoso (default)");
    assert_eq!(default.environment_type, EnvironmentType::Default);
    assert!(!default.has_dataverse && !default.managed);
    assert_eq!(default.created_by.as_deref(), Some(AMBER));
    let prod = f.store.get_environment(PROD_ENV).await.unwrap().unwrap();
    assert_eq!(prod.environment_type, EnvironmentType::Production);
    assert!(prod.managed, "governance protection level Standard");
    assert!(prod.has_dataverse);
    assert_eq!(prod.dataverse_url.as_deref(), Some("https://contosofin.crm4.dynamics.com/"));
    assert_eq!(prod.description.as_deref(), Some("Finance apps and approvals"));
    assert_eq!((prod.region.as_deref(), prod.state.as_deref()), (Some("europe"), Some("Enabled")));
    assert_eq!(prod.created_at, Some(at("2022-06-15T12:00:00Z")));
    assert_eq!(prod.deleted_at, None);
    let old = f.store.get_environment("0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e").await.unwrap().unwrap();
    assert_eq!(old.deleted_at, Some(at("2023-02-11T00:00:00Z")));

    // Connectors: API names as ids, custom wins over the tier.
    let connectors = f.store.list_connectors(Some(TENANT)).await.unwrap();
    let tier = |id: &str| connectors.iter().find(|c| c.id == id).map(|c| c.tier);
    assert_eq!(tier("shared_sharepointonline"), Some(ConnectorTier::Standard));
    assert_eq!(tier("shared_sql"), Some(ConnectorTier::Premium));
    assert_eq!(tier("shared_contoso-20invoices-5f2e1a"), Some(ConnectorTier::Custom));

    // Makers: orphaned makers are leavers, service principals are not users.
    let ben = f.store.get_principal(BEN).await.unwrap().unwrap();
    assert!(!ben.enabled, "marked orphaned by the kit");
    assert_eq!((ben.department.as_deref(), ben.country.as_deref()), (Some("Procurement"), Some("Germany")));
    let amber = f.store.get_principal(AMBER).await.unwrap().unwrap();
    assert!(amber.enabled);
    assert_eq!(amber.upn.as_deref(), Some("AmberR@contoso.onmicrosoft.com"));
    let spn = f.store.get_principal("c0e5e1a2-1111-4222-8333-944455566677").await.unwrap().unwrap();
    assert_eq!((spn.kind, spn.display_name.as_str()), (PrincipalKind::ServicePrincipal, "CoE Sync"));

    // Apps.
    let expenses = f.store.get_resource(EXPENSES_APP).await.unwrap().unwrap();
    assert_eq!((expenses.kind, expenses.state), (ResourceKind::CanvasApp, ResourceState::Active));
    assert_eq!(expenses.environment_id, DEFAULT_ENV);
    assert_eq!(expenses.primary_owner(), Some(AMBER));
    assert_eq!(expenses.created_at, Some(at("2024-03-15T09:30:00Z")), "Excel's US spelling");
    assert_eq!(expenses.published_at, Some(at("2026-04-20T16:50:00Z")));
    assert_eq!((expenses.shared_users, expenses.shared_groups), (12, 1));
    assert!(!expenses.shared_with_everyone && !expenses.quarantined && !expenses.uses_premium());
    let ids: Vec<&str> = expenses.connection_references.iter().map(|c| c.connector_id.as_str()).collect();
    assert_eq!(ids, ["shared_sharepointonline", "shared_office365"], "resolved by display name");
    assert_eq!(expenses.attributes.get("powerAppsType"), Some(&json!("Canvas")));
    assert_eq!(expenses.attributes.get("appPlanClassification"), Some(&json!("Standard")));
    assert_eq!(expenses.attributes.get("lastLaunchedOn"), Some(&json!("2026-05-19T09:00:00+00:00")));
    assert_eq!(expenses.deleted_at, None);

    let invoices = f.store.get_resource(INVOICE_APP).await.unwrap().unwrap();
    assert_eq!(invoices.kind, ResourceKind::ModelDrivenApp);
    assert_eq!(invoices.environment_id, PROD_ENV, "through the environment lookup");
    assert_eq!(invoices.state, ResourceState::Unknown, "never published");
    assert!(invoices.shared_with_everyone && invoices.quarantined && invoices.uses_premium());
    let tiers: Vec<(&str, ConnectorTier)> =
        invoices.connection_references.iter().map(|c| (c.connector_id.as_str(), c.tier)).collect();
    assert_eq!(
        tiers,
        [("shared_sql", ConnectorTier::Premium), ("shared_contoso-20invoices-5f2e1a", ConnectorTier::Custom)]
    );
    assert_eq!(invoices.attributes.get("unresolvedConnections"), Some(&json!(["Legacy FTP"])));

    let survey = f.store.get_resource("9d8c7b6a-5f4e-4d3c-8b2a-190817263544").await.unwrap().unwrap();
    assert_eq!(survey.deleted_at, Some(at("2025-11-02T08:00:00Z")), "rows the kit marked deleted stay, deleted");
    assert_eq!(survey.attributes.get("powerAppsType"), Some(&json!("SharePointFormApp")));

    // Flows.
    let intake = f.store.get_resource(INVOICE_FLOW).await.unwrap().unwrap();
    assert_eq!((intake.kind, intake.state), (ResourceKind::CloudFlow, ResourceState::Active));
    assert_eq!(intake.environment_id, PROD_ENV);
    assert_eq!(intake.created_by.as_deref(), Some(BEN));
    assert_eq!(intake.primary_owner(), Some(AMBER), "the kit's derived owner");
    let ids: Vec<&str> = intake.connection_references.iter().map(|c| c.connector_id.as_str()).collect();
    assert_eq!(ids, ["shared_sql", "shared_office365"], "resolved by API name");
    assert_eq!(intake.attributes.get("flowSuspensionReason"), None, "None is no reason");
    let nightly = f.store.get_resource("4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d").await.unwrap().unwrap();
    assert_eq!(nightly.state, ResourceState::Suspended);
    assert_eq!(nightly.primary_owner(), Some(AMBER), "the creator when there is no derived owner");
    assert_eq!(nightly.attributes.get("flowSuspensionReason"), Some(&json!("MissingLicense")));
    let retired = f.store.get_resource("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e").await.unwrap().unwrap();
    assert_eq!(retired.state, ResourceState::Stopped);
    assert_eq!(retired.deleted_at, Some(at("2023-02-10T08:00:00Z")), "no deletion date: the last modification");

    let live = f.store.list_resources(&ResourceQuery::default()).await.unwrap();
    assert_eq!(live.total, 4, "deleted rows are listed only on request");
    let all = f.store.list_resources(&ResourceQuery { include_deleted: true, ..Default::default() }).await.unwrap();
    assert_eq!(all.total, 6);

    // Audit rows: environment from the app, principal from the maker's UPN.
    let events = read_events(&dir, SourceFormat::CoeKit, None).await;
    assert_eq!(events.len(), 3);
    let launch = event(&events, "1a2b3c4d-0000-4000-8000-000000000001");
    assert_eq!(launch.tenant_id, TENANT);
    assert_eq!(launch.resource_id.as_deref(), Some(EXPENSES_APP));
    assert_eq!(launch.environment_id.as_deref(), Some(DEFAULT_ENV));
    assert_eq!(launch.principal_id.as_deref(), Some(AMBER));
    assert_eq!(launch.principal_upn.as_deref(), Some("AmberR@contoso.onmicrosoft.com"));
    assert_eq!((launch.kind, launch.operation.as_str()), (UsageKind::Launch, "LaunchPowerApp"));
    assert_eq!(launch.workload.as_deref(), Some("PowerApps"));
    let by_ben = event(&events, "c0c0c0c0-0000-4000-8000-000000000002");
    assert_eq!((by_ben.environment_id.as_deref(), by_ben.principal_id.as_deref()), (Some(PROD_ENV), Some(BEN)));
    let lookup_only = event(&events, "c0c0c0c0-0000-4000-8000-000000000003");
    assert_eq!(lookup_only.resource_id.as_deref(), Some(EXPENSES_APP), "from the app lookup");
    assert_eq!(lookup_only.occurred_at, at("2026-05-18T11:00:00Z"));

    // Counted into the rollups, joined with the inventory the same import brought.
    assert_eq!(ledger_records(&f.store).await, 3);
    let window = ResourceUsageQuery {
        tenant_id: Some(TENANT.into()),
        kinds: Vec::new(),
        environment_id: None,
        from: day("2026-05-01"),
        to: day("2026-05-31"),
        include_unused: false,
        order: UsageOrder::Uses,
        limit: None,
    };
    let used = f.store.resource_usage(&window).await.unwrap();
    let ids: Vec<&str> = used.iter().map(|u| u.resource_id.as_str()).collect();
    assert_eq!(ids, [EXPENSES_APP, INVOICE_APP], "most used first");
    let expenses = &used[0];
    assert_eq!((expenses.uses, expenses.unique_users, expenses.active_days), (2, 2, 2));
    assert_eq!(expenses.departments, 2, "Amber in Finance, Ben in Procurement");
    assert_eq!((expenses.first_use, expenses.last_use), (Some(day("2026-05-18")), Some(day("2026-05-19"))));
    assert_eq!(
        (expenses.display_name.as_deref(), expenses.kind),
        (Some("Expense Claims"), Some(ResourceKind::CanvasApp))
    );
    assert_eq!(expenses.environment_id.as_deref(), Some(DEFAULT_ENV));
    assert_eq!((used[1].uses, used[1].unique_users, used[1].departments), (1, 1, 1));
    // The inventory names each app's maker: Amber owns the Expenses app.
    let may = day("2026-05-18");
    assert_eq!(figures(&f.store, UsageScope::Maker, AMBER, UsagePeriod::Month, UsageMetric::Use, may).await.0, 2);

    // Importing the same export again changes nothing.
    let digest_before = digest(&f.store).await;
    let again = import_ok(&f.store, &dir, SourceFormat::CoeKit).await;
    assert_eq!(again.import.resources.unchanged, 6);
    assert_eq!(again.import.resources.added + again.import.resources.changed, 0);
    assert_eq!(again.import.environments.unchanged, 3);
    assert_eq!((again.import.usage_records_counted, again.import.usage_records_repeated), (0, 3));
    assert_eq!(digest(&f.store).await, digest_before);
}

#[tokio::test]
async fn a_single_table_needs_the_tenant_from_the_option() {
    let f = fixture().await;
    let apps = f.dir.path().join("apps-only");
    std::fs::create_dir(&apps).unwrap();
    std::fs::copy(data("coe-kit/admin_app.csv"), apps.join("admin_apps.csv")).unwrap();
    assert_eq!(detect(&apps.join("admin_apps.csv")).unwrap(), SourceFormat::CoeKit);

    let err = import(&f.store, &apps, SourceFormat::CoeKit, None).await.unwrap_err().to_string();
    assert!(err.contains("admin_environment") && err.contains("--tenant"), "{err}");

    let report = import(&f.store, &apps.join("admin_apps.csv"), SourceFormat::CoeKit, Some(TENANT)).await.unwrap();
    assert_eq!(report.import.resources.added, 3);
    let invoices = f.store.get_resource(INVOICE_APP).await.unwrap().unwrap();
    assert_eq!(invoices.environment_id, PROD_ENV, "the lookup GUID when the environment table is absent");
    assert!(invoices.connection_references.is_empty(), "no connector table to resolve names against");
    assert_eq!(
        invoices.attributes.get("unresolvedConnections"),
        Some(&json!(["SQL Server", "Contoso Invoices", "Legacy FTP"]))
    );
}

#[tokio::test]
async fn display_name_headers_and_semicolons_are_read() {
    let f = fixture().await;
    let dir = f.dir.path().join("excel");
    std::fs::create_dir(&dir).unwrap();
    // As Excel writes it in a locale whose list separator is `;`, with display-name headers.
    std::fs::write(
        dir.join("admin_maker.csv"),
        "\u{feff}Maker ID;Display Name;User Principal Name;Department\r\n\
         7ff1e0f1-e2a4-48a0-874e-34db43893df1;Amber Rodriguez;AmberR@contoso.onmicrosoft.com;Finance, Controlling\r\n",
    )
    .unwrap();
    let report = import(&f.store, &dir, SourceFormat::CoeKit, Some(TENANT)).await.unwrap();
    assert_eq!(report.import.principals.added, 1);
    let amber = f.store.get_principal(AMBER).await.unwrap().unwrap();
    assert_eq!(amber.display_name, "Amber Rodriguez");
    assert_eq!(amber.department.as_deref(), Some("Finance, Controlling"));
}

#[tokio::test]
async fn purview_and_kit_audit_rows_share_record_ids() {
    let f = fixture().await;
    import_ok(&f.store, &data("purview/audit-export.csv"), SourceFormat::Purview).await;
    let report = import_ok(&f.store, &data("coe-kit"), SourceFormat::CoeKit).await;
    assert_eq!(report.import.usage_records_counted, 2, "the kit's copy of a Purview record is the same record");
    assert_eq!(report.import.usage_records_repeated, 1);
    assert_eq!(ledger_records(&f.store).await, 6 + 2);
    // Amber's launch of the Expenses app on the 19th is in both sources and counts once.
    let may19 = day("2026-05-19");
    let expenses = f.store.daily_usage(EXPENSES_APP, may19, may19).await.unwrap();
    assert_eq!((expenses.len(), expenses[0].uses), (1, 1));
}
