//! The verbatim samples from the API research (power-platform-apis.md §2.1, §2.2, §2.3, §4.3,
//! §4.4) parse with our wire types and normalise into the model as expected.

use steward_ingest::powerplatform::normalize;
use steward_ingest::powerplatform::wire::{ListPage, audit, bap, flow, powerapps};
use steward_model::{ConnectorTier, EnvironmentType, ResourceKind, ResourceState, UsageKind};

const TENANT: &str = "tenant-under-test";

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

#[test]
fn documented_environment_list_normalises() {
    let page: ListPage<bap::Environment> = fixture("bap-environments-list.json");
    assert_eq!(page.value.len(), 1);
    assert_eq!(page.next_link, None);
    let env = normalize::environment(page.value.into_iter().next().unwrap_or_else(|| panic!("one item")), TENANT, None);
    assert_eq!(env.id, "5ca1c616-6060-46ba-abc1-18d312f1cb3a");
    assert_eq!(env.display_name, "SecurityTest");
    assert_eq!(env.environment_type, EnvironmentType::Sandbox);
    assert_eq!(env.region.as_deref(), Some("unitedstates"));
    assert!(env.has_dataverse);
    assert_eq!(env.dataverse_url.as_deref(), Some("https://org0fadb1dd.crm.dynamics.com/"));
    assert!(!env.managed);
    assert_eq!(env.state.as_deref(), Some("Enabled"));
    // Created by a service principal: not a principal Steward tracks.
    assert_eq!(env.created_by, None);
    assert_eq!(env.capacity.len(), 3);
    assert_eq!(env.capacity[0].capacity_type, "Database");
    assert!((env.capacity[0].actual_mb - 1392.68).abs() < 1e-9);
    assert_eq!(env.addons.len(), 7);
    assert_eq!(env.addons[0].addon_type, "AppPass");
    assert_eq!(env.created_at.map(|t| t.to_rfc3339()), Some("2020-10-22T04:38:17.855015700+00:00".to_string()));
}

#[test]
fn recorded_developer_environment_normalises() {
    let env: bap::Environment = fixture("bap-environment-developer.json");
    let env = normalize::environment(env, TENANT, Some("Finance".into()));
    assert_eq!(env.environment_type, EnvironmentType::Developer);
    assert_eq!(env.environment_group.as_deref(), Some("00000000-0000-0000-0000-000000000001"));
    assert_eq!(env.business_area.as_deref(), Some("Finance"));
    assert!(!env.managed, "protectionLevel Basic is not a managed environment");
    assert_eq!(env.region.as_deref(), Some("europe"));
    assert!(env.has_dataverse);
}

#[test]
fn documented_app_list_item_normalises() {
    let app: powerapps::App = fixture("powerapps-app.json");
    let r = normalize::app(app, TENANT);
    assert_eq!(r.id, "4d4bb961-eef9-4258-8516-aa8d64e6b477");
    assert_eq!(r.kind, ResourceKind::CanvasApp);
    assert_eq!(r.display_name, "Request-a-team");
    assert_eq!(r.environment_id, "default-e8954f17-a373-4b61-b54d-45c038fe3188");
    assert_eq!(r.state, ResourceState::Active);
    assert_eq!(r.primary_owner(), Some("a86f34fb-fc0b-476f-b2d3-84b2648cc87a"));
    assert_eq!(r.created_by.as_deref(), Some("a86f34fb-fc0b-476f-b2d3-84b2648cc87a"));
    assert!(r.published_at.is_some());
    assert_eq!(r.shared_users, 0);
    assert!(!r.shared_with_everyone);
    assert!(!r.quarantined);
    // Five references, four distinct connectors (SharePoint twice).
    let mut ids: Vec<_> = r.connection_references.iter().map(|c| c.connector_id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        ["shared_logicflows", "shared_office365groups", "shared_office365users", "shared_sharepointonline"]
    );
    assert!(r.connection_references.iter().all(|c| c.tier == ConnectorTier::Standard));
    assert!(!r.uses_premium());
    assert_eq!(r.attributes.get("appType").and_then(|v| v.as_str()), Some("ClassicCanvasApp"));
    assert_eq!(r.attributes.get("appPlanClassification").and_then(|v| v.as_str()), Some("Standard"));
    assert_eq!(r.attributes.get("usesPremiumApi").and_then(|v| v.as_bool()), Some(false));
}

