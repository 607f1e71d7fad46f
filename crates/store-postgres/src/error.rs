//! Turning driver and pool errors into [`StoreError`]s that say what Steward was doing.

use deadpool_postgres::{Object, Pool};
use steward_store::{Result, StoreError};

/// A pooled connection, or an error that says the database could not be reached.
pub(crate) async fn client(pool: &Pool) -> Result<Object> {
    pool.get().await.map_err(|e| StoreError::Open {
        url: "(pooled PostgreSQL connection)".to_string(),
        reason: format!("{e}; check that PostgreSQL is running and reachable"),
    })
}

/// `map_err` helper: wrap a driver error with the operation that failed.
pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    let context = context.into();
    move |e| StoreError::backend(context, e)
}

/// A stored value that does not parse back into the model.
pub(crate) fn corrupt(what: impl Into<String>, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what: what.into(), reason: reason.to_string() }
}
