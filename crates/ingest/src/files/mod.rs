//! Usage and inventory brought from files, for teams that cannot (or cannot yet) connect
//! Steward to the live APIs, or that bring history from elsewhere:
//!
//! - [`purview`]: Microsoft Purview audit-log search exports (CSV, the `AuditData` column
//!   holds each record as JSON), read into usage events;
//! - [`coe_kit`]: the CoE Starter Kit's Dataverse tables exported as CSV (`admin_app.csv`,
//!   `admin_flow.csv`, …), so that teams leaving the archived kit keep their history;
//! - [`steward_format`]: Steward's own documented JSON Lines / CSV format, for any other
//!   low-code platform (Appian, OutSystems, Mendix, ServiceNow, …).
//!
//! [`detect`] tells the formats (and the tenant dump) apart. Every import streams its files
//! (memory stays at a few batches whatever their size), writes through one store transaction
//! like [`crate::dump::import_dir`], and is all or nothing: a bad record stops the import with
//! the file, line and column, and the database is left exactly as it was. The formats and the
//! column mappings are documented in `docs/import-format.md`.

mod cell;
pub mod coe_kit;
mod csv_table;
mod detect;
mod pipeline;
mod problem;
pub mod purview;
pub mod steward_format;

pub use detect::detect;

use crate::dump::{self, ImportOptions, ImportReport, Records};
use crate::{IngestError, Progress};
use serde::{Deserialize, Serialize};
use std::path::Path;
use steward_store::Store;

/// The kinds of input `steward import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// A tenant dump: the directory `steward generate` writes (`manifest.json`).
    Dump,
    /// A Microsoft Purview audit-log search export (CSV with an `AuditData` column).
    Purview,
    /// CoE Starter Kit tables exported as CSV (`admin_environment.csv`, `admin_app.csv`, …).
    CoeKit,
    /// Steward's own import format (`"format": "steward-import"`).
    Steward,
}

impl SourceFormat {
    /// The spelling the command line and the JSON report use.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Dump => "dump",
            SourceFormat::Purview => "purview",
            SourceFormat::CoeKit => "coe-kit",
            SourceFormat::Steward => "steward",
        }
    }
}

impl std::fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct FileImportOptions {
    /// Items per store call.
    pub batch_size: usize,
    /// The tenant the records belong to, for sources that do not say (or to override what
    /// they say): Purview records carry `OrganizationId`, CoE exports `admin_tenantid`.
    pub tenant: Option<String>,
}

impl Default for FileImportOptions {
    fn default() -> Self {
        FileImportOptions { batch_size: ImportOptions::default().batch_size, tenant: None }
    }
}

/// What a file import did: the dump importer's counts plus how many input records were read.
#[derive(Debug, Clone, Serialize)]
pub struct FileImportReport {
    pub format: SourceFormat,
    /// Input records read (CSV rows, JSON lines; for a tenant dump, the records imported).
    pub records_read: u64,
    /// Records read but deliberately not imported (Purview rows of other Microsoft 365
    /// workloads, such as Exchange or SharePoint).
    pub records_skipped: u64,
    #[serde(flatten)]
    pub import: ImportReport,
}

/// Import `path` in `format` (see [`detect`] when it is not known) into `store`, all or nothing.
pub async fn import(
    store: &dyn Store,
    path: &Path,
    format: SourceFormat,
    opts: &FileImportOptions,
    progress: &dyn Progress,
) -> Result<FileImportReport, IngestError> {
    match format {
        SourceFormat::Dump => {
            let dir = detect::dump_dir(path);
            let import = dump::import_dir(store, dir, &ImportOptions { batch_size: opts.batch_size }, progress).await?;
            let records = import.tenants.total()
                + import.environments.total()
                + import.connectors.total()
                + import.data_policies.total()
                + import.principals.total()
                + import.resources.total()
                + import.usage_records_read;
            Ok(FileImportReport { format, records_read: records, records_skipped: 0, import })
        }
        SourceFormat::Purview => purview::import(store, path, opts, progress).await,
        SourceFormat::CoeKit => coe_kit::import(store, path, opts, progress).await,
        SourceFormat::Steward => steward_format::import(store, path, opts, progress).await,
    }
}

/// What [`read`] found: every record normalised as an import would write it.
#[derive(Debug, Clone)]
pub struct FileRecords {
    pub format: SourceFormat,
    /// As in [`FileImportReport::records_read`].
    pub records_read: u64,
    /// As in [`FileImportReport::records_skipped`].
    pub records_skipped: u64,
    pub records: Records,
}

/// Read `path` in `format` into memory, normalised exactly as [`import`] would write it, without
/// a store: usage events are all there, before the store drops repeats and counts them into
/// rollups. Tenants are those an import into an empty store would write. Memory grows with the
/// input (an import's does not): meant for inspecting small inputs and for testing the readers.
pub async fn read(path: &Path, format: SourceFormat, opts: &FileImportOptions) -> Result<FileRecords, IngestError> {
    match format {
        SourceFormat::Dump => {
            let dir = detect::dump_dir(path);
            let records = dump::read_dir(dir, &ImportOptions { batch_size: opts.batch_size }).await?;
            let read = records.tenants.len()
                + records.environments.len()
                + records.connectors.len()
                + records.data_policies.len()
                + records.principals.len()
                + records.resources.len()
                + records.usage.len();
            Ok(FileRecords { format, records_read: read as u64, records_skipped: 0, records })
        }
        SourceFormat::Purview => pipeline::gather(format, opts.batch_size, purview::reader(path, opts)?).await,
        SourceFormat::CoeKit => pipeline::gather(format, opts.batch_size, coe_kit::reader(path, opts)?).await,
        SourceFormat::Steward => pipeline::gather(format, opts.batch_size, steward_format::reader(path, opts)?).await,
    }
}
