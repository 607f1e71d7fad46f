//! `steward cost …` on a generated tenant: every import keeps its good rows and names the bad
//! one by line and reason, the chargeback (text, JSON, FOCUS CSV), budgets and forecasts are
//! what the library computes on the same database, and bad periods and files say what to do.

use crate::support::run_ok;
use crate::value::Tenant;
use chrono::NaiveDate;
use serde_json::Value;
use steward_cost::{CostConfig, Period, budget, report};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// The library's answer as the command prints it (through JSON text both ways).
fn value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::from_str(&serde_json::to_string_pretty(v).expect("serialises")).expect("reads back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_imports_chargeback_budgets_and_forecasts_answer_what_the_library_computes() {
    let t = Tenant::new();
    let store = t.store();
    let config = CostConfig::default();
    let path = |name: &str, content: &str| t.file(name, content).to_str().expect("path").to_string();

    // Cost centres: line 4 has an id with '|' and is refused; the others are stored.
    let centres = path("centres.csv", "id,name,owner\nfin,Finance,Ana\nsales,Sales,\nbad|id,Broken,\n");
    let (out, err) = t.fails(&["cost", "centres", "import", &centres]);
    assert!(out.contains("cost centres: 2 stored") && out.contains("line 4:"), "{out}");
    assert!(err.contains("1 row(s) of") && err.contains("the other rows were stored"), "{err}");
    let ids: Vec<String> =
        steward_cost::records::cost_centres(store.as_ref()).await.expect("centres").into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec!["fin".to_string(), "sales".to_string()]);

    // Rules: a rule naming an unknown cost centre refuses the file and keeps the rules in force.
    let rules = path(
        "rules.csv",
        "by,value,cost_centre,split,among\ndepartment,Finance,fin,,\ndepartment,Sales,sales,,\n\
         service,CoE team,,head_count,fin;sales\nany,,,usage,\n",
    );
    assert!(stdout(&run_ok(&mut t.cmd(&["cost", "rules", "set", &rules]))).contains("4 allocation rule(s) in force"));
    let unknown = path("rules-bad.csv", "by,value,cost_centre\ndepartment,Legal,legal\n");
    let (_, err) = t.fails(&["cost", "rules", "set", &unknown]);
    assert!(err.contains("legal"), "names the unknown cost centre: {err}");
    assert_eq!(steward_cost::records::rules(store.as_ref()).await.expect("rules").len(), 4, "rules kept");

    // Prices: line 3's price is not an amount; line 4 adds an entry without its service,
    // category, meter and unit; line 2 overrides the catalogue and line 5 adds a whole entry.
    let prices = path(
        "prices.csv",
        "id,price,name,service,category,meter,unit\npower_apps_premium,12.00,,,,,\n\
         power_automate_premium,abc,,,,,\nmy_bot,9.00,RPA bot,,,,\n\
         my_bot2,9.00,RPA bot,Power Automate,purchase,assigned,user/month\n",
    );
    let (out, _) = t.fails(&["cost", "prices", "import", &prices]);
    assert!(out.contains("prices: 2 stored") && out.contains("line 3: 'abc' is not an amount"), "{out}");
    assert!(out.contains("line 4:") && out.contains("my_bot"), "the incomplete entry, on its line: {out}");
    let listed = json(&run_ok(&mut t.cmd(&["cost", "prices", "--json"])));
    let premium = listed.as_array().into_iter().flatten().find(|e| e["id"] == "power_apps_premium").expect("listed");
    assert_eq!(premium["price"], 1200);

    // Assignments: line 4 names neither a holder nor an environment.
    let assignments = path(
        "assignments.csv",
        "entry_id,principal,quantity,department\npower_apps_premium,ana@example.com,1,Finance\n\
         power_apps_premium,bo@example.com,2,Sales\npower_apps_premium,,1,Sales\n",
    );
    let (out, _) = t.fails(&["cost", "assignments", "import", &assignments]);
    assert!(out.contains("assignments: 2 stored") && out.contains("line 4: give the principal"), "{out}");

    // People: a team member without a rate is refused.
    let people =
        path("people.csv", "id,kind,name,quantity,rate\nlead,coe_team,CoE lead,1,9000.00\nnew,coe_team,No rate,1,\n");
    let (out, _) = t.fails(&["cost", "people", "import", &people]);
    assert!(out.contains("people costs: 1 stored") && out.contains("line 3: a team member needs a rate"), "{out}");

    // Budgets: a bad period is refused with what to write instead.
    let budgets =
        path("budgets.csv", "cost_centre,period,amount\nfin,2026-10,100.00\nsales,2026,100000.00\nfin,2026-13,5\n");
    let (out, _) = t.fails(&["cost", "budgets", "import", &budgets]);
    assert!(
        out.contains("budgets: 2 stored") && out.contains("line 4: invalid period '2026-13': write a month"),
        "{out}"
    );

    // The chargeback for October: JSON, text and the FOCUS CSV are the library's.
    let october: Period = "2026-10".parse().expect("month");
    let library = report::chargeback(store.as_ref(), &config, october).await.expect("library chargeback");
    assert_eq!(json(&run_ok(&mut t.cmd(&["cost", "report", "--period", "2026-10", "--json"]))), value(&library));
    let fin = library.centres.iter().find(|c| c.cost_centre == "fin").expect("fin has costs");
    // Ana's licence at the imported price and half of the CoE lead (Finance and Sales by head count).
    assert!(fin.billed_cost >= 1200, "{fin:?}");
    assert_eq!(library.centres.iter().map(|c| c.billed_cost).sum::<i64>(), library.billed_cost, "splits add up");
    let table = stdout(&run_ok(&mut t.cmd(&["cost", "report", "--period", "2026-10"])));
    assert!(table.contains(&steward_cost::money::display(library.billed_cost, &library.currency)), "{table}");
    let csv = stdout(&run_ok(&mut t.cmd(&["cost", "report", "--period", "2026-10", "--csv"])));
    let mut expected = Vec::new();
    report::write_focus_csv(&library, &mut expected).expect("library CSV");
    assert_eq!(csv, String::from_utf8(expected).expect("UTF-8"));
    let header: Vec<&str> = csv.lines().next().expect("a header").split(',').collect();
    assert_eq!(header, report::FOCUS_COLUMNS);
    for column in ["BilledCost", "EffectiveCost", "ChargePeriodStart", "ConsumedQuantity", "x_AllocationMethod"] {
        assert!(header.contains(&column), "{column}");
    }
    assert_eq!(csv.lines().count(), library.allocations.len() + 1, "one row per allocated part");

    // Budgets on 2026-10-20: fin's 100.00 for October is exceeded.
    let day = NaiveDate::from_ymd_opt(2026, 10, 20).expect("date");
    let statuses = budget::budget_status(store.as_ref(), &config, day).await.expect("library statuses");
    let alerts = budget::alerts_from(&statuses, &config);
    let printed = json(&run_ok(&mut t.cmd(&["cost", "budget", "--date", "2026-10-20", "--json"])));
    assert_eq!(printed, value(&serde_json::json!({"statuses": statuses, "alerts": alerts})));
    assert!(alerts.iter().any(|a| a.cost_centre == "fin"), "{alerts:?}");
    let table = stdout(&run_ok(&mut t.cmd(&["cost", "budget", "--date", "2026-10-20"])));
    assert!(table.contains("ALERT Finance"), "{table}");

    // Three monthly snapshots, then the forecasts the library makes from them.
    for day in ["2026-08-15", "2026-09-15", "2026-10-15"] {
        let said = stdout(&run_ok(&mut t.cmd(&["cost", "snapshot", "--date", day])));
        assert!(said.contains("consumption figure(s) recorded for"), "{said}");
    }
    let forecasts = budget::consumption_forecasts(store.as_ref(), 6).await.expect("library forecasts");
    assert!(forecasts.iter().any(|f| f.metric == "cost:fin"), "{forecasts:?}");
    assert_eq!(json(&run_ok(&mut t.cmd(&["cost", "forecast", "--months", "6", "--json"]))), value(&forecasts));

    // Bad periods and missing files say what to do.
    let (_, err) = t.fails(&["cost", "report", "--period", "2026-13"]);
    assert!(err.contains("invalid period '2026-13': write a month (2026-10), a quarter (2026-Q4) or a year"), "{err}");
    let (_, err) = t.fails(&["cost", "budgets", "import", "missing.csv"]);
    assert!(err.contains("cannot read missing.csv") && err.contains("check the path"), "{err}");
}
