//! Row-level usage reads, retention, and the usage figures of the overview.

use super::{day, stored_day};
use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use rustc_hash::FxHashSet;
use steward_model::{Timestamp, UsagePeriod};
use steward_store::Result;
use steward_store::usage::blob::decode_u32;
use steward_store::usage::{BriefQuery, PruneCounts, ResourceBrief, RollupQuery, RollupRow, UsageSpan, UsageStatus};
use tokio_postgres::types::ToSql;

/// A stored count (never negative) as u64.
fn count(n: i64, what: &str) -> Result<u64> {
    u64::try_from(n).map_err(|e| corrupt(what, e))
}

pub(crate) async fn usage_rows(store: &PostgresStore, q: &RollupQuery) -> Result<Vec<RollupRow>> {
    let client = client(store.pool()).await?;
    let context = format!("reading {} {} usage rollups of scope {}", q.period, q.metric, q.scope);
    // Separate statements per filter combination, so each plan can use the key (a generic plan
    // for "$n IS NULL OR …" would scan).
    let mut sql = String::from(
        "SELECT tenant_id, scope_id, start_day, uses, actors FROM usage_rollups \
         WHERE scope = $1 AND period = $2 AND metric = $3 AND start_day BETWEEN $4 AND $5",
    );
    let (scope, period, metric) = (q.scope.as_str(), q.period.as_str(), q.metric.as_str());
    let (from, to) = (day(q.from), day(q.to));
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&scope, &period, &metric, &from, &to];
    if let Some(tenant) = &q.tenant_id {
        params.push(tenant);
        sql.push_str(&format!(" AND tenant_id = ${}", params.len()));
    }
    if let Some(ids) = &q.scope_ids {
        params.push(ids);
        sql.push_str(&format!(" AND scope_id = ANY(${}::text[])", params.len()));
    }
    let statement = client.prepare_cached(&sql).await.map_err(db(&context))?;
    let rows = client.query(&statement, &params).await.map_err(db(&context))?;
    rows.iter()
        .map(|row| {
            let start: i64 = row.try_get(2).map_err(db(&context))?;
            let uses: i64 = row.try_get(3).map_err(db(&context))?;
            let actors: &[u8] = row.try_get(4).map_err(db(&context))?;
            Ok(RollupRow {
                tenant_id: row.try_get(0).map_err(db(&context))?,
                scope_id: row.try_get(1).map_err(db(&context))?,
                start: stored_day(start, "usage_rollups.start_day")?,
                uses: count(uses, "usage_rollups.uses")?,
                actors: decode_u32(actors, "usage_rollups.actors")?,
            })
        })
        .collect()
}

pub(crate) async fn usage_actor_departments(
    store: &PostgresStore,
    tenant_id: Option<&str>,
) -> Result<Vec<(u32, String)>> {
    let client = client(store.pool()).await?;
    let context = "reading the departments of usage actors";
    // An actor is a principal id, else a lowercased UPN; when both match different principals
    // the id wins, so each actor has one department.
    let statement = client
        .prepare_cached(
            "SELECT DISTINCT ON (id) id, department FROM ( \
                 SELECT a.id, p.department, 0 AS rank FROM usage_actors a JOIN principals p ON p.id = a.actor \
                 WHERE p.department <> '' AND ($1::text IS NULL OR a.tenant_id = $1) \
                 UNION ALL \
                 SELECT a.id, p.department, 1 AS rank FROM usage_actors a JOIN principals p ON p.upn_key = a.actor \
                 WHERE p.department <> '' AND ($1::text IS NULL OR a.tenant_id = $1)) m \
             ORDER BY id, rank, department",
        )
        .await
        .map_err(db(context))?;
    let rows = client.query(&statement, &[&tenant_id]).await.map_err(db(context))?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get(0).map_err(db(context))?;
            Ok((u32::try_from(id).map_err(|e| corrupt("usage_actors.id", e))?, row.try_get(1).map_err(db(context))?))
        })
        .collect()
}

