//! What a catalog search asks and answers: [`SearchQuery`], [`SearchResults`], [`Facet`].

use serde::{Deserialize, Serialize};
use steward_model::{ImpactLevel, LifecycleStage};
use steward_store::catalog::{CatalogItem, ItemKind};

steward_model::string_enum!(
    /// A dimension results can be filtered and counted by. The text is also the name a query
    /// may use inline (`kind:app`) and the URL parameter of the web pages.
    Facet, "catalog facet" {
        Platform => "platform",
        Kind => "kind",
        Department => "department",
        BusinessArea => "business_area",
        Category => "category",
        Criticality => "criticality",
        Stage => "stage",
        Tag => "tag",
    }
);

impl Facet {
    /// A human label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Facet::Platform => "Platform",
            Facet::Kind => "Kind",
            Facet::Department => "Department",
            Facet::BusinessArea => "Business area",
            Facet::Category => "Category",
            Facet::Criticality => "Criticality",
            Facet::Stage => "Maturity stage",
            Facet::Tag => "Tags",
        }
    }

    /// The item's values for this facet (several for tags, none when unset).
    pub fn values(self, item: &CatalogItem) -> Vec<String> {
        let f = &item.fields;
        let one = |v: Option<&str>| v.map(|v| vec![v.to_string()]).unwrap_or_default();
        match self {
            Facet::Platform => one(Some(&f.platform)),
            Facet::Kind => one(Some(f.kind.as_str())),
            Facet::Department => one(f.department.as_deref()),
            Facet::BusinessArea => one(f.business_area.as_deref()),
            Facet::Category => one(f.category.as_deref()),
            Facet::Criticality => one(f.criticality.map(ImpactLevel::as_str)),
            Facet::Stage => one(Some(item.stage.as_str())),
            Facet::Tag => f.tags.clone(),
        }
    }
}

/// Default and largest page sizes.
pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 100;

/// One search. Filters on different facets combine with AND, several values of one facet
/// with OR; all of them combine with the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Words to look for in title, summary, description and tags (see docs/catalog.md for the
    /// syntax: phrases, `-word`, `OR`, `title:word`, `kind:app`). Empty matches every item.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub filters: Vec<(Facet, String)>,
    /// Only featured items.
    #[serde(default)]
    pub featured_only: bool,
    /// Only hero items (the catalog's banner).
    #[serde(default)]
    pub hero_only: bool,
    /// From 1; 0 counts as 1.
    #[serde(default)]
    pub page: usize,
    /// 1 to [`MAX_PER_PAGE`]; 0 means [`DEFAULT_PER_PAGE`].
    #[serde(default)]
    pub per_page: usize,
}

impl SearchQuery {
    /// A query for these words, first page.
    pub fn text(text: &str) -> SearchQuery {
        SearchQuery { text: text.to_string(), ..SearchQuery::default() }
    }

    /// Add a filter.
    pub fn filter(mut self, facet: Facet, value: &str) -> SearchQuery {
        self.filters.push((facet, value.to_string()));
        self
    }

    /// The page (from 1) and page size this query asks for, clamped.
    pub fn paging(&self) -> (usize, usize) {
        let per_page = if self.per_page == 0 { DEFAULT_PER_PAGE } else { self.per_page.min(MAX_PER_PAGE) };
        (self.page.max(1), per_page)
    }

    /// Whether a listed item passes the filters (not the text): the definition the index's
    /// filtering is tested against.
    pub fn filters_match(&self, item: &CatalogItem) -> bool {
        let mut facets: Vec<Facet> = self.filters.iter().map(|(f, _)| *f).collect();
        facets.sort();
        facets.dedup();
        facets.into_iter().all(|facet| {
            let wanted: Vec<&str> = self.filters.iter().filter(|(f, _)| *f == facet).map(|(_, v)| v.as_str()).collect();
            facet.values(item).iter().any(|v| wanted.contains(&v.as_str()))
        }) && (!self.featured_only || item.fields.featured)
            && (!self.hero_only || item.fields.hero)
    }
}

/// One result: what a result list shows, read from the index (no store round trip).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    pub title: String,
    pub summary: String,
    pub kind: ItemKind,
    pub platform: String,
    pub department: Option<String>,
    pub business_area: Option<String>,
    pub category: Option<String>,
    pub criticality: Option<ImpactLevel>,
    pub stage: LifecycleStage,
    pub tags: Vec<String>,
    pub featured: bool,
    pub hero: bool,
    pub resource_id: Option<String>,
    pub rating_average: Option<f64>,
    pub rating_count: u64,
}

/// How many matching items have one value of a facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
    /// The query filters on this value.
    pub selected: bool,
}

/// The counts of one facet over every item the query matches, most frequent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCounts {
    pub facet: Facet,
    pub values: Vec<FacetValue>,
}

/// A page of results with the facet counts of the whole result set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Items matching the query, in all pages.
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    /// Most relevant first; equally relevant: featured first, then newest.
    pub hits: Vec<Hit>,
    /// Every facet, in [`Facet::ALL`] order (values with no matching item are left out).
    pub facets: Vec<FacetCounts>,
}

impl SearchResults {
    /// The counts of one facet.
    pub fn facet(&self, facet: Facet) -> Option<&FacetCounts> {
        self.facets.iter().find(|f| f.facet == facet)
    }
}
