use std::path::PathBuf;

/// Why writing, listing or pruning the raw audit archive failed.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(
        "tenant id {tenant:?} cannot name an archive partition directory: {reason}; \
         tenant ids are GUIDs or domain names, so check the tenant id of the audit source"
    )]
    InvalidTenant { tenant: String, reason: &'static str },
    #[error("day {day} cannot name an archive partition directory: only years 0001 to 9999 are archived")]
    InvalidDay { day: chrono::NaiveDate },
    #[error("invalid archive configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot {action} {path}: {source}; check that the archive root exists, is writable and has free space")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot write Parquet file {path}: {source}; the records of this part file are not archived \
         (check free space and permissions, then import them again)"
    )]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("cannot build a batch of audit records for {path}: {source}")]
    Arrow {
        path: PathBuf,
        #[source]
        source: arrow_schema::ArrowError,
    },
}

impl ArchiveError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ArchiveError::Io { action, path, source }
    }
}
