use std::path::PathBuf;

/// Why a usage import or query failed.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("cannot read audit file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} line {line}: {reason}")]
    Record { path: PathBuf, line: u64, reason: String },
    #[error(transparent)]
    Store(#[from] steward_store::StoreError),
    #[error("{0}")]
    Invalid(String),
}
