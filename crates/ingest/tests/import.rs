//! Generate a synthetic tenant, import it into a real SQLite file, and check what the store holds.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use steward_ingest::dump::{ImportOptions, ImportReport, import_dir, read_dir};
use steward_ingest::powerplatform::normalize::usage_kind;
use steward_ingest::synthetic::{GenerateOptions, Preset, generate};
use steward_ingest::{IngestError, NoProgress};
use steward_model::{UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::PeriodQuery;
use steward_store::{Store, UsageReads};
use steward_store_sqlite::SqliteStore;

struct Fixture {
    _dir: tempfile::TempDir,
    dump: PathBuf,
    store: SqliteStore,
}

async fn fixture(usage_days: u32) -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let dump = dir.path().join("dump");
    let mut opts = GenerateOptions::new(Preset::Small, 11);
    opts.usage_days = Some(usage_days);
    generate(&opts, &dump, &NoProgress).unwrap_or_else(|e| panic!("generate: {e}"));
    let db = dir.path().join("steward.db");
    let store = SqliteStore::open(&db.to_string_lossy()).unwrap_or_else(|e| panic!("open: {e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
    Fixture { _dir: dir, dump, store }
}

async fn import(store: &SqliteStore, dir: &Path, batch_size: usize) -> Result<ImportReport, IngestError> {
    import_dir(store, dir, &ImportOptions { batch_size }, &NoProgress).await
}

fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn count(m: &serde_json::Value, key: &str) -> u64 {
    m["counts"][key].as_u64().unwrap_or_else(|| panic!("manifest has no counts.{key}"))
}

/// Distinct record ids (without case) of the dump's audit records that are uses or maker
/// actions, read straight from the blobs: what the usage ledger must end up counting.
fn countable_records(dump: &Path) -> u64 {
    let mut ids = std::collections::HashSet::new();
    let root = dump.join("audit/Audit.General");
    for day in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let day = day.unwrap_or_else(|e| panic!("{e}")).path();
        if !day.is_dir() {
            continue;
        }
        for blob in std::fs::read_dir(&day).unwrap_or_else(|e| panic!("{e}")) {
            let blob = blob.unwrap_or_else(|e| panic!("{e}")).path();
            let text = std::fs::read_to_string(&blob).unwrap_or_else(|e| panic!("{}: {e}", blob.display()));
            let records: Vec<serde_json::Value> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", blob.display()));
            for r in records {
                let operation = r["Operation"].as_str().unwrap_or_default();
                if usage_kind(operation).metric().is_some() {
                    ids.insert(r["Id"].as_str().unwrap_or_default().to_ascii_lowercase());
                }
            }
        }
    }
    ids.len() as u64
}

#[tokio::test]
async fn reading_without_a_store_gives_every_record_normalised() {
    let f = fixture(2).await;
    let m = manifest(&f.dump);
    let read = read_dir(&f.dump, &ImportOptions { batch_size: 97 }).await.unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(read.environments.len() as u64, count(&m, "environments"));
    assert_eq!(read.resources.len() as u64, count(&m, "resources"));
    assert_eq!(read.principals.len() as u64, count(&m, "principals"));
    assert_eq!(read.usage.len() as u64, count(&m, "audit_records"), "repeats included");
    let tenant = m["tenant"]["id"].as_str().unwrap_or_default();
    assert!(read.usage.iter().all(|e| e.tenant_id == tenant && e.id == e.id.to_ascii_lowercase()));
    assert!(
        read.usage.iter().all(|e| e.principal_id.is_some() && e.environment_id.is_some()),
        "every record names both"
    );
    let countable: std::collections::HashSet<&str> =
        read.usage.iter().filter(|e| e.kind.metric().is_some()).map(|e| e.id.as_str()).collect();
    assert_eq!(countable.len() as u64, countable_records(&f.dump));
    assert_eq!(f.store.usage_status(None).await.unwrap_or_else(|e| panic!("{e}")).records, 0, "nothing written");
}

#[tokio::test]
async fn import_matches_the_manifest_and_a_second_import_changes_nothing() {
    let f = fixture(7).await;
    let m = manifest(&f.dump);
    // A small batch size makes the import cross many batch boundaries.
    let first = import(&f.store, &f.dump, 97).await.unwrap_or_else(|e| panic!("import: {e}"));
    assert_eq!(first.tenants.added, 1);
    assert_eq!(first.environments.added, count(&m, "environments"));
    assert_eq!(first.connectors.added, count(&m, "connectors"));
    assert_eq!(first.data_policies.added, count(&m, "data_policies"));
    assert_eq!(first.principals.added, count(&m, "principals"));
    assert_eq!(first.resources.added, count(&m, "resources"));
    assert_eq!(first.usage_records_read, count(&m, "audit_records"));
    let expected = countable_records(&f.dump);
    assert!(expected > 0);
    let distinct = count(&m, "audit_records") - count(&m, "audit_duplicates");
    assert_eq!(first.usage_records_counted, expected, "each use or maker action once, by record id");
    assert_eq!(first.usage_records_repeated, count(&m, "audit_duplicates"));
    assert_eq!(first.usage_records_not_counted, distinct - expected, "deletions and uninterpreted operations");
    assert!(first.usage_records_not_counted > 0, "the synthetic feed has some");
    assert_eq!(first.usage_records_past_retention, 0);
    assert!(first.files > 20);

    let overview = f.store.overview(None).await.unwrap_or_else(|e| panic!("overview: {e}"));
    assert_eq!(overview.environments, 5);
    assert_eq!(overview.resources, 300);
    assert_eq!(overview.principals, 150);
    // The ledger holds every distinct record, counted in a rollup or not.
    assert_eq!(overview.usage_events, distinct);
    assert_eq!(f.store.usage_status(None).await.unwrap_or_else(|e| panic!("{e}")).records, distinct);
    // Every counted record lands in its tenant's daily rows, as a use or as a maker action.
    let tenant = m["tenant"]["id"].as_str().unwrap_or_else(|| panic!("manifest has no tenant.id"));
    let mut in_rollups = 0;
    for metric in [UsageMetric::Use, UsageMetric::Make] {
        let query = PeriodQuery {
            tenant_id: Some(tenant.to_string()),
            scope: UsageScope::Tenant,
            scope_id: Some(tenant.to_string()),
            period: UsagePeriod::Day,
            metric,
            from: NaiveDate::MIN,
            to: NaiveDate::MAX,
        };
        let rows = f.store.period_usage(&query).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!rows.is_empty(), "{metric:?} rows");
        in_rollups += rows.iter().map(|r| r.uses).sum::<u64>();
    }
    assert_eq!(in_rollups, expected);
    assert!(overview.orphaned_resources > 0);
    let policies = f.store.list_data_policies(None).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(policies.iter().all(|p| !p.connector_groups.is_empty()), "groups come from the single-policy files");
    let envs = f.store.list_environments(&Default::default()).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(envs.items.iter().any(|e| e.environment.business_area.is_some()));

    let digest = f.store.content_digest().await.unwrap_or_else(|e| panic!("{e}"));
    let second = import(&f.store, &f.dump, 5_000).await.unwrap_or_else(|e| panic!("second import: {e}"));
    assert_eq!(second.resources.unchanged, count(&m, "resources"));
    assert_eq!(second.resources.added + second.resources.changed, 0);
    assert_eq!(second.environments.unchanged, count(&m, "environments"));
    assert_eq!(second.principals.unchanged, count(&m, "principals"));
    assert_eq!(second.connectors.unchanged, count(&m, "connectors"));
    assert_eq!(second.data_policies.unchanged, count(&m, "data_policies"));
    assert_eq!((second.usage_records_counted, second.usage_records_not_counted), (0, 0));
    assert_eq!(second.usage_records_repeated, second.usage_records_read, "every record was seen before");
    assert_eq!(f.store.content_digest().await.unwrap_or_else(|e| panic!("{e}")), digest);
}

