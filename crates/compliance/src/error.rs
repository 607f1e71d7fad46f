use thiserror::Error;

#[derive(Debug, Error)]
pub enum ComplianceError {
    #[error(transparent)]
    Store(#[from] steward_store::StoreError),
    /// A policy set named by the user cannot be found or read.
    #[error("{0}")]
    Set(String),
}

pub type Result<T> = std::result::Result<T, ComplianceError>;
