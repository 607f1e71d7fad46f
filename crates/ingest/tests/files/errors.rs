//! Bad input: the error names the file, line and column and what is wrong, and the database
//! is exactly as it was before the import.

use crate::support::*;
use std::path::{Path, PathBuf};
use steward_ingest::files::SourceFormat;

/// Replace the `n`th line (1-based) of `file` with `with(line)`.
fn edit_line(file: &Path, n: usize, with: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(file).unwrap();
    let ending = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = text.split(ending).map(str::to_string).collect();
    lines[n - 1] = with(&lines[n - 1]);
    std::fs::write(file, lines.join(ending)).unwrap();
}

/// A copy of the sample `name` in the fixture's directory.
fn copy(f: &Fixture, name: &str) -> PathBuf {
    let from = data(name);
    let to = f.dir.path().join(name);
    if from.is_dir() {
        copy_dir(&from, &to);
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    to
}

/// Import the good samples, then `bad`; `bad` must fail and leave the database unchanged.
/// The digest covers the inventory, the usage ledger and the daily usage rollups.
async fn fails_cleanly(f: &Fixture, bad: &Path, format: SourceFormat) -> steward_ingest::IngestError {
    import_ok(&f.store, &data("coe-kit"), SourceFormat::CoeKit).await;
    let before = digest(&f.store).await;
    let ledger_before = ledger_records(&f.store).await;
    let err = import(&f.store, bad, format, None).await.expect_err("the damaged input must fail");
    assert_eq!(digest(&f.store).await, before, "a failed import leaves the database as it was: {err}");
    assert_eq!(ledger_records(&f.store).await, ledger_before);
    err
}

#[tokio::test]
async fn purview_broken_audit_data_names_record_and_column() {
    let f = fixture().await;
    let file = copy(&f, "purview/audit-export.csv");
    // Line 4 holds the third record (CreateFlow); cut its JSON short.
    edit_line(&file, 4, |l| l.replace(r#""ObjectId"":"#, r#""ObjectId"#));
    let err = fails_cleanly(&f, &file, SourceFormat::Purview).await;
    let (line, column, text) = positioned(&err, "audit-export.csv");
    assert_eq!((line, column), (4, 6), "{text}");
    assert!(text.contains("record 3, column 'AuditData'"), "{text}");
    assert!(text.contains("invalid JSON") && text.contains("of the record"), "{text}");
    assert!(text.contains("re-export"), "says what to do: {text}");
}

#[tokio::test]
async fn purview_without_audit_data_is_not_an_export() {
    let f = fixture().await;
    let file = f.dir.path().join("report.csv");
    std::fs::write(&file, "CreationDate,UserIds,Operations\n2026-05-19,a@b.c,LaunchPowerApp\n").unwrap();
    let err = fails_cleanly(&f, &file, SourceFormat::Purview).await.to_string();
    assert!(err.contains("report.csv") && err.contains("no AuditData column"), "{err}");
    assert!(err.contains("Download all results"), "{err}");
}

#[tokio::test]
async fn purview_record_of_the_wrong_shape() {
    let f = fixture().await;
    let file = copy(&f, "purview/audit-export.csv");
    edit_line(&file, 2, |l| l.replace(r#""RecordType"":45"#, r#""RecordType"":""PowerAppsApp"""#));
    let err = fails_cleanly(&f, &file, SourceFormat::Purview).await;
    let (line, column, text) = positioned(&err, "audit-export.csv");
    assert_eq!((line, column), (2, 6), "{text}");
    assert!(text.contains("unexpected content") && text.contains("i32"), "{text}");
}

#[tokio::test]
async fn coe_bad_timestamp_names_the_column() {
    let f = fixture().await;
    let dir = copy(&f, "coe-kit");
    edit_line(&dir.join("admin_flow.csv"), 3, |l| l.replace("2026-03-01T22:00:00Z", "31.02.2026"));
    let err = fails_cleanly(&f, &dir, SourceFormat::CoeKit).await;
    let (line, column, text) = positioned(&err, "admin_flow.csv");
    assert_eq!((line, column), (3, 10), "{text}");
    assert!(text.contains("record 2, column 'admin_flowmodifiedon'"), "{text}");
    assert!(text.contains("'31.02.2026' is not a timestamp"), "{text}");
}

#[tokio::test]
async fn coe_deleted_row_without_any_date() {
    let f = fixture().await;
    let dir = copy(&f, "coe-kit");
    edit_line(&dir.join("admin_flow.csv"), 4, |l| l.replace("2023-02-10T08:00:00Z", ""));
    let err = fails_cleanly(&f, &dir, SourceFormat::CoeKit).await;
    let (line, _, text) = positioned(&err, "admin_flow.csv");
    assert_eq!(line, 4, "{text}");
    assert!(text.contains("marked deleted but has no date") && text.contains("admin_flowdeletedon"), "{text}");
}

#[tokio::test]
async fn coe_missing_id_column() {
    let f = fixture().await;
    let dir = copy(&f, "coe-kit");
    edit_line(&dir.join("admin_app.csv"), 1, |l| l.replacen("admin_appid", "appname", 1));
    let err = fails_cleanly(&f, &dir, SourceFormat::CoeKit).await.to_string();
    assert!(err.contains("admin_app.csv") && err.contains("has no admin_appid"), "{err}");
}

#[tokio::test]
async fn steward_unknown_kind_and_unknown_field() {
    let f = fixture().await;
    let dir = copy(&f, "steward-dir");
    edit_line(&dir.join("resources.jsonl"), 2, |l| l.replace("\"cloud_flow\"", "\"workflow\""));
    let err = fails_cleanly(&f, &dir, SourceFormat::Steward).await;
    let (line, column, text) = positioned(&err, "resources.jsonl");
    assert_eq!(line, 2, "{text}");
    assert!(column > 1, "{text}");
    assert!(text.contains("unknown variant `workflow`") && text.contains("cloud_flow"), "{text}");

    let dir = f.dir.path().join("typo");
    copy_dir(&data("steward-dir"), &dir);
    edit_line(&dir.join("principals.jsonl"), 1, |l| l.replace("\"department\"", "\"departement\""));
    let err = import(&f.store, &dir, SourceFormat::Steward, None).await.unwrap_err();
    let (line, _, text) = positioned(&err, "principals.jsonl");
    assert_eq!(line, 1, "{text}");
    assert!(text.contains("unknown field `departement`"), "{text}");
}

#[tokio::test]
async fn steward_bad_csv_timestamp_and_unknown_column() {
    let f = fixture().await;
    let dir = copy(&f, "steward-dir");
    edit_line(&dir.join("usage.csv"), 3, |l| l.replace("2026-05-18T09:00:00Z", "2026-05-18 09:00"));
    let err = fails_cleanly(&f, &dir, SourceFormat::Steward).await;
    let (line, column, text) = positioned(&err, "usage.csv");
    assert_eq!((line, column), (3, 2), "{text}");
    assert!(text.contains("column 'occurred_at'") && text.contains("RFC 3339"), "{text}");

    let dir = f.dir.path().join("extra-column");
    copy_dir(&data("steward-dir"), &dir);
    edit_line(&dir.join("environments.csv"), 1, |l| l.replace("region", "regoin"));
    let err = import(&f.store, &dir, SourceFormat::Steward, None).await.unwrap_err();
    let (line, column, text) = positioned(&err, "environments.csv");
    assert_eq!((line, column), (1, 4), "{text}");
    assert!(text.contains("unknown column 'regoin'"), "{text}");
}

#[tokio::test]
async fn steward_future_version_and_foreign_files() {
    let f = fixture().await;
    let dir = copy(&f, "steward-dir");
    std::fs::write(dir.join("manifest.json"), r#"{"format": "steward-import", "version": 2}"#).unwrap();
    let err = fails_cleanly(&f, &dir, SourceFormat::Steward).await.to_string();
    assert!(err.contains("version 2 is not supported"), "{err}");

    let dir = f.dir.path().join("stray");
    copy_dir(&data("steward-dir"), &dir);
    std::fs::write(dir.join("apps.jsonl"), "").unwrap();
    let err = import(&f.store, &dir, SourceFormat::Steward, None).await.unwrap_err().to_string();
    assert!(err.contains("apps.jsonl") && err.contains("environments, principals, resources or usage"), "{err}");
}

#[tokio::test]
async fn steward_empty_id_fails_at_its_line() {
    let f = fixture().await;
    let file = copy(&f, "steward-appian.jsonl");
    edit_line(&file, 4, |l| l.replace("\"site-onboarding\"", "\" \""));
    let err = fails_cleanly(&f, &file, SourceFormat::Steward).await;
    let (line, _, text) = positioned(&err, "steward-appian.jsonl");
    assert_eq!(line, 4, "{text}");
    assert!(text.contains("field 'id' is empty"), "{text}");
}

#[tokio::test]
async fn unclosed_quote_fails_at_its_record() {
    let f = fixture().await;
    let file = copy(&f, "purview/audit-export.csv");
    // A quote opened in the middle of a record: the fields after it shift, and the record's
    // AuditData is no longer JSON. (The 64 MiB record limit is unit-tested in csv_table.)
    edit_line(&file, 3, |l| {
        l.replacen(",PowerPlatformAdministratorActivity,", ",\"PowerPlatformAdministratorActivity,", 1)
    });
    let err = fails_cleanly(&f, &file, SourceFormat::Purview).await;
    let (line, _, text) = positioned(&err, "audit-export.csv");
    assert_eq!(line, 3, "{text}");
}
