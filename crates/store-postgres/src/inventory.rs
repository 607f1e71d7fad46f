//! Inventory status and summaries on PostgreSQL: the status rows compliance runs write, makers
//! and connectors with their resource counts.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use crate::read::{Filter, ListSql, after_name, decode_cursor, name_key, page};
use crate::rows;
use std::collections::HashMap;
use steward_model::{Page, Timestamp};
use steward_store::governance::LevelCounts;
use steward_store::inventory::{
    ComplianceState, ConnectorSummary, MakerQuery, MakerSummary, ResourceStatus, StatusInput,
};
use steward_store::{Cursor, Result, clamp_limit};
use tokio_postgres::Transaction;

/// Statuses per statement, as the findings of a run are batched.
const BATCH: usize = 20_000;

fn n(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Write the status of every resource a run evaluated, from the live violations as the run left
/// them; inside the run's transaction. The state is decided in Rust
/// ([`ComplianceState::from_counts`]) from one grouped read, as on SQLite.
pub(crate) async fn write_statuses(tx: &Transaction<'_>, statuses: &[StatusInput], at: Timestamp) -> Result<()> {
    if statuses.is_empty() {
        return Ok(());
    }
    let context = "writing resource statuses";
    let rows = tx
        .query(
            "SELECT subject_id, count(*) FILTER (WHERE state = 'open' AND level = 'must'), \
             count(*) FILTER (WHERE state = 'open' AND level = 'should'), \
             count(*) FILTER (WHERE state = 'open' AND level = 'could'), \
             count(*) FILTER (WHERE state = 'exempted') \
             FROM violations WHERE state <> 'resolved' AND subject_kind = 'resource' GROUP BY subject_id",
            &[],
        )
        .await
        .map_err(db(context))?;
    let mut live: HashMap<String, (LevelCounts, u64)> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let get = |i: usize| row.try_get::<_, i64>(i).map(n).map_err(db(context));
        let open = LevelCounts { must: get(1)?, should: get(2)?, could: get(3)? };
        live.insert(row.try_get(0).map_err(db(context))?, (open, get(4)?));
    }
    let upsert = tx
        .prepare(
            "INSERT INTO resource_status (resource_id, criticality, service_level, compliance, open_must, \
             open_should, open_could, exempted, computed_at) \
             SELECT id, crit, sl, state, must, should, could, exempted, $9 FROM unnest($1::text[], $2::text[], \
             $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[], $8::int8[]) \
             AS s(id, crit, sl, state, must, should, could, exempted) \
             ON CONFLICT (resource_id) DO UPDATE SET criticality = excluded.criticality, \
             service_level = excluded.service_level, compliance = excluded.compliance, \
             open_must = excluded.open_must, open_should = excluded.open_should, open_could = excluded.open_could, \
             exempted = excluded.exempted, computed_at = excluded.computed_at",
        )
        .await
        .map_err(db(context))?;
    let none = (LevelCounts::default(), 0);
    let c = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    for chunk in statuses.chunks(BATCH) {
        let ids: Vec<&str> = chunk.iter().map(|s| s.resource_id.as_str()).collect();
        let crit: Vec<Option<&str>> = chunk.iter().map(|s| s.criticality.map(|c| c.as_str())).collect();
        let sl: Vec<Option<&str>> = chunk.iter().map(|s| s.service_level.as_deref()).collect();
        let counts: Vec<&(LevelCounts, u64)> =
            chunk.iter().map(|s| live.get(&s.resource_id).unwrap_or(&none)).collect();
        let state: Vec<&str> =
            counts.iter().map(|(open, exempted)| ComplianceState::from_counts(open, *exempted).as_str()).collect();
        let must: Vec<i64> = counts.iter().map(|(o, _)| c(o.must)).collect();
        let should: Vec<i64> = counts.iter().map(|(o, _)| c(o.should)).collect();
        let could: Vec<i64> = counts.iter().map(|(o, _)| c(o.could)).collect();
        let exempted: Vec<i64> = counts.iter().map(|(_, e)| c(*e)).collect();
        tx.execute(&upsert, &[&ids, &crit, &sl, &state, &must, &should, &could, &exempted, &at])
            .await
            .map_err(db(context))?;
    }
    Ok(())
}

pub(crate) async fn resource_statuses(store: &PostgresStore, ids: &[String]) -> Result<Vec<ResourceStatus>> {
    let client = client(store.pool()).await?;
    let context = "reading resource statuses";
    let rows = client
        .query(
            "SELECT resource_id, criticality, service_level, compliance, open_must, open_should, open_could, \
             exempted, computed_at FROM resource_status WHERE resource_id = ANY($1)",
            &[&ids],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|row| {
            let get = |i: usize| row.try_get::<_, i64>(i).map(n).map_err(db(context));
            let criticality: Option<String> = row.try_get(1).map_err(db(context))?;
            let compliance: String = row.try_get(3).map_err(db(context))?;
            Ok(ResourceStatus {
                resource_id: row.try_get(0).map_err(db(context))?,
                criticality: criticality
                    .map(|c| c.parse().map_err(|e| corrupt("resource_status.criticality", e)))
                    .transpose()?,
                service_level: row.try_get(2).map_err(db(context))?,
                compliance: compliance.parse().map_err(|e| corrupt("resource_status.compliance", e))?,
                open: LevelCounts { must: get(4)?, should: get(5)?, could: get(6)? },
                exempted: get(7)?,
                computed_at: row.try_get(8).map_err(db(context))?,
            })
        })
        .collect()
}

