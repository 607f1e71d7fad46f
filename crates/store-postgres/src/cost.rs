//! [`steward_store::cost::CostStore`] for PostgresStore: keyed JSON documents per kind, and two
//! reads over the inventory (licence holders, usage actors as principals).

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use async_trait::async_trait;
use chrono::TimeZone;
use deadpool_postgres::Transaction;
use steward_model::Timestamp;
use steward_store::Result;
use steward_store::cost::{CostRecord, CostRecordKind, CostStore, LicenceHolder};
use tokio_postgres::types::Json;

/// Timestamps are kept to the millisecond, as SQLite keeps them, so both backends read back the same.
fn millis(t: Timestamp) -> Timestamp {
    chrono::Utc.timestamp_millis_opt(t.timestamp_millis()).single().unwrap_or(t)
}

async fn insert(tx: &Transaction<'_>, kind: CostRecordKind, records: &[CostRecord], context: &str) -> Result<u64> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO cost_records (kind, key, body, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .await
        .map_err(db(context))?;
    for r in records {
        tx.execute(&statement, &[&kind.as_str(), &r.key, &Json(&r.body), &millis(r.updated_at)])
            .await
            .map_err(db(context))?;
    }
    Ok(records.len() as u64)
}

#[async_trait]
impl CostStore for PostgresStore {
    async fn put_cost_records(&self, kind: CostRecordKind, records: &[CostRecord]) -> Result<u64> {
        let context = "writing cost records";
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db(context))?;
        let n = insert(&tx, kind, records, context).await?;
        tx.commit().await.map_err(db(context))?;
        Ok(n)
    }

    async fn replace_cost_records(&self, kind: CostRecordKind, records: &[CostRecord]) -> Result<u64> {
        let context = "replacing cost records";
        let mut client = client(self.pool()).await?;
        let tx = client.transaction().await.map_err(db(context))?;
        tx.execute("DELETE FROM cost_records WHERE kind = $1", &[&kind.as_str()]).await.map_err(db(context))?;
        let n = insert(&tx, kind, records, context).await?;
        tx.commit().await.map_err(db(context))?;
        Ok(n)
    }

    async fn delete_cost_record(&self, kind: CostRecordKind, key: &str) -> Result<bool> {
        let client = client(self.pool()).await?;
        let n = client
            .execute("DELETE FROM cost_records WHERE kind = $1 AND key = $2", &[&kind.as_str(), &key])
            .await
            .map_err(db("deleting a cost record"))?;
        Ok(n > 0)
    }

    async fn cost_records(&self, kind: CostRecordKind) -> Result<Vec<CostRecord>> {
        let context = "reading cost records";
        let client = client(self.pool()).await?;
        let rows = client
            .query("SELECT key, body, updated_at FROM cost_records WHERE kind = $1 ORDER BY key", &[&kind.as_str()])
            .await
            .map_err(db(context))?;
        rows.iter()
            .map(|row| {
                let Json(body): Json<serde_json::Value> = row.try_get(1).map_err(db(context))?;
                Ok(CostRecord {
                    key: row.try_get(0).map_err(db(context))?,
                    body,
                    updated_at: row.try_get(2).map_err(db(context))?,
                })
            })
            .collect()
    }

    async fn licence_holders(&self, tenant_id: Option<&str>) -> Result<Vec<LicenceHolder>> {
        let context = "reading licence holders";
        let client = client(self.pool()).await?;
        let rows = client
            .query(
                "SELECT p.tenant_id, p.id, p.display_name, p.upn, p.department, \
                        p.enabled AND p.deleted_at IS NULL, l.sku_id, l.sku_part_number \
                 FROM principal_licenses pl \
                 JOIN principals p ON p.id = pl.principal_id \
                 JOIN licenses l ON l.sku_id = pl.sku_id AND l.tenant_id = p.tenant_id \
                 WHERE $1::text IS NULL OR p.tenant_id = $1 \
                 ORDER BY p.id, l.sku_id",
                &[&tenant_id],
            )
            .await
            .map_err(db(context))?;
        rows.iter()
            .map(|row| {
                let department: Option<String> = row.try_get(4).map_err(db(context))?;
                Ok(LicenceHolder {
                    tenant_id: row.try_get(0).map_err(db(context))?,
                    principal_id: row.try_get(1).map_err(db(context))?,
                    display_name: row.try_get(2).map_err(db(context))?,
                    upn: row.try_get(3).map_err(db(context))?,
                    department: department.filter(|d| !d.is_empty()),
                    active: row.try_get(5).map_err(db(context))?,
                    sku_id: row.try_get(6).map_err(db(context))?,
                    sku_part_number: row.try_get(7).map_err(db(context))?,
                })
            })
            .collect()
    }

    async fn usage_actor_principals(&self, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>> {
        let context = "reading the principals of usage actors";
        let client = client(self.pool()).await?;
        // An actor is a principal id, else a lowercased UPN; the id match wins.
        let rows = client
            .query(
                "SELECT DISTINCT ON (id) id, principal FROM ( \
                     SELECT a.id, p.id AS principal, 0 AS rank FROM usage_actors a JOIN principals p ON p.id = a.actor \
                     WHERE $1::text IS NULL OR a.tenant_id = $1 \
                     UNION ALL \
                     SELECT a.id, p.id AS principal, 1 AS rank FROM usage_actors a JOIN principals p ON p.upn_key = a.actor \
                     WHERE $1::text IS NULL OR a.tenant_id = $1) m \
                 ORDER BY id, rank, principal",
                &[&tenant_id],
            )
            .await
            .map_err(db(context))?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get(0).map_err(db(context))?;
                Ok((
                    u32::try_from(id).map_err(|e| corrupt("usage_actors.id", e))?,
                    row.try_get(1).map_err(db(context))?,
                ))
            })
            .collect()
    }
}
