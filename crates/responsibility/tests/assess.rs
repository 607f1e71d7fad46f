//! The assessment with the shipped defaults: criticality boundaries and reasons, declared impact,
//! service levels, support profiles and next steps, and the named RACI matrix.

use steward_model::{EnvironmentType, ImpactLevel, ResourceKind, SupportTier};
use steward_responsibility::{
    Assignment, Config, Coverage, DECLARED, DEFAULT, Input, Person, Requirement, Role, assess, criticality,
    criticality_level,
};

fn app(users: u64) -> Input {
    Input { users_30d: users, ..Input::new(ResourceKind::CanvasApp, EnvironmentType::Default) }
}

#[test]
fn five_hundred_users_make_a_resource_critical_and_499_do_not() {
    let config = Config::defaults();
    let at = criticality(&app(500), &config.criticality);
    assert_eq!(at.level, ImpactLevel::Critical);
    assert_eq!(at.decided_by, "critical-organisation-wide");

    let below = criticality(&app(499), &config.criticality);
    assert_eq!(below.level, ImpactLevel::High, "499 users is still ≥ 50: high");
    assert_eq!(below.decided_by, "high-many-users");
}

#[test]
fn fifty_users_make_it_high_and_49_leave_it_non_critical() {
    let config = Config::defaults();
    assert_eq!(criticality(&app(50), &config.criticality).level, ImpactLevel::High);
    let below = criticality(&app(49), &config.criticality);
    assert_eq!(below.level, ImpactLevel::NonCritical);
    assert_eq!(below.decided_by, DEFAULT);
    assert_eq!(below.reasons.len(), 1);
    assert!(below.reasons[0].text.contains("49 users in 30 days"), "{:?}", below.reasons);
}

#[test]
fn reasons_give_every_matching_rule_with_its_figures_highest_first() {
    let config = Config::defaults();
    let input = Input { departments_30d: 3, shared_with_everyone: true, ..app(612) };
    let c = criticality(&input, &config.criticality);
    let texts: Vec<(&str, &str, bool)> =
        c.reasons.iter().map(|r| (r.rule.as_str(), r.text.as_str(), r.decisive)).collect();
    assert_eq!(
        texts,
        vec![
            ("critical-organisation-wide", "612 users in 30 days ≥ 500", true),
            ("high-many-users", "612 users in 30 days ≥ 50", false),
            ("high-cross-department", "3 departments reached in 30 days ≥ 2 and 612 users in 30 days ≥ 5", false),
            ("high-shared-with-everyone", "shared with everyone", false),
        ]
    );
    assert_eq!(c.reasons[0].level, ImpactLevel::Critical);
    assert_eq!(c.reasons[1].level, ImpactLevel::High);
}

#[test]
fn reasons_use_thousands_separators_and_the_kind_of_use() {
    let config = Config::defaults();
    let flow = Input {
        uses_30d: 4_800,
        active_days_30d: 30,
        ..Input::new(ResourceKind::CloudFlow, EnvironmentType::Production)
    };
    let c = criticality(&flow, &config.criticality);
    assert_eq!(c.level, ImpactLevel::High);
    assert_eq!(c.reasons[0].text, "4,800 runs in 30 days ≥ 4,500 and 30 active days in 30 days ≥ 20");

    // The app rule looks at apps only: the same launches on a flow count for nothing.
    let app_rule_on_flow =
        Input { uses_30d: 150, users_30d: 10, ..Input::new(ResourceKind::CloudFlow, EnvironmentType::Production) };
    assert_eq!(criticality(&app_rule_on_flow, &config.criticality).level, ImpactLevel::NonCritical);
    let app = Input { uses_30d: 150, ..app(10) };
    let c = criticality(&app, &config.criticality);
    assert_eq!(c.decided_by, "high-frequent-apps");
    assert_eq!(c.reasons[0].text, "150 launches in 30 days ≥ 100 and 10 users in 30 days ≥ 5");
}

