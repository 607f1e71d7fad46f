//! Reads: lists with filters and keyset paging, single records, the overview, governance.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use crate::rows;
use chrono::{DateTime, SecondsFormat, Utc};
use steward_model::{Connector, DataPolicy, Environment, Governance, Page, Principal, Resource, Tenant, Timestamp};
use steward_store::inventory::{ComplianceState, TierFilter};
use steward_store::{
    Cursor, EnvironmentCount, EnvironmentQuery, EnvironmentSummary, KindCount, Overview, PrincipalQuery, ResourceQuery,
    ResourceSort, Result, StoreError, clamp_limit,
};
use tokio_postgres::types::ToSql;

/// A WHERE clause under construction with its numbered parameters.
#[derive(Default)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Filter {
    /// Register a parameter and return its placeholder (`$n`).
    pub(crate) fn param(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    pub(crate) fn and(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() { "TRUE".to_string() } else { self.clauses.join(" AND ") }
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// The key names sort and search by: lowercased in Rust, exactly as ingestion stored `name_key`
/// (and as the SQLite store does), compared byte-wise.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

fn time_key(at: Option<Timestamp>) -> Option<String> {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn parse_time_key(cursor_text: &str, key: &str) -> Result<Timestamp> {
    DateTime::parse_from_rfc3339(key)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::InvalidCursor(cursor_text.to_string()))
}

pub(crate) fn decode_cursor(text: Option<&String>) -> Result<Option<Cursor>> {
    text.map(|t| Cursor::decode(t)).transpose()
}

/// Keyset condition for "display name A to Z, ties by id" on the table alias `t`.
pub(crate) fn after_name(filter: &mut Filter, alias: &str, cursor: &Cursor, cursor_text: &str) -> Result<()> {
    let key = cursor.key.clone().ok_or_else(|| StoreError::InvalidCursor(cursor_text.to_string()))?;
    let k = filter.param(key);
    let id = filter.param(cursor.id.clone());
    filter.and(format!("({alias}.name_key, {alias}.id) > ({k}, {id})"));
    Ok(())
}

/// Keyset condition for "newest first, nulls last, ties by id" on a timestamp column.
fn after_time_desc(filter: &mut Filter, column: &str, cursor: &Cursor, cursor_text: &str) -> Result<()> {
    let id = filter.param(cursor.id.clone());
    match &cursor.key {
        Some(key) => {
            let at = filter.param(parse_time_key(cursor_text, key)?);
            filter.and(format!("({column} < {at} OR ({column} = {at} AND r.id > {id}) OR {column} IS NULL)"));
        }
        None => filter.and(format!("({column} IS NULL AND r.id > {id})")),
    }
    Ok(())
}

/// The two queries behind one page of a list: the total, and the page itself (which asks for
/// one row more than `limit` to learn whether a next page exists).
pub(crate) struct ListSql {
    pub(crate) what: &'static str,
    pub(crate) count_sql: String,
    pub(crate) count_filter: Filter,
    pub(crate) page_sql: String,
    pub(crate) page_filter: Filter,
    pub(crate) limit: u32,
}

/// Run the count and the page query on one connection and build the page.
pub(crate) async fn page<T>(
    store: &PostgresStore,
    list: ListSql,
    read: impl Fn(&tokio_postgres::Row) -> Result<T>,
    key: impl Fn(&T) -> Cursor,
) -> Result<Page<T>> {
    let client = client(store.pool()).await?;
    let context = format!("listing {}", list.what);
    // Filter combinations are few, so each connection keeps their statements prepared.
    let count = client.prepare_cached(&list.count_sql).await.map_err(db(&context))?;
    let total = client.query_one(&count, &list.count_filter.refs()).await.map_err(db(&context))?;
    let total = rows::total(&total, "total")?;
    let select = client.prepare_cached(&list.page_sql).await.map_err(db(&context))?;
    let found = client.query(&select, &list.page_filter.refs()).await.map_err(db(&context))?;
    let mut items = found.iter().map(read).collect::<Result<Vec<T>>>()?;
    let next = if items.len() > list.limit as usize {
        items.truncate(list.limit as usize);
        items.last().map(|last| key(last).encode())
    } else {
        None
    };
    Ok(Page { items, total, next })
}

pub(crate) async fn list_tenants(store: &PostgresStore) -> Result<Vec<Tenant>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {} FROM tenants ORDER BY id", rows::TENANT_COLUMNS);
    let found = client.query(&sql, &[]).await.map_err(db("listing tenants"))?;
    found.iter().map(rows::tenant).collect()
}

fn environment_filter(query: &EnvironmentQuery) -> Filter {
    let mut filter = Filter::default();
    if let Some(tenant) = &query.tenant {
        let p = filter.param(tenant.clone());
        filter.and(format!("e.tenant_id = {p}"));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        let p = filter.param(name_key(q));
        filter.and(format!("strpos(e.name_key, {p}) > 0"));
    }
    if !query.include_deleted {
        filter.and("e.deleted_at IS NULL".to_string());
    }
    filter
}

pub(crate) async fn list_environments(
    store: &PostgresStore,
    query: &EnvironmentQuery,
) -> Result<Page<EnvironmentSummary>> {
    let limit = clamp_limit(query.limit);
    let cursor = decode_cursor(query.cursor.as_ref())?;
    let count_filter = environment_filter(query);
    let mut filter = environment_filter(query);
    if let (Some(cursor), Some(text)) = (&cursor, &query.cursor) {
        after_name(&mut filter, "e", cursor, text)?;
    }
    let page_sql = format!(
        "SELECT {cols}, (SELECT count(*) FROM resources r WHERE r.environment_id = e.id AND r.deleted_at IS NULL) \
             AS resource_count \
         FROM environments e WHERE {filter} ORDER BY e.name_key, e.id LIMIT {n}",
        cols = rows::ENVIRONMENT_COLUMNS,
        filter = filter.sql(),
        n = limit + 1,
    );
    let count_sql = format!("SELECT count(*) AS total FROM environments e WHERE {}", count_filter.sql());
    page(
        store,
        ListSql { what: "environments", count_sql, count_filter, page_sql, page_filter: filter, limit },
        |row| {
            Ok(EnvironmentSummary {
                environment: rows::environment(row)?,
                resource_count: rows::total(row, "resource_count")?,
            })
        },
        |s| Cursor { key: Some(name_key(&s.environment.display_name)), id: s.environment.id.clone() },
    )
    .await
}

pub(crate) async fn get_environment(store: &PostgresStore, id: &str) -> Result<Option<Environment>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {} FROM environments e WHERE e.id = $1", rows::ENVIRONMENT_COLUMNS);
    let context = format!("reading environment {id}");
    let statement = client.prepare_cached(&sql).await.map_err(db(&context))?;
    let found = client.query_opt(&statement, &[&id]).await.map_err(db(&context))?;
    found.as_ref().map(rows::environment).transpose()
}

