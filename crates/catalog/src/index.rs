//! The catalog's search index: full text over title, summary, description and tags, facet
//! filters and counts, relevance first and featured items first among equals.
//!
//! Only **listed** items are in the index; drafts and items waiting for approval are visible to
//! their owners and admins through the store, never through search. The index lives in memory
//! and is rebuilt from the store at start ([`Catalog::open`]); afterwards [`Catalog::refresh`]
//! follows the store's change numbers, so it reads only what changed since the last refresh.
//!
//! A [`Catalog`] is cheap to clone (one `Arc`) and safe to use from many request handlers at
//! once: searches read a consistent snapshot (tantivy's searcher) while a refresh writes.

mod facets;
mod schema;

use crate::CatalogError;
use crate::search::{Facet, FacetCounts, FacetValue, Hit, SearchQuery, SearchResults};
use schema::Fields;
use std::sync::{Arc, Mutex};
use steward_store::Store;
use steward_store::catalog::{CatalogItem, PublicationState};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Items read from the store per round trip while refreshing.
const REFRESH_BATCH: u32 = 1000;
/// Memory the writer may buffer before it writes a segment, across its threads.
const WRITER_BUDGET: usize = 128 * 1024 * 1024;
/// Field boosts: a word in the title weighs most, then tags, then the summary.
const BOOST_TITLE: f32 = 3.0;
const BOOST_TAGS: f32 = 2.0;
const BOOST_SUMMARY: f32 = 1.5;

/// The search index; see the module documentation.
#[derive(Clone)]
pub struct Catalog {
    inner: Arc<Inner>,
}

struct Inner {
    reader: IndexReader,
    fields: Fields,
    parser: QueryParser,
    writer: Mutex<IndexWriter>,
    /// The store's change number the index has caught up to; held for a whole refresh, so
    /// concurrent refreshes run one after the other.
    cursor: tokio::sync::Mutex<i64>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("documents", &self.inner.reader.searcher().num_docs()).finish()
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Changed items read from the store.
    pub read: u64,
    /// Listed items (re)indexed.
    pub indexed: u64,
    /// Items no longer listed, removed from the index (or never in it).
    pub removed: u64,
    /// The change number the index is at now.
    pub cursor: i64,
}

/// Size figures of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub documents: u64,
    pub segments: usize,
    /// Bytes the index occupies (in memory).
    pub bytes: u64,
}

impl Catalog {
    /// An empty index in memory.
    pub fn new() -> Result<Catalog, CatalogError> {
        let (tantivy_schema, fields) = schema::build();
        let index = Index::create_in_ram(tantivy_schema);
        schema::register_tokenizer(&index);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        let writer = index.writer_with_num_threads(threads, WRITER_BUDGET)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser =
            QueryParser::for_index(&index, vec![fields.title, fields.summary, fields.description, fields.tags_text]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, BOOST_TITLE);
        parser.set_field_boost(fields.tags_text, BOOST_TAGS);
        parser.set_field_boost(fields.summary, BOOST_SUMMARY);
        Ok(Catalog {
            inner: Arc::new(Inner {
                reader,
                fields,
                parser,
                writer: Mutex::new(writer),
                cursor: tokio::sync::Mutex::new(0),
            }),
        })
    }

    /// Build the index from the store: every listed item.
    pub async fn open(store: &dyn Store) -> Result<Catalog, CatalogError> {
        let catalog = Catalog::new()?;
        let report = catalog.refresh(store).await?;
        tracing::info!(indexed = report.indexed, cursor = report.cursor, "catalog index built");
        Ok(catalog)
    }

    /// Catch up with the store: index every item written since the last refresh (listed ones
    /// are added or replaced, others removed), then make the changes searchable. Safe to call
    /// from several tasks; they take turns.
    pub async fn refresh(&self, store: &dyn Store) -> Result<RefreshReport, CatalogError> {
        let mut cursor = self.inner.cursor.lock().await;
        let mut report = RefreshReport { cursor: *cursor, ..RefreshReport::default() };
        loop {
            let batch = store.catalog_changes(report.cursor, REFRESH_BATCH).await?;
            let Some(last) = batch.last() else { break };
            report.cursor = last.seq;
            report.read += batch.len() as u64;
            let (indexed, removed) = self.stage(&batch)?;
            report.indexed += indexed;
            report.removed += removed;
            if batch.len() < REFRESH_BATCH as usize {
                break;
            }
        }
        if report.read > 0 {
            let inner = self.inner.clone();
            tokio::task::spawn_blocking(move || inner.commit())
                .await
                .map_err(|e| CatalogError::Index(format!("the index commit stopped: {e}")))??;
        }
        *cursor = report.cursor;
        Ok(report)
    }

    /// Index these versions of items (listed ones added or replaced, others removed) and make
    /// them searchable, without the store: for benchmarks and tools that hold items already.
    /// Blocks while the index commits.
    pub fn apply(&self, items: &[CatalogItem]) -> Result<(), CatalogError> {
        self.stage(items)?;
        self.inner.commit()
    }

