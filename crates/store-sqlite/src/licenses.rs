//! Licences on SQLite: subscribed SKUs and principals' assignments.

use rusqlite::{Connection, OptionalExtension, params};
use steward_model::{License, LicenseAssignment};
use steward_store::{StoreError, UpsertCounts, content_hash};

fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

pub fn upsert(conn: &Connection, items: &[License]) -> Result<UpsertCounts, StoreError> {
    let mut find = conn
        .prepare_cached("SELECT content_hash FROM licenses WHERE tenant_id = ?1 AND sku_id = ?2")
        .map_err(db("reading licences"))?;
    let mut write = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO licenses (tenant_id, sku_id, sku_part_number, capability_status, enabled_units, \
             consumed_units, service_plans, content_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(db("writing licences"))?;
    let mut counts = UpsertCounts::default();
    for l in items {
        let hash = content_hash(l);
        let stored: Option<String> =
            find.query_row(params![l.tenant_id, l.sku_id], |r| r.get(0)).optional().map_err(db("reading licences"))?;
        match stored {
            Some(h) if h == hash => {
                counts.unchanged += 1;
                continue;
            }
            Some(_) => counts.changed += 1,
            None => counts.added += 1,
        }
        let plans = serde_json::to_string(&l.service_plans).unwrap_or_else(|_| "[]".into());
        write
            .execute(params![
                l.tenant_id,
                l.sku_id,
                l.sku_part_number,
                l.capability_status,
                l.enabled_units,
                l.consumed_units,
                plans,
                hash
            ])
            .map_err(db("writing licences"))?;
    }
    Ok(counts)
}

pub fn set_assignments(conn: &Connection, items: &[LicenseAssignment]) -> Result<UpsertCounts, StoreError> {
    let mut read = conn
        .prepare_cached("SELECT sku_id FROM principal_licenses WHERE principal_id = ?1 ORDER BY sku_id")
        .map_err(db("reading licence assignments"))?;
    let mut clear = conn
        .prepare_cached("DELETE FROM principal_licenses WHERE principal_id = ?1")
        .map_err(db("writing licence assignments"))?;
    let mut insert = conn
        .prepare_cached("INSERT OR IGNORE INTO principal_licenses (principal_id, sku_id) VALUES (?1, ?2)")
        .map_err(db("writing licence assignments"))?;
    let mut counts = UpsertCounts::default();
    for a in items {
        let wanted = sorted(&a.sku_ids);
        let held: Vec<String> = read
            .query_map([&a.principal_id], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(db("reading licence assignments"))?;
        if held == wanted {
            counts.unchanged += 1;
            continue;
        }
        if held.is_empty() {
            counts.added += 1
        } else {
            counts.changed += 1
        }
        clear.execute([&a.principal_id]).map_err(db("writing licence assignments"))?;
        for sku in &wanted {
            insert.execute(params![a.principal_id, sku]).map_err(db("writing licence assignments"))?;
        }
    }
    Ok(counts)
}

/// Sorted, without repeats: the form sets are compared and stored in.
pub fn sorted(ids: &[String]) -> Vec<String> {
    let mut v = ids.to_vec();
    v.sort();
    v.dedup();
    v
}

pub fn list(conn: &Connection, tenant_id: Option<&str>) -> Result<Vec<License>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT tenant_id, sku_id, sku_part_number, capability_status, enabled_units, consumed_units, service_plans \
             FROM licenses WHERE ?1 IS NULL OR tenant_id = ?1 ORDER BY sku_part_number, sku_id, tenant_id",
        )
        .map_err(db("listing licences"))?;
    let rows = stmt
        .query_map([tenant_id], |r| {
            Ok((
                License {
                    tenant_id: r.get(0)?,
                    sku_id: r.get(1)?,
                    sku_part_number: r.get(2)?,
                    capability_status: r.get(3)?,
                    enabled_units: r.get(4)?,
                    consumed_units: r.get(5)?,
                    service_plans: Vec::new(),
                },
                r.get::<_, String>(6)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(db("listing licences"))?;
    rows.into_iter()
        .map(|(mut l, plans)| {
            l.service_plans = serde_json::from_str(&plans)
                .map_err(|e| StoreError::Corrupt { what: "licenses.service_plans".into(), reason: e.to_string() })?;
            Ok(l)
        })
        .collect()
}

pub fn assignments(conn: &Connection, principal_id: &str) -> Result<Vec<String>, StoreError> {
    conn.prepare_cached("SELECT sku_id FROM principal_licenses WHERE principal_id = ?1 ORDER BY sku_id")
        .and_then(|mut s| s.query_map([principal_id], |r| r.get(0))?.collect())
        .map_err(db("reading licence assignments"))
}
