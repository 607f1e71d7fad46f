use crate::support::{generate_small, run_ok, steward};
use serde_json::Value;
use steward_store::Store;

fn import_json(db: &str, dir: &std::path::Path) -> Value {
    let out = run_ok(steward().args(["--db", db, "import", "--json"]).arg(dir));
    serde_json::from_slice(&out.stdout).expect("import --json prints JSON")
}

#[test]
fn generated_tenant_imports_and_reimport_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("tenant");
    generate_small(&dump, 3);
    let db = format!("sqlite://{}", tmp.path().join("s.db").display());

    let first = import_json(&db, &dump);
    let added = first["resources"]["added"].as_u64().unwrap();
    assert!(added >= 200, "small tenant has a few hundred resources: {first}");
    let usage = |report: &Value, key: &str| report[key].as_u64().unwrap_or_else(|| panic!("no {key} in {report}"));
    assert!(usage(&first, "usage_records_counted") > 0, "{first}");
    assert_eq!(
        usage(&first, "usage_records_counted")
            + usage(&first, "usage_records_not_counted")
            + usage(&first, "usage_records_repeated")
            + usage(&first, "usage_records_past_retention"),
        usage(&first, "usage_records_read"),
        "every record read is accounted for: {first}"
    );

    let second = import_json(&db, &dump);
    assert_eq!(second["resources"]["added"], 0, "{second}");
    assert_eq!(second["resources"]["changed"], 0, "{second}");
    assert_eq!(second["resources"]["unchanged"].as_u64().unwrap(), added, "{second}");
    assert_eq!(second["usage_records_counted"], 0, "{second}");
    assert_eq!(second["usage_records_not_counted"], 0, "{second}");
    assert_eq!(second["usage_records_repeated"], first["usage_records_read"], "every record was seen before: {second}");
}

#[tokio::test]
async fn truncated_file_names_itself_and_leaves_the_database_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("tenant");
    generate_small(&dump, 1);
    let db_path = tmp.path().join("s.db");
    let db = format!("sqlite://{}", db_path.display());
    import_json(&db, &dump);
    let before = steward_store_sqlite::SqliteStore::open(&db).unwrap().content_digest().await.unwrap();

    // Regenerate with another seed (different data), then break one app page.
    let other = tmp.path().join("other");
    run_ok(steward().args(["generate", "--preset", "small", "--seed", "8", "--usage-days", "1", "--out"]).arg(&other));
    let page = std::fs::read_dir(other.join("powerapps/environments"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join("apps/page-00001.json"))
        .find(|p| p.exists())
        .expect("some environment has an app page");
    let text = std::fs::read(&page).unwrap();
    std::fs::write(&page, &text[..text.len() / 2]).unwrap();

    let out = steward().args(["--db", &db, "import"]).arg(&other).output().unwrap();
    assert!(!out.status.success(), "a truncated file must fail the import");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = page.file_name().unwrap().to_string_lossy();
    assert!(stderr.contains(name.as_ref()), "error names the file: {stderr}");
    // Compiler-style position: path:line:column.
    let position = stderr.split(name.as_ref()).nth(1).unwrap_or("");
    let mut parts = position.trim_start_matches(':').split(':');
    let line = parts.next().and_then(|l| l.parse::<u64>().ok());
    let column = parts.next().and_then(|c| c.parse::<u64>().ok());
    assert!(line.is_some() && column.is_some(), "error gives line and column after the file: {stderr}");
    assert!(stderr.contains("truncated"), "error says what is wrong: {stderr}");

    let after = steward_store_sqlite::SqliteStore::open(&db).unwrap().content_digest().await.unwrap();
    assert_eq!(before, after, "a failed import must leave the database exactly as it was");
}

#[test]
fn missing_directory_and_bad_database_url_are_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("s.db").display());
    let out = steward().args(["--db", &db, "import"]).arg(tmp.path().join("nope")).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope"), "names the directory: {stderr}");

    let out = steward().args(["--db", "mysql://x@y/z", "migrate"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sqlite://") && stderr.contains("postgres://"), "says what is supported: {stderr}");
}
