//! `steward value …` and `steward report value` on a generated tenant: an import keeps the good
//! rows and names the bad one, `compute` and the ROI report answer what the library computes on
//! the same database, a range of days gets an ROI from prorated costs, business units are
//! assessed, and bad periods, formats and files say what to do.

use crate::support::{run_ok, steward};
use chrono::NaiveDate;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use steward_store::Store;
use steward_store::usage::{ResourceUsageQuery, UsageOrder, UsageReads};
use steward_store::value::{AssessmentQuery, AssessmentSubject, ValueQuery};
use steward_store_sqlite::SqliteStore;
use steward_value::engine_costs::EngineCosts;
use steward_value::{ValueConfig, ValuePeriod, report};

/// The generator's last day of usage; October 2026 is wholly inside the usage window.
const END: &str = "2026-11-20";
const MONTH: &str = "2026-10";

pub(crate) struct Tenant {
    _dir: tempfile::TempDir,
    pub(crate) dir: std::path::PathBuf,
    pub(crate) db: String,
}

impl Tenant {
    /// A small generated tenant with 60 days of usage ending on [`END`], imported.
    pub(crate) fn new() -> Tenant {
        let dir = tempfile::tempdir().expect("test setup");
        let path = dir.path().to_path_buf();
        let dump = path.join("tenant");
        run_ok(
            steward()
                .args([
                    "generate",
                    "--preset",
                    "small",
                    "--seed",
                    "7",
                    "--usage-days",
                    "60",
                    "--end-date",
                    END,
                    "--out",
                ])
                .arg(&dump),
        );
        let db = format!("sqlite://{}", path.join("v.db").display());
        run_ok(steward().args(["--db", &db, "import"]).arg(&dump));
        Tenant { _dir: dir, dir: path, db }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = steward();
        cmd.current_dir(&self.dir).args(["--db", &self.db]).args(args);
        cmd
    }

    pub(crate) fn fails(&self, args: &[&str]) -> (String, String) {
        let out = self.cmd(args).output().expect("the steward binary runs");
        assert!(!out.status.success(), "{args:?} should fail: {}", text(&out));
        (text(&out), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    pub(crate) fn file(&self, name: &str, content: &str) -> std::path::PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).expect("test setup");
        path
    }

    pub(crate) fn store(&self) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&self.db).expect("test setup"))
    }
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).expect("the report was written");
    serde_json::from_slice(&bytes).expect("the report is JSON")
}

/// What the library computed, as the command prints it (through JSON text both ways).
fn value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::from_str(&serde_json::to_string_pretty(v).expect("serialises")).expect("reads back")
}

/// The report without the moment it was generated (the only figure that differs between runs).
fn without_time(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("generated_at");
    }
    v
}