pub(crate) async fn usage_spans(
    store: &PostgresStore,
    tenant_id: Option<&str>,
    resource_ids: Option<&[String]>,
) -> Result<Vec<UsageSpan>> {
    let client = client(store.pool()).await?;
    let context = "reading usage spans";
    let mut sql = String::from("SELECT resource_id, tenant_id, first_day, last_day FROM usage_spans WHERE TRUE");
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if let Some(tenant) = &tenant_id {
        params.push(tenant);
        sql.push_str(&format!(" AND tenant_id = ${}", params.len()));
    }
    if let Some(ids) = &resource_ids {
        params.push(ids);
        sql.push_str(&format!(" AND resource_id = ANY(${}::text[])", params.len()));
    }
    let statement = client.prepare_cached(&sql).await.map_err(db(context))?;
    let rows = client.query(&statement, &params).await.map_err(db(context))?;
    rows.iter()
        .map(|row| {
            Ok(UsageSpan {
                resource_id: row.try_get(0).map_err(db(context))?,
                tenant_id: row.try_get(1).map_err(db(context))?,
                first: stored_day(row.try_get(2).map_err(db(context))?, "usage_spans.first_day")?,
                last: stored_day(row.try_get(3).map_err(db(context))?, "usage_spans.last_day")?,
            })
        })
        .collect()
}

pub(crate) async fn usage_status(store: &PostgresStore, tenant_id: Option<&str>) -> Result<UsageStatus> {
    let client = client(store.pool()).await?;
    let context = "reading the usage status";
    // Empty ledger rows are locks a writer left for a day it ended up counting nothing on.
    let row = client
        .query_one(
            "SELECT \
               (SELECT coalesce(sum(records), 0)::int8 FROM usage_ledger \
                 WHERE records > 0 AND ($1::text IS NULL OR tenant_id = $1)) AS records, \
               (SELECT min(day) FROM usage_ledger WHERE records > 0 AND ($1::text IS NULL OR tenant_id = $1)) AS first, \
               (SELECT max(day) FROM usage_ledger WHERE records > 0 AND ($1::text IS NULL OR tenant_id = $1)) AS last, \
               (SELECT max(before_day) FROM usage_sealed WHERE $1::text IS NULL OR tenant_id = $1) AS sealed, \
               (SELECT count(*) FROM usage_rollups WHERE $1::text IS NULL OR tenant_id = $1) AS rollups",
            &[&tenant_id],
        )
        .await
        .map_err(db(context))?;
    let day_of = |column: &str| -> Result<Option<chrono::NaiveDate>> {
        let n: Option<i64> = row.try_get(column).map_err(db(context))?;
        n.map(|n| stored_day(n, &format!("usage status {column}"))).transpose()
    };
    Ok(UsageStatus {
        records: count(row.try_get("records").map_err(db(context))?, "usage_ledger.records")?,
        first_day: day_of("first")?,
        last_day: day_of("last")?,
        sealed_before: day_of("sealed")?,
        rollup_rows: count(row.try_get("rollups").map_err(db(context))?, "usage_rollups count")?,
    })
}

/// Drop old ledgers (sealing their days) and rollup rows whose whole period lies before the
/// cut-off, in one transaction.
pub(crate) async fn prune_usage(
    store: &PostgresStore,
    tenant_id: &str,
    raw_before: Option<chrono::NaiveDate>,
    rollups_before: Option<chrono::NaiveDate>,
) -> Result<PruneCounts> {
    let mut client = client(store.pool()).await?;
    let context = format!("pruning usage of tenant {tenant_id}");
    let tx = client.transaction().await.map_err(db(&context))?;
    let mut counts = PruneCounts::default();
    if let Some(before) = raw_before.map(day) {
        // Seal first: a writer that locks a day after this commits finds the seal, and one that
        // locked it before holds the row the DELETE waits for.
        tx.execute(
            "INSERT INTO usage_sealed (tenant_id, before_day) VALUES ($1, $2) \
             ON CONFLICT (tenant_id) DO UPDATE SET before_day = GREATEST(usage_sealed.before_day, EXCLUDED.before_day)",
            &[&tenant_id, &before],
        )
        .await
        .map_err(db(&context))?;
        counts.ledger_days = tx
            .execute("DELETE FROM usage_ledger WHERE tenant_id = $1 AND day < $2", &[&tenant_id, &before])
            .await
            .map_err(db(&context))?;
    }
    if let Some(before) = rollups_before {
        // A row goes once its period has ended before the cut-off: a day before it, a week whose
        // seventh day is before it, a month before the cut-off's month.
        let days = day(before);
        let weeks = days - 6;
        let months = day(UsagePeriod::Month.start_of(before));
        counts.rollup_rows = tx
            .execute(
                "DELETE FROM usage_rollups WHERE tenant_id = $1 AND ( \
                 (period = 'day' AND start_day < $2) OR (period = 'week' AND start_day < $3) \
                 OR (period = 'month' AND start_day < $4))",
                &[&tenant_id, &days, &weeks, &months],
            )
            .await
            .map_err(db(&context))?;
    }
    tx.commit().await.map_err(db(&context))?;
    Ok(counts)
}

