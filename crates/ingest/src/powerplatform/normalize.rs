//! Wire records → `steward_model`. Pure functions, no I/O, shared by the directory importer and
//! the live connector so that both produce identical rows from identical JSON.
//!
//! Identifiers are lowercased: the APIs spell the same environment `Default-<tenant>` in one
//! place and `default-<tenant>` in another (audit `PropertyCollection`), and GUID case varies.

use super::wire::{audit, bap, dataverse, flow, graph, powerapps};
use serde_json::{Map, Value};
use steward_model::{
    Addon, Capacity, ConnectionReference, Connector, ConnectorGroup, ConnectorTier, DataPolicy, Environment,
    EnvironmentType, Owner, POWER_PLATFORM, PolicyEnvironmentScope, Principal, PrincipalKind, Resource, ResourceKind,
    ResourceState, Share, ShareRole, ShareTarget, UsageEvent, UsageKind,
};

/// The Steward id of an environment named `name` by the Power Platform APIs.
pub fn environment_id(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// `shared_sharepointonline` from `/providers/microsoft.powerapps/apis/shared_sharepointonline`
/// (or from the bare name).
pub fn connector_id(api_id: &str) -> String {
    api_id.rsplit('/').next().unwrap_or(api_id).to_ascii_lowercase()
}

/// `environmentSku` (and `isDefault`) → [`EnvironmentType`].
pub fn environment_type(sku: Option<&str>, is_default: bool) -> EnvironmentType {
    if is_default {
        return EnvironmentType::Default;
    }
    match sku.map(str::to_ascii_lowercase).as_deref() {
        Some("default") => EnvironmentType::Default,
        Some("production") => EnvironmentType::Production,
        Some("sandbox") => EnvironmentType::Sandbox,
        Some("trial") | Some("subscriptionbasedtrial") => EnvironmentType::Trial,
        Some("developer") => EnvironmentType::Developer,
        Some("teams") => EnvironmentType::Teams,
        _ => EnvironmentType::Other,
    }
}

pub fn environment(env: bap::Environment, tenant_id: &str, business_area: Option<String>) -> Environment {
    let p = env.properties;
    let environment_type = environment_type(p.environment_sku.as_deref(), p.is_default);
    let managed = p
        .governance_configuration
        .as_ref()
        .and_then(|g| g.protection_level.as_deref())
        .is_some_and(|level| level.eq_ignore_ascii_case("Standard"));
    let created_by = p
        .created_by
        .filter(|c| c.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("User")))
        .map(|c| c.id.to_ascii_lowercase());
    Environment {
        id: environment_id(&env.name),
        tenant_id: tenant_id.to_string(),
        platform: POWER_PLATFORM.to_string(),
        display_name: p.display_name,
        description: p.description.filter(|d| !d.is_empty()),
        environment_type,
        region: env.location,
        managed,
        has_dataverse: p.linked_environment_metadata.is_some(),
        dataverse_url: p.linked_environment_metadata.and_then(|m| m.instance_url),
        environment_group: p.parent_environment_group.map(|g| g.id.to_ascii_lowercase()),
        business_area,
        state: p.states.and_then(|s| s.runtime).map(|r| r.id),
        created_at: p.created_time,
        modified_at: p.last_modified_time,
        created_by,
        capacity: p
            .capacity
            .into_iter()
            .map(|c| Capacity {
                capacity_type: c.capacity_type,
                actual_mb: c.actual_consumption,
                rated_mb: c.rated_consumption,
            })
            .collect(),
        addons: p
            .addons
            .into_iter()
            .map(|a| Addon { addon_type: a.addon_type, allocated: a.allocated, unit: a.addon_unit.unwrap_or_default() })
            .collect(),
        deleted_at: None,
    }
}

pub fn connector(api: powerapps::Api, tenant_id: &str) -> Connector {
    let p = api.properties;
    let tier = if p.is_custom_api {
        ConnectorTier::Custom
    } else if p.tier.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("Premium")) {
        ConnectorTier::Premium
    } else {
        ConnectorTier::Standard
    };
    let environment_id = if p.is_custom_api { p.environment.map(|e| environment_id(&e.name)) } else { None };
    Connector {
        id: connector_id(&api.name),
        tenant_id: tenant_id.to_string(),
        platform: POWER_PLATFORM.to_string(),
        display_name: p.display_name,
        tier,
        publisher: p.publisher,
        environment_id,
    }
}