fn maker_filter(query: &MakerQuery) -> Filter {
    let mut filter = Filter::default();
    filter.and(
        "EXISTS (SELECT 1 FROM resource_owners o JOIN resources r ON r.id = o.resource_id \
         WHERE o.principal_id = p.id AND r.deleted_at IS NULL)"
            .to_string(),
    );
    if let Some(tenant) = &query.tenant {
        let p = filter.param(tenant.clone());
        filter.and(format!("p.tenant_id = {p}"));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        let p = filter.param(name_key(q));
        filter.and(format!("(strpos(p.name_key, {p}) > 0 OR strpos(p.upn_key, {p}) > 0)"));
    }
    if let Some(department) = &query.department {
        let p = filter.param(department.to_lowercase());
        filter.and(format!("p.department_key = {p}"));
    }
    if query.leavers_only {
        filter.and("(NOT p.enabled OR p.deleted_at IS NOT NULL)".to_string());
    }
    if let Some(id) = &query.principal {
        let p = filter.param(id.clone());
        filter.and(format!("p.id = {p}"));
    }
    filter
}

pub(crate) async fn list_makers(store: &PostgresStore, query: &MakerQuery) -> Result<Page<MakerSummary>> {
    let limit = clamp_limit(query.limit);
    let cursor = decode_cursor(query.cursor.as_ref())?;
    let count_filter = maker_filter(query);
    let mut filter = maker_filter(query);
    if let (Some(cursor), Some(text)) = (&cursor, &query.cursor) {
        after_name(&mut filter, "p", cursor, text)?;
    }
    // The counts and the last activity only for the page's rows (the outer query).
    let page_sql = format!(
        "SELECT {cols}, \
           (SELECT count(DISTINCT r.id) FROM resource_owners o JOIN resources r ON r.id = o.resource_id \
            WHERE o.principal_id = p.id AND r.deleted_at IS NULL) AS resource_count, \
           (SELECT max(r.modified_at) FROM resource_owners o JOIN resources r ON r.id = o.resource_id \
            WHERE o.principal_id = p.id AND r.deleted_at IS NULL) AS last_modified, \
           (SELECT max(u.start_day) FROM usage_rollups u WHERE u.scope = 'maker' AND u.period = 'day' \
            AND u.metric = 'use' AND u.scope_id = p.id) AS last_day \
         FROM (SELECT * FROM principals p WHERE {filter} ORDER BY p.name_key, p.id LIMIT {n}) p \
         ORDER BY p.name_key, p.id",
        cols = rows::PRINCIPAL_COLUMNS,
        filter = filter.sql(),
        n = limit + 1,
    );
    let count_sql = format!("SELECT count(*) AS total FROM principals p WHERE {}", count_filter.sql());
    page(
        store,
        ListSql { what: "makers", count_sql, count_filter, page_sql, page_filter: filter, limit },
        |row| {
            let principal = rows::principal(row)?;
            let last: Option<i64> = row.try_get("last_day").map_err(|e| corrupt("usage_rollups.start_day", e))?;
            Ok(MakerSummary {
                leaver: principal.is_leaver(),
                resource_count: rows::total(row, "resource_count")?,
                last_modified: row.try_get("last_modified").map_err(|e| corrupt("resources.modified_at", e))?,
                last_used: last.and_then(steward_store::usage::day_from_number),
                principal,
            })
        },
        |m: &MakerSummary| Cursor { key: Some(name_key(&m.principal.display_name)), id: m.principal.id.clone() },
    )
    .await
}

pub(crate) async fn connector_summaries(store: &PostgresStore, tenant: Option<&str>) -> Result<Vec<ConnectorSummary>> {
    let connectors = crate::read::list_connectors(store, tenant).await?;
    let client = client(store.pool()).await?;
    let context = "counting resources per connector";
    // One grouped pass instead of a count per connector; a resource naming a connector twice
    // counts once.
    let rows = client
        .query(
            "SELECT rc.connector_id, count(DISTINCT r.id) FROM resource_connectors rc \
             JOIN resources r ON r.id = rc.resource_id \
             WHERE r.deleted_at IS NULL AND ($1::text IS NULL OR r.tenant_id = $1) GROUP BY rc.connector_id",
            &[&tenant],
        )
        .await
        .map_err(db(context))?;
    let mut counts: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    for row in &rows {
        counts.insert(row.try_get(0).map_err(db(context))?, n(row.try_get(1).map_err(db(context))?));
    }
    Ok(connectors
        .into_iter()
        .map(|c| ConnectorSummary { resource_count: counts.get(&c.id).copied().unwrap_or(0), connector: c })
        .collect())
}