#[test]
fn external_users_make_it_critical_only_with_fifty_users() {
    let config = Config::defaults();
    let c = criticality(&Input { external_users_30d: 3, ..app(50) }, &config.criticality);
    assert_eq!(c.level, ImpactLevel::Critical);
    assert_eq!(c.decided_by, "critical-external-users");
    assert_eq!(c.reasons[0].text, "3 external users in 30 days > 0 and 50 users in 30 days ≥ 50");

    let few = criticality(&Input { external_users_30d: 3, ..app(49) }, &config.criticality);
    assert_eq!(few.level, ImpactLevel::NonCritical);
    let none = criticality(&Input { external_users_30d: 0, ..app(60) }, &config.criticality);
    assert_eq!(none.level, ImpactLevel::High);
}

#[test]
fn declared_impact_raises_the_level() {
    let config = Config::defaults();
    let c = criticality(&Input { declared_impact: Some(ImpactLevel::Critical), ..app(60) }, &config.criticality);
    assert_eq!(c.level, ImpactLevel::Critical);
    assert_eq!(c.usage_level, ImpactLevel::High);
    assert_eq!(c.decided_by, DECLARED);
    let declared = c.reasons.iter().find(|r| r.rule == DECLARED).expect("declared reason");
    assert!(declared.decisive);
    assert_eq!(declared.text, "declared business impact: critical");
    // The usage rule still shows, but did not decide.
    assert!(c.reasons.iter().any(|r| r.rule == "high-many-users" && !r.decisive));
}

#[test]
fn declared_impact_never_lowers_the_level() {
    let config = Config::defaults();
    let c = criticality(&Input { declared_impact: Some(ImpactLevel::NonCritical), ..app(800) }, &config.criticality);
    assert_eq!(c.level, ImpactLevel::Critical);
    assert_eq!(c.decided_by, "critical-organisation-wide");
    let declared = c.reasons.iter().find(|r| r.rule == DECLARED).expect("declared reason");
    assert!(!declared.decisive);
    assert!(declared.text.contains("never lowers"), "{}", declared.text);
}

#[test]
fn a_declaration_equal_to_the_usage_level_leaves_the_rule_deciding() {
    let config = Config::defaults();
    let c = criticality(&Input { declared_impact: Some(ImpactLevel::High), ..app(60) }, &config.criticality);
    assert_eq!(c.level, ImpactLevel::High);
    assert_eq!(c.decided_by, "high-many-users");

    let quiet = criticality(&Input { declared_impact: Some(ImpactLevel::NonCritical), ..app(3) }, &config.criticality);
    assert_eq!(quiet.level, ImpactLevel::NonCritical);
    assert_eq!(quiet.decided_by, DECLARED, "with no rule matched, the declaration is the reason");
}

#[test]
fn service_levels_follow_the_alm_maturity_model() {
    let config = Config::defaults();
    let critical = assess(&app(1_000), &config).service_level;
    assert_eq!((critical.response_minutes, critical.response_max_minutes), (60, None));
    assert_eq!(critical.coverage, Coverage::Always);
    assert!(critical.response.contains("less than 60 minutes"));

    let high = assess(&app(100), &config).service_level;
    assert_eq!((high.response_minutes, high.response_max_minutes), (60, Some(1440)));
    assert_eq!(high.coverage, Coverage::BusinessHours24x7Available);

    let low = assess(&app(1), &config).service_level;
    assert_eq!((low.response_minutes, low.response_max_minutes), (240, Some(480)));
    assert_eq!(low.coverage, Coverage::BusinessHours);
    assert_eq!(low.level, ImpactLevel::NonCritical);
}

fn owners(n: usize) -> Vec<Person> {
    (0..n).map(|i| Person::new(format!("id-{i}"), format!("Owner {i}"))).collect()
}