pub fn data_policy(def: bap::PolicyDefinition, tenant_id: &str) -> DataPolicy {
    let scope = match def.environment_type.as_str() {
        "ExceptEnvironments" => PolicyEnvironmentScope::ExceptEnvironments,
        "OnlyEnvironments" | "SingleEnvironment" => PolicyEnvironmentScope::OnlyEnvironments,
        _ => PolicyEnvironmentScope::AllEnvironments,
    };
    DataPolicy {
        id: def.name.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        platform: POWER_PLATFORM.to_string(),
        display_name: def.display_name,
        scope,
        environment_ids: def.environments.iter().map(|e| environment_id(&e.name)).collect(),
        default_classification: def.default_connectors_classification,
        connector_groups: def
            .connector_groups
            .unwrap_or_default()
            .into_iter()
            .map(|g| ConnectorGroup {
                classification: g.classification,
                connector_ids: g.connectors.iter().map(|c| connector_id(&c.id)).collect(),
            })
            .collect(),
        created_at: def.created_time,
        modified_at: def.last_modified_time,
    }
}

pub fn user(u: graph::User, tenant_id: &str) -> Principal {
    Principal {
        id: u.id.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        kind: PrincipalKind::User,
        display_name: u.display_name.unwrap_or_default(),
        upn: u.user_principal_name.or(u.mail),
        department: u.department,
        country: u.country,
        job_title: u.job_title,
        manager_id: u.manager.map(|m| m.id.to_ascii_lowercase()),
        // Graph leaves accountEnabled out unless selected; absent means we cannot call them a leaver.
        enabled: u.account_enabled.unwrap_or(true),
        deleted_at: None,
    }
}

fn share_role(role: &str) -> ShareRole {
    match role {
        "Owner" => ShareRole::Owner,
        "CanEdit" => ShareRole::CanEdit,
        _ => ShareRole::CanView,
    }
}

fn owner(id: &str) -> Owner {
    Owner { principal_id: id.to_ascii_lowercase(), role: ShareRole::Owner }
}

/// Appends a connection reference unless the connector is already listed (apps list one
/// reference per connection, so the same connector can appear several times).
fn push_reference(refs: &mut Vec<ConnectionReference>, api_id: &str, display_name: String, tier: ConnectorTier) {
    let connector_id = connector_id(api_id);
    if !refs.iter().any(|r| r.connector_id == connector_id) {
        refs.push(ConnectionReference { connector_id, display_name, tier });
    }
}

fn put(attributes: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        attributes.insert(key.to_string(), v.into());
    }
}

/// `appType` → [`ResourceKind`].
pub fn app_kind(app_type: Option<&str>) -> ResourceKind {
    match app_type {
        Some(t) if t.contains("ModelDriven") => ResourceKind::ModelDrivenApp,
        Some(t) if t.contains("CodeApp") => ResourceKind::CodeApp,
        _ => ResourceKind::CanvasApp,
    }
}

