//! Audit records into resource-day rollup rows in memory, on the parser threads: what the
//! importer computes for each resource and day (uses: distinct records; users: distinct
//! actors), without a store. The benchmark measures it beside DuckDB's `read_json` + GROUP BY,
//! which does not persist either; `import_audit_file` is the same reading plus the store.
//!
//! The semantics are the importer's, so that the rows equal the store's after an import:
//!
//! - records read with [`crate::parse::record_fast`] and [`crate::parse::RawRecord::usage`];
//!   records of other workloads are skipped, unreadable ones counted (with the first reasons);
//! - a record id counts once per tenant and day, whatever its kind (the store's ledger);
//! - resource ids, actors and record ids compare without ASCII case.
//!
//! How it is parallel: each parser thread reads the next block of whole lines of the file
//! itself (`blocks`), reads its records into compact events, then applies them to shared state
//! split into shards, one lock per shard per block (never per record). Deduplication is sharded by record id, so each shard
//! decides alone whether a record is new; the new uses then go to row shards, split by resource
//! and day, which count uses and distinct users exactly. Nothing is merged at the end but the
//! list of rows. Strings are hashed (xxh3, 64 bits, as the store's interner and ledger do) and
//! only a row's resource name is kept, once per row; a row keeps its first few users itself
//! (most rows have few), and the rows stay numbered until the caller names them.

use crate::UsageError;
use crate::import::chunks::{self, Chunk};
use crate::parse::{self, Skip};
use blocks::{At, Blocks, LineNumbers};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};
use steward_model::UsageMetric;

mod blocks;

/// Shards of each kind: enough that two threads rarely wait for the same one.
const SHARDS: usize = 64;
/// Errors kept with their reasons.
const KEPT_ERRORS: usize = 10;

/// How to compute the rollup.
#[derive(Debug, Clone, Default)]
pub struct RollupOptions {
    /// Count every record for this tenant; by default each record's `OrganizationId`.
    pub tenant_id: Option<String>,
    /// Parser threads; 0 for one per core.
    pub threads: usize,
}

/// One resource-day row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceDay {
    pub tenant_id: String,
    /// Lowercased, as the store keeps it.
    pub resource_id: String,
    /// Days since 1970-01-01.
    pub day: i64,
    pub uses: u64,
    pub users: u64,
}

/// What the rollup read and produced.
#[derive(Debug, Default)]
pub struct Rollup {
    /// In no particular order.
    pub rows: ResourceDays,
    pub bytes: u64,
    pub records: u64,
    pub power_platform: u64,
    /// Records read by the field extractor, and those it left to serde_json.
    pub fast_path: u64,
    pub fallback: u64,
    /// Records whose id was already counted for its tenant and day.
    pub duplicates: u64,
    /// Uses counted into rows.
    pub uses: u64,
    pub malformed: u64,
    pub first_errors: Vec<String>,
}

/// The resource-day rows, with tenants and resources named once each: turning 300,000 rows into
/// strings cost a twentieth of the whole rollup (measured), so rows become [`ResourceDay`]s only
/// when the caller iterates them.
#[derive(Debug, Default)]
pub struct ResourceDays {
    tenants: Vec<String>,
    resources: Vec<Box<str>>,
    rows: Vec<Row>,
}

impl ResourceDays {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, each with its names copied out.
    pub fn iter(&self) -> impl Iterator<Item = ResourceDay> + '_ {
        self.rows.iter().map(|row| named(&self.tenants, &self.resources, row))
    }
}

impl IntoIterator for ResourceDays {
    type Item = ResourceDay;
    type IntoIter = IntoRows;

    fn into_iter(self) -> IntoRows {
        IntoRows { tenants: self.tenants, resources: self.resources, rows: self.rows.into_iter() }
    }
}

/// The rows of [`ResourceDays`], by value.
pub struct IntoRows {
    tenants: Vec<String>,
    resources: Vec<Box<str>>,
    rows: std::vec::IntoIter<Row>,
}

impl Iterator for IntoRows {
    type Item = ResourceDay;

