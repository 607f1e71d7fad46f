//! Generated policies and estates for `steward bench policy` and the engine's own measurements.
//!
//! [`synthetic_policies`] writes varied, realistic policies (different kinds and scopes,
//! thresholds, string and list operations, regular expressions, macros, doubles), not
//! trivially cheap ones. [`synthetic_table`] builds a fact table through [`FactsBuilder`] from
//! generated model records, so the builder's cost and memory are part of what is measured.

use crate::cel::{ParamValue, Params};
use crate::facts::{FactTable, FactsBuilder, Subject, UsageSummary};
use crate::model::{Effect, Level, Policy, Scope, Source};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use steward_model::{
    ConnectionReference, ConnectorTier, DataPolicy, Environment, EnvironmentType, Governance, ImpactLevel, Owner,
    PolicyEnvironmentScope, Principal, PrincipalKind, Resource, ResourceGovernance, ResourceKind, ResourceState,
    ShareRole, SupportTier,
};

/// Connector ids with their tier: the common standard ones, a few premium, two custom.
const CONNECTORS: &[(&str, ConnectorTier)] = &[
    ("shared_sharepointonline", ConnectorTier::Standard),
    ("shared_office365", ConnectorTier::Standard),
    ("shared_teams", ConnectorTier::Standard),
    ("shared_office365users", ConnectorTier::Standard),
    ("shared_approvals", ConnectorTier::Standard),
    ("shared_onedriveforbusiness", ConnectorTier::Standard),
    ("shared_excelonlinebusiness", ConnectorTier::Standard),
    ("shared_planner", ConnectorTier::Standard),
    ("shared_flowpush", ConnectorTier::Standard),
    ("shared_rss", ConnectorTier::Standard),
    ("shared_twitter", ConnectorTier::Standard),
    ("shared_gmail", ConnectorTier::Standard),
    ("shared_dropbox", ConnectorTier::Standard),
    ("shared_commondataserviceforapps", ConnectorTier::Premium),
    ("shared_sql", ConnectorTier::Premium),
    ("shared_http", ConnectorTier::Premium),
    ("shared_webcontents", ConnectorTier::Premium),
    ("shared_salesforce", ConnectorTier::Premium),
    ("shared_servicenow", ConnectorTier::Premium),
    ("shared_ftp", ConnectorTier::Premium),
    ("shared_azureblob", ConnectorTier::Premium),
    ("shared_contoso-20invoicing-5fdd00e4805bfffb8f", ConnectorTier::Custom),
    ("shared_fabrikam-20erp-2aa0c1", ConnectorTier::Custom),
];

const DEPARTMENTS: &[&str] = &["Sales", "Finance", "HR", "IT", "Operations", "Legal", "Marketing", ""];
const THINGS: &[&str] = &[
    "Leave requests",
    "Expense claims",
    "Invoice approval",
    "Onboarding",
    "Asset tracker",
    "Budget",
    "Site inspections",
    "Travel booking",
    "Helpdesk",
    "Contract register",
    "Timesheets",
    "Customer feedback",
];
const PREFIXES: &[&str] = &["", "", "", "", "", "", "Test ", "Copy of ", "Demo ", "POC ", "Old ", "New "];
const GROUPS: &[&str] = &["", "", "finance", "hr", "sales", "it"];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn strings(items: &[&str]) -> ParamValue {
    ParamValue::List(items.iter().map(|s| s.to_string()).collect())
}

/// `n` generated policies, the same for the same seed. Ids are `synthetic-000`, …; about one
/// in eight is an environment policy.
pub fn synthetic_policies(n: usize, seed: u64) -> Vec<Policy> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|i| synthetic_policy(&mut rng, i)).collect()
}

