//! Inventory reads: gets, filtered lists with keyset paging, governance and daily usage.

use crate::convert::{
    col, corrupt, count, date_to_number, day_from_number, enum_col, json_col, opt_enum_col, opt_timestamp,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use steward_model::ImpactLevel;
use steward_model::{
    Connector, DataPolicy, Environment, Governance, Page, Principal, Resource, ResourceGovernance, Tenant, Timestamp,
};
use steward_store::inventory::{ComplianceState, TierFilter};
use steward_store::{
    Cursor, EnvironmentQuery, EnvironmentSummary, PrincipalQuery, ResourceQuery, ResourceSort, StoreError, clamp_limit,
};

pub(crate) fn db(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

/// Run a query and convert every row with `convert`.
pub(crate) fn collect<T>(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    context: &'static str,
    convert: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db(context))?;
    let mut rows = stmt.query(params_from_iter(args.iter())).map_err(db(context))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db(context))? {
        out.push(convert(row)?);
    }
    Ok(out)
}

pub(crate) fn scalar(conn: &Connection, sql: &str, args: &[Value], context: &'static str) -> Result<i64, StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.query_row(params_from_iter(args.iter()), |r| r.get::<_, Option<i64>>(0)))
        .map(|v| v.unwrap_or(0))
        .map_err(db(context))
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn rfc3339(t: &Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

// ---- tenants, connectors, data policies -------------------------------------------------------

pub fn list_tenants(conn: &Connection) -> Result<Vec<Tenant>, StoreError> {
    collect(conn, "SELECT id, display_name, domain FROM tenants ORDER BY id", &[], "listing tenants", |r| {
        Ok(Tenant {
            id: col(r, 0, "tenants.id")?,
            display_name: col(r, 1, "tenants.display_name")?,
            domain: col(r, 2, "tenants.domain")?,
        })
    })
}

pub fn list_connectors(conn: &Connection, tenant: Option<&str>) -> Result<Vec<Connector>, StoreError> {
    let (filter, args) = match tenant {
        Some(t) => ("WHERE tenant_id = ?1", vec![text(t)]),
        None => ("", vec![]),
    };
    let sql = format!(
        "SELECT id, tenant_id, platform, display_name, tier, publisher, environment_id FROM connectors {filter} ORDER BY id"
    );
    collect(conn, &sql, &args, "listing connectors", |r| {
        Ok(Connector {
            id: col(r, 0, "connectors.id")?,
            tenant_id: col(r, 1, "connectors.tenant_id")?,
            platform: col(r, 2, "connectors.platform")?,
            display_name: col(r, 3, "connectors.display_name")?,
            tier: enum_col(r, 4, "connectors.tier")?,
            publisher: col(r, 5, "connectors.publisher")?,
            environment_id: col(r, 6, "connectors.environment_id")?,
        })
    })
}

pub fn list_data_policies(conn: &Connection, tenant: Option<&str>) -> Result<Vec<DataPolicy>, StoreError> {
    let (filter, args) = match tenant {
        Some(t) => ("WHERE tenant_id = ?1", vec![text(t)]),
        None => ("", vec![]),
    };
    let sql = format!(
        "SELECT id, tenant_id, platform, display_name, scope, default_classification, connector_groups, created_at, \
         modified_at FROM data_policies {filter} ORDER BY id"
    );
    let mut policies = collect(conn, &sql, &args, "listing data policies", |r| {
        Ok(DataPolicy {
            id: col(r, 0, "data_policies.id")?,
            tenant_id: col(r, 1, "data_policies.tenant_id")?,
            platform: col(r, 2, "data_policies.platform")?,
            display_name: col(r, 3, "data_policies.display_name")?,
            scope: enum_col(r, 4, "data_policies.scope")?,
            environment_ids: Vec::new(),
            default_classification: col(r, 5, "data_policies.default_classification")?,
            connector_groups: json_col(r, 6, "data_policies.connector_groups")?,
            created_at: opt_timestamp(col(r, 7, "data_policies.created_at")?, "data_policies.created_at")?,
            modified_at: opt_timestamp(col(r, 8, "data_policies.modified_at")?, "data_policies.modified_at")?,
        })
    })?;
    let mut stmt = conn
        .prepare_cached("SELECT environment_id FROM data_policy_environments WHERE policy_id = ?1 ORDER BY position")
        .map_err(db("reading data policy environments"))?;
    for policy in &mut policies {
        let mut rows = stmt.query([&policy.id]).map_err(db("reading data policy environments"))?;
        while let Some(row) = rows.next().map_err(db("reading data policy environments"))? {
            policy.environment_ids.push(col(row, 0, "data_policy_environments.environment_id")?);
        }
    }
    Ok(policies)
}

// ---- environments ------------------------------------------------------------------------------

const ENVIRONMENT_COLUMNS: &str = "e.id, e.tenant_id, e.platform, e.display_name, e.description, e.environment_type, \
    e.region, e.managed, e.has_dataverse, e.dataverse_url, e.environment_group, e.business_area, e.state, \
    e.created_at, e.modified_at, e.created_by, e.capacity, e.addons, e.deleted_at, e.name_key";

fn environment_row(r: &Row<'_>) -> Result<Environment, StoreError> {
    Ok(Environment {
        id: col(r, 0, "environments.id")?,
        tenant_id: col(r, 1, "environments.tenant_id")?,
        platform: col(r, 2, "environments.platform")?,
        display_name: col(r, 3, "environments.display_name")?,
        description: col(r, 4, "environments.description")?,
        environment_type: enum_col(r, 5, "environments.environment_type")?,
        region: col(r, 6, "environments.region")?,
        managed: col(r, 7, "environments.managed")?,
        has_dataverse: col(r, 8, "environments.has_dataverse")?,
        dataverse_url: col(r, 9, "environments.dataverse_url")?,
        environment_group: col(r, 10, "environments.environment_group")?,
        business_area: col(r, 11, "environments.business_area")?,
        state: col(r, 12, "environments.state")?,
        created_at: opt_timestamp(col(r, 13, "environments.created_at")?, "environments.created_at")?,
        modified_at: opt_timestamp(col(r, 14, "environments.modified_at")?, "environments.modified_at")?,
        created_by: col(r, 15, "environments.created_by")?,
        capacity: json_col(r, 16, "environments.capacity")?,
        addons: json_col(r, 17, "environments.addons")?,
        deleted_at: opt_timestamp(col(r, 18, "environments.deleted_at")?, "environments.deleted_at")?,
    })
}

pub fn get_environment(conn: &Connection, id: &str) -> Result<Option<Environment>, StoreError> {
    let sql = format!("SELECT {ENVIRONMENT_COLUMNS} FROM environments e WHERE e.id = ?1");
    Ok(collect(conn, &sql, &[text(id)], "reading an environment", environment_row)?.pop())
}

/// A name-ordered cursor: the key must be present.
pub(crate) fn name_cursor(text: &str) -> Result<(String, String), StoreError> {
    let cursor = Cursor::decode(text)?;
    let key = cursor.key.ok_or_else(|| StoreError::InvalidCursor(text.to_string()))?;
    Ok((key, cursor.id))
}

pub fn list_environments(conn: &Connection, query: &EnvironmentQuery) -> Result<Page<EnvironmentSummary>, StoreError> {
    let limit = clamp_limit(query.limit);
    let mut filters = Vec::new();
    let mut args = Vec::new();
    if !query.include_deleted {
        filters.push("e.deleted_at IS NULL".to_string());
    }
    if let Some(t) = &query.tenant {
        args.push(text(t));
        filters.push(format!("e.tenant_id = ?{}", args.len()));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        args.push(Value::Text(q.to_lowercase()));
        filters.push(format!("instr(e.name_key, ?{}) > 0", args.len()));
    }
    let total = scalar(
        conn,
        &format!("SELECT count(*) FROM environments e WHERE {}", where_clause(&filters)),
        &args,
        "counting environments",
    )?;
    if let Some(c) = &query.cursor {
        let (key, id) = name_cursor(c)?;
        args.push(Value::Text(key));
        args.push(Value::Text(id));
        filters.push(format!("(e.name_key, e.id) > (?{}, ?{})", args.len() - 1, args.len()));
    }
    let sql = format!(
        "SELECT {ENVIRONMENT_COLUMNS}, (SELECT count(*) FROM resources r WHERE r.environment_id = e.id AND r.deleted_at IS NULL) \
         FROM environments e WHERE {} ORDER BY e.name_key, e.id LIMIT {}",
        where_clause(&filters),
        limit + 1
    );
    let mut rows = collect(conn, &sql, &args, "listing environments", |r| {
        let name_key: String = col(r, 19, "environments.name_key")?;
        let resource_count: i64 = col(r, 20, "resource count")?;
        Ok((EnvironmentSummary { environment: environment_row(r)?, resource_count: count(resource_count) }, name_key))
    })?;
    let next = page_end(&mut rows, limit)
        .map(|(s, key)| Cursor { key: Some(key.clone()), id: s.environment.id.clone() }.encode());
    Ok(Page { items: rows.into_iter().map(|(s, _)| s).collect(), total: count(total), next })
}

pub(crate) fn where_clause(filters: &[String]) -> String {
    if filters.is_empty() { "1 = 1".to_string() } else { filters.join(" AND ") }
}

/// Trim the look-ahead row and return the last kept row when another page follows.
pub(crate) fn page_end<T>(rows: &mut Vec<T>, limit: u32) -> Option<&T> {
    if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
    } else {
        None
    }
}

// ---- principals --------------------------------------------------------------------------------

pub(crate) const PRINCIPAL_COLUMNS: &str = "p.id, p.tenant_id, p.kind, p.display_name, p.upn, p.department, p.country, \
    p.job_title, p.manager_id, p.enabled, p.deleted_at, p.name_key";

pub(crate) fn principal_row(r: &Row<'_>) -> Result<Principal, StoreError> {
    Ok(Principal {
        id: col(r, 0, "principals.id")?,
        tenant_id: col(r, 1, "principals.tenant_id")?,
        kind: enum_col(r, 2, "principals.kind")?,
        display_name: col(r, 3, "principals.display_name")?,
        upn: col(r, 4, "principals.upn")?,
        department: col(r, 5, "principals.department")?,
        country: col(r, 6, "principals.country")?,
        job_title: col(r, 7, "principals.job_title")?,
        manager_id: col(r, 8, "principals.manager_id")?,
        enabled: col(r, 9, "principals.enabled")?,
        deleted_at: opt_timestamp(col(r, 10, "principals.deleted_at")?, "principals.deleted_at")?,
    })
}

pub fn get_principal(conn: &Connection, id: &str) -> Result<Option<Principal>, StoreError> {
    let sql = format!("SELECT {PRINCIPAL_COLUMNS} FROM principals p WHERE p.id = ?1");
    Ok(collect(conn, &sql, &[text(id)], "reading a principal", principal_row)?.pop())
}

pub fn list_principals(conn: &Connection, query: &PrincipalQuery) -> Result<Page<Principal>, StoreError> {
    let limit = clamp_limit(query.limit);
    let mut filters = Vec::new();
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
    if query.makers_only {
        filters.push(
            "EXISTS (SELECT 1 FROM resource_owners o JOIN resources r ON r.rid = o.rid \
             WHERE o.principal_id = p.id AND r.deleted_at IS NULL)"
                .to_string(),
        );
    }
    let total = scalar(
        conn,
        &format!("SELECT count(*) FROM principals p WHERE {}", where_clause(&filters)),
        &args,
        "counting principals",
    )?;
    if let Some(c) = &query.cursor {
        let (key, id) = name_cursor(c)?;
        args.push(Value::Text(key));
        args.push(Value::Text(id));
        filters.push(format!("(p.name_key, p.id) > (?{}, ?{})", args.len() - 1, args.len()));
    }
    let sql = format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals p WHERE {} ORDER BY p.name_key, p.id LIMIT {}",
        where_clause(&filters),
        limit + 1
    );
    let mut rows = collect(conn, &sql, &args, "listing principals", |r| {
        Ok((principal_row(r)?, col::<String>(r, 11, "principals.name_key")?))
    })?;
    let next = page_end(&mut rows, limit).map(|(p, key)| Cursor { key: Some(key.clone()), id: p.id.clone() }.encode());
    Ok(Page { items: rows.into_iter().map(|(p, _)| p).collect(), total: count(total), next })
}

