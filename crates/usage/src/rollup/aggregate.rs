//! One partition (a tenant's day) of events into its resource-day rows: repeats dropped by
//! record id, uses counted, users counted exactly.
//!
//! The sets are the day's only and are reused from partition to partition, so a thread holds
//! one day's ids and (row, user) pairs at a time. Uses are applied before the other records'
//! ids, so that when a use and another record share an id (never in the service's feed, where
//! ids are unique per record) the use is the one that counts, whatever the order they were read.

use super::partitions::{self, Chunk, Part, Use};
use super::{Identity, Row};
use crate::UsageError;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::BuildHasherDefault;

type IdSet = HashSet<u64, BuildHasherDefault<Identity>>;

/// Where a partition's events are: parts of it held by the parser threads, and chunks of it in
/// their spill files (`files[thread]`).
pub struct Job {
    pub key: partitions::Key,
    pub held: Vec<Part>,
    pub chunks: Vec<(usize, Chunk)>,
}

impl Job {
    pub fn new(key: partitions::Key) -> Self {
        Job { key, held: Vec::new(), chunks: Vec::new() }
    }
}

/// A resource's row of the day being counted.
struct DayRow {
    resource: u64,
    uses: u64,
    users: u64,
    /// The first users while there are at most [`INLINE_ACTORS`] (in the row, so that counting
    /// a use touches one place in memory).
    first: [u64; INLINE_ACTORS],
}

/// Actors kept in the row itself: most resource-days have a few users (2.3 uses per row in
/// the bench's file), and a set of (row, actor) pairs costs a hash and a cache miss per use.
/// A row's actors move to the day's `pairs` when there are more.
const INLINE_ACTORS: usize = 3;

/// A thread's counting state, reused from partition to partition.
#[derive(Default)]
pub struct Aggregator {
    ids: IdSet,
    index: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    rows: Vec<DayRow>,
    pairs: FxHashSet<(u32, u64)>,
    buf: Vec<u8>,
    /// The rows of every partition this thread counted.
    pub out: Vec<Row>,
    pub duplicates: u64,
    pub uses: u64,
}

impl Aggregator {
    /// Count one partition. `names` numbers the resources (by the hash in [`Use`]).
    pub fn run(&mut self, job: Job, files: &[Option<File>], names: &FxHashMap<u64, u32>) -> Result<(), UsageError> {
        let size: u64 = job.held.iter().map(|p| (p.uses.len() + p.others.len()) as u64).sum::<u64>()
            + job.chunks.iter().map(|(_, c)| c.uses + c.others).sum::<u64>();
        self.ids.clear();
        self.ids.reserve(size as usize);
        self.index.clear();
        self.rows.clear();
        self.pairs.clear();
        let mut buf = std::mem::take(&mut self.buf);
        for part in &job.held {
            for u in &part.uses {
                self.apply_use(u);
            }
        }
        for (thread, chunk) in &job.chunks {
            let file = spill_file(files, *thread)?;
            partitions::read_uses(file, chunk, &mut buf, |u| self.apply_use(&u)).map_err(read_error)?;
        }
        for part in &job.held {
            for id in &part.others {
                self.apply_other(*id);
            }
        }
        for (thread, chunk) in &job.chunks {
            let file = spill_file(files, *thread)?;
            partitions::read_others(file, chunk, &mut buf, |id| self.apply_other(id)).map_err(read_error)?;
        }
        self.buf = buf;
        drop(job.held);
        let (tenant, day) = (job.key.tenant, job.key.day);
        for row in self.rows.drain(..) {
            let Some(&resource) = names.get(&row.resource) else {
                return Err(UsageError::Invalid("a rollup row names a resource that was never read".into()));
            };
            // A partition held in memory cannot reach 2^32 records: the counts fit.
            let (uses, users) =
                (u32::try_from(row.uses).unwrap_or(u32::MAX), u32::try_from(row.users).unwrap_or(u32::MAX));
            self.out.push(Row { tenant, resource, day, uses, users });
        }
        Ok(())
    }

    #[inline]
    fn apply_use(&mut self, u: &Use) {
        if !self.ids.insert(u.id) {
            self.duplicates += 1;
            return;
        }
        self.uses += 1;
        let next = self.rows.len() as u32;
        let rows = &mut self.rows;
        let row = *self.index.entry(u.resource()).or_insert_with(|| {
            rows.push(DayRow { resource: u.resource(), uses: 0, users: 0, first: [0; INLINE_ACTORS] });
            next
        });
        self.rows[row as usize].uses += 1;
        if let Some(actor) = u.actor() {
            self.user(row, actor);
        }
    }

    #[inline]
    fn apply_other(&mut self, id: u64) {
        if !self.ids.insert(id) {
            self.duplicates += 1;
        }
    }

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

fn spill_file(files: &[Option<File>], thread: usize) -> Result<&File, UsageError> {
    files
        .get(thread)
        .and_then(Option::as_ref)
        .ok_or_else(|| UsageError::Invalid("a spilled rollup chunk has no file".into()))
}

fn read_error(e: std::io::Error) -> UsageError {
    UsageError::Invalid(format!("cannot read spilled rollup events back from the scratch file: {e}"))
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
        let mut agg = Aggregator::default();
        let mut expected = Vec::new();
        for row in 0..200u32 {
            agg.rows.push(DayRow { resource: u64::from(row), uses: 0, users: 0, first: [0; INLINE_ACTORS] });
            let distinct = rng.random_range(0..40usize);
            // Actor hashes shared between rows, and 0 (a hash like any other).
            let actors: Vec<u64> = (0..distinct as u64).map(|a| a * 7).collect();
            expected.push(distinct as u64);
            for _ in 0..distinct * 3 {
                let a = actors[rng.random_range(0..distinct)];
                agg.user(row, a);
            }
            for &a in &actors {
                agg.user(row, a);
            }
        }
        let got: Vec<u64> = agg.rows.iter().map(|r| r.users).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_use_wins_over_another_record_with_its_id_in_either_order() {
        let key = partitions::Key { tenant: 0, day: 3 };
        let names: FxHashMap<u64, u32> = [(50, 0)].into_iter().collect();
        for others_first in [false, true] {
            let mut part = Part::default();
            // The other record first in the file, or the use.
            if others_first {
                part.others.push(1);
            }
            part.uses.push(Use::new(1, 50, Some(9)));
            part.uses.push(Use::new(2, 50, Some(9)));
            part.uses.push(Use::new(2, 50, Some(9)));
            part.others.push(1);
            let mut agg = Aggregator::default();
            agg.run(Job { key, held: vec![part], chunks: Vec::new() }, &[], &names).unwrap();
            let rows: Vec<_> = agg.out.iter().map(|r| (r.resource, r.day, r.uses, r.users)).collect();
            assert_eq!(rows, vec![(0, 3, 2, 1)]);
            assert_eq!((agg.uses, agg.duplicates), (2, 2 + u64::from(others_first)));
        }
    }
}