fn synthetic_policy(rng: &mut ChaCha8Rng, i: usize) -> Policy {
    use ResourceKind::*;
    let apps = vec![CanvasApp, ModelDrivenApp, CodeApp];
    let flows = vec![CloudFlow, DesktopFlow, AgentFlow];
    let mut p = Params::new();
    let mut subject = Subject::Resource;
    let mut kinds: Vec<ResourceKind> = Vec::new();
    let template = if i % 8 == 7 { 100 + rng.random_range(0..3) } else { rng.random_range(0..14) };
    let (title, condition): (&str, &str) = match template {
        0 => {
            p.insert("max_users".into(), ParamValue::Int(rng.random_range(5..60)));
            kinds = apps.clone();
            (
                "Widely shared without justification",
                "resource.shared_users > params.max_users && resource.justification == \"\"",
            )
        }
        1 => {
            p.insert("days".into(), ParamValue::Int(rng.random_range(60..400)));
            p.insert("min_score".into(), ParamValue::Int(rng.random_range(2..6)));
            (
                "Unused and archivable",
                "usage.days_since_last_use > params.days && resource.archive_score >= params.min_score",
            )
        }
        2 => {
            let k = rng.random_range(2..6);
            let blocked: Vec<String> = (0..k).map(|_| pick(rng, CONNECTORS).0.to_string()).collect();
            p.insert("blocked".into(), ParamValue::List(blocked));
            ("Blocked connector in use", "resource.connectors.exists(c, c in params.blocked)")
        }
        3 => {
            let pattern = *pick(rng, &["(?i)^(test|demo|tmp)\\b", "(?i)\\bcopy of\\b", "(?i)(poc|sandbox)", "^[a-z]"]);
            p.insert("pattern".into(), ParamValue::String(pattern.into()));
            (
                "Name pattern in production",
                "resource.name.matches(params.pattern) && environment.type == \"production\"",
            )
        }
        4 => {
            p.insert("max".into(), ParamValue::Int(rng.random_range(0..3)));
            p.insert("env_types".into(), strings(&["default", "teams", "trial"]));
            (
                "Premium connectors where they do not belong",
                "resource.premium_connectors > params.max && environment.type in params.env_types",
            )
        }
        5 => {
            p.insert("max_http".into(), ParamValue::Int(rng.random_range(0..3)));
            kinds = flows.clone();
            (
                "HTTP actions outside managed environments",
                "resource.http_actions > params.max_http && !environment.managed",
            )
        }
        6 => {
            p.insert("min_uses".into(), ParamValue::Int(rng.random_range(1..50)));
            ("Leaver's resource still in use", "owner.leaver && usage.uses_30d > params.min_uses")
        }
        7 => {
            p.insert("min_len".into(), ParamValue::Int(rng.random_range(10..40)));
            p.insert("group_weight".into(), ParamValue::Int(rng.random_range(5..20)));
            p.insert("threshold".into(), ParamValue::Int(rng.random_range(20..200)));
            (
                "Widely shared and undocumented",
                "size(resource.description) < params.min_len && resource.shared_users + resource.shared_groups * params.group_weight > params.threshold",
            )
        }
        8 => {
            p.insert("n".into(), ParamValue::Int(rng.random_range(1..4)));
            (
                "Only shared connectors, many of them",
                "size(resource.connectors) > params.n && resource.connectors.all(c, c.startsWith(\"shared_\"))",
            )
        }
        9 => {
            p.insert("departments".into(), strings(&["Finance", "HR", "Legal"]));
            p.insert("users".into(), ParamValue::Int(rng.random_range(1..20)));
            (
                "Sensitive departments without declared impact",
                "owner.department in params.departments && resource.business_impact == \"\" && usage.users_30d > params.users",
            )
        }
        10 => {
            p.insert("word".into(), ParamValue::String((*pick(rng, &["test", "copy", "demo", "tmp"])).into()));
            (
                "Test names in production",
                "resource.name.lowerAscii().contains(params.word) && environment.type == \"production\"",
            )
        }
        11 => (
            "Critical without IT support",
            "resource.criticality in [\"critical\", \"high\"] && resource.support_tier != \"it_supported\"",
        ),
        12 => {
            kinds = flows.clone();
            (
                "One SQL connection in an active flow",
                "resource.connectors.exists_one(c, c.endsWith(\"sql\")) && resource.state == \"active\" && !resource.in_solution",
            )
        }
        13 => {
            p.insert("ratio".into(), ParamValue::Double(rng.random_range(0.01..0.3)));
            p.insert("min_shared".into(), ParamValue::Int(rng.random_range(10..50)));
            (
                "Shared far beyond its users",
                "resource.shared_users > params.min_shared && double(usage.users_30d) / double(resource.shared_users) < params.ratio",
            )
        }
        100 => {
            subject = Subject::Environment;
            p.insert("max".into(), ParamValue::Int(rng.random_range(50..800)));
            (
                "Busy environment without a data policy",
                "environment.resource_count > params.max && !environment.has_dlp",
            )
        }
        101 => {
            subject = Subject::Environment;
            p.insert("makers".into(), ParamValue::Int(rng.random_range(5..50)));
            (
                "Many makers in an unmanaged environment",
                "environment.maker_count > params.makers && !environment.managed",
            )
        }
        _ => {
            subject = Subject::Environment;
            p.insert("share".into(), ParamValue::Double(rng.random_range(0.05..0.5)));
            (
                "Premium-heavy environment",
                "environment.resource_count > 0 && double(environment.premium_resource_count) / double(environment.resource_count) > params.share",
            )
        }
    };
    let mut scope = Scope::default();
    if subject == Subject::Resource {
        if kinds.is_empty() && rng.random_bool(0.5) {
            kinds = if rng.random_bool(0.5) { apps } else { flows };
        }
        scope.kinds = kinds;
    }
    if rng.random_bool(0.3) {
        scope.environment_types =
            vec![*pick(rng, &[EnvironmentType::Default, EnvironmentType::Production, EnvironmentType::Sandbox])];
    }
    if rng.random_bool(0.1) {
        scope.groups = vec![(*pick(rng, &GROUPS[2..])).to_string()];
    }
    Policy {
        id: format!("synthetic-{i:03}"),
        version: 1,
        title: title.to_string(),
        rationale: "Generated for benchmarks.".into(),
        level: *pick(rng, &[Level::Must, Level::Should, Level::Could]),
        subject,
        scope,
        params: p,
        condition: condition.to_string(),
        remediation: "Generated for benchmarks.".into(),
        effect: *pick(rng, &[Effect::Record, Effect::NotifyOwner, Effect::Campaign]),
        tracked: false,
        source: Source { file: "synthetic".into(), line: u32::try_from(i + 1).unwrap_or(0) },
    }
}