pub fn app(app: powerapps::App, tenant_id: &str) -> Resource {
    let p = app.properties;
    let kind = app_kind(app.app_type.as_deref());
    let state = match p.life_cycle_id.as_deref() {
        Some("Published") => ResourceState::Active,
        Some("Draft") => ResourceState::Draft,
        None if p.last_publish_time.is_some() => ResourceState::Active,
        _ => ResourceState::Unknown,
    };
    let mut connection_references = Vec::with_capacity(p.connection_references.len());
    for r in p.connection_references.into_values() {
        let tier = if r.is_custom_api_connection {
            ConnectorTier::Custom
        } else if r.api_tier.as_deref() == Some("Premium") {
            ConnectorTier::Premium
        } else {
            ConnectorTier::Standard
        };
        push_reference(&mut connection_references, &r.id, r.display_name, tier);
    }
    let mut sharing = Vec::new();
    let mut shared_with_everyone = false;
    for perm in p.permissions.unwrap_or_default() {
        let role = share_role(&perm.properties.role_name);
        let principal = perm.properties.principal;
        let target = match principal.kind.as_str() {
            "Tenant" => {
                shared_with_everyone = true;
                ShareTarget::Everyone
            }
            "Group" => ShareTarget::Group,
            _ => ShareTarget::User,
        };
        if role == ShareRole::Owner {
            continue;
        }
        let principal_id = if target == ShareTarget::Everyone {
            String::new()
        } else {
            principal.id.unwrap_or_default().to_ascii_lowercase()
        };
        sharing.push(Share { target, principal_id, role });
    }
    let mut attributes = Map::new();
    put(&mut attributes, "appType", app.app_type);
    put(&mut attributes, "appPlanClassification", p.app_plan_classification);
    put(&mut attributes, "usesPremiumApi", p.uses_premium_api);
    put(&mut attributes, "usesCustomApi", p.uses_custom_api);
    put(&mut attributes, "isFeaturedApp", p.is_featured_app);
    put(&mut attributes, "isHeroApp", p.is_hero_app);
    put(&mut attributes, "almMode", p.alm_mode);
    put(&mut attributes, "lifeCycleId", p.life_cycle_id);
    put(&mut attributes, "isAppComponentLibrary", app.is_app_component_library);
    Resource {
        id: app.name.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        environment_id: environment_id(&p.environment.name),
        platform: POWER_PLATFORM.to_string(),
        kind,
        display_name: p.display_name,
        description: p.description.filter(|d| !d.is_empty()),
        state,
        created_at: p.created_time,
        modified_at: p.last_modified_time,
        published_at: p.last_publish_time,
        created_by: p.created_by.map(|c| c.id.to_ascii_lowercase()),
        owners: p.owner.map(|o| vec![owner(&o.id)]).unwrap_or_default(),
        sharing,
        shared_users: p.shared_users_count,
        shared_groups: p.shared_groups_count,
        shared_with_everyone,
        connection_references,
        solution_id: None,
        quarantined: p.execution_restrictions.is_some_and(|r| r.is_temporarily_disabled),
        attributes,
        deleted_at: None,
    }
}

/// Flow `state` → [`ResourceState`].
pub fn flow_state(state: &str) -> ResourceState {
    match state {
        "Started" => ResourceState::Active,
        "Stopped" => ResourceState::Stopped,
        "Suspended" => ResourceState::Suspended,
        _ => ResourceState::Unknown,
    }
}

/// A flow action that calls an arbitrary HTTP endpoint: types `Http` and `HttpWebhook`, in any
/// case (connector actions are `OpenApiConnection…`, the HTTP trigger is a `Request`).
fn is_http_action(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("Http") || kind.eq_ignore_ascii_case("HttpWebhook")
}

pub fn flow(f: flow::Flow, tenant_id: &str) -> Resource {
    let p = f.properties;
    let mut connection_references = Vec::with_capacity(p.connection_references.len());
    for r in p.connection_references.into_values() {
        // Custom connectors carry `NotSpecified` in flow connection references.
        let tier = match r.tier.as_deref() {
            Some("Standard") => ConnectorTier::Standard,
            Some("Premium") => ConnectorTier::Premium,
            _ => ConnectorTier::Custom,
        };
        push_reference(&mut connection_references, &r.id, r.display_name, tier);
    }
    let mut attributes = Map::new();
    put(&mut attributes, "flowSuspensionReason", p.flow_suspension_reason.filter(|r| r != "None"));
    if let Some(summary) = p.definition_summary {
        if let Some(trigger) = summary.triggers.into_iter().next() {
            put(&mut attributes, "triggerType", Some(trigger.kind));
            put(&mut attributes, "triggerKind", trigger.trigger_kind);
        }
        attributes.insert("actionCount".into(), summary.actions.len().into());
        // HTTP actions call any endpoint, past connector data policies (the governance pack's
        // `http_actions` fact).
        let http = summary.actions.iter().filter(|a| is_http_action(&a.kind)).count();
        attributes.insert("httpActionCount".into(), http.into());
    }
    put(&mut attributes, "isManaged", p.is_managed);
    let created_by = p.creator.map(|c| c.object_id.to_ascii_lowercase());
    Resource {
        id: f.name.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        environment_id: environment_id(&p.environment.name),
        platform: POWER_PLATFORM.to_string(),
        kind: ResourceKind::CloudFlow,
        display_name: p.display_name,
        description: None,
        state: flow_state(&p.state),
        created_at: p.created_time,
        modified_at: p.last_modified_time,
        published_at: None,
        owners: created_by.iter().map(|id| owner(id)).collect(),
        created_by,
        sharing: Vec::new(),
        shared_users: 0,
        shared_groups: 0,
        shared_with_everyone: false,
        connection_references,
        solution_id: None,
        quarantined: false,
        attributes,
        deleted_at: None,
    }
}

