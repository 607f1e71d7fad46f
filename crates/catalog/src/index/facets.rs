//! Facet counts over every document a query matches, in one pass with the top documents.
//!
//! Each facet field is a fast string column: per segment, a document's values are term
//! ordinals into the segment's dictionary. Counting is an array increment per value; ordinals
//! become strings once per segment at harvest, only for values that occurred.

use crate::search::Facet;
use std::collections::HashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts per facet (in the order given), by value.
pub type Counts = Vec<(Facet, HashMap<String, u64>)>;

pub struct FacetCollector {
    facets: Vec<(Facet, String)>,
}

impl FacetCollector {
    pub fn new(schema: &tantivy::schema::Schema, facets: &[(Facet, Field)]) -> FacetCollector {
        FacetCollector {
            facets: facets.iter().map(|(f, field)| (*f, schema.get_field_name(*field).to_string())).collect(),
        }
    }
}

pub struct SegmentCounter {
    columns: Vec<(Facet, Option<StrColumn>, Vec<u64>)>,
}

impl Collector for FacetCollector {
    type Fruit = Counts;
    type Child = SegmentCounter;

    fn for_segment(&self, _segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let mut columns = Vec::with_capacity(self.facets.len());
        for (facet, name) in &self.facets {
            // A segment where no document has the field has no column: nothing to count.
            let column = reader.fast_fields().str(name)?;
            let terms = column.as_ref().map_or(0, |c| c.num_terms());
            columns.push((*facet, column, vec![0u64; terms]));
        }
        Ok(SegmentCounter { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut out: Counts = self.facets.iter().map(|(f, _)| (*f, HashMap::new())).collect();
        for segment in segments {
            for ((_, total), (_, counts)) in out.iter_mut().zip(segment) {
                for (value, n) in counts {
                    *total.entry(value).or_insert(0) += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (_, column, counts) in &mut self.columns {
            if let Some(column) = column {
                for ord in column.ords().values_for_doc(doc) {
                    if let Some(n) = counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        self.columns
            .into_iter()
            .map(|(facet, column, counts)| {
                let mut values = HashMap::new();
                if let Some(column) = column {
                    let mut text = String::new();
                    for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                        text.clear();
                        // The ordinal came from this column, so the dictionary has it.
                        if column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                            values.insert(text.clone(), n);
                        }
                    }
                }
                (facet, values)
            })
            .collect()
    }
}
