//! Writes of one ingest session, run on the writer thread inside the open transaction.
//!
//! Every upsert first compares the stored `content_hash`: an unchanged record only has its
//! `last_seen` refreshed, and child rows are rewritten only for added or changed records.

use crate::bulk::BulkLoad;
use crate::convert::{corrupt, millis, to_json};
use crate::writer::Session;
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, params};
use steward_model::{ConnectionReference, Connector, DataPolicy, Environment, Owner, Principal, Tenant};
use steward_store::{StoreError, UpsertCounts, content_hash};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Changed,
    Unchanged,
}

fn tally(counts: &mut UpsertCounts, outcome: Outcome) {
    match outcome {
        Outcome::Added => counts.added += 1,
        Outcome::Changed => counts.changed += 1,
        Outcome::Unchanged => counts.unchanged += 1,
    }
}

fn db(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::backend(context, e)
}

/// Upsert one row of a simple table whose columns start with `id` and end with `content_hash`,
/// followed by `first_seen` and `last_seen`.
fn upsert_row(
    conn: &Connection,
    table: &'static str,
    columns: &[&str],
    values: &[&dyn ToSql],
    id: &str,
    hash: &str,
    now: i64,
) -> Result<Outcome, StoreError> {
    let stored: Option<String> = conn
        .prepare_cached(&format!("SELECT content_hash FROM {table} WHERE id = ?1"))
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(db("reading a stored content hash"))?;
    if stored.as_deref() == Some(hash) {
        conn.prepare_cached(&format!("UPDATE {table} SET last_seen = ?2 WHERE id = ?1"))
            .and_then(|mut s| s.execute(params![id, now]))
            .map_err(db("refreshing last_seen"))?;
        return Ok(Outcome::Unchanged);
    }
    let placeholders: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = columns[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({cols}, first_seen, last_seen) VALUES ({vals}, ?{now_idx}) \
         ON CONFLICT (id) DO UPDATE SET {updates}, last_seen = excluded.last_seen",
        cols = columns.join(", "),
        vals = placeholders.join(", "),
        now_idx = columns.len() + 1,
        updates = updates.join(", "),
    );
    let mut all: Vec<&dyn ToSql> = values.to_vec();
    all.push(&now);
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.execute(all.as_slice()))
        .map_err(|e| StoreError::backend(format!("writing {table} row '{id}'"), e))?;
    Ok(if stored.is_some() { Outcome::Changed } else { Outcome::Added })
}

pub fn tenants(conn: &Connection, items: &[Tenant], now: i64) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    for t in items {
        let hash = content_hash(t);
        let values: [&dyn ToSql; 4] = [&t.id, &t.display_name, &t.domain, &hash];
        let cols = ["id", "display_name", "domain", "content_hash"];
        tally(&mut counts, upsert_row(conn, "tenants", &cols, &values, &t.id, &hash, now)?);
    }
    Ok(counts)
}

pub fn environments(conn: &Connection, items: &[Environment], now: i64) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    let cols = [
        "id",
        "tenant_id",
        "platform",
        "display_name",
        "name_key",
        "description",
        "environment_type",
        "region",
        "managed",
        "has_dataverse",
        "dataverse_url",
        "environment_group",
        "business_area",
        "state",
        "created_at",
        "modified_at",
        "created_by",
        "capacity",
        "addons",
        "deleted_at",
        "content_hash",
    ];
    for e in items {
        let hash = content_hash(e);
        let values: [&dyn ToSql; 21] = [
            &e.id,
            &e.tenant_id,
            &e.platform,
            &e.display_name,
            &e.display_name.to_lowercase(),
            &e.description,
            &e.environment_type.as_str(),
            &e.region,
            &e.managed,
            &e.has_dataverse,
            &e.dataverse_url,
            &e.environment_group,
            &e.business_area,
            &e.state,
            &millis(&e.created_at),
            &millis(&e.modified_at),
            &e.created_by,
            &to_json(&e.capacity),
            &to_json(&e.addons),
            &millis(&e.deleted_at),
            &hash,
        ];
        tally(&mut counts, upsert_row(conn, "environments", &cols, &values, &e.id, &hash, now)?);
    }
    Ok(counts)
}

