//! `steward import` of Office 365 audit files: detected, streamed into the rollups, archived
//! when configured, counted once however often imported, bad records named by line.

#![allow(clippy::unwrap_used)]

use crate::support::{run_ok, steward};
use std::io::Write;

fn record(i: usize, operation: &str) -> String {
    format!(
        r#"{{"CreationTime":"2026-10-{:02}T10:00:00","Id":"rec-{i}","Operation":"{operation}","OrganizationId":"contoso-tenant","RecordType":45,"UserId":"User{}@Contoso.com","Workload":"PowerApps","AppName":"app-{}","AdditionalInfo":{{"environmentName":"env-1"}}}}"#,
        1 + i % 5,
        i % 7,
        i % 3
    )
}

fn audit_file(dir: &std::path::Path, lines: &[String]) -> std::path::PathBuf {
    let path = dir.join("audit.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    path
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn audit_files_are_detected_counted_once_and_archived() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..60).map(|i| record(i, "LaunchPowerApp")).collect();
    lines.push(record(5, "LaunchPowerApp")); // repeated by the feed
    lines.push(record(100, "DeletePowerApp"));
    let path = audit_file(dir.path(), &lines);
    std::fs::write(dir.path().join("steward.toml"), "[usage]\narchive_dir = \"archive\"\n").unwrap();
    let db = format!("sqlite://{}", dir.path().join("s.db").display());
    let import = || {
        let mut cmd = steward();
        cmd.current_dir(dir.path()).args(["--db", &db, "import", "--json"]).arg(&path);
        json(&run_ok(&mut cmd))
    };
    let first = import();
    assert_eq!(first["format"], "audit", "detected without --format: {first}");
    let stats = &first["import"]["stats"];
    assert_eq!((stats["counted"].as_u64(), stats["duplicates"].as_u64()), (Some(60), Some(1)), "{first}");
    assert_eq!(stats["not_counted"].as_u64(), Some(1), "the delete is seen, not counted");
    assert_eq!(first["import"]["archived_rows"].as_u64(), Some(61), "{first}");
    let parquet = walk(&dir.path().join("archive")).into_iter().filter(|p| p.ends_with(".parquet")).count();
    assert!(parquet >= 5, "one partition per day at least: {parquet}");
    assert_eq!(first["after"]["success"]["as_of"], "2026-10-05", "success detection ran as of the newest day");

    let second = import();
    assert_eq!(second["import"]["stats"]["counted"].as_u64(), Some(0), "importing again counts nothing: {second}");
    assert_eq!(second["import"]["archived_rows"].as_u64(), Some(0));

    let text = run_ok(steward().current_dir(dir.path()).args(["--db", &db, "import"]).arg(&path));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("0 counted") && text.contains("62 already seen"), "{text}");
}

#[test]
fn a_bad_record_is_named_by_line_and_can_be_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..10).map(|i| record(i, "LaunchPowerApp")).collect();
    lines.insert(4, "{\"CreationTime\": \"2026-10-01T10:00:00\", \"Id\": ".into());
    let path = audit_file(dir.path(), &lines);
    let db = format!("sqlite://{}", dir.path().join("s.db").display());
    let out = steward().args(["--db", &db, "import", "--format", "audit"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit.jsonl line 5") && err.contains("--max-errors"), "{err}");
    let ok = run_ok(steward().args(["--db", &db, "import", "--max-errors", "1", "--json"]).arg(&path));
    let report = json(&ok);
    assert_eq!(report["import"]["malformed"].as_u64(), Some(1));
    assert_eq!(report["import"]["stats"]["counted"].as_u64(), Some(10));
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}