// ---- resources ---------------------------------------------------------------------------------

const RESOURCE_COLUMNS: &str = "r.id, r.tenant_id, r.environment_id, r.platform, r.kind, r.display_name, \
    d.description, r.state, r.created_at, r.modified_at, r.published_at, d.created_by, d.owners, d.sharing, \
    r.shared_users, r.shared_groups, r.shared_with_everyone, d.connection_references, d.solution_id, \
    r.quarantined, d.attributes, r.deleted_at, r.name_key";

/// Resources with their wide columns, read by rid (see `resource_details` in the schema).
const RESOURCE_FROM: &str = "resources r CROSS JOIN resource_details d ON d.rid = r.rid";

fn small_count(r: &Row<'_>, idx: usize, what: &str) -> Result<u32, StoreError> {
    let n: i64 = col(r, idx, what)?;
    u32::try_from(n).map_err(|_| corrupt(what, format!("{n} is out of range")))
}

fn resource_row(r: &Row<'_>) -> Result<Resource, StoreError> {
    Ok(Resource {
        id: col(r, 0, "resources.id")?,
        tenant_id: col(r, 1, "resources.tenant_id")?,
        environment_id: col(r, 2, "resources.environment_id")?,
        platform: col(r, 3, "resources.platform")?,
        kind: enum_col(r, 4, "resources.kind")?,
        display_name: col(r, 5, "resources.display_name")?,
        description: col(r, 6, "resource_details.description")?,
        state: enum_col(r, 7, "resources.state")?,
        created_at: opt_timestamp(col(r, 8, "resources.created_at")?, "resources.created_at")?,
        modified_at: opt_timestamp(col(r, 9, "resources.modified_at")?, "resources.modified_at")?,
        published_at: opt_timestamp(col(r, 10, "resources.published_at")?, "resources.published_at")?,
        created_by: col(r, 11, "resource_details.created_by")?,
        owners: json_col(r, 12, "resource_details.owners")?,
        sharing: json_col(r, 13, "resource_details.sharing")?,
        shared_users: small_count(r, 14, "resources.shared_users")?,
        shared_groups: small_count(r, 15, "resources.shared_groups")?,
        shared_with_everyone: col(r, 16, "resources.shared_with_everyone")?,
        connection_references: json_col(r, 17, "resource_details.connection_references")?,
        solution_id: col(r, 18, "resource_details.solution_id")?,
        quarantined: col(r, 19, "resources.quarantined")?,
        attributes: json_col(r, 20, "resource_details.attributes")?,
        deleted_at: opt_timestamp(col(r, 21, "resources.deleted_at")?, "resources.deleted_at")?,
    })
}