pub(crate) async fn resource_briefs(store: &PostgresStore, q: &BriefQuery) -> Result<Vec<ResourceBrief>> {
    let client = client(store.pool()).await?;
    let context = "reading resource briefs";
    // The primary owner is the first listed one, as `Resource::primary_owner` says.
    let mut sql = String::from(
        "SELECT r.id, r.tenant_id, r.environment_id, r.kind, r.display_name, o.principal_id, r.created_at, \
             r.deleted_at \
         FROM resources r LEFT JOIN resource_owners o ON o.resource_id = r.id AND o.ordinal = 0 WHERE TRUE",
    );
    let kinds: Vec<&str> = q.kinds.iter().map(|k| k.as_str()).collect();
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if let Some(tenant) = &q.tenant_id {
        params.push(tenant);
        sql.push_str(&format!(" AND r.tenant_id = ${}", params.len()));
    }
    if !kinds.is_empty() {
        params.push(&kinds);
        sql.push_str(&format!(" AND r.kind = ANY(${}::text[])", params.len()));
    }
    if let Some(environment) = &q.environment_id {
        params.push(environment);
        sql.push_str(&format!(" AND r.environment_id = ${}", params.len()));
    }
    if let Some(ids) = &q.ids {
        params.push(ids);
        sql.push_str(&format!(" AND r.id = ANY(${}::text[])", params.len()));
    }
    if !q.include_deleted {
        sql.push_str(" AND r.deleted_at IS NULL");
    }
    let statement = client.prepare_cached(&sql).await.map_err(db(context))?;
    let rows = client.query(&statement, &params).await.map_err(db(context))?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get(3).map_err(db(context))?;
            Ok(ResourceBrief {
                id: row.try_get(0).map_err(db(context))?,
                tenant_id: row.try_get(1).map_err(db(context))?,
                environment_id: row.try_get(2).map_err(db(context))?,
                kind: kind.parse().map_err(|e| corrupt("resources.kind", e))?,
                display_name: row.try_get(4).map_err(db(context))?,
                owner: row.try_get(5).map_err(db(context))?,
                created_at: row.try_get::<_, Option<Timestamp>>(6).map_err(db(context))?,
                deleted_at: row.try_get::<_, Option<Timestamp>>(7).map_err(db(context))?,
            })
        })
        .collect()
}

/// The overview's usage figures: records counted, and distinct users of the tenant day rows in
/// the 30 days ending at the newest counted day (the union of their actor sets, taken here
/// because sets do not add up in SQL).
pub(crate) async fn overview_usage(client: &deadpool_postgres::Object, tenant_id: Option<&str>) -> Result<(u64, u64)> {
    let context = "computing the overview's usage figures";
    let totals = client
        .query_one(
            "SELECT coalesce(sum(records), 0)::int8, max(day) FROM usage_ledger \
             WHERE records > 0 AND ($1::text IS NULL OR tenant_id = $1)",
            &[&tenant_id],
        )
        .await
        .map_err(db(context))?;
    let records = count(totals.try_get(0).map_err(db(context))?, "usage_ledger.records")?;
    let newest: Option<i64> = totals.try_get(1).map_err(db(context))?;
    let Some(newest) = newest else { return Ok((records, 0)) };
    let rows = client
        .query(
            "SELECT actors FROM usage_rollups WHERE scope = 'tenant' AND period = 'day' AND metric = 'use' \
             AND start_day BETWEEN $1 AND $2 AND ($3::text IS NULL OR tenant_id = $3)",
            &[&(newest - 29), &newest, &tenant_id],
        )
        .await
        .map_err(db(context))?;
    let mut actors = FxHashSet::default();
    for row in &rows {
        let blob: &[u8] = row.try_get(0).map_err(db(context))?;
        actors.extend(decode_u32(blob, "usage_rollups.actors")?);
    }
    Ok((records, actors.len() as u64))
}
