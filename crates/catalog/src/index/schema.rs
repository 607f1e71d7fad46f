//! The index's fields, and how an item becomes a document and a document a hit.
//!
//! Text fields are tokenised for full-text search; facet fields are raw strings, indexed for
//! filters (and for `kind:app` inside a query), with their values' numbers in fast columns for
//! counting (see `facets`). What a result list shows is stored, so a search answers without
//! reading the store.

use super::facets::{COLUMNS, Dictionaries, RANK, TAGS_REST, pack};
use crate::search::{Facet, Hit};
use steward_store::catalog::CatalogItem;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, TantivyDocument, Term};

/// The tokenizer of the text fields: words, lowercased, accents folded ("Café" finds "cafe").
pub const TOKENIZER: &str = "catalog";

#[derive(Debug, Clone)]
pub struct Fields {
    pub id: Field,
    /// Title, summary, description and tags together: what the words of a query must match
    /// (one posting list per word, however many fields it occurs in).
    pub all: Field,
    /// Indexed on their own too, so that a word there weighs more (and `title:`/`tags:` work).
    pub title: Field,
    pub tags_text: Field,
    pub summary: Field,
    /// One raw field per facet, in [`Facet::ALL`] order.
    pub facets: Vec<(Facet, Field)>,
    /// Fast columns of the facets' value numbers, packed (see `facets`).
    pub packed: [Field; 5],
    pub tags_rest: Field,
    /// Featured first, then newest: `featured << 40 | id`, the order among equally relevant hits.
    pub rank: Field,
    pub featured: Field,
    pub hero: Field,
    pub resource_id: Field,
    pub rating_average: Field,
    pub rating_count: Field,
}

impl Fields {
    pub fn facet(&self, facet: Facet) -> Field {
        // Every facet has a field: `build` adds one per `Facet::ALL` entry.
        self.facets.iter().find(|(f, _)| *f == facet).map(|(_, field)| *field).unwrap_or(self.id)
    }

    /// The term that finds an item's document (to replace or remove it).
    pub fn id_term(&self, id: i64) -> Term {
        Term::from_field_u64(self.id, id_key(id))
    }
}

/// Item ids are positive; the index keeps them as u64.
pub fn id_key(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |positions: bool| {
        let record = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::WithFreqs };
        TextOptions::default()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(record))
    };
    let id = b.add_u64_field("id", INDEXED | STORED);
    let all = b.add_text_field("all", text(true));
    let title = b.add_text_field("title", text(true).set_stored());
    let tags_text = b.add_text_field("tags", text(false));
    let summary = b.add_text_field("summary", STORED);
    let facets = Facet::ALL.iter().map(|f| (*f, b.add_text_field(f.as_str(), STRING | STORED))).collect();
    let packed = COLUMNS.map(|name| b.add_u64_field(name, FAST));
    let tags_rest = b.add_u64_field(TAGS_REST, FAST);
    let rank = b.add_u64_field(RANK, FAST);
    let featured = b.add_u64_field("featured", INDEXED | STORED);
    let hero = b.add_u64_field("hero", INDEXED | STORED);
    let resource_id = b.add_text_field("resource_id", STORED);
    let rating_average = b.add_f64_field("rating_average", STORED);
    let rating_count = b.add_u64_field("rating_count", STORED);
    let fields = Fields {
        id,
        all,
        title,
        tags_text,
        summary,
        facets,
        packed,
        tags_rest,
        rank,
        featured,
        hero,
        resource_id,
        rating_average,
        rating_count,
    };
    (b.build(), fields)
}

/// Make the index know the text fields' tokenizer.
pub fn register_tokenizer(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register(TOKENIZER, analyzer);
}

/// The rank column's value: featured items above the others, newer (higher id) above older.
pub fn rank(item: &CatalogItem) -> u64 {
    (u64::from(item.fields.featured) << 40) | (id_key(item.id) & ((1 << 40) - 1))
}

/// The document of a listed item, numbering its facet values in `dictionaries`.
pub fn document(fields: &Fields, item: &CatalogItem, dictionaries: &mut Dictionaries) -> TantivyDocument {
    let f = &item.fields;
    let mut doc = TantivyDocument::default();
    doc.add_u64(fields.id, id_key(item.id));
    doc.add_text(fields.title, &f.title);
    doc.add_text(fields.summary, &f.summary);
    for text in [&f.title, &f.summary, &f.description].into_iter().chain(&f.tags) {
        doc.add_text(fields.all, text);
    }
    for tag in &f.tags {
        doc.add_text(fields.tags_text, tag);
    }
    let mut numbers = Vec::new();
    for (facet, field) in &fields.facets {
        for value in facet.values(item) {
            doc.add_text(*field, &value);
            numbers.push((*facet, dictionaries.number(*facet, &value)));
        }
    }
    let packed = pack(&numbers);
    for (field, value) in fields.packed.iter().zip(packed.columns) {
        doc.add_u64(*field, value);
    }
    for n in packed.rest {
        doc.add_u64(fields.tags_rest, n);
    }
    doc.add_u64(fields.rank, rank(item));
    doc.add_u64(fields.featured, u64::from(f.featured));
    doc.add_u64(fields.hero, u64::from(f.hero));
    if let Some(r) = &f.resource_id {
        doc.add_text(fields.resource_id, r);
    }
    if let Some(avg) = item.ratings.average {
        doc.add_f64(fields.rating_average, avg);
    }
    doc.add_u64(fields.rating_count, item.ratings.count);
    doc
}

/// A hit from a stored document. Values the index wrote itself parse back; anything else
/// (which would be a bug) falls back to a default rather than failing the search.
pub fn hit(fields: &Fields, doc: &TantivyDocument, score: f32) -> Hit {
    let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str().map(str::to_string));
    let facet = |facet: Facet| text(fields.facet(facet));
    let number = |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
    Hit {
        id: i64::try_from(number(fields.id)).unwrap_or(0),
        score,
        title: text(fields.title).unwrap_or_default(),
        summary: text(fields.summary).unwrap_or_default(),
        kind: facet(Facet::Kind).and_then(|k| k.parse().ok()).unwrap_or(steward_store::catalog::ItemKind::Other),
        platform: facet(Facet::Platform).unwrap_or_default(),
        department: facet(Facet::Department),
        business_area: facet(Facet::BusinessArea),
        category: facet(Facet::Category),
        criticality: facet(Facet::Criticality).and_then(|c| c.parse().ok()),
        stage: facet(Facet::Stage).and_then(|s| s.parse().ok()).unwrap_or(steward_model::LifecycleStage::Idea),
        tags: doc.get_all(fields.facet(Facet::Tag)).filter_map(|v| v.as_str().map(str::to_string)).collect(),
        featured: number(fields.featured) == 1,
        hero: number(fields.hero) == 1,
        resource_id: text(fields.resource_id),
        rating_average: doc.get_first(fields.rating_average).and_then(|v| v.as_f64()),
        rating_count: number(fields.rating_count),
    }
}
