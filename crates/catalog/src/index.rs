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
use std::sync::{Arc, Mutex, RwLock};
use steward_store::Store;
use steward_store::catalog::{CatalogItem, PublicationState};
use tantivy::collector::Collector;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Occur, Query, QueryParser, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Executor, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

/// Items read from the store per round trip while refreshing.
const REFRESH_BATCH: u32 = 1000;
/// Memory the writer may buffer before it writes a segment, across its threads.
const WRITER_BUDGET: usize = 128 * 1024 * 1024;
/// What a query word found in the title adds to the score of a match (words anywhere else,
/// tags included, count through the combined field alone).
const BOOST_TITLE: f32 = 3.0;
/// Query words that get the title boost (the rest still must match).
const BOOSTED_WORDS: usize = 8;
/// Results of recent searches kept until the index changes (the catalog's landing page is the
/// same search for everyone).
const CACHE_ENTRIES: usize = 256;
/// Segments of at most this many documents are merged into bigger ones; bigger ones are left
/// as they are, so a large index keeps several segments for the search threads to share.
const MAX_MERGE_DOCS: usize = 250_000;

/// The search index; see the module documentation.
#[derive(Clone)]
pub struct Catalog {
    inner: Arc<Inner>,
}

struct Inner {
    reader: IndexReader,
    fields: Fields,
    parser: QueryParser,
    /// Splits query text into the words that get the title boost.
    analyzer: Mutex<tantivy::tokenizer::TextAnalyzer>,
    writer: Mutex<IndexWriter>,
    dictionaries: RwLock<facets::Dictionaries>,
    /// Searches run their segments on these threads (one per core), which divides the time of a
    /// search matching much of the index.
    executor: Executor,
    cache: Mutex<Cache>,
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
        let executor =
            if threads > 1 { Executor::multi_thread(threads, "catalog-search-")? } else { Executor::single_thread() };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut merge = tantivy::merge_policy::LogMergePolicy::default();
        merge.set_max_docs_before_merge(MAX_MERGE_DOCS);
        writer.set_merge_policy(Box::new(merge));
        let mut parser = QueryParser::for_index(&index, vec![fields.all]);
        parser.set_conjunction_by_default();
        let analyzer = index
            .tokenizers()
            .get(schema::TOKENIZER)
            .ok_or_else(|| CatalogError::Index("the catalog tokenizer is not registered".into()))?;
        Ok(Catalog {
            inner: Arc::new(Inner {
                reader,
                fields,
                parser,
                analyzer: Mutex::new(analyzer),
                writer: Mutex::new(writer),
                dictionaries: RwLock::new(facets::Dictionaries::default()),
                cache: Mutex::new(Cache { capacity: CACHE_ENTRIES, ..Cache::default() }),
                executor,
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
        let mut dictionaries = self.inner.dictionaries.write().map_err(|_| poisoned())?;
        let (mut indexed, mut removed) = (0, 0);
        for item in items {
            // Replacing is deleting then adding: a delete only affects documents added before it.
            writer.delete_term(fields.id_term(item.id));
            if item.state == PublicationState::Listed {
                writer.add_document(schema::document(fields, item, &mut dictionaries))?;
                indexed += 1;
            } else {
                removed += 1;
            }
        }
        Ok((indexed, removed))
    }

    /// Search the listed items.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, CatalogError> {
        let searcher = self.inner.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = cache_key(q);
        if let Some(hit) = self.inner.cache.lock().map_err(|_| poisoned())?.get(generation, &key) {
            return Ok(hit);
        }
        let results = self.search_in(&searcher, q)?;
        self.inner.cache.lock().map_err(|_| poisoned())?.put(generation, key, &results);
        Ok(results)
    }

    /// Keep the results of up to `entries` recent searches until the index changes (the
    /// default is 256); 0 turns the cache off, as benchmarks do to time the searches themselves.
    pub fn set_cache(&self, entries: usize) -> Result<(), CatalogError> {
        let mut cache = self.inner.cache.lock().map_err(|_| poisoned())?;
        *cache = Cache { capacity: entries, ..Cache::default() };
        Ok(())
    }

    fn search_in(&self, searcher: &Searcher, q: &SearchQuery) -> Result<SearchResults, CatalogError> {
        let inner = &self.inner;
        let (page, per_page) = q.paging();
        let query = self.query(q);
        // Read after taking the searcher: every value number in its documents fits.
        let slots: Vec<(Facet, usize)> = {
            let dictionaries = inner.dictionaries.read().map_err(|_| poisoned())?;
            Facet::ALL.iter().map(|f| (*f, dictionaries.slots(*f))).collect()
        };
        let offset = (page - 1) * per_page;
        // Without words every match scores alike: rank alone, and no scoring at all.
        let order = if q.text.trim().is_empty() { facets::Order::Rank } else { facets::Order::Score };
        let collector = facets::FacetCollector::new(slots, offset + per_page, order);
        let mut counts = self.run(searcher, query.as_ref(), &collector)?;
        let top: Vec<(f32, DocAddress)> = std::mem::take(&mut counts.top)
            .into_iter()
            .skip(offset)
            .map(|(score, _, address)| (score, address))
            .collect();
        let mut hits: Vec<Hit> = Vec::with_capacity(top.len());
        for (score, address) in top {
            hits.push(self.hit(searcher, address, score)?);
        }
        let dictionaries = inner.dictionaries.read().map_err(|_| poisoned())?;
        Ok(SearchResults { total: counts.total, page, per_page, hits, facets: facet_counts(q, counts, &dictionaries) })
    }

    /// Run a collector over the segments on the search threads.
    fn run<C: Collector>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        collector: &C,
    ) -> Result<C::Fruit, CatalogError> {
        let scoring = if collector.requires_scoring() {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        Ok(searcher.search_with_executor(query, collector, &self.inner.executor, scoring)?)
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

    /// The distinct words of a query's text as the index tokenises them, without the words
    /// `or` and `and`, at most [`BOOSTED_WORDS`].
    fn words(&self, text: &str) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        let Ok(mut analyzer) = self.inner.analyzer.lock() else { return words };
        let mut stream = analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            let word = token.text.clone();
            if !words.contains(&word) && !matches!(word.as_str(), "or" | "and") && words.len() < BOOSTED_WORDS {
                words.push(word);
            }
        }
        words
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
            for word in self.words(text) {
                let term = TermQuery::new(Term::from_field_text(fields.title, &word), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(term), BOOST_TITLE))));
            }
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

