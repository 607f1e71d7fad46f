//! A real SQLite store per test, the sample files, and a way to read usage events back.

use std::path::{Path, PathBuf};
use steward_ingest::files::{self, FileImportOptions, FileImportReport, SourceFormat};
use steward_ingest::{IngestError, NoProgress};
use steward_store::Store;
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
    pub db: PathBuf,
    pub store: SqliteStore,
}

pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("steward.db");
    let store = SqliteStore::open(&db.to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    Fixture { dir, db, store }
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

/// A usage event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub tenant_id: String,
    pub occurred_at: String,
    pub principal_id: Option<String>,
    pub principal_upn: Option<String>,
    pub resource_id: Option<String>,
    pub environment_id: Option<String>,
    pub kind: String,
    pub operation: String,
    pub workload: Option<String>,
}

/// Every stored usage event, by id. Read from the file because the Store API serves usage
/// only as daily rollups.
pub fn events(db: &Path) -> Vec<Event> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id, tenant_id, occurred_at, principal_id, principal_upn, resource_id, environment_id, kind, operation, workload
             FROM usage_events ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let ms: i64 = r.get(2)?;
        let at = chrono::DateTime::from_timestamp_millis(ms).unwrap();
        Ok(Event {
            id: r.get(0)?,
            tenant_id: r.get(1)?,
            occurred_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            principal_id: r.get(3)?,
            principal_upn: r.get(4)?,
            resource_id: r.get(5)?,
            environment_id: r.get(6)?,
            kind: r.get(7)?,
            operation: r.get(8)?,
            workload: r.get(9)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

pub fn event<'a>(events: &'a [Event], id: &str) -> &'a Event {
    events.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("no event {id} in {events:#?}"))
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
