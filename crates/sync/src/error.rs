use steward_powerplatform::ApiError;
use steward_store::StoreError;

/// Why a sync stopped. Failures of one listing do not stop a run; they are reported in
/// [`crate::SyncReport::errors`]. These are the failures that end it.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("source {source_name}: {what}: {error}")]
    Store { source_name: String, what: String, error: StoreError },
    #[error("source {source_name}: {what}: {error}")]
    Api { source_name: String, what: String, error: Box<ApiError> },
    #[error(
        "source {source_name}: the saved sync state under {key} is unreadable ({reason}); run `steward sync --full` to start over"
    )]
    State { source_name: String, key: String, reason: String },
    #[error("raw audit archive: {0}; check `[usage] archive_dir` in steward.toml")]
    Archive(String),
}
