//! steward-value against a real SQLite store: values from real uses at the owner's department
//! rate, the ROI report with fixed costs, imports that keep the good rows; and the import
//! parser under seeded random damage (it answers, never panics).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use steward_model::{ResourceKind, UsageKind};
use steward_store::Store;
use steward_store::conformance::{Dataset, at, environment, event, load, owner, principal, resource, tenant};
use steward_store::value::{NewValueRecord, ValueFigures, ValueKind, ValueQuery, ValueStory};
use steward_store_sqlite::SqliteStore;
use steward_value::import::{Format, parse};
use steward_value::roi::{CostFigure, FixedCosts, NoCosts, Roi};
use steward_value::{ValueConfig, ValuePeriod, report, store_import};

async fn store_with_usage(dir: &std::path::Path) -> Arc<dyn Store> {
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.join("steward.db").display().to_string()).expect("open sqlite"));
    store.migrate().await.expect("migrate");
    let mut app = resource("t1", "env-1", "app-1", ResourceKind::CanvasApp, "Expense claims");
    app.owners = vec![owner("p-mia")];
    let mut flow = resource("t1", "env-1", "flow-1", ResourceKind::CloudFlow, "Invoice sync");
    flow.owners = vec![owner("p-bob")];
    let mut bob = principal("t1", "p-bob", "bob@example.com");
    bob.department = Some("Sales".into());
    bob.country = Some("US".into());
    // app-1: 6 launches in October over 2 ISO weeks (Mon 5th, Wed 7th; Mon 19th); one in September.
    let mut events = Vec::new();
    for (i, (d, h)) in [(5, 9), (5, 10), (7, 9), (7, 11), (19, 9), (19, 10)].iter().enumerate() {
        events.push(event(
            "t1",
            &format!("e{i}"),
            Some("app-1"),
            Some("p-mia"),
            UsageKind::Launch,
            at(2026, 10, *d, *h, 0, 0, 0),
        ));
    }
    events.push(event("t1", "e-sep", Some("app-1"), Some("p-mia"), UsageKind::Launch, at(2026, 9, 30, 9, 0, 0, 0)));
    // flow-1: runs in 3 different weeks.
    for (i, d) in [1, 12, 26].iter().enumerate() {
        events.push(event(
            "t1",
            &format!("f{i}"),
            Some("flow-1"),
            Some("p-bob"),
            UsageKind::Run,
            at(2026, 10, *d, 8, 0, 0, 0),
        ));
    }
    let data = Dataset {
        tenants: vec![tenant("t1")],
        environments: vec![environment("t1", "env-1")],
        principals: vec![principal("t1", "p-mia", "mia@example.com"), bob],
        resources: vec![app, flow],
        events,
        ..Default::default()
    };
    load(&store, &data).await;
    store
}

fn record(resource: &str, kind: ValueKind, per_use: Option<i64>, per_week: Option<i64>) -> NewValueRecord {
    NewValueRecord {
        resource_id: resource.into(),
        kind,
        figures: ValueFigures {
            centiminutes_per_use: per_use,
            centiminutes_per_week: per_week,
            currency: "EUR".into(),
            ..Default::default()
        },
        story: ValueStory::default(),
        recorded_by: "mia".into(),
        recorded_at: at(2026, 11, 1, 9, 0, 0, 0),
    }
}

