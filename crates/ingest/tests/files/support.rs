//! A real SQLite store per test, the sample files, the usage events a file holds, and the
//! store's usage rollups.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use steward_ingest::files::{self, FileImportOptions, FileImportReport, SourceFormat};
use steward_ingest::{IngestError, NoProgress};
use steward_model::{PeriodUsage, UsageEvent, UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::PeriodQuery;
use steward_store::{Store, UsageReads};
use steward_store_sqlite::SqliteStore;

pub const TENANT: &str = "33333333-3333-3333-3333-333333333333";
pub const DEFAULT_ENV: &str = "default-33333333-3333-3333-3333-333333333333";
pub const PROD_ENV: &str = "aa289efd-09f4-eaeb-bbb8-c08fc9e27d09";
pub const AMBER: &str = "7ff1e0f1-e2a4-48a0-874e-34db43893df1";
pub const BEN: &str = "5d2b1c47-8a11-4c3e-9e02-3f6f2b6d9a10";
pub const EXPENSES_APP: &str = "6c39e97c-6ddd-4a37-afd4-494a605925cf";
pub const INVOICE_APP: &str = "8f0e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b";
pub const INVOICE_FLOW: &str = "3f1b2a4c-6d5e-4f70-8a9b-0c1d2e3f4a5b";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub store: SqliteStore,
}

pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("steward.db");
    let store = SqliteStore::open(&db.to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    Fixture { dir, store }
}

/// A committed sample file or directory under `tests/files/data`.
pub fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/files/data").join(relative)
}

/// Import with a small batch size, so that every sample crosses batch boundaries.
pub async fn import(
    store: &SqliteStore,
    path: &Path,
    format: SourceFormat,
    tenant: Option<&str>,
) -> Result<FileImportReport, IngestError> {
    let opts = FileImportOptions { batch_size: 2, tenant: tenant.map(str::to_string) };
    files::import(store, path, format, &opts, &NoProgress).await
}

pub async fn import_ok(store: &SqliteStore, path: &Path, format: SourceFormat) -> FileImportReport {
    match import(store, path, format, None).await {
        Ok(report) => report,
        Err(e) => panic!("import of {} failed: {e}", path.display()),
    }
}

pub async fn digest(store: &SqliteStore) -> String {
    store.content_digest().await.unwrap()
}

/// Every usage event the import of `path` would count, as the reader normalised it (repeats
/// included): the store keeps only rollups, so this is where per-record fields are checked.
pub async fn read_events(path: &Path, format: SourceFormat, tenant: Option<&str>) -> Vec<UsageEvent> {
    let opts = FileImportOptions { batch_size: 2, tenant: tenant.map(str::to_string) };
    match files::read(path, format, &opts).await {
        Ok(read) => read.records.usage,
        Err(e) => panic!("reading {} failed: {e}", path.display()),
    }
}

pub fn event<'a>(events: &'a [UsageEvent], id: &str) -> &'a UsageEvent {
    events.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("no event {id} in {events:#?}"))
}

/// How many distinct records the store's usage ledger holds (counted in rollups or not).
pub async fn ledger_records(store: &SqliteStore) -> u64 {
    store.usage_status(None).await.unwrap().records
}

/// The rollup row of `scope_id` for the period of `period` that holds `day`, if any.
pub async fn rollup(
    store: &SqliteStore,
    scope: UsageScope,
    scope_id: &str,
    period: UsagePeriod,
    metric: UsageMetric,
    day: NaiveDate,
) -> Option<PeriodUsage> {
    let query = PeriodQuery {
        tenant_id: None,
        scope,
        scope_id: Some(scope_id.to_string()),
        period,
        metric,
        from: day,
        to: day,
    };
    let rows = store.period_usage(&query).await.unwrap();
    assert!(rows.len() <= 1, "one row per scope and period: {rows:#?}");
    rows.into_iter().next()
}

/// (uses, users) of the rollup row, (0, 0) when there is none.
pub async fn figures(
    store: &SqliteStore,
    scope: UsageScope,
    scope_id: &str,
    period: UsagePeriod,
    metric: UsageMetric,
    day: NaiveDate,
) -> (u64, u64) {
    rollup(store, scope, scope_id, period, metric, day).await.map_or((0, 0), |r| (r.uses, r.users))
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

pub fn at(text: &str) -> steward_model::Timestamp {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&chrono::Utc)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// The error's text, which must name `file` followed by `:line:column:`.
pub fn positioned(err: &IngestError, file: &str) -> (u64, u64, String) {
    let text = err.to_string();
    let after = text.split(file).nth(1).unwrap_or_else(|| panic!("error does not name {file}: {text}"));
    let mut parts = after.trim_start_matches(':').splitn(3, ':');
    let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or_else(|| panic!("no line after {file}: {text}"));
    let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no column after {file}: {text}"));
    (line, column, text)
}
