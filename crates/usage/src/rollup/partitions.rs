//! Events partitioned by tenant and day, in each parser thread's memory up to a budget and
//! spilled to a scratch file beyond it.
//!
//! Why partitions: a record id counts once per tenant and day, and a resource-day's users are
//! distinct within the day, so a (tenant, day) holds everything its rows need. Each parser
//! appends its events to its own partitions (no lock, no hash table per record); the rows are
//! counted one partition at a time afterwards ([`super::aggregate`]). Memory is then bounded by
//! the budget plus one partition per thread, whatever the file's size or order: keeping every
//! day's record ids and (row, user) pairs until the end took ~1.5 GB at 100M records.

use crate::UsageError;
use rustc_hash::FxHashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A partition: one tenant's records of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub tenant: u32,
    /// Days since 1970-01-01.
    pub day: i64,
}

/// A use of a resource, its strings hashed (xxh3, 64 bits, lowercased as the store does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    pub id: u64,
    /// The resource's hash with the top bit replaced by "an actor is known" (see [`Use::new`]).
    tagged: u64,
    /// The actor's hash; 0 when none is known.
    actor: u64,
}

/// Bytes of a [`Use`] in memory and in the spill file.
pub const USE_BYTES: usize = 24;
/// The top bit of [`Use::tagged`]; resources are told apart by the other 63 bits of their hash.
const ACTOR_KNOWN: u64 = 1 << 63;

impl Use {
    pub fn new(id: u64, resource: u64, actor: Option<u64>) -> Self {
        let resource = resource & !ACTOR_KNOWN;
        match actor {
            Some(actor) => Use { id, tagged: resource | ACTOR_KNOWN, actor },
            None => Use { id, tagged: resource, actor: 0 },
        }
    }

    /// The resource's hash (63 bits): the key of [`super::Names`] and of a day's rows.
    pub fn resource(&self) -> u64 {
        self.tagged & !ACTOR_KNOWN
    }

    pub fn actor(&self) -> Option<u64> {
        (self.tagged & ACTOR_KNOWN != 0).then_some(self.actor)
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.id.to_le_bytes())?;
        out.write_all(&self.tagged.to_le_bytes())?;
        out.write_all(&self.actor.to_le_bytes())
    }

    fn read(bytes: &[u8]) -> Self {
        Use { id: le_u64(&bytes[0..8]), tagged: le_u64(&bytes[8..16]), actor: le_u64(&bytes[16..24]) }
    }
}

/// One partition's events: uses of resources, and the ids of every other Power Platform record
/// (they count in the ledger, so that a repeat of one is a repeat).
#[derive(Debug, Default)]
pub struct Part {
    pub uses: Vec<Use>,
    pub others: Vec<u64>,
}

impl Part {
    fn bytes(&self) -> usize {
        self.uses.capacity() * USE_BYTES + self.others.capacity() * 8
    }

    fn is_empty(&self) -> bool {
        self.uses.is_empty() && self.others.is_empty()
    }
}

/// Where one spilled stretch of a partition is in its thread's file: `uses` [`Use`]s from
/// `offset`, then `others` ids.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    pub key: Key,
    pub offset: u64,
    pub uses: u64,
    pub others: u64,
}

/// A parser thread's partitions.
pub struct Buffers {
    index: FxHashMap<Key, usize>,
    parts: Vec<(Key, Part)>,
    /// The partition of the last event: records come mostly in time order.
    last: Option<(Key, usize)>,
    budget: usize,
    dir: PathBuf,
    spill: Option<Spill>,
}

struct Spill {
    file: BufWriter<File>,
    len: u64,
    chunks: Vec<Chunk>,
}

/// What a thread leaves for the aggregation: its partitions still in memory, and its spill
/// file with the chunks in it.
pub struct Spilled {
    pub parts: Vec<(Key, Part)>,
    /// Bytes written to the file.
    pub bytes: u64,
    pub file: Option<File>,
    pub chunks: Vec<Chunk>,
}

impl Buffers {
    /// Keep at most `budget` bytes of events in memory; spill beyond it into a file in `dir`.
    pub fn new(budget: usize, dir: &Path) -> Self {
        Buffers { index: FxHashMap::default(), parts: Vec::new(), last: None, budget, dir: dir.into(), spill: None }
    }

    #[inline]
    fn part(&mut self, key: Key) -> &mut Part {
        let i = match self.last {
            Some((last, i)) if last == key => i,
            _ => {
                let parts = &mut self.parts;
                let i = *self.index.entry(key).or_insert_with(|| {
                    parts.push((key, Part::default()));
                    parts.len() - 1
                });
                self.last = Some((key, i));
                i
            }
        };
        &mut self.parts[i].1
    }

    #[inline]
    pub fn push_use(&mut self, key: Key, event: Use) {
        self.part(key).uses.push(event);
    }

    #[inline]
    pub fn push_other(&mut self, key: Key, id: u64) {
        self.part(key).others.push(id);
    }

