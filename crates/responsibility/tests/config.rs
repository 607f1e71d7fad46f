//! The configuration file: overriding the defaults section by section, and every problem named
//! with the file, the line and what is wrong.

use steward_model::{ImpactLevel, ResourceKind, SupportTier};
use steward_responsibility::{
    Activity, Assignment, Cells, Condition, Config, ConfigError, Coverage, DEFAULT_CONFIG, Metric, RaciMatrix,
    Requirement,
};

fn refused(text: &str) -> ConfigError {
    match Config::parse(text, "responsibility.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

/// (line, message) of every problem.
fn problems(text: &str) -> Vec<(Option<usize>, String)> {
    refused(text).problems.into_iter().map(|p| (p.line, p.message)).collect()
}

#[test]
fn the_default_file_parses_to_the_defaults() {
    assert_eq!(Config::parse(DEFAULT_CONFIG, "copy.toml"), Ok(Config::defaults()));
    let d = Config::defaults();
    assert_eq!(d.criticality.rules.len(), 11);
    assert_eq!(d.criticality.rules[0].all, vec![Condition::AtLeast { metric: Metric::Users30d, at_least: 500 }]);
    assert_eq!(d.support.required_for(ImpactLevel::Critical), SupportTier::ItSupported);
    assert_eq!(d.support.required_for(ImpactLevel::High), SupportTier::ItBlessed);
    assert_eq!(d.support.required_for(ImpactLevel::NonCritical), SupportTier::MakerSupported);
    assert_eq!(d.support.backup_owners, 2);
    assert!(d.environment_admins.is_empty());
    assert!(d.platform_team.members.is_empty());
    for r in Requirement::ALL {
        assert!(d.support.steps.get(r).is_some_and(|s| !s.is_empty()), "{}", r.as_str());
    }
}

#[test]
fn an_empty_file_keeps_every_default() {
    assert_eq!(Config::parse("", "empty.toml"), Ok(Config::defaults()));
}

#[test]
fn a_file_with_people_only_keeps_the_default_rules() {
    let config = Config::parse("[platform_team]\nmembers = [\"coe@contoso.com\"]\n", "people.toml").expect("valid");
    assert_eq!(config.criticality, Config::defaults().criticality);
    assert_eq!(config.platform_team.name, "Platform admin team", "the default name stays");
    assert_eq!(config.platform_team.members, vec!["coe@contoso.com".to_string()]);
}

#[test]
fn criticality_rules_in_a_file_replace_the_default_rules() {
    let text = r#"
[[criticality.rules]]
id = "big"
level = "critical"
rationale = "Our own threshold."
kinds = ["cloud_flow"]
environment_types = ["production"]
all = [{ metric = "users_30d", at_least = 1000 }]
"#;
    let config = Config::parse(text, "rules.toml").expect("valid");
    assert_eq!(config.criticality.rules.len(), 1);
    let rule = &config.criticality.rules[0];
    assert_eq!(rule.kinds, vec![ResourceKind::CloudFlow]);
    assert_eq!(config.service_levels, Config::defaults().service_levels, "other sections keep the defaults");

    // The filters apply: an app with 1,000 users is not looked at.
    use steward_model::EnvironmentType;
    use steward_responsibility::{Input, criticality};
    let flow = Input { users_30d: 1000, ..Input::new(ResourceKind::CloudFlow, EnvironmentType::Production) };
    assert_eq!(criticality(&flow, &config.criticality).level, ImpactLevel::Critical);
    let in_test = Input { environment_type: EnvironmentType::Sandbox, ..flow.clone() };
    assert_eq!(criticality(&in_test, &config.criticality).level, ImpactLevel::NonCritical);
    let app = Input { kind: ResourceKind::CanvasApp, ..flow };
    assert_eq!(criticality(&app, &config.criticality).level, ImpactLevel::NonCritical);
}

#[test]
fn one_service_level_can_be_overridden_alone() {
    let text = r#"
[service_levels.high]
response_minutes = 120
response = "Two hours."
coverage = "business_hours"
description = "Ours."
"#;
    let config = Config::parse(text, "sla.toml").expect("valid");
    assert_eq!(config.service_levels.high.response_minutes, 120);
    assert_eq!(config.service_levels.high.response_max_minutes, None);
    assert_eq!(config.service_levels.high.coverage, Coverage::BusinessHours);
    assert_eq!(config.service_levels.critical, Config::defaults().service_levels.critical);
}

#[test]
fn support_parts_override_key_by_key() {
    let text = r#"
[support]
backup_owners = 3

[support.required]
high = "it_supported"

[support.steps]
handover_done = "Book the hand-over with the help desk."
"#;
    let config = Config::parse(text, "support.toml").expect("valid");
    assert_eq!(config.support.backup_owners, 3);
    assert_eq!(config.support.required_for(ImpactLevel::High), SupportTier::ItSupported);
    assert_eq!(config.support.required_for(ImpactLevel::Critical), SupportTier::ItSupported);
    assert_eq!(config.support.steps[&Requirement::HandoverDone], "Book the hand-over with the help desk.");
    assert_eq!(
        config.support.steps[&Requirement::InSolution],
        Config::defaults().support.steps[&Requirement::InSolution]
    );
    assert_eq!(config.support.profiles, Config::defaults().support.profiles);
}

#[test]
fn criticality_rule_problems_name_the_line() {
    let text = r#"[[criticality.rules]]
id = "a"
level = "critical"
rationale = "r"
all = [{ metric = "users_90d", at_least = 5 }]

[[criticality.rules]]
id = "a"
level = "non_critical"
rationale = " "
kinds = ["spreadsheet"]
all = [{ metric = "users_30d", at_least = -1 }, { metric = "users_30d" }, { flag = "public" }, { metric = "uses_30d", at_least = 1, more_than = 2 }]

[[criticality.rules]]
id = "default"
level = "hgh"
rationale = "r"
all = []
"#;
    let p = problems(text);
    let expect = [
        (5, "unknown metric 'users_90d'; expected one of: users_30d,"),
        (8, "duplicate rule id 'a'"),
        (9, "`level` must be `critical` or `high`"),
        (10, "`rationale` must say why"),
        (11, "spreadsheet"),
        (12, "`at_least` must be a count of at least 0, not -1"),
        (12, "metric 'users_30d' needs a threshold"),
        (12, "unknown flag 'public'; expected one of: shared_with_everyone"),
        (12, "give either `at_least` or `more_than`, not both"),
        (15, "`default` is reserved"),
        (16, "hgh"),
        (18, "`all` must list at least one condition"),
    ];
    for (line, fragment) in expect {
        assert!(
            p.iter().any(|(l, m)| *l == Some(line) && m.contains(fragment)),
            "no problem on line {line} containing {fragment:?} in {p:#?}"
        );
    }
    assert_eq!(p.len(), expect.len(), "{p:#?}");
}

#[test]
fn the_error_names_the_file_the_line_and_the_section() {
    let text = "[[criticality.rules]]\nid = \"x\"\nlevel = \"high\"\nrationale = \"r\"\nall = [{ metric = \"nope\", at_least = 1 }]\n";
    let err = refused(text);
    let shown = err.to_string();
    assert!(shown.starts_with("responsibility.toml is not a valid responsibility configuration"), "{shown}");
    assert!(shown.contains("responsibility.toml: line 5: [criticality.rules 'x'] unknown metric 'nope'"), "{shown}");
    assert!(shown.contains("docs/responsibility.md"), "{shown}");
}

#[test]
fn service_level_problems_name_the_line() {
    let text = r#"[service_levels.critical]
response_minutes = 0
response_max_minutes = 30
response = ""
coverage = "always"
description = "d"

[service_levels.non_critical]
response_minutes = 30
response = "r"
coverage = "business_hours"
description = "d"
"#;
    let p = problems(text);
    for (line, fragment) in [
        (2, "`response_minutes` must be between 1 and 10080"),
        (4, "`response` must not be empty"),
        (5, "unknown coverage 'always'; expected one of: 24x7, business_hours, business_hours_24x7_available"),
        (8, "high responds in 60 minutes, later than non-critical (30 minutes)"),
    ] {
        assert!(p.iter().any(|(l, m)| *l == Some(line) && m.contains(fragment)), "{line} {fragment:?} in {p:#?}");
    }
}

#[test]
fn support_problems_name_the_line() {
    let text = r#"[support]
backup_owners = 0

[support.required]
critical = "maker_supported"
high = "it_blessd"

[support.profiles.maker_supported]
description = "d"
requires = ["documented"]

[support.profiles.it_blessed]
description = "d"
requires = ["in_solution", "in_solution", "signed_off"]

[support.steps]
documented = ""
reviewed = "x"
"#;
    let p = problems(text);
    for (line, fragment) in [
        (2, "`backup_owners` must be between 1 and 10, not 0"),
        (6, "it_blessd"),
        (8, "maker_supported is the floor"),
        (14, "'in_solution' is listed twice"),
        (14, "unknown requirement 'signed_off'"),
        (17, "`documented` must not be empty"),
        (18, "unknown requirement 'reviewed'"),
        (2, "a more critical level must not need less support: critical needs maker_supported, high it_blessed"),
    ] {
        assert!(p.iter().any(|(l, m)| *l == Some(line) && m.contains(fragment)), "{line} {fragment:?} in {p:#?}");
    }
}

#[test]
fn raci_problems_name_the_line() {
    let text = r#"[[raci.activities]]
id = "two-accountable"
title = "Two accountable"
critical = { user = "A", maker = "A/R" }

[[raci.activities]]
id = "nobody-does-it"
title = "Nobody does it"
high = { maker = "A", platform_team = "C" }

[[raci.activities]]
id = "bad-letter"
title = "Bad letter"
non_critical = { maker = "A/R", user = "X" }

[[raci.activities]]
id = "bad-letter"
title = ""

[[raci.activities]]
id = "bad role"
title = "t"
critical = { maker = "A/R" }
"#;
    let p = problems(text);
    for (line, fragment) in [
        (4, "2 roles are accountable (A): user, maker; exactly one must be"),
        (9, "no role is responsible (R or A/R); at least one must be"),
        (14, "user: 'X' is not a RACI assignment"),
        (17, "duplicate activity id 'bad-letter'"),
        (17, "gives no level"),
        (18, "`title` must not be empty"),
        (21, "`id` must be a non-empty name without spaces"),
    ] {
        assert!(p.iter().any(|(l, m)| *l == Some(line) && m.contains(fragment)), "{line} {fragment:?} in {p:#?}");
    }
}

#[test]
fn an_unknown_role_is_named_with_its_line() {
    // A misspelt key stops the parse, so it is the only problem reported.
    let p =
        problems("[[raci.activities]]\nid = \"x\"\ntitle = \"X\"\n\ncritical = { maker = \"A/R\", owner = \"R\" }\n");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].0, Some(5));
    assert!(p[0].1.contains("unknown field `owner`, expected one of `user`, `maker`"), "{p:#?}");
}

