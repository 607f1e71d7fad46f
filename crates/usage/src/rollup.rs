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
//! How it is parallel, and why memory stays bounded: each parser thread reads the next block of
//! whole lines of the file itself (`blocks`), and appends each record's event (its strings
//! hashed: xxh3, 64 bits, as the store's interner and ledger do) to its own partition for the
//! record's tenant and day (`partitions`), spilling them to a scratch file past a memory budget.
//! Then the threads take the partitions one at a time and count their rows (`aggregate`): a
//! record id counts once per tenant and day, and a resource-day's users are distinct within the
//! day, so a partition holds all its rows need, and a thread holds one day's sets at a time.
//! Nothing is locked per record and nothing is merged at the end but the list of rows; the rows
//! stay numbered until the caller names them.

use crate::UsageError;
use crate::import::chunks;
use aggregate::{Aggregator, Job};
use blocks::{At, Blocks, LineNumbers};
use partitions::{Buffers, Key};
use read::{KEPT_ERRORS, Reader, Tenants};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod aggregate;
mod blocks;
mod partitions;
mod read;

/// Events held in memory by all parser threads together before they spill: with the rows and a
/// day's sets per thread, the rollup stays well under 1 GiB at any size.
pub const DEFAULT_MEMORY_BUDGET: usize = 256 << 20;

