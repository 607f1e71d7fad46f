//! A parser thread: blocks of records into events in its partitions ([`super::partitions`]),
//! with the resources' names noted once each.

use super::blocks::{At, LineNumbers};
use super::partitions::{Buffers, Key, Use};
use crate::import::chunks::Chunk;
use crate::parse::{self, Skip};
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};
use steward_model::UsageMetric;

/// Errors kept with their reasons.
pub const KEPT_ERRORS: usize = 10;

/// What one thread counted while reading.
#[derive(Default)]
pub struct Counts {
    pub bytes: u64,
    pub records: u64,
    pub power_platform: u64,
    pub fast_path: u64,
    pub fallback: u64,
    /// (where, reason) of unreadable records, the first few; and how many in all.
    pub errors: Vec<(At, String)>,
    /// Newlines of the blocks read, to number the errors' lines.
    pub lines: LineNumbers,
    pub malformed: u64,
}

/// Tenants seen, numbered densely (few per file), shared by the threads.
#[derive(Default)]
pub struct Tenants {
    pub names: Vec<String>,
}

/// The lowercased names of the resources a thread read, by their hash as in [`Use`].
pub struct Names {
    pub map: FxHashMap<u64, Box<str>>,
    /// Hashes seen last, by their low bits: most uses are of a few busy resources, and a hit
    /// here saves the map's lookup.
    recent: Box<[u64; 1024]>,
}

impl Default for Names {
    fn default() -> Self {
        Names { map: FxHashMap::default(), recent: Box::new([0; 1024]) }
    }
}

impl Names {
    #[inline]
    fn note(&mut self, hash: u64, name: &str) {
        let slot = &mut self.recent[(hash & 1023) as usize];
        // 0 is the empty slot's value as well: such a hash always asks the map.
        if *slot == hash && hash != 0 {
            return;
        }
        self.map.entry(hash).or_insert_with(|| name.to_ascii_lowercase().into_boxed_str());
        *slot = hash;
    }
}

/// Per-thread state, reused from block to block so that records allocate nothing.
pub struct Reader {
    pub tenants_shared: Arc<Mutex<Tenants>>,
    pub tenant_override: Option<String>,
    /// The thread's view of tenant numbers, and the last tenant looked up.
    tenants: FxHashMap<Box<str>, u32>,
    last_tenant: Option<(Box<str>, u32)>,
    pub buffers: Buffers,
    pub names: Names,
    lower: Vec<u8>,
    pub counts: Counts,
}

/// xxh3 of `s` lowercased (ASCII), without allocating when it is lowercase already.
/// The same hash as the store's `record_hash` for record ids.
pub fn lower_hash(s: &str, scratch: &mut Vec<u8>) -> u64 {
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

impl Reader {
    pub fn new(tenants: Arc<Mutex<Tenants>>, tenant_override: Option<String>, buffers: Buffers) -> Self {
        Reader {
            tenants_shared: tenants,
            tenant_override,
            tenants: FxHashMap::default(),
            last_tenant: None,
            buffers,
            names: Names::default(),
            lower: Vec::new(),
            counts: Counts::default(),
        }
    }

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
                    let mut all = self.tenants_shared.lock().unwrap_or_else(|p| p.into_inner());
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

    /// Read every line of a block of JSON lines (block `seq` of the file).
    pub fn read_block(&mut self, text: &[u8], seq: u64) {
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

    /// Read every record of a JSON array (the whole file, read as one chunk).
    pub fn read_chunk(&mut self, chunk: &Chunk) {
        self.counts.bytes += chunk.text.len() as u64;
        let tenant_override = self.tenant_override.take();
        for (range, &line) in chunk.records.iter().zip(&chunk.lines) {
            // One block whose first line is 1.
            self.record(std::str::from_utf8(&chunk.text[range.clone()]).ok(), (0, line - 1), &tenant_override);
        }
        self.counts.lines.add(0, 0);
        self.tenant_override = tenant_override;
    }

    /// Read one record into an event of its partition. `tenant_override` is taken out of `self`
    /// by the caller for the block, to be borrowed beside it. The record's text is `None` when
    /// it is not UTF-8.
    fn record(&mut self, text: Option<&str>, line: At, tenant_override: &Option<String>) {
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
        let key = Key { tenant, day: usage.day };
        let id = lower_hash(usage.id, &mut self.lower);
        match (usage.kind.metric(), usage.resource_id) {
            (Some(UsageMetric::Use), Some(r)) => {
                let resource = lower_hash(r, &mut self.lower);
                let actor = usage.actor.map(|a| lower_hash(a, &mut self.lower));
                let event = Use::new(id, resource, actor);
                self.names.note(event.resource(), r);
                self.buffers.push_use(key, event);
            }
            _ => self.buffers.push_other(key, id),
        }
    }
}
