//! The streaming importer against real SQLite files: the same rollups as the importers'
//! record-by-record path, whatever the order, splitting or repetition of the input.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steward_store::Store;
use steward_usage::{ImportOptions, import_audit_file};

const TENANT: &str = "33333333-3333-3333-3333-333333333333";

/// A deterministic mix of every record shape: new-style and legacy launches, flow lifecycle
/// records, other workloads, operations that are not counted, repeats, mixed-case UPNs.
fn records(n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let day = 1 + (i * 7 % 20);
        let (hh, mm) = (i % 24, i * 13 % 60);
        let when = format!("2026-10-{day:02}T{hh:02}:{mm:02}:07");
        let app = format!("app-{}", i * i % 11);
        let user = format!("user-{}", i * 3 % 17);
        let env = format!("env-{}", i % 3);
        let id = format!("rec-{i:06}");
        let r = match i % 9 {
            0..=3 => format!(
                r#"{{"PropertyCollection":[{{"Name":"powerplatform.analytics.resource.power_app.id","Value":"{app}"}},{{"Name":"powerplatform.analytics.resource.environment.id","Value":"{env}"}},{{"Name":"powerplatform.analytics.activity.name","Value":"LaunchPowerApp"}},{{"Name":"enduser.id","Value":"{user}"}},{{"Name":"user_agent.original","Value":"Mozilla/5.0 \"quoted\""}}],"Id":"{id}","RecordType":256,"CreationTime":"{when}","Operation":"LaunchPowerApp","OrganizationId":"{TENANT}","UserKey":"{user}","Workload":"PowerPlatform"}}"#
            ),
            4 | 5 => format!(
                r#"{{"CreationTime":"{when}","Id":"{id}","Operation":"LaunchPowerApp","OrganizationId":"{TENANT}","RecordType":45,"UserId":"{}@Contoso.COM","Workload":"PowerApps","AppName":"{}","AdditionalInfo":{{"environmentName":"{env}"}}}}"#,
                user.to_uppercase(),
                app.to_uppercase() // legacy records may spell ids in capitals; ids compare without case
            ),
            6 => format!(
                r#"{{"CreationTime":"{when}","Id":"{id}","Operation":"EditFlow","OrganizationId":"{TENANT}","RecordType":30,"UserKey":"{user}","Workload":"MicrosoftFlow","ObjectId":"flow-{}","FlowDetailsUrl":"https://admin.powerplatform.microsoft.com/environments/{env}/flows/x/flowDetails"}}"#,
                i % 4
            ),
            7 => format!(
                r#"{{"CreationTime":"{when}","Id":"{id}","Operation":"FileAccessed","OrganizationId":"{TENANT}","RecordType":6,"UserId":"someone@contoso.com","Workload":"SharePoint"}}"#
            ),
            _ => format!(
                r#"{{"CreationTime":"{when}","Id":"{id}","Operation":"DeletePowerApp","OrganizationId":"{TENANT}","RecordType":45,"UserId":"x@contoso.com","Workload":"PowerApps","AppName":"{app}"}}"#
            ),
        };
        out.push(r.clone());
        if i % 10 == 3 {
            out.push(r); // the feed repeats records
        }
    }
    out
}

fn write_lines(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    path
}

async fn store(dir: &Path, name: &str) -> Arc<dyn Store> {
    let s = steward_store_sqlite::SqliteStore::open(dir.join(name).to_str().unwrap()).unwrap();
    s.migrate().await.unwrap();
    Arc::new(s)
}