    /// Spill every partition when their memory is over the budget (called between blocks:
    /// counting capacities per record would cost more than it saves).
    pub fn settle(&mut self) -> Result<(), UsageError> {
        let held: usize = self.parts.iter().map(|(_, p)| p.bytes()).sum();
        if held <= self.budget {
            return Ok(());
        }
        self.spill_all()
    }

    fn spill_all(&mut self) -> Result<(), UsageError> {
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => {
                let file = tempfile::tempfile_in(&self.dir).map_err(|e| self.spill_error(e))?;
                self.spill.insert(Spill { file: BufWriter::with_capacity(1 << 20, file), len: 0, chunks: Vec::new() })
            }
        };
        let written = (|| -> std::io::Result<()> {
            for (key, part) in &mut self.parts {
                if part.is_empty() {
                    continue;
                }
                // Taken, not cleared: the memory goes back rather than staying reserved.
                let Part { uses, others } = std::mem::take(part);
                let chunk =
                    Chunk { key: *key, offset: spill.len, uses: uses.len() as u64, others: others.len() as u64 };
                for u in &uses {
                    u.write(&mut spill.file)?;
                }
                for id in &others {
                    spill.file.write_all(&id.to_le_bytes())?;
                }
                spill.len += chunk.uses * USE_BYTES as u64 + chunk.others * 8;
                spill.chunks.push(chunk);
            }
            spill.file.flush()
        })();
        written.map_err(|e| self.spill_error(e))
    }

    fn spill_error(&self, e: std::io::Error) -> UsageError {
        UsageError::Invalid(format!(
            "cannot spill rollup events to a scratch file in {}: {e}; free some space there or point the \
             scratch directory elsewhere",
            self.dir.display()
        ))
    }

    pub fn finish(mut self) -> Result<Spilled, UsageError> {
        let (file, chunks, bytes) = match self.spill.take() {
            Some(spill) => {
                let file = spill.file.into_inner().map_err(|e| self.spill_error(e.into_error()))?;
                (Some(file), spill.chunks, spill.len)
            }
            None => (None, Vec::new(), 0),
        };
        Ok(Spilled { parts: self.parts, bytes, file, chunks })
    }
}

/// Read a chunk's uses back (`buf` is scratch space).
pub fn read_uses(file: &File, chunk: &Chunk, buf: &mut Vec<u8>, mut each: impl FnMut(Use)) -> std::io::Result<()> {
    read_at(file, chunk.offset, chunk.uses as usize * USE_BYTES, buf)?;
    buf.chunks_exact(USE_BYTES).for_each(|b| each(Use::read(b)));
    Ok(())
}

/// Read a chunk's other ids back.
pub fn read_others(file: &File, chunk: &Chunk, buf: &mut Vec<u8>, mut each: impl FnMut(u64)) -> std::io::Result<()> {
    let start = chunk.offset + chunk.uses * USE_BYTES as u64;
    read_at(file, start, chunk.others as usize * 8, buf)?;
    buf.chunks_exact(8).for_each(|b| each(le_u64(b)));
    Ok(())
}

/// The little-endian u64 in `bytes` (8 of them).
fn le_u64(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

fn read_at(file: &File, offset: u64, len: usize, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    buf.resize(len, 0);
    file.read_exact_at(buf, offset)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_use_keeps_its_resource_and_whether_an_actor_is_known() {
        for (resource, actor) in [(5, Some(0)), (5, None), (u64::MAX, Some(u64::MAX)), (0, None)] {
            let u = Use::new(9, resource, actor);
            assert_eq!((u.resource(), u.actor()), (resource & !ACTOR_KNOWN, actor));
            let mut bytes = Vec::new();
            u.write(&mut bytes).unwrap();
            assert_eq!(bytes.len(), USE_BYTES);
            assert_eq!(Use::read(&bytes), u);
        }
    }

    #[test]
    fn spilled_and_held_events_come_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        // A budget of nothing: every settle spills.
        let mut b = Buffers::new(0, dir.path());
        let (k1, k2) = (Key { tenant: 0, day: 10 }, Key { tenant: 1, day: 10 });
        b.push_use(k1, Use::new(1, 100, Some(7)));
        b.push_other(k1, 2);
        b.settle().unwrap();
        b.push_use(k2, Use::new(3, 200, None));
        b.push_use(k1, Use::new(4, 100, Some(8)));
        b.settle().unwrap();
        b.push_other(k1, 5);
        let out = b.finish().unwrap();
        let file = out.file.unwrap();
        let (mut uses, mut others, mut buf) = (Vec::new(), Vec::new(), Vec::new());
        for c in out.chunks.iter().filter(|c| c.key == k1) {
            read_uses(&file, c, &mut buf, |u| uses.push(u.id)).unwrap();
            read_others(&file, c, &mut buf, |id| others.push(id)).unwrap();
        }
        for (key, part) in &out.parts {
            if *key == k1 {
                uses.extend(part.uses.iter().map(|u| u.id));
                others.extend(&part.others);
            }
        }
        assert_eq!((uses, others), (vec![1, 4], vec![2, 5]));
        assert_eq!(out.chunks.iter().filter(|c| c.key == k2).map(|c| c.uses).sum::<u64>(), 1);
    }
}