pub fn get_resource(conn: &Connection, id: &str) -> Result<Option<Resource>, StoreError> {
    let sql = format!("SELECT {RESOURCE_COLUMNS} FROM {RESOURCE_FROM} WHERE r.id = ?1");
    Ok(collect(conn, &sql, &[text(id)], "reading a resource", resource_row)?.pop())
}

/// The sort key columns of a resource order, before the `r.id` tie-breaker. Every order but the
/// last-used one walks an index (see the resources table for why dates are negated); the
/// last-used key comes from `usage_spans`, with never-used resources last.
fn sort_columns(sort: ResourceSort) -> &'static [&'static str] {
    match sort {
        ResourceSort::Name => &["r.name_key"],
        ResourceSort::CreatedDesc => &["r.created_sort"],
        ResourceSort::ModifiedDesc => &["r.modified_sort"],
        // Walked in two parts instead (see `last_used_page`); the key is the negated last day.
        ResourceSort::LastUsedDesc => &["-u.last_day"],
        ResourceSort::Kind => &["r.kind", "r.name_key"],
        ResourceSort::Environment => &["r.environment_id", "r.name_key"],
    }
}

/// The sort column values a cursor stands for.
fn resource_cursor(text: &str, sort: ResourceSort) -> Result<(Vec<Value>, String), StoreError> {
    let cursor = Cursor::decode(text)?;
    let invalid = || StoreError::InvalidCursor(text.to_string());
    let key = match (sort, cursor.key.as_deref()) {
        (ResourceSort::Name, Some(key)) => vec![text_value(key)],
        (ResourceSort::Kind | ResourceSort::Environment, Some(_)) => {
            let (first, second) = cursor.pair(text)?;
            vec![Value::Text(first), Value::Text(second)]
        }
        (ResourceSort::Name | ResourceSort::Kind | ResourceSort::Environment, None) => return Err(invalid()),
        (ResourceSort::CreatedDesc | ResourceSort::ModifiedDesc | ResourceSort::LastUsedDesc, None) => {
            vec![Value::Integer(i64::MAX)]
        }
        (ResourceSort::LastUsedDesc, Some(key)) => {
            let day = chrono::NaiveDate::parse_from_str(key, "%Y-%m-%d").map_err(|_| invalid())?;
            vec![Value::Integer(-date_to_number(day))]
        }
        (ResourceSort::CreatedDesc | ResourceSort::ModifiedDesc, Some(key)) => {
            let t = chrono::DateTime::parse_from_rfc3339(key).map_err(|_| invalid())?;
            vec![Value::Integer(-t.timestamp_millis())]
        }
    };
    Ok((key, cursor.id))
}