#[test]
fn a_raci_without_an_accountable_role_is_refused() {
    let p = problems("[[raci.activities]]\nid = \"x\"\ntitle = \"X\"\ncritical = { maker = \"R\" }\n");
    assert_eq!(p, vec![(Some(4), "no role is accountable (A); exactly one must be".to_string())]);
}

#[test]
fn an_edited_matrix_is_checked_without_a_file() {
    let ok = Cells { maker: Assignment::AccountableResponsible, user: Assignment::Informed, ..Cells::default() };
    let mut matrix = RaciMatrix {
        activities: vec![Activity {
            id: "fix".into(),
            title: "Fix".into(),
            critical: Some(ok),
            high: None,
            non_critical: None,
        }],
    };
    assert!(matrix.problems().is_empty());
    matrix.activities[0].high = Some(Cells { platform_team: Assignment::Accountable, ..ok });
    assert_eq!(
        matrix.problems(),
        vec![
            "activity 'fix', high: 2 roles are accountable (A): maker, platform_team; exactly one must be".to_string()
        ]
    );
    assert_eq!(Assignment::parse("r/a"), Some(Assignment::AccountableResponsible));
    assert_eq!(Assignment::parse(" - "), Some(Assignment::None));
    assert_eq!(Assignment::parse("RC"), None);
}

