//! The catalog's search index as the server holds it: built from the store on first use (or at
//! start, by the refresh task), caught up after every change this server makes, and every
//! [`REFRESH_EVERY`] from the store, so that replicas sharing one database converge on the
//! changes the others made.

use crate::AppState;
use crate::error::ApiError;
use std::time::Duration;
use steward_catalog::{Catalog, SearchQuery, SearchResults};
use steward_store::Store;
use tokio::sync::OnceCell;

/// How often the index reads what other replicas (or the CLI) changed. Cheap when nothing
/// changed: one indexed query for change numbers above the index's.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// The search index, opened lazily so that a state can be made without a runtime and a store
/// that is briefly unreachable at start does not stop the server (the next use retries).
#[derive(Default)]
pub struct CatalogIndex {
    cell: OnceCell<Catalog>,
}

impl std::fmt::Debug for CatalogIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogIndex").field("open", &self.cell.initialized()).finish()
    }
}

impl CatalogIndex {
    pub fn new() -> CatalogIndex {
        CatalogIndex::default()
    }

    /// An index built already (e.g. by `steward demo` after seeding).
    pub fn with(catalog: Catalog) -> CatalogIndex {
        CatalogIndex { cell: OnceCell::new_with(Some(catalog)) }
    }

    /// The index, built from the store on first use; concurrent first uses wait for one build.
    pub async fn get(&self, store: &dyn Store) -> Result<&Catalog, ApiError> {
        self.cell
            .get_or_try_init(|| async { Catalog::open(store).await })
            .await
            .map_err(|e| ApiError::internal("building the catalog search index", e))
    }

    /// Search the listed items.
    pub async fn search(&self, store: &dyn Store, query: &SearchQuery) -> Result<SearchResults, ApiError> {
        // A search takes a few milliseconds of CPU: fine on the request's task.
        self.get(store).await?.search(query).map_err(|e| ApiError::internal("searching the catalog", e))
    }

    /// Catch up with the store, so that a change is searchable in the answer that made it.
    /// A failure is logged, not answered: the change is made, and the periodic refresh
    /// retries.
    pub async fn refresh(&self, store: &dyn Store) {
        if let Err(error) = self.try_refresh(store).await {
            tracing::warn!(%error, "the catalog search index could not catch up; the periodic refresh retries");
        }
    }

    async fn try_refresh(&self, store: &dyn Store) -> Result<(), ApiError> {
        let catalog = self.get(store).await?;
        let report = catalog.refresh(store).await.map_err(|e| ApiError::internal("refreshing the catalog index", e))?;
        if report.read > 0 {
            tracing::debug!(
                read = report.read,
                indexed = report.indexed,
                cursor = report.cursor,
                "catalog index refreshed"
            );
        }
        Ok(())
    }
}

/// Build the index now and refresh it every [`REFRESH_EVERY`] until the task is aborted.
pub fn spawn_refresh(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REFRESH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // The first tick is immediate: the index is built at start, not by the first search.
            ticks.tick().await;
            state.catalog.refresh(state.store.as_ref()).await;
        }
    })
}