pub fn bot(b: dataverse::Bot, tenant_id: &str, environment_id: &str) -> Resource {
    let state = match (b.statecode, b.publishedon.is_some()) {
        (0, true) => ResourceState::Active,
        (0, false) => ResourceState::Draft,
        (1, _) => ResourceState::Stopped,
        _ => ResourceState::Unknown,
    };
    let mut attributes = Map::new();
    put(&mut attributes, "schemaname", b.schemaname);
    put(&mut attributes, "language", b.language);
    put(&mut attributes, "authenticationmode", b.authenticationmode);
    put(&mut attributes, "accesscontrolpolicy", b.accesscontrolpolicy);
    put(&mut attributes, "ismanaged", b.ismanaged);
    Resource {
        id: b.botid.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        environment_id: environment_id.to_string(),
        platform: POWER_PLATFORM.to_string(),
        kind: ResourceKind::Agent,
        display_name: b.name,
        description: None,
        state,
        created_at: b.createdon,
        modified_at: b.modifiedon,
        published_at: b.publishedon,
        created_by: b.createdby_value.map(|c| c.to_ascii_lowercase()),
        owners: b.ownerid_value.iter().map(|id| owner(id)).collect(),
        sharing: Vec::new(),
        shared_users: 0,
        shared_groups: 0,
        shared_with_everyone: false,
        connection_references: Vec::new(),
        solution_id: b.solutionid_value.map(|s| s.to_ascii_lowercase()),
        quarantined: false,
        attributes,
        deleted_at: None,
    }
}

pub fn desktop_flow(w: dataverse::Workflow, tenant_id: &str, environment_id: &str) -> Resource {
    let state = match w.statecode {
        1 => ResourceState::Active,
        0 => ResourceState::Draft,
        2 => ResourceState::Suspended,
        _ => ResourceState::Unknown,
    };
    let mut attributes = Map::new();
    attributes.insert("category".into(), w.category.into());
    put(&mut attributes, "uiflowtype", w.uiflowtype);
    Resource {
        id: w.workflowid.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        environment_id: environment_id.to_string(),
        platform: POWER_PLATFORM.to_string(),
        kind: ResourceKind::DesktopFlow,
        display_name: w.name,
        description: w.description.filter(|d| !d.is_empty()),
        state,
        created_at: w.createdon,
        modified_at: w.modifiedon,
        published_at: None,
        created_by: w.createdby_value.map(|c| c.to_ascii_lowercase()),
        owners: w.ownerid_value.iter().map(|id| owner(id)).collect(),
        sharing: Vec::new(),
        shared_users: 0,
        shared_groups: 0,
        shared_with_everyone: false,
        connection_references: Vec::new(),
        solution_id: None,
        quarantined: false,
        attributes,
        deleted_at: None,
    }
}

/// Audit `Operation` → [`UsageKind`]; operations Steward does not interpret are `Other`.
pub fn usage_kind(operation: &str) -> UsageKind {
    match operation {
        "LaunchPowerApp" => UsageKind::Launch,
        "CreatePowerApp" | "CreateFlow" => UsageKind::Create,
        "EditFlow" | "UpdatePowerApp" | "EditPowerApp" => UsageKind::Edit,
        "PublishPowerApp" => UsageKind::Publish,
        "DeletePowerApp" | "AdminDeleteApp" | "DeleteFlow" => UsageKind::Delete,
        "PowerAppPermissionEdited" => UsageKind::Share,
        _ => UsageKind::Other,
    }
}