pub fn connectors(conn: &Connection, items: &[Connector], now: i64) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    let cols = ["id", "tenant_id", "platform", "display_name", "tier", "publisher", "environment_id", "content_hash"];
    for c in items {
        let hash = content_hash(c);
        let values: [&dyn ToSql; 8] = [
            &c.id,
            &c.tenant_id,
            &c.platform,
            &c.display_name,
            &c.tier.as_str(),
            &c.publisher,
            &c.environment_id,
            &hash,
        ];
        tally(&mut counts, upsert_row(conn, "connectors", &cols, &values, &c.id, &hash, now)?);
    }
    Ok(counts)
}

pub fn data_policies(conn: &Connection, items: &[DataPolicy], now: i64) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    let cols = [
        "id",
        "tenant_id",
        "platform",
        "display_name",
        "scope",
        "default_classification",
        "connector_groups",
        "created_at",
        "modified_at",
        "content_hash",
    ];
    for p in items {
        let hash = content_hash(p);
        let values: [&dyn ToSql; 10] = [
            &p.id,
            &p.tenant_id,
            &p.platform,
            &p.display_name,
            &p.scope.as_str(),
            &p.default_classification,
            &to_json(&p.connector_groups),
            &millis(&p.created_at),
            &millis(&p.modified_at),
            &hash,
        ];
        let outcome = upsert_row(conn, "data_policies", &cols, &values, &p.id, &hash, now)?;
        if outcome != Outcome::Unchanged {
            conn.prepare_cached("DELETE FROM data_policy_environments WHERE policy_id = ?1")
                .and_then(|mut s| s.execute([&p.id]))
                .map_err(db("replacing the environments of a data policy"))?;
            let mut insert = conn
                .prepare_cached(
                    "INSERT INTO data_policy_environments (policy_id, position, environment_id) VALUES (?1, ?2, ?3)",
                )
                .map_err(db("replacing the environments of a data policy"))?;
            for (position, env) in p.environment_ids.iter().enumerate() {
                insert.execute(params![p.id, position as i64, env]).map_err(db("writing a data policy environment"))?;
            }
        }
        tally(&mut counts, outcome);
    }
    Ok(counts)
}

pub fn principals(conn: &Connection, items: &[Principal], now: i64) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    let cols = [
        "id",
        "tenant_id",
        "kind",
        "display_name",
        "name_key",
        "upn",
        "upn_key",
        "department",
        "department_key",
        "country",
        "job_title",
        "manager_id",
        "enabled",
        "deleted_at",
        "content_hash",
    ];
    for p in items {
        let hash = content_hash(p);
        let values: [&dyn ToSql; 15] = [
            &p.id,
            &p.tenant_id,
            &p.kind.as_str(),
            &p.display_name,
            &p.display_name.to_lowercase(),
            &p.upn,
            &p.upn.as_ref().map(|u| u.to_lowercase()),
            &p.department,
            &p.department.as_ref().map(|d| d.to_lowercase()),
            &p.country,
            &p.job_title,
            &p.manager_id,
            &p.enabled,
            &millis(&p.deleted_at),
            &hash,
        ];
        tally(&mut counts, upsert_row(conn, "principals", &cols, &values, &p.id, &hash, now)?);
    }
    Ok(counts)
}

mod row;

pub use row::ResourceRow;
use row::Text;

/// The columns of `resources`, in the order of [`ResourceRow::with_values`]; `?20` is the time.
const RESOURCE_COLUMNS: &str = "id, tenant_id, environment_id, platform, kind, display_name, name_key, state, \
    created_at, modified_at, published_at, created_sort, modified_sort, shared_users, shared_groups, \
    shared_with_everyone, quarantined, deleted_at, content_hash";

const RESOURCE_VALUES: &str =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20";

/// The plain insert of a resource; the bulk load (no unique index on `id`) uses it as is.
fn insert_sql() -> String {
    format!("INSERT INTO resources ({RESOURCE_COLUMNS}, first_seen, last_changed) VALUES ({RESOURCE_VALUES}, ?20)")
}