fn text_value(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The cursor key of the last row of a page: its sort column values as text.
fn resource_cursor_key(r: &Resource, name_key: &str, last_day: Option<i64>, sort: ResourceSort) -> Option<String> {
    match sort {
        ResourceSort::Name => Some(name_key.to_string()),
        ResourceSort::CreatedDesc => r.created_at.as_ref().map(rfc3339),
        ResourceSort::ModifiedDesc => r.modified_at.as_ref().map(rfc3339),
        ResourceSort::LastUsedDesc => {
            last_day.and_then(|d| day_from_number(d).ok()).map(|d| d.format("%Y-%m-%d").to_string())
        }
        ResourceSort::Kind => Some(Cursor::pair_key(r.kind.as_str(), name_key)),
        ResourceSort::Environment => Some(Cursor::pair_key(&r.environment_id, name_key)),
    }
}

/// One condition of a resource query. Conditions on other tables are memberships
/// (`column IN (subquery)`): SQLite can either drive the query from the subquery's rows (few
/// matches: look them up and sort them) or walk an index of `resources` and probe the
/// subquery's rows (many matches: the first page is found after a few rows). It prefers the
/// first whenever it can (it guesses a subquery returns 25 rows), and with two memberships on
/// `id` and `rid` it drives from both at once through `resources_by_id (id, rowid)`, probing
/// every pair (minutes at 100k resources). So a query lets at most one membership drive (the
/// one likely to match fewest, by `rank`) and hides the others behind a unary `+`; the page
/// query hides all of them once the count says many rows match ([`DRIVE_LIMIT`]).
enum Term {
    Plain(String),
    /// `column = value` on an indexed column of `resources` (kind, environment).
    Indexed {
        column: &'static str,
        value: String,
    },
    Member {
        column: &'static str,
        negated: bool,
        subquery: String,
        rank: u8,
    },
}

/// How a query may use the conditions' indexes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drive {
    /// The count, and a page with few matches: one membership may drive.
    One,
    /// A page with many matches: only the sort's own index drives; `keep` names the indexed
    /// columns whose index also walks in the sort's order.
    SortIndex { keep: &'static [&'static str] },
}

