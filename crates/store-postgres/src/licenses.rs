//! Licences on PostgreSQL: subscribed SKUs and principals' assignments.

use crate::error::{client, db};
use deadpool_postgres::{Object, Pool};
use steward_model::{License, LicenseAssignment};
use steward_store::{Result, UpsertCounts, content_hash};
use tokio_postgres::types::Json;

pub(crate) async fn upsert(client: &Object, items: Vec<License>) -> Result<UpsertCounts> {
    let find = client
        .prepare_cached("SELECT content_hash FROM licenses WHERE tenant_id = $1 AND sku_id = $2")
        .await
        .map_err(db("reading licences"))?;
    let write = client
        .prepare_cached(
            "INSERT INTO licenses (tenant_id, sku_id, sku_part_number, capability_status, enabled_units, \
             consumed_units, service_plans, content_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (tenant_id, sku_id) DO UPDATE SET sku_part_number = EXCLUDED.sku_part_number, \
             capability_status = EXCLUDED.capability_status, enabled_units = EXCLUDED.enabled_units, \
             consumed_units = EXCLUDED.consumed_units, service_plans = EXCLUDED.service_plans, \
             content_hash = EXCLUDED.content_hash",
        )
        .await
        .map_err(db("writing licences"))?;
    let mut counts = UpsertCounts::default();
    for l in items {
        let hash = content_hash(&l);
        let stored = client.query_opt(&find, &[&l.tenant_id, &l.sku_id]).await.map_err(db("reading licences"))?;
        match stored.map(|r| r.try_get::<_, String>(0)).transpose().map_err(db("reading licences"))? {
            Some(h) if h == hash => {
                counts.unchanged += 1;
                continue;
            }
            Some(_) => counts.changed += 1,
            None => counts.added += 1,
        }
        client
            .execute(
                &write,
                &[
                    &l.tenant_id,
                    &l.sku_id,
                    &l.sku_part_number,
                    &l.capability_status,
                    &l.enabled_units,
                    &l.consumed_units,
                    &Json(&l.service_plans),
                    &hash,
                ],
            )
            .await
            .map_err(db("writing licences"))?;
    }
    Ok(counts)
}

pub(crate) async fn set_assignments(client: &Object, items: Vec<LicenseAssignment>) -> Result<UpsertCounts> {
    let mut counts = UpsertCounts::default();
    for a in items {
        let mut wanted = a.sku_ids.clone();
        wanted.sort();
        wanted.dedup();
        let held = held(client, &a.principal_id).await?;
        if held == wanted {
            counts.unchanged += 1;
            continue;
        }
        if held.is_empty() {
            counts.added += 1
        } else {
            counts.changed += 1
        }
        client
            .execute("DELETE FROM principal_licenses WHERE principal_id = $1", &[&a.principal_id])
            .await
            .map_err(db("writing licence assignments"))?;
        client
            .execute(
                "INSERT INTO principal_licenses (principal_id, sku_id) SELECT $1, unnest($2::text[])",
                &[&a.principal_id, &wanted],
            )
            .await
            .map_err(db("writing licence assignments"))?;
    }
    Ok(counts)
}

async fn held(client: &Object, principal_id: &str) -> Result<Vec<String>> {
    let rows = client
        .query("SELECT sku_id FROM principal_licenses WHERE principal_id = $1 ORDER BY sku_id", &[&principal_id])
        .await
        .map_err(db("reading licence assignments"))?;
    rows.iter().map(|r| r.try_get(0).map_err(db("reading licence assignments"))).collect()
}

pub(crate) async fn list(pool: &Pool, tenant_id: Option<&str>) -> Result<Vec<License>> {
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT tenant_id, sku_id, sku_part_number, capability_status, enabled_units, consumed_units, service_plans \
             FROM licenses WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY sku_part_number, sku_id, tenant_id",
            &[&tenant_id],
        )
        .await
        .map_err(db("listing licences"))?;
    rows.iter()
        .map(|r| {
            Ok(License {
                tenant_id: r.try_get(0).map_err(db("listing licences"))?,
                sku_id: r.try_get(1).map_err(db("listing licences"))?,
                sku_part_number: r.try_get(2).map_err(db("listing licences"))?,
                capability_status: r.try_get(3).map_err(db("listing licences"))?,
                enabled_units: r.try_get(4).map_err(db("listing licences"))?,
                consumed_units: r.try_get(5).map_err(db("listing licences"))?,
                service_plans: r.try_get::<_, Json<Vec<String>>>(6).map_err(db("listing licences"))?.0,
            })
        })
        .collect()
}

pub(crate) async fn assignments(pool: &Pool, principal_id: &str) -> Result<Vec<String>> {
    let client = client(pool).await?;
    held(&client, principal_id).await
}