#[test]
fn environment_admin_and_team_problems_name_the_line() {
    let text = "[environment_admins]\n\"env-1\" = [\"\"]\n\n[platform_team]\nname = \" \"\n";
    let p = problems(text);
    assert!(p.iter().any(|(l, m)| *l == Some(2) && m.contains("must not be empty")), "{p:#?}");
    assert!(p.iter().any(|(l, m)| *l == Some(5) && m.contains("`name` must not be empty")), "{p:#?}");
}

#[test]
fn a_refused_file_changes_nothing() {
    // One good section and one bad one: the whole file is refused, not half applied.
    let text = "[platform_team]\nmembers = [\"coe@contoso.com\"]\n\n[support]\nbackup_owners = 99\n";
    let err = refused(text);
    assert_eq!(err.problems.len(), 1);
    assert_eq!(err.problems[0].line, Some(5));
}

#[test]
fn an_activity_left_out_of_a_level_is_not_shown_at_that_level() {
    use steward_model::EnvironmentType;
    use steward_responsibility::{Input, named_raci};
    let text = r#"
[[raci.activities]]
id = "incident-review"
title = "Review major incidents"
critical = { platform_team = "A/R", environment_admin = "C" }

[[raci.activities]]
id = "fix-defects"
title = "Fix defects"
critical = { platform_team = "A/R" }
non_critical = { maker = "A/R" }
"#;
    let config = Config::parse(text, "raci.toml").expect("valid");
    let input = Input::new(ResourceKind::CanvasApp, EnvironmentType::Default);
    let critical = named_raci(ImpactLevel::Critical, &input, &config);
    assert_eq!(
        critical.activities.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["incident-review", "fix-defects"]
    );
    let low = named_raci(ImpactLevel::NonCritical, &input, &config);
    assert_eq!(low.activities.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["fix-defects"]);
    assert!(named_raci(ImpactLevel::High, &input, &config).activities.is_empty());
}
