use thiserror::Error;

/// Errors of the notification crate, each saying what to fix.
#[derive(Debug, Error)]
pub enum NotifyError {
    #[error("notification configuration: {0}")]
    Config(String),

    #[error("secret {what}: {reason}")]
    Secret { what: String, reason: String },

    #[error("template '{name}': {reason}; fix the template file or remove it to use the built-in one")]
    Template { name: String, reason: String },

    #[error(transparent)]
    Store(#[from] steward_store::StoreError),

    #[error("cannot read data for the {what}: {reason}")]
    Source { what: &'static str, reason: String },
}