/// Insert or replace the wide columns of a resource (see `resource_details` in the schema), in the
/// order of [`ResourceRow::with_details`].
const DETAILS_SQL: &str = "INSERT OR REPLACE INTO resource_details (rid, description, created_by, owners, sharing, \
    connection_references, solution_id, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// The prepared statements of a resource upsert, taken from the connection's statement cache.
/// None of them needs the unique index on `id`, which a bulk load drops (see bulk.rs).
struct ResourceStatements<'c> {
    find_children: rusqlite::CachedStatement<'c>,
    update: rusqlite::CachedStatement<'c>,
    details: rusqlite::CachedStatement<'c>,
    seen: rusqlite::CachedStatement<'c>,
    insert_owner: rusqlite::CachedStatement<'c>,
    delete_owner: rusqlite::CachedStatement<'c>,
    insert_connector: rusqlite::CachedStatement<'c>,
    delete_connector: rusqlite::CachedStatement<'c>,
}

/// The statements that find and insert by `id`, which need its unique index.
struct KeyedStatements<'c> {
    find: rusqlite::CachedStatement<'c>,
    insert: rusqlite::CachedStatement<'c>,
}

impl<'c> KeyedStatements<'c> {
    fn prepare(conn: &'c Connection) -> Result<Self, StoreError> {
        let p = |sql: &str| conn.prepare_cached(sql).map_err(db("preparing the resource upsert statements"));
        Ok(KeyedStatements {
            find: p("SELECT rid, content_hash FROM resources WHERE id = ?1")?,
            insert: p(&format!("{} ON CONFLICT (id) DO NOTHING", insert_sql()))?,
        })
    }

    fn find(&mut self, id: &str) -> Result<Option<(i64, String)>, StoreError> {
        self.find.query_row([id], |q| Ok((q.get(0)?, q.get(1)?))).optional().map_err(db("looking up a stored resource"))
    }
}

/// Insert `row` with `insert` (a resource insert that may ignore a known id) and its details;
/// the new rid, or `None` when the insert was ignored.
fn insert_resource(
    insert: &mut rusqlite::CachedStatement<'_>,
    details: &mut rusqlite::CachedStatement<'_>,
    conn: &Connection,
    row: &ResourceRow,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let failed = |e| StoreError::backend(format!("writing resource '{}'", row.id()), e);
    let inserted = row.with_values(now, |values| insert.execute(values)).map_err(failed)?;
    if inserted == 0 {
        return Ok(None);
    }
    let rid = conn.last_insert_rowid();
    row.with_details(rid, |values| details.execute(values)).map_err(failed)?;
    Ok(Some(rid))
}

impl<'c> ResourceStatements<'c> {
    fn prepare(conn: &'c Connection) -> Result<Self, StoreError> {
        let p = |sql: &str| conn.prepare_cached(sql).map_err(db("preparing the resource upsert statements"));
        Ok(ResourceStatements {
            find_children: p("SELECT owners, connection_references FROM resource_details WHERE rid = ?1")?,
            // `id` is not in the SET list: naming it would make SQLite rewrite its unique index.
            update: p(&format!(
                "UPDATE resources SET ({}, last_changed) = ({}) WHERE rid = ?21",
                RESOURCE_COLUMNS.trim_start_matches("id, "),
                RESOURCE_VALUES.trim_start_matches("?1, ")
            ))?,
            details: p(DETAILS_SQL)?,
            seen: p("INSERT OR REPLACE INTO resource_seen (rid, last_seen) VALUES (?1, ?2)")?,
            insert_owner: p("INSERT OR IGNORE INTO resource_owners (principal_id, rid, role) VALUES (?1, ?2, ?3)")?,
            delete_owner: p("DELETE FROM resource_owners WHERE principal_id = ?1 AND rid = ?2")?,
            insert_connector: p("INSERT OR IGNORE INTO resource_connectors (connector_id, rid) VALUES (?1, ?2)")?,
            delete_connector: p("DELETE FROM resource_connectors WHERE connector_id = ?1 AND rid = ?2")?,
        })
    }