fn resource_filter(query: &ResourceQuery) -> Filter {
    let mut filter = Filter::default();
    if let Some(tenant) = &query.tenant {
        let p = filter.param(tenant.clone());
        filter.and(format!("r.tenant_id = {p}"));
    }
    if let Some(kind) = query.kind {
        let p = filter.param(kind.as_str().to_string());
        filter.and(format!("r.kind = {p}"));
    }
    if let Some(environment) = &query.environment {
        let p = filter.param(environment.clone());
        filter.and(format!("r.environment_id = {p}"));
    }
    if let Some(owner) = &query.owner {
        let id = filter.param(owner.clone());
        let upn = filter.param(owner.to_lowercase());
        filter.and(format!(
            "EXISTS (SELECT 1 FROM resource_owners o WHERE o.resource_id = r.id AND (o.principal_id = {id} \
             OR o.principal_id IN (SELECT p.id FROM principals p WHERE p.upn_key = {upn})))"
        ));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        let p = filter.param(name_key(q));
        filter.and(format!("strpos(r.name_key, {p}) > 0"));
    }
    if !query.include_deleted {
        filter.and("r.deleted_at IS NULL".to_string());
    }
    if let Some(department) = &query.department {
        let p = filter.param(department.to_lowercase());
        filter.and(format!(
            "r.id IN (SELECT o.resource_id FROM principals p JOIN resource_owners o ON o.principal_id = p.id \
             WHERE p.department_key = {p})"
        ));
    }
    if let Some(connector) = &query.connector {
        let p = filter.param(connector.clone());
        filter.and(format!("r.id IN (SELECT rc.resource_id FROM resource_connectors rc WHERE rc.connector_id = {p})"));
    }
    if let Some(tier) = query.tier {
        // The connectors' listed tier, as on SQLite (whose child table keeps no tier).
        let premium = "SELECT rc.resource_id FROM connectors c JOIN resource_connectors rc ON rc.connector_id = c.id \
                       WHERE c.tier IN ('premium', 'custom')";
        filter.and(match tier {
            TierFilter::Premium => format!("r.id IN ({premium})"),
            TierFilter::Standard => format!("NOT EXISTS ({premium} AND rc.resource_id = r.id)"),
        });
    }
    if let Some(criticality) = query.criticality {
        let p = filter.param(criticality.as_str().to_string());
        filter.and(format!("r.id IN (SELECT s.resource_id FROM resource_status s WHERE s.criticality = {p})"));
    }
    match query.compliance {
        None => {}
        Some(ComplianceState::NotEvaluated) => {
            filter.and("NOT EXISTS (SELECT 1 FROM resource_status s WHERE s.resource_id = r.id)".to_string())
        }
        Some(state) => {
            let p = filter.param(state.as_str().to_string());
            filter.and(format!("r.id IN (SELECT s.resource_id FROM resource_status s WHERE s.compliance = {p})"));
        }
    }
    if let Some(stage) = query.stage {
        let p = filter.param(stage.as_str().to_string());
        filter.and(format!("r.id IN (SELECT c.resource_id FROM catalog_items c WHERE c.stage = {p})"));
    }
    if let Some(day) = query.unused_since {
        let p = filter.param(day_number(day));
        filter
            .and(format!("NOT EXISTS (SELECT 1 FROM usage_spans u WHERE u.resource_id = r.id AND u.last_day >= {p})"));
    }
    if let Some(day) = query.used_since {
        let p = filter.param(day_number(day));
        filter.and(format!("r.id IN (SELECT u.resource_id FROM usage_spans u WHERE u.last_day >= {p})"));
    }
    if let Some(principal) = &query.owned_by {
        let p = filter.param(principal.clone());
        filter.and(format!(
            "(r.created_by = {p} OR r.id IN (SELECT o.resource_id FROM resource_owners o WHERE o.principal_id = {p}))"
        ));
    }
    filter
}

