//! The ingest side of usage: ledgers, rollup deltas and the inventory lookups the aggregator needs.
//!
//! Everything is batched: a large import yields millions of rollup row deltas, so rows go to the
//! server as arrays (`UNNEST`), a few thousand per statement, never one statement per row.
//! Rollup rows are read `FOR UPDATE`, merged in Rust (actor sets are sorted blobs) and written
//! back; a row another transaction creates at the same moment is read again and merged, so two
//! concurrent writers never lose each other's uses or users.

use super::{day, key_day};
use crate::error::{corrupt, db};
use deadpool_postgres::Object;
use rustc_hash::FxHashMap;
use steward_store::usage::blob::{decode_u32, decode_u64, encode_u32, encode_u64, union};
use steward_store::usage::{DayLedger, LedgerDelta, ResourceScopes, RollupDelta, SpanDelta, UsageDelta};
use steward_store::{Result, StoreError};
use tokio_postgres::types::ToSql;

/// Rows per statement: large enough that round trips vanish against the work, small enough
/// that one statement's arrays (actor blobs included) stay a few megabytes.
const BATCH: usize = 5000;

/// How often a batch is retried when rows it expected to create were created concurrently;
/// each retry only handles those rows, and a third collision in a row means something is wrong.
const ATTEMPTS: usize = 3;

/// Lock the ledger row of a tenant-day (creating it empty) and return what it holds, or
/// `Sealed` when retention already dropped that day.
pub(crate) async fn usage_ledger(client: &Object, tenant_id: &str, on: chrono::NaiveDate) -> Result<DayLedger> {
    let context = format!("reading the usage ledger of tenant {tenant_id} for {on}");
    let n = day(on);
    // Create the row unless the day is sealed, in one statement; the row is what a second
    // writer of the same day waits on.
    let open = client
        .prepare_cached(
            "WITH sealed AS (SELECT before_day FROM usage_sealed WHERE tenant_id = $1), \
             created AS (INSERT INTO usage_ledger (tenant_id, day, records, ids) \
                 SELECT $1, $2::int8, 0, ''::bytea WHERE NOT EXISTS (SELECT 1 FROM sealed WHERE $2::int8 < before_day) \
                 ON CONFLICT (tenant_id, day) DO NOTHING) \
             SELECT EXISTS (SELECT 1 FROM sealed WHERE $2::int8 < before_day)",
        )
        .await
        .map_err(db(&context))?;
    let lock = client
        .prepare_cached("SELECT ids FROM usage_ledger WHERE tenant_id = $1 AND day = $2 FOR UPDATE")
        .await
        .map_err(db(&context))?;
    for _ in 0..ATTEMPTS {
        let sealed: bool = client.query_one(&open, &[&tenant_id, &n]).await.map_err(db(&context))?.get(0);
        if sealed {
            return Ok(DayLedger::Sealed);
        }
        // A row pruned between the two statements is retried: the retry then finds the seal.
        if let Some(row) = client.query_opt(&lock, &[&tenant_id, &n]).await.map_err(db(&context))? {
            let ids: &[u8] = row.try_get(0).map_err(db(&context))?;
            return Ok(DayLedger::Open(decode_u64(ids, &format!("usage ledger of {tenant_id} on {on}"))?));
        }
    }
    Err(StoreError::InvalidQuery(format!(
        "the usage ledger of tenant {tenant_id} for {on} kept disappearing while it was being locked; \
         is a retention prune running in a loop? Run the import again"
    )))
}

/// Apply one aggregation: intern its actors, extend ledgers, merge rollup rows, widen spans.
pub(crate) async fn apply_usage(client: &Object, delta: UsageDelta) -> Result<()> {
    let tenant = delta.tenant_id.as_str();
    let ids = intern_actors(client, tenant, &delta.actors).await?;
    merge_ledgers(client, tenant, &delta.ledgers).await?;
    let mut pending = Vec::with_capacity(delta.rows.len().min(BATCH));
    for row in delta.rows {
        pending.push(Pending::new(row, &ids, tenant)?);
        if pending.len() == BATCH {
            merge_rollups(client, tenant, std::mem::take(&mut pending)).await?;
        }
    }
    if !pending.is_empty() {
        merge_rollups(client, tenant, pending).await?;
    }
    widen_spans(client, tenant, &delta.spans).await
}

