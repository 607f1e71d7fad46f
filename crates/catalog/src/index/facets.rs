//! One pass over every document a query matches: the count, the facet counts and the best
//! documents (by relevance, then the rank column).
//!
//! Counting has to visit every match (a common word matches hundreds of thousands of items at
//! 1,000,000), so it must cost a few nanoseconds per document. Each facet value gets a small
//! number from a dictionary shared by all segments ([`Dictionaries`]), and a document carries
//! its numbers packed into five dense fast columns ([`Packed`]), read directly by document:
//! counting is five column reads and an array increment per value. Numbers become strings once
//! per query, only for values that occurred. Keeping the best documents in the same pass (a
//! small heap per segment) spares a second collector reading the rank column again.

use crate::search::Facet;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::HashMap;
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, ColumnValues};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The facet values seen so far, numbered from 1 per facet (0 is "no value"). Numbers are never
/// reused or removed: a document indexed with a number finds its value as long as the index lives.
#[derive(Debug, Default)]
pub struct Dictionaries {
    facets: HashMap<Facet, Dictionary>,
}

#[derive(Debug, Default)]
struct Dictionary {
    numbers: HashMap<String, u64>,
    /// `values[n - 1]` is the value numbered `n`.
    values: Vec<String>,
}

impl Dictionaries {
    /// The number of a value, numbering it when new.
    pub fn number(&mut self, facet: Facet, value: &str) -> u64 {
        let d = self.facets.entry(facet).or_default();
        if let Some(n) = d.numbers.get(value) {
            return *n;
        }
        d.values.push(value.to_string());
        let n = d.values.len() as u64;
        d.numbers.insert(value.to_string(), n);
        n
    }

    /// The value numbered `n`.
    pub fn value(&self, facet: Facet, n: u64) -> Option<&str> {
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        self.facets.get(&facet)?.values.get(index).map(String::as_str)
    }

    /// One more than the highest number of a facet: the size of a counting array.
    pub fn slots(&self, facet: Facet) -> usize {
        self.facets.get(&facet).map_or(0, |d| d.values.len()) + 1
    }
}

/// Where each single-valued facet's number sits: (facet, its position in [`Facet::ALL`],
/// column, shift, width in bits). Kind, criticality and stage are closed sets and platforms are
/// few, so 16 bits each; departments, business areas and categories get 32.
const SINGLE: [(Facet, usize, usize, u32, u32); 7] = [
    (Facet::Platform, 0, 0, 0, 16),
    (Facet::Kind, 1, 0, 16, 16),
    (Facet::Criticality, 5, 0, 32, 16),
    (Facet::Stage, 6, 0, 48, 16),
    (Facet::Department, 2, 1, 0, 32),
    (Facet::BusinessArea, 3, 1, 32, 32),
    (Facet::Category, 4, 2, 0, 32),
];
/// The tags' position in [`Facet::ALL`].
const TAG_POSITION: usize = 7;
/// Column 2's bit saying the tags did not fit columns 3 and 4 and are all in [`TAGS_REST`].
const TAGS_OVERFLOW: u64 = 1 << 32;
/// Tags packed four to a column, 16 bits each, in columns 3 and 4.
const PACKED_TAGS: usize = 8;

/// The dense fast columns, and the multi-valued one for tags that do not fit.
pub const COLUMNS: [&str; 5] = ["facets_a", "facets_b", "facets_c", "tags_a", "tags_b"];
pub const TAGS_REST: &str = "tags_rest";

/// A document's facet numbers as stored: the five packed columns and, rarely, the tags' numbers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Packed {
    pub columns: [u64; 5],
    pub rest: Vec<u64>,
}

