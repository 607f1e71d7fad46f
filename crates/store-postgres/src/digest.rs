//! The content digest, computed in Rust so that it is byte for byte the SQLite store's.
//!
//! Definition (shared with `steward-store-sqlite`'s `digest.rs` and checked by the conformance
//! case `case_digest_matches_definition`): one xxh3-128 stream over
//! - per table, in the order tenants, environments, connectors, data_policies, principals,
//!   resources: the table name and `\n`, then `id\tcontent_hash\n` per row in byte-wise id order;
//! - `usage_events\n`, then `id\n` per event in byte-wise id order;
//! - `usage_daily\n`, then `resource_id\tYYYY-MM-DD\tuses\tunique_users\n` per rollup in
//!   (resource id, day) order;
//!
//! rendered as 32 lowercase hex digits. Bookkeeping columns (first/last seen) stay out of it.

use crate::error::{client, db};
use deadpool_postgres::Pool;
use steward_store::Result;
use xxhash_rust::xxh3::Xxh3;

const TABLES: [&str; 6] = ["tenants", "environments", "connectors", "data_policies", "principals", "resources"];

pub(crate) async fn content_digest(pool: &Pool) -> Result<String> {
    let mut client = client(pool).await?;
    // One snapshot for every table, so a concurrent ingest cannot split the digest.
    let context = "computing the content digest";
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db(context))?;
    let mut h = Xxh3::new();
    for table in TABLES {
        let context = format!("digesting {table}");
        h.update(table.as_bytes());
        h.update(b"\n");
        let sql = format!("SELECT id, content_hash FROM {table} ORDER BY id COLLATE \"C\"");
        for row in tx.query(&sql, &[]).await.map_err(db(&context))? {
            let id: &str = row.try_get(0).map_err(db(&context))?;
            let hash: &str = row.try_get(1).map_err(db(&context))?;
            h.update(format!("{id}\t{hash}\n").as_bytes());
        }
    }

    h.update(b"usage_events\n");
    let events = tx
        .query("SELECT id FROM usage_events ORDER BY id COLLATE \"C\"", &[])
        .await
        .map_err(db("digesting usage events"))?;
    for row in events {
        let id: &str = row.try_get(0).map_err(db("digesting usage events"))?;
        h.update(format!("{id}\n").as_bytes());
    }

    h.update(b"usage_daily\n");
    let days = tx
        .query(
            "SELECT resource_id, day, uses, unique_users FROM usage_daily ORDER BY resource_id COLLATE \"C\", day",
            &[],
        )
        .await
        .map_err(db("digesting daily usage"))?;
    for row in days {
        let day = crate::rows::daily_usage(&row)?;
        h.update(
            format!("{}\t{}\t{}\t{}\n", day.resource_id, day.day.format("%Y-%m-%d"), day.uses, day.unique_users)
                .as_bytes(),
        );
    }
    tx.commit().await.map_err(db(context))?;
    Ok(format!("{:032x}", h.digest128()))
}
