//! Sync bookkeeping on SQLite: checkpoints and deletion after a completed listing.
//!
//! A deleted record keeps its row with `deleted_at` set and an empty `content_hash`, so that
//! the record coming back in a later listing hashes differently and is written (revived) by
//! the ordinary upsert.

use rusqlite::{Connection, OptionalExtension, params};
use steward_model::Timestamp;
use steward_store::{Deletions, ListingScope, StoreError};

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

pub fn get_state(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(db("reading sync state"))?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| StoreError::Corrupt { what: format!("sync_state[{key}]"), reason: e.to_string() })
    })
    .transpose()
}

pub fn put_state(conn: &Connection, key: &str, value: &serde_json::Value, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_state (key, value, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .and_then(|mut s| s.execute(params![key, value.to_string(), now]))
    .map_err(db("saving sync state"))?;
    Ok(())
}

pub fn record_seen(conn: &Connection, listing: &str, ids: &[String]) -> Result<(), StoreError> {
    let mut insert = conn
        .prepare_cached("INSERT OR IGNORE INTO sync_listing_seen (listing, id) VALUES (?1, ?2)")
        .map_err(db("recording a listing's sightings"))?;
    for id in ids {
        insert.execute(params![listing, id]).map_err(db("recording a listing's sightings"))?;
    }
    Ok(())
}

pub fn abandon(conn: &Connection, listing: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM sync_listing_seen WHERE listing = ?1")
        .and_then(|mut s| s.execute([listing]))
        .map_err(db("forgetting a listing's sightings"))?;
    Ok(())
}

const UNSEEN: &str = "NOT EXISTS (SELECT 1 FROM sync_listing_seen s WHERE s.listing = ?1 AND s.id = t.id)";

/// Mark deleted the live resources of `kinds` that `filter` (over `?3` = `value`, `?4` = a kind)
/// selects and the listing did not see.
fn unseen_resources(
    conn: &Connection,
    listing: &str,
    at: i64,
    filter: &str,
    value: &str,
    kinds: &[steward_model::ResourceKind],
) -> Result<u64, StoreError> {
    let mut update = conn
        .prepare_cached(&format!(
            "UPDATE resources AS t SET deleted_at = ?2, content_hash = '' \
             WHERE {filter} AND t.deleted_at IS NULL AND {UNSEEN}"
        ))
        .map_err(db("marking unseen resources deleted"))?;
    let mut marked = 0;
    for kind in kinds {
        marked += update
            .execute(params![listing, at, value, kind.as_str()])
            .map_err(db("marking unseen resources deleted"))? as u64;
    }
    Ok(marked)
}

pub fn complete(
    conn: &Connection,
    listing: &str,
    scope: &ListingScope,
    at: Timestamp,
) -> Result<Deletions, StoreError> {
    let at = at.timestamp_millis();
    let deletions = match scope {
        // `+t.kind` keeps the planner on the environment index: on the kind index it scanned
        // every resource of the kind in the tenant for each environment's listing (1,500
        // environments x ~450,000 canvas apps in the large tenant). Tenant-wide, the kind index
        // is the right one.
        ListingScope::Resources { environment_id, kinds } => {
            let resources =
                unseen_resources(conn, listing, at, "t.environment_id = ?3 AND +t.kind = ?4", environment_id, kinds)?;
            Deletions { resources, ..Deletions::default() }
        }
        ListingScope::TenantResources { tenant_id, kinds } => {
            let resources = unseen_resources(conn, listing, at, "t.kind = ?4 AND t.tenant_id = ?3", tenant_id, kinds)?;
            Deletions { resources, ..Deletions::default() }
        }
        ListingScope::Principals { tenant_id } => {
            let principals = conn
                .prepare_cached(&format!(
                    "UPDATE principals AS t SET deleted_at = ?2, content_hash = '' \
                     WHERE t.tenant_id = ?3 AND t.deleted_at IS NULL AND {UNSEEN}"
                ))
                .and_then(|mut s| s.execute(params![listing, at, tenant_id]))
                .map_err(db("marking unseen principals deleted"))? as u64;
            Deletions { principals, ..Deletions::default() }
        }
        ListingScope::Environments { tenant_id } => {
            // Resources first, while the environments about to go are still live and findable.
            let resources = conn
                .prepare_cached(&format!(
                    "UPDATE resources SET deleted_at = ?2, content_hash = '' \
                     WHERE deleted_at IS NULL AND environment_id IN \
                       (SELECT t.id FROM environments AS t WHERE t.tenant_id = ?3 AND t.deleted_at IS NULL AND {UNSEEN})"
                ))
                .and_then(|mut s| s.execute(params![listing, at, tenant_id]))
                .map_err(db("marking resources of unseen environments deleted"))? as u64;
            let environments = conn
                .prepare_cached(&format!(
                    "UPDATE environments AS t SET deleted_at = ?2, content_hash = '' \
                     WHERE t.tenant_id = ?3 AND t.deleted_at IS NULL AND {UNSEEN}"
                ))
                .and_then(|mut s| s.execute(params![listing, at, tenant_id]))
                .map_err(db("marking unseen environments deleted"))? as u64;
            Deletions { environments, resources, principals: 0 }
        }
    };
    abandon(conn, listing)?;
    Ok(deletions)
}
