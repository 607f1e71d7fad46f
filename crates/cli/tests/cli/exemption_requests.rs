//! `steward exempt request|requests|approve|decline` on a generated tenant in a real SQLite
//! file: one open request per policy and resource, approving grants the exemption with the
//! decider as approver, a decided request is not decided again, declining needs a reason, and
//! every step is in the audit trail.

use crate::support::{run_ok, steward};
use serde_json::Value;
use std::process::{Command, Output};
use steward_store::Store;
use steward_store::auth::AuditQuery;
use steward_store_sqlite::SqliteStore;

fn cmd(db: &str, args: &[&str]) -> Command {
    let mut c = steward();
    c.args(["--db", db]).args(args);
    c
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(out)))
}

/// Two resources of a generated tenant, and the database URL.
fn tenant(tmp: &std::path::Path) -> (String, Vec<String>) {
    let dump = tmp.join("tenant");
    run_ok(steward().args(["generate", "--preset", "small", "--seed", "3", "--usage-days", "2", "--out"]).arg(&dump));
    let path = tmp.join("r.db");
    let db = format!("sqlite://{}", path.display());
    run_ok(steward().args(["--db", &db, "import"]).arg(&dump));
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let ids = runtime.block_on(async {
        let store = SqliteStore::open(&path.to_string_lossy()).expect("open");
        let query = steward_store::ResourceQuery { limit: Some(2), ..Default::default() };
        store.list_resources(&query).await.expect("list").items.into_iter().map(|r| r.id).collect()
    });
    (db, ids)
}

#[test]
fn requests_are_decided_once_and_audited() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let (db, ids) = tenant(tmp.path());
    let ask = |resource: &str| {
        cmd(
            &db,
            &[
                "exempt",
                "request",
                "--policy",
                "orphaned-resource",
                "--resource",
                resource,
                "--reason",
                "a vendor app",
                "--by",
                "ann",
                "--for",
                "90d",
            ],
        )
    };
    let asked = text(&run_ok(&mut ask(&ids[0])));
    assert!(asked.contains("exemption request 1 recorded") && asked.contains("asked by ann"), "{asked}");
    let again = ask(&ids[0]).output().expect("run");
    assert!(!again.status.success() && stderr(&again).contains("already waiting"), "{}", stderr(&again));

    let waiting = json(&run_ok(&mut cmd(&db, &["exempt", "requests", "--json"])));
    assert_eq!(waiting.as_array().map(Vec::len), Some(1), "{waiting}");
    assert_eq!((waiting[0]["state"].as_str(), waiting[0]["subject_id"].as_str()), (Some("requested"), Some(&*ids[0])));

    let approved = text(&run_ok(&mut cmd(&db, &["exempt", "approve", "1", "--by", "eve", "--note", "until Q2"])));
    assert!(approved.contains("exemption 1 granted"), "{approved}");
    let twice = cmd(&db, &["exempt", "approve", "1", "--by", "zed"]).output().expect("run");
    assert!(!twice.status.success() && stderr(&twice).contains("approved already (by eve)"), "{}", stderr(&twice));
    let exemptions = json(&run_ok(&mut cmd(&db, &["exempt", "list", "--json"])));
    assert_eq!(exemptions.as_array().map(Vec::len), Some(1), "one exemption, not two: {exemptions}");
    assert_eq!(
        (exemptions[0]["approved_by"].as_str(), exemptions[0]["requested_by"].as_str()),
        (Some("eve"), Some("ann"))
    );

    run_ok(&mut ask(&ids[1]));
    let no_reason = cmd(&db, &["exempt", "decline", "2"]).output().expect("run");
    assert!(!no_reason.status.success() && stderr(&no_reason).contains("--reason"), "{}", stderr(&no_reason));
    run_ok(&mut cmd(&db, &["exempt", "decline", "2", "--by", "eve", "--reason", "fix the ownership instead"]));
    let all = json(&run_ok(&mut cmd(&db, &["exempt", "requests", "--state", "all", "--json"])));
    let states: Vec<&str> = all.as_array().into_iter().flatten().filter_map(|r| r["state"].as_str()).collect();
    assert_eq!(states, ["approved", "declined"]);
    assert_eq!(all[1]["decision_note"], "fix the ownership instead");

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let actions: Vec<String> = runtime.block_on(async {
        let store = SqliteStore::open(&tmp.path().join("r.db").to_string_lossy()).expect("open");
        let query = AuditQuery { action_prefix: Some("exemption".into()), ..Default::default() };
        store.list_audit(&query).await.expect("audit").into_iter().map(|e| e.action).collect()
    });
    assert_eq!(
        actions,
        [
            "exemption_request.decline",
            "exemption_request.create",
            "exemption.add",
            "exemption_request.approve",
            "exemption_request.create"
        ],
        "newest first"
    );
}