/// The three most used resources of October.
async fn most_used(store: &dyn Store) -> Vec<String> {
    let query = ResourceUsageQuery {
        tenant_id: None,
        kinds: Vec::new(),
        environment_id: None,
        from: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        include_unused: false,
        order: UsageOrder::Uses,
        limit: Some(3),
    };
    let used = store.resource_usage(&query).await.expect("usage");
    assert_eq!(used.len(), 3, "the small tenant has used resources in October");
    used.into_iter().map(|u| u.resource_id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_import_compute_and_the_roi_report_answer_what_the_library_computes() {
    let t = Tenant::new();
    let store = t.store();
    let ids = most_used(store.as_ref()).await;
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);

    // Line 4 is refused (a negative figure); lines 2, 3 and 5 are stored.
    let csv = format!(
        "resource_id,kind,users_impacted,minutes_per_use,minutes_per_week,cost_avoided_per_year,currency,problem\n\
         {a},actual,20,6,,1200,USD,Claims on paper\n\
         {b},potential,,,30,,,Reports by hand\n\
         {c},actual,,-3,,,,Broken\n\
         {c},potential,5,2.5,,,,Copying\n"
    );
    let file = t.file("values.csv", &csv);
    let (stdout, stderr) = t.fails(&["value", "import", file.to_str().expect("path"), "--by", "tester"]);
    assert!(stdout.contains("Stored 3 value records"), "{stdout}");
    assert!(stdout.contains("refused line 4:") && stdout.contains("negative"), "{stdout}");
    assert!(stderr.contains("1 rows of") && stderr.contains("the other rows were stored"), "{stderr}");
    let stored = store.value_records(&ValueQuery::default()).await.expect("records");
    let mut kept: Vec<(String, &str)> = stored.iter().map(|r| (r.resource_id.clone(), r.kind.as_str())).collect();
    kept.sort();
    let mut expected = vec![(a.clone(), "actual"), (b.clone(), "potential"), (c.clone(), "potential")];
    expected.sort();
    assert_eq!(kept, expected, "the good rows are kept, the bad one is not");
    assert!(stored.iter().all(|r| r.recorded_by == "tester"));
    let listed: Value = serde_json::from_str(&text(&run_ok(&mut t.cmd(&["value", "list", "--json"])))).expect("json");
    assert_eq!(listed, value(&stored));

    // compute: the library's values for the month, with their explanations.
    let rates = ValueConfig::default().rates().expect("default rates");
    let period = ValuePeriod::parse(MONTH).expect("period");
    let computed = steward_value::gather::resource_values(store.as_ref(), &rates, &period, &ValueQuery::default())
        .await
        .expect("library values");
    let printed: Value =
        serde_json::from_str(&text(&run_ok(&mut t.cmd(&["value", "compute", "--period", MONTH, "--json"]))))
            .expect("json");
    assert_eq!(printed, value(&computed));
    let a_value = computed.iter().find(|v| &v.facts.resource_id == a).expect("a is computed");
    assert!(a_value.actual_total() > 0, "a was used in October: {a_value:?}");
    let table = text(&run_ok(&mut t.cmd(&["value", "compute", "--period", MONTH, "--resource", a])));
    let first_formula = &a_value.actual.as_ref().expect("actual").lines[0].formula;
    assert!(table.contains(first_formula.as_str()), "the explanation is printed: {table}");

    // The ROI report, in JSON, Markdown and HTML, is the library's report.
    let engine = EngineCosts { store: store.clone(), config: steward_cost::CostConfig::default() };
    let library = report::build(store.as_ref(), &rates, &period, &engine, chrono::Utc::now(), None)
        .await
        .expect("library report");
    let json_path = t.dir.join("value.json");
    let said =
        text(&run_ok(&mut t.cmd(&["report", "value", "--period", MONTH, "--out", json_path.to_str().expect("path")])));
    assert!(said.contains("value.json"), "says what it wrote: {said}");
    assert_eq!(without_time(read_json(&json_path)), without_time(value(&library)));
    assert!(library.total.value > 0, "{:?}", library.total);
    let md_path = t.dir.join("value.md");
    run_ok(&mut t.cmd(&["report", "value", "--period", MONTH, "--out", md_path.to_str().expect("path")]));
    let md = std::fs::read_to_string(&md_path).expect("markdown");
    let c = library.currency.as_str();
    let total = &library.total;
    assert!(
        md.contains(&format!("| {} | {} | {} |", total.value_text(c), total.potential_text(c), total.cost_text(c))),
        "the totals row: {md}"
    );
    let html_path = t.dir.join("value.html");
    run_ok(&mut t.cmd(&["report", "value", "--period", MONTH, "--out", html_path.to_str().expect("path")]));
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains(&total.roi.text()), "{html}");

    // Bad periods, formats and files say what to do.
    let (_, stderr) = t.fails(&["report", "value", "--period", "2026-13", "--out", "x.html"]);
    assert!(stderr.contains("'2026-13' is not a period; write a month (2026-10)"), "{stderr}");
    let (_, stderr) = t.fails(&["value", "compute", "--period", "2026-10-15..2026-10-01"]);
    assert!(stderr.contains("give the earlier day first"), "{stderr}");
    let (_, stderr) = t.fails(&["report", "value", "--period", MONTH, "--out", "value.txt"]);
    assert!(stderr.contains("name the file .html, .md or .json"), "{stderr}");
    let (_, stderr) = t.fails(&["value", "import", "missing.csv"]);
    assert!(stderr.contains("cannot read missing.csv; check the path"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_of_days_has_an_roi_from_prorated_costs_and_business_units_are_assessed() {
    let t = Tenant::new();
    let store = t.store();
    let ids = most_used(store.as_ref()).await;
    let a = &ids[0];
    let values = t.file("v.csv", &format!("resource_id,kind,minutes_per_use\n{a},actual,10\n"));
    run_ok(&mut t.cmd(&["value", "import", values.to_str().expect("path")]));
    // Twelve hours a month of makers' time on `a`: a cost the engine gives the resource.
    let people = t.file(
        "people.csv",
        &format!("id,kind,name,quantity,resource_id,rate\ntime-a,maker_time,Time on a,12,{a},40.00\n"),
    );
    run_ok(&mut t.cmd(&["cost", "people", "import", people.to_str().expect("path")]));

    let range = "2026-10-01..2026-10-15";
    let out = t.dir.join("range.json");
    run_ok(&mut t.cmd(&["report", "value", "--period", range, "--out", out.to_str().expect("path")]));
    let rates = ValueConfig::default().rates().expect("rates");
    let period = ValuePeriod::parse(range).expect("period");
    let engine = EngineCosts { store: store.clone(), config: steward_cost::CostConfig::default() };
    let library =
        report::build(store.as_ref(), &rates, &period, &engine, chrono::Utc::now(), None).await.expect("library");
    let printed = read_json(&out);
    assert_eq!(without_time(printed.clone()), without_time(value(&library)));
    assert!(printed["cost_unavailable"].is_null(), "costs are prorated, not refused: {}", printed["cost_unavailable"]);
    let row = library.resources.iter().find(|r| &r.key == a).expect("a has a row");
    // The month's cost for `a` from the engine, prorated to 15 of October's 31 days.
    let october = steward_cost::resource_costs(
        store.as_ref(),
        &steward_cost::CostConfig::default(),
        "2026-10".parse().expect("month"),
    )
    .await
    .expect("engine")
    .into_iter()
    .find(|c| &c.resource_id == a)
    .expect("a has a cost in October")
    .amount;
    assert_eq!(row.cost, Some((october * 30 + 31) / 62), "{row:?}");
    assert!(matches!(row.roi, steward_value::roi::Roi::Ratio { .. }), "an ROI for a range of days: {:?}", row.roi);

    // A business unit's assessment, then a refused one naming the bad answer.
    let said = text(&run_ok(&mut t.cmd(&[
        "value",
        "assess",
        "--business-unit",
        "Finance",
        "--answer",
        "strategy.outcomes=4",
        "--answer",
        "financial.economic_value=3",
        "--by",
        "board",
    ])));
    let stored = store
        .value_assessments(&AssessmentQuery {
            subject: Some(AssessmentSubject::BusinessUnit),
            subject_id: Some("Finance".into()),
        })
        .await
        .expect("assessments");
    assert_eq!(stored.len(), 1);
    let q = steward_value::assess::Questionnaire::builtin().expect("questionnaire");
    for s in q.scores_of(&stored[0]) {
        let percent = s.percent.map_or("not answered".to_string(), |p| format!("{p}%"));
        assert!(said.contains(&format!("{:<30} {percent}", s.title)), "{said}");
    }
    let (_, stderr) = t.fails(&["value", "assess", "--business-unit", "Finance", "--answer", "strategy.nope=2"]);
    assert!(stderr.contains("'strategy.nope' is not a question"), "{stderr}");
    let (_, stderr) = t.fails(&["value", "assess", "--business-unit", "Finance", "--answer", "strategy.outcomes"]);
    assert!(stderr.contains("is not QUESTION=SCORE"), "{stderr}");
}
