//! Each default rule fires at its threshold and not one below, on a real SQLite store.

use crate::support::{Usage, as_of, days_ago, store};
use std::collections::BTreeSet;
use steward_model::ResourceKind;
use steward_success::{Finding, RuleSet, evaluate};

fn fired(findings: &[Finding]) -> BTreeSet<(String, String)> {
    findings.iter().map(|f| (f.rule_id.clone(), f.resource_id.clone())).collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter().map(|(r, id)| (r.to_string(), id.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_rules_fire_at_their_thresholds_and_not_below() {
    let s = store().await;
    let users5 = ["u1", "u2", "u3", "u4", "u5"];
    Usage::new()
        .resource("app-100", ResourceKind::CanvasApp)
        .resource("app-99", ResourceKind::ModelDrivenApp)
        .resource("app-old", ResourceKind::CanvasApp)
        .resource("app-50", ResourceKind::CodeApp)
        .resource("app-49", ResourceKind::CanvasApp)
        .resource("app-5-users", ResourceKind::CanvasApp)
        .resource("app-4-users", ResourceKind::CanvasApp)
        .resource("flow-150", ResourceKind::CloudFlow)
        .resource("flow-149", ResourceKind::CloudFlow)
        .resource("desktop-100", ResourceKind::DesktopFlow)
        .resource("desktop-99", ResourceKind::DesktopFlow)
        .resource("agent-200", ResourceKind::Agent)
        .resource("agent-199", ResourceKind::Agent)
        // 100 launches over 28 days is high use; 99 is not (but both are CoE production apps).
        .spread("app-100", 100, 28)
        .spread("app-99", 99, 28)
        // 200 launches a day before the 30-day window (the windows end on as_of).
        .uses("app-old", days_ago(30), 200, &["u1"])
        .spread("app-50", 50, 30)
        .spread("app-49", 49, 30)
        .uses("app-5-users", days_ago(3), 5, &users5)
        .uses("app-4-users", days_ago(3), 8, &users5[..4])
        // 150 runs on one day is high use, even with little on other days; 149 is not, however many days.
        .uses("flow-150", days_ago(10), 150, &["u1"])
        .uses("flow-150", days_ago(2), 3, &["u1"])
        .uses("flow-149", days_ago(10), 149, &["u1"])
        .uses("flow-149", days_ago(9), 149, &["u1"])
        .uses("desktop-100", days_ago(27), 100, &["u1"])
        .uses("desktop-99", days_ago(0), 99, &["u1"])
        .spread("agent-200", 200, 28)
        .spread("agent-199", 199, 28)
        .load(&s.store)
        .await;

    let findings = evaluate(s.store.as_ref(), &RuleSet::defaults(), as_of()).await.unwrap();
    assert_eq!(
        fired(&findings),
        pairs(&[
            ("high-use-apps", "app-100"),
            ("high-use-cloud-flows", "flow-150"),
            ("high-use-desktop-flows", "desktop-100"),
            ("high-use-agents", "agent-200"),
            ("coe-production-apps", "app-100"),
            ("coe-production-apps", "app-99"),
            ("coe-production-apps", "app-50"),
            ("coe-production-apps", "app-5-users"),
        ]),
        "each default fires at its threshold and not one below"
    );

    let flow = findings.iter().find(|f| f.resource_id == "flow-150").unwrap();
    assert_eq!(flow.figures, serde_json::json!({ "peak_daily_uses": 150 }), "the figures that made it fire");
    assert_eq!((flow.window_from, flow.window_to), (days_ago(27), as_of()), "28 days ending on as_of");
    assert_eq!(flow.rule_version, 1);
    assert_eq!(flow.display_name.as_deref(), Some("Name of flow-150"));
    let coe = findings.iter().find(|f| f.resource_id == "app-5-users").unwrap();
    assert_eq!(coe.figures, serde_json::json!({ "uses": 5, "unique_users": 5 }), "every metric of the rule");
    assert_eq!(coe.window_from, days_ago(29), "the CoE month is 30 days");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn growth_departments_and_active_days() {
    let s = store().await;
    Usage::new()
        .resource("grower", ResourceKind::CanvasApp)
        .resource("steady", ResourceKind::CanvasApp)
        .resource("newcomer", ResourceKind::CanvasApp)
        .resource("flow", ResourceKind::CloudFlow)
        .user("u1", "Finance")
        .user("u2", "Sales")
        .user("u3", "Legal")
        .user("u4", "sales")
        // Previous 7-day window: 10 uses each; this window: 15 (+50%) and 12 (+20%).
        .uses("grower", days_ago(10), 10, &["u1"])
        .uses("grower", days_ago(1), 15, &["u1", "u2", "u3"])
        .uses("steady", days_ago(8), 10, &["u1"])
        .uses("steady", days_ago(0), 6, &["u2", "u4"])
        .uses("steady", days_ago(6), 6, &["u2"])
        .uses("newcomer", days_ago(0), 40, &["u1", "u2", "u3"])
        .uses("flow", days_ago(1), 40, &["u1", "u2", "u3"])
        .load(&s.store)
        .await;
    let rules = RuleSet::parse(
        r#"
version = 2
[[rules]]
id = "growing"
title = "Growing"
rationale = "Test."
kinds = ["canvas_app"]
window_days = 7
all = [{ metric = "growth_pct", at_least = 50 }]

[[rules]]
id = "spread"
title = "Reaches three departments on two days"
rationale = "Test."
kinds = ["canvas_app"]
window_days = 7
all = [{ metric = "departments", at_least = 3 }, { metric = "active_days", at_least = 1 }]
"#,
        "test rules",
    )
    .unwrap();
    let findings = evaluate(s.store.as_ref(), &rules, as_of()).await.unwrap();
    assert_eq!(
        fired(&findings),
        pairs(&[("growing", "grower"), ("spread", "grower"), ("spread", "newcomer")]),
        "+50% fires, +20% does not, growth from nothing does not; Sales and sales are one department; \
         the flow is not a canvas app"
    );
    let figures = |rule: &str, id: &str| {
        findings.iter().find(|f| f.rule_id == rule && f.resource_id == id).map(|f| f.figures.clone()).unwrap()
    };
    assert_eq!(figures("growing", "grower"), serde_json::json!({ "growth_pct": 50 }));
    assert_eq!(figures("spread", "newcomer"), serde_json::json!({ "active_days": 1, "departments": 3 }));

    // The steady app: 12 uses against 10 before.
    let loose = RuleSet::parse(&rules_with_growth(20.0), "loose").unwrap();
    let loose_findings = evaluate(s.store.as_ref(), &loose, as_of()).await.unwrap();
    let steady = loose_findings.iter().find(|f| f.resource_id == "steady").unwrap();
    assert_eq!(steady.figures, serde_json::json!({ "growth_pct": 20 }));
    assert!(loose_findings.iter().all(|f| f.resource_id != "newcomer"), "no growth percentage from nothing");
}

fn rules_with_growth(pct: f64) -> String {
    format!(
        "version = 3\n[[rules]]\nid = \"g\"\ntitle = \"G\"\nrationale = \"Test.\"\nkinds = [\"canvas_app\"]\n\
         window_days = 7\nall = [{{ metric = \"growth_pct\", at_least = {pct} }}]\n"
    )
}