/// Above this many matches the first page is cheaper found by walking the sort index than by
/// sorting every match (about sqrt(51 x 100k); measured with tests/bench_inventory.rs).
const DRIVE_LIMIT: i64 = 5_000;

/// Memberships from this rank on usually match a large share of the estate (non-critical
/// resources, compliant ones, either licence tier): even a count is cheaper scanning the narrow
/// `resources_by_environment` index and probing their rows (SQLite keeps a Bloom filter of
/// them) than looking up each of their rows (two B-tree seeks each). The crossing is near a
/// sixth of the estate; measured back to back at 100k resources: 25k rows 40-70 ms scanning
/// against 60-165 ms driving, 6.5k rows 27-52 ms scanning against 13-24 ms driving.
const BROAD: u8 = 10;

fn render(terms: &[Term], drive: Drive) -> Vec<String> {
    let driver = match drive {
        Drive::One => terms
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match t {
                Term::Member { negated: false, rank, .. } if *rank < BROAD => Some((*rank, i)),
                _ => None,
            })
            .min()
            .map(|(_, i)| i),
        Drive::SortIndex { .. } => None,
    };
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            Term::Plain(sql) => sql.clone(),
            Term::Indexed { column, value } => {
                let hide = matches!(drive, Drive::SortIndex { keep } if !keep.contains(column));
                format!("{}{column} = {value}", if hide { "+" } else { "" })
            }
            Term::Member { column, negated, subquery, .. } => {
                let not = if *negated { "NOT " } else { "" };
                let plus = if *negated || driver == Some(i) { "" } else { "+" };
                format!("{plus}{column} {not}IN ({subquery})")
            }
        })
        .collect()
}

/// The indexed columns whose index walks in `sort`'s order once fixed by an equality
/// (`resources_by_kind` and `resources_by_environment` continue with name and id).
fn sort_keeps(sort: ResourceSort) -> &'static [&'static str] {
    match sort {
        ResourceSort::Kind => &["r.kind"],
        ResourceSort::Environment => &["r.environment_id"],
        ResourceSort::Name => &["r.kind", "r.environment_id"],
        ResourceSort::CreatedDesc | ResourceSort::ModifiedDesc | ResourceSort::LastUsedDesc => &[],
    }
}

