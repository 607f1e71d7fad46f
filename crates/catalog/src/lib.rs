//! The app catalog: where people in the organisation find apps, flows, agents and AI models
//! that already exist, and where makers publish what they built.
//!
//! - [`publication`]: the workflow (draft → submitted → listed, rejected, withdrawn) and its
//!   checklist (description, owner and backup owner, support tier, documentation link,
//!   screenshots, no open `must` violations), evaluated to submit and again to approve;
//! - [`lifecycle`]: the maturity stages (idea → prototype → pilot → production → retired), who
//!   moved an item and when, and [`lifecycle::promote`] for campaigns;
//! - [`Catalog`]: the full-text search index with facets over listed items, rebuilt from the
//!   store at start and refreshed incrementally by the store's change numbers;
//! - [`seed`]: catalog items proposed from the inventory's most used resources (the demo).
//!
//! Items, histories, ratings, reviews and access requests are kept by the store
//! (`steward_store::catalog`); this crate holds the rules and the index, and no HTTP. Who may
//! do what (roles, ownership) is the server's decision. docs/catalog.md is the user's guide.

mod error;
mod index;
pub mod lifecycle;
pub mod publication;
mod search;
pub mod seed;
pub mod synthetic;

pub use error::CatalogError;
pub use index::{Catalog, IndexStats, RefreshReport};
pub use search::{DEFAULT_PER_PAGE, Facet, FacetCounts, FacetValue, Hit, MAX_PER_PAGE, SearchQuery, SearchResults};
pub use seed::{SeedOptions, SeedReport, seed_from_inventory};
pub use steward_store::catalog::{
    AccessDecision, AccessQuery, AccessRequest, AccessState, CatalogEdit, CatalogItem, CatalogQuery, Check, ItemFields,
    ItemKind, NewAccessRequest, NewCatalogItem, NewReview, Outcome, PublicationAction, PublicationEvent,
    PublicationState, Rating, RatingSummary, Review, StageEvent,
};
