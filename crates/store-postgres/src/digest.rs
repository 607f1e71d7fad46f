//! The content digest, computed in Rust so that it is byte for byte the SQLite store's.
//!
//! Definition (shared with `steward-store-sqlite`'s `digest.rs` and checked by the conformance
//! case `case_digest_matches_definition`): one xxh3-128 stream over
//! - per table, in the order tenants, environments, connectors, data_policies, principals,
//!   resources: the table name and `\n`, then `id\tcontent_hash\n` per row in byte-wise id order;
//! - `usage_ledger\n`, then `tenant_id\tYYYY-MM-DD\trecords\tH\n` per ledger row with at least
//!   one record in (tenant id, day) order, H being xxh3-64 of the stored ids blob as 16 hex digits;
//! - `usage_daily\n`, then `resource_id\tYYYY-MM-DD\tuses\tusers\n` per rollup row of scope
//!   resource, period day, metric use, in (resource id, day) order;
//!
//! rendered as 32 lowercase hex digits. Bookkeeping columns (first/last seen) stay out of it.

use crate::error::{client, db};
use crate::usage::stored_day;
use deadpool_postgres::Pool;
use steward_store::Result;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

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

    h.update(b"usage_ledger\n");
    let context = "digesting the usage ledger";
    // Empty rows are locks a writer left for a day it counted nothing on: not content.
    let ledger = tx
        .query("SELECT tenant_id, day, records, ids FROM usage_ledger WHERE records > 0 ORDER BY tenant_id, day", &[])
        .await
        .map_err(db(context))?;
    for row in ledger {
        let tenant: &str = row.try_get(0).map_err(db(context))?;
        let day: i64 = row.try_get(1).map_err(db(context))?;
        let records: i64 = row.try_get(2).map_err(db(context))?;
        let ids: &[u8] = row.try_get(3).map_err(db(context))?;
        let day = stored_day(day, "usage_ledger.day")?.format("%Y-%m-%d");
        h.update(format!("{tenant}\t{day}\t{records}\t{:016x}\n", xxh3_64(ids)).as_bytes());
    }

    h.update(b"usage_daily\n");
    let context = "digesting daily usage";
    let days = tx
        .query(
            "SELECT scope_id, start_day, uses, users FROM usage_rollups \
             WHERE scope = 'resource' AND period = 'day' AND metric = 'use' ORDER BY scope_id, start_day",
            &[],
        )
        .await
        .map_err(db(context))?;
    for row in days {
        let resource: &str = row.try_get(0).map_err(db(context))?;
        let day: i64 = row.try_get(1).map_err(db(context))?;
        let uses: i64 = row.try_get(2).map_err(db(context))?;
        let users: i64 = row.try_get(3).map_err(db(context))?;
        let day = stored_day(day, "usage_rollups.start_day")?.format("%Y-%m-%d");
        h.update(format!("{resource}\t{day}\t{uses}\t{users}\n").as_bytes());
    }
    tx.commit().await.map_err(db(context))?;
    Ok(format!("{:032x}", h.digest128()))
}
