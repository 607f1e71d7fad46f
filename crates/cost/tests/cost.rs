//! steward-cost against a real SQLite store: a small estate with licences, capacity, usage and a
//! CoE team, allocated by rules to three cost centres; figures worked out by hand in the comments.

use std::sync::Arc;
use steward_cost::records::{self, AllocationRule, Budget, CostCentre, PeopleCost, PeopleKind, RuleBasis, SplitBasis};
use steward_cost::{CostConfig, Period, budget, report, resource_costs, unused};
use steward_model::{Capacity, License, LicenseAssignment, ResourceKind, UsageKind};
use steward_store::Store;
use steward_store::conformance::{Dataset, at, environment, event, load, owner, principal, resource, tenant};
use steward_store_sqlite::SqliteStore;

fn month(s: &str) -> Period {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn estate(dir: &std::path::Path) -> Arc<dyn Store> {
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.join("steward.db").display().to_string()).expect("open sqlite"));
    store.migrate().await.expect("migrate");
    let mut fin_env = environment("t1", "env-fin");
    fin_env.environment_group = Some("Finance".into());
    fin_env.capacity = vec![
        Capacity { capacity_type: "Database".into(), actual_mb: 2048.0, rated_mb: 0.0 },
        Capacity { capacity_type: "File".into(), actual_mb: 1024.0, rated_mb: 0.0 },
    ];
    let mut hr_env = environment("t1", "env-hr");
    hr_env.capacity = vec![Capacity { capacity_type: "Database".into(), actual_mb: 1024.0, rated_mb: 0.0 }];
    let person = |id: &str, dept: &str, enabled: bool| {
        let mut p = principal("t1", id, &format!("{id}@example.com"));
        p.department = Some(dept.into());
        p.enabled = enabled;
        p
    };
    let mut app1 = resource("t1", "env-fin", "app-1", ResourceKind::CanvasApp, "Expenses");
    app1.owners = vec![owner("ana")];
    let mut flow1 = resource("t1", "env-fin", "flow-1", ResourceKind::CloudFlow, "Invoices");
    flow1.owners = vec![owner("bo")];
    let mut app2 = resource("t1", "env-hr", "app-2", ResourceKind::CanvasApp, "Leave");
    app2.owners = vec![owner("di")];
    let mut events = Vec::new();
    for (i, who) in ["ana", "ana", "ana", "bo"].iter().enumerate() {
        events.push(event(
            "t1",
            &format!("a{i}"),
            Some("app-1"),
            Some(who),
            UsageKind::Launch,
            at(2026, 10, 5 + i as u32, 9, 0, 0, 0),
        ));
    }
    events.push(event("t1", "f0", Some("flow-1"), Some("bo"), UsageKind::Run, at(2026, 10, 12, 9, 0, 0, 0)));
    load(
        &store,
        &Dataset {
            tenants: vec![tenant("t1")],
            environments: vec![fin_env, hr_env],
            principals: vec![
                person("ana", "Finance", true),
                person("bo", "Sales", true),
                person("cy", "Sales", true),
                person("di", "HR", true),
                person("ex", "Finance", false),
            ],
            resources: vec![app1, flow1, app2],
            events,
            ..Default::default()
        },
    )
    .await;
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_licenses(vec![License {
        tenant_id: "t1".into(),
        sku_id: "s-pa".into(),
        sku_part_number: "POWERAPPS_PER_USER".into(),
        capability_status: Some("Enabled".into()),
        enabled_units: 10,
        consumed_units: 4,
        service_plans: vec![],
    }])
    .await
    .expect("licences");
    tx.set_license_assignments(
        ["ana", "bo", "cy", "ex"]
            .iter()
            .map(|p| LicenseAssignment { principal_id: p.to_string(), sku_ids: vec!["s-pa".into()] })
            .collect(),
    )
    .await
    .expect("assignments");
    tx.commit().await.expect("commit");

    let now = chrono::Utc::now();
    let centre = |id: &str, name: &str| CostCentre { id: id.into(), name: name.into(), owner: None, head_count: None };
    records::put_cost_centres(
        store.as_ref(),
        &[centre("fin", "Finance"), centre("sales", "Sales"), centre("hr", "HR")],
        now,
    )
    .await
    .expect("centres");
    let rule =
        |by: RuleBasis, value: &str, to: Option<&str>, split: Option<SplitBasis>, among: &[&str]| AllocationRule {
            by,
            value: value.into(),
            cost_centre: to.map(str::to_string),
            split,
            among: among.iter().map(|s| s.to_string()).collect(),
        };
    records::set_rules(
        store.as_ref(),
        &[
            rule(RuleBasis::Department, "Finance", Some("fin"), None, &[]),
            rule(RuleBasis::Department, "Sales", Some("sales"), None, &[]),
            rule(RuleBasis::EnvironmentGroup, "finance", Some("fin"), None, &[]),
            rule(RuleBasis::Environment, "env-hr", Some("hr"), None, &[]),
            rule(RuleBasis::Service, "CoE team", None, Some(SplitBasis::HeadCount), &["fin", "sales", "hr"]),
            rule(RuleBasis::Any, "", None, Some(SplitBasis::Usage), &[]),
        ],
        now,
    )
    .await
    .expect("rules");
    let budget = |c: &str, p: &str, amount: i64| Budget {
        cost_centre: c.into(),
        period: month(p),
        amount,
        currency: "USD".into(),
    };
    records::put_budgets(
        store.as_ref(),
        &[budget("fin", "2026-10", 300_000), budget("sales", "2026-Q4", 3_000_000)],
        now,
    )
    .await
    .expect("budgets");
    store
}

