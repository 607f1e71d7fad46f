//! Usage rollups: the ledger, interned actors, rollup rows and spans (see 0004_usage_rollups.sql
//! and `steward_store::usage` for the design). Writes run on the writer thread inside an ingest
//! session; reads on a reader connection.

use crate::convert::{col, count, date_to_number, day_from_number, enum_col, opt_timestamp};
use crate::read::{collect, db, text, where_clause};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use steward_model::UsagePeriod;
use steward_store::usage::{
    BriefQuery, DayLedger, PruneCounts, ResourceBrief, ResourceScopes, RollupDelta, RollupQuery, RollupRow, UsageDelta,
    UsageSpan, UsageStatus, blob,
};
use steward_store::{Result, StoreError};

pub fn ledger(conn: &Connection, tenant_id: &str, day: chrono::NaiveDate) -> Result<DayLedger> {
    let n = date_to_number(day);
    let sealed: Option<i64> = conn
        .prepare_cached("SELECT before_day FROM usage_sealed WHERE tenant_id = ?1")
        .and_then(|mut s| s.query_row([tenant_id], |r| r.get(0)).optional())
        .map_err(db("reading the usage retention seal"))?;
    if sealed.is_some_and(|before| n < before) {
        return Ok(DayLedger::Sealed);
    }
    let ids: Option<Vec<u8>> = conn
        .prepare_cached("SELECT ids FROM usage_ledger WHERE tenant_id = ?1 AND day = ?2")
        .and_then(|mut s| s.query_row(params![tenant_id, n], |r| r.get(0)).optional())
        .map_err(db("reading the usage ledger"))?;
    Ok(DayLedger::Open(match ids {
        Some(bytes) => blob::decode_u64(&bytes, &format!("usage ledger of {tenant_id} on {day}"))?,
        None => Vec::new(),
    }))
}

pub fn apply(conn: &Connection, delta: &UsageDelta) -> Result<()> {
    let tenant = delta.tenant_id.as_str();
    let actor_ids = intern_actors(conn, tenant, &delta.actors)?;
    for l in &delta.ledgers {
        let day = date_to_number(l.day);
        let stored: Option<Vec<u8>> = conn
            .prepare_cached("SELECT ids FROM usage_ledger WHERE tenant_id = ?1 AND day = ?2")
            .and_then(|mut s| s.query_row(params![tenant, day], |r| r.get(0)).optional())
            .map_err(db("reading the usage ledger"))?;
        let merged = match stored {
            Some(bytes) => blob::union(&blob::decode_u64(&bytes, "usage ledger")?, &l.added),
            None => l.added.clone(),
        };
        conn.prepare_cached(
            "INSERT INTO usage_ledger (tenant_id, day, records, ids) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (tenant_id, day) DO UPDATE SET records = excluded.records, ids = excluded.ids",
        )
        .and_then(|mut s| s.execute(params![tenant, day, merged.len() as i64, blob::encode_u64(&merged)]))
        .map_err(db("writing the usage ledger"))?;
    }
    // One statement per row: new rows insert; existing rows merge their actor sets in SQLite
    // (`steward_union_u32`, registered on the writer connection), which saves a read per row.
    let mut write_row = conn
        .prepare_cached(
            "INSERT INTO usage_rollups (scope, scope_id, period, start_day, metric, tenant_id, uses, users, actors) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (scope, period, metric, scope_id, start_day) DO UPDATE SET \
             uses = uses + excluded.uses, \
             users = length(steward_union_u32(actors, excluded.actors)) / 4, \
             actors = steward_union_u32(actors, excluded.actors)",
        )
        .map_err(db("preparing the rollup write"))?;
    // In primary-key order, so that consecutive writes land on neighbouring pages.
    let mut order: Vec<&RollupDelta> = delta.rows.iter().collect();
    order.sort_unstable_by(|a, b| {
        (a.scope.as_str(), a.period.as_str(), a.metric.as_str(), &a.scope_id, a.start).cmp(&(
            b.scope.as_str(),
            b.period.as_str(),
            b.metric.as_str(),
            &b.scope_id,
            b.start,
        ))
    });
    for row in order {
        let mut added: Vec<u32> = row.actors.iter().filter_map(|i| actor_ids.get(*i as usize).copied()).collect();
        added.sort_unstable();
        added.dedup();
        write_row
            .execute(params![
                row.scope.as_str(),
                row.scope_id,
                row.period.as_str(),
                date_to_number(row.start),
                row.metric.as_str(),
                tenant,
                row.uses as i64,
                added.len() as i64,
                blob::encode_u32(&added)
            ])
            .map_err(db("writing a rollup row"))?;
    }
    let mut span = conn
        .prepare_cached(
            "INSERT INTO usage_spans (resource_id, tenant_id, first_day, last_day) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (resource_id) DO UPDATE SET first_day = min(first_day, excluded.first_day), \
             last_day = max(last_day, excluded.last_day)",
        )
        .map_err(db("preparing the usage span write"))?;
    for s in &delta.spans {
        span.execute(params![s.resource_id, tenant, date_to_number(s.first), date_to_number(s.last)])
            .map_err(db("writing a usage span"))?;
    }
    Ok(())
}