/// A generated estate of `resources` resources (about one environment per 500, one principal
/// per 50) with usage and governance, built through [`FactsBuilder`] for day `day`.
pub fn synthetic_table(resources: usize, seed: u64, day: NaiveDate) -> FactTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tenant = "00000000-0000-0000-0000-00000000beef";
    let platform = steward_model::POWER_PLATFORM;
    let start = Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN)) - Duration::days(4 * 365);
    let envs_n = (resources / 500).max(4);
    let people_n = resources / 50 + 10;

    let environments: Vec<Environment> = (0..envs_n)
        .map(|i| {
            let ty = if i == 0 {
                EnvironmentType::Default
            } else {
                *pick(
                    &mut rng,
                    &[
                        EnvironmentType::Production,
                        EnvironmentType::Production,
                        EnvironmentType::Sandbox,
                        EnvironmentType::Sandbox,
                        EnvironmentType::Developer,
                        EnvironmentType::Trial,
                        EnvironmentType::Teams,
                    ],
                )
            };
            Environment {
                id: format!("env-{i:05}"),
                tenant_id: tenant.into(),
                platform: platform.into(),
                display_name: format!("{} {i}", pick(&mut rng, DEPARTMENTS)),
                description: None,
                environment_type: ty,
                region: None,
                managed: rng.random_bool(0.4),
                has_dataverse: rng.random_bool(0.6),
                dataverse_url: None,
                environment_group: Some((*pick(&mut rng, GROUPS)).to_string()).filter(|g| !g.is_empty()),
                business_area: None,
                state: None,
                created_at: Some(start + Duration::days(rng.random_range(0..1400))),
                modified_at: None,
                created_by: None,
                capacity: vec![],
                addons: vec![],
                deleted_at: None,
            }
        })
        .collect();
    let principals: Vec<Principal> = (0..people_n)
        .map(|i| Principal {
            id: format!("user-{i:06}"),
            tenant_id: tenant.into(),
            kind: PrincipalKind::User,
            display_name: format!("User {i}"),
            upn: Some(format!("user{i}@contoso.com")),
            department: Some((*pick(&mut rng, DEPARTMENTS)).to_string()).filter(|d| !d.is_empty()),
            country: None,
            job_title: None,
            manager_id: Some(format!("user-{:06}", i / 10)),
            enabled: rng.random_bool(0.93),
            deleted_at: None,
        })
        .collect();
    let dlp = DataPolicy {
        id: "dlp-1".into(),
        tenant_id: tenant.into(),
        platform: platform.into(),
        display_name: "Baseline".into(),
        scope: PolicyEnvironmentScope::ExceptEnvironments,
        environment_ids: environments.iter().step_by(3).map(|e| e.id.clone()).collect(),
        default_classification: None,
        connector_groups: vec![],
        created_at: None,
        modified_at: None,
    };

    let mut builder = FactsBuilder::new(day);
    builder.environments(&environments).principals(&principals).data_policies(&[dlp]);
    let mut governance = Vec::new();
    let mut usage = Vec::new();
    // Resource ids first, so that governance and usage can be keyed before resources arrive.
    let ids: Vec<String> =
        (0..resources).map(|i| format!("{:08x}-res-{i:07}", (i as u64).wrapping_mul(2654435761) as u32)).collect();
    for id in &ids {
        if rng.random_bool(0.12) {
            governance.push(ResourceGovernance {
                resource_id: id.clone(),
                governance: Governance {
                    business_impact: Some(*pick(&mut rng, ImpactLevel::ALL)),
                    criticality: Some(*pick(&mut rng, ImpactLevel::ALL)),
                    support_tier: rng.random_bool(0.5).then(|| *pick(&mut rng, SupportTier::ALL)),
                    justification: rng.random_bool(0.6).then(|| "Used by the whole team".to_string()),
                    mitigation_plan: rng.random_bool(0.3).then(|| "Paper forms".to_string()),
                    ..Governance::default()
                },
            });
        }
        if rng.random_bool(0.6) {
            let u30 = rng.random_range(0..500u64);
            let last = day - Duration::days(rng.random_range(0..400));
            usage.push((
                id.clone(),
                UsageSummary {
                    uses_7d: u30 / 4,
                    uses_30d: u30,
                    uses_90d: u30 * 3,
                    users_30d: u30 / 5,
                    users_90d: u30 / 3,
                    first_use: Some(last - Duration::days(200)),
                    last_use: Some(last),
                },
            ));
        }
    }
    builder.governance(governance).usage(usage);

    for id in ids {
        let kind = *pick(
            &mut rng,
            &[
                ResourceKind::CanvasApp,
                ResourceKind::CanvasApp,
                ResourceKind::CanvasApp,
                ResourceKind::CloudFlow,
                ResourceKind::CloudFlow,
                ResourceKind::CloudFlow,
                ResourceKind::CloudFlow,
                ResourceKind::ModelDrivenApp,
                ResourceKind::Agent,
                ResourceKind::DesktopFlow,
                ResourceKind::AgentFlow,
                ResourceKind::CustomConnector,
            ],
        );
        let env = rng.random_range(0..envs_n);
        let created = start + Duration::days(rng.random_range(0..1450));
        let modified = if rng.random_bool(0.3) { created } else { created + Duration::days(rng.random_range(1..200)) };
        let owner = format!("user-{:06}", rng.random_range(0..people_n));
        let mut refs = Vec::new();
        for _ in 0..rng.random_range(0..6) {
            let (id, tier) = *pick(&mut rng, CONNECTORS);
            refs.push(ConnectionReference { connector_id: id.into(), display_name: id.into(), tier });
        }
        let mut attributes = serde_json::Map::new();
        let mut state = ResourceState::Active;
        if kind.is_flow() {
            attributes.insert("actionCount".into(), rng.random_range(1..40u64).into());
            if rng.random_bool(0.2) {
                attributes.insert("httpActionCount".into(), rng.random_range(1..4u64).into());
            }
            state = *pick(
                &mut rng,
                &[
                    ResourceState::Active,
                    ResourceState::Active,
                    ResourceState::Active,
                    ResourceState::Stopped,
                    ResourceState::Suspended,
                ],
            );
        }
        if rng.random_bool(0.01) {
            attributes.insert("crossTenant".into(), true.into());
        }
        let shared_users = if rng.random_bool(0.1) { rng.random_range(20..500) } else { rng.random_range(0..20) };
        let r = Resource {
            id,
            tenant_id: tenant.into(),
            environment_id: environments[env].id.clone(),
            platform: platform.into(),
            kind,
            display_name: format!("{}{}", pick(&mut rng, PREFIXES), pick(&mut rng, THINGS)),
            description: rng.random_bool(0.4).then(|| "Tracks requests for the team".to_string()),
            state,
            created_at: Some(created),
            modified_at: Some(modified),
            published_at: rng.random_bool(0.5).then_some(modified),
            created_by: Some(owner.clone()),
            owners: if rng.random_bool(0.97) {
                vec![Owner { principal_id: owner, role: ShareRole::Owner }]
            } else {
                vec![]
            },
            sharing: vec![],
            shared_users,
            shared_groups: if rng.random_bool(0.1) { rng.random_range(1..4) } else { 0 },
            shared_with_everyone: rng.random_bool(0.01),
            connection_references: refs,
            solution_id: rng.random_bool(0.2).then(|| "sol".to_string()),
            quarantined: rng.random_bool(0.005),
            attributes,
            deleted_at: None,
        };
        builder.add_resource(&r);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::compile_set;
    use crate::model::PolicySet;

    #[test]
    fn synthetic_policies_compile_and_vary() {
        let policies = synthetic_policies(40, 1);
        assert_eq!(policies, synthetic_policies(40, 1), "deterministic");
        let set = PolicySet { version: "bench".into(), policies };
        let (compiled, errors) = compile_set(&set);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(compiled.len(), 40);
        let conditions: std::collections::HashSet<&str> = set.policies.iter().map(|p| p.condition.as_str()).collect();
        assert!(conditions.len() >= 10, "{} distinct conditions", conditions.len());
        assert!(set.policies.iter().any(|p| p.subject == Subject::Environment));

        // Every policy fires somewhere and not everywhere on a small estate.
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let table = synthetic_table(20_000, 2, day);
        assert_eq!(table.resources.len(), 20_000);
        let counts = compiled.evaluate_counts(&table, 2);
        let firing = counts.iter().filter(|c| c.violations > 0 && c.violations < c.in_scope).count();
        assert!(firing * 10 >= counts.len() * 7, "{counts:#?}");
        assert!(counts.iter().all(|c| c.errors == 0), "{counts:#?}");
    }
}