/// Pack the numbers of one document's facet values.
pub fn pack(numbers: &[(Facet, u64)]) -> Packed {
    let mut out = Packed::default();
    for (facet, _, column, shift, width) in SINGLE {
        if let Some((_, n)) = numbers.iter().find(|(f, _)| *f == facet) {
            // A number wider than its slot would need 65,536 platforms: such a value is counted
            // in the last number of the slot rather than spilling into its neighbour.
            let max = (1u64 << width) - 1;
            out.columns[column] |= (*n).min(max) << shift;
        }
    }
    let tags: Vec<u64> = numbers.iter().filter(|(f, _)| *f == Facet::Tag).map(|(_, n)| *n).collect();
    if tags.len() > PACKED_TAGS || tags.iter().any(|n| *n > 0xFFFF) {
        out.columns[2] |= TAGS_OVERFLOW;
        out.rest = tags;
    } else {
        for (i, n) in tags.into_iter().enumerate() {
            out.columns[3 + i / 4] |= n << (16 * (i % 4));
        }
    }
    out
}

/// How many documents matched, the counts per facet in [`Facet::ALL`] order (by value number),
/// and the best documents, best first, with their scores.
#[derive(Debug, Default)]
pub struct Counts {
    pub total: u64,
    pub facets: Vec<(Facet, Vec<u64>)>,
    /// (score, rank, document).
    pub top: Vec<(f32, u64, DocAddress)>,
}

/// The order of the best documents: by relevance, then the rank column; or, when every match
/// scores alike (no words), by the rank column alone, without scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Score,
    Rank,
}

/// A document's place among the best: score (as ordered bits; scores are never negative),
/// rank, then the document itself so that the order is total.
type Key = (u32, u64, DocId);

pub struct FacetCollector {
    /// Each facet with the size of its counting array when the search started.
    facets: Vec<(Facet, usize)>,
    /// Keep this many best documents, in the same pass.
    top: usize,
    order: Order,
}

impl FacetCollector {
    /// Count every facet and keep the `top` best documents; `slots` (in [`Facet::ALL`] order)
    /// must be read after the searcher was taken, so that every number in its documents fits.
    pub fn new(facets: Vec<(Facet, usize)>, top: usize, order: Order) -> FacetCollector {
        FacetCollector { facets, top, order }
    }
}

/// The column ordering documents among equals (see the schema's `rank`).
pub const RANK: &str = "rank";

/// A column's values by document. Every document has exactly one value in the columns this
/// index writes, so the values are read directly, without the column's index (which costs as
/// much again per read); a column that is not full falls back to that path, 0 where absent.
pub fn dense(column: Column<u64>) -> Arc<dyn ColumnValues<u64>> {
    if column.get_cardinality() == tantivy::columnar::Cardinality::Full {
        column.values
    } else {
        column.first_or_default_col(0)
    }
}

pub struct SegmentCounter {
    segment: SegmentOrdinal,
    /// The packed columns; `None` in a segment without documents.
    columns: Option<[Arc<dyn ColumnValues<u64>>; 5]>,
    rank: Option<Arc<dyn ColumnValues<u64>>>,
    /// The best `top` documents so far, worst on top of the heap.
    best: BinaryHeap<Reverse<Key>>,
    top: usize,
    rest: Option<Column<u64>>,
    /// Counting arrays in [`Facet::ALL`] order; slot 0 counts documents without a value.
    counts: Vec<Vec<u64>>,
    buffer: [Vec<u64>; 5],
    total: u64,
}

impl Collector for FacetCollector {
    type Fruit = Counts;
    type Child = SegmentCounter;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let fast = reader.fast_fields();
        let columns = match COLUMNS.map(|name| fast.u64(name).map(dense)) {
            [Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)] => Some([a, b, c, d, e]),
            _ => None,
        };
        let rank = fast.u64(RANK).ok().map(dense);
        Ok(SegmentCounter {
            segment,
            columns,
            rank,
            best: BinaryHeap::with_capacity(self.top + 1),
            top: self.top,
            rest: fast.u64(TAGS_REST).ok(),
            counts: self.facets.iter().map(|(_, slots)| vec![0u64; *slots]).collect(),
            buffer: Default::default(),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.order == Order::Score
    }

    fn merge_fruits(&self, segments: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut out = Counts {
            total: 0,
            facets: self.facets.iter().map(|(f, slots)| (*f, vec![0u64; *slots])).collect(),
            top: Vec::new(),
        };
        for segment in segments {
            out.total += segment.total;
            out.top.extend(segment.top);
            for ((_, total), (_, counts)) in out.facets.iter_mut().zip(segment.facets) {
                for (t, n) in total.iter_mut().zip(counts) {
                    *t += n;
                }
            }
        }
        out.top.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        out.top.truncate(self.top);
        Ok(out)
    }
}

