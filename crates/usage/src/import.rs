//! File → store: see the crate documentation. (Being written: the API is fixed.)

use crate::UsageError;
use std::path::Path;
use std::sync::Arc;
use steward_store::Store;
use steward_store::usage::AggregateStats;

/// How to import a file of audit records.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Count every record for this tenant; by default each record's `OrganizationId`.
    pub tenant_id: Option<String>,
    /// Parser threads; 0 for one per core.
    pub threads: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { tenant_id: None, threads: 0 }
    }
}

/// What an import read and counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub bytes: u64,
    /// Records read (lines or array elements).
    pub records: u64,
    /// Records of Power Platform workloads.
    pub power_platform: u64,
    pub stats: AggregateStats,
    /// Records that could not be read, with the first few reasons.
    pub malformed: u64,
    pub first_errors: Vec<String>,
    pub days_written: u64,
    pub rows_written: u64,
}

/// Stream `path` into `store`'s usage rollups.
pub async fn import_audit_file(
    _store: Arc<dyn Store>,
    path: &Path,
    _options: &ImportOptions,
) -> Result<ImportReport, UsageError> {
    Err(UsageError::Invalid(format!("{}: the streaming importer is being written", path.display())))
}
