//! Microsoft Purview audit-log search exports ("Export > Download all results"): a CSV file
//! with the columns `RecordId, CreationDate, RecordType, Operation, UserId, AuditData, …`
//! (older exports: `CreationDate, UserIds, Operations, AuditData`). `AuditData` holds the
//! audit record as JSON, the same record the Office 365 Management Activity API serves, so
//! it is parsed with [`AuditRecord`] and normalised with [`normalize::audit_record`] exactly
//! like the records of a tenant dump.
//!
//! - Columns are found by header name (any case, byte-order mark and `;` delimiters
//!   tolerated); only `AuditData` is required.
//! - When a record lacks `Id`, `CreationTime` or `Operation`, the row's `RecordId`,
//!   `CreationDate` and `Operation` columns stand in.
//! - Records of other Microsoft 365 workloads (Exchange, SharePoint, …) are counted as
//!   skipped: a search that was not filtered to Power Platform activities still imports.
//!   Power Platform operations Steward does not interpret are kept as usage kind `other`.
//! - Exports overlap (each is capped, so teams export day by day): records repeat, and the
//!   store keeps one per `Id`.
//! - The tenant is `--tenant`, else the `OrganizationId` of the first Power Platform record.

use super::csv_table::{CsvTable, Row};
use super::pipeline::{self, Sink, Stop};
use super::{FileImportOptions, FileImportReport, SourceFormat, cell, problem};
use crate::powerplatform::normalize;
use crate::powerplatform::wire::audit::{self, AuditRecord};
use crate::{IngestError, Progress};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use steward_store::Store;

/// The column holding the record.
pub(crate) const AUDIT_DATA: &str = "AuditData";

/// Workloads whose records are Power Platform activity.
const WORKLOADS: &[&str] = &[
    "PowerApps",
    "PowerPlatform",
    "MicrosoftFlow",
    "PowerAutomate",
    "MicrosoftCopilotStudio",
    "CopilotStudio",
    "PowerPages",
];

/// Record types of Power Platform activity (PowerAppsApp, PowerAppsPlan, PowerAppsResource,
/// PowerPagesSite, PowerPlatformAdminDlp, PowerPlatformAdministratorActivity, MicrosoftFlow).
const RECORD_TYPES: &[i32] = &[
    audit::RECORD_TYPE_MICROSOFT_FLOW,
    audit::RECORD_TYPE_POWER_APPS_APP,
    46,
    79,
    186,
    187,
    audit::RECORD_TYPE_POWER_PLATFORM_ADMIN_ACTIVITY,
];

/// Import the Purview export at `path` (one CSV file, or a directory of them) into `store`.
pub async fn import(
    store: &dyn Store,
    path: &Path,
    opts: &FileImportOptions,
    progress: &dyn Progress,
) -> Result<FileImportReport, IngestError> {
    pipeline::run(store, SourceFormat::Purview, opts.batch_size, progress, reader(path, opts)?).await
}

/// What reads the export at `path` into a [`Sink`], once the files are found.
pub(crate) fn reader(
    path: &Path,
    opts: &FileImportOptions,
) -> Result<impl FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static, IngestError> {
    let files = export_files(path)?;
    // Tenant ids are GUIDs, lowercased everywhere like the records' own ids.
    let tenant = opts.tenant.as_deref().map(|t| t.trim().to_ascii_lowercase());
    Ok(move |sink: &mut Sink| read(sink, &files, tenant))
}

/// `path` itself, or the CSV files directly in the directory `path`, sorted.
fn export_files(path: &Path) -> Result<Vec<PathBuf>, IngestError> {
    if !path.is_dir() {
        std::fs::metadata(path).map_err(|e| problem::unreadable(path, &e))?;
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| problem::unreadable(path, &e))? {
        let file = entry.map_err(|e| problem::unreadable(path, &e))?.path();
        if file.is_file() && file.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
            files.push(file);
        }
    }
    if files.is_empty() {
        return Err(problem::file(
            path,
            "holds no .csv files; export the audit log search from Purview and import that file",
        ));
    }
    files.sort();
    Ok(files)
}

/// Where the columns are in one export.
struct Columns {
    audit_data: usize,
    record_id: Option<usize>,
    creation_date: Option<usize>,
    operation: Option<usize>,
}