fn bump(counts: &mut [u64], n: u64) {
    // A number beyond the array would be a value numbered after the search started, which no
    // document of its snapshot can carry; skipping it keeps counting panic-free regardless.
    if let Some(c) = usize::try_from(n).ok().and_then(|i| counts.get_mut(i)) {
        *c += 1;
    }
}

impl SegmentCounter {
    fn keep(&mut self, doc: DocId, score: Score) {
        if self.top == 0 {
            return;
        }
        let rank = self.rank.as_ref().map_or(0, |r| r.get_val(doc));
        let key = (score.max(0.0).to_bits(), rank, doc);
        if self.best.len() < self.top {
            self.best.push(Reverse(key));
        } else if self.best.peek().is_some_and(|Reverse(worst)| key > *worst) {
            self.best.pop();
            self.best.push(Reverse(key));
        }
    }

    fn count(&mut self, doc: DocId, values: [u64; 5]) {
        for (_, position, column, shift, width) in SINGLE {
            bump(&mut self.counts[position], (values[column] >> shift) & ((1u64 << width) - 1));
        }
        let tags = &mut self.counts[TAG_POSITION];
        if values[2] & TAGS_OVERFLOW != 0 {
            if let Some(rest) = &self.rest {
                rest.values_for_doc(doc).for_each(|n| bump(tags, n));
            }
            return;
        }
        for packed in [values[3], values[4]] {
            let mut bits = packed;
            while bits != 0 {
                bump(tags, bits & 0xFFFF);
                bits >>= 16;
            }
        }
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        let Some(columns) = &self.columns else { return };
        let values = [0, 1, 2, 3, 4].map(|i| columns[i].get_val(doc));
        self.count(doc, values);
        self.keep(doc, score);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.total += docs.len() as u64;
        let Some(columns) = &self.columns else { return };
        for (column, buffer) in columns.iter().zip(self.buffer.iter_mut()) {
            buffer.resize(docs.len(), 0);
            column.get_vals(docs, buffer);
        }
        for (i, doc) in docs.iter().enumerate() {
            let values = [0, 1, 2, 3, 4].map(|c| self.buffer[c][i]);
            self.count(*doc, values);
            self.keep(*doc, 0.0);
        }
    }

    fn harvest(self) -> Counts {
        let segment = self.segment;
        Counts {
            total: self.total,
            facets: Facet::ALL.iter().copied().zip(self.counts).collect(),
            top: self
                .best
                .into_iter()
                .map(|Reverse((score, rank, doc))| (f32::from_bits(score), rank, DocAddress::new(segment, doc)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_the_facet_order() {
        for (facet, position, ..) in SINGLE {
            assert_eq!(Facet::ALL[position], facet);
        }
        assert_eq!(Facet::ALL[TAG_POSITION], Facet::Tag);
        assert_eq!(Facet::ALL.len(), SINGLE.len() + 1);
    }

    #[test]
    fn packing_keeps_every_number_and_spills_many_tags() {
        let numbers = [
            (Facet::Platform, 2),
            (Facet::Kind, 7),
            (Facet::Stage, 3),
            (Facet::Department, 70_000),
            (Facet::Category, 5),
            (Facet::Tag, 1),
            (Facet::Tag, 65_535),
            (Facet::Tag, 9),
        ];
        let p = pack(&numbers);
        assert!(p.rest.is_empty());
        assert_eq!(p.columns[0], 2 | (7 << 16) | (3 << 48));
        assert_eq!(p.columns[1], 70_000);
        assert_eq!(p.columns[3], 1 | (65_535 << 16) | (9 << 32));
        let many: Vec<(Facet, u64)> = (1..=9).map(|n| (Facet::Tag, n)).collect();
        let p = pack(&many);
        assert_eq!((p.columns[2] & TAGS_OVERFLOW, p.rest.len()), (TAGS_OVERFLOW, 9));
        let wide = pack(&[(Facet::Tag, 70_000)]);
        assert_eq!(wide.rest, [70_000]);
    }
}