/// Imports a good dump, damages a file of a second copy, and checks that the failed import
/// names the file and position and leaves the database exactly as it was.
async fn assert_damage_is_reported(damage: impl FnOnce(&Path) -> PathBuf, expect: &[&str]) {
    let f = fixture(1).await;
    import(&f.store, &f.dump, 5_000).await.unwrap_or_else(|e| panic!("first import: {e}"));
    let before = f.store.content_digest().await.unwrap_or_else(|e| panic!("{e}"));
    let damaged = damage(&f.dump);
    let err = match import(&f.store, &f.dump, 50).await {
        Ok(report) => panic!("import of a damaged dump succeeded: {report:?}"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(&damaged.display().to_string()), "error names the file: {err}");
    for needle in expect {
        assert!(err.contains(needle), "error mentions '{needle}': {err}");
    }
    assert_eq!(f.store.content_digest().await.unwrap_or_else(|e| panic!("{e}")), before, "the store is unchanged");
}

fn first_file(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{e}")) {
            let p = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if p.is_dir() { stack.push(p) } else { files.push(p) }
        }
    }
    files.sort();
    files.into_iter().next().unwrap_or_else(|| panic!("no file under {}", dir.display()))
}

#[tokio::test]
async fn a_truncated_page_is_named_with_line_and_column_and_rolled_back() {
    assert_damage_is_reported(
        |dump| {
            // Flow pages are read after apps, so the import has written a lot by then.
            let path = first_file(&dump.join("flow/environments"));
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
            path
        },
        &[":1:", "truncated", "re-run `steward generate`"],
    )
    .await;
}

