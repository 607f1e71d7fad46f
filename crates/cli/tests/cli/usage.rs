//! `steward usage …` on a generated tenant: every `--json` answer is what the library computes
//! on the same database, windows end on the newest counted day, tables name what they show, and
//! bad arguments are refused with a reason.

use crate::support::{run_ok, steward};
use chrono::{Days, NaiveDate};
use serde_json::Value;
use steward_model::{UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::{ResourceUsageQuery, UsageOrder};
use steward_store_sqlite::SqliteStore;
use steward_usage::trends::{self, AnomalyQuery, DropParams, InactiveQuery};

const END: &str = "2026-11-20";

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The library's answer as the command prints it and the test reads it back (serde_json parses
/// floats to the nearest value only with a feature we do not build, so both go through text).
fn value<T: serde::Serialize>(v: &T) -> Value {
    let text = serde_json::to_string_pretty(v).expect("the answer serialises");
    serde_json::from_str(&text).expect("the answer reads back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_commands_answer_what_the_library_computes() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("tenant");
    run_ok(
        steward()
            .args(["generate", "--preset", "small", "--seed", "7", "--usage-days", "40", "--end-date", END, "--out"])
            .arg(&dump),
    );
    let db = format!("sqlite://{}", tmp.path().join("u.db").display());
    run_ok(steward().args(["--db", &db, "import"]).arg(&dump));
    let usage = |args: &[&str]| {
        let mut cmd = steward();
        cmd.args(["--db", &db, "usage"]).args(args);
        cmd
    };
    let store = SqliteStore::open(&db).unwrap();
    let end: NaiveDate = END.parse().unwrap();

    // status: the newest counted day is the generator's end date.
    let status = json(&run_ok(&mut usage(&["status", "--json"])));
    assert_eq!(status, value(&trends::status(&store, None).await.unwrap()));
    assert_eq!(status["last_day"], END);
    assert!(status["records"].as_u64().is_some_and(|n| n > 0), "{status}");
    let table = text(&run_ok(&mut usage(&["status"])));
    assert!(table.contains("records") && table.contains(&format!("to {END}")), "{table}");

    // top: 30 days ending on the newest counted day by default.
    let top = json(&run_ok(&mut usage(&["top", "--json", "--limit", "5", "--by", "users"])));
    let from = end - Days::new(29);
    let query = ResourceUsageQuery {
        tenant_id: None,
        kinds: vec![],
        environment_id: None,
        from,
        to: end,
        include_unused: false,
        order: UsageOrder::Users,
        limit: Some(5),
    };
    assert_eq!(top, value(&trends::top(&store, &query).await.unwrap()));
    assert_eq!(top["items"].as_array().map(Vec::len), Some(5), "{top}");
    let table =
        text(&run_ok(&mut usage(&["top", "--days", "7", "--kind", "canvas_app", "--kind", "model_driven_app"])));
    let first_app = trends::top(
        &store,
        &ResourceUsageQuery {
            kinds: vec![steward_model::ResourceKind::CanvasApp, steward_model::ResourceKind::ModelDrivenApp],
            from: end - Days::new(6),
            order: UsageOrder::Uses,
            limit: Some(1),
            ..query.clone()
        },
    )
    .await
    .unwrap();
    let first_id = &first_app.items[0].resource_id;
    assert!(table.contains("RANK") && table.contains(first_id.as_str()), "{table}");
    assert!(table.contains(&format!("{} to {END} (7 days)", end - Days::new(6))), "{table}");

    // trend: days of the tenant, and weeks with --from/--to.
    let trend = json(&run_ok(&mut usage(&["trend", "--json", "--days", "14"])));
    let expected =
        trends::trend(&store, UsageScope::Tenant, None, UsagePeriod::Day, UsageMetric::Use, end - Days::new(13), end)
            .await
            .unwrap();
    assert_eq!(trend, value(&expected));
    assert_eq!(trend["points"].as_array().map(Vec::len), Some(14));
    let weeks =
        json(&run_ok(&mut usage(&["trend", "--json", "--period", "week", "--from", "2026-10-26", "--to", END])));
    assert_eq!(weeks["points"].as_array().map(Vec::len), Some(4), "{weeks}");
    let table = text(&run_ok(&mut usage(&["trend", "--metric", "make", "--days", "7"])));
    assert!(table.contains("MAKERS") && table.contains("growth"), "{table}");

    // inactive: unused for 30 days as of the newest day, and never used.
    let inactive = json(&run_ok(&mut usage(&["inactive", "--json", "--days", "30"])));
    let q = InactiveQuery { days: 30, ..InactiveQuery::new(end) };
    assert_eq!(inactive, value(&trends::inactive(&store, &q).await.unwrap()));
    let never = text(&run_ok(&mut usage(&["inactive", "--never-used", "--limit", "3"])));
    let expected =
        trends::inactive(&store, &InactiveQuery { never_used: true, ..InactiveQuery::new(end) }).await.unwrap();
    assert!(never.contains(&format!("{} resources never used", expected.total)), "{never}");
    for r in expected.items.iter().take(3) {
        assert!(never.contains(&r.resource_id), "{never}");
    }

    // anomalies with parameters loose enough for a small tenant.
    let anomalies = json(&run_ok(&mut usage(&["anomalies", "--json", "--min-baseline", "1", "--drop", "0.2"])));
    let params = DropParams { min_baseline: 1.0, drop: 0.2, ..DropParams::default() };
    let q = AnomalyQuery { tenant_id: None, kinds: vec![], environment_id: None, as_of: end, params };
    assert_eq!(anomalies, value(&trends::anomalies(&store, &q).await.unwrap()));
    assert!(anomalies["busy"].as_u64().is_some_and(|n| n > 0), "{anomalies}");

    // Refusals say why.
    let refused = usage(&["trend", "--scope", "resource"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--id"), "{refused:?}");
    let refused = usage(&["anomalies", "--drop", "1.5"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at most 1"), "{refused:?}");
    let refused = usage(&["top", "--days", "3", "--from", "2026-11-01"]).output().unwrap();
    assert!(!refused.status.success());
}