#[test]
fn recorded_admin_flow_list_normalises() {
    let page: ListPage<flow::Flow> = fixture("flow-admin-list.json");
    let r = normalize::flow(page.value.into_iter().next().unwrap_or_else(|| panic!("one flow")), TENANT);
    assert_eq!(r.id, "fc2d4ef5-4151-4e93-9aaa-1f380d7ed95d");
    assert_eq!(r.kind, ResourceKind::CloudFlow);
    assert_eq!(r.display_name, "Invoicing flow");
    assert_eq!(r.state, ResourceState::Active);
    assert_eq!(r.environment_id, "default-1e852b49-bf4b-4ba5-bcd4-a8c4706c8ed4");
    assert_eq!(r.primary_owner(), Some("9723d9b0-b8d6-48af-b381-fb4a9f0403e4"));
    assert!(r.connection_references.is_empty());
    assert_eq!(r.attributes.get("flowSuspensionReason"), None, "\"None\" is not a reason");
}

#[test]
fn maker_flow_item_with_custom_connector_normalises() {
    let f: flow::Flow = fixture("flow-maker-item.json");
    let r = normalize::flow(f, TENANT);
    assert_eq!(r.display_name, "Contoso Invoicing Flow");
    let tiers: Vec<_> = r.connection_references.iter().map(|c| (c.connector_id.as_str(), c.tier)).collect();
    assert_eq!(
        tiers,
        [
            ("shared_contoso-20invoicing-5fdd00e4805bfffb8f-5fbaee43593a7efda0", ConnectorTier::Custom),
            ("shared_flowpush", ConnectorTier::Standard),
        ]
    );
    assert!(r.uses_premium(), "custom connectors need premium licences");
    assert_eq!(r.attributes.get("triggerType").and_then(|v| v.as_str()), Some("Request"));
    assert_eq!(r.attributes.get("triggerKind").and_then(|v| v.as_str()), Some("Button"));
    assert_eq!(r.attributes.get("actionCount").and_then(|v| v.as_u64()), Some(3));
}

#[test]
fn launch_record_in_property_collection_form_becomes_a_launch() {
    let record: audit::AuditRecord = fixture("audit-launch-powerplatform.json");
    let e = normalize::audit_record(record, TENANT);
    assert_eq!(e.id, "e2a84675-8952-4d91-a2ea-4d89f310f1a7");
    assert_eq!(e.kind, UsageKind::Launch);
    assert_eq!(e.operation, "LaunchPowerApp");
    assert_eq!(e.resource_id.as_deref(), Some("6c39e97c-6ddd-4a37-afd4-494a605925cf"));
    assert_eq!(e.environment_id.as_deref(), Some("aa289efd-09f4-eaeb-bbb8-c08fc9e27d09"));
    assert_eq!(e.principal_id.as_deref(), Some("7ff1e0f1-e2a4-48a0-874e-34db43893df1"));
    assert_eq!(e.principal_upn.as_deref(), Some("AmberR@CONTOSO.OnMicrosoft.com"));
    assert_eq!(e.workload.as_deref(), Some("PowerPlatform"));
    assert_eq!(e.occurred_at.to_rfc3339(), "2026-05-19T13:17:34+00:00");
}

#[test]
fn flow_record_becomes_a_create_of_the_flow() {
    let record: audit::AuditRecord = fixture("audit-create-flow.json");
    let e = normalize::audit_record(record, TENANT);
    assert_eq!(e.kind, UsageKind::Create);
    assert_eq!(e.resource_id.as_deref(), Some("<flow id>"));
    assert_eq!(e.environment_id.as_deref(), Some("<env>"));
    assert_eq!(e.principal_id.as_deref(), Some("7ff1e0f1-e2a4-48a0-874e-34db43893df1"));
    assert_eq!(e.principal_upn.as_deref(), Some("amberr@contoso.onmicrosoft.com"));
    assert_eq!(e.workload.as_deref(), Some("MicrosoftFlow"));
}

#[test]
fn legacy_launch_record_and_unknown_operations_are_read() {
    let legacy = r#"{"CreationTime":"2026-05-19T13:17:34","Id":"A1","Operation":"LaunchPowerApp","RecordType":45,
        "Workload":"PowerApps","UserKey":"U1","UserId":"u@x","AppName":"APP-1",
        "AdditionalInfo":"{\"environmentName\":\"Default-T\"}","SomethingNew":[1,2]}"#;
    let e = normalize::audit_record(serde_json::from_str(legacy).unwrap_or_else(|e| panic!("{e}")), TENANT);
    assert_eq!(
        (e.kind, e.resource_id.as_deref(), e.environment_id.as_deref()),
        (UsageKind::Launch, Some("app-1"), Some("default-t"))
    );
    assert_eq!(e.id, "a1");
    let unknown = r#"{"CreationTime":"2026-05-19T13:17:34Z","Id":"B2","Operation":"SomethingElse","Workload":"PowerApps",
        "AdditionalInfo":{"environmentName":"E"}}"#;
    let e = normalize::audit_record(serde_json::from_str(unknown).unwrap_or_else(|e| panic!("{e}")), TENANT);
    assert_eq!((e.kind, e.operation.as_str()), (UsageKind::Other, "SomethingElse"));
    assert_eq!(e.environment_id.as_deref(), Some("e"));
}