/// A list as one JSON text parameter, for `json_each`: one statement instead of one per item.
fn json_list<T: serde::Serialize>(items: &[T]) -> Result<Value> {
    serde_json::to_string(items).map(Value::Text).map_err(|e| StoreError::backend("encoding a list parameter", e))
}

fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

fn actor_id(id: i64) -> Result<u32> {
    u32::try_from(id).map_err(|_| StoreError::Corrupt {
        what: "usage_actors.id".into(),
        reason: format!("{id} does not fit 32 bits"),
    })
}

/// Store-wide ids of `actors`, in the same order, interning the new ones.
fn intern_actors(conn: &Connection, tenant: &str, actors: &[String]) -> Result<Vec<u32>> {
    if actors.is_empty() {
        return Ok(Vec::new());
    }
    let args = [text(tenant), json_list(actors)?];
    conn.prepare_cached("INSERT OR IGNORE INTO usage_actors (tenant_id, actor) SELECT ?1, value FROM json_each(?2)")
        .and_then(|mut s| s.execute(rusqlite::params_from_iter(args.iter())))
        .map_err(db("interning actors"))?;
    // CROSS JOIN keeps json_each as the outer loop: the JSON is read once and each actor is one
    // index lookup (the planner otherwise may re-read the JSON per table row).
    let found = collect(
        conn,
        "SELECT j.key, a.id FROM json_each(?2) j CROSS JOIN usage_actors a WHERE a.tenant_id = ?1 AND a.actor = j.value",
        &args,
        "reading actor ids",
        |r| Ok((col::<i64>(r, 0, "json_each.key")?, actor_id(col(r, 1, "usage_actors.id")?)?)),
    )?;
    let mut ids = vec![u32::MAX; actors.len()];
    for (i, id) in found {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| ids.get_mut(i)) {
            *slot = id;
        }
    }
    Ok(ids)
}

pub fn scopes(conn: &Connection, ids: &[String]) -> Result<Vec<ResourceScopes>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // CROSS JOIN keeps json_each as the outer loop: one index lookup per id.
    collect(
        conn,
        "SELECT r.id, r.environment_id, json_extract(d.owners, '$[0].principal_id') \
         FROM json_each(?1) j CROSS JOIN resources r LEFT JOIN resource_details d ON d.rid = r.rid \
         WHERE r.id = j.value",
        &[json_list(ids)?],
        "reading resource scopes",
        |r| {
            Ok(ResourceScopes {
                resource_id: col(r, 0, "resources.id")?,
                environment_id: col(r, 1, "resources.environment_id")?,
                maker: col(r, 2, "resource_details.owners")?,
            })
        },
    )
}

pub fn rows(conn: &Connection, q: &RollupQuery) -> Result<Vec<RollupRow>> {
    let mut args = vec![
        text(q.scope.as_str()),
        text(q.period.as_str()),
        text(q.metric.as_str()),
        Value::Integer(date_to_number(q.from)),
        Value::Integer(date_to_number(q.to)),
    ];
    let mut filters = vec!["scope = ?1 AND period = ?2 AND metric = ?3 AND start_day BETWEEN ?4 AND ?5".to_string()];
    // Filters only when asked for, so that the primary key serves a scope-id list.
    if let Some(t) = &q.tenant_id {
        args.push(text(t));
        filters.push(format!("tenant_id = ?{}", args.len()));
    }
    if let Some(ids) = &q.scope_ids {
        args.push(json_list(ids)?);
        filters.push(format!("scope_id IN (SELECT value FROM json_each(?{}))", args.len()));
    }
    let sql = format!(
        "SELECT tenant_id, scope_id, start_day, uses, actors FROM usage_rollups WHERE {}",
        where_clause(&filters)
    );
    collect(conn, &sql, &args, "reading rollup rows", |r| {
        let bytes: Vec<u8> = col(r, 4, "usage_rollups.actors")?;
        Ok(RollupRow {
            tenant_id: col(r, 0, "usage_rollups.tenant_id")?,
            scope_id: col(r, 1, "usage_rollups.scope_id")?,
            start: day_from_number(col(r, 2, "usage_rollups.start_day")?)?,
            uses: count(col(r, 3, "usage_rollups.uses")?),
            actors: blob::decode_u32(&bytes, "rollup actors")?,
        })
    })
}