/// Store-wide ids of the delta's actors, in the delta's order, creating the ones not yet known.
async fn intern_actors(client: &Object, tenant: &str, actors: &[String]) -> Result<Vec<u32>> {
    let context = format!("interning {} usage actors of tenant {tenant}", actors.len());
    // Existing actors are selected first and only the rest inserted, so identity values are not
    // spent on conflicts (ON CONFLICT draws one per input row), keeping ids dense inside u32.
    let statement = client
        .prepare_cached(
            "WITH input AS (SELECT DISTINCT a FROM UNNEST($2::text[]) AS u(a)), \
             existing AS (SELECT s.id, s.actor FROM usage_actors s JOIN input i ON s.actor = i.a \
                 WHERE s.tenant_id = $1), \
             created AS (INSERT INTO usage_actors (tenant_id, actor) \
                 SELECT $1, i.a FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.actor = i.a) \
                 ORDER BY i.a \
                 ON CONFLICT (tenant_id, actor) DO NOTHING RETURNING id, actor) \
             SELECT id, actor FROM existing UNION ALL SELECT id, actor FROM created",
        )
        .await
        .map_err(db(&context))?;
    let mut found: FxHashMap<&str, u32> = FxHashMap::default();
    for chunk in actors.chunks(BATCH) {
        let mut wanted: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for _ in 0..ATTEMPTS {
            if wanted.is_empty() {
                break;
            }
            let rows = client.query(&statement, &[&tenant, &wanted]).await.map_err(db(&context))?;
            let mut got: FxHashMap<String, u32> = FxHashMap::default();
            for row in rows {
                let id: i64 = row.try_get(0).map_err(db(&context))?;
                let actor: String = row.try_get(1).map_err(db(&context))?;
                got.insert(actor, u32::try_from(id).map_err(|e| corrupt("usage_actors.id", e))?);
            }
            // An actor another transaction created concurrently is absent; the next round reads it.
            wanted.retain(|a| match got.get(*a) {
                Some(id) => {
                    found.insert(a, *id);
                    false
                }
                None => true,
            });
        }
        if !wanted.is_empty() {
            return Err(StoreError::InvalidQuery(format!(
                "{} usage actors of tenant {tenant} could not be interned (first: {}); run the import again",
                wanted.len(),
                wanted[0]
            )));
        }
    }
    actors
        .iter()
        .map(|a| found.get(a.as_str()).copied().ok_or_else(|| corrupt("usage actor interning", format!("{a} lost"))))
        .collect()
}

/// Add newly counted record hashes to the ledgers of their days.
async fn merge_ledgers(client: &Object, tenant: &str, ledgers: &[LedgerDelta]) -> Result<()> {
    if ledgers.is_empty() {
        return Ok(());
    }
    let context = format!("extending {} usage ledger days of tenant {tenant}", ledgers.len());
    let days: Vec<i64> = ledgers.iter().map(|l| day(l.day)).collect();
    // Callers lock each day through usage_ledger first; creating and locking again here keeps a
    // caller that did not from overwriting a concurrent writer's hashes.
    let create = client
        .prepare_cached(
            "INSERT INTO usage_ledger (tenant_id, day, records, ids) \
             SELECT $1, d, 0, ''::bytea FROM UNNEST($2::int8[]) AS u(d) ORDER BY d \
             ON CONFLICT (tenant_id, day) DO NOTHING",
        )
        .await
        .map_err(db(&context))?;
    client.execute(&create, &[&tenant, &days]).await.map_err(db(&context))?;
    let lock = client
        .prepare_cached(
            "SELECT day, ids FROM usage_ledger WHERE tenant_id = $1 AND day = ANY($2::int8[]) ORDER BY day FOR UPDATE",
        )
        .await
        .map_err(db(&context))?;
    let mut stored: FxHashMap<i64, Vec<u64>> = FxHashMap::default();
    for row in client.query(&lock, &[&tenant, &days]).await.map_err(db(&context))? {
        let d: i64 = row.try_get(0).map_err(db(&context))?;
        let ids: &[u8] = row.try_get(1).map_err(db(&context))?;
        stored.insert(d, decode_u64(ids, &format!("usage ledger of {tenant} on {}", key_day(d)))?);
    }
    let (mut records, mut blobs) = (Vec::with_capacity(ledgers.len()), Vec::with_capacity(ledgers.len()));
    for (l, d) in ledgers.iter().zip(&days) {
        let merged = union(stored.get(d).map_or(&[][..], Vec::as_slice), &l.added);
        records.push(merged.len() as i64);
        blobs.push(encode_u64(&merged));
    }
    let write = client
        .prepare_cached(
            "UPDATE usage_ledger l SET records = v.records, ids = v.ids \
             FROM UNNEST($2::int8[], $3::int8[], $4::bytea[]) AS v(day, records, ids) \
             WHERE l.tenant_id = $1 AND l.day = v.day",
        )
        .await
        .map_err(db(&context))?;
    client.execute(&write, &[&tenant, &days, &records, &blobs]).await.map_err(db(&context))?;
    Ok(())
}