/// The same records through the importers' normaliser and `insert_usage_events`.
async fn reference(dir: &Path, lines: &[String]) -> Arc<dyn Store> {
    let s = store(dir, "reference.db").await;
    let events: Vec<_> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<steward_ingest::powerplatform::wire::audit::AuditRecord>(l).ok())
        .filter(|r| matches!(r.workload.as_deref(), Some("PowerApps" | "PowerPlatform" | "MicrosoftFlow")))
        .map(|r| steward_ingest::powerplatform::normalize::audit_record(r, TENANT))
        .collect();
    let mut tx = s.begin_ingest().await.unwrap();
    tx.insert_usage_events(events).await.unwrap();
    tx.commit().await.unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_rollups_equal_the_record_by_record_path() {
    let dir = tempfile::tempdir().unwrap();
    let lines = records(3000);
    let path = write_lines(dir.path(), "audit.jsonl", &lines);
    let s = store(dir.path(), "steward.db").await;
    let report = import_audit_file(s.clone(), &path, &ImportOptions::default()).await.unwrap();
    assert_eq!(report.records, lines.len() as u64);
    assert_eq!(report.malformed, 0, "{:?}", report.first_errors);
    assert!(report.stats.duplicates > 0 && report.stats.not_counted > 0, "{report:?}");
    let expected = reference(dir.path(), &lines).await;
    assert_eq!(
        s.content_digest().await.unwrap(),
        expected.content_digest().await.unwrap(),
        "ledger and resource-days equal the importers' path"
    );
    let status = s.usage_status(None).await.unwrap();
    assert_eq!(status.records, report.stats.counted + report.stats.not_counted, "the ledger holds every record once");

    let again = import_audit_file(s.clone(), &path, &ImportOptions::default()).await.unwrap();
    assert_eq!(again.stats.counted, 0, "the same file again counts nothing");
    assert_eq!(
        again.stats.duplicates,
        report.stats.counted + report.stats.not_counted + report.stats.duplicates,
        "every record of the second run is a repeat"
    );
    assert_eq!(s.content_digest().await.unwrap(), expected.content_digest().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_splitting_and_small_commits_do_not_change_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let lines = records(2000);
    let whole = store(dir.path(), "whole.db").await;
    import_audit_file(whole.clone(), &write_lines(dir.path(), "all.jsonl", &lines), &ImportOptions::default())
        .await
        .unwrap();

    let mut shuffled = lines.clone();
    shuffled.reverse();
    let (a, b) = shuffled.split_at(shuffled.len() / 3);
    let parts = store(dir.path(), "parts.db").await;
    let opts = ImportOptions { max_open_days: 1, threads: 3, ..Default::default() };
    let first = import_audit_file(parts.clone(), &write_lines(dir.path(), "a.jsonl", a), &opts).await.unwrap();
    import_audit_file(parts.clone(), &write_lines(dir.path(), "b.jsonl", b), &opts).await.unwrap();
    assert!(first.commits > 2, "one day open at a time commits often: {first:?}");
    assert_eq!(parts.content_digest().await.unwrap(), whole.content_digest().await.unwrap());
    for scope in [steward_model::UsageScope::Environment, steward_model::UsageScope::Tenant] {
        let q = |store: &Arc<dyn Store>| {
            let store = store.clone();
            async move {
                steward_store::UsageReads::period_usage(
                    store.as_ref(),
                    &steward_store::usage::PeriodQuery {
                        tenant_id: None,
                        scope,
                        scope_id: None,
                        period: steward_model::UsagePeriod::Week,
                        metric: steward_model::UsageMetric::Use,
                        from: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                        to: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                    },
                )
                .await
                .unwrap()
            }
        };
        let (w, p) = (q(&whole).await, q(&parts).await);
        assert!(!w.is_empty());
        assert_eq!(p, w, "weekly {scope} rows merge to the same figures");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrays_and_tenant_override() {
    let dir = tempfile::tempdir().unwrap();
    let lines = records(200);
    let path = dir.path().join("blob.json");
    std::fs::write(&path, format!("[\n{}\n]", lines.join(",\n"))).unwrap();
    let s = store(dir.path(), "a.db").await;
    let opts = ImportOptions { tenant_id: Some("contoso".into()), ..Default::default() };
    let report = import_audit_file(s.clone(), &path, &opts).await.unwrap();
    assert_eq!(report.records, lines.len() as u64);
    let status = s.usage_status(Some("contoso")).await.unwrap();
    assert_eq!(
        status.records,
        report.stats.counted + report.stats.not_counted,
        "every record seen for the given tenant"
    );
    assert_eq!(s.usage_status(Some(TENANT)).await.unwrap().records, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_stop_the_import_or_are_skipped_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = records(100);
    lines.insert(40, "{\"Id\":\"broken\", \"CreationTime\":".into());
    lines.insert(60, r#"{"Id":"no-tenant","CreationTime":"2026-10-01T00:00:00","Operation":"LaunchPowerApp","Workload":"PowerApps","AppName":"a"}"#.into());
    let path = write_lines(dir.path(), "bad.jsonl", &lines);
    let s = store(dir.path(), "bad.db").await;
    let before = s.content_digest().await.unwrap();
    let err = import_audit_file(s.clone(), &path, &ImportOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("bad.jsonl line 41") && err.contains("--max-errors"), "{err}");
    assert_eq!(s.content_digest().await.unwrap(), before, "nothing of the stopped import is stored");

    let opts = ImportOptions { max_errors: 5, ..Default::default() };
    let report = import_audit_file(s.clone(), &path, &opts).await.unwrap();
    assert_eq!(report.malformed, 2);
    assert!(report.first_errors[1].contains("line 61") && report.first_errors[1].contains("OrganizationId"));
    assert!(report.stats.counted > 0);

    let garbage = dir.path().join("garbage.csv");
    std::fs::write(&garbage, "CreationDate,UserIds\n").unwrap();
    let err = import_audit_file(s.clone(), &garbage, &ImportOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("garbage.csv") && err.contains("JSON lines"), "{err}");
    let missing = import_audit_file(s, &dir.path().join("nope.jsonl"), &ImportOptions::default()).await.unwrap_err();
    assert!(missing.to_string().contains("nope.jsonl"), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_archive_keeps_each_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let lines = records(900);
    let path = write_lines(dir.path(), "audit.jsonl", &lines);
    let s = store(dir.path(), "a.db").await;
    let root = dir.path().join("archive");
    let opts = ImportOptions { archive: Some(root.clone()), ..Default::default() };
    let report = import_audit_file(s.clone(), &path, &opts).await.unwrap();
    assert_eq!(report.archived_rows, report.stats.counted + report.stats.not_counted, "{report:?}");
    assert_eq!(s.usage_status(None).await.unwrap().records, report.archived_rows, "the archive mirrors the ledger");
    let parts = steward_usage_archive::partitions(&root).unwrap();
    let days: std::collections::BTreeSet<_> = parts.iter().map(|p| p.day).collect();
    assert_eq!(days.len(), 20, "one partition per day of the file");
    assert!(parts.iter().all(|p| p.tenant_id == TENANT));
    let again = import_audit_file(s, &path, &opts).await.unwrap();
    assert_eq!(again.archived_rows, 0, "records seen before are not archived again");
}

/// The same file into PostgreSQL gives the same ledger and resource-days as into SQLite (the
/// importer only uses the `Store` trait). Skips, saying so, without `STEWARD_TEST_POSTGRES_URL`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_gets_the_same_rollups() {
    let Some(url) = std::env::var("STEWARD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("SKIPPED postgres_gets_the_same_rollups: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let schema = format!("steward_t_{secs}_usage_import_{}", std::process::id());
    let pg = steward_store_postgres::PostgresStore::connect_with_schema(&url, &schema).await.unwrap();
    pg.migrate().await.unwrap();
    let pg: Arc<dyn Store> = Arc::new(pg);
    let dir = tempfile::tempdir().unwrap();
    let lines = records(1500);
    let path = write_lines(dir.path(), "audit.jsonl", &lines);
    let opts = ImportOptions { max_open_days: 4, ..Default::default() };
    let report = import_audit_file(pg.clone(), &path, &opts).await.unwrap();
    let lite = store(dir.path(), "lite.db").await;
    import_audit_file(lite.clone(), &path, &opts).await.unwrap();
    assert!(report.commits > 1, "{report:?}");
    assert_eq!(pg.content_digest().await.unwrap(), lite.content_digest().await.unwrap());
    let again = import_audit_file(pg.clone(), &path, &opts).await.unwrap();
    assert_eq!(again.stats.counted, 0, "importing again into PostgreSQL counts nothing");
}

/// The store's resource-day use rows, as the in-memory rollup writes them.
async fn stored_resource_days(s: &Arc<dyn Store>) -> Vec<(String, i64, u64, u64)> {
    use steward_model::{UsageMetric, UsagePeriod, UsageScope};
    let query = steward_store::usage::RollupQuery {
        tenant_id: None,
        scope: UsageScope::Resource,
        scope_ids: None,
        period: UsagePeriod::Day,
        metric: UsageMetric::Use,
        from: chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
    };
    let mut rows: Vec<_> = s
        .usage_rows(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.scope_id, steward_store::usage::day_number(r.start), r.uses, r.actors.len() as u64))
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_memory_rollup_equals_the_imported_resource_days() {
    use steward_usage::rollup::{RollupOptions, rollup_file};
    let dir = tempfile::tempdir().unwrap();
    let mut lines = records(4000);
    // Repeats far from the original, with the id in capitals (ids compare without case), and a
    // record the extractor leaves to serde_json (an escaped id).
    lines.push(lines[5].replace("rec-000005", "REC-000005"));
    lines.push(lines[1].replace(r#""Id":"rec-000001""#, r#""Id":"rec-\u0030\u0030\u0030\u0030\u0030x""#));
    lines.push("{\"Id\": 5}".into());
    let path = write_lines(dir.path(), "audit.jsonl", &lines);
    let s = store(dir.path(), "steward.db").await;
    let options = ImportOptions { max_errors: 1, ..ImportOptions::default() };
    let report = import_audit_file(s.clone(), &path, &options).await.unwrap();
    assert_eq!(report.malformed, 1);
    let stored = stored_resource_days(&s).await;
    assert!(stored.len() > 100 && stored.iter().any(|r| r.2 > r.3), "a varied set of rows: {}", stored.len());
    for threads in [1, 2, 3] {
        let r = rollup_file(&path, &RollupOptions { threads, ..RollupOptions::default() }).unwrap();
        assert_eq!(r.records, report.records);
        assert_eq!(r.power_platform, report.power_platform);
        assert_eq!(r.malformed, 1, "{:?}", r.first_errors);
        assert!(r.first_errors[0].starts_with(&format!("line {}:", lines.len())), "{:?}", r.first_errors);
        assert_eq!(r.duplicates, report.stats.duplicates);
        assert!(r.fallback >= 2 && r.fast_path > 4000, "{} fast, {} by serde_json", r.fast_path, r.fallback);
        let mut rows: Vec<_> = r.rows.into_iter().map(|r| (r.resource_id, r.day, r.uses, r.users)).collect();
        rows.sort();
        assert!(rows.iter().all(|r| r.0 == r.0.to_lowercase()));
        assert_eq!(rows, stored, "{threads} threads");
    }
}