/// The environment named in a `FlowDetailsUrl` (`…/environments/{env}/flows/{flow}/flowDetails`).
pub fn environment_from_flow_url(url: &str) -> Option<&str> {
    let rest = &url[url.find("/environments/")? + "/environments/".len()..];
    rest.split('/').next().filter(|s| !s.is_empty())
}

fn lower(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_ascii_lowercase)
}

pub fn audit_record(r: audit::AuditRecord, tenant_id: &str) -> UsageEvent {
    use audit::property;
    let is_flow = r.workload.as_deref() == Some("MicrosoftFlow") || r.record_type == audit::RECORD_TYPE_MICROSOFT_FLOW;
    let operation = if r.operation.is_empty() {
        r.property(property::ACTIVITY_NAME).unwrap_or_default().to_string()
    } else {
        r.operation.clone()
    };
    let resource_id = lower(r.app_name.as_deref())
        .or_else(|| lower(r.property(property::APP_ID)))
        .or_else(|| if is_flow { lower(r.object_id.as_deref()) } else { None })
        .or_else(|| lower(r.additional_info.as_ref().and_then(|a| a.target_object_id.as_deref())));
    let environment_id = lower(r.environment_id.as_deref())
        .or_else(|| lower(r.property(property::ENVIRONMENT_ID)))
        .or_else(|| lower(r.additional_info.as_ref().and_then(|a| a.environment_name.as_deref())))
        .or_else(|| lower(r.flow_details_url.as_deref().and_then(environment_from_flow_url)));
    let principal_id = lower(r.user_key.as_deref()).or_else(|| lower(r.property(property::USER_ID)));
    let principal_upn = r
        .user_id
        .clone()
        .filter(|u| !u.is_empty())
        .or_else(|| r.property(property::USER_PRINCIPAL_NAME).map(str::to_string))
        .or_else(|| r.user_upn.clone());
    UsageEvent {
        id: r.id.to_ascii_lowercase(),
        tenant_id: tenant_id.to_string(),
        occurred_at: r.creation_time,
        principal_id,
        principal_upn,
        resource_id,
        environment_id,
        kind: usage_kind(&operation),
        operation,
        workload: r.workload,
    }
}

#[cfg(test)]
mod tests {
    //! The fallbacks of [`audit_record`] that the sample exports and the synthetic feed do not
    //! exercise; the three common record forms are tested end to end from files
    //! (`tests/files/purview.rs`).

    use super::*;
    use steward_model::{UsageKind, UsageMetric};

    fn event(json: serde_json::Value) -> UsageEvent {
        let record: audit::AuditRecord = serde_json::from_value(json).unwrap();
        audit_record(record, "t1")
    }

    #[test]
    fn property_collection_stands_in_for_missing_top_level_fields() {
        let e = event(serde_json::json!({
            "Id": "AB-1",
            "CreationTime": "2026-05-19T13:17:34",
            "Operation": "",
            "RecordType": 256,
            "Workload": "PowerPlatform",
            "PropertyCollection": [
                {"Name": "powerplatform.analytics.activity.name", "Value": "LaunchPowerApp"},
                {"Name": "powerplatform.analytics.resource.power_app.id", "Value": "APP-1"},
                {"Name": "powerplatform.analytics.resource.environment.id", "Value": "ENV-1"},
                {"Name": "enduser.id", "Value": "USER-1"},
                {"Name": "enduser.principal_name", "Value": "Ben@Contoso.com"}
            ]
        }));
        assert_eq!(e.id, "ab-1", "ids compare without case");
        assert_eq!(e.tenant_id, "t1");
        assert_eq!((e.kind, e.operation.as_str()), (UsageKind::Launch, "LaunchPowerApp"), "the activity name");
        assert_eq!(e.resource_id.as_deref(), Some("app-1"));
        assert_eq!(e.environment_id.as_deref(), Some("env-1"));
        assert_eq!(e.principal_id.as_deref(), Some("user-1"));
        assert_eq!(e.principal_upn.as_deref(), Some("Ben@Contoso.com"), "the UPN as written");
        assert_eq!(e.occurred_at.to_rfc3339(), "2026-05-19T13:17:34+00:00", "audit times are UTC");
    }

