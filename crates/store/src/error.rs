use thiserror::Error;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Errors a store reports. Each names what failed and, where it helps, what to do.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database URL '{0}' is not supported; use sqlite://PATH (embedded) or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),

    #[error("cannot open database {url}: {reason}")]
    Open { url: String, reason: String },

    #[error("database migration {version} ({name}) failed: {reason}")]
    Migration { version: u32, name: String, reason: String },

    #[error(
        "the database schema is at version {found}, newer than this Steward understands ({known}); upgrade Steward"
    )]
    SchemaTooNew { found: u32, known: u32 },

    #[error("{what} '{id}' not found")]
    NotFound { what: &'static str, id: String },

    /// A write would break a uniqueness rule (a taken username, a second OIDC identity); the
    /// message names the clashing value.
    #[error("{0}")]
    Conflict(String),

    #[error("invalid paging cursor '{0}'; request the first page again without `cursor`")]
    InvalidCursor(String),

    #[error("invalid query: {0}")]
    InvalidQuery(String),

    #[error("stored {what} is not valid ({reason}); the database may have been edited by hand")]
    Corrupt { what: String, reason: String },

    #[error("the ingest transaction is closed: {0}")]
    Closed(String),

    #[error("database error while {context}: {source}")]
    Backend {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// Wrap a backend error with what Steward was doing.
    pub fn backend(context: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend { context: context.into(), source: Box::new(source) }
    }
}
