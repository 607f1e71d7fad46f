//! Inventory status and summaries on SQLite: the status rows compliance runs write, makers and
//! connectors with their resource counts.

use crate::convert::{col, count, day_from_number, opt_enum_col, opt_timestamp, timestamp};
use crate::read::{PRINCIPAL_COLUMNS, collect, db, name_cursor, page_end, principal_row, scalar, text, where_clause};
use rusqlite::types::Value;
use rusqlite::{Connection, params};
use std::collections::HashMap;
use steward_model::{Connector, Page};
use steward_store::governance::LevelCounts;
use steward_store::inventory::{
    ComplianceState, ConnectorSummary, MakerQuery, MakerSummary, ResourceStatus, StatusInput,
};
use steward_store::{Cursor, StoreError, clamp_limit};

/// Write the status of every resource a run evaluated, from the live violations as the run left
/// them; on the writer thread, inside the run's transaction.
pub(crate) fn write_statuses(conn: &Connection, statuses: &[StatusInput], at: i64) -> Result<(), StoreError> {
    if statuses.is_empty() {
        return Ok(());
    }
    let context = "writing resource statuses";
    // Live violations of resources, counted per subject once: usually far fewer rows than
    // statuses, and one pass instead of a lookup per resource.
    let mut live: HashMap<String, (LevelCounts, u64)> = HashMap::new();
    let mut stmt = conn
        .prepare_cached(
            "SELECT subject_id, level, state, count(*) FROM violations \
             WHERE state <> 'resolved' AND subject_kind = 'resource' GROUP BY subject_id, level, state",
        )
        .map_err(db(context))?;
    let mut rows = stmt.query([]).map_err(db(context))?;
    while let Some(row) = rows.next().map_err(db(context))? {
        let subject: String = col(row, 0, "violations.subject_id")?;
        let level: String = col(row, 1, "violations.level")?;
        let state: String = col(row, 2, "violations.state")?;
        let n = count(col(row, 3, "violation count")?);
        let entry = live.entry(subject).or_default();
        match state.as_str() {
            "open" => {
                let level = level.parse().map_err(|e: steward_model::UnknownValue| {
                    crate::convert::corrupt("violations.level", e.to_string())
                })?;
                entry.0.add(level, n);
            }
            _ => entry.1 += n,
        }
    }
    let mut upsert = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO resource_status (resource_id, criticality, service_level, compliance, \
             open_must, open_should, open_could, exempted, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(db(context))?;
    let none = (LevelCounts::default(), 0);
    for s in statuses {
        let (open, exempted) = live.get(&s.resource_id).unwrap_or(&none);
        let state = ComplianceState::from_counts(open, *exempted);
        upsert
            .execute(params![
                s.resource_id,
                s.criticality.map(|c| c.as_str()),
                s.service_level,
                state.as_str(),
                open.must as i64,
                open.should as i64,
                open.could as i64,
                *exempted as i64,
                at,
            ])
            .map_err(db(context))?;
    }
    Ok(())
}

/// Ids per statement of the status lookup, well under SQLite's parameter limit.
const IDS_PER_QUERY: usize = 500;

pub(crate) fn resource_statuses(conn: &Connection, ids: &[String]) -> Result<Vec<ResourceStatus>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("?{n}")).collect();
        let sql = format!(
            "SELECT resource_id, criticality, service_level, compliance, open_must, open_should, open_could, \
             exempted, computed_at FROM resource_status WHERE resource_id IN ({})",
            placeholders.join(", ")
        );
        let args: Vec<Value> = chunk.iter().map(|id| text(id)).collect();
        out.extend(collect(conn, &sql, &args, "reading resource statuses", |r| {
            let n = |i: usize, what: &str| col::<i64>(r, i, what).map(count);
            Ok(ResourceStatus {
                resource_id: col(r, 0, "resource_status.resource_id")?,
                criticality: opt_enum_col(r, 1, "resource_status.criticality")?,
                service_level: col(r, 2, "resource_status.service_level")?,
                compliance: crate::convert::enum_col(r, 3, "resource_status.compliance")?,
                open: LevelCounts {
                    must: n(4, "resource_status.open_must")?,
                    should: n(5, "resource_status.open_should")?,
                    could: n(6, "resource_status.open_could")?,
                },
                exempted: n(7, "resource_status.exempted")?,
                computed_at: timestamp(col(r, 8, "resource_status.computed_at")?, "resource_status.computed_at")?,
            })
        })?);
    }
    Ok(out)
}

/// A principal owning at least one live resource.
const OWNS_LIVE: &str = "EXISTS (SELECT 1 FROM resource_owners o JOIN resources r ON r.rid = o.rid \
     WHERE o.principal_id = p.id AND r.deleted_at IS NULL)";