#[test]
fn a_personal_app_is_maker_supported_with_optional_steps_to_it_blessed() {
    let config = Config::defaults();
    let r = assess(&Input { owners: owners(1), ..app(3) }, &config);
    assert_eq!(r.support_profile.profile, SupportTier::MakerSupported);
    assert_eq!(r.support_profile.required, SupportTier::MakerSupported);
    assert!(r.support_profile.meets_required);
    assert_eq!(r.support_profile.target, Some(SupportTier::ItBlessed));
    let steps: Vec<Requirement> = r.next_steps.iter().map(|s| s.requirement).collect();
    assert_eq!(
        steps,
        vec![
            Requirement::TestOrProductionEnvironment,
            Requirement::InSolution,
            Requirement::BackupOwner,
            Requirement::Documented
        ]
    );
    assert!(r.next_steps.iter().all(|s| !s.needed && s.toward == SupportTier::ItBlessed));
    assert!(r.next_steps[0].text.starts_with("Get test and production environments"), "{:?}", r.next_steps[0]);
    assert!(r.next_steps[0].because.contains("the default environment"), "{:?}", r.next_steps[0]);
    assert_eq!(
        r.support_profile.why,
        vec![
            "not IT supported: in the default environment, not a production environment; not in a solution; \
             only 1 owner (a backup owner means at least 2); no description; not handed over to the support team; \
             no knowledge transfer to the support team; no support tier declared",
            "not IT blessed: in the default environment, not a test (sandbox) or production environment; \
             not in a solution; only 1 owner (a backup owner means at least 2); no description",
            "Maker supported: Makers support their own apps and flows.",
            "a non-critical resource needs Maker supported or higher: met",
        ]
    );
}

#[test]
fn a_critical_app_that_is_only_blessed_must_hand_over_and_transfer_knowledge() {
    let config = Config::defaults();
    let input = Input {
        environment_type: EnvironmentType::Sandbox,
        in_solution: true,
        has_description: true,
        owners: owners(2),
        ..app(700)
    };
    let r = assess(&input, &config);
    assert_eq!(r.criticality, ImpactLevel::Critical);
    assert_eq!(r.support_profile.profile, SupportTier::ItBlessed);
    assert_eq!(r.support_profile.required, SupportTier::ItSupported);
    assert!(!r.support_profile.meets_required);
    assert_eq!(r.support_profile.target, Some(SupportTier::ItSupported));
    let steps: Vec<Requirement> = r.next_steps.iter().map(|s| s.requirement).collect();
    assert_eq!(
        steps,
        vec![
            Requirement::ProductionEnvironment,
            Requirement::HandoverDone,
            Requirement::KnowledgeTransferDone,
            Requirement::DeclaredTier
        ]
    );
    assert!(r.next_steps.iter().all(|s| s.needed));
    let texts: Vec<&str> = r.next_steps.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"Hand over the solution to the support team."), "{texts:?}");
    assert!(texts.contains(&"Transfer knowledge to the support team."), "{texts:?}");
    assert!(
        r.support_profile.why.iter().any(|w| w == "a critical resource needs IT supported: not met"),
        "{:?}",
        r.support_profile.why
    );
}

#[test]
fn a_handed_over_production_solution_is_it_supported_with_nothing_left_to_do() {
    let config = Config::defaults();
    let input = Input {
        environment_type: EnvironmentType::Production,
        in_solution: true,
        has_description: true,
        owners: owners(3),
        handover_done: true,
        knowledge_transfer_done: true,
        declared_support_tier: Some(SupportTier::ItSupported),
        ..app(700)
    };
    let r = assess(&input, &config);
    assert_eq!(r.support_profile.profile, SupportTier::ItSupported);
    assert!(r.support_profile.meets_required);
    assert_eq!(r.support_profile.target, None);
    assert!(r.next_steps.is_empty());
    assert!(r.support_profile.why.iter().any(|w| w.contains("as the decision matrix gives")));

    // The declaration alone does not make it IT supported.
    let claimed = Input { knowledge_transfer_done: false, ..input };
    let r = assess(&claimed, &config);
    assert_eq!(r.support_profile.profile, SupportTier::ItBlessed);
    assert!(
        r.support_profile.why.iter().any(|w| w == "declared IT supported, but the decision matrix gives IT blessed"),
        "{:?}",
        r.support_profile.why
    );
    assert_eq!(r.next_steps.len(), 1);
    assert_eq!(r.next_steps[0].requirement, Requirement::KnowledgeTransferDone);
}

