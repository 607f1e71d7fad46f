//! The ingest transaction: batched, prepared `INSERT … SELECT FROM UNNEST(…)` upserts.
//!
//! Per batch: one small read of the stored content hashes drops rows that did not change (the
//! common case of a re-sync) before they are serialised and sent; one statement then writes the
//! rest. `ON CONFLICT … DO UPDATE … WHERE content_hash IS DISTINCT FROM` still guards against a
//! concurrent writer, and `RETURNING (xmax = 0)` tells a fresh insert (no previous row version)
//! from an update, so added / changed / unchanged are exact.

use crate::error::{client, db};
use async_trait::async_trait;
use deadpool_postgres::{Object, Pool};
use std::collections::{HashMap, HashSet};
use steward_model::{Connector, DataPolicy, Environment, License, LicenseAssignment, Principal, Resource, Tenant};
use steward_store::usage::{DayLedger, ResourceScopes, UsageDelta};
use steward_store::{Deletions, IngestTx, ListingScope, Result, StoreError, UpsertCounts, content_hash};
use tokio_postgres::types::{Json, ToSql};

/// Rows per statement. Large enough that round trips vanish against the work, small enough
/// that one statement's parameter arrays stay a few megabytes.
const BATCH: usize = 2000;

pub(crate) struct PgIngestTx {
    /// `None` once committed or rolled back.
    client: Option<Object>,
    /// The first write that failed. PostgreSQL has aborted the transaction by then, and would
    /// answer a later COMMIT with a silent ROLLBACK, so every later call reports this instead.
    failed: Option<String>,
}

const CLOSED: &str = "it was already committed or rolled back; start a new one with begin_ingest";

impl PgIngestTx {
    pub(crate) async fn begin(pool: &Pool) -> Result<PgIngestTx> {
        let client = client(pool).await?;
        client.batch_execute("BEGIN").await.map_err(db("starting an ingest transaction"))?;
        Ok(PgIngestTx { client: Some(client), failed: None })
    }

    fn client(&self) -> Result<&Object> {
        if let Some(failed) = &self.failed {
            return Err(StoreError::Closed(format!(
                "an earlier write in it failed ({failed}), so nothing of it can be committed; \
                 roll back and run the import again"
            )));
        }
        self.client.as_ref().ok_or_else(|| StoreError::Closed(CLOSED.into()))
    }

    /// Remember a failed write so that the transaction refuses to commit.
    fn note<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result
            && self.failed.is_none()
        {
            self.failed = Some(e.to_string());
        }
        result
    }

    /// Finish with COMMIT or ROLLBACK. A connection whose ending failed is not trusted back
    /// into the pool: it is detached, and closing it makes the server roll back.
    async fn finish(&mut self, sql: &str, context: &str) -> Result<()> {
        let client = self.client.take().ok_or_else(|| StoreError::Closed(CLOSED.into()))?;
        match client.batch_execute(sql).await {
            Ok(()) => Ok(()),
            Err(e) => {
                drop(Object::take(client));
                Err(StoreError::backend(context, e))
            }
        }
    }
}

impl Drop for PgIngestTx {
    fn drop(&mut self) {
        // Dropped without commit: the pool must not hand out a connection inside an open
        // transaction, and Drop cannot await a ROLLBACK. Closing the connection rolls back.
        if let Some(client) = self.client.take() {
            drop(Object::take(client));
        }
    }
}