    #[test]
    fn flows_count_their_http_actions() {
        let flow: flow::Flow = serde_json::from_value(serde_json::json!({
            "name": "F-1",
            "properties": {
                "displayName": "Sync", "state": "Started",
                "environment": {"name": "Default-T1"},
                "definitionSummary": {
                    "triggers": [{"type": "Request", "kind": "Http"}],
                    "actions": [
                        {"type": "Http"}, {"type": "OpenApiConnection", "swaggerOperationId": "GetItems"},
                        {"type": "httpwebhook"}, {"type": "HTTP"}, {"type": "Table"}
                    ]
                }
            }
        }))
        .unwrap();
        let r = super::flow(flow, "t1");
        assert_eq!(r.attributes.get("actionCount"), Some(&serde_json::json!(5)));
        assert_eq!(
            r.attributes.get("httpActionCount"),
            Some(&serde_json::json!(3)),
            "the HTTP trigger is not an action"
        );

        let bare: flow::Flow = serde_json::from_value(serde_json::json!({
            "name": "F-2",
            "properties": {"displayName": "Bare", "state": "Stopped", "environment": {"name": "Default-T1"}}
        }))
        .unwrap();
        assert_eq!(super::flow(bare, "t1").attributes.get("httpActionCount"), None, "unknown without a summary");
    }

    #[test]
    fn object_id_is_the_resource_only_of_flow_records() {
        let app = event(serde_json::json!({
            "Id": "a", "CreationTime": "2026-05-19T10:00:00", "Operation": "PowerAppPermissionEdited",
            "RecordType": 45, "Workload": "PowerApps", "ObjectId": "not-an-app",
            "AdditionalInfo": {"targetObjectId": "APP-2", "environmentName": "Default-T1"}
        }));
        assert_eq!(app.resource_id.as_deref(), Some("app-2"), "from AdditionalInfo.targetObjectId");
        assert_eq!(app.environment_id.as_deref(), Some("default-t1"));
        assert_eq!(app.kind, UsageKind::Share);

        let flow = event(serde_json::json!({
            "Id": "f", "CreationTime": "2026-05-19T10:00:00", "Operation": "EditFlow",
            "RecordType": 30, "ObjectId": "FLOW-1", "UserId": "", "UserUPN": "ana@contoso.com",
            "FlowDetailsUrl": "https://admin.powerplatform.microsoft.com/environments/ENV-9/flows/FLOW-1/flowDetails"
        }));
        assert_eq!(flow.resource_id.as_deref(), Some("flow-1"), "a flow record by its record type alone");
        assert_eq!(flow.environment_id.as_deref(), Some("env-9"));
        assert_eq!(flow.principal_upn.as_deref(), Some("ana@contoso.com"), "UserUPN when UserId is empty");
        assert_eq!(flow.principal_id, None);
        assert_eq!(flow.kind, UsageKind::Edit);
    }

    #[test]
    fn operations_map_to_kinds_and_the_rollups_count_uses_and_maker_actions() {
        for (operation, kind, metric) in [
            ("LaunchPowerApp", UsageKind::Launch, Some(UsageMetric::Use)),
            ("CreatePowerApp", UsageKind::Create, Some(UsageMetric::Make)),
            ("CreateFlow", UsageKind::Create, Some(UsageMetric::Make)),
            ("EditFlow", UsageKind::Edit, Some(UsageMetric::Make)),
            ("UpdatePowerApp", UsageKind::Edit, Some(UsageMetric::Make)),
            ("EditPowerApp", UsageKind::Edit, Some(UsageMetric::Make)),
            ("PublishPowerApp", UsageKind::Publish, Some(UsageMetric::Make)),
            ("PowerAppPermissionEdited", UsageKind::Share, Some(UsageMetric::Make)),
            ("DeletePowerApp", UsageKind::Delete, None),
            ("AdminDeleteApp", UsageKind::Delete, None),
            ("DeleteFlow", UsageKind::Delete, None),
            ("EnvironmentAddedToEnvironmentGroup", UsageKind::Other, None),
        ] {
            assert_eq!(usage_kind(operation), kind, "{operation}");
            assert_eq!(usage_kind(operation).metric(), metric, "{operation}");
        }
    }
}
