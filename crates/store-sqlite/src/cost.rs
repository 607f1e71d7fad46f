//! [`steward_store::cost::CostStore`] for SqliteStore: keyed JSON documents per kind, and two
//! reads over the inventory (licence holders, usage actors as principals).

use crate::SqliteStore;
use crate::convert::{col, corrupt, timestamp};
use crate::read::{collect, db, text};
use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Transaction, params};
use steward_store::cost::{CostRecord, CostRecordKind, CostStore, LicenceHolder};
use steward_store::{Result, StoreError};

fn insert(tx: &Transaction<'_>, kind: CostRecordKind, records: &[CostRecord], context: &'static str) -> Result<u64> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO cost_records (kind, key, body, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .map_err(db(context))?;
    for r in records {
        let body = serde_json::to_string(&r.body).map_err(|e| StoreError::backend(context, e))?;
        stmt.execute(params![kind.as_str(), r.key, body, r.updated_at.timestamp_millis()]).map_err(db(context))?;
    }
    Ok(records.len() as u64)
}

#[async_trait]
impl CostStore for SqliteStore {
    async fn put_cost_records(&self, kind: CostRecordKind, records: &[CostRecord]) -> Result<u64> {
        let records = records.to_vec();
        self.writer
            .run(move |conn| {
                let context = "writing cost records";
                let tx = conn.transaction().map_err(db(context))?;
                let n = insert(&tx, kind, &records, context)?;
                tx.commit().map_err(db(context))?;
                Ok(n)
            })
            .await
    }

    async fn replace_cost_records(&self, kind: CostRecordKind, records: &[CostRecord]) -> Result<u64> {
        let records = records.to_vec();
        self.writer
            .run(move |conn| {
                let context = "replacing cost records";
                let tx = conn.transaction().map_err(db(context))?;
                tx.execute("DELETE FROM cost_records WHERE kind = ?1", params![kind.as_str()]).map_err(db(context))?;
                let n = insert(&tx, kind, &records, context)?;
                tx.commit().map_err(db(context))?;
                Ok(n)
            })
            .await
    }

    async fn delete_cost_record(&self, kind: CostRecordKind, key: &str) -> Result<bool> {
        let key = key.to_string();
        self.writer
            .run(move |conn| {
                let n = conn
                    .execute("DELETE FROM cost_records WHERE kind = ?1 AND key = ?2", params![kind.as_str(), key])
                    .map_err(db("deleting a cost record"))?;
                Ok(n > 0)
            })
            .await
    }

    async fn cost_records(&self, kind: CostRecordKind) -> Result<Vec<CostRecord>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT key, body, updated_at FROM cost_records WHERE kind = ?1 ORDER BY key",
                &[text(kind.as_str())],
                "reading cost records",
                |r| {
                    let body: String = col(r, 1, "cost_records.body")?;
                    Ok(CostRecord {
                        key: col(r, 0, "cost_records.key")?,
                        body: serde_json::from_str(&body).map_err(|e| corrupt("cost_records.body", e.to_string()))?,
                        updated_at: timestamp(col(r, 2, "cost_records.updated_at")?, "cost_records.updated_at")?,
                    })
                },
            )
        })
        .await
    }

    async fn licence_holders(&self, tenant_id: Option<&str>) -> Result<Vec<LicenceHolder>> {
        let tenant = tenant_id.map_or(Value::Null, text);
        self.read(move |conn| {
            collect(
                conn,
                "SELECT p.tenant_id, p.id, p.display_name, p.upn, p.department, \
                        p.enabled = 1 AND p.deleted_at IS NULL, l.sku_id, l.sku_part_number \
                 FROM principal_licenses pl \
                 JOIN principals p ON p.id = pl.principal_id \
                 JOIN licenses l ON l.sku_id = pl.sku_id AND l.tenant_id = p.tenant_id \
                 WHERE ?1 IS NULL OR p.tenant_id = ?1 \
                 ORDER BY p.id, l.sku_id",
                &[tenant],
                "reading licence holders",
                |r| {
                    let department: Option<String> = col(r, 4, "principals.department")?;
                    Ok(LicenceHolder {
                        tenant_id: col(r, 0, "principals.tenant_id")?,
                        principal_id: col(r, 1, "principals.id")?,
                        display_name: col(r, 2, "principals.display_name")?,
                        upn: col(r, 3, "principals.upn")?,
                        department: department.filter(|d| !d.is_empty()),
                        active: col(r, 5, "principals.enabled")?,
                        sku_id: col(r, 6, "licenses.sku_id")?,
                        sku_part_number: col(r, 7, "licenses.sku_part_number")?,
                    })
                },
            )
        })
        .await
    }

    async fn usage_actor_principals(&self, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>> {
        let tenant = tenant_id.map_or(Value::Null, text);
        self.read(move |conn| {
            // An actor is a principal id, else a lowercased UPN; the id match wins.
            collect(
                conn,
                "SELECT a.id, COALESCE(byid.id, MIN(byupn.id)) FROM usage_actors a \
                 LEFT JOIN principals byid ON byid.id = a.actor \
                 LEFT JOIN principals byupn ON byupn.upn_key = a.actor \
                 WHERE (?1 IS NULL OR a.tenant_id = ?1) AND (byid.id IS NOT NULL OR byupn.id IS NOT NULL) \
                 GROUP BY a.id ORDER BY a.id",
                &[tenant],
                "reading the principals of usage actors",
                |r| {
                    let id: i64 = col(r, 0, "usage_actors.id")?;
                    let id = u32::try_from(id)
                        .map_err(|_| corrupt("usage_actors.id", format!("{id} does not fit 32 bits")))?;
                    Ok((id, col(r, 1, "principals.id")?))
                },
            )
        })
        .await
    }
}