/// Split into batches of at most `BATCH` rows in which no id repeats, so that a repeated id
/// is handled by a later statement exactly as if the rows had been written one by one
/// (PostgreSQL refuses to update one row twice in one statement).
fn batches<T>(items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for item in items {
        if current.len() >= BATCH || seen.contains(id(&item)) {
            out.push(std::mem::take(&mut current));
            seen.clear();
        }
        seen.insert(id(&item).to_string());
        current.push(item);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `INSERT INTO table … SELECT * FROM UNNEST($1::type[], …) ON CONFLICT (id) DO UPDATE` over
/// the given columns plus content_hash, updating only rows whose hash differs.
fn upsert_sql(table: &str, columns: &[(&str, &str)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let unnest: Vec<String> = columns.iter().enumerate().map(|(i, (_, ty))| format!("${}::{ty}[]", i + 1)).collect();
    let hash_param = columns.len() + 1;
    let updates: Vec<String> = names.iter().filter(|n| **n != "id").map(|n| format!("{n} = EXCLUDED.{n}")).collect();
    format!(
        "INSERT INTO {table} AS t ({cols}, content_hash) \
         SELECT * FROM UNNEST({unnest}, ${hash_param}::text[]) \
         ON CONFLICT (id) DO UPDATE SET {updates}, content_hash = EXCLUDED.content_hash, last_seen = now() \
         WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash \
         RETURNING t.id, (t.xmax = 0) AS inserted",
        cols = names.join(", "),
        unnest = unnest.join(", "),
        updates = updates.join(", "),
    )
}

/// What one upsert statement did: counts, and the ids it wrote (added or changed) with
/// whether they were fresh inserts.
struct Written {
    counts: UpsertCounts,
    changed_ids: Vec<String>,
    written_ids: HashSet<String>,
}

async fn run_upsert(
    client: &Object,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    rows: usize,
    what: &str,
) -> Result<Written> {
    let context = format!("upserting {rows} {what}");
    let statement = client.prepare_cached(sql).await.map_err(db(&context))?;
    let returned = client.query(&statement, params).await.map_err(db(&context))?;
    let mut written = Written { counts: UpsertCounts::default(), changed_ids: Vec::new(), written_ids: HashSet::new() };
    for row in returned {
        let id: String = row.try_get(0).map_err(db(&context))?;
        let inserted: bool = row.try_get(1).map_err(db(&context))?;
        if inserted {
            written.counts.added += 1;
        } else {
            written.counts.changed += 1;
            written.changed_ids.push(id.clone());
        }
        written.written_ids.insert(id);
    }
    let returned = written.counts.added + written.counts.changed;
    written.counts.unchanged = (rows as u64).saturating_sub(returned);
    Ok(written)
}

/// Drop the rows whose stored content hash already equals theirs, before anything is sent:
/// a re-sync of mostly unchanged data then costs one small read per batch instead of shipping
/// every record and locking every row. Returns the rows left, their hashes, and how many were
/// dropped. The upsert keeps its own hash guard, so a concurrent writer cannot make this wrong.
async fn changed_only<T: serde::Serialize>(
    client: &Object,
    table: &str,
    batch: Vec<T>,
    id: impl Fn(&T) -> &str,
) -> Result<(Vec<T>, Vec<String>, u64)> {
    let context = format!("reading stored content hashes of {table}");
    let ids: Vec<&str> = batch.iter().map(&id).collect();
    let sql = format!("SELECT id, content_hash FROM {table} WHERE id = ANY($1::text[])");
    let statement = client.prepare_cached(&sql).await.map_err(db(&context))?;
    let rows = client.query(&statement, &[&ids]).await.map_err(db(&context))?;
    let mut stored: HashMap<String, String> = HashMap::with_capacity(rows.len());
    for row in rows {
        stored.insert(row.try_get(0).map_err(db(&context))?, row.try_get(1).map_err(db(&context))?);
    }
    let (mut kept, mut hashes, mut skipped) = (Vec::with_capacity(batch.len()), Vec::with_capacity(batch.len()), 0);
    for item in batch {
        let hash = content_hash(&item);
        if stored.get(id(&item)) == Some(&hash) {
            skipped += 1;
        } else {
            kept.push(item);
            hashes.push(hash);
        }
    }
    Ok((kept, hashes, skipped))
}

const TENANT: &[(&str, &str)] = &[("id", "text"), ("display_name", "text"), ("domain", "text")];

const ENVIRONMENT: &[(&str, &str)] = &[
    ("id", "text"),
    ("tenant_id", "text"),
    ("platform", "text"),
    ("display_name", "text"),
    ("name_key", "text"),
    ("description", "text"),
    ("environment_type", "text"),
    ("region", "text"),
    ("managed", "bool"),
    ("has_dataverse", "bool"),
    ("dataverse_url", "text"),
    ("environment_group", "text"),
    ("business_area", "text"),
    ("state", "text"),
    ("created_at", "timestamptz"),
    ("modified_at", "timestamptz"),
    ("created_by", "text"),
    ("capacity", "jsonb"),
    ("addons", "jsonb"),
    ("deleted_at", "timestamptz"),
];

const CONNECTOR: &[(&str, &str)] = &[
    ("id", "text"),
    ("tenant_id", "text"),
    ("platform", "text"),
    ("display_name", "text"),
    ("tier", "text"),
    ("publisher", "text"),
    ("environment_id", "text"),
];

const DATA_POLICY: &[(&str, &str)] = &[
    ("id", "text"),
    ("tenant_id", "text"),
    ("platform", "text"),
    ("display_name", "text"),
    ("scope", "text"),
    ("environment_ids", "jsonb"),
    ("default_classification", "text"),
    ("connector_groups", "jsonb"),
    ("created_at", "timestamptz"),
    ("modified_at", "timestamptz"),
];

const PRINCIPAL: &[(&str, &str)] = &[
    ("id", "text"),
    ("tenant_id", "text"),
    ("kind", "text"),
    ("display_name", "text"),
    ("name_key", "text"),
    ("upn", "text"),
    ("upn_key", "text"),
    ("department", "text"),
    ("department_key", "text"),
    ("country", "text"),
    ("job_title", "text"),
    ("manager_id", "text"),
    ("enabled", "bool"),
    ("deleted_at", "timestamptz"),
];

const RESOURCE: &[(&str, &str)] = &[
    ("id", "text"),
    ("tenant_id", "text"),
    ("environment_id", "text"),
    ("platform", "text"),
    ("kind", "text"),
    ("display_name", "text"),
    ("name_key", "text"),
    ("description", "text"),
    ("state", "text"),
    ("created_at", "timestamptz"),
    ("modified_at", "timestamptz"),
    ("published_at", "timestamptz"),
    ("created_by", "text"),
    ("owners", "jsonb"),
    ("sharing", "jsonb"),
    ("shared_users", "int8"),
    ("shared_groups", "int8"),
    ("shared_with_everyone", "bool"),
    ("connection_references", "jsonb"),
    ("solution_id", "text"),
    ("quarantined", "bool"),
    ("attributes", "jsonb"),
    ("deleted_at", "timestamptz"),
];

/// Column vectors built from a slice of records, one per table column.
macro_rules! column {
    ($items:expr, |$x:ident| $e:expr) => {
        $items.iter().map(|$x| $e).collect::<Vec<_>>()
    };
}

async fn upsert_tenants(client: &Object, items: Vec<Tenant>) -> Result<UpsertCounts> {
    let sql = upsert_sql("tenants", TENANT);
    let mut counts = UpsertCounts::default();
    for batch in batches(items, |t| &t.id) {
        let (batch, hash, skipped) = changed_only(client, "tenants", batch, |t| &t.id).await?;
        counts.unchanged += skipped;
        if batch.is_empty() {
            continue;
        }
        let id = column!(batch, |t| t.id.as_str());
        let name = column!(batch, |t| t.display_name.as_str());
        let domain = column!(batch, |t| t.domain.as_deref());
        let params: [&(dyn ToSql + Sync); 4] = [&id, &name, &domain, &hash];
        counts += run_upsert(client, &sql, &params, batch.len(), "tenants").await?.counts;
    }
    Ok(counts)
}

async fn upsert_environments(client: &Object, items: Vec<Environment>) -> Result<UpsertCounts> {
    let sql = upsert_sql("environments", ENVIRONMENT);
    let mut counts = UpsertCounts::default();
    for batch in batches(items, |e| &e.id) {
        let (batch, hash, skipped) = changed_only(client, "environments", batch, |e| &e.id).await?;
        counts.unchanged += skipped;
        if batch.is_empty() {
            continue;
        }
        let id = column!(batch, |e| e.id.as_str());
        let tenant = column!(batch, |e| e.tenant_id.as_str());
        let platform = column!(batch, |e| e.platform.as_str());
        let name = column!(batch, |e| e.display_name.as_str());
        let name_key = column!(batch, |e| e.display_name.to_lowercase());
        let description = column!(batch, |e| e.description.as_deref());
        let kind = column!(batch, |e| e.environment_type.as_str());
        let region = column!(batch, |e| e.region.as_deref());
        let managed = column!(batch, |e| e.managed);
        let dataverse = column!(batch, |e| e.has_dataverse);
        let dataverse_url = column!(batch, |e| e.dataverse_url.as_deref());
        let group = column!(batch, |e| e.environment_group.as_deref());
        let area = column!(batch, |e| e.business_area.as_deref());
        let state = column!(batch, |e| e.state.as_deref());
        let created = column!(batch, |e| e.created_at);
        let modified = column!(batch, |e| e.modified_at);
        let created_by = column!(batch, |e| e.created_by.as_deref());
        let capacity = column!(batch, |e| Json(&e.capacity));
        let addons = column!(batch, |e| Json(&e.addons));
        let deleted = column!(batch, |e| e.deleted_at);
        let params: [&(dyn ToSql + Sync); 21] = [
            &id,
            &tenant,
            &platform,
            &name,
            &name_key,
            &description,
            &kind,
            &region,
            &managed,
            &dataverse,
            &dataverse_url,
            &group,
            &area,
            &state,
            &created,
            &modified,
            &created_by,
            &capacity,
            &addons,
            &deleted,
            &hash,
        ];
        counts += run_upsert(client, &sql, &params, batch.len(), "environments").await?.counts;
    }
    Ok(counts)
}

async fn upsert_connectors(client: &Object, items: Vec<Connector>) -> Result<UpsertCounts> {
    let sql = upsert_sql("connectors", CONNECTOR);
    let mut counts = UpsertCounts::default();
    for batch in batches(items, |c| &c.id) {
        let (batch, hash, skipped) = changed_only(client, "connectors", batch, |c| &c.id).await?;
        counts.unchanged += skipped;
        if batch.is_empty() {
            continue;
        }
        let id = column!(batch, |c| c.id.as_str());
        let tenant = column!(batch, |c| c.tenant_id.as_str());
        let platform = column!(batch, |c| c.platform.as_str());
        let name = column!(batch, |c| c.display_name.as_str());
        let tier = column!(batch, |c| c.tier.as_str());
        let publisher = column!(batch, |c| c.publisher.as_deref());
        let environment = column!(batch, |c| c.environment_id.as_deref());
        let params: [&(dyn ToSql + Sync); 8] = [&id, &tenant, &platform, &name, &tier, &publisher, &environment, &hash];
        counts += run_upsert(client, &sql, &params, batch.len(), "connectors").await?.counts;
    }
    Ok(counts)
}

async fn upsert_data_policies(client: &Object, items: Vec<DataPolicy>) -> Result<UpsertCounts> {
    let sql = upsert_sql("data_policies", DATA_POLICY);
    let mut counts = UpsertCounts::default();
    for batch in batches(items, |p| &p.id) {
        let (batch, hash, skipped) = changed_only(client, "data_policies", batch, |p| &p.id).await?;
        counts.unchanged += skipped;
        if batch.is_empty() {
            continue;
        }
        let id = column!(batch, |p| p.id.as_str());
        let tenant = column!(batch, |p| p.tenant_id.as_str());
        let platform = column!(batch, |p| p.platform.as_str());
        let name = column!(batch, |p| p.display_name.as_str());
        let scope = column!(batch, |p| p.scope.as_str());
        let environments = column!(batch, |p| Json(&p.environment_ids));
        let default = column!(batch, |p| p.default_classification.as_deref());
        let groups = column!(batch, |p| Json(&p.connector_groups));
        let created = column!(batch, |p| p.created_at);
        let modified = column!(batch, |p| p.modified_at);
        let params: [&(dyn ToSql + Sync); 11] =
            [&id, &tenant, &platform, &name, &scope, &environments, &default, &groups, &created, &modified, &hash];
        counts += run_upsert(client, &sql, &params, batch.len(), "data policies").await?.counts;
    }
    Ok(counts)
}

async fn upsert_principals(client: &Object, items: Vec<Principal>) -> Result<UpsertCounts> {
    let sql = upsert_sql("principals", PRINCIPAL);
    let mut counts = UpsertCounts::default();
    for batch in batches(items, |p| &p.id) {
        let (batch, hash, skipped) = changed_only(client, "principals", batch, |p| &p.id).await?;
        counts.unchanged += skipped;
        if batch.is_empty() {
            continue;
        }
        let id = column!(batch, |p| p.id.as_str());
        let tenant = column!(batch, |p| p.tenant_id.as_str());
        let kind = column!(batch, |p| p.kind.as_str());
        let name = column!(batch, |p| p.display_name.as_str());
        let name_key = column!(batch, |p| p.display_name.to_lowercase());
        let upn = column!(batch, |p| p.upn.as_deref());
        let upn_key = column!(batch, |p| p.upn.as_deref().map(str::to_lowercase));
        let department = column!(batch, |p| p.department.as_deref());
        let department_key = column!(batch, |p| p.department.as_deref().map(str::to_lowercase));
        let country = column!(batch, |p| p.country.as_deref());
        let title = column!(batch, |p| p.job_title.as_deref());
        let manager = column!(batch, |p| p.manager_id.as_deref());
        let enabled = column!(batch, |p| p.enabled);
        let deleted = column!(batch, |p| p.deleted_at);
        let params: [&(dyn ToSql + Sync); 15] = [
            &id,
            &tenant,
            &kind,
            &name,
            &name_key,
            &upn,
            &upn_key,
            &department,
            &department_key,
            &country,
            &title,
            &manager,
            &enabled,
            &deleted,
            &hash,
        ];
        counts += run_upsert(client, &sql, &params, batch.len(), "principals").await?.counts;
    }
    Ok(counts)
}

async fn upsert_resources(client: &Object, items: Vec<Resource>) -> Result<UpsertCounts> {
    let sql = upsert_sql("resources", RESOURCE);
    let mut counts = UpsertCounts::default();
    for batch in batches(items, |r| &r.id) {
        let (batch, hash, skipped) = changed_only(client, "resources", batch, |r| &r.id).await?;
        counts.unchanged += skipped;
        if batch.is_empty() {
            continue;
        }
        let id = column!(batch, |r| r.id.as_str());
        let tenant = column!(batch, |r| r.tenant_id.as_str());
        let environment = column!(batch, |r| r.environment_id.as_str());
        let platform = column!(batch, |r| r.platform.as_str());
        let kind = column!(batch, |r| r.kind.as_str());
        let name = column!(batch, |r| r.display_name.as_str());
        let name_key = column!(batch, |r| r.display_name.to_lowercase());
        let description = column!(batch, |r| r.description.as_deref());
        let state = column!(batch, |r| r.state.as_str());
        let created = column!(batch, |r| r.created_at);
        let modified = column!(batch, |r| r.modified_at);
        let published = column!(batch, |r| r.published_at);
        let created_by = column!(batch, |r| r.created_by.as_deref());
        let owners = column!(batch, |r| Json(&r.owners));
        let sharing = column!(batch, |r| Json(&r.sharing));
        let users = column!(batch, |r| i64::from(r.shared_users));
        let groups = column!(batch, |r| i64::from(r.shared_groups));
        let everyone = column!(batch, |r| r.shared_with_everyone);
        let references = column!(batch, |r| Json(&r.connection_references));
        let solution = column!(batch, |r| r.solution_id.as_deref());
        let quarantined = column!(batch, |r| r.quarantined);
        let attributes = column!(batch, |r| Json(&r.attributes));
        let deleted = column!(batch, |r| r.deleted_at);
        let params: [&(dyn ToSql + Sync); 24] = [
            &id,
            &tenant,
            &environment,
            &platform,
            &kind,
            &name,
            &name_key,
            &description,
            &state,
            &created,
            &modified,
            &published,
            &created_by,
            &owners,
            &sharing,
            &users,
            &groups,
            &everyone,
            &references,
            &solution,
            &quarantined,
            &attributes,
            &deleted,
            &hash,
        ];
        let written = run_upsert(client, &sql, &params, batch.len(), "resources").await?;
        let written_rows: Vec<&Resource> = batch.iter().filter(|r| written.written_ids.contains(&r.id)).collect();
        rewrite_children(client, &written.changed_ids, &written_rows).await?;
        counts += written.counts;
    }
    Ok(counts)
}

#[async_trait]
impl IngestTx for PgIngestTx {
    async fn upsert_tenants(&mut self, items: Vec<Tenant>) -> Result<UpsertCounts> {
        let result = upsert_tenants(self.client()?, items).await;
        self.note(result)
    }

    async fn upsert_environments(&mut self, items: Vec<Environment>) -> Result<UpsertCounts> {
        let result = upsert_environments(self.client()?, items).await;
        self.note(result)
    }

    async fn upsert_connectors(&mut self, items: Vec<Connector>) -> Result<UpsertCounts> {
        let result = upsert_connectors(self.client()?, items).await;
        self.note(result)
    }

    async fn upsert_data_policies(&mut self, items: Vec<DataPolicy>) -> Result<UpsertCounts> {
        let result = upsert_data_policies(self.client()?, items).await;
        self.note(result)
    }

    async fn upsert_principals(&mut self, items: Vec<Principal>) -> Result<UpsertCounts> {
        let result = upsert_principals(self.client()?, items).await;
        self.note(result)
    }

    async fn upsert_resources(&mut self, items: Vec<Resource>) -> Result<UpsertCounts> {
        let result = upsert_resources(self.client()?, items).await;
        self.note(result)
    }

    async fn usage_ledger(&mut self, tenant_id: &str, day: chrono::NaiveDate) -> Result<DayLedger> {
        let result = crate::usage::usage_ledger(self.client()?, tenant_id, day).await;
        self.note(result)
    }

    async fn apply_usage(&mut self, delta: UsageDelta) -> Result<()> {
        let result = crate::usage::apply_usage(self.client()?, delta).await;
        self.note(result)
    }

    async fn resource_scopes(&mut self, resource_ids: &[String]) -> Result<Vec<ResourceScopes>> {
        let result = crate::usage::resource_scopes(self.client()?, resource_ids).await;
        self.note(result)
    }

    async fn upsert_licenses(&mut self, items: Vec<License>) -> Result<UpsertCounts> {
        let result = crate::licenses::upsert(self.client()?, items).await;
        self.note(result)
    }

    async fn set_license_assignments(&mut self, items: Vec<LicenseAssignment>) -> Result<UpsertCounts> {
        let result = crate::licenses::set_assignments(self.client()?, items).await;
        self.note(result)
    }

    async fn put_sync_state(&mut self, key: &str, value: serde_json::Value) -> Result<()> {
        let result = crate::sync::put_state(self.client()?, key, value).await;
        self.note(result)
    }

    async fn record_listing_seen(&mut self, listing: &str, ids: Vec<String>) -> Result<()> {
        let result = crate::sync::record_seen(self.client()?, listing, ids).await;
        self.note(result)
    }

    async fn complete_listing(
        &mut self,
        listing: &str,
        scope: &ListingScope,
        at: steward_model::Timestamp,
    ) -> Result<Deletions> {
        let result = crate::sync::complete(self.client()?, listing, scope, at).await;
        self.note(result)
    }

    async fn abandon_listing(&mut self, listing: &str) -> Result<()> {
        let result = crate::sync::abandon(self.client()?, listing).await;
        self.note(result)
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        if self.failed.is_some() {
            let refused = self.client().map(drop);
            self.finish("ROLLBACK", "rolling back the failed ingest transaction").await?;
            return refused;
        }
        self.finish("COMMIT", "committing the ingest transaction").await
    }

    async fn rollback(mut self: Box<Self>) -> Result<()> {
        self.finish("ROLLBACK", "rolling back the ingest transaction").await
    }
}

/// Replace the owner and connector index rows of resources just added or changed; unchanged
/// resources keep theirs untouched.
async fn rewrite_children(client: &Object, changed_ids: &[String], written: &[&Resource]) -> Result<()> {
    let context = "rewriting resource owners and connectors";
    if !changed_ids.is_empty() {
        for sql in [
            "DELETE FROM resource_owners WHERE resource_id = ANY($1::text[])",
            "DELETE FROM resource_connectors WHERE resource_id = ANY($1::text[])",
        ] {
            let statement = client.prepare_cached(sql).await.map_err(db(context))?;
            client.execute(&statement, &[&changed_ids]).await.map_err(db(context))?;
        }
    }

    let (mut resource, mut ordinal, mut principal, mut role) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in written {
        for (i, owner) in r.owners.iter().enumerate() {
            resource.push(r.id.as_str());
            ordinal.push(i32::try_from(i).unwrap_or(i32::MAX));
            principal.push(owner.principal_id.as_str());
            role.push(owner.role.as_str());
        }
    }
    if !resource.is_empty() {
        let statement = client
            .prepare_cached(
                "INSERT INTO resource_owners (resource_id, ordinal, principal_id, role) \
                 SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[])",
            )
            .await
            .map_err(db(context))?;
        client.execute(&statement, &[&resource, &ordinal, &principal, &role]).await.map_err(db(context))?;
    }

    let (mut resource, mut ordinal, mut connector, mut tier) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in written {
        for (i, reference) in r.connection_references.iter().enumerate() {
            resource.push(r.id.as_str());
            ordinal.push(i32::try_from(i).unwrap_or(i32::MAX));
            connector.push(reference.connector_id.as_str());
            tier.push(reference.tier.as_str());
        }
    }
    if !resource.is_empty() {
        let statement = client
            .prepare_cached(
                "INSERT INTO resource_connectors (resource_id, ordinal, connector_id, tier) \
                 SELECT * FROM UNNEST($1::text[], $2::int4[], $3::text[], $4::text[])",
            )
            .await
            .map_err(db(context))?;
        client.execute(&statement, &[&resource, &ordinal, &connector, &tier]).await.map_err(db(context))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_start_a_new_batch() {
        let items = vec!["a", "b", "a", "c", "b"];
        let out = batches(items, |s| s);
        assert_eq!(out, vec![vec!["a", "b"], vec!["a", "c", "b"]]);
    }

    #[test]
    fn batches_never_exceed_the_limit() {
        let items: Vec<String> = (0..BATCH * 2 + 1).map(|i| i.to_string()).collect();
        let sizes: Vec<usize> = batches(items, |s| s.as_str()).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![BATCH, BATCH, 1]);
    }
}
