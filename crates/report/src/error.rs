use steward_store::StoreError;

/// What can go wrong while gathering or rendering a board report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("'{value}' is not a month: the period must be YYYY-MM, e.g. 2026-10")]
    InvalidPeriod { value: String },

    #[error("tenant '{id}' is not in the database; known tenants: {known}. Leave the tenant out to report on all")]
    UnknownTenant { id: String, known: String },

    #[error("the store failed while {context}: {source}")]
    Store {
        context: &'static str,
        #[source]
        source: StoreError,
    },

    /// Drawing or templating failed: a bug, not bad input.
    #[error("rendering the {what} failed: {message}")]
    Render { what: String, message: String },
}

impl ReportError {
    pub(crate) fn store(context: &'static str) -> impl FnOnce(StoreError) -> ReportError {
        move |source| ReportError::Store { context, source }
    }

    pub(crate) fn render(what: impl Into<String>, error: impl std::fmt::Display) -> ReportError {
        ReportError::Render { what: what.into(), message: error.to_string() }
    }
}
