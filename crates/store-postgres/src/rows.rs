//! Reading database rows back into the model. Each reader names the columns it expects in one
//! constant so that queries select exactly what the reader takes.

use crate::error::corrupt;
use serde::de::DeserializeOwned;
use std::str::FromStr;
use steward_model::{Connector, DataPolicy, Environment, Principal, Resource, Tenant, Timestamp};
use steward_store::Result;
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

fn get<'a, T: FromSql<'a>>(row: &'a Row, column: &str, table: &str) -> Result<T> {
    row.try_get(column).map_err(|e| corrupt(format!("{table}.{column}"), e))
}

fn parse<T: FromStr>(row: &Row, column: &str, table: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = get(row, column, table)?;
    text.parse().map_err(|e| corrupt(format!("{table}.{column}"), e))
}

fn json<T: DeserializeOwned>(row: &Row, column: &str, table: &str) -> Result<T> {
    let value: serde_json::Value = get(row, column, table)?;
    serde_json::from_value(value).map_err(|e| corrupt(format!("{table}.{column}"), e))
}

fn count(row: &Row, column: &str, table: &str) -> Result<u64> {
    let n: i64 = get(row, column, table)?;
    u64::try_from(n).map_err(|e| corrupt(format!("{table}.{column}"), e))
}

pub(crate) const TENANT_COLUMNS: &str = "id, display_name, domain";

pub(crate) fn tenant(row: &Row) -> Result<Tenant> {
    let t = "tenants";
    Ok(Tenant { id: get(row, "id", t)?, display_name: get(row, "display_name", t)?, domain: get(row, "domain", t)? })
}

pub(crate) const ENVIRONMENT_COLUMNS: &str = "e.id, e.tenant_id, e.platform, e.display_name, e.description, \
     e.environment_type, e.region, e.managed, e.has_dataverse, e.dataverse_url, e.environment_group, \
     e.business_area, e.state, e.created_at, e.modified_at, e.created_by, e.capacity, e.addons, e.deleted_at";

pub(crate) fn environment(row: &Row) -> Result<Environment> {
    let t = "environments";
    Ok(Environment {
        id: get(row, "id", t)?,
        tenant_id: get(row, "tenant_id", t)?,
        platform: get(row, "platform", t)?,
        display_name: get(row, "display_name", t)?,
        description: get(row, "description", t)?,
        environment_type: parse(row, "environment_type", t)?,
        region: get(row, "region", t)?,
        managed: get(row, "managed", t)?,
        has_dataverse: get(row, "has_dataverse", t)?,
        dataverse_url: get(row, "dataverse_url", t)?,
        environment_group: get(row, "environment_group", t)?,
        business_area: get(row, "business_area", t)?,
        state: get(row, "state", t)?,
        created_at: get::<Option<Timestamp>>(row, "created_at", t)?,
        modified_at: get::<Option<Timestamp>>(row, "modified_at", t)?,
        created_by: get(row, "created_by", t)?,
        capacity: json(row, "capacity", t)?,
        addons: json(row, "addons", t)?,
        deleted_at: get::<Option<Timestamp>>(row, "deleted_at", t)?,
    })
}

pub(crate) const CONNECTOR_COLUMNS: &str = "id, tenant_id, platform, display_name, tier, publisher, environment_id";

pub(crate) fn connector(row: &Row) -> Result<Connector> {
    let t = "connectors";
    Ok(Connector {
        id: get(row, "id", t)?,
        tenant_id: get(row, "tenant_id", t)?,
        platform: get(row, "platform", t)?,
        display_name: get(row, "display_name", t)?,
        tier: parse(row, "tier", t)?,
        publisher: get(row, "publisher", t)?,
        environment_id: get(row, "environment_id", t)?,
    })
}

pub(crate) const DATA_POLICY_COLUMNS: &str = "id, tenant_id, platform, display_name, scope, environment_ids, \
     default_classification, connector_groups, created_at, modified_at";

pub(crate) fn data_policy(row: &Row) -> Result<DataPolicy> {
    let t = "data_policies";
    Ok(DataPolicy {
        id: get(row, "id", t)?,
        tenant_id: get(row, "tenant_id", t)?,
        platform: get(row, "platform", t)?,
        display_name: get(row, "display_name", t)?,
        scope: parse(row, "scope", t)?,
        environment_ids: json(row, "environment_ids", t)?,
        default_classification: get(row, "default_classification", t)?,
        connector_groups: json(row, "connector_groups", t)?,
        created_at: get::<Option<Timestamp>>(row, "created_at", t)?,
        modified_at: get::<Option<Timestamp>>(row, "modified_at", t)?,
    })
}

pub(crate) const PRINCIPAL_COLUMNS: &str = "p.id, p.tenant_id, p.kind, p.display_name, p.upn, p.department, \
     p.country, p.job_title, p.manager_id, p.enabled, p.deleted_at";

pub(crate) fn principal(row: &Row) -> Result<Principal> {
    let t = "principals";
    Ok(Principal {
        id: get(row, "id", t)?,
        tenant_id: get(row, "tenant_id", t)?,
        kind: parse(row, "kind", t)?,
        display_name: get(row, "display_name", t)?,
        upn: get(row, "upn", t)?,
        department: get(row, "department", t)?,
        country: get(row, "country", t)?,
        job_title: get(row, "job_title", t)?,
        manager_id: get(row, "manager_id", t)?,
        enabled: get(row, "enabled", t)?,
        deleted_at: get::<Option<Timestamp>>(row, "deleted_at", t)?,
    })
}

pub(crate) const RESOURCE_COLUMNS: &str = "r.id, r.tenant_id, r.environment_id, r.platform, r.kind, \
     r.display_name, r.description, r.state, r.created_at, r.modified_at, r.published_at, r.created_by, \
     r.owners, r.sharing, r.shared_users, r.shared_groups, r.shared_with_everyone, r.connection_references, \
     r.solution_id, r.quarantined, r.attributes, r.deleted_at";

pub(crate) fn resource(row: &Row) -> Result<Resource> {
    let t = "resources";
    let small = |column: &str| -> Result<u32> {
        let n: i64 = get(row, column, t)?;
        u32::try_from(n).map_err(|e| corrupt(format!("{t}.{column}"), e))
    };
    Ok(Resource {
        id: get(row, "id", t)?,
        tenant_id: get(row, "tenant_id", t)?,
        environment_id: get(row, "environment_id", t)?,
        platform: get(row, "platform", t)?,
        kind: parse(row, "kind", t)?,
        display_name: get(row, "display_name", t)?,
        description: get(row, "description", t)?,
        state: parse(row, "state", t)?,
        created_at: get::<Option<Timestamp>>(row, "created_at", t)?,
        modified_at: get::<Option<Timestamp>>(row, "modified_at", t)?,
        published_at: get::<Option<Timestamp>>(row, "published_at", t)?,
        created_by: get(row, "created_by", t)?,
        owners: json(row, "owners", t)?,
        sharing: json(row, "sharing", t)?,
        shared_users: small("shared_users")?,
        shared_groups: small("shared_groups")?,
        shared_with_everyone: get(row, "shared_with_everyone", t)?,
        connection_references: json(row, "connection_references", t)?,
        solution_id: get(row, "solution_id", t)?,
        quarantined: get(row, "quarantined", t)?,
        attributes: json(row, "attributes", t)?,
        deleted_at: get::<Option<Timestamp>>(row, "deleted_at", t)?,
    })
}

/// A `count(*)`-like column as u64.
pub(crate) fn total(row: &Row, column: &str) -> Result<u64> {
    count(row, column, "query result")
}
