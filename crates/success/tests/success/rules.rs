//! Rule files: the defaults, and bad files refused whole with the file, rule, line and reason.

use steward_model::ResourceKind;
use steward_success::{DEFAULT_RULES, Metric, RuleSet, RulesError};

fn refused(text: &str) -> RulesError {
    RuleSet::parse(text, "board.toml").expect_err("the rule set must be refused")
}

const GOOD_RULE: &str = r#"
version = 2

[[rules]]
id = "busy"
title = "Busy app"
rationale = "Our own threshold."
kinds = ["canvas_app"]
window_days = 7
all = [{ metric = "uses", at_least = 10 }]
"#;

#[test]
fn defaults_parse_and_carry_the_documented_thresholds() {
    let rules = RuleSet::parse(DEFAULT_RULES, "defaults").unwrap();
    assert_eq!(rules, RuleSet::defaults(), "defaults() is the embedded file");
    let threshold = |id: &str, metric: Metric| {
        let rule = rules.rules.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no default rule {id}"));
        let c = rule.any.iter().chain(&rule.all).find(|c| c.metric == metric).unwrap();
        (rule.kinds.clone(), rule.window_days, c.at_least)
    };
    let apps = vec![ResourceKind::CanvasApp, ResourceKind::ModelDrivenApp, ResourceKind::CodeApp];
    assert_eq!(threshold("high-use-apps", Metric::Uses), (apps.clone(), 28, 100.0));
    assert_eq!(threshold("high-use-cloud-flows", Metric::PeakDailyUses), (vec![ResourceKind::CloudFlow], 28, 150.0));
    assert_eq!(
        threshold("high-use-desktop-flows", Metric::PeakDailyUses),
        (vec![ResourceKind::DesktopFlow], 28, 100.0)
    );
    assert_eq!(threshold("high-use-agents", Metric::Uses), (vec![ResourceKind::Agent], 28, 200.0));
    assert_eq!(threshold("coe-production-apps", Metric::Uses), (apps.clone(), 30, 50.0));
    assert_eq!(threshold("coe-production-apps", Metric::UniqueUsers), (apps, 30, 5.0));
    let coe = rules.rules.iter().find(|r| r.id == "coe-production-apps").unwrap();
    assert!(coe.all.is_empty() && coe.any.len() == 2, "50 sessions OR 5 unique users");
    assert!(rules.rules.iter().all(|r| !r.rationale.is_empty()), "every default says where it comes from");
}

#[test]
fn a_good_rule_parses() {
    let rules = RuleSet::parse(GOOD_RULE, "board.toml").unwrap();
    assert_eq!(rules.version, 2);
    assert_eq!(rules.rules[0].metrics(), [Metric::Uses]);
    assert!(rules.rules[0].fires(|_| Some(10.0)) && !rules.rules[0].fires(|_| Some(9.0)));
}

#[test]
fn any_and_all_combine() {
    let text = GOOD_RULE.replace(
        r#"all = [{ metric = "uses", at_least = 10 }]"#,
        r#"all = [{ metric = "uses", at_least = 10 }]
any = [{ metric = "unique_users", at_least = 3 }, { metric = "growth_pct", at_least = -20 }]"#,
    );
    let rule = &RuleSet::parse(&text, "board.toml").unwrap().rules[0];
    let figures = |uses: f64, users: f64, growth: Option<f64>| {
        move |m: Metric| match m {
            Metric::Uses => Some(uses),
            Metric::UniqueUsers => Some(users),
            Metric::GrowthPct => growth,
            _ => None,
        }
    };
    assert!(rule.fires(figures(10.0, 3.0, None)), "all holds and one of any");
    assert!(rule.fires(figures(10.0, 1.0, Some(-20.0))), "a negative growth threshold is allowed");
    assert!(!rule.fires(figures(10.0, 1.0, None)), "unknown growth never holds");
    assert!(!rule.fires(figures(9.0, 30.0, Some(50.0))), "all must hold");
}

#[test]
fn unknown_metric_names_file_rule_line_and_the_choices() {
    let err = refused(&GOOD_RULE.replace("metric = \"uses\"", "metric = \"launches\""));
    let message = err.to_string();
    assert_eq!(err.problems.len(), 1, "{message}");
    assert_eq!(err.problems[0].rule.as_deref(), Some("busy"));
    assert_eq!(err.problems[0].line, Some(10), "the line of the condition: {message}");
    for part in ["board.toml", "rule 'busy'", "unknown metric 'launches'", "peak_daily_uses", "nothing was changed"] {
        assert!(message.contains(part), "missing {part:?} in: {message}");
    }
}

#[test]
fn unknown_kind_zero_window_and_duplicate_id_are_all_reported() {
    let second = GOOD_RULE.split("[[rules]]").nth(1).unwrap();
    let text = format!(
        "{}[[rules]]{}",
        GOOD_RULE.replace("\"canvas_app\"", "\"canvas_apps\"").replace("window_days = 7", "window_days = 0"),
        second
    );
    let err = refused(&text);
    let messages: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("line 8: rule 'busy': unknown resource kind 'canvas_apps'"), "{messages:?}");
    assert!(messages[1].starts_with("line 9: rule 'busy': `window_days` must be between 1 and"), "{messages:?}");
    assert!(messages[2].contains("duplicate rule id 'busy'"), "{messages:?}");
    assert_eq!(err.problems[2].line, Some(12), "the second rule's id line");
}

#[test]
fn structural_mistakes_are_refused() {
    let cases = [
        (GOOD_RULE.replace("at_least = 10", "at_lest = 10"), "unknown field `at_lest`"),
        (GOOD_RULE.replace("window_days = 7\n", ""), "missing field `window_days`"),
        (GOOD_RULE.replace("version = 2", "version = 0"), "`version` must be a whole number of at least 1"),
        (GOOD_RULE.replace("at_least = 10", "at_least = -1"), "must be a number of at least 0"),
        (GOOD_RULE.replace(r#"all = [{ metric = "uses", at_least = 10 }]"#, ""), "the rule has no condition"),
        (GOOD_RULE.replace("kinds = [\"canvas_app\"]", "kinds = []"), "`kinds` must name at least one"),
        (GOOD_RULE.replace("rationale = \"Our own threshold.\"", "rationale = \" \""), "`rationale` must say why"),
        (GOOD_RULE.replace("title = \"Busy app\"", "title = \"Busy app"), "line 6"),
    ];
    for (text, expected) in cases {
        let message = refused(&text).to_string();
        assert!(message.contains(expected), "expected {expected:?} in: {message}");
        assert!(message.contains("board.toml"), "the file is named: {message}");
    }
}
