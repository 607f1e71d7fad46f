//! A fresh store per test, and items that pass the checklist unless a test breaks them.

use std::sync::Arc;
use steward_catalog::{CatalogItem, ItemFields, ItemKind, NewCatalogItem, publication};
use steward_model::{LifecycleStage, SupportTier, Timestamp};
use steward_store::Store;
use steward_store::conformance::at;
use steward_store_sqlite::SqliteStore;

pub async fn store() -> Arc<dyn Store> {
    let dir = tempfile::Builder::new().prefix("steward-catalog-test").tempdir().expect("temp dir").keep();
    let store = SqliteStore::open(&dir.join("steward.db").display().to_string()).expect("open SQLite");
    store.migrate().await.expect("migrate");
    Arc::new(store)
}

pub fn t(hour: u32) -> Timestamp {
    at(2026, 11, 10, hour, 0, 0, 0)
}

/// Fields that pass every check of the checklist.
pub fn good_fields(title: &str) -> ItemFields {
    ItemFields {
        summary: format!("{title}: one line about it"),
        description: format!("{title} helps teams do their work faster; this text is long enough to pass."),
        owner: Some("p-ann".into()),
        backup_owner: Some("p-bob".into()),
        support_tier: Some(SupportTier::ItBlessed),
        documentation_url: Some("https://docs.example.com/item".into()),
        screenshots: vec!["https://img.example.com/1.png".into()],
        ..ItemFields::new(ItemKind::App, "power_platform", title)
    }
}

pub async fn create(store: &Arc<dyn Store>, fields: ItemFields, stage: LifecycleStage) -> CatalogItem {
    store
        .create_catalog_item(&NewCatalogItem {
            fields,
            stage,
            created_by: "p-ann".into(),
            created_at: t(8),
            note: None,
        })
        .await
        .expect("create item")
}

/// Create, submit and approve.
pub async fn listed(store: &Arc<dyn Store>, fields: ItemFields) -> CatalogItem {
    let item = create(store, fields, LifecycleStage::Production).await;
    publication::submit(store.as_ref(), item.id, "p-ann", t(9), None).await.expect("submit");
    publication::approve(store.as_ref(), item.id, "admin", t(10), None).await.expect("approve")
}
