//! `steward assess`: models, a new organisation assessment with evidence, answers (one refused
//! batch recording nothing), the report as text, JSON and printable HTML, completion, and the
//! ALM decision for a solution with the findings.

use crate::support::{generate_small, run_ok, steward};
use serde_json::Value;

#[test]
fn models_new_answer_report_complete_and_alm() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("tenant");
    generate_small(&dump, 5);
    let db = format!("sqlite://{}", tmp.path().join("s.db").display());
    run_ok(steward().args(["--db", &db, "import"]).arg(&dump));

    let out = run_ok(steward().args(["assess", "models"]));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["alm — CoE ALM maturity model", "support —", "program —", "adoption —"] {
        assert!(text.contains(id), "{id} listed: {text}");
    }

    let out =
        run_ok(steward().args(["--db", &db, "assess", "new", "--scope", "organisation", "--json", "--by", "ann"]));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = created["assessment"]["id"].as_i64().unwrap();
    assert!(created["assessment"]["answered"].as_u64().unwrap() > 0, "{created}");
    let probes: Vec<&str> =
        created["evidence"].as_array().unwrap().iter().filter_map(|e| e["probe"].as_str()).collect();
    assert!(probes.contains(&"data_policies") && probes.contains(&"monitoring"), "{probes:?}");

    let ids = id.to_string();
    run_ok(steward().args(["--db", &db, "assess", "answer", &ids, "alignment.common-vision=yes", "tv.measurable=4"]));
    let refused = steward()
        .args(["--db", &db, "assess", "answer", &ids, "alignment.coe=yes", "strategy.defined=perhaps"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("yes or no, not 'perhaps'"));

    let out = run_ok(steward().args(["--db", &db, "assess", "report", &ids, "--json"]));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let answer =
        |q: &str| report["questions"].as_array().unwrap().iter().find(|x| x["question_id"] == q).cloned().unwrap();
    assert_eq!(answer("alignment.common-vision")["answer"], "yes");
    assert!(answer("alignment.coe")["answer"].is_null(), "the refused batch recorded nothing");

    let out = run_ok(steward().args(["--db", &db, "assess", "report", &ids]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Alignment") && text.contains("200 Repeatable"), "{text}");

    let html = tmp.path().join("report.html");
    run_ok(steward().args(["--db", &db, "assess", "report", &ids, "--html"]).arg(&html));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("@media print"));

    run_ok(steward().args(["--db", &db, "assess", "complete", &ids]));
    let late = steward().args(["--db", &db, "assess", "answer", &ids, "alignment.coe=yes"]).output().unwrap();
    assert!(!late.status.success(), "a completed assessment takes no answers");

    // The ALM decision for some resource of the tenant, and the findings.
    let out = run_ok(steward().args(["--db", &db, "assess", "alm", "--findings", "--json"]));
    let _: Value = serde_json::from_slice(&out.stdout).unwrap();
    let resources = run_ok(steward().args(["--db", &db, "usage", "top", "--json"]));
    let top: Value = serde_json::from_slice(&resources.stdout).unwrap();
    let rid = top.pointer("/items/0/resource_id").and_then(Value::as_str).expect("a used resource");
    let out = run_ok(steward().args(["--db", &db, "assess", "alm", rid, "--json"]));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["resource_id"], rid);
    assert!(d["reasons"].as_array().is_some_and(|r| !r.is_empty()), "{d}");
    assert_eq!(d["assessment_id"], Value::Null, "no solution assessment yet");
}