fn config() -> steward_value::Rates {
    let config: ValueConfig = toml::from_str(
        "currency = \"EUR\"\nhourly_cost = 40\n[hourly_cost_by_department]\nFinance = 60\n[hourly_cost_by_country]\nUS = 90\n",
    )
    .expect("config");
    config.rates().expect("rates")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_from_real_uses_at_the_owners_rate_and_roi() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_usage(dir.path()).await;
    // app-1: 10 min per use; flow-1: 30 min per active week.
    store.record_value(&record("app-1", ValueKind::Actual, Some(1000), None)).await.expect("record");
    store.record_value(&record("app-1", ValueKind::Potential, Some(2000), None)).await.expect("record");
    store.record_value(&record("flow-1", ValueKind::Actual, None, Some(3000))).await.expect("record");
    let period = ValuePeriod::parse("2026-10").expect("period");
    let rates = config();

    let values = steward_value::gather::resource_values(store.as_ref(), &rates, &period, &ValueQuery::default())
        .await
        .expect("values");
    let app = values.iter().find(|v| v.facts.resource_id == "app-1").expect("app-1");
    assert_eq!((app.usage.uses, app.usage.active_weeks), (6, 2), "September's launch is outside the period");
    assert_eq!(app.facts.department.as_deref(), Some("Finance"));
    // 6 uses × 10 min = 1 h × 60.00 (Finance) = 60.00; potential 6 × 20 min = 2 h = 120.00
    assert_eq!(app.actual.as_ref().map(|v| v.total), Some(6000));
    assert_eq!(app.potential.as_ref().map(|v| v.total), Some(12_000), "potential kept apart");
    assert!(app.rate.source.starts_with("department Finance"));
    let flow = values.iter().find(|v| v.facts.resource_id == "flow-1").expect("flow-1");
    // department Sales has no rate, country US does: 3 weeks × 30 min = 1.5 h × 90.00 = 135.00
    assert_eq!(flow.usage.active_weeks, 3);
    assert_eq!(flow.actual.as_ref().map(|v| v.total), Some(13_500));
    assert!(flow.rate.source.starts_with("country US"));

    let costs = FixedCosts(BTreeMap::from([(
        "app-1".to_string(),
        CostFigure { amount: 2400, currency: "EUR".into(), explanation: "test".into() },
    )]));
    let r = report::build(store.as_ref(), &rates, &period, &costs, at(2026, 11, 2, 0, 0, 0, 0), None)
        .await
        .expect("report");
    assert_eq!(r.total.value, 19_500);
    assert_eq!(r.total.cost, Some(2400));
    assert_eq!(r.total.roi, Roi::Ratio { hundredths: 813 }, "195.00 ÷ 24.00 = 8.125 → 8.13");
    assert_eq!(r.resources[0].key, "flow-1", "highest value first");
    assert!(matches!(r.resources[0].roi, Roi::NotAvailable { .. }), "flow-1 has no cost");
    assert_eq!(r.resources[1].roi, Roi::Ratio { hundredths: 250 });
    assert_eq!(r.business_units.len(), 2);
    let md = report::render_markdown(&r);
    assert!(md.contains("| Expense claims | 60.00 EUR | 120.00 EUR | 24.00 EUR | 2.50× |"), "{md}");
    assert!(md.contains("6 uses × 10.00 min ÷ 60 × 60.00 EUR/h = 60.00 EUR"), "{md}");
    let html = report::render_html(&r);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("8.13×"));
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["total"]["roi"]["state"], "ratio");

    let none = report::build(
        store.as_ref(),
        &rates,
        &period,
        &NoCosts("no cost engine".into()),
        at(2026, 11, 2, 0, 0, 0, 0),
        None,
    )
    .await
    .expect("report");
    assert_eq!(none.total.roi, Roi::NotAvailable { reason: "no cost engine".into() });
    assert!(report::render_markdown(&none).contains("n/a (no cost engine)"));

    // A maker's view: only their own resources, in the rows and in the totals.
    let own: std::collections::HashSet<String> = ["flow-1".to_string()].into();
    let mine = report::build(store.as_ref(), &rates, &period, &costs, at(2026, 11, 2, 0, 0, 0, 0), Some(&own))
        .await
        .expect("report");
    assert_eq!(mine.resources.len(), 1);
    assert_eq!(mine.total.value, 13_500);
    assert_eq!(mine.total.cost, None, "app-1's cost is not theirs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_stores_good_rows_and_names_the_bad_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_usage(dir.path()).await;
    store.record_value(&record("flow-1", ValueKind::Actual, Some(100), None)).await.expect("record");
    let csv = "resource_id,kind,minutes_per_use,users_impacted,problem\n\
               app-1,actual,4.5,30,Paper\n\
               ghost,actual,1,,\n\
               flow-1,actual,abc,,\n\
               flow-1,potential,2,,\n";
    let parsed = parse(csv, Format::Csv).expect("parse");
    let outcome =
        store_import(store.as_ref(), parsed, "EUR", "importer", at(2026, 11, 3, 0, 0, 0, 0)).await.expect("import");
    assert_eq!(outcome.stored.len(), 2);
    let places: Vec<&str> = outcome.rejected.iter().map(|e| e.place.as_str()).collect();
    assert_eq!(places, vec!["line 3", "line 4"]);
    assert!(outcome.rejected[0].reason.contains("ghost"));
    let flow = store
        .value_records(&ValueQuery {
            resource_ids: Some(vec!["flow-1".into()]),
            kind: Some(ValueKind::Actual),
            ..Default::default()
        })
        .await
        .expect("records");
    assert_eq!(flow[0].figures.centiminutes_per_use, Some(100), "a refused row leaves the stored record alone");
    let app = store
        .value_records(&ValueQuery { resource_ids: Some(vec!["app-1".into()]), ..Default::default() })
        .await
        .expect("records");
    assert_eq!(app[0].figures.currency, "EUR");
    assert_eq!(app[0].figures.users_impacted, Some(30));
    assert_eq!(app[0].recorded_by, "importer");
}