impl Columns {
    fn find(table: &CsvTable) -> Result<Self, IngestError> {
        let Some(audit_data) = table.column(&[AUDIT_DATA]) else {
            return Err(problem::file(
                table.path(),
                format!(
                    "has no {AUDIT_DATA} column (its columns are: {}); this is not a Purview audit log export. In Purview, search the audit log and use Export > Download all results",
                    table.headers().join(", ")
                ),
            ));
        };
        Ok(Columns {
            audit_data,
            record_id: table.column(&["RecordId", "Id"]),
            creation_date: table.column(&["CreationDate", "CreationTime"]),
            operation: table.column(&["Operation", "Operations"]),
        })
    }
}

fn read(sink: &mut Sink, files: &[PathBuf], mut tenant: Option<String>) -> Result<(), Stop> {
    for path in files {
        let mut table = CsvTable::open(path)?;
        sink.files += 1;
        let columns = Columns::find(&table)?;
        while let Some(row) = table.next_row()? {
            sink.records += 1;
            let record = parse_record(&row, &columns)?;
            if !is_power_platform(&record) {
                sink.skipped += 1;
                continue;
            }
            let tenant_id = match &tenant {
                Some(t) => t.clone(),
                None => {
                    let found = organization_id(row.raw(columns.audit_data)).ok_or_else(|| {
                        row.error(
                            columns.audit_data,
                            "the record has no OrganizationId, so the tenant is unknown; pass --tenant <tenant id>",
                        )
                    })?;
                    tenant = Some(found.clone());
                    found
                }
            };
            sink.ensure_tenant(&tenant_id)?;
            sink.usage(normalize::audit_record(record, &tenant_id))?;
        }
    }
    Ok(())
}

fn is_power_platform(record: &AuditRecord) -> bool {
    let workload = record.workload.as_deref().unwrap_or_default();
    WORKLOADS.iter().any(|w| w.eq_ignore_ascii_case(workload)) || RECORD_TYPES.contains(&record.record_type)
}

#[derive(Deserialize)]
struct Organization {
    #[serde(rename = "OrganizationId", default)]
    id: Option<String>,
}

/// The record's `OrganizationId`, lowercased (the tenant id).
fn organization_id(json: &str) -> Option<String> {
    let org: Organization = serde_json::from_str(json.trim()).ok()?;
    org.id.map(|id| id.trim().to_ascii_lowercase()).filter(|id| !id.is_empty())
}

/// The record in the row's `AuditData`, completed from the row's other columns when it lacks
/// `Id`, `CreationTime` or `Operation`.
fn parse_record(row: &Row<'_>, columns: &Columns) -> Result<AuditRecord, IngestError> {
    let json = row.raw(columns.audit_data).trim();
    if json.is_empty() {
        return Err(row.error(
            columns.audit_data,
            "is empty; every exported row carries its record as JSON here. Export again with Export > Download all results",
        ));
    }
    let err = match serde_json::from_str::<AuditRecord>(json) {
        Ok(record) => return Ok(record),
        Err(err) => err,
    };
    if err.is_data()
        && let Some(record) = completed(json, row, columns)
    {
        return Ok(record);
    }
    let place = if err.line() > 1 {
        format!("line {} character {}", err.line(), err.column())
    } else {
        format!("character {}", err.column())
    };
    Err(row.error(columns.audit_data, format!("{} at {place} of the record", problem::json_problem(&err))))
}

/// `json` with missing `Id`, `CreationTime` and `Operation` taken from the row, when that
/// makes it a record; `None` otherwise (the caller reports the original problem).
fn completed(json: &str, row: &Row<'_>, columns: &Columns) -> Option<AuditRecord> {
    let mut value: serde_json::Value = serde_json::from_str(json).ok()?;
    let object = value.as_object_mut()?;
    let missing = |object: &serde_json::Map<String, serde_json::Value>, key: &str| {
        object.get(key).is_none_or(|v| v.is_null() || v.as_str().is_some_and(str::is_empty))
    };
    if missing(object, "Id") {
        object.insert("Id".into(), row.text(columns.record_id)?.into());
    }
    if missing(object, "CreationTime") {
        let when = cell::timestamp(row.text(columns.creation_date)?)?;
        object.insert("CreationTime".into(), cell::audit_spelling(when).into());
    }
    if missing(object, "Operation") {
        object.insert("Operation".into(), row.text(columns.operation)?.into());
    }
    AuditRecord::deserialize(value).ok()
}