    /// Queue the documents of these items in the writer; returns (indexed, removed).
    fn stage(&self, items: &[CatalogItem]) -> Result<(u64, u64), CatalogError> {
        let fields = &self.inner.fields;
        let writer = self.inner.writer.lock().map_err(|_| poisoned())?;
        let (mut indexed, mut removed) = (0, 0);
        for item in items {
            // Replacing is deleting then adding: a delete only affects documents added before it.
            writer.delete_term(fields.id_term(item.id));
            if item.state == PublicationState::Listed {
                writer.add_document(schema::document(fields, item))?;
                indexed += 1;
            } else {
                removed += 1;
            }
        }
        Ok((indexed, removed))
    }

    /// Search the listed items.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, CatalogError> {
        let inner = &self.inner;
        let fields = &inner.fields;
        let (page, per_page) = q.paging();
        let query = self.query(q);
        let searcher = inner.reader.searcher();
        let featured = fields.featured;
        let id = fields.id;
        // Relevance first; among equals, featured items, then the newest (highest id).
        let top = TopDocs::with_limit(per_page).and_offset((page - 1) * per_page).tweak_score(
            move |segment: &tantivy::SegmentReader| {
                let names = segment.schema();
                let column = |field| {
                    segment.fast_fields().u64(names.get_field_name(field)).map(|c| c.first_or_default_col(0)).ok()
                };
                let (featured, id) = (column(featured), column(id));
                move |doc: tantivy::DocId, score: tantivy::Score| {
                    let value = |c: &Option<Arc<dyn tantivy::columnar::ColumnValues<u64>>>| {
                        c.as_ref().map_or(0, |c| c.get_val(doc))
                    };
                    (score, value(&featured), value(&id))
                }
            },
        );
        let counter = facets::FacetCollector::new(searcher.schema(), &fields.facets);
        let (top, total, counts) = searcher.search(&query, &(top, Count, counter))?;
        let mut hits: Vec<Hit> = Vec::with_capacity(top.len());
        for ((score, _, _), address) in top {
            hits.push(self.hit(&searcher, address, score)?);
        }
        Ok(SearchResults { total: total as u64, page, per_page, hits, facets: facet_counts(q, counts) })
    }

    /// How big the index is.
    pub fn stats(&self) -> Result<IndexStats, CatalogError> {
        let searcher = self.inner.reader.searcher();
        let usage = searcher.space_usage().map_err(|e| CatalogError::Index(e.to_string()))?;
        Ok(IndexStats {
            documents: searcher.num_docs(),
            segments: searcher.segment_readers().len(),
            bytes: usage.total().get_bytes(),
        })
    }

    /// The change number the index has caught up to.
    pub async fn cursor(&self) -> i64 {
        *self.inner.cursor.lock().await
    }

    fn hit(&self, searcher: &tantivy::Searcher, address: DocAddress, score: f32) -> Result<Hit, CatalogError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        Ok(schema::hit(&self.inner.fields, &doc, score))
    }

    /// The text (parsed leniently: a stray quote never fails a search) AND every filter. Filters
    /// score nothing, so relevance is the text's alone; without text every match scores alike.
    fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let fields = &self.inner.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text = q.text.trim();
        if !text.is_empty() {
            let (parsed, _errors) = self.inner.parser.parse_query_lenient(text);
            clauses.push((Occur::Must, parsed));
        }
        let filter = |query: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(query, if text.is_empty() { 1.0 } else { 0.0 })))
        };
        for facet in Facet::ALL {
            let values: Vec<&str> = q.filters.iter().filter(|(f, _)| f == facet).map(|(_, v)| v.as_str()).collect();
            if values.is_empty() {
                continue;
            }
            let field = fields.facet(*facet);
            let any: Vec<(Occur, Box<dyn Query>)> = values
                .into_iter()
                .map(|v| {
                    let term = TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic);
                    (Occur::Should, Box::new(term) as Box<dyn Query>)
                })
                .collect();
            clauses.push(filter(Box::new(BooleanQuery::new(any))));
        }
        for (only, field) in [(q.featured_only, fields.featured), (q.hero_only, fields.hero)] {
            if only {
                let term = TermQuery::new(Term::from_field_u64(field, 1), IndexRecordOption::Basic);
                clauses.push(filter(Box::new(term)));
            }
        }
        if clauses.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(clauses)) }
    }
}

impl Inner {
    fn commit(&self) -> Result<(), CatalogError> {
        self.writer.lock().map_err(|_| poisoned())?.commit()?;
        self.reader.reload()?;
        Ok(())
    }
}

fn poisoned() -> CatalogError {
    CatalogError::Index("an earlier index write panicked; restart Steward to rebuild the index".into())
}

/// Counts as the results carry them: every facet in order, most frequent value first (then by
/// value), each marked when the query filters on it.
fn facet_counts(q: &SearchQuery, counts: facets::Counts) -> Vec<FacetCounts> {
    counts
        .into_iter()
        .map(|(facet, values)| {
            let mut values: Vec<FacetValue> = values
                .into_iter()
                .map(|(value, count)| FacetValue {
                    selected: q.filters.iter().any(|(f, v)| *f == facet && *v == value),
                    value,
                    count,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            FacetCounts { facet, values }
        })
        .collect()
}