    /// Insert when the id is new; `None` when it is already stored.
    fn try_insert(
        &mut self,
        keyed: &mut KeyedStatements<'_>,
        conn: &Connection,
        row: &ResourceRow,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let rid = insert_resource(&mut keyed.insert, &mut self.details, conn, row, now)?;
        if let Some(rid) = rid {
            self.write_children(row, rid)?;
        }
        Ok(rid)
    }

    fn update(&mut self, row: &ResourceRow, rid: i64, now: i64) -> Result<(), StoreError> {
        // The previous owners and connectors say which child rows to remove.
        let (owners, references): (String, String) = self
            .find_children
            .query_row([rid], |q| Ok((q.get(0)?, q.get(1)?)))
            .map_err(db("reading a resource's previous owners"))?;
        let owners: Vec<Owner> =
            serde_json::from_str(&owners).map_err(|e| corrupt("resource_details.owners", e.to_string()))?;
        let references: Vec<ConnectionReference> = serde_json::from_str(&references)
            .map_err(|e| corrupt("resource_details.connection_references", e.to_string()))?;
        for owner in &owners {
            self.delete_owner.execute(params![owner.principal_id, rid]).map_err(db("replacing resource owners"))?;
        }
        for reference in &references {
            self.delete_connector
                .execute(params![reference.connector_id, rid])
                .map_err(db("replacing resource connectors"))?;
        }
        let failed = |e| StoreError::backend(format!("writing resource '{}'", row.id()), e);
        row.with_values(now, |values| {
            let mut all: Vec<&dyn ToSql> = values.to_vec();
            all.push(&rid);
            self.update.execute(all.as_slice())
        })
        .map_err(failed)?;
        row.with_details(rid, |values| self.details.execute(values)).map_err(failed)?;
        self.write_children(row, rid)
    }

    fn write_children(&mut self, row: &ResourceRow, rid: i64) -> Result<(), StoreError> {
        for (principal_id, role) in row.owners() {
            self.insert_owner
                .execute(params![principal_id, rid, role.as_str()])
                .map_err(db("writing a resource owner"))?;
        }
        for connector_id in row.connectors() {
            self.insert_connector.execute(params![connector_id, rid]).map_err(db("writing a resource connector"))?;
        }
        Ok(())
    }

    /// Change or only mark as seen one resource stored as `rid` with content hash `hash`.
    fn upsert_stored(&mut self, row: &ResourceRow, rid: i64, hash: &str, now: i64) -> Result<Outcome, StoreError> {
        if hash == row.content_hash() {
            self.seen.execute(params![rid, now]).map_err(db("refreshing a resource's last_seen"))?;
            Ok(Outcome::Unchanged)
        } else {
            self.update(row, rid, now)?;
            Ok(Outcome::Changed)
        }
    }

    /// Add, change or only mark as seen one resource already known to be stored as `stored`.
    fn upsert_known(
        &mut self,
        keyed: &mut KeyedStatements<'_>,
        row: &ResourceRow,
        stored: Option<(i64, String)>,
        conn: &Connection,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        match stored {
            None => match self.try_insert(keyed, conn, row, now)? {
                Some(_) => Ok(Outcome::Added),
                None => Err(StoreError::backend(
                    format!("writing resource '{}'", row.id()),
                    rusqlite::Error::QueryReturnedNoRows,
                )),
            },
            Some((rid, hash)) => self.upsert_stored(row, rid, &hash, now),
        }
    }
}

impl ResourceRow {
    /// Call `f` with the 20 values of [`RESOURCE_COLUMNS`] and the time.
    fn with_values<T>(&self, now: i64, f: impl FnOnce(&[&dyn ToSql]) -> T) -> T {
        f(&[
            &self.id(),
            &self.required(Text::TenantId),
            &self.required(Text::EnvironmentId),
            &self.required(Text::Platform),
            &self.kind,
            &self.required(Text::DisplayName),
            &self.required(Text::NameKey),
            &self.state,
            &self.created_at,
            &self.modified_at,
            &self.published_at,
            &self.created_sort,
            &self.modified_sort,
            &self.shared_users,
            &self.shared_groups,
            &self.shared_with_everyone,
            &self.quarantined,
            &self.deleted_at,
            &self.content_hash(),
            &now,
        ])
    }