#[test]
fn the_raci_matrix_names_the_people_behind_each_role() {
    let text = r#"
[environment_admins]
"env-1" = ["ana.admin@contoso.com"]
"Finance" = ["finance-admins@contoso.com", "ben@contoso.com"]
"*" = ["pp-admins@contoso.com"]

[platform_team]
name = "CoE team"
members = ["coe@contoso.com"]
"#;
    let config = Config::parse(text, "people.toml").expect("valid");
    let input = Input {
        environment_id: "env-1".into(),
        environment_group: Some("Finance".into()),
        owners: vec![Person::new("p-1", "Maria Maker"), Person::new("p-2", "")],
        ..app(612)
    };
    let r = assess(&input, &config);
    assert_eq!(r.raci.level, ImpactLevel::Critical);
    let summary =
        |role: Role| r.raci.roles.iter().find(|h| h.role == role).map(|h| h.summary.clone()).unwrap_or_default();
    assert_eq!(summary(Role::User), "612 users");
    assert_eq!(summary(Role::Maker), "Maria Maker, p-2", "an owner without a name shows its id");
    assert_eq!(summary(Role::EnvironmentAdmin), "ana.admin@contoso.com", "the environment's own entry wins");
    assert_eq!(summary(Role::PlatformTeam), "CoE team: coe@contoso.com");
    let maker = r.raci.roles.iter().find(|h| h.role == Role::Maker).expect("maker");
    assert_eq!(maker.holders[0].id.as_deref(), Some("p-1"));

    // Each cell carries its assignment and the people; uninvolved roles name nobody.
    let monitor = r.raci.activities.iter().find(|a| a.id == "monitor-usage").expect("activity");
    let cell = |role: Role| monitor.cells.iter().find(|c| c.role == role).expect("cell");
    assert_eq!(cell(Role::PlatformTeam).assignment, Assignment::Accountable);
    assert_eq!(cell(Role::PlatformTeam).who, "CoE team: coe@contoso.com");
    assert_eq!(cell(Role::EnvironmentAdmin).assignment, Assignment::Responsible);
    assert_eq!(cell(Role::User).assignment, Assignment::None);
    assert_eq!(cell(Role::User).who, "");

    // Group next, then "*", and nothing named without them.
    let by_group = Input { environment_id: "env-2".into(), ..input.clone() };
    let r = assess(&by_group, &config);
    let admins = r.raci.roles.iter().find(|h| h.role == Role::EnvironmentAdmin).expect("admins");
    assert_eq!(admins.summary, "finance-admins@contoso.com, ben@contoso.com");
    assert_eq!(admins.holders.len(), 2);

    let elsewhere = Input { environment_id: "env-3".into(), environment_group: None, ..input.clone() };
    let r = assess(&elsewhere, &config);
    assert_eq!(r.raci.roles[2].summary, "pp-admins@contoso.com");

    let r = assess(&Input { owners: Vec::new(), ..elsewhere }, &Config::defaults());
    assert_eq!(r.raci.roles[1].summary, "no owner (orphaned)");
    assert!(!r.raci.roles[2].named);
    assert_eq!(r.raci.roles[3].summary, "Platform admin team");
}

#[test]
fn the_default_matrix_has_one_accountable_and_a_responsible_in_every_row() {
    let config = Config::defaults();
    assert!(config.raci.problems().is_empty(), "{:?}", config.raci.problems());
    assert_eq!(config.raci.activities.len(), 8);
    for level in ImpactLevel::ALL {
        let r = assess(&Input { declared_impact: Some(*level), ..app(0) }, &config);
        assert_eq!(r.raci.level, *level);
        assert_eq!(r.raci.activities.len(), 8);
        for a in &r.raci.activities {
            assert_eq!(a.cells.iter().filter(|c| c.assignment.is_accountable()).count(), 1, "{}", a.id);
            assert!(a.cells.iter().any(|c| c.assignment.is_responsible()), "{}", a.id);
        }
    }
}