/// Keyset condition for "largest first, nulls last, ties by id" on a day-number column.
fn after_day_desc(filter: &mut Filter, column: &str, cursor: &Cursor, cursor_text: &str) -> Result<()> {
    let id = filter.param(cursor.id.clone());
    match &cursor.key {
        Some(key) => {
            let day = chrono::NaiveDate::parse_from_str(key, "%Y-%m-%d")
                .map_err(|_| StoreError::InvalidCursor(cursor_text.to_string()))?;
            let d = filter.param(day_number(day));
            filter.and(format!("({column} < {d} OR ({column} = {d} AND r.id > {id}) OR {column} IS NULL)"));
        }
        None => filter.and(format!("({column} IS NULL AND r.id > {id})")),
    }
    Ok(())
}

/// Keyset condition for a two-column order (kind or environment, then name), ties by id.
fn after_pair(filter: &mut Filter, column: &str, cursor: &Cursor, cursor_text: &str) -> Result<()> {
    let (first, second) = cursor.pair(cursor_text)?;
    let (a, b, id) = (filter.param(first), filter.param(second), filter.param(cursor.id.clone()));
    filter.and(format!("({column}, r.name_key, r.id) > ({a}, {b}, {id})"));
    Ok(())
}

/// Days since 1970-01-01, as `usage_spans` stores them.
fn day_number(day: chrono::NaiveDate) -> i64 {
    steward_store::usage::day_number(day)
}