pub(crate) fn list_makers(conn: &Connection, query: &MakerQuery) -> Result<Page<MakerSummary>, StoreError> {
    let limit = clamp_limit(query.limit);
    let mut filters = vec![OWNS_LIVE.to_string()];
    let mut args = Vec::new();
    if let Some(t) = &query.tenant {
        args.push(text(t));
        filters.push(format!("p.tenant_id = ?{}", args.len()));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        args.push(Value::Text(q.to_lowercase()));
        let n = args.len();
        filters.push(format!("(instr(p.name_key, ?{n}) > 0 OR instr(coalesce(p.upn_key, ''), ?{n}) > 0)"));
    }
    if let Some(d) = &query.department {
        args.push(Value::Text(d.to_lowercase()));
        filters.push(format!("p.department_key = ?{}", args.len()));
    }
    if query.leavers_only {
        filters.push("(p.enabled = 0 OR p.deleted_at IS NOT NULL)".to_string());
    }
    if let Some(id) = &query.principal {
        args.push(text(id));
        filters.push(format!("p.id = ?{}", args.len()));
    }
    let total = scalar(
        conn,
        &format!("SELECT count(*) FROM principals p WHERE {}", where_clause(&filters)),
        &args,
        "counting makers",
    )?;
    if let Some(c) = &query.cursor {
        let (key, id) = name_cursor(c)?;
        args.push(Value::Text(key));
        args.push(Value::Text(id));
        filters.push(format!("(p.name_key, p.id) > (?{}, ?{})", args.len() - 1, args.len()));
    }
    // The counts and the last activity only for the page's rows: the outer query runs them
    // after the inner one picked the page.
    let sql = format!(
        "SELECT {PRINCIPAL_COLUMNS}, \
           (SELECT count(*) FROM resource_owners o JOIN resources r ON r.rid = o.rid \
            WHERE o.principal_id = p.id AND r.deleted_at IS NULL), \
           (SELECT max(r.modified_at) FROM resource_owners o JOIN resources r ON r.rid = o.rid \
            WHERE o.principal_id = p.id AND r.deleted_at IS NULL), \
           (SELECT max(u.start_day) FROM usage_rollups u WHERE u.scope = 'maker' AND u.period = 'day' \
            AND u.metric = 'use' AND u.scope_id = p.id) \
         FROM (SELECT * FROM principals p WHERE {} ORDER BY p.name_key, p.id LIMIT {}) p ORDER BY p.name_key, p.id",
        where_clause(&filters),
        limit + 1
    );
    let mut rows = collect(conn, &sql, &args, "listing makers", |r| {
        let principal = principal_row(r)?;
        let name_key: String = col(r, 11, "principals.name_key")?;
        let resources: i64 = col(r, 12, "resource count")?;
        let modified: Option<i64> = col(r, 13, "resources.modified_at")?;
        let used: Option<i64> = col(r, 14, "usage_rollups.start_day")?;
        Ok((
            MakerSummary {
                leaver: principal.is_leaver(),
                resource_count: count(resources),
                last_modified: opt_timestamp(modified, "resources.modified_at")?,
                last_used: used.map(day_from_number).transpose()?,
                principal,
            },
            name_key,
        ))
    })?;
    let next = page_end(&mut rows, limit)
        .map(|(m, key)| Cursor { key: Some(key.clone()), id: m.principal.id.clone() }.encode());
    Ok(Page { items: rows.into_iter().map(|(m, _)| m).collect(), total: count(total), next })
}

pub(crate) fn connector_summaries(
    conn: &Connection,
    tenant: Option<&str>,
) -> Result<Vec<ConnectorSummary>, StoreError> {
    let connectors: Vec<Connector> = crate::read::list_connectors(conn, tenant)?;
    // One grouped pass over the connector index instead of a count per connector.
    let counts: HashMap<String, u64> = collect(
        conn,
        "SELECT rc.connector_id, count(*) FROM resource_connectors rc JOIN resources r ON r.rid = rc.rid \
         WHERE r.deleted_at IS NULL AND (?1 IS NULL OR r.tenant_id = ?1) GROUP BY rc.connector_id",
        &[tenant.map_or(Value::Null, text)],
        "counting resources per connector",
        |r| Ok((col(r, 0, "resource_connectors.connector_id")?, count(col(r, 1, "resource count")?))),
    )?
    .into_iter()
    .collect();
    Ok(connectors
        .into_iter()
        .map(|c| ConnectorSummary { resource_count: counts.get(&c.id).copied().unwrap_or(0), connector: c })
        .collect())
}