/// Recent results, valid for one searcher generation.
#[derive(Default)]
struct Cache {
    capacity: usize,
    generation: u64,
    entries: std::collections::HashMap<String, SearchResults>,
    order: std::collections::VecDeque<String>,
}

impl Cache {
    fn get(&mut self, generation: u64, key: &str) -> Option<SearchResults> {
        if generation != self.generation {
            return None;
        }
        self.entries.get(key).cloned()
    }

    fn put(&mut self, generation: u64, key: String, results: &SearchResults) {
        if self.capacity == 0 || generation < self.generation {
            return;
        }
        if generation > self.generation {
            self.generation = generation;
            self.entries.clear();
            self.order.clear();
        }
        if self.entries.len() >= self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.entries.remove(&oldest);
        }
        if self.entries.insert(key.clone(), results.clone()).is_none() {
            self.order.push_back(key);
        }
    }
}

/// What makes two searches the same: filters in any order, paging as clamped.
fn cache_key(q: &SearchQuery) -> String {
    let mut filters = q.filters.clone();
    filters.sort();
    filters.dedup();
    let (page, per_page) = q.paging();
    format!("{}\u{0}{filters:?}\u{0}{}{}\u{0}{page}/{per_page}", q.text.trim(), q.featured_only, q.hero_only)
}

fn poisoned() -> CatalogError {
    CatalogError::Index("an earlier index write panicked; restart Steward to rebuild the index".into())
}

/// Counts as the results carry them: every facet in order, most frequent value first (then by
/// value), each marked when the query filters on it.
fn facet_counts(q: &SearchQuery, counts: facets::Counts, dictionaries: &facets::Dictionaries) -> Vec<FacetCounts> {
    counts
        .facets
        .into_iter()
        .map(|(facet, numbers)| {
            let mut values: Vec<FacetValue> = numbers
                .into_iter()
                .enumerate()
                .filter(|(n, count)| *n > 0 && *count > 0)
                .filter_map(|(n, count)| {
                    let value = dictionaries.value(facet, n as u64)?.to_string();
                    Some(FacetValue {
                        selected: q.filters.iter().any(|(f, v)| *f == facet && *v == value),
                        value,
                        count,
                    })
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            FacetCounts { facet, values }
        })
        .collect()
}
