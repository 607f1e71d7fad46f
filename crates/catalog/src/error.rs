//! What can go wrong in the catalog, each saying what to do next.

use steward_store::StoreError;
use steward_store::catalog::{CatalogItem, Check};

/// Errors of the catalog's workflow, lifecycle and search index.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("catalog item {0} not found")]
    NotFound(i64),

    /// A publication step or stage move the rules do not allow from where the item is.
    #[error("{0}")]
    NotAllowed(String),

    /// Submitting or approving with a failing checklist; carries every check (passed or not),
    /// so a page can show the whole list.
    #[error("the publication checklist does not pass: {}", failing(.0))]
    Checklist(Vec<Check>),

    /// The item moved since the step was computed (another user acted first); nothing was
    /// written. Carries the item as it is now.
    #[error("catalog item {} changed meanwhile (it is now {} at stage {}); reload it and try again", .0.id, .0.state, .0.stage)]
    Stale(Box<CatalogItem>),

    /// Input the catalog refuses (a blank rejection reason…).
    #[error("{0}")]
    Invalid(String),

    #[error("catalog search index: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for CatalogError {
    fn from(e: tantivy::TantivyError) -> Self {
        CatalogError::Index(e.to_string())
    }
}

fn failing(checks: &[Check]) -> String {
    let failed: Vec<String> =
        checks.iter().filter(|c| !c.passed).map(|c| format!("{} ({})", c.label, c.detail)).collect();
    if failed.is_empty() { "no check failed".to_string() } else { failed.join("; ") }
}
