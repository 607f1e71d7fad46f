//! `steward import` of files: Purview audit exports, CoE Starter Kit tables and Steward's own
//! format, detected without `--format`, from the ingest crate's sample files.

use crate::support::{run_ok, steward};
use serde_json::Value;
use std::path::{Path, PathBuf};
use steward_store::Store;

fn sample(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/files/data").join(relative)
}

fn import_json(db: &str, path: &Path, extra: &[&str]) -> Value {
    let out = run_ok(steward().args(["--db", db, "import", "--json"]).args(extra).arg(path));
    serde_json::from_slice(&out.stdout).expect("import --json prints JSON")
}

async fn digest(db: &str) -> String {
    let store = steward_store_sqlite::SqliteStore::open(db).expect("the database opens");
    store.content_digest().await.expect("the digest is computed")
}

fn database(tmp: &tempfile::TempDir) -> String {
    format!("sqlite://{}", tmp.path().join("s.db").display())
}

#[test]
fn purview_export_is_detected_and_imported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(&tmp);
    let first = import_json(&db, &sample("purview/audit-export.csv"), &[]);
    assert_eq!(first["format"], "purview", "{first}");
    assert_eq!(first["records_read"], 8, "{first}");
    assert_eq!(first["records_skipped"], 1, "{first}");
    assert_eq!(first["usage_records_read"], 7, "{first}");
    // Two launches, a flow created, an app published; the export repeats a launch, and a
    // deletion and an uninterpreted operation are counted in no rollup.
    assert_eq!(first["usage_records_counted"], 4, "{first}");
    assert_eq!(first["usage_records_repeated"], 1, "{first}");
    assert_eq!(first["usage_records_not_counted"], 2, "{first}");
    assert_eq!(first["tenants"]["added"], 1, "{first}");

    let again = import_json(&db, &sample("purview/audit-export.csv"), &["--format", "purview"]);
    assert_eq!(again["usage_records_counted"], 0, "records repeat across exports: {again}");
    assert_eq!(again["usage_records_repeated"], 7, "{again}");
}

#[test]
fn coe_kit_directory_is_detected_and_reimport_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(&tmp);
    let first = import_json(&db, &sample("coe-kit"), &[]);
    assert_eq!(first["format"], "coe-kit", "{first}");
    assert_eq!(first["files"], 6, "{first}");
    assert_eq!(first["environments"]["added"], 3, "{first}");
    assert_eq!(first["connectors"]["added"], 4, "{first}");
    assert_eq!(first["principals"]["added"], 3, "{first}");
    assert_eq!(first["resources"]["added"], 6, "{first}");
    assert_eq!(first["usage_records_counted"], 3, "{first}");

    let second = import_json(&db, &sample("coe-kit"), &[]);
    assert_eq!(second["resources"]["unchanged"], 6, "{second}");
    assert_eq!(second["resources"]["added"], 0, "{second}");
    assert_eq!(second["usage_records_counted"], 0, "{second}");
    assert_eq!(second["usage_records_repeated"], 3, "{second}");
}

#[test]
fn steward_format_directory_and_single_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(&tmp);
    let dir = import_json(&db, &sample("steward-dir"), &[]);
    assert_eq!(dir["format"], "steward", "{dir}");
    assert_eq!(dir["resources"]["added"], 3, "{dir}");
    assert_eq!(dir["usage_records_counted"], 3, "evt-2 is in the file twice: {dir}");

    let single = import_json(&db, &sample("steward-appian.jsonl"), &[]);
    assert_eq!(single["format"], "steward", "{single}");
    assert_eq!(single["tenants"]["added"], 1, "a second platform, a second tenant: {single}");
    assert_eq!(single["resources"]["added"], 1, "{single}");

    // The human report names the format and the records read.
    let out = run_ok(steward().args(["--db", &db, "import"]).arg(sample("steward-appian.jsonl")));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("steward import: 5 records from 1 file"), "{text}");
    assert!(
        text.contains("usage records: 2 read, 0 counted, 2 already seen, 0 not counted"),
        "the first import saw both records: {text}"
    );
}

#[tokio::test]
async fn bad_record_names_file_line_and_column_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(&tmp);
    import_json(&db, &sample("coe-kit"), &[]);
    let before = digest(&db).await;

    let damaged = tmp.path().join("steward");
    std::fs::create_dir(&damaged).unwrap();
    for entry in std::fs::read_dir(sample("steward-dir")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, damaged.join(path.file_name().unwrap())).unwrap();
    }
    let usage = damaged.join("usage.csv");
    let text =
        std::fs::read_to_string(&usage).unwrap().replace("evt-3,2026-05-18T09:30:00Z,run", "evt-3,yesterday,run");
    std::fs::write(&usage, text).unwrap();

    let out = steward().args(["--db", &db, "import"]).arg(&damaged).output().unwrap();
    assert!(!out.status.success(), "a bad record fails the import");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("usage.csv:4:2:"), "FILE:LINE:COLUMN: {stderr}");
    assert!(stderr.contains("'yesterday' is not an RFC 3339 timestamp"), "what is wrong: {stderr}");
    assert!(stderr.contains("left as it was"), "{stderr}");
    assert_eq!(digest(&db).await, before, "a failed import leaves the database as it was");
}

#[tokio::test]
async fn wrong_format_or_unknown_input_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let db = database(&tmp);
    import_json(&db, &sample("purview/audit-export.csv"), &[]);
    let before = digest(&db).await;

    let out = steward().args(["--db", &db, "import", "--format", "purview"]).arg(sample("coe-kit")).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("admin_") && stderr.contains("no AuditData column"), "{stderr}");
    assert_eq!(digest(&db).await, before);

    let other = tmp.path().join("notes.csv");
    std::fs::write(&other, "a,b\n1,2\n").unwrap();
    let out = steward().args(["--db", &db, "import"]).arg(&other).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.csv") && stderr.contains("--format"), "{stderr}");

    let dump = tmp.path().join("dump");
    std::fs::create_dir(&dump).unwrap();
    std::fs::write(dump.join("manifest.json"), r#"{"format": "steward-tenant-dump", "version": 1}"#).unwrap();
    let out = steward().args(["--db", &db, "import", "--tenant", "x"]).arg(&dump).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tenant does not apply"));
}

#[test]
fn help_lists_the_formats_and_how_they_are_detected() {
    let out = run_ok(steward().args(["import", "--help"]));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["--format", "coe-kit", "purview", "AuditData", "steward-import", "--tenant", "docs/import-format.md"]
    {
        assert!(text.contains(needle), "--help mentions {needle}: {text}");
    }
}