/// One rollup row delta with its actors as store ids, waiting to be merged.
struct Pending {
    scope: &'static str,
    period: &'static str,
    metric: &'static str,
    scope_id: String,
    start: i64,
    uses: i64,
    actors: Vec<u32>,
}

impl Pending {
    fn new(row: RollupDelta, ids: &[u32], tenant: &str) -> Result<Pending> {
        let mut actors = row
            .actors
            .iter()
            .map(|i| {
                ids.get(*i as usize).copied().ok_or_else(|| {
                    StoreError::InvalidQuery(format!(
                        "a usage delta of tenant {tenant} refers to actor {i} but lists {} actors; \
                         deltas must come from Aggregator::take",
                        ids.len()
                    ))
                })
            })
            .collect::<Result<Vec<u32>>>()?;
        // Store ids do not follow the delta's order.
        actors.sort_unstable();
        actors.dedup();
        Ok(Pending {
            scope: row.scope.as_str(),
            period: row.period.as_str(),
            metric: row.metric.as_str(),
            scope_id: row.scope_id,
            start: day(row.start),
            uses: i64::try_from(row.uses).unwrap_or(i64::MAX),
            actors,
        })
    }

    fn key(&self) -> (&str, &str, &str, &str, i64) {
        (self.scope, self.period, self.metric, &self.scope_id, self.start)
    }
}

/// Key columns of a batch as parallel arrays, the shape every statement here takes.
struct Keys<'a> {
    scope: Vec<&'a str>,
    period: Vec<&'a str>,
    metric: Vec<&'a str>,
    scope_id: Vec<&'a str>,
    start: Vec<i64>,
}

impl<'a> Keys<'a> {
    fn new() -> Keys<'a> {
        Keys { scope: vec![], period: vec![], metric: vec![], scope_id: vec![], start: vec![] }
    }

    fn push(&mut self, r: &'a Pending) {
        self.scope.push(r.scope);
        self.period.push(r.period);
        self.metric.push(r.metric);
        self.scope_id.push(&r.scope_id);
        self.start.push(r.start);
    }
}

