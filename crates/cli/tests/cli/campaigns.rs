//! `steward campaign …` end to end on SQLite with the small synthetic tenant: a dry run that
//! writes nothing, starting inactivity and orphaned campaigns, tasks by assignee (UPN) and
//! state, answers (a reason required), `tick` escalating and making an archive due, a task's
//! history, and a write action: planned, refused while disabled, refused with a wrong digest,
//! carried out through the tenant's source (a local server) and recorded on the task.

use crate::support::{run_ok, steward};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use steward_store::Store;
use steward_store_sqlite::SqliteStore;

const END: &str = "2026-11-20";

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the steward binary runs");
    assert!(!out.status.success(), "{cmd:?} should fail; stdout: {}", text(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A minimal HTTP server on 127.0.0.1 that answers every request with a token (what the token
/// endpoint needs; the write call ignores the body) and records the request lines.
fn answering_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            log.lock().expect("lock").push(request_line.trim().to_string());
            let reply = r#"{"token_type":"Bearer","expires_in":3599,"access_token":"t"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (base, seen)
}

fn write_config(path: &Path, tenant: &str, endpoint: &str, delete: bool) {
    let config = format!(
        "[campaigns]\nreminder_days = 0\ninactivity_days = 20\n\n[campaigns.actions]\ndelete = {delete}\n\n[[sources]]\ntype = \"powerplatform\"\n\
         name = \"synthetic\"\ntenant_id = \"{tenant}\"\nclient_id = \"22222222-2222-2222-2222-222222222222\"\n\
         client_secret = {{ env = \"STEWARD_TEST_CAMPAIGN_SECRET\" }}\n[sources.endpoints]\nlogin = \"{endpoint}\"\n\
         powerapps = \"{endpoint}\"\nflow = \"{endpoint}\"\npowerplatform = \"{endpoint}\"\n"
    );
    std::fs::write(path, config).expect("write steward.toml");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_from_start_to_a_write_action() {
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
    let config = tmp.path().join("steward.toml");
    // 30 days of usage: "unused" can mean unused for 20 days, not for the default 180.
    std::fs::write(&config, "[campaigns]\nreminder_days = 0\ninactivity_days = 20\n").unwrap();
    let campaign = |args: &[&str]| {
        let mut cmd = steward();
        cmd.args(["--db", &db, "--config"]).arg(&config).arg("campaign").args(args);
        cmd.env("STEWARD_TEST_CAMPAIGN_SECRET", "s3cret");
        cmd
    };
    let at = |days: i64| {
        let end: chrono::NaiveDate = END.parse().unwrap();
        (end + chrono::Duration::days(days)).format("%Y-%m-%dT09:00:00Z").to_string()
    };

    // A dry run prints the tasks and writes nothing.
    let dry = json(&run_ok(&mut campaign(&["start", "inactivity", "--dry-run", "--now", &at(0), "--json"])));
    let planned = dry["planned"].as_array().unwrap().len();
    assert!(planned >= 5, "the synthetic tenant has unused resources: {dry}");
    assert_eq!(dry["campaign"], Value::Null);
    let listed = json(&run_ok(&mut campaign(&["list", "--json"])));
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "a dry run opens no campaign");
    let table = text(&run_ok(&mut campaign(&["start", "inactivity", "--dry-run", "--now", &at(0)])));
    assert!(table.contains(&format!("dry run: {planned} task(s) would be opened")), "{table}");

    // Start it with the five safest to archive.
    let started =
        text(&run_ok(&mut campaign(&["start", "inactivity", "--now", &at(0), "--by", "ann", "--limit", "5"])));
    assert!(started.contains("opened inactivity campaign 1") && started.contains("with 5 task(s)"), "{started}");
    assert!(started.contains(&format!("{} more left out by --limit", planned - 5)), "{started}");
    let listed = json(&run_ok(&mut campaign(&["list", "--json"])));
    assert_eq!((listed[0]["tasks"].as_u64(), listed[0]["created_by"].as_str()), (Some(5), Some("ann")));

    let tasks = json(&run_ok(&mut campaign(&["tasks", "--campaign", "1", "--json"])));
    let tasks = tasks.as_array().unwrap().clone();
    assert_eq!(tasks.len(), 5);
    let asked: Vec<&Value> = tasks.iter().filter(|t| t["state"] == "asked_owner").collect();
    assert!(asked.len() >= 2, "owners are asked first: {tasks:?}");
    // Tasks by the owner's UPN.
    let owner_id = asked[0]["assignee"].as_str().unwrap().to_string();
    let upn = {
        let store = SqliteStore::open(&db).unwrap();
        store.get_principal(&owner_id).await.unwrap().and_then(|p| p.upn).expect("the owner has a UPN")
    };
    let theirs = json(&run_ok(&mut campaign(&["tasks", "--assignee", &upn, "--json"])));
    let theirs = theirs.as_array().unwrap();
    assert!(!theirs.is_empty() && theirs.iter().all(|t| t["assignee"] == owner_id.as_str()), "{theirs:?}");
    let err = fails(&mut campaign(&["tasks", "--state", "pending"]));
    assert!(err.contains("unknown task state 'pending'") && err.contains("asked_owner"), "{err}");

    // Keeping needs a reason; the archive is approved by the owner.
    let (kept, approved) = (asked[0]["id"].as_i64().unwrap(), asked[1]["id"].as_i64().unwrap());
    let err = fails(&mut campaign(&["answer", &kept.to_string(), "keep", "--by", &upn]));
    assert!(err.contains("reason"), "{err}");
    let out = text(&run_ok(&mut campaign(&[
        "answer",
        &kept.to_string(),
        "keep",
        "--by",
        &upn,
        "--note",
        "used at quarter end",
        "--now",
        &at(1),
    ])));
    assert!(out.contains("asked_owner → kept"), "{out}");
    let out =
        text(&run_ok(&mut campaign(&["answer", &approved.to_string(), "archive", "--by", &upn, "--now", &at(1)])));
    assert!(out.contains("asked_owner → approved_for_archive") && out.contains(&format!("by {upn}")), "{out}");
    let err = fails(&mut campaign(&["answer", &kept.to_string(), "archive", "--now", &at(2)]));
    assert!(err.contains("kept"), "a closed task takes no answer: {err}");

    // A month later: the silent owners are escalated, the approved archive is due.
    let ticked = json(&run_ok(&mut campaign(&["tick", "--now", &at(31), "--json"])));
    let events: Vec<(i64, &str)> = ticked["due"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["campaign_id"] == 1)
        .map(|s| (s["task_id"].as_i64().unwrap(), s["event"].as_str().unwrap()))
        .collect();
    assert!(events.contains(&(approved, "archive_due")), "{ticked}");
    let silent = tasks.iter().filter(|t| t["state"] == "asked_owner").count() - 2;
    assert_eq!(events.iter().filter(|(_, e)| *e == "escalate").count(), silent, "{ticked}");
    let again = json(&run_ok(&mut campaign(&["tick", "--now", &at(31), "--json"])));
    assert_eq!(again["due"].as_array().map(Vec::len), Some(0), "a second tick finds nothing new");

    let history = text(&run_ok(&mut campaign(&["history", &approved.to_string()])));
    for part in ["open", "approve_archive", "archive_due", "waits for the archive action"] {
        assert!(history.contains(part), "missing {part:?}: {history}");
    }

    // Orphaned resources: the leaver's manager is asked (the platform team when none is known).
    let orphaned = json(&run_ok(&mut campaign(&["start", "orphaned", "--now", &at(31), "--json"])));
    let orphan_tasks = orphaned["planned"].as_array().unwrap();
    assert!(!orphan_tasks.is_empty(), "the synthetic tenant has leavers' resources");
    let campaign_id = orphaned["campaign"]["id"].as_i64().unwrap();
    let rows = json(&run_ok(&mut campaign(&["tasks", "--campaign", &campaign_id.to_string(), "--json"])));
    let target = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|t| ["canvas_app", "cloud_flow"].contains(&t["data"]["resource_kind"].as_str().unwrap_or_default()))
        .expect("an orphaned app or flow")
        .clone();
    let (id, tenant) = (target["id"].as_i64().unwrap().to_string(), target["tenant_id"].as_str().unwrap().to_string());
    let manager = {
        let store = SqliteStore::open(&db).unwrap();
        let leaver = store.get_principal(target["data"]["owner_id"].as_str().unwrap()).await.unwrap().unwrap();
        assert!(leaver.is_leaver(), "{leaver:?}");
        let manager = leaver.manager_id.filter(|m| !m.is_empty());
        let active = match &manager {
            Some(m) => store.get_principal(m).await.unwrap().is_some_and(|p| !p.is_leaver()),
            None => false,
        };
        manager.filter(|_| active).unwrap_or_else(|| "platform-team".to_string())
    };
    assert_eq!(target["assignee"].as_str(), Some(manager.as_str()), "{target}");
    run_ok(&mut campaign(&["answer", &id, "delete", "--by", "pat", "--now", &at(32)]));

    // The dry run through the tenant's source, while the action is disabled.
    let (endpoint, seen) = answering_server();
    write_config(&config, &tenant, &endpoint, false);
    let plan = json(&run_ok(&mut campaign(&["action", "plan", &id, "--json"])));
    assert_eq!((plan["call"]["method"].as_str(), plan["enabled"].as_bool()), (Some("DELETE"), Some(false)));
    assert!(plan["call"]["url"].as_str().unwrap().starts_with(&endpoint), "{plan}");
    let digest = plan["digest"].as_str().unwrap().to_string();
    let shown = text(&run_ok(&mut campaign(&["action", "plan", &id])));
    assert!(shown.contains(&digest) && shown.contains("set `campaigns.actions.delete = true`"), "{shown}");
    let err = fails(&mut campaign(&["action", "execute", &id, "--digest", &digest]));
    assert!(err.contains("delete is disabled") && err.contains("campaigns.actions.delete = true"), "{err}");
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent while disabled");

    // Enabled: a wrong digest is refused, the right one carries it out and records it.
    write_config(&config, &tenant, &endpoint, true);
    let err = fails(&mut campaign(&["action", "execute", &id, "--digest", "0000"]));
    assert!(err.contains("run the dry run first"), "{err}");
    let done =
        text(&run_ok(&mut campaign(&["action", "execute", &id, "--digest", &digest, "--by", "pat", "--now", &at(33)])));
    assert!(done.contains("HTTP 200") && done.contains(&format!("task {id} is now deleted")), "{done}");
    let calls: Vec<String> = seen.lock().unwrap().iter().filter(|l| !l.contains("/oauth2/")).cloned().collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let url = plan["call"]["url"].as_str().unwrap().trim_start_matches(&endpoint).to_string();
    assert_eq!(calls[0], format!("DELETE {url} HTTP/1.1"));
    let history = json(&run_ok(&mut campaign(&["history", &id, "--json"])));
    let last = history["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("record_deletion"), Some("pat")));
    assert!(last["note"].as_str().unwrap().contains("carried out by Steward"), "{last}");
}