const GOOD_CSV: &str = "resource_id,kind,users_impacted,minutes_per_use,minutes_per_week,cost_avoided_per_year,\
revenue_enabled_per_year,currency,problem,solution,obstacles,value,next_steps\n\
app-1,actual,12,5.5,,1200.00,,EUR,\"Paper, slow\",App,,Faster,More\n\
app-2,potential,,,90,,5000,USD,,,,,\n";

const GOOD_JSON: &str = r#"[{"resource_id":"app-1","kind":"actual","minutes_per_use":5.5,"currency":"EUR","problem":"Paper"},
{"resource_id":"app-2","kind":"potential","minutes_per_week":"90","revenue_enabled_per_year":5000,"currency":"USD"}]"#;

fn damage(rng: &mut ChaCha8Rng, text: &str) -> String {
    let mut bytes: Vec<u8> = text.as_bytes().to_vec();
    let noise: &[u8] = b",\"\n\r{}[]:.-0123456789 \\\xef\xbb\xbfaZ\x00\xff";
    for _ in 0..rng.random_range(1..8) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..5) {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, noise[rng.random_range(0..noise.len())]),
            2 => bytes[at] = noise[rng.random_range(0..noise.len())],
            3 => bytes.truncate(at),
            _ => {
                let end = (at + rng.random_range(1..40)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn damaged_files_never_panic_and_every_row_is_accounted_for() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for round in 0..4000 {
        let (base, format) = if round % 2 == 0 { (GOOD_CSV, Format::Csv) } else { (GOOD_JSON, Format::Json) };
        let text = damage(&mut rng, base);
        match parse(&text, format) {
            Ok(parsed) => {
                for e in &parsed.errors {
                    assert!(!e.reason.is_empty() && !e.place.is_empty(), "round {round}: {e:?}");
                }
                for r in &parsed.rows {
                    assert!(!r.resource_id.is_empty(), "round {round}: {text:?}");
                    let f = &r.figures;
                    for v in [
                        f.centiminutes_per_use,
                        f.centiminutes_per_week,
                        f.cost_avoided_per_year,
                        f.revenue_enabled_per_year,
                    ] {
                        assert!(v.is_none_or(|v| v >= 0), "round {round}: negative figure from {text:?}");
                    }
                }
            }
            Err(message) => assert!(!message.is_empty(), "round {round}"),
        }
    }
    // The undamaged files parse completely.
    assert_eq!(parse(GOOD_CSV, Format::Csv).expect("csv").rows.len(), 2);
    assert_eq!(parse(GOOD_JSON, Format::Json).expect("json").rows.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cost_engine_is_a_cost_source_for_any_period_prorated_by_days() {
    use steward_cost::records::{PeopleCost, PeopleKind, put_people};
    use steward_value::roi::CostSource;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_usage(dir.path()).await;
    // Ten hours of makers' time a month went into app-1 (at the engine's default hourly rate).
    let time = PeopleCost {
        id: "mia-app-1".into(),
        kind: PeopleKind::MakerTime,
        name: "Mia on Expense claims".into(),
        month: None,
        quantity: 10.0,
        rate: None,
        principal_id: Some("p-mia".into()),
        department: None,
        resource_id: Some("app-1".into()),
        cost_centre: None,
    };
    put_people(store.as_ref(), &[time], at(2026, 10, 1, 0, 0, 0, 0)).await.expect("people cost");
    let config = steward_cost::CostConfig::default();
    let engine = steward_value::engine_costs::EngineCosts { store: store.clone(), config: config.clone() };
    let october: steward_cost::Period = "2026-10".parse().expect("month");
    let engine_month = steward_cost::resource_costs(store.as_ref(), &config, october)
        .await
        .expect("engine")
        .into_iter()
        .find(|c| c.resource_id == "app-1")
        .expect("app-1 has a cost")
        .amount;
    assert!(engine_month > 0);

    let month = ValuePeriod::parse("2026-10").expect("period");
    let costs = engine.resource_costs(&month).await.expect("the engine answers for a month");
    assert_eq!(costs["app-1"].amount, engine_month, "a whole month is the engine's cost");
    assert!(costs.values().all(|c| c.currency == "USD"), "{costs:?}");

    // Fifteen days of October: 15/31 of the month's cost, rounded to the cent.
    let range = ValuePeriod::parse("2026-10-01..2026-10-15").expect("period");
    let costs = engine.resource_costs(&range).await.expect("ranges are prorated");
    let expected = (engine_month * 15 * 2 + 31) / (31 * 2);
    assert_eq!(costs["app-1"].amount, expected, "{}", costs["app-1"].explanation);
    assert!(costs["app-1"].explanation.contains("15/31 days"), "{}", costs["app-1"].explanation);

    // The report's ROI for the range is a ratio, not n/a.
    let mut rates = config_usd();
    rates.default = 6000;
    store.record_value(&record_in("app-1", "USD", Some(1000))).await.expect("record");
    let r = report::build(store.as_ref(), &rates, &range, &engine, at(2026, 11, 2, 0, 0, 0, 0), None)
        .await
        .expect("report");
    let app = r.resources.iter().find(|row| row.key == "app-1").expect("app-1 row");
    assert_eq!(app.cost, Some(expected));
    // Four launches from the 1st to the 15th (5th and 7th) × 10 min = 40 min at 60.00/h = 40.00.
    assert_eq!(app.value, 4000);
    assert_eq!(app.roi, Roi::of(4000, Some((expected, "USD")), "USD"));
    assert!(matches!(app.roi, Roi::Ratio { .. }), "{:?}", app.roi);
    assert!(r.cost_unavailable.is_none());
}

fn config_usd() -> steward_value::Rates {
    ValueConfig::default().rates().expect("default rates")
}

fn record_in(resource: &str, currency: &str, per_use: Option<i64>) -> NewValueRecord {
    let mut r = record(resource, ValueKind::Actual, per_use, None);
    r.figures.currency = currency.into();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seeds_values_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_with_usage(dir.path()).await;
    let now = at(2026, 10, 28, 0, 0, 0, 0);
    assert_eq!(steward_value::demo::seed(store.as_ref(), now).await.expect("seed"), 2, "both used resources");
    assert_eq!(steward_value::demo::seed(store.as_ref(), now).await.expect("seed again"), 0, "once");
    assert_eq!(store.value_records(&ValueQuery::default()).await.expect("records").len(), 2);
}
