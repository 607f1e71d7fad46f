//! `steward success …` on a generated tenant: a dry run that saves nothing, adopting a rule set,
//! reviewing a detection, re-evaluating, and a bad rule file refused with its line.

use crate::support::{run_ok, steward};
use serde_json::Value;
use steward_store_sqlite::SqliteStore;
use steward_success::RuleSet;

const END: &str = "2026-11-20";

const RULES: &str = r#"version = 2

[[rules]]
id = "any-use"
title = "Used at all"
rationale = "A test threshold low enough for the small synthetic tenant."
kinds = ["canvas_app", "model_driven_app", "cloud_flow"]
window_days = 30
all = [{ metric = "uses", at_least = 1 }]
"#;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_dry_run_apply_review_and_re_evaluate() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("tenant");
    run_ok(
        steward()
            .args(["generate", "--preset", "small", "--seed", "7", "--usage-days", "30", "--end-date", END, "--out"])
            .arg(&dump),
    );
    let db_path = tmp.path().join("s.db");
    let db = format!("sqlite://{}", db_path.display());
    run_ok(steward().args(["--db", &db, "import"]).arg(&dump));
    let rules_file = tmp.path().join("rules.toml");
    std::fs::write(&rules_file, RULES).unwrap();

    // What the library finds is what the command must report.
    let expected = {
        let store = SqliteStore::open(&db).unwrap();
        let rules = RuleSet::parse(RULES, "rules.toml").unwrap();
        let as_of = END.parse().unwrap();
        steward_success::evaluate(&store, &rules, as_of).await.unwrap().len()
    };
    assert!(expected > 0, "the synthetic tenant has used apps and flows");

    let success = |args: &[&str]| {
        let mut cmd = steward();
        cmd.args(["--db", &db, "success"]).args(args);
        cmd
    };
    let dry = text(&run_ok(success(&["rules", "set"]).arg(&rules_file).args(["--as-of", END])));
    assert!(dry.contains(&format!("adds {expected} detections, removes 0")), "{dry}");
    assert!(dry.contains("nothing was saved"), "{dry}");
    let history = text(&run_ok(&mut success(&["rules", "history"])));
    assert!(history.contains("no rule set saved"), "a dry run saves nothing: {history}");
    let listed = json(&run_ok(&mut success(&["list", "--json"])));
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "a dry run records nothing");

    let applied =
        text(&run_ok(success(&["rules", "set"]).arg(&rules_file).args(["--apply", "--by", "ann", "--as-of", END])));
    assert!(applied.contains(&format!("rule set version 2 adopted: adds {expected} detections")), "{applied}");
    let history = text(&run_ok(&mut success(&["rules", "history"])));
    assert!(history.contains("version    2") && history.contains("by ann  (active)"), "{history}");
    let shown = text(&run_ok(&mut success(&["rules", "show"])));
    assert_eq!(shown, RULES, "show prints the saved text");

    let listed = json(&run_ok(&mut success(&["list", "--json"])));
    let detections = listed.as_array().unwrap();
    assert_eq!(detections.len(), expected);
    assert!(detections.iter().all(|d| d["state"] == "new" && d["rule_id"] == "any-use" && d["rule_version"] == 2));
    let id = detections[0]["id"].as_i64().unwrap().to_string();

    let reviewed = text(&run_ok(&mut success(&[
        "review",
        &id,
        "--state",
        "promoted",
        "--by",
        "bob",
        "--note",
        "in the catalogue",
    ])));
    assert!(reviewed.contains("is now promoted (by bob)"), "{reviewed}");
    let promoted = json(&run_ok(&mut success(&["list", "--state", "promoted", "--json"])));
    let promoted = promoted.as_array().unwrap();
    assert_eq!(promoted.len(), 1);
    assert_eq!(
        (promoted[0]["state_by"].as_str(), promoted[0]["note"].as_str()),
        (Some("bob"), Some("in the catalogue"))
    );

    let again = json(&run_ok(&mut success(&["evaluate", "--as-of", END, "--json"])));
    assert_eq!((again["rules_version"].as_u64(), again["rules_origin"].as_str()), (Some(2), Some("saved")), "{again}");
    assert_eq!((again["added"].as_u64(), again["updated"].as_u64()), (Some(0), Some(expected as u64)), "{again}");
    let promoted = json(&run_ok(&mut success(&["list", "--state", "promoted", "--json"])));
    assert_eq!(promoted.as_array().map(Vec::len), Some(1), "re-evaluation keeps the review state");

    let back = success(&["review", &id, "--state", "new", "--by", "eve"]).output().unwrap();
    assert!(!back.status.success(), "a detection cannot go back to new");
    assert!(String::from_utf8_lossy(&back.stderr).contains("cannot be moved back to `new`"));
}

#[test]
fn a_bad_rule_file_is_refused_with_its_name_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("s.db").display());
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, RULES.replace("\"uses\"", "\"launches\"")).unwrap();
    let out = steward().args(["--db", &db, "success", "rules", "set"]).arg(&bad).arg("--apply").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for part in ["bad.toml", "line 9", "rule 'any-use'", "unknown metric 'launches'", "nothing was changed"] {
        assert!(stderr.contains(part), "missing {part:?} in: {stderr}");
    }
    let history = run_ok(steward().args(["--db", &db, "success", "rules", "history"]));
    assert!(String::from_utf8_lossy(&history.stdout).contains("no rule set saved"));
}
