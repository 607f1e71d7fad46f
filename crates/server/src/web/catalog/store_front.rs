//! `GET /catalog`: the store front. A search box, facets with counts (each value a link that
//! adds or removes itself and keeps every other filter), result cards and pages. Without a
//! search the landing view leads with the hero item and the featured row. Makers see their
//! own items that are not listed yet; approvers see how many wait for them.

use super::view::{self, Card, People};
use crate::AppState;
use crate::auth::Caller;
use crate::catalog::{access, query};
use crate::error::ApiError;
use crate::web::links::encode;
use crate::web::{Layout, Section, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use steward_catalog::{CatalogItem, CatalogQuery, Facet, PublicationState, SearchQuery, SearchResults};
use steward_model::Role;

/// Featured items on the landing view.
const FEATURED: usize = 4;
/// The caller's own unlisted items shown on the store front.
const MINE: u32 = 10;

#[derive(Template)]
#[template(path = "catalog.html")]
pub struct StoreFront {
    layout: Layout,
    q: String,
    landing: bool,
    hero: Option<Card>,
    featured: Vec<Card>,
    results: Vec<Card>,
    total: u64,
    page: usize,
    pages: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    facets: Vec<FacetView>,
    active: Vec<ActiveFilter>,
    /// The same words without any filter.
    clear_href: String,
    /// The filters the search form keeps when the words change.
    hidden: Vec<(&'static str, String)>,
    mine: Vec<MineRow>,
    /// Items waiting for approval (for those who approve), and how many in all.
    waiting: Vec<MineRow>,
    waiting_total: u64,
    can_propose: bool,
}

#[derive(Debug, Clone)]
pub struct FacetView {
    pub label: &'static str,
    pub values: Vec<FacetLink>,
}

#[derive(Debug, Clone)]
pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub selected: bool,
    /// This search with the value added (or removed, when selected), back on page 1.
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct ActiveFilter {
    pub label: String,
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct MineRow {
    pub href: String,
    pub title: String,
    pub state: &'static str,
    pub state_class: &'static str,
}

pub async fn show(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, uri.query()).await;
    respond(&state, page)
}

/// `/catalog` with these parameters.
fn href(q: &SearchQuery) -> String {
    let pairs = query::pairs(q);
    if pairs.is_empty() {
        return "/catalog".into();
    }
    let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    format!("/catalog?{}", text.join("&"))
}

/// The same search on another page.
fn on_page(q: &SearchQuery, page: usize) -> SearchQuery {
    SearchQuery { page, ..q.clone() }
}

/// The same search with one facet value added or removed, from page 1.
fn toggled(q: &SearchQuery, facet: Facet, value: &str) -> SearchQuery {
    let mut next = SearchQuery { page: 0, ..q.clone() };
    let pair = (facet, value.to_string());
    if let Some(i) = next.filters.iter().position(|p| *p == pair) {
        next.filters.remove(i);
    } else {
        next.filters.push(pair);
    }
    next
}

/// Values of one facet combine with OR, so a facet the search filters on counts what each of its
/// values would add: its counts come from the same search without that facet's own filters
/// (the other facets' filters kept). Without this, choosing "app" would leave "flow" at 0 and
/// out of the list, and a second kind could not be added from the page. The API answers the
/// counts of the result set itself (docs/catalog.md); this is the store front's view.
async fn disjunctive_counts(state: &AppState, q: &SearchQuery, results: &mut SearchResults) -> Result<(), ApiError> {
    let mut filtered: Vec<Facet> = q.filters.iter().map(|(f, _)| *f).collect();
    filtered.sort();
    filtered.dedup();
    for facet in filtered {
        let without = SearchQuery {
            filters: q.filters.iter().filter(|(f, _)| *f != facet).cloned().collect(),
            page: 1,
            per_page: 1,
            ..q.clone()
        };
        let sibling = state.catalog.search(state.store.as_ref(), &without).await?;
        let Some(mut counts) = sibling.facets.into_iter().find(|c| c.facet == facet) else { continue };
        for v in &mut counts.values {
            v.selected = q.filters.iter().any(|(f, value)| *f == facet && *value == v.value);
        }
        match results.facets.iter_mut().find(|c| c.facet == facet) {
            Some(slot) => *slot = counts,
            None => results.facets.push(counts),
        }
    }
    Ok(())
}

async fn build(state: &AppState, caller: &Caller, raw: Option<&str>) -> Result<StoreFront, ApiError> {
    let q = query::parse(raw)?;
    let store = state.store.as_ref();
    let mut results = state.catalog.search(store, &q).await?;
    disjunctive_counts(state, &q, &mut results).await?;
    let mut people = People::new(state);
    let landing = q.text.trim().is_empty() && q.filters.is_empty() && !q.featured_only && !q.hero_only && q.page <= 1;

    let (mut hero, mut featured) = (None, Vec::new());
    if landing {
        let heroes = state
            .catalog
            .search(store, &SearchQuery { hero_only: true, per_page: 1, ..SearchQuery::default() })
            .await?;
        if let Some(hit) = heroes.hits.first() {
            hero = Some(view::card(state, &mut people, hit).await?);
        }
        let top = SearchQuery { featured_only: true, per_page: FEATURED, ..SearchQuery::default() };
        for hit in state.catalog.search(store, &top).await?.hits {
            featured.push(view::card(state, &mut people, &hit).await?);
        }
    }
    let mut cards = Vec::with_capacity(results.hits.len());
    for hit in &results.hits {
        cards.push(view::card(state, &mut people, hit).await?);
    }

    let facets = results
        .facets
        .iter()
        .filter(|f| !f.values.is_empty())
        .map(|f| FacetView {
            label: f.facet.label(),
            values: f
                .values
                .iter()
                .map(|v| FacetLink {
                    label: view::facet_value_label(f.facet, &v.value),
                    count: v.count,
                    selected: v.selected,
                    href: href(&toggled(&q, f.facet, &v.value)),
                })
                .collect(),
        })
        .collect();
    let mut active: Vec<ActiveFilter> = q
        .filters
        .iter()
        .map(|(facet, value)| ActiveFilter {
            label: format!("{}: {}", facet.label(), view::facet_value_label(*facet, value)),
            href: href(&toggled(&q, *facet, value)),
        })
        .collect();
    if q.featured_only {
        active.push(ActiveFilter {
            label: "Featured only".into(),
            href: href(&SearchQuery { featured_only: false, page: 0, ..q.clone() }),
        });
    }
    let hidden = query::pairs(&SearchQuery { text: String::new(), page: 0, ..q.clone() });

    let pages = (results.total as usize).div_ceil(results.per_page.max(1)).max(1);
    let page = results.page;
    let prev_href = (page > 1).then(|| href(&on_page(&q, page - 1)));
    let next_href = (page < pages).then(|| href(&on_page(&q, page + 1)));

    let mine = mine(state, caller).await?;
    let (waiting, waiting_total) = waiting(state, caller).await?;
    Ok(StoreFront {
        layout: Layout::new(state, caller, "App catalog", Some(Section::Catalog)),
        q: q.text.clone(),
        landing,
        hero,
        featured,
        results: cards,
        total: results.total,
        page,
        pages,
        prev_href,
        next_href,
        facets,
        active,
        clear_href: href(&SearchQuery { text: q.text.clone(), ..SearchQuery::default() }),
        hidden,
        mine,
        waiting,
        waiting_total,
        can_propose: caller.allows(crate::routes::Access::Maker),
    })
}

/// The caller's items that are not listed (drafts, waiting, rejected, withdrawn).
async fn mine(state: &AppState, caller: &Caller) -> Result<Vec<MineRow>, ApiError> {
    if !caller.allows(crate::routes::Access::Maker) {
        return Ok(Vec::new());
    }
    let q = CatalogQuery {
        states: vec![
            PublicationState::Draft,
            PublicationState::Submitted,
            PublicationState::Rejected,
            PublicationState::Withdrawn,
        ],
        person: Some(access::identity(caller)),
        limit: Some(MINE),
        ..CatalogQuery::default()
    };
    let page =
        state.store.list_catalog_items(&q).await.map_err(|e| ApiError::store("listing your catalog items", e))?;
    Ok(page.items.into_iter().map(row).collect())
}

fn row(i: CatalogItem) -> MineRow {
    MineRow {
        href: view::item_href(i.id),
        title: i.fields.title,
        state: view::state_label(i.state),
        state_class: view::state_class(i.state),
    }
}

/// The items waiting for approval, oldest first, for those who approve.
async fn waiting(state: &AppState, caller: &Caller) -> Result<(Vec<MineRow>, u64), ApiError> {
    if !matches!(caller.role, Role::Admin | Role::EnvironmentAdmin) {
        return Ok((Vec::new(), 0));
    }
    let q = CatalogQuery { states: vec![PublicationState::Submitted], limit: Some(MINE), ..CatalogQuery::default() };
    let page = state.store.list_catalog_items(&q).await.map_err(|e| ApiError::store("listing submitted items", e))?;
    Ok((page.items.into_iter().map(row).collect(), page.total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_links_toggle_one_value_and_keep_the_rest() {
        let q = query::parse(Some("q=travel&kind=app&department=Finance&page=3")).expect("valid");
        assert_eq!(href(&toggled(&q, Facet::Kind, "flow")), "/catalog?q=travel&kind=app&kind=flow&department=Finance");
        assert_eq!(href(&toggled(&q, Facet::Kind, "app")), "/catalog?q=travel&department=Finance");
        assert_eq!(href(&on_page(&q, 4)), "/catalog?q=travel&kind=app&department=Finance&page=4");
    }
}
