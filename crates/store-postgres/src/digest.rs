//! The content digest, computed in Rust so that it is byte-for-byte the SQLite store's.
//! PROVISIONAL until the shared definition lands.

use crate::error::{client, db};
use deadpool_postgres::Pool;
use steward_store::Result;

pub(crate) async fn content_digest(pool: &Pool) -> Result<String> {
    let client = client(pool).await?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for table in ["tenants", "environments", "connectors", "data_policies", "principals", "resources"] {
        let sql = format!("SELECT id, content_hash FROM {table} ORDER BY id COLLATE \"C\"");
        for row in client.query(&sql, &[]).await.map_err(db(format!("digesting {table}")))? {
            let id: &str = row.try_get(0).map_err(db(format!("digesting {table}")))?;
            let hash: &str = row.try_get(1).map_err(db(format!("digesting {table}")))?;
            hasher.update(id.as_bytes());
            hasher.update(hash.as_bytes());
        }
    }
    Ok(format!("{:016x}", hasher.digest()))
}