/// Merge a batch of row deltas into the stored rows.
async fn merge_rollups(client: &Object, tenant: &str, mut rows: Vec<Pending>) -> Result<()> {
    let context = format!("merging {} usage rollup rows of tenant {tenant}", rows.len());
    // One lock order for every writer, so two imports of the same tenant queue instead of deadlocking.
    rows.sort_unstable_by(|a, b| a.key().cmp(&b.key()));
    let read = client
        .prepare_cached(
            "SELECT k.ord, r.uses, r.actors \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[]) WITH ORDINALITY \
                 AS k(scope, period, metric, scope_id, start_day, ord) \
             JOIN usage_rollups r ON r.scope = k.scope AND r.period = k.period AND r.metric = k.metric \
                 AND r.scope_id = k.scope_id AND r.start_day = k.start_day \
             ORDER BY k.ord FOR UPDATE OF r",
        )
        .await
        .map_err(db(&context))?;
    let update = client
        .prepare_cached(
            "UPDATE usage_rollups r SET uses = v.uses, users = v.users, actors = v.actors \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[], \
                 $8::bytea[]) AS v(scope, period, metric, scope_id, start_day, uses, users, actors) \
             WHERE r.scope = v.scope AND r.period = v.period AND r.metric = v.metric \
                 AND r.scope_id = v.scope_id AND r.start_day = v.start_day",
        )
        .await
        .map_err(db(&context))?;
    let insert = client
        .prepare_cached(
            "INSERT INTO usage_rollups (scope, period, metric, scope_id, start_day, tenant_id, uses, users, actors) \
             SELECT v.scope, v.period, v.metric, v.scope_id, v.start_day, $9, v.uses, v.users, v.actors \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[], \
                 $8::bytea[]) AS v(scope, period, metric, scope_id, start_day, uses, users, actors) \
             ON CONFLICT DO NOTHING \
             RETURNING scope, period, metric, scope_id, start_day",
        )
        .await
        .map_err(db(&context))?;

    for _ in 0..ATTEMPTS {
        let mut keys = Keys::new();
        rows.iter().for_each(|r| keys.push(r));
        let params: [&(dyn ToSql + Sync); 5] = [&keys.scope, &keys.period, &keys.metric, &keys.scope_id, &keys.start];
        let mut stored: Vec<Option<(i64, Vec<u32>)>> = vec![None; rows.len()];
        for row in client.query(&read, &params).await.map_err(db(&context))? {
            let ord: i64 = row.try_get(0).map_err(db(&context))?;
            let uses: i64 = row.try_get(1).map_err(db(&context))?;
            let actors: &[u8] = row.try_get(2).map_err(db(&context))?;
            let slot = usize::try_from(ord - 1).ok().and_then(|i| stored.get_mut(i));
            let slot = slot.ok_or_else(|| corrupt("usage rollup batch", format!("ordinal {ord} out of range")))?;
            *slot = Some((uses, decode_u32(actors, "usage rollup actor set")?));
        }
        let (mut old, mut new) = (Vec::new(), Vec::new());
        for (row, found) in rows.into_iter().zip(stored) {
            match found {
                Some((uses, actors)) => old.push((row, uses, actors)),
                None => new.push(row),
            }
        }
        let update_rows: Vec<(&Pending, i64, Vec<u32>)> = old
            .iter()
            .map(|(row, uses, actors)| (row, uses.saturating_add(row.uses), union(actors, &row.actors)))
            .collect();
        let up = Columns::of(update_rows.iter().map(|(row, uses, actors)| (*row, *uses, actors.as_slice())));
        let ins = Columns::of(new.iter().map(|row| (row, row.uses, row.actors.as_slice())));
        let up_params = up.params();
        let mut ins_params = ins.params();
        ins_params.push(&tenant);
        // Both statements go out together (the driver pipelines them on the one connection).
        let updating =
            async { if up.len() > 0 { client.execute(&update, &up_params).await.map(|_| ()) } else { Ok(()) } };
        let inserting = async { if ins.len() > 0 { client.query(&insert, &ins_params).await } else { Ok(Vec::new()) } };
        let (updated, inserted) = tokio::join!(updating, inserting);
        updated.map_err(db(&context))?;
        let inserted = inserted.map_err(db(&context))?;
        if inserted.len() == new.len() {
            return Ok(());
        }
        // Rows another transaction created since the read: read them again and merge into theirs.
        let mut created = std::collections::HashSet::with_capacity(inserted.len());
        for row in &inserted {
            let key: (String, String, String, String, i64) = (
                row.try_get(0).map_err(db(&context))?,
                row.try_get(1).map_err(db(&context))?,
                row.try_get(2).map_err(db(&context))?,
                row.try_get(3).map_err(db(&context))?,
                row.try_get(4).map_err(db(&context))?,
            );
            created.insert(key);
        }
        rows = new
            .into_iter()
            .filter(|r| {
                let key =
                    (r.scope.to_string(), r.period.to_string(), r.metric.to_string(), r.scope_id.clone(), r.start);
                !created.contains(&key)
            })
            .collect();
    }
    Err(StoreError::InvalidQuery(format!(
        "{} usage rollup rows of tenant {tenant} kept being created by another writer while this one merged them; \
         run the import again",
        rows.len()
    )))
}