#[tokio::test]
async fn a_wrong_type_in_a_field_is_named_with_line_and_column() {
    assert_damage_is_reported(
        |dump| {
            let path = first_file(&dump.join("powerapps/environments"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            let text = text.replacen("\"sharedUsersCount\":", "\"sharedUsersCount\":\"many\",\"x\":", 1);
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            path
        },
        &[":1:", "invalid type", "re-run"],
    )
    .await;
}

#[tokio::test]
async fn a_damaged_audit_blob_rolls_back_everything_before_it() {
    assert_damage_is_reported(
        |dump| {
            let day_dir = std::fs::read_dir(dump.join("audit/Audit.General"))
                .unwrap_or_else(|e| panic!("{e}"))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.is_dir())
                .unwrap_or_else(|| panic!("no day directory"));
            let path = first_file(&day_dir);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&path, text.replacen("\"CreationTime\":\"", "\"CreationTime\":\"not a time ", 1))
                .unwrap_or_else(|e| panic!("{e}"));
            path
        },
        &["not a timestamp", "re-run"],
    )
    .await;
}

#[tokio::test]
async fn a_missing_manifest_or_unknown_version_fails_before_writing() {
    let f = fixture(0).await;
    let empty = f.store.content_digest().await.unwrap_or_else(|e| panic!("{e}"));
    let manifest_path = f.dump.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).unwrap_or_else(|e| panic!("{e}"));

    std::fs::remove_file(&manifest_path).unwrap_or_else(|e| panic!("{e}"));
    let err = import(&f.store, &f.dump, 5_000).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("manifest.json") && err.contains("steward generate"), "{err}");

    std::fs::write(&manifest_path, original.replace("\"version\": 1", "\"version\": 99"))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = import(&f.store, &f.dump, 5_000).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("version 99") && err.contains("manifest.json"), "{err}");

    assert_eq!(f.store.content_digest().await.unwrap_or_else(|e| panic!("{e}")), empty);
    let missing =
        import(&f.store, &f.dump.join("nowhere"), 5_000).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(missing.contains("nowhere"), "{missing}");
}
