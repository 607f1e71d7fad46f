//! A small estate: two tenants, a handful of environments, ~30 resources of several kinds,
//! owners who are known principals (one of them a leaver), sharing, connectors and usage.

use chrono::{Days, Duration, TimeZone, Utc};
use steward_model::{
    ConnectionReference, ConnectorTier, Environment, EnvironmentType, Governance, ImpactLevel, Owner, Principal,
    Resource, ResourceKind, Share, ShareRole, ShareTarget, Tenant, Timestamp, UsageEvent, UsageKind,
};
use steward_store::conformance;

pub const TENANT: &str = "t-contoso";
pub const OTHER_TENANT: &str = "t-fabrikam";
pub const SCRIPT_NAME: &str = "<script>alert(1)</script>";
/// The resource with sharing, connectors, attributes, governance and recent usage.
pub const RICH: &str = "r-00";
pub const DELETED: &str = "r-deleted";

/// Everything the tests load, kept so that expectations are computed from the same data.
#[derive(Debug, Clone)]
pub struct Estate {
    pub tenants: Vec<Tenant>,
    pub environments: Vec<Environment>,
    pub principals: Vec<Principal>,
    pub resources: Vec<Resource>,
    pub events: Vec<UsageEvent>,
    /// Governance declared for [`RICH`].
    pub governance: Governance,
}

impl Estate {
    /// Resources of the main tenant that lists show by default.
    pub fn live(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(|r| r.tenant_id == TENANT && r.deleted_at.is_none())
    }
}

fn day(n: u64) -> Timestamp {
    let base = Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).single().unwrap_or_default();
    base + Duration::days(n as i64)
}

/// The shared conformance builders give every field a value; these fixtures change only what
/// the HTTP tests look at, so a new model field needs one default in one place.
pub fn environment(tenant: &str, id: &str, name: &str, kind: EnvironmentType) -> Environment {
    Environment {
        display_name: name.into(),
        environment_type: kind,
        managed: kind == EnvironmentType::Production,
        has_dataverse: kind != EnvironmentType::Default,
        dataverse_url: None,
        created_at: Some(day(0)),
        ..conformance::environment(tenant, id)
    }
}

pub fn principal(tenant: &str, id: &str, name: &str, department: &str, enabled: bool) -> Principal {
    let login = name.split(' ').next().unwrap_or(name).to_lowercase();
    Principal {
        display_name: name.into(),
        department: Some(department.into()),
        enabled,
        ..conformance::principal(tenant, id, &format!("{login}@contoso.example"))
    }
}

pub fn resource(tenant: &str, environment: &str, id: &str, kind: ResourceKind, name: &str, owner: &str) -> Resource {
    Resource {
        created_at: Some(day(0)),
        modified_at: Some(day(1)),
        created_by: Some(owner.into()),
        owners: vec![Owner { principal_id: owner.into(), role: ShareRole::Owner }],
        ..conformance::resource(tenant, environment, id, kind, name)
    }
}

pub fn usage(id: &str, resource: &str, environment: &str, actor: &str, at: Timestamp, kind: UsageKind) -> UsageEvent {
    UsageEvent {
        id: id.into(),
        tenant_id: TENANT.into(),
        occurred_at: at,
        principal_id: Some(actor.into()),
        principal_upn: None,
        resource_id: Some(resource.into()),
        environment_id: Some(environment.into()),
        kind,
        operation: "LaunchPowerApp".into(),
        workload: Some("PowerApps".into()),
    }
}

const ENVIRONMENTS: [&str; 3] = ["env-fin", "env-sales", "env-default"];
const OWNERS: [&str; 3] = ["p-alice", "p-bob", "p-carol"];
const KINDS: [ResourceKind; 4] =
    [ResourceKind::CanvasApp, ResourceKind::CloudFlow, ResourceKind::Agent, ResourceKind::CloudFlow];
const WORDS: [&str; 6] = ["expense", "Budget", "onboarding", "Invoice", "travel", "Payroll"];

