//! Headline figures for dashboards.

use crate::convert::count;
use crate::read::{collect, scalar};
use rusqlite::Connection;
use rusqlite::types::Value;
use steward_model::ResourceKind;
use steward_store::{EnvironmentCount, KindCount, Overview, StoreError};

pub fn overview(conn: &Connection, tenant: Option<&str>) -> Result<Overview, StoreError> {
    let args: Vec<Value> = tenant.map(|t| Value::Text(t.to_string())).into_iter().collect();
    // `and` restricts a query with a WHERE clause to the tenant; every query binds the tenant as ?1.
    let and = |column: &str| if tenant.is_some() { format!("AND {column} = ?1") } else { String::new() };

    let tenants =
        scalar(conn, &format!("SELECT count(*) FROM tenants WHERE 1 = 1 {}", and("id")), &args, "counting tenants")?;
    let environments = scalar(
        conn,
        &format!("SELECT count(*) FROM environments WHERE deleted_at IS NULL {}", and("tenant_id")),
        &args,
        "counting environments",
    )?;
    let mut by_kind = collect(
        conn,
        &format!("SELECT kind, count(*) FROM resources WHERE deleted_at IS NULL {} GROUP BY kind", and("tenant_id")),
        &args,
        "counting resources by kind",
        |r| {
            let kind: ResourceKind = crate::convert::enum_col(r, 0, "resources.kind")?;
            let n: i64 = crate::convert::col(r, 1, "resource count")?;
            Ok(KindCount { kind, count: count(n) })
        },
    )?;
    by_kind.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.as_str().cmp(b.kind.as_str())));
    let resources = by_kind.iter().map(|k| k.count).sum();
    let top_environments = collect(
        conn,
        &format!(
            "SELECT x.environment_id, coalesce(e.display_name, x.environment_id), x.n FROM \
             (SELECT environment_id, count(*) AS n FROM resources WHERE deleted_at IS NULL {} \
              GROUP BY environment_id ORDER BY n DESC, environment_id LIMIT 20) x \
             LEFT JOIN environments e ON e.id = x.environment_id ORDER BY x.n DESC, x.environment_id",
            and("tenant_id")
        ),
        &args,
        "counting resources by environment",
        |r| {
            let n: i64 = crate::convert::col(r, 2, "resource count")?;
            Ok(EnvironmentCount {
                id: crate::convert::col(r, 0, "resources.environment_id")?,
                display_name: crate::convert::col(r, 1, "environments.display_name")?,
                count: count(n),
            })
        },
    )?;
    let makers = scalar(
        conn,
        &format!(
            "SELECT count(DISTINCT o.principal_id) FROM resource_owners o JOIN resources r ON r.rid = o.rid \
             WHERE r.deleted_at IS NULL {}",
            and("r.tenant_id")
        ),
        &args,
        "counting makers",
    )?;
    let principals = scalar(
        conn,
        &format!("SELECT count(*) FROM principals WHERE deleted_at IS NULL {}", and("tenant_id")),
        &args,
        "counting principals",
    )?;
    // Start from the leavers (few) rather than from every resource (many): a resource is orphaned
    // when a leaver owns it and no owner is anything but a known leaver.
    let orphaned_resources = scalar(
        conn,
        &format!(
            "SELECT count(DISTINCT r.rid) FROM principals p \
             JOIN resource_owners o ON o.principal_id = p.id \
             JOIN resources r ON r.rid = o.rid \
             WHERE (p.enabled = 0 OR p.deleted_at IS NOT NULL) AND r.deleted_at IS NULL {} \
             AND NOT EXISTS (SELECT 1 FROM resource_details d, json_each(d.owners) j \
                             LEFT JOIN principals p2 ON p2.id = j.value ->> '$.principal_id' \
                             WHERE d.rid = r.rid AND (p2.id IS NULL OR (p2.enabled = 1 AND p2.deleted_at IS NULL)))",
            and("r.tenant_id")
        ),
        &args,
        "counting orphaned resources",
    )?;
    let usage_events = scalar(
        conn,
        &format!("SELECT coalesce(sum(records), 0) FROM usage_ledger WHERE 1 = 1 {}", and("tenant_id")),
        &args,
        "counting usage records",
    )?;
    let active_users_30d = crate::usage::active_users_30d(conn, tenant)? as i64;
    Ok(Overview {
        tenants: count(tenants),
        environments: count(environments),
        resources,
        by_kind,
        top_environments,
        makers: count(makers),
        principals: count(principals),
        orphaned_resources: count(orphaned_resources),
        usage_events: count(usage_events),
        active_users_30d: count(active_users_30d),
    })
}