pub(crate) async fn list_resources(store: &PostgresStore, query: &ResourceQuery) -> Result<Page<Resource>> {
    let limit = clamp_limit(query.limit);
    let cursor = decode_cursor(query.cursor.as_ref())?;
    let count_filter = resource_filter(query);
    let mut filter = resource_filter(query);
    if let (Some(cursor), Some(text)) = (&cursor, &query.cursor) {
        match query.sort {
            ResourceSort::Name => after_name(&mut filter, "r", cursor, text)?,
            ResourceSort::CreatedDesc => after_time_desc(&mut filter, "r.created_at", cursor, text)?,
            ResourceSort::ModifiedDesc => after_time_desc(&mut filter, "r.modified_at", cursor, text)?,
            ResourceSort::LastUsedDesc => after_day_desc(&mut filter, "u.last_day", cursor, text)?,
            ResourceSort::Kind => after_pair(&mut filter, "r.kind", cursor, text)?,
            ResourceSort::Environment => after_pair(&mut filter, "r.environment_id", cursor, text)?,
        }
    }
    let order = match query.sort {
        ResourceSort::Name => "r.name_key, r.id",
        ResourceSort::CreatedDesc => "r.created_at DESC NULLS LAST, r.id",
        ResourceSort::ModifiedDesc => "r.modified_at DESC NULLS LAST, r.id",
        ResourceSort::LastUsedDesc => "u.last_day DESC NULLS LAST, r.id",
        ResourceSort::Kind => "r.kind, r.name_key, r.id",
        ResourceSort::Environment => "r.environment_id, r.name_key, r.id",
    };
    let page_sql = format!(
        "SELECT {cols}, u.last_day AS last_day FROM resources r LEFT JOIN usage_spans u ON u.resource_id = r.id \
         WHERE {filter} ORDER BY {order} LIMIT {n}",
        cols = rows::RESOURCE_COLUMNS,
        filter = filter.sql(),
        n = limit + 1,
    );
    let count_sql = format!("SELECT count(*) AS total FROM resources r WHERE {}", count_filter.sql());
    let sort = query.sort;
    let found = page(
        store,
        ListSql { what: "resources", count_sql, count_filter, page_sql, page_filter: filter, limit },
        |row| {
            let last_day: Option<i64> = row.try_get("last_day").map_err(|e| corrupt("usage_spans.last_day", e))?;
            Ok((rows::resource(row)?, last_day))
        },
        |(r, last_day): &(Resource, Option<i64>)| {
            let key = match sort {
                ResourceSort::Name => Some(name_key(&r.display_name)),
                ResourceSort::CreatedDesc => time_key(r.created_at),
                ResourceSort::ModifiedDesc => time_key(r.modified_at),
                ResourceSort::LastUsedDesc => {
                    last_day.and_then(steward_store::usage::day_from_number).map(|d| d.format("%Y-%m-%d").to_string())
                }
                ResourceSort::Kind => Some(Cursor::pair_key(r.kind.as_str(), &name_key(&r.display_name))),
                ResourceSort::Environment => Some(Cursor::pair_key(&r.environment_id, &name_key(&r.display_name))),
            };
            Cursor { key, id: r.id.clone() }
        },
    )
    .await?;
    Ok(Page { items: found.items.into_iter().map(|(r, _)| r).collect(), total: found.total, next: found.next })
}

pub(crate) async fn get_resource(store: &PostgresStore, id: &str) -> Result<Option<Resource>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {} FROM resources r WHERE r.id = $1", rows::RESOURCE_COLUMNS);
    let context = format!("reading resource {id}");
    let statement = client.prepare_cached(&sql).await.map_err(db(&context))?;
    let found = client.query_opt(&statement, &[&id]).await.map_err(db(&context))?;
    found.as_ref().map(rows::resource).transpose()
}

fn principal_filter(query: &PrincipalQuery) -> Filter {
    let mut filter = Filter::default();
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
    if query.makers_only {
        filter.and(
            "EXISTS (SELECT 1 FROM resource_owners o JOIN resources r ON r.id = o.resource_id \
             WHERE o.principal_id = p.id AND r.deleted_at IS NULL)"
                .to_string(),
        );
    }
    filter
}

