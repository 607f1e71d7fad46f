//! Builders for realistic records, so cases state only what they are about.

use chrono::{TimeZone, Utc};
use steward_model::{
    Addon, Capacity, ConnectionReference, Connector, ConnectorGroup, ConnectorTier, DataPolicy, Environment,
    EnvironmentType, Owner, PolicyEnvironmentScope, Principal, PrincipalKind, Resource, ResourceKind, ResourceState,
    Share, ShareRole, ShareTarget, Tenant, Timestamp, UsageEvent, UsageKind,
};

/// The instant `ms` milliseconds after the Unix epoch.
pub fn ts(ms: i64) -> Timestamp {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A UTC instant from calendar parts, with milliseconds.
pub fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32, millis: u32) -> Timestamp {
    let base = Utc.with_ymd_and_hms(year, month, day, hour, minute, second).single().unwrap_or_default();
    base + chrono::Duration::milliseconds(i64::from(millis))
}

/// A calendar day.
pub fn day(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

pub fn tenant(id: &str) -> Tenant {
    Tenant { id: id.into(), display_name: format!("Tenant {id}"), domain: Some(format!("{id}.example.com")) }
}

pub fn environment(tenant_id: &str, id: &str) -> Environment {
    Environment {
        id: id.into(),
        tenant_id: tenant_id.into(),
        platform: steward_model::POWER_PLATFORM.into(),
        display_name: format!("Env {id}"),
        description: None,
        environment_type: EnvironmentType::Production,
        region: Some("europe".into()),
        managed: false,
        has_dataverse: true,
        dataverse_url: Some(format!("https://{id}.crm4.dynamics.com")),
        environment_group: None,
        business_area: None,
        state: Some("Enabled".into()),
        created_at: Some(at(2023, 1, 2, 3, 4, 5, 678)),
        modified_at: None,
        created_by: None,
        capacity: vec![],
        addons: vec![],
        deleted_at: None,
    }
}

/// An environment with every optional part filled, for round trips.
pub fn full_environment(tenant_id: &str, id: &str) -> Environment {
    Environment {
        description: Some("Finance production".into()),
        environment_type: EnvironmentType::Sandbox,
        managed: true,
        environment_group: Some("Finance".into()),
        business_area: Some("Finance & Controlling".into()),
        modified_at: Some(at(2024, 5, 6, 7, 8, 9, 123)),
        created_by: Some("p-creator".into()),
        capacity: vec![
            Capacity { capacity_type: "Database".into(), actual_mb: 1234.5, rated_mb: 10240.0 },
            Capacity { capacity_type: "File".into(), actual_mb: 0.25, rated_mb: 20480.0 },
        ],
        addons: vec![Addon { addon_type: "AppPass".into(), allocated: 12.0, unit: "passes".into() }],
        ..environment(tenant_id, id)
    }
}

pub fn connector(tenant_id: &str, id: &str) -> Connector {
    Connector {
        id: id.into(),
        tenant_id: tenant_id.into(),
        platform: steward_model::POWER_PLATFORM.into(),
        display_name: format!("Connector {id}"),
        tier: ConnectorTier::Standard,
        publisher: Some("Microsoft".into()),
        environment_id: None,
    }
}

pub fn data_policy(tenant_id: &str, id: &str) -> DataPolicy {
    DataPolicy {
        id: id.into(),
        tenant_id: tenant_id.into(),
        platform: steward_model::POWER_PLATFORM.into(),
        display_name: format!("Policy {id}"),
        scope: PolicyEnvironmentScope::OnlyEnvironments,
        environment_ids: vec!["env-a".into(), "env-b".into()],
        default_classification: Some("General".into()),
        connector_groups: vec![
            ConnectorGroup {
                classification: "Confidential".into(),
                connector_ids: vec!["shared_sharepointonline".into(), "shared_office365".into()],
            },
            ConnectorGroup { classification: "Blocked".into(), connector_ids: vec!["shared_twitter".into()] },
        ],
        created_at: Some(at(2022, 11, 30, 23, 59, 59, 999)),
        modified_at: None,
    }
}

/// A user principal with a UPN, enabled, in the Finance department.
pub fn principal(tenant_id: &str, id: &str, upn: &str) -> Principal {
    Principal {
        id: id.into(),
        tenant_id: tenant_id.into(),
        kind: PrincipalKind::User,
        display_name: format!("User {id}"),
        upn: Some(upn.into()),
        department: Some("Finance".into()),
        country: Some("NL".into()),
        job_title: None,
        manager_id: None,
        enabled: true,
        deleted_at: None,
    }
}

/// A plain resource with no owners, no sharing and no connection references.
pub fn resource(tenant_id: &str, environment_id: &str, id: &str, kind: ResourceKind, display_name: &str) -> Resource {
    Resource {
        id: id.into(),
        tenant_id: tenant_id.into(),
        environment_id: environment_id.into(),
        platform: steward_model::POWER_PLATFORM.into(),
        kind,
        display_name: display_name.into(),
        description: None,
        state: ResourceState::Active,
        created_at: Some(at(2024, 1, 1, 9, 0, 0, 0)),
        modified_at: Some(at(2024, 2, 1, 9, 0, 0, 0)),
        published_at: None,
        created_by: None,
        owners: vec![],
        sharing: vec![],
        shared_users: 0,
        shared_groups: 0,
        shared_with_everyone: false,
        connection_references: vec![],
        solution_id: None,
        quarantined: false,
        attributes: serde_json::Map::new(),
        deleted_at: None,
    }
}

/// A resource with every field set, for round trips.
pub fn full_resource(tenant_id: &str, environment_id: &str, id: &str) -> Resource {
    let mut attributes = serde_json::Map::new();
    attributes.insert("appPlanClassification".into(), serde_json::json!("Premium"));
    attributes.insert("trigger".into(), serde_json::json!({"type": "Recurrence", "interval": 15, "nested": [1, 2, 3]}));
    attributes.insert("bypassConsent".into(), serde_json::json!(true));
    attributes.insert("none".into(), serde_json::Value::Null);
    Resource {
        description: Some("Approves invoices — with ünïcode".into()),
        state: ResourceState::Suspended,
        created_at: Some(at(2021, 3, 4, 5, 6, 7, 891)),
        modified_at: Some(at(2024, 12, 31, 23, 59, 59, 999)),
        published_at: Some(at(2022, 6, 7, 8, 9, 10, 1)),
        created_by: Some("p-maker".into()),
        owners: vec![owner("p-maker"), Owner { principal_id: "p-co".into(), role: ShareRole::CanEdit }],
        sharing: vec![
            Share { target: ShareTarget::User, principal_id: "p-viewer".into(), role: ShareRole::CanView },
            Share { target: ShareTarget::Group, principal_id: "g-finance".into(), role: ShareRole::CanEdit },
            Share { target: ShareTarget::Everyone, principal_id: String::new(), role: ShareRole::CanView },
        ],
        shared_users: 42,
        shared_groups: 3,
        shared_with_everyone: true,
        connection_references: vec![
            ConnectionReference {
                connector_id: "shared_sharepointonline".into(),
                display_name: "SharePoint".into(),
                tier: ConnectorTier::Standard,
            },
            ConnectionReference {
                connector_id: "shared_sql".into(),
                display_name: "SQL Server".into(),
                tier: ConnectorTier::Premium,
            },
        ],
        solution_id: Some("sol-1".into()),
        quarantined: true,
        attributes,
        deleted_at: Some(at(2025, 1, 2, 3, 4, 5, 6)),
        ..resource(tenant_id, environment_id, id, ResourceKind::CloudFlow, "Invoice approval")
    }
}

/// An owner entry with the owner role.
pub fn owner(principal_id: &str) -> Owner {
    Owner { principal_id: principal_id.into(), role: ShareRole::Owner }
}

/// A usage event by a principal on a resource.
pub fn event(
    tenant_id: &str,
    id: &str,
    resource_id: Option<&str>,
    principal_id: Option<&str>,
    kind: UsageKind,
    occurred_at: Timestamp,
) -> UsageEvent {
    UsageEvent {
        id: id.into(),
        tenant_id: tenant_id.into(),
        occurred_at,
        principal_id: principal_id.map(str::to_string),
        principal_upn: principal_id.map(|p| format!("{p}@example.com")),
        resource_id: resource_id.map(str::to_string),
        environment_id: None,
        kind,
        operation: match kind {
            UsageKind::Launch => "LaunchPowerApp".into(),
            UsageKind::Run => "FlowRun".into(),
            other => format!("Op{}", other.as_str()),
        },
        workload: Some("PowerApps".into()),
    }
}