/// How to compute the rollup.
#[derive(Debug, Clone, Default)]
pub struct RollupOptions {
    /// Count every record for this tenant; by default each record's `OrganizationId`.
    pub tenant_id: Option<String>,
    /// Parser threads; 0 for one per core.
    pub threads: usize,
    /// Bytes of events held in memory before they spill to scratch files; 0 for
    /// [`DEFAULT_MEMORY_BUDGET`].
    pub memory_budget: usize,
    /// Where spilled events go (files deleted when the rollup ends); the system's temporary
    /// directory by default.
    pub scratch_dir: Option<PathBuf>,
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
    /// Bytes of events spilled to scratch files (0 when they fit in the memory budget).
    pub spilled: u64,
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
        uses: u64::from(row.uses),
        users: u64::from(row.users),
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

/// A resource-day row, its tenant and resource numbered (24 bytes: a file of 100M records has
/// ~5M of them).
#[derive(Debug, Clone, Copy)]
struct Row {
    tenant: u32,
    /// In [`ResourceDays::resources`].
    resource: u32,
    day: i64,
    uses: u32,
    users: u32,
}

/// Where the parsers take their records from.
enum Source {
    Lines(Blocks),
    Array(Mutex<Option<chunks::Chunk>>),
}

/// Read `path` (JSON lines or a JSON array of records) into resource-day rows.
pub fn rollup_file(path: &Path, options: &RollupOptions) -> Result<Rollup, UsageError> {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let budget = match options.memory_budget {
        0 => DEFAULT_MEMORY_BUDGET,
        n => n,
    };
    let scratch = options.scratch_dir.clone().unwrap_or_else(std::env::temp_dir);
    let layout = chunks::detect(path)?;
    // The parsers read the file themselves (see `blocks`); an array is read whole first and
    // parsed by whichever parser takes it.
    let source = match layout {
        chunks::Layout::Lines => Source::Lines(Blocks::open(path)?),
        chunks::Layout::Array => Source::Array(Mutex::new(Some(chunks::array_chunk(path)?))),
    };
    let tenants = Arc::new(Mutex::new(Tenants::default()));
    let readers: Vec<Reader> = (0..threads)
        .map(|_| Reader::new(tenants.clone(), options.tenant_id.clone(), Buffers::new(budget / threads, &scratch)))
        .collect();
    let readers = on_threads("rollup-parser", readers, |mut reader| -> Result<Reader, UsageError> {
        match &source {
            Source::Lines(blocks) => {
                let mut buf = Vec::new();
                while let Some(seq) = blocks.next_into(&mut buf)? {
                    reader.read_block(&buf, seq);
                    reader.buffers.settle()?;
                }
            }
            Source::Array(chunk) => {
                let chunk = chunk.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(chunk) = chunk {
                    reader.read_chunk(&chunk);
                }
            }
        }
        Ok(reader)
    })?;

    let mut out = Rollup::default();
    let mut errors = Vec::new();
    let mut lines = LineNumbers::default();
    let mut resources: Vec<Box<str>> = Vec::new();
    let mut numbers: FxHashMap<u64, u32> = FxHashMap::default();
    let mut jobs: BTreeMap<Key, Job> = BTreeMap::new();
    let mut files = Vec::with_capacity(threads);
    for (thread, reader) in readers.into_iter().enumerate() {
        let c = reader.counts;
        out.bytes += c.bytes;
        out.records += c.records;
        out.power_platform += c.power_platform;
        out.fast_path += c.fast_path;
        out.fallback += c.fallback;
        out.malformed += c.malformed;
        errors.extend(c.errors);
        lines.extend(c.lines);
        for (hash, name) in reader.names.map {
            numbers.entry(hash).or_insert_with(|| {
                resources.push(name);
                (resources.len() - 1) as u32
            });
        }
        let spilled = reader.buffers.finish()?;
        out.spilled += spilled.bytes;
        for (key, part) in spilled.parts {
            jobs.entry(key).or_insert_with(|| Job::new(key)).held.push(part);
        }
        for chunk in spilled.chunks {
            let key = chunk.key;
            jobs.entry(key).or_insert_with(|| Job::new(key)).chunks.push((thread, chunk));
        }
        files.push(spilled.file);
    }

    // The partitions, counted by whichever thread is free.
    let jobs = Mutex::new(jobs.into_values());
    let aggregators = (0..threads).map(|_| Aggregator::default()).collect();
    let aggregators = on_threads("rollup-counter", aggregators, |mut agg| -> Result<Aggregator, UsageError> {
        loop {
            let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some(job) = job else { return Ok(agg) };
            agg.run(job, &files, &numbers)?;
        }
    })?;
    let tenants = std::mem::take(&mut tenants.lock().unwrap_or_else(|p| p.into_inner()).names);
    let mut rows = ResourceDays { tenants, resources, rows: Vec::new() };
    rows.rows.reserve(aggregators.iter().map(|a| a.out.len()).sum());
    for agg in aggregators {
        out.duplicates += agg.duplicates;
        out.uses += agg.uses;
        rows.rows.extend(agg.out);
    }
    out.rows = rows;

    let at: Vec<At> = errors.iter().map(|(at, _)| *at).collect();
    let mut errors: Vec<(u64, String)> =
        lines.lines(&at).into_iter().zip(errors.into_iter().map(|(_, why)| why)).collect();
    errors.sort();
    out.first_errors = errors.into_iter().take(KEPT_ERRORS).map(|(line, why)| format!("line {line}: {why}")).collect();
    Ok(out)
}

/// Run `work` on each of `states`, a thread each, and give back what they return (the first
/// error if any failed).
fn on_threads<S: Send, F>(name: &str, states: Vec<S>, work: F) -> Result<Vec<S>, UsageError>
where
    F: Fn(S) -> Result<S, UsageError> + Sync,
{
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(states.len());
        for (i, state) in states.into_iter().enumerate() {
            let work = &work;
            let handle = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn_scoped(scope, move || work(state))
                .map_err(|e| UsageError::Invalid(format!("cannot start a rollup thread: {e}")))?;
            handles.push(handle);
        }
        let mut out = Vec::with_capacity(handles.len());
        let mut failed = None;
        for h in handles {
            match h.join().map_err(|_| UsageError::Invalid("a rollup thread panicked".into()))? {
                Ok(state) => out.push(state),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A record of tenant `t{tenant}` on May `day`: a launch of `app` by `user`, or (when
    /// `operation` says so) a maker action, which only takes its id.
    fn record(id: &str, tenant: u32, day: u32, operation: &str, app: &str, user: &str) -> String {
        format!(
            r#"{{"CreationTime":"2026-05-{day:02}T10:00:00","Id":"{id}","Operation":"{operation}","RecordType":45,"UserKey":"{user}","Workload":"PowerApps","AppName":"{app}","OrganizationId":"t{tenant}"}}"#
        )
    }

    /// Resource-day rows computed the plain way: every record in a map, ids then users distinct.
    fn expected(records: &[(String, u32, u32, String, String, String)]) -> Vec<(String, String, i64, u64, u64)> {
        use std::collections::{BTreeMap, BTreeSet, HashSet};
        let mut seen = HashSet::new();
        // Uses first: a use wins over another record with its id.
        let mut ordered: Vec<_> = records.iter().collect();
        ordered.sort_by_key(|r| r.3 != "LaunchPowerApp");
        let mut rows: BTreeMap<(String, String, i64), (u64, BTreeSet<String>)> = BTreeMap::new();
        for (id, tenant, day, op, app, user) in ordered {
            let day = steward_store::usage::day_number(chrono::NaiveDate::from_ymd_opt(2026, 5, *day).unwrap());
            if !seen.insert((*tenant, day, id.to_lowercase())) || op != "LaunchPowerApp" {
                continue;
            }
            let row = rows.entry((format!("t{tenant}"), app.to_lowercase(), day)).or_default();
            row.0 += 1;
            row.1.insert(user.to_lowercase());
        }
        rows.into_iter().map(|((t, a, d), (uses, users))| (t, a, d, uses, users.len() as u64)).collect()
    }

    fn rows_of(r: Rollup) -> Vec<(String, String, i64, u64, u64)> {
        let mut rows: Vec<_> =
            r.rows.into_iter().map(|r| (r.tenant_id, r.resource_id, r.day, r.uses, r.users)).collect();
        rows.sort();
        rows
    }

    #[test]
    fn spilling_threads_and_the_order_of_records_change_no_row() {
        // 40,000 records (~8 MB: two blocks) over 2 tenants, 20 days and 300 apps, with repeats
        // (some in other case), maker actions and repeats of their ids, in time order and
        // shuffled; counted with the default budget, and with budgets that spill every block.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut records = Vec::new();
        for i in 0..40_000u32 {
            let tenant = rng.random_range(0..2);
            let day = 1 + i * 20 / 40_000;
            let op = if rng.random_bool(0.9) { "LaunchPowerApp" } else { "CreatePowerApp" };
            let app = format!("App-{}", rng.random_range(0..300u32).pow(2) / 300);
            let user = format!("User{}", rng.random_range(0..500u32));
            records.push((format!("rec-{i}"), tenant, day, op.to_string(), app, user));
            if rng.random_bool(0.02) {
                let mut repeat = records[rng.random_range(records.len().saturating_sub(3000)..records.len())].clone();
                repeat.0 = repeat.0.to_uppercase();
                records.push(repeat);
            }
        }
        let want = expected(&records);
        assert!(want.len() > 3000 && want.iter().any(|r| r.4 > 3), "varied rows: {}", want.len());
        let dir = tempfile::tempdir().unwrap();
        let in_order = dir.path().join("in-order.jsonl");
        let text: Vec<String> = records.iter().map(|r| record(&r.0, r.1, r.2, &r.3, &r.4, &r.5)).collect();
        std::fs::write(&in_order, text.join("\n")).unwrap();
        let mut shuffled_text = text.clone();
        for i in (1..shuffled_text.len()).rev() {
            shuffled_text.swap(i, rng.random_range(0..=i));
        }
        let shuffled = dir.path().join("shuffled.jsonl");
        std::fs::write(&shuffled, shuffled_text.join("\n")).unwrap();
        let scratch = dir.path().join("scratch");
        std::fs::create_dir(&scratch).unwrap();
        for path in [&in_order, &shuffled] {
            for (threads, budget) in [(1, 0), (2, 0), (1, 1), (2, 1), (3, 64 << 10)] {
                let options = RollupOptions {
                    threads,
                    memory_budget: budget,
                    scratch_dir: Some(scratch.clone()),
                    ..RollupOptions::default()
                };
                let r = rollup_file(path, &options).unwrap();
                assert_eq!(r.records, records.len() as u64);
                assert_eq!(r.duplicates, (records.len() - 40_000) as u64);
                // No spill within the default budget; a budget of one byte spills every block.
                match budget {
                    0 => assert_eq!(r.spilled, 0),
                    _ => assert!(r.spilled > 0, "{budget}"),
                }
                assert_eq!(rows_of(r), want, "{} with {threads} threads and budget {budget}", path.display());
            }
        }
        // The scratch files are gone with the rollup.
        assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    }

    #[test]
    fn a_scratch_directory_that_cannot_be_written_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, record("a", 1, 1, "LaunchPowerApp", "App-1", "u1")).unwrap();
        let missing = dir.path().join("no-such-dir");
        let options =
            RollupOptions { memory_budget: 1, scratch_dir: Some(missing.clone()), ..RollupOptions::default() };
        let err = rollup_file(&path, &options).unwrap_err().to_string();
        assert!(err.contains(&missing.display().to_string()) && err.contains("spill"), "{err}");
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
            assert_eq!(read::lower_hash(id, &mut scratch), steward_store::usage::record_hash(id), "{id}");
        }
    }
}