/// The conditions of a resource query (without the cursor), pushing their arguments.
fn resource_filters(query: &ResourceQuery, args: &mut Vec<Value>) -> Vec<Term> {
    let mut terms = Vec::new();
    let arg = |args: &mut Vec<Value>, v: Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    let member = |column, rank, subquery: String| Term::Member { column, negated: false, subquery, rank };
    let not_member = |column, subquery: String| Term::Member { column, negated: true, subquery, rank: u8::MAX };
    if !query.include_deleted {
        terms.push(Term::Plain("r.deleted_at IS NULL".to_string()));
    }
    if let Some(t) = &query.tenant {
        terms.push(Term::Plain(format!("r.tenant_id = {}", arg(args, text(t)))));
    }
    if let Some(k) = query.kind {
        terms.push(Term::Indexed { column: "r.kind", value: arg(args, text(k.as_str())) });
    }
    if let Some(e) = &query.environment {
        terms.push(Term::Indexed { column: "r.environment_id", value: arg(args, text(e)) });
    }
    if let Some(owner) = &query.owner {
        let id = arg(args, text(owner));
        let upn = arg(args, Value::Text(owner.to_lowercase()));
        terms.push(member(
            "r.rid",
            1,
            format!(
                "SELECT o.rid FROM resource_owners o WHERE o.principal_id = {id} UNION SELECT o.rid FROM principals p \
                 JOIN resource_owners o ON o.principal_id = p.id WHERE p.upn_key = {upn}"
            ),
        ));
    }
    if let Some(q) = query.q.as_deref().filter(|q| !q.is_empty()) {
        terms.push(Term::Plain(format!("instr(r.name_key, {}) > 0", arg(args, Value::Text(q.to_lowercase())))));
    }
    if let Some(d) = &query.department {
        let d = arg(args, Value::Text(d.to_lowercase()));
        terms.push(member(
            "r.rid",
            5,
            format!(
                "SELECT o.rid FROM principals p JOIN resource_owners o ON o.principal_id = p.id \
                 WHERE p.department_key = {d}"
            ),
        ));
    }
    if let Some(c) = &query.connector {
        let c = arg(args, text(c));
        terms.push(member(
            "r.rid",
            4,
            format!("SELECT rc.rid FROM resource_connectors rc WHERE rc.connector_id = {c}"),
        ));
    }
    if let Some(tier) = query.tier {
        // CROSS JOIN: from the few premium connectors to their rows, not through every row.
        let premium = "SELECT rc.rid FROM connectors c CROSS JOIN resource_connectors rc ON rc.connector_id = c.id \
                       WHERE c.tier IN ('premium', 'custom')"
            .to_string();
        terms.push(match tier {
            TierFilter::Premium => member("r.rid", BROAD + 1, premium),
            TierFilter::Standard => not_member("r.rid", premium),
        });
    }
    if let Some(level) = query.criticality {
        // Most resources are non-critical; the critical and high ones are few.
        let rank = if level == ImpactLevel::NonCritical { BROAD } else { 7 };
        let c = arg(args, text(level.as_str()));
        terms.push(member(
            "r.id",
            rank,
            format!("SELECT s.resource_id FROM resource_status s WHERE s.criticality = {c}"),
        ));
    }
    match query.compliance {
        None => {}
        // NOT IN, not NOT EXISTS: the list is probed through a Bloom filter, where a correlated
        // lookup per row costs a B-tree seek (measured 150 against 240 ms at 100k resources).
        Some(ComplianceState::NotEvaluated) => {
            terms.push(not_member("r.id", "SELECT s.resource_id FROM resource_status s".to_string()))
        }
        Some(state) => {
            // Most evaluated resources are compliant; the violating and exempt ones are fewer.
            let rank = if state == ComplianceState::Compliant { BROAD } else { 6 };
            let state = arg(args, text(state.as_str()));
            terms.push(member(
                "r.id",
                rank,
                format!("SELECT s.resource_id FROM resource_status s WHERE s.compliance = {state}"),
            ));
        }
    }
    if let Some(stage) = query.stage {
        let stage = arg(args, text(stage.as_str()));
        terms.push(member("r.id", 2, format!("SELECT c.resource_id FROM catalog_items c WHERE c.stage = {stage}")));
    }
    if let Some(day) = query.unused_since {
        let day = arg(args, Value::Integer(date_to_number(day)));
        terms.push(not_member("r.id", format!("SELECT u.resource_id FROM usage_spans u WHERE u.last_day >= {day}")));
    }
    if let Some(day) = query.used_since {
        let day = arg(args, Value::Integer(date_to_number(day)));
        terms.push(member("r.id", 3, format!("SELECT u.resource_id FROM usage_spans u WHERE u.last_day >= {day}")));
    }
    if let Some(p) = &query.owned_by {
        let p = arg(args, text(p));
        terms.push(member(
            "r.rid",
            0,
            format!(
                "SELECT o.rid FROM resource_owners o WHERE o.principal_id = {p} \
                 UNION SELECT d.rid FROM resource_details d WHERE d.created_by = {p}"
            ),
        ));
    }
    terms
}

/// One page of resources chosen on `resources` alone (and `usage_spans` for the last-used
/// order), then joined with its details: a filter without an index in sort order sorts the
/// narrow rows of every match, and only the rows returned pay a lookup of their wide columns.
/// CROSS JOIN keeps that order.
/// `order` sorts the inner query; `outer` the same rows in the outer one, where only `r` (the
/// chosen rows) and the selected columns are in scope.
struct Order<'a> {
    inner: &'a str,
    outer: &'a str,
}

