//! The one shape every list answers with.

use serde::{Deserialize, Serialize};

/// A page of a longer list: `{"items": [...], "total": N, "next": cursor or null}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match the query in all pages.
    pub total: u64,
    /// Opaque cursor for the next page, `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn empty() -> Self {
        Page { items: Vec::new(), total: 0, next: None }
    }
}
