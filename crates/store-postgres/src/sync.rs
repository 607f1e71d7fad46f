//! Sync bookkeeping on PostgreSQL: checkpoints and deletion after a completed listing.
//!
//! A deleted record keeps its row with `deleted_at` set and an empty `content_hash`, so that
//! the record coming back in a later listing hashes differently and is written (revived) by
//! the ordinary upsert.

use crate::error::{client, db};
use deadpool_postgres::{Object, Pool};
use steward_model::Timestamp;
use steward_store::{Deletions, ListingScope, Result};
use tokio_postgres::types::Json;

pub(crate) async fn get_state(pool: &Pool, key: &str) -> Result<Option<serde_json::Value>> {
    let client = client(pool).await?;
    let row = client
        .query_opt("SELECT value FROM sync_state WHERE key = $1", &[&key])
        .await
        .map_err(db("reading sync state"))?;
    row.map(|r| r.try_get::<_, Json<serde_json::Value>>(0).map(|j| j.0).map_err(db("reading sync state"))).transpose()
}

pub(crate) async fn put_state(client: &Object, key: &str, value: serde_json::Value) -> Result<()> {
    let statement = client
        .prepare_cached(
            "INSERT INTO sync_state (key, value, updated_at) VALUES ($1, $2, now()) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
        )
        .await
        .map_err(db("saving sync state"))?;
    client.execute(&statement, &[&key, &Json(value)]).await.map_err(db("saving sync state"))?;
    Ok(())
}

pub(crate) async fn record_seen(client: &Object, listing: &str, ids: Vec<String>) -> Result<()> {
    let statement = client
        .prepare_cached(
            "INSERT INTO sync_listing_seen (listing, id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(db("recording a listing's sightings"))?;
    client.execute(&statement, &[&listing, &ids]).await.map_err(db("recording a listing's sightings"))?;
    Ok(())
}

pub(crate) async fn abandon(client: &Object, listing: &str) -> Result<()> {
    client
        .execute("DELETE FROM sync_listing_seen WHERE listing = $1", &[&listing])
        .await
        .map_err(db("forgetting a listing's sightings"))?;
    Ok(())
}

const UNSEEN: &str = "NOT EXISTS (SELECT 1 FROM sync_listing_seen s WHERE s.listing = $1 AND s.id = t.id)";

/// Mark deleted the live resources of `kinds` whose `column` is `value` and that the listing
/// did not see.
async fn unseen_resources(
    client: &Object,
    listing: &str,
    at: Timestamp,
    column: &str,
    value: &str,
    kinds: &[steward_model::ResourceKind],
) -> Result<u64> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let sql = format!(
        "UPDATE resources AS t SET deleted_at = $2, content_hash = '' \
         WHERE t.{column} = $3 AND t.kind = ANY($4::text[]) AND t.deleted_at IS NULL AND {UNSEEN}"
    );
    client.execute(&sql, &[&listing, &at, &value, &kinds]).await.map_err(db("marking unseen resources deleted"))
}

pub(crate) async fn complete(client: &Object, listing: &str, scope: &ListingScope, at: Timestamp) -> Result<Deletions> {
    let deletions = match scope {
        ListingScope::Resources { environment_id, kinds } => {
            let resources = unseen_resources(client, listing, at, "environment_id", environment_id, kinds).await?;
            Deletions { resources, ..Deletions::default() }
        }
        ListingScope::TenantResources { tenant_id, kinds } => {
            let resources = unseen_resources(client, listing, at, "tenant_id", tenant_id, kinds).await?;
            Deletions { resources, ..Deletions::default() }
        }
        ListingScope::Principals { tenant_id } => {
            let sql = format!(
                "UPDATE principals AS t SET deleted_at = $2, content_hash = '' \
                 WHERE t.tenant_id = $3 AND t.deleted_at IS NULL AND {UNSEEN}"
            );
            let principals = client
                .execute(&sql, &[&listing, &at, tenant_id])
                .await
                .map_err(db("marking unseen principals deleted"))?;
            Deletions { principals, ..Deletions::default() }
        }
        ListingScope::Environments { tenant_id } => {
            // Resources first, while the environments about to go are still live and findable.
            let sql = format!(
                "UPDATE resources SET deleted_at = $2, content_hash = '' \
                 WHERE deleted_at IS NULL AND environment_id IN \
                   (SELECT t.id FROM environments AS t WHERE t.tenant_id = $3 AND t.deleted_at IS NULL AND {UNSEEN})"
            );
            let resources = client
                .execute(&sql, &[&listing, &at, tenant_id])
                .await
                .map_err(db("marking resources of unseen environments deleted"))?;
            let sql = format!(
                "UPDATE environments AS t SET deleted_at = $2, content_hash = '' \
                 WHERE t.tenant_id = $3 AND t.deleted_at IS NULL AND {UNSEEN}"
            );
            let environments = client
                .execute(&sql, &[&listing, &at, tenant_id])
                .await
                .map_err(db("marking unseen environments deleted"))?;
            Deletions { environments, resources, principals: 0 }
        }
    };
    abandon(client, listing).await?;
    Ok(deletions)
}