    /// Call `f` with the 8 values of [`DETAILS_SQL`].
    fn with_details<T>(&self, rid: i64, f: impl FnOnce(&[&dyn ToSql]) -> T) -> T {
        f(&[
            &rid,
            &self.text(Text::Description),
            &self.text(Text::CreatedBy),
            &self.required(Text::Owners),
            &self.required(Text::Sharing),
            &self.required(Text::ConnectionReferences),
            &self.text(Text::SolutionId),
            &self.required(Text::Attributes),
        ])
    }
}

pub fn resources(
    conn: &Connection,
    session: &mut Session,
    rows: &[ResourceRow],
    now: i64,
) -> Result<UpsertCounts, StoreError> {
    if let Some(bulk) = &mut session.bulk {
        return resources_bulk(conn, bulk, rows, now);
    }
    let mut counts = UpsertCounts::default();
    let mut statements = ResourceStatements::prepare(conn)?;
    let mut keyed = KeyedStatements::prepare(conn)?;
    // A chunk whose first resource is new is most likely a first import: insert straight away and
    // look up only the ids that turn out to exist, instead of looking up every id first.
    let mut insert_first = match rows.first() {
        Some(first) => keyed.find(first.id())?.is_none(),
        None => return Ok(counts),
    };
    for row in rows {
        let outcome = if insert_first {
            match statements.try_insert(&mut keyed, conn, row, now)? {
                Some(_) => Outcome::Added,
                None => {
                    // Mostly known ids from here on, probably: go back to looking up first.
                    insert_first = false;
                    let stored = keyed.find(row.id())?;
                    statements.upsert_known(&mut keyed, row, stored, conn, now)?
                }
            }
        } else {
            let stored = keyed.find(row.id())?;
            statements.upsert_known(&mut keyed, row, stored, conn, now)?
        };
        tally(&mut counts, outcome);
    }
    Ok(counts)
}

/// Resources of a bulk load (see bulk.rs): the table held no resources when the session began and
/// has no indexes until commit, so ids are checked against the session's own map and child rows
/// are collected for commit.
fn resources_bulk(
    conn: &Connection,
    bulk: &mut BulkLoad,
    rows: &[ResourceRow],
    now: i64,
) -> Result<UpsertCounts, StoreError> {
    let mut counts = UpsertCounts::default();
    let mut insert = conn.prepare_cached(&insert_sql()).map_err(db("preparing the resource insert"))?;
    let mut details = conn.prepare_cached(DETAILS_SQL).map_err(db("preparing the resource insert"))?;
    for row in rows {
        let outcome = match bulk.written(conn, row)? {
            None => {
                let rid = insert_resource(&mut insert, &mut details, conn, row, now)?.ok_or_else(|| {
                    StoreError::backend(
                        format!("writing resource '{}'", row.id()),
                        rusqlite::Error::QueryReturnedNoRows,
                    )
                })?;
                bulk.remember(row, rid);
                for (principal_id, role) in row.owners() {
                    bulk.add_owner(principal_id, rid, role);
                }
                for connector_id in row.connectors() {
                    bulk.add_connector(connector_id, rid);
                }
                Outcome::Added
            }
            Some(rid) => {
                // Written earlier in this transaction. Rare: take the ordinary path, with this
                // session's child rows in their tables so that a change can replace them.
                bulk.flush_children(conn)?;
                let hash: String = conn
                    .prepare_cached("SELECT content_hash FROM resources WHERE rid = ?1")
                    .and_then(|mut s| s.query_row([rid], |q| q.get(0)))
                    .map_err(db("looking up a resource written earlier in this import"))?;
                ResourceStatements::prepare(conn)?.upsert_stored(row, rid, &hash, now)?
            }
        };
        tally(&mut counts, outcome);
    }
    Ok(counts)
}