pub fn actor_departments(conn: &Connection, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>> {
    collect(
        conn,
        "SELECT a.id, p.department FROM usage_actors a JOIN principals p ON p.id = a.actor \
         WHERE p.department <> '' AND (?1 IS NULL OR a.tenant_id = ?1) \
         UNION \
         SELECT a.id, p.department FROM usage_actors a JOIN principals p ON p.upn_key = a.actor \
         WHERE p.department <> '' AND (?1 IS NULL OR a.tenant_id = ?1)",
        &[opt_text(tenant_id)],
        "reading actor departments",
        |r| Ok((actor_id(col(r, 0, "usage_actors.id")?)?, col(r, 1, "principals.department")?)),
    )
}

pub fn spans(conn: &Connection, tenant_id: Option<&str>, ids: Option<&[String]>) -> Result<Vec<UsageSpan>> {
    let (mut filters, mut args) = (Vec::new(), Vec::new());
    if let Some(t) = tenant_id {
        args.push(text(t));
        filters.push(format!("tenant_id = ?{}", args.len()));
    }
    if let Some(ids) = ids {
        args.push(json_list(ids)?);
        filters.push(format!("resource_id IN (SELECT value FROM json_each(?{}))", args.len()));
    }
    let sql =
        format!("SELECT resource_id, tenant_id, first_day, last_day FROM usage_spans WHERE {}", where_clause(&filters));
    collect(conn, &sql, &args, "reading usage spans", |r| {
        Ok(UsageSpan {
            resource_id: col(r, 0, "usage_spans.resource_id")?,
            tenant_id: col(r, 1, "usage_spans.tenant_id")?,
            first: day_from_number(col(r, 2, "usage_spans.first_day")?)?,
            last: day_from_number(col(r, 3, "usage_spans.last_day")?)?,
        })
    })
}

pub fn status(conn: &Connection, tenant_id: Option<&str>) -> Result<UsageStatus> {
    let (records, first, last): (i64, Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT coalesce(sum(records), 0), min(day), max(day) FROM usage_ledger \
             WHERE records > 0 AND (?1 IS NULL OR tenant_id = ?1)",
        )
        .and_then(|mut s| s.query_row([tenant_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
        .map_err(db("reading the usage status"))?;
    let sealed: Option<i64> = conn
        .prepare_cached("SELECT max(before_day) FROM usage_sealed WHERE (?1 IS NULL OR tenant_id = ?1)")
        .and_then(|mut s| s.query_row([tenant_id], |r| r.get(0)))
        .map_err(db("reading the usage status"))?;
    let rollup_rows: i64 = conn
        .prepare_cached("SELECT count(*) FROM usage_rollups WHERE (?1 IS NULL OR tenant_id = ?1)")
        .and_then(|mut s| s.query_row([tenant_id], |r| r.get(0)))
        .map_err(db("reading the usage status"))?;
    Ok(UsageStatus {
        records: records as u64,
        first_day: first.map(day_from_number).transpose()?,
        last_day: last.map(day_from_number).transpose()?,
        sealed_before: sealed.map(day_from_number).transpose()?,
        rollup_rows: rollup_rows as u64,
    })
}

pub fn prune(
    conn: &Connection,
    tenant_id: &str,
    raw_before: Option<chrono::NaiveDate>,
    rollups_before: Option<chrono::NaiveDate>,
) -> Result<PruneCounts> {
    let mut counts = PruneCounts::default();
    if let Some(before) = raw_before.map(date_to_number) {
        counts.ledger_days = conn
            .execute("DELETE FROM usage_ledger WHERE tenant_id = ?1 AND day < ?2", params![tenant_id, before])
            .map_err(db("pruning the usage ledger"))? as u64;
        conn.execute(
            "INSERT INTO usage_sealed (tenant_id, before_day) VALUES (?1, ?2) \
             ON CONFLICT (tenant_id) DO UPDATE SET before_day = max(before_day, excluded.before_day)",
            params![tenant_id, before],
        )
        .map_err(db("sealing pruned usage days"))?;
    }
    if let Some(before) = rollups_before {
        // A row goes once its whole period lies before the cut-off.
        let day = date_to_number(before);
        let week = date_to_number(before - chrono::Days::new(6));
        let month_start = UsagePeriod::Month.start_of(before);
        let month = date_to_number(month_start);
        let n = conn
            .execute(
                "DELETE FROM usage_rollups WHERE tenant_id = ?1 AND ( \
                 (period = 'day' AND start_day < ?2) OR (period = 'week' AND start_day < ?3) \
                 OR (period = 'month' AND start_day < ?4))",
                params![tenant_id, day, week, month],
            )
            .map_err(db("pruning usage rollups"))?;
        counts.rollup_rows = n as u64;
    }
    Ok(counts)
}

pub fn briefs(conn: &Connection, q: &BriefQuery) -> Result<Vec<ResourceBrief>> {
    let (mut filters, mut args) = (Vec::new(), Vec::new());
    if !q.include_deleted {
        filters.push("r.deleted_at IS NULL".to_string());
    }
    if let Some(t) = &q.tenant_id {
        args.push(text(t));
        filters.push(format!("r.tenant_id = ?{}", args.len()));
    }
    if !q.kinds.is_empty() {
        let kinds: Vec<String> = q.kinds.iter().map(|k| k.as_str().to_string()).collect();
        args.push(json_list(&kinds)?);
        filters.push(format!("+r.kind IN (SELECT value FROM json_each(?{}))", args.len()));
    }
    if let Some(e) = &q.environment_id {
        args.push(text(e));
        filters.push(format!("r.environment_id = ?{}", args.len()));
    }
    if let Some(ids) = &q.ids {
        args.push(json_list(ids)?);
        filters.push(format!("r.id IN (SELECT value FROM json_each(?{}))", args.len()));
    }
    let sql = format!(
        "SELECT r.id, r.tenant_id, r.environment_id, r.kind, r.display_name, \
         json_extract(d.owners, '$[0].principal_id'), r.created_at, r.deleted_at \
         FROM resources r LEFT JOIN resource_details d ON d.rid = r.rid WHERE {}",
        where_clause(&filters)
    );
    collect(conn, &sql, &args, "reading resource briefs", |r| {
        Ok(ResourceBrief {
            id: col(r, 0, "resources.id")?,
            tenant_id: col(r, 1, "resources.tenant_id")?,
            environment_id: col(r, 2, "resources.environment_id")?,
            kind: enum_col(r, 3, "resources.kind")?,
            display_name: col(r, 4, "resources.display_name")?,
            owner: col(r, 5, "resource_details.owners")?,
            created_at: opt_timestamp(col(r, 6, "resources.created_at")?, "resources.created_at")?,
            deleted_at: opt_timestamp(col(r, 7, "resources.deleted_at")?, "resources.deleted_at")?,
        })
    })
}

/// Union of the actor sets of the tenant's day rows over the 30 days ending at the newest
/// counted day: the overview's active users.
pub fn active_users_30d(conn: &Connection, tenant_id: Option<&str>) -> Result<u64> {
    let newest: Option<i64> = conn
        .prepare_cached("SELECT max(day) FROM usage_ledger WHERE records > 0 AND (?1 IS NULL OR tenant_id = ?1)")
        .and_then(|mut s| s.query_row([tenant_id], |r| r.get(0)))
        .map_err(db("finding the newest usage day"))?;
    let Some(newest) = newest else { return Ok(0) };
    let mut stmt = conn
        .prepare_cached(
            "SELECT actors FROM usage_rollups WHERE scope = 'tenant' AND period = 'day' AND metric = 'use' \
             AND start_day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR tenant_id = ?3)",
        )
        .map_err(db("counting active users"))?;
    let mut rows = stmt.query(params![newest - 29, newest, tenant_id]).map_err(db("counting active users"))?;
    let mut all = rustc_hash::FxHashSet::default();
    while let Some(r) = rows.next().map_err(db("counting active users"))? {
        let bytes: Vec<u8> = r.get(0).map_err(db("counting active users"))?;
        all.extend(blob::decode_u32(&bytes, "rollup actors")?);
    }
    Ok(all.len() as u64)
}

/// `steward_union_u32(a, b)`: the union of two actor-set blobs (sorted little-endian u32s).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "steward_union_u32",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let a = ctx.get_raw(0).as_blob_or_null()?.unwrap_or_default();
            let b = ctx.get_raw(1).as_blob_or_null()?.unwrap_or_default();
            let decode = |bytes: &[u8]| {
                blob::decode_u32(bytes, "rollup actors").map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
            };
            Ok(blob::encode_u32(&blob::union(&decode(a)?, &decode(b)?)))
        },
    )
}