/// Full rows (key, uses, users, actor blob) as parallel arrays.
struct Columns<'a> {
    keys: Keys<'a>,
    uses: Vec<i64>,
    users: Vec<i64>,
    actors: Vec<Vec<u8>>,
}

impl<'a> Columns<'a> {
    fn of(rows: impl Iterator<Item = (&'a Pending, i64, &'a [u32])>) -> Columns<'a> {
        let mut c = Columns { keys: Keys::new(), uses: vec![], users: vec![], actors: vec![] };
        for (row, uses, actors) in rows {
            c.keys.push(row);
            c.uses.push(uses);
            c.users.push(actors.len() as i64);
            c.actors.push(encode_u32(actors));
        }
        c
    }

    fn len(&self) -> usize {
        self.uses.len()
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        vec![
            &self.keys.scope,
            &self.keys.period,
            &self.keys.metric,
            &self.keys.scope_id,
            &self.keys.start,
            &self.uses,
            &self.users,
            &self.actors,
        ]
    }
}

/// Widen first and last day of use; LEAST/GREATEST merge in the database, so no read is needed.
async fn widen_spans(client: &Object, tenant: &str, spans: &[SpanDelta]) -> Result<()> {
    if spans.is_empty() {
        return Ok(());
    }
    let context = format!("widening {} usage spans of tenant {tenant}", spans.len());
    let statement = client
        .prepare_cached(
            "INSERT INTO usage_spans (resource_id, tenant_id, first_day, last_day) \
             SELECT v.resource_id, $1, v.first_day, v.last_day \
             FROM UNNEST($2::text[], $3::int8[], $4::int8[]) AS v(resource_id, first_day, last_day) \
             ORDER BY v.resource_id \
             ON CONFLICT (resource_id) DO UPDATE SET \
                 first_day = LEAST(usage_spans.first_day, EXCLUDED.first_day), \
                 last_day = GREATEST(usage_spans.last_day, EXCLUDED.last_day)",
        )
        .await
        .map_err(db(&context))?;
    // A resource repeated inside one statement would be "affected twice"; merge repeats first.
    let mut merged: Vec<(&str, i64, i64)> = Vec::with_capacity(spans.len());
    let mut sorted: Vec<&SpanDelta> = spans.iter().collect();
    sorted.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    for s in sorted {
        let (first, last) = (day(s.first), day(s.last));
        match merged.last_mut() {
            Some(m) if m.0 == s.resource_id => {
                m.1 = m.1.min(first);
                m.2 = m.2.max(last);
            }
            _ => merged.push((&s.resource_id, first, last)),
        }
    }
    for chunk in merged.chunks(BATCH) {
        let ids: Vec<&str> = chunk.iter().map(|s| s.0).collect();
        let firsts: Vec<i64> = chunk.iter().map(|s| s.1).collect();
        let lasts: Vec<i64> = chunk.iter().map(|s| s.2).collect();
        client.execute(&statement, &[&tenant, &ids, &firsts, &lasts]).await.map_err(db(&context))?;
    }
    Ok(())
}

/// Environment and primary owner (the first listed owner, as `Resource::primary_owner`) of the
/// listed resources the inventory knows.
pub(crate) async fn resource_scopes(client: &Object, resource_ids: &[String]) -> Result<Vec<ResourceScopes>> {
    let context = format!("reading environment and maker of {} resources", resource_ids.len());
    let statement = client
        .prepare_cached(
            "SELECT r.id, r.environment_id, o.principal_id FROM resources r \
             LEFT JOIN resource_owners o ON o.resource_id = r.id AND o.ordinal = 0 \
             WHERE r.id = ANY($1::text[])",
        )
        .await
        .map_err(db(&context))?;
    let mut out = Vec::with_capacity(resource_ids.len());
    for chunk in resource_ids.chunks(BATCH) {
        for row in client.query(&statement, &[&chunk]).await.map_err(db(&context))? {
            let environment: String = row.try_get(1).map_err(db(&context))?;
            out.push(ResourceScopes {
                resource_id: row.try_get(0).map_err(db(&context))?,
                environment_id: Some(environment).filter(|e| !e.is_empty()),
                maker: row.try_get(2).map_err(db(&context))?,
            });
        }
    }
    Ok(out)
}