fn config() -> CostConfig {
    CostConfig {
        team: vec![PeopleCost {
            id: "lead".into(),
            kind: PeopleKind::CoeTeam,
            name: "CoE lead".into(),
            month: None,
            quantity: 1.0,
            rate: Some(900_000),
            principal_id: None,
            department: None,
            resource_id: None,
            cost_centre: None,
        }],
        ..CostConfig::default()
    }
}

#[tokio::test]
async fn chargeback_places_every_cost_and_adds_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = estate(dir.path()).await;
    let r = report::chargeback(store.as_ref(), &config(), month("2026-10")).await.expect("chargeback");
    let by: std::collections::BTreeMap<&str, i64> =
        r.centres.iter().map(|c| (c.cost_centre.as_str(), c.billed_cost)).collect();
    // fin: licences of ana and ex (2 × 20.00), half the 6 unassigned seats (active users: ana
    // for fin, bo for sales), env-fin capacity (2 GB × 40.00 + 1 GB × 2.00), a third of the CoE
    // lead by head count (enabled people: ana → fin; bo, cy → sales; di → default).
    assert_eq!(by.get("fin"), Some(&(4_000 + 6_000 + 8_000 + 200 + 300_000)));
    assert_eq!(by.get("sales"), Some(&(4_000 + 6_000 + 600_000)));
    assert_eq!(by.get("hr"), Some(&4_000));
    assert_eq!(r.billed_cost, 932_200);
    assert_eq!(by.values().sum::<i64>(), r.billed_cost, "the cost centres add up to the total");

    let mut csv = Vec::new();
    report::write_focus_csv(&r, &mut csv).expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().expect("headers").clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), report::FOCUS_COLUMNS);
    let mut cents = 0i64;
    for row in rows.records() {
        let row = row.expect("row");
        cents += steward_cost::import::parse_amount(&row[0]).expect("BilledCost is an amount");
        assert_eq!(&row[4], "2026-10-01T00:00:00Z");
        assert_eq!(&row[5], "2026-11-01T00:00:00Z");
    }
    assert_eq!(cents, 932_200, "the CSV's BilledCost adds up to the report");
    assert!(text.contains("head_count 1 of 3"), "the split basis is written: {text}");
}