    fn next(&mut self) -> Option<ResourceDay> {
        let row = self.rows.next()?;
        Some(named(&self.tenants, &self.resources, &row))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

fn named(tenants: &[String], resources: &[Box<str>], row: &Row) -> ResourceDay {
    ResourceDay {
        tenant_id: tenants.get(row.tenant as usize).cloned().unwrap_or_default(),
        resource_id: resources.get(row.resource as usize).map(|n| n.to_string()).unwrap_or_default(),
        day: row.day,
        uses: row.uses,
        users: row.users,
    }
}

/// Keys that already are hashes need no hashing again.
#[derive(Default, Clone, Copy)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdSet = HashSet<u64, BuildHasherDefault<Identity>>;

/// One record's contribution, with its strings hashed.
#[derive(Clone, Copy)]
struct Event {
    id: u64,
    tenant: u32,
    day: i64,
    /// A use of a resource: its hash and its lowercased name in the chunk's arena.
    resource: Option<(u64, u32, u32)>,
    actor: Option<u64>,
}

/// Record ids seen, per tenant and day: one shard's share of the ledger.
#[derive(Default)]
struct IdShard {
    days: FxHashMap<(u32, i64), IdSet>,
    /// Ids of the last day opened: a new day starts with room for as many (days are alike),
    /// rather than growing through a dozen rehashes.
    last_day_len: usize,
}

#[derive(Debug)]
struct Row {
    tenant: u32,
    /// In the shard's `names`.
    resource: u32,
    day: i64,
    uses: u64,
    users: u64,
    /// The first users while there are at most [`INLINE_ACTORS`] (in the row, so that counting
    /// a use touches one place in memory).
    first: [u64; INLINE_ACTORS],
}

/// Actors kept in the row itself: most resource-days have a few users (2.3 uses per row in
/// the bench's file), and a shard-wide set of (row, actor) pairs cost a hash and a cache miss
/// per use. A row's actors move to the shard's `pairs` when there are more.
const INLINE_ACTORS: usize = 3;

/// Rows of one shard: by (tenant, resource hash, day), their first actors, the (row, actor)
/// pairs of rows with more, and the names of the resources (once each: a resource has a row
/// per day).
#[derive(Default)]
struct RowShard {
    /// By [`row_key`].
    index: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    rows: Vec<Row>,
    pairs: FxHashSet<(u32, u64)>,
    name_index: FxHashMap<u64, u32>,
    names: Vec<Box<str>>,
}

impl RowShard {
    /// Count `actor` as a user of `row` if it is new there.
    #[inline]
    fn user(&mut self, row: u32, actor: u64) {
        let r = &mut self.rows[row as usize];
        let users = r.users as usize;
        if users <= INLINE_ACTORS {
            let first = &mut r.first;
            if first[..users].contains(&actor) {
                return;
            }
            if users < INLINE_ACTORS {
                first[users] = actor;
                r.users += 1;
                return;
            }
            // The row outgrows its inline actors: all of them go to the shared set.
            for a in *first {
                self.pairs.insert((row, a));
            }
        }
        if self.pairs.insert((row, actor)) {
            r.users += 1;
        }
    }
}

/// One integer for a row's (tenant, resource, day): the resource's 64-bit hash already stands
/// for its name (as in the store's interner), and mixing in the day and tenant keeps that.
#[inline]
fn row_key(tenant: u32, resource: u64, day: i64) -> u64 {
    resource ^ (day as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(tenant).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
}

/// Tenants seen, numbered densely (few per file).
#[derive(Default)]
struct Tenants {
    names: Vec<String>,
}

/// Where the parsers take their records from.
enum Source {
    Lines(Blocks),
    Array(Mutex<Option<Chunk>>),
}

struct Shared {
    ids: Vec<Mutex<IdShard>>,
    rows: Vec<Mutex<RowShard>>,
    tenants: Mutex<Tenants>,
}

/// What one thread counted besides rows.
#[derive(Default)]
struct Counts {
    bytes: u64,
    records: u64,
    power_platform: u64,
    fast_path: u64,
    fallback: u64,
    duplicates: u64,
    uses: u64,
    /// (where, reason) of unreadable records, the first few; and how many in all.
    errors: Vec<(At, String)>,
    /// Newlines of the blocks read, to number the errors' lines.
    lines: LineNumbers,
    malformed: u64,
}

/// Per-thread buffers, reused from chunk to chunk so that records allocate nothing.
struct Worker {
    shared: Arc<Shared>,
    tenant_override: Option<String>,
    /// The thread's view of tenant numbers, and the last tenant looked up.
    tenants: FxHashMap<Box<str>, u32>,
    last_tenant: Option<(Box<str>, u32)>,
    arena: Vec<u8>,
    by_id_shard: Vec<Vec<Event>>,
    by_row_shard: Vec<Vec<Event>>,
    lower: Vec<u8>,
    counts: Counts,
}

/// xxh3 of `s` lowercased (ASCII), without allocating when it is lowercase already.
/// The same hash as the store's `record_hash` for record ids.
fn lower_hash(s: &str, scratch: &mut Vec<u8>) -> u64 {
    // Without an early exit the check compiles to whole-vector compares (ids are 36 bytes).
    if s.bytes().fold(false, |any, b| any | b.is_ascii_uppercase()) {
        scratch.clear();
        scratch.extend_from_slice(s.as_bytes());
        scratch.make_ascii_lowercase();
        xxhash_rust::xxh3::xxh3_64(scratch)
    } else {
        xxhash_rust::xxh3::xxh3_64(s.as_bytes())
    }
}

fn shard_of(hash: u64) -> usize {
    // The top bits: the tables inside a shard use the low ones.
    (hash >> 58) as usize % SHARDS
}

impl Worker {
    fn tenant(&mut self, name: &str) -> u32 {
        if let Some((last, n)) = &self.last_tenant
            && **last == *name
        {
            return *n;
        }
        let n = match self.tenants.get(name) {
            Some(n) => *n,
            None => {
                let n = {
                    let mut all = self.shared.tenants.lock().unwrap_or_else(|p| p.into_inner());
                    match all.names.iter().position(|t| t == name) {
                        Some(i) => i as u32,
                        None => {
                            all.names.push(name.to_string());
                            (all.names.len() - 1) as u32
                        }
                    }
                };
                self.tenants.insert(name.into(), n);
                n
            }
        };
        self.last_tenant = Some((name.into(), n));
        n
    }

    fn error(&mut self, at: At, reason: impl FnOnce() -> String) {
        self.counts.malformed += 1;
        if self.counts.errors.len() < KEPT_ERRORS {
            self.counts.errors.push((at, reason()));
        }
    }

    /// Read every line of a block of JSON lines (block `seq` of the file) into events.
    fn read_block(&mut self, text: &[u8], seq: u64) {
        self.arena.clear();
        self.counts.bytes += text.len() as u64;
        let tenant_override = self.tenant_override.take();
        // UTF-8 checked once for the whole block (then lines are cut from it at newlines,
        // which are ASCII); a block that fails is checked line by line to find the bad ones.
        let block = std::str::from_utf8(text).ok();
        let (mut pos, mut newlines) = (0, 0u64);
        for end in memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len())) {
            let line = text[pos..end].trim_ascii();
            if !line.is_empty() {
                let checked = match block {
                    Some(block) => block.get(pos..end).map(str::trim_ascii),
                    None => std::str::from_utf8(line).ok(),
                };
                self.record(checked, (seq, newlines), &tenant_override);
            }
            newlines += 1;
            pos = end + 1;
        }
        // The last count was the end of the block, not a newline.
        self.counts.lines.add(seq, newlines - 1);
        self.tenant_override = tenant_override;
    }

    /// Read every record of a JSON array (the whole file, read as one chunk) into events.
    fn read_chunk(&mut self, chunk: &Chunk) {
        self.arena.clear();
        self.counts.bytes += chunk.text.len() as u64;
        let tenant_override = self.tenant_override.take();
        for (range, &line) in chunk.records.iter().zip(&chunk.lines) {
            // One block whose first line is 1.
            self.record(std::str::from_utf8(&chunk.text[range.clone()]).ok(), (0, line - 1), &tenant_override);
        }
        self.counts.lines.add(0, 0);
        self.tenant_override = tenant_override;
    }

    /// Read one record into an event, bucketed by id shard. `tenant_override` is taken out of
    /// `self` by the caller for the block, to be borrowed beside it.
    /// The record's text is `None` when it is not UTF-8.
    fn record(&mut self, text: Option<&str>, line: At, tenant_override: &Option<String>) {
        {
            self.counts.records += 1;
            let Some(text) = text else {
                self.error(line, || "not UTF-8 text".into());
                return;
            };
            // Filled in place: the record is ~500 bytes, and moving it showed in profiles.
            let mut raw = parse::RawRecord::default();
            if crate::scan::record_into(text, &mut raw) {
                self.counts.fast_path += 1;
            } else {
                self.counts.fallback += 1;
                match parse::record(text) {
                    Ok(r) => raw = r,
                    Err(e) => {
                        self.error(line, || format!("not an audit record: {e}"));
                        return;
                    }
                }
            }
            let usage = match raw.usage() {
                Ok(u) => u,
                Err(Skip::OtherWorkload) => return,
                Err(Skip::Invalid(why)) => {
                    self.counts.power_platform += 1;
                    self.error(line, || why);
                    return;
                }
            };
            self.counts.power_platform += 1;
            let tenant = match (tenant_override, usage.tenant_id) {
                (Some(t), _) => self.tenant(t),
                (None, Some(t)) => self.tenant(t),
                (None, None) => {
                    let id = usage.id;
                    self.error(line, || format!("record {id} has no OrganizationId; pass the tenant with --tenant"));
                    return;
                }
            };
            let resource = match (usage.kind.metric(), usage.resource_id) {
                (Some(UsageMetric::Use), Some(r)) => {
                    let hash = lower_hash(r, &mut self.lower);
                    let start = self.arena.len();
                    self.arena.extend_from_slice(r.as_bytes());
                    self.arena[start..].make_ascii_lowercase();
                    Some((hash, start as u32, r.len() as u32))
                }
                _ => None,
            };
            let actor = match resource {
                Some(_) => usage.actor.map(|a| lower_hash(a, &mut self.lower)),
                None => None,
            };
            let id = lower_hash(usage.id, &mut self.lower);
            let event = Event { id, tenant, day: usage.day, resource, actor };
            self.by_id_shard[shard_of(event.id)].push(event);
        }
    }

    /// Apply the chunk's events: ids first (new records only go on), then rows.
    fn apply(&mut self) {
        let shared = self.shared.clone();
        for (s, events) in self.by_id_shard.iter_mut().enumerate() {
            if events.is_empty() {
                continue;
            }
            let mut guard = shared.ids[s].lock().unwrap_or_else(|p| p.into_inner());
            let shard = &mut *guard;
            // Records come mostly in time order: the set of the previous event's day is
            // usually this one's too, so it is held out of the map until the day changes.
            let mut open: Option<((u32, i64), IdSet)> = None;
            for e in events.drain(..) {
                let key = (e.tenant, e.day);
                if open.as_ref().is_none_or(|(k, _)| *k != key) {
                    if let Some((k, set)) = open.take() {
                        shard.last_day_len = shard.last_day_len.max(set.len());
                        shard.days.insert(k, set);
                    }
                    let set = shard
                        .days
                        .remove(&key)
                        .unwrap_or_else(|| IdSet::with_capacity_and_hasher(shard.last_day_len, Default::default()));
                    open = Some((key, set));
                }
                let Some((_, set)) = open.as_mut() else { continue };
                if !set.insert(e.id) {
                    self.counts.duplicates += 1;
                    continue;
                }
                if let Some((hash, _, _)) = e.resource {
                    let row_hash = row_key(e.tenant, hash, e.day);
                    self.by_row_shard[shard_of(row_hash.rotate_left(17))].push(e);
                }
            }
            if let Some((k, set)) = open {
                shard.last_day_len = shard.last_day_len.max(set.len());
                shard.days.insert(k, set);
            }
        }
        for (s, events) in self.by_row_shard.iter_mut().enumerate() {
            if events.is_empty() {
                continue;
            }
            let mut shard = shared.rows[s].lock().unwrap_or_else(|p| p.into_inner());
            let shard = &mut *shard;
            for e in events.drain(..) {
                let Some((hash, start, len)) = e.resource else { continue };
                let next = shard.rows.len() as u32;
                let (rows, names, name_index) = (&mut shard.rows, &mut shard.names, &mut shard.name_index);
                let row = *shard.index.entry(row_key(e.tenant, hash, e.day)).or_insert_with(|| {
                    let resource = *name_index.entry(hash).or_insert_with(|| {
                        let name = &self.arena[start as usize..(start + len) as usize];
                        names.push(String::from_utf8_lossy(name).into_owned().into_boxed_str());
                        (names.len() - 1) as u32
                    });
                    rows.push(Row {
                        tenant: e.tenant,
                        resource,
                        day: e.day,
                        uses: 0,
                        users: 0,
                        first: [0; INLINE_ACTORS],
                    });
                    next
                });
                shard.rows[row as usize].uses += 1;
                self.counts.uses += 1;
                if let Some(actor) = e.actor {
                    shard.user(row, actor);
                }
            }
        }
    }
}

/// Read `path` (JSON lines or a JSON array of records) into resource-day rows.
pub fn rollup_file(path: &Path, options: &RollupOptions) -> Result<Rollup, UsageError> {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let layout = chunks::detect(path)?;
    let shared = Arc::new(Shared {
        ids: (0..SHARDS).map(|_| Mutex::new(IdShard::default())).collect(),
        rows: (0..SHARDS).map(|_| Mutex::new(RowShard::default())).collect(),
        tenants: Mutex::new(Tenants::default()),
    });
    // The parsers read the file themselves (see `blocks`); an array is read whole first and
    // parsed by whichever parser takes it.
    let source = Arc::new(match layout {
        chunks::Layout::Lines => Source::Lines(Blocks::open(path)?),
        chunks::Layout::Array => Source::Array(Mutex::new(Some(chunks::array_chunk(path)?))),
    });
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let source = source.clone();
        let mut worker = Worker {
            shared: shared.clone(),
            tenant_override: options.tenant_id.clone(),
            tenants: FxHashMap::default(),
            last_tenant: None,
            arena: Vec::new(),
            by_id_shard: (0..SHARDS).map(|_| Vec::new()).collect(),
            by_row_shard: (0..SHARDS).map(|_| Vec::new()).collect(),
            lower: Vec::new(),
            counts: Counts::default(),
        };
        let handle = std::thread::Builder::new()
            .name(format!("rollup-parser-{i}"))
            .spawn(move || -> Result<Counts, UsageError> {
                match &*source {
                    Source::Lines(blocks) => {
                        let mut buf = Vec::new();
                        while let Some(seq) = blocks.next_into(&mut buf)? {
                            worker.read_block(&buf, seq);
                            worker.apply();
                        }
                    }
                    Source::Array(chunk) => {
                        let chunk = chunk.lock().unwrap_or_else(|p| p.into_inner()).take();
                        if let Some(chunk) = chunk {
                            worker.read_chunk(&chunk);
                            worker.apply();
                        }
                    }
                }
                Ok(worker.counts)
            })
            .map_err(|e| UsageError::Invalid(format!("cannot start a parser thread: {e}")))?;
        workers.push(handle);
    }
    let mut out = Rollup::default();
    let mut errors = Vec::new();
    let mut lines = LineNumbers::default();
    let mut failed = None;
    for w in workers {
        let c = match w.join().map_err(|_| UsageError::Invalid("a rollup thread panicked".into()))? {
            Ok(c) => c,
            Err(e) => {
                failed = Some(e);
                continue;
            }
        };
        out.bytes += c.bytes;
        out.records += c.records;
        out.power_platform += c.power_platform;
        out.fast_path += c.fast_path;
        out.fallback += c.fallback;
        out.duplicates += c.duplicates;
        out.uses += c.uses;
        out.malformed += c.malformed;
        errors.extend(c.errors);
        lines.extend(c.lines);
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let at: Vec<At> = errors.iter().map(|(at, _)| *at).collect();
    let mut errors: Vec<(u64, String)> =
        lines.lines(&at).into_iter().zip(errors.into_iter().map(|(_, why)| why)).collect();
    errors.sort();
    out.first_errors = errors.into_iter().take(KEPT_ERRORS).map(|(line, why)| format!("line {line}: {why}")).collect();
    let shared = Arc::try_unwrap(shared).map_err(|_| UsageError::Invalid("a rollup thread is still running".into()))?;
    let tenants = shared.tenants.into_inner().unwrap_or_else(|p| p.into_inner()).names;
    let mut rows = ResourceDays { tenants, resources: Vec::new(), rows: Vec::new() };
    for shard in shared.rows {
        let shard = shard.into_inner().unwrap_or_else(|p| p.into_inner());
        // Each shard numbers its names from 0: shift them past the names of the shards before.
        let offset = rows.resources.len() as u32;
        rows.resources.extend(shard.names);
        rows.rows.extend(shard.rows.into_iter().map(|row| Row { resource: row.resource + offset, ..row }));
    }
    out.rows = rows;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn users_are_counted_exactly_inline_and_past_the_inline_ones() {
        // Rows with 0 to 40 distinct actors, each seen several times in random order: the
        // count is the number of distinct actors, whether they stayed inline or moved out.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut shard = RowShard::default();
        let mut expected = Vec::new();
        for row in 0..200u32 {
            shard.rows.push(Row { tenant: 0, resource: row, day: 0, uses: 0, users: 0, first: [0; INLINE_ACTORS] });
            let distinct = rng.random_range(0..40usize);
            // Actor hashes shared between rows, and 0 (a hash like any other).
            let actors: Vec<u64> = (0..distinct as u64).map(|a| a * 7).collect();
            expected.push(distinct as u64);
            for _ in 0..distinct * 3 {
                let a = actors[rng.random_range(0..distinct)];
                shard.user(row, a);
            }
            for &a in &actors {
                shard.user(row, a);
            }
        }
        let got: Vec<u64> = shard.rows.iter().map(|r| r.users).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn row_keys_differ_by_tenant_resource_and_day() {
        // Resources are hashes of their names, as in `Worker::read`: keys are as distinct as
        // those hashes (a collision is as likely as two names with one 64-bit hash).
        let mut seen = HashSet::new();
        for tenant in 0..3 {
            for name in 0..2000 {
                let resource = xxhash_rust::xxh3::xxh3_64(format!("app-{name}").as_bytes());
                for day in [-1i64, 0, 1, 20_000, 20_001] {
                    assert!(seen.insert(row_key(tenant, resource, day)), "{tenant} {name} {day}");
                }
            }
        }
    }

    fn launch(id: &str, user: &str) -> String {
        format!(
            r#"{{"CreationTime":"2026-05-19T10:00:00","Id":"{id}","Operation":"LaunchPowerApp","RecordType":45,"UserKey":"{user}","Workload":"PowerApps","AppName":"App-1","OrganizationId":"t1"}}"#
        )
    }

    #[test]
    fn arrays_and_lines_give_the_same_rows_and_number_bad_records_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let records = [launch("a", "u1"), "{\"Id\": 5}".to_string(), launch("b", "U2"), launch("A", "u3")];
        let array = dir.path().join("blob.json");
        std::fs::write(&array, format!("[\n{}\n]", records.join(",\n"))).unwrap();
        let lines = dir.path().join("audit.jsonl");
        std::fs::write(&lines, format!("\n{}\n", records.join("\n"))).unwrap();
        for (path, bad_line) in [(&array, 3), (&lines, 3)] {
            let r = rollup_file(path, &RollupOptions::default()).unwrap();
            assert_eq!((r.records, r.malformed, r.duplicates), (4, 1, 1), "{}", path.display());
            assert!(r.first_errors[0].starts_with(&format!("line {bad_line}:")), "{:?}", r.first_errors);
            let rows: Vec<_> = r.rows.into_iter().map(|r| (r.tenant_id, r.resource_id, r.uses, r.users)).collect();
            assert_eq!(rows, vec![("t1".to_string(), "app-1".to_string(), 2, 2)], "{}", path.display());
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_is_named_and_the_others_in_its_block_still_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut text = format!("{}\n", launch("a", "u1")).into_bytes();
        text.extend_from_slice(b"{\"Id\":\"x\xff\"}\n");
        text.extend_from_slice(format!("{}\n", launch("b", "u2")).as_bytes());
        std::fs::write(&path, text).unwrap();
        let r = rollup_file(&path, &RollupOptions::default()).unwrap();
        assert_eq!((r.records, r.malformed, r.uses), (3, 1, 2));
        assert_eq!(r.first_errors, vec!["line 2: not UTF-8 text".to_string()]);
    }

    #[test]
    fn record_ids_hash_as_the_store_s_ledger_does() {
        let mut scratch = Vec::new();
        for id in ["e2a84675-8952-4d91-a2ea-4d89f310f1a7", "E2A84675-8952-4D91-A2EA-4D89F310F1A7", "Ab", "", "é-X"] {
            assert_eq!(lower_hash(id, &mut scratch), steward_store::usage::record_hash(id), "{id}");
        }
    }
}