pub(crate) async fn list_principals(store: &PostgresStore, query: &PrincipalQuery) -> Result<Page<Principal>> {
    let limit = clamp_limit(query.limit);
    let cursor = decode_cursor(query.cursor.as_ref())?;
    let count_filter = principal_filter(query);
    let mut filter = principal_filter(query);
    if let (Some(cursor), Some(text)) = (&cursor, &query.cursor) {
        after_name(&mut filter, "p", cursor, text)?;
    }
    let page_sql = format!(
        "SELECT {cols} FROM principals p WHERE {filter} ORDER BY p.name_key, p.id LIMIT {n}",
        cols = rows::PRINCIPAL_COLUMNS,
        filter = filter.sql(),
        n = limit + 1,
    );
    let count_sql = format!("SELECT count(*) AS total FROM principals p WHERE {}", count_filter.sql());
    page(
        store,
        ListSql { what: "principals", count_sql, count_filter, page_sql, page_filter: filter, limit },
        rows::principal,
        |p: &Principal| Cursor { key: Some(name_key(&p.display_name)), id: p.id.clone() },
    )
    .await
}

pub(crate) async fn get_principal(store: &PostgresStore, id: &str) -> Result<Option<Principal>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {} FROM principals p WHERE p.id = $1", rows::PRINCIPAL_COLUMNS);
    let context = format!("reading principal {id}");
    let statement = client.prepare_cached(&sql).await.map_err(db(&context))?;
    let found = client.query_opt(&statement, &[&id]).await.map_err(db(&context))?;
    found.as_ref().map(rows::principal).transpose()
}

pub(crate) async fn list_connectors(store: &PostgresStore, tenant_id: Option<&str>) -> Result<Vec<Connector>> {
    let client = client(store.pool()).await?;
    let sql = format!(
        "SELECT {} FROM connectors WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY id",
        rows::CONNECTOR_COLUMNS
    );
    let found = client.query(&sql, &[&tenant_id]).await.map_err(db("listing connectors"))?;
    found.iter().map(rows::connector).collect()
}

pub(crate) async fn list_data_policies(store: &PostgresStore, tenant_id: Option<&str>) -> Result<Vec<DataPolicy>> {
    let client = client(store.pool()).await?;
    let sql = format!(
        "SELECT {} FROM data_policies WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY id",
        rows::DATA_POLICY_COLUMNS
    );
    let found = client.query(&sql, &[&tenant_id]).await.map_err(db("listing data policies"))?;
    found.iter().map(rows::data_policy).collect()
}