pub fn estate() -> Estate {
    let tenants = vec![
        Tenant { id: TENANT.into(), display_name: "Contoso".into(), domain: Some("contoso.example".into()) },
        Tenant { id: OTHER_TENANT.into(), display_name: "Fabrikam".into(), domain: Some("fabrikam.example".into()) },
    ];
    let environments = vec![
        environment(TENANT, "env-fin", "Finance Production", EnvironmentType::Production),
        environment(TENANT, "env-sales", "Sales Sandbox", EnvironmentType::Sandbox),
        environment(TENANT, "env-default", "Contoso (default)", EnvironmentType::Default),
        environment(OTHER_TENANT, "env-fab", "Fabrikam Default", EnvironmentType::Default),
    ];
    let principals = vec![
        principal(TENANT, "p-alice", "Alice Ng", "Finance", true),
        principal(TENANT, "p-bob", "Bob Ortiz", "Sales", true),
        principal(TENANT, "p-carol", "Carol Diaz", "Finance", false),
        principal(TENANT, "p-dave", "Dave Kim", "IT", true),
        principal(OTHER_TENANT, "p-erin", "Erin Fox", "Operations", true),
    ];

    let mut resources: Vec<Resource> = (0..30u64)
        .map(|i| {
            let kind = KINDS[(i % 4) as usize];
            let name = if i == 29 {
                SCRIPT_NAME.to_string()
            } else {
                format!("{} {} {i:02}", WORDS[(i % 6) as usize], kind.label().to_lowercase())
            };
            let mut r = resource(
                TENANT,
                ENVIRONMENTS[((i / 2) % 3) as usize],
                &format!("r-{i:02}"),
                kind,
                &name,
                OWNERS[((i / 3) % 3) as usize],
            );
            // Creation and modification orders differ from each other and from name order.
            r.created_at = Some(day((i * 7) % 30));
            r.modified_at = Some(day(40 + (i * 11) % 30));
            r
        })
        .collect();

    if let Some(rich) = resources.iter_mut().find(|r| r.id == RICH) {
        rich.description = Some("Tracks expense claims from submission to payment.".into());
        rich.owners.push(Owner { principal_id: "p-carol".into(), role: ShareRole::CanEdit });
        rich.sharing = vec![
            Share { target: ShareTarget::User, principal_id: "p-dave".into(), role: ShareRole::CanView },
            Share { target: ShareTarget::Everyone, principal_id: String::new(), role: ShareRole::CanView },
        ];
        rich.shared_users = 12;
        rich.shared_groups = 2;
        rich.shared_with_everyone = true;
        rich.connection_references = vec![
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
        ];
        rich.attributes.insert("appPlanClassification".into(), serde_json::json!("Premium"));
        rich.attributes.insert("bypassConsent".into(), serde_json::json!(false));
    }

    let mut deleted = resource(TENANT, "env-fin", DELETED, ResourceKind::CanvasApp, "Retired expense app", "p-alice");
    deleted.deleted_at = Some(day(60));
    resources.push(deleted);
    resources.push(resource(OTHER_TENANT, "env-fab", "r-fab", ResourceKind::CanvasApp, "Fabrikam stock app", "p-erin"));

    // Recent usage, so the detail page's 30-day window holds it.
    let now = Utc::now();
    let mut events = Vec::new();
    for k in 0..10u64 {
        let at = now.checked_sub_days(Days::new(k % 5)).unwrap_or(now);
        let actor = if k % 2 == 0 { "p-alice" } else { "p-bob" };
        events.push(usage(&format!("e-{k}"), RICH, "env-fin", actor, at, UsageKind::Launch));
    }
    for k in 0..3u64 {
        let at = now.checked_sub_days(Days::new(k)).unwrap_or(now);
        events.push(usage(&format!("e-run-{k}"), "r-01", "env-fin", "p-dave", at, UsageKind::Run));
    }

    let governance = Governance {
        business_impact: Some(ImpactLevel::High),
        cost_centre: Some("CC-1001".into()),
        mitigation_plan: Some("Fall back to the paper form".into()),
        ..Governance::default()
    };

    Estate { tenants, environments, principals, resources, events, governance }
}