#[test]
fn the_assessment_round_trips_through_json() {
    let config = Config::defaults();
    let r = assess(&Input { owners: owners(2), ..app(612) }, &config);
    let json = serde_json::to_value(&r).expect("serialise");
    assert_eq!(json["criticality"], "critical");
    assert_eq!(json["service_level"]["coverage"], "24x7");
    assert_eq!(json["support_profile"]["profile"], "maker_supported");
    assert_eq!(json["reasons"][0]["text"], "612 users in 30 days ≥ 500");
    assert_eq!(json["raci"]["activities"][0]["cells"][3]["assignment"], "A");
    let back: steward_responsibility::Responsibility = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, r);

    // The configuration serialises too (for an API that shows it), in the file's shapes.
    let json = serde_json::to_value(&config).expect("config");
    assert_eq!(json["criticality"]["rules"][0]["all"][0], serde_json::json!({"metric": "users_30d", "at_least": 500}));
    let back: Config = serde_json::from_value(json).expect("config back");
    assert_eq!(back, config);
}

#[test]
fn input_from_model_takes_what_the_inventory_and_governance_know() {
    use steward_model::{Environment, Governance, Resource};
    let resource: Resource = serde_json::from_value(serde_json::json!({
        "id": "r", "tenant_id": "t", "environment_id": "env-1", "platform": "power_platform",
        "kind": "canvas_app", "display_name": "App", "description": " Orders ", "state": "active",
        "owners": [{"principal_id": "p-1", "role": "owner"}], "shared_users": 30,
        "shared_with_everyone": true, "solution_id": "sol"
    }))
    .expect("resource");
    let environment: Environment = serde_json::from_value(serde_json::json!({
        "id": "env-1", "tenant_id": "t", "platform": "power_platform", "display_name": "Prod",
        "environment_type": "production", "environment_group": "Finance"
    }))
    .expect("environment");
    let governance = Governance {
        business_impact: Some(ImpactLevel::High),
        support_tier: Some(SupportTier::ItBlessed),
        ..Governance::default()
    };
    let input = Input::from_model(&resource, &environment, &governance);
    assert_eq!(input.kind, ResourceKind::CanvasApp);
    assert_eq!(input.environment_type, EnvironmentType::Production);
    assert_eq!(input.environment_group.as_deref(), Some("Finance"));
    assert_eq!(input.declared_impact, Some(ImpactLevel::High));
    assert_eq!(input.declared_support_tier, Some(SupportTier::ItBlessed));
    assert_eq!(input.shared_users, 30);
    assert!(input.shared_with_everyone && input.in_solution && input.has_description);
    assert_eq!(input.owners, vec![Person::new("p-1", "")]);
}

#[test]
fn the_level_alone_agrees_with_the_full_assessment() {
    // A grid around every default threshold, over kinds, declarations and sharing.
    let config = Config::defaults();
    let kinds = [ResourceKind::CanvasApp, ResourceKind::CloudFlow, ResourceKind::DesktopFlow, ResourceKind::Agent];
    let declared = [None, Some(ImpactLevel::NonCritical), Some(ImpactLevel::High), Some(ImpactLevel::Critical)];
    let mut checked = 0;
    for kind in kinds {
        for d in declared {
            for users in [0, 4, 5, 49, 50, 499, 500] {
                for uses in [0, 99, 100, 199, 200, 2_999, 3_000, 4_499, 4_500] {
                    for (days, departments, external, shared, everyone) in
                        [(0, 0, 0, 0, false), (19, 1, 1, 100, false), (20, 2, 1, 101, false), (30, 5, 0, 0, true)]
                    {
                        let input = Input {
                            users_30d: users,
                            uses_30d: uses,
                            active_days_30d: days,
                            departments_30d: departments,
                            external_users_30d: external,
                            shared_users: shared,
                            shared_with_everyone: everyone,
                            declared_impact: d,
                            ..Input::new(kind, EnvironmentType::Production)
                        };
                        let full = criticality(&input, &config.criticality);
                        assert_eq!(criticality_level(&input, &config.criticality), full.level, "{input:?}");
                        assert_eq!(full.reasons.iter().filter(|r| r.decisive).count(), 1, "{full:?}");
                        assert!(full.reasons.iter().any(|r| r.decisive && r.rule == full.decided_by), "{full:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 4 * 4 * 7 * 9 * 4);
}