pub(crate) async fn overview(store: &PostgresStore, tenant_id: Option<&str>) -> Result<Overview> {
    let client = client(store.pool()).await?;
    let context = "computing the overview";
    let params: [&(dyn ToSql + Sync); 1] = [&tenant_id];

    let totals = client
        .query_one(
            "SELECT \
               (SELECT count(*) FROM tenants WHERE $1::text IS NULL OR id = $1) AS tenants, \
               (SELECT count(*) FROM environments WHERE deleted_at IS NULL AND ($1::text IS NULL OR tenant_id = $1)) \
                   AS environments, \
               (SELECT count(*) FROM resources WHERE deleted_at IS NULL AND ($1::text IS NULL OR tenant_id = $1)) \
                   AS resources, \
               (SELECT count(DISTINCT o.principal_id) FROM resource_owners o JOIN resources r ON r.id = o.resource_id \
                 WHERE r.deleted_at IS NULL AND ($1::text IS NULL OR r.tenant_id = $1)) AS makers, \
               (SELECT count(*) FROM principals WHERE deleted_at IS NULL AND ($1::text IS NULL OR tenant_id = $1)) \
                   AS principals, \
               (SELECT count(*) FROM resources r WHERE r.deleted_at IS NULL AND ($1::text IS NULL OR r.tenant_id = $1) \
                 AND EXISTS (SELECT 1 FROM resource_owners o WHERE o.resource_id = r.id) \
                 AND NOT EXISTS (SELECT 1 FROM resource_owners o LEFT JOIN principals p ON p.id = o.principal_id \
                   WHERE o.resource_id = r.id AND (p.id IS NULL OR (p.enabled AND p.deleted_at IS NULL)))) \
                   AS orphaned",
            &params,
        )
        .await
        .map_err(db(context))?;

    let (usage_events, active_users_30d) = crate::usage::overview_usage(&client, tenant_id).await?;

    let by_kind = client
        .query(
            "SELECT kind, count(*) AS n FROM resources \
             WHERE deleted_at IS NULL AND ($1::text IS NULL OR tenant_id = $1) \
             GROUP BY kind ORDER BY n DESC, kind",
            &params,
        )
        .await
        .map_err(db(context))?;
    let by_kind = by_kind
        .iter()
        .map(|row| {
            let kind: String = row.try_get("kind").map_err(|e| corrupt("resources.kind", e))?;
            Ok(KindCount {
                kind: kind.parse().map_err(|e| corrupt("resources.kind", e))?,
                count: rows::total(row, "n")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let top = client
        .query(
            "SELECT r.environment_id AS id, coalesce(min(e.display_name), r.environment_id) AS display_name, \
                    count(*) AS n \
             FROM resources r LEFT JOIN environments e ON e.id = r.environment_id \
             WHERE r.deleted_at IS NULL AND ($1::text IS NULL OR r.tenant_id = $1) \
             GROUP BY r.environment_id ORDER BY n DESC, r.environment_id LIMIT 20",
            &params,
        )
        .await
        .map_err(db(context))?;
    let top_environments = top
        .iter()
        .map(|row| {
            Ok(EnvironmentCount {
                id: row.try_get("id").map_err(|e| corrupt("environments.id", e))?,
                display_name: row.try_get("display_name").map_err(|e| corrupt("environments.display_name", e))?,
                count: rows::total(row, "n")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    Ok(Overview {
        tenants: rows::total(&totals, "tenants")?,
        environments: rows::total(&totals, "environments")?,
        resources: rows::total(&totals, "resources")?,
        by_kind,
        top_environments,
        makers: rows::total(&totals, "makers")?,
        principals: rows::total(&totals, "principals")?,
        orphaned_resources: rows::total(&totals, "orphaned")?,
        usage_events,
        active_users_30d,
    })
}

pub(crate) async fn get_governance(store: &PostgresStore, resource_id: &str) -> Result<Governance> {
    let client = client(store.pool()).await?;
    let found = client
        .query_opt("SELECT governance FROM resource_governance WHERE resource_id = $1", &[&resource_id])
        .await
        .map_err(db(format!("reading governance of resource {resource_id}")))?;
    let Some(row) = found else { return Ok(Governance::default()) };
    let value: serde_json::Value =
        row.try_get("governance").map_err(|e| corrupt(format!("governance of resource {resource_id}"), e))?;
    serde_json::from_value(value).map_err(|e| corrupt(format!("governance of resource {resource_id}"), e))
}

pub(crate) async fn list_governance(
    store: &PostgresStore,
    tenant_id: Option<&str>,
) -> Result<Vec<steward_model::ResourceGovernance>> {
    let client = client(store.pool()).await?;
    let rows = client
        .query(
            "SELECT g.resource_id, g.governance FROM resource_governance g JOIN resources r ON r.id = g.resource_id \
             WHERE $1::text IS NULL OR r.tenant_id = $1 ORDER BY g.resource_id",
            &[&tenant_id],
        )
        .await
        .map_err(db("listing governance".to_string()))?;
    rows.iter()
        .map(|row| {
            let resource_id: String = row.try_get(0).map_err(|e| corrupt("governance resource id".to_string(), e))?;
            let value: serde_json::Value =
                row.try_get(1).map_err(|e| corrupt(format!("governance of resource {resource_id}"), e))?;
            let governance = serde_json::from_value(value)
                .map_err(|e| corrupt(format!("governance of resource {resource_id}"), e))?;
            Ok(steward_model::ResourceGovernance { resource_id, governance })
        })
        .collect()
}

pub(crate) async fn set_governance(store: &PostgresStore, resource_id: &str, governance: &Governance) -> Result<()> {
    let client = client(store.pool()).await?;
    // One statement checks existence and writes, so a concurrent writer cannot slip between.
    let written = client
        .execute(
            "INSERT INTO resource_governance (resource_id, governance) \
             SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM resources WHERE id = $1) \
             ON CONFLICT (resource_id) DO UPDATE SET governance = EXCLUDED.governance, updated_at = now()",
            &[&resource_id, &tokio_postgres::types::Json(governance)],
        )
        .await
        .map_err(db(format!("writing governance of resource {resource_id}")))?;
    if written == 0 {
        return Err(StoreError::NotFound { what: "resource", id: resource_id.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_fold_case_beyond_ascii() {
        assert_eq!(name_key("Élan VITAL"), "élan vital");
    }
}