#[tokio::test]
async fn resource_costs_split_capacity_by_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = estate(dir.path()).await;
    let costs = resource_costs(store.as_ref(), &config(), month("2026-10")).await.expect("resource_costs");
    let by: Vec<(&str, i64)> = costs.iter().map(|c| (c.resource_id.as_str(), c.amount)).collect();
    // env-fin: 80.00 + 2.00 split 4 : 1 by uses; env-hr: 40.00 to its only app, unused → even.
    assert_eq!(by, vec![("app-1", 6_400 + 160), ("app-2", 4_000), ("flow-1", 1_600 + 40)]);
    assert!(costs[0].parts[0].derivation.contains("by uses (4 of 5)"), "{:?}", costs[0].parts);
    assert!(costs[1].parts[0].derivation.contains("even"));
    let quarter = resource_costs(store.as_ref(), &config(), month("2026-Q4")).await.expect("quarter");
    assert_eq!(quarter.iter().find(|c| c.resource_id == "app-2").map(|c| c.amount), Some(12_000), "three months");
}

#[tokio::test]
async fn budgets_alert_and_unused_licences_are_savings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = estate(dir.path()).await;
    let cfg = config();
    let statuses = budget::budget_status(store.as_ref(), &cfg, day("2026-10-31")).await.expect("status");
    let fin = statuses.iter().find(|s| s.cost_centre == "fin").expect("fin");
    assert_eq!(fin.state, budget::BudgetState::Over);
    assert_eq!(fin.month_budget, Some(300_000));
    let sales = statuses.iter().find(|s| s.cost_centre == "sales").expect("sales");
    assert_eq!(sales.month_budget, Some(1_000_000));
    assert_eq!(sales.state, budget::BudgetState::Within);
    let alerts = budget::alerts_from(&statuses, &cfg);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].message.contains("Finance"));

    let unused = unused::unused_licences(store.as_ref(), &cfg, day("2026-10-31")).await.expect("unused");
    let who: Vec<(&str, &str)> = unused.items.iter().map(|i| (i.principal_id.as_str(), i.reason.as_str())).collect();
    assert_eq!(who, vec![("cy", "no activity since 2026-08-02"), ("ex", "account disabled or deleted")]);
    assert_eq!(unused.monthly_total, 4_000);
    assert!(!unused.complete, "usage starts in October, so the 90 days are not covered");

    let n = budget::record_month(store.as_ref(), &cfg, day("2026-10-31"), chrono::Utc::now()).await.expect("snapshot");
    assert!(n > 0);
    let points = records::consumption(store.as_ref()).await.expect("consumption");
    let get = |m: &str| points.iter().find(|p| p.metric == m).map(|p| p.quantity);
    assert_eq!(get("licence:power_apps_premium"), Some(10.0), "4 held + 6 unassigned");
    assert_eq!(get("capacity:database"), Some(3.0));
    assert_eq!(get("cost:fin"), Some(318_200.0));
    let forecasts = budget::consumption_forecasts(store.as_ref(), 3).await.expect("forecasts");
    assert!(forecasts.iter().all(|f| f.points.len() == 3 && f.method == "flat"));
}

#[tokio::test]
async fn a_bad_import_row_is_refused_and_stored_rows_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = estate(dir.path()).await;
    let parsed = steward_cost::import::budgets(b"cost_centre,period,amount\nhr,2026-10,100\nhr,2026-1O,5\n", "USD")
        .expect("parse");
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(parsed.rejected[0].line, 3);
    records::put_budgets(store.as_ref(), &parsed.rows, chrono::Utc::now()).await.expect("store");
    let budgets = records::budgets(store.as_ref()).await.expect("budgets");
    assert_eq!(budgets.len(), 3, "the two earlier budgets are still there, and the good row was added");
}