fn resource_page(
    conn: &Connection,
    from: &str,
    filters: &[String],
    order: Order<'_>,
    limit: u32,
    args: &[Value],
) -> Result<Vec<(Resource, String, Option<i64>)>, StoreError> {
    let sql = format!(
        "SELECT {RESOURCE_COLUMNS}, (SELECT u.last_day FROM usage_spans u WHERE u.resource_id = r.id) AS last_day \
         FROM (SELECT r.* FROM {from} WHERE {} ORDER BY {} LIMIT {limit}) r \
         CROSS JOIN resource_details d ON d.rid = r.rid ORDER BY {}",
        where_clause(filters),
        order.inner,
        order.outer,
    );
    collect(conn, &sql, args, "listing resources", |r| {
        Ok((
            resource_row(r)?,
            col::<String>(r, 22, "resources.name_key")?,
            col::<Option<i64>>(r, 23, "usage_spans.last_day")?,
        ))
    })
}

pub fn list_resources(conn: &Connection, query: &ResourceQuery) -> Result<Page<Resource>, StoreError> {
    let limit = clamp_limit(query.limit);
    let mut args = Vec::new();
    let terms = resource_filters(query, &mut args);
    let total = scalar(
        conn,
        &format!("SELECT count(*) FROM resources r WHERE {}", where_clause(&render(&terms, Drive::One))),
        &args,
        "counting resources",
    )?;
    let drive = if total > DRIVE_LIMIT { Drive::SortIndex { keep: sort_keeps(query.sort) } } else { Drive::One };
    let mut filters = render(&terms, drive);
    let cursor = query.cursor.as_deref().map(|c| resource_cursor(c, query.sort)).transpose()?;
    let mut rows = if query.sort == ResourceSort::LastUsedDesc {
        last_used_page(conn, filters, args, cursor, limit)?
    } else {
        let columns = sort_columns(query.sort);
        let order = format!("{}, r.id", columns.join(", "));
        if let Some((key, id)) = cursor {
            let first = args.len() + 1;
            args.extend(key);
            args.push(Value::Text(id));
            let placeholders: Vec<String> = (first..=args.len()).map(|n| format!("?{n}")).collect();
            filters.push(format!("({order}) > ({})", placeholders.join(", ")));
        }
        resource_page(conn, "resources r", &filters, Order { inner: &order, outer: &order }, limit + 1, &args)?
    };
    let next = page_end(&mut rows, limit).map(|(r, name_key, last_day)| {
        Cursor { key: resource_cursor_key(r, name_key, *last_day, query.sort), id: r.id.clone() }.encode()
    });
    Ok(Page { items: rows.into_iter().map(|(r, _, _)| r).collect(), total: count(total), next })
}

/// The last-used order in two walks, each along an index: the used resources by their last day
/// (newest first; `usage_spans_by_last_day`), then the never used ones by id. A cursor in the
/// second part (no key) skips the first.
fn last_used_page(
    conn: &Connection,
    filters: Vec<String>,
    args: Vec<Value>,
    cursor: Option<(Vec<Value>, String)>,
    limit: u32,
) -> Result<Vec<(Resource, String, Option<i64>)>, StoreError> {
    let want = limit + 1;
    // The cursor's key is the negated last day, or i64::MAX for a never-used resource.
    let after = cursor.map(|(key, id)| (key.into_iter().next(), id));
    let in_never_part = matches!(&after, Some((Some(Value::Integer(i64::MAX)), _)));
    let mut rows = Vec::new();
    if !in_never_part {
        let mut used_filters = filters.clone();
        let mut used_args = args.clone();
        if let Some((Some(key), id)) = &after {
            used_args.push(key.clone());
            used_args.push(Value::Text(id.clone()));
            let (k, i) = (used_args.len() - 1, used_args.len());
            // The first term lets the index start at the cursor's day; the second is exact.
            used_filters.push(format!("u.last_day <= -?{k} AND (-u.last_day, r.id) > (?{k}, ?{i})"));
        }
        rows = resource_page(
            conn,
            "usage_spans u CROSS JOIN resources r ON r.id = u.resource_id",
            &used_filters,
            Order { inner: "u.last_day DESC, r.id", outer: "last_day DESC, r.id" },
            want,
            &used_args,
        )?;
    }
    if rows.len() < want as usize {
        let mut never_filters = filters;
        let mut never_args = args;
        never_filters.push("r.id NOT IN (SELECT u.resource_id FROM usage_spans u)".to_string());
        if let (true, Some((_, id))) = (in_never_part, &after) {
            never_args.push(Value::Text(id.clone()));
            never_filters.push(format!("r.id > ?{}", never_args.len()));
        }
        let rest = want - rows.len() as u32;
        let order = Order { inner: "r.id", outer: "r.id" };
        rows.extend(resource_page(conn, "resources r", &never_filters, order, rest, &never_args)?);
    }
    Ok(rows)
}

// ---- governance and usage ----------------------------------------------------------------------

const GOVERNANCE_COLUMNS: &str = "g.business_impact, g.criticality, g.support_tier, g.lifecycle_stage, g.cost_centre, \
     g.catalog_state, g.justification, g.mitigation_plan, g.handover_done, g.knowledge_transfer_done";

fn governance_row(r: &Row<'_>) -> Result<Governance, StoreError> {
    Ok(Governance {
        business_impact: opt_enum_col(r, 0, "resource_governance.business_impact")?,
        criticality: opt_enum_col(r, 1, "resource_governance.criticality")?,
        support_tier: opt_enum_col(r, 2, "resource_governance.support_tier")?,
        lifecycle_stage: opt_enum_col(r, 3, "resource_governance.lifecycle_stage")?,
        cost_centre: col(r, 4, "resource_governance.cost_centre")?,
        catalog_state: opt_enum_col(r, 5, "resource_governance.catalog_state")?,
        justification: col(r, 6, "resource_governance.justification")?,
        mitigation_plan: col(r, 7, "resource_governance.mitigation_plan")?,
        handover_done: col(r, 8, "resource_governance.handover_done")?,
        knowledge_transfer_done: col(r, 9, "resource_governance.knowledge_transfer_done")?,
    })
}

pub fn get_governance(conn: &Connection, resource_id: &str) -> Result<Governance, StoreError> {
    let sql = format!("SELECT {GOVERNANCE_COLUMNS} FROM resource_governance g WHERE g.resource_id = ?1");
    let found = collect(conn, &sql, &[text(resource_id)], "reading governance", governance_row)?;
    Ok(found.into_iter().next().unwrap_or_default())
}

pub fn list_governance(conn: &Connection, tenant_id: Option<&str>) -> Result<Vec<ResourceGovernance>, StoreError> {
    let (filter, args) = match tenant_id {
        Some(t) => ("WHERE r.tenant_id = ?1", vec![text(t)]),
        None => ("", vec![]),
    };
    let sql = format!(
        "SELECT {GOVERNANCE_COLUMNS}, g.resource_id FROM resource_governance g \
         JOIN resources r ON r.id = g.resource_id {filter} ORDER BY g.resource_id"
    );
    collect(conn, &sql, &args, "listing governance", |r| {
        Ok(ResourceGovernance {
            resource_id: col(r, 10, "resource_governance.resource_id")?,
            governance: governance_row(r)?,
        })
    })
}

pub fn set_governance(conn: &Connection, resource_id: &str, g: &Governance, now: i64) -> Result<(), StoreError> {
    let exists: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM resources WHERE id = ?1")
        .and_then(|mut s| s.query_row([resource_id], |r| r.get(0)).optional())
        .map_err(db("checking that the resource exists"))?;
    if exists.is_none() {
        return Err(StoreError::NotFound { what: "resource", id: resource_id.to_string() });
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO resource_governance (resource_id, business_impact, criticality, support_tier, \
         lifecycle_stage, cost_centre, catalog_state, justification, mitigation_plan, handover_done, \
         knowledge_transfer_done, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .and_then(|mut s| {
        s.execute(params![
            resource_id,
            g.business_impact.map(|v| v.as_str()),
            g.criticality.map(|v| v.as_str()),
            g.support_tier.map(|v| v.as_str()),
            g.lifecycle_stage.map(|v| v.as_str()),
            g.cost_centre,
            g.catalog_state.map(|v| v.as_str()),
            g.justification,
            g.mitigation_plan,
            g.handover_done,
            g.knowledge_transfer_done,
            now,
        ])
    })
    .map_err(db("writing governance"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(column: &'static str, rank: u8) -> Term {
        Term::Member { column, negated: false, subquery: format!("S{rank}"), rank }
    }

    #[test]
    fn at_most_one_membership_drives_and_none_on_a_busy_page() {
        let terms = vec![
            Term::Indexed { column: "r.kind", value: "?1".into() },
            member("r.id", 7),
            member("r.rid", 2),
            Term::Member { column: "r.rid", negated: true, subquery: "N".into(), rank: u8::MAX },
        ];
        assert_eq!(render(&terms, Drive::One), ["r.kind = ?1", "+r.id IN (S7)", "r.rid IN (S2)", "r.rid NOT IN (N)"]);
        assert_eq!(
            render(&terms, Drive::SortIndex { keep: &[] }),
            ["+r.kind = ?1", "+r.id IN (S7)", "+r.rid IN (S2)", "r.rid NOT IN (N)"]
        );
        assert_eq!(render(&terms, Drive::SortIndex { keep: sort_keeps(ResourceSort::Kind) })[0], "r.kind = ?1");
    }
}
