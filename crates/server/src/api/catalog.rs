//! The app catalog under `/api/v1/catalog`: search with facets, items and their publication
//! workflow, maturity stages, feature flags, ratings, reviews and access requests.
//!
//! The handlers read the request and hand it to [`crate::catalog::ops`], which the pages use
//! too: one place checks who may do what, records the audit trail and refreshes the index.
//! A checklist that does not pass answers 422 with every check beside the error.

use crate::AppState;
use crate::auth::Caller;
use crate::catalog::access::{self, Item};
use crate::catalog::input::{EditInput, NewItemInput};
use crate::catalog::ops::{self, Step};
use crate::catalog::{Failure, query};
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use steward_catalog::{
    AccessRequest, AccessState, CatalogItem, CatalogQuery, Check, ItemKind, PublicationEvent, PublicationState,
    RatingSummary, Review, SearchResults, StageEvent,
};
use steward_model::{LifecycleStage, Page};

/// `GET /api/v1/catalog/search`: listed items matching `q` and the facet filters, with the
/// counts of every facet over the whole result set.
pub async fn search(State(state): State<AppState>, uri: Uri) -> Result<Json<SearchResults>, ApiError> {
    let q = query::parse(uri.query())?;
    Ok(Json(state.catalog.search(state.store.as_ref(), &q).await?))
}

/// Query parameters of `GET /api/v1/catalog/items`.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    /// One state or several, comma-separated.
    pub state: Option<String>,
    pub resource: Option<String>,
    pub kind: Option<String>,
    pub stage: Option<String>,
    /// Only items naming the caller as owner, backup owner or creator.
    pub mine: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// `GET /api/v1/catalog/items`: items by id in any state (the review queue is
/// `state=submitted`). Makers see listed items and their own; asking for other states narrows
/// to their own.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ListParams>,
) -> Result<Json<Page<CatalogItem>>, ApiError> {
    let mut states = Vec::new();
    for text in params::text(&p.state).unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let s = text
            .parse::<PublicationState>()
            .map_err(|e| ApiError::invalid("state", format!("parameter `state`: {e}")))?;
        if !states.contains(&s) {
            states.push(s);
        }
    }
    let mine = params::flag("mine", &p.mine)?;
    let only_listed = states == [PublicationState::Listed];
    let mut q = CatalogQuery {
        states,
        person: None,
        resource_id: params::text(&p.resource),
        kind: params::one_of::<ItemKind>("kind", &p.kind)?,
        stage: params::one_of::<LifecycleStage>("stage", &p.stage)?,
        limit: params::limit(&p.limit)?,
        cursor: params::cursor(&p.cursor)?,
    };
    if mine || (caller.sees_only_own() && !only_listed) {
        q.person = Some(access::identity(&caller));
    }
    let page = state.store.list_catalog_items(&q).await.map_err(|e| ApiError::store("listing catalog items", e))?;
    Ok(Json(page))
}

/// An item with its histories and what the caller may do with it.
#[derive(Debug, Serialize)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub item: CatalogItem,
    /// Stage moves, oldest first (the first is the creation).
    pub stage_history: Vec<StageEvent>,
    /// Publication steps, oldest first, each with the checklist it ran.
    pub publication_history: Vec<PublicationEvent>,
    /// The caller's own rating, if any.
    pub my_rating: Option<u8>,
    pub permissions: Permissions,
}

/// What the caller may do with an item (the same rules the operations enforce).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Permissions {
    /// Edit, submit, withdraw, move the stage, decide access requests.
    pub manage: bool,
    /// Approve or reject.
    pub approve: bool,
    /// Feature or make it the hero.
    pub feature: bool,
}

pub fn permissions(caller: &Caller, x: &Item) -> Permissions {
    Permissions {
        manage: access::can_manage(caller, x),
        approve: access::can_approve(caller, x),
        feature: caller.is_admin(),
    }
}

/// A path's item id; anything but a number names no item.
pub fn item_id(text: &str) -> Result<i64, ApiError> {
    text.trim().parse::<i64>().map_err(|_| ApiError::NotFound {
        what: "catalog item",
        plural: "/api/v1/catalog/items",
        id: text.to_string(),
    })
}

/// `GET /api/v1/catalog/items/{id}`
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ItemDetail>, ApiError> {
    let x = ops::load(&state, &caller, item_id(&id)?).await?;
    let store = state.store.as_ref();
    let id = x.item.id;
    let stage_history = store.stage_history(id).await.map_err(|e| ApiError::store("reading the stage history", e))?;
    let publication_history =
        store.publication_history(id).await.map_err(|e| ApiError::store("reading the publication history", e))?;
    let my_rating = ops::my_rating(&state, &caller, id).await?;
    let permissions = permissions(&caller, &x);
    Ok(Json(ItemDetail { item: x.item, stage_history, publication_history, my_rating, permissions }))
}

/// Read a JSON body; `shape` says what was expected. An empty body reads as the default when
/// `optional`.
fn body<T: DeserializeOwned + Default>(bytes: &Bytes, shape: &str, optional: bool) -> Result<T, ApiError> {
    if optional && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("the body must be JSON {shape} ({e})")))
}

const ITEM_SHAPE: &str = "{\"title\": …, \"kind\": \"app\", \"summary\": …, \"description\": …, \"owner\": …, \
                          \"backup_owner\": …, \"support_tier\": …, \"documentation_url\": …, \"screenshots\": [...], \
                          \"tags\": [...]}";

/// `POST /api/v1/catalog/items`: propose an item (a draft); 201 with it.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    bytes: Bytes,
) -> Result<(StatusCode, Json<CatalogItem>), Failure> {
    let input: NewItemInput = body(&bytes, ITEM_SHAPE, false)?;
    let item = ops::create(&state, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// `PUT /api/v1/catalog/items/{id}`: replace the description (409 when `expected_seq` is old).
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    let id = item_id(&id)?;
    let input: EditInput = body(&bytes, ITEM_SHAPE, false)?;
    Ok(Json(ops::update(&state, &caller, id, input).await?))
}

/// The checklist and whether it passes.
#[derive(Debug, Serialize)]
pub struct ChecklistView {
    pub passes: bool,
    pub checks: Vec<Check>,
}

/// `GET /api/v1/catalog/items/{id}/checklist`: what submitting would find now.
pub async fn checklist(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ChecklistView>, ApiError> {
    let x = ops::load(&state, &caller, item_id(&id)?).await?;
    let checks = ops::checklist(&state, &x).await?;
    Ok(Json(ChecklistView { passes: steward_catalog::publication::passes(&checks), checks }))
}

/// The body of a publication step.
#[derive(Debug, Default, Deserialize)]
pub struct StepBody {
    #[serde(default)]
    pub note: Option<String>,
    /// The reason of a rejection (`note` is accepted too).
    #[serde(default)]
    pub reason: Option<String>,
}

async fn step(
    state: AppState,
    caller: Caller,
    id: String,
    bytes: Bytes,
    step: Step,
) -> Result<Json<CatalogItem>, Failure> {
    let id = item_id(&id)?;
    let b: StepBody = body(&bytes, "{\"note\": …} or {\"reason\": …}", true)?;
    let note = b.reason.or(b.note);
    Ok(Json(ops::publish(&state, &caller, id, step, note.as_deref()).await?))
}

/// `POST /api/v1/catalog/items/{id}/submit`
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    step(state, caller, id, bytes, Step::Submit).await
}

/// `POST /api/v1/catalog/items/{id}/approve`
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    step(state, caller, id, bytes, Step::Approve).await
}

/// `POST /api/v1/catalog/items/{id}/reject`
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    step(state, caller, id, bytes, Step::Reject).await
}

/// `POST /api/v1/catalog/items/{id}/withdraw`
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    step(state, caller, id, bytes, Step::Withdraw).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StageBody {
    pub to: Option<LifecycleStage>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/catalog/items/{id}/stage`: move the maturity stage.
pub async fn stage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    let id = item_id(&id)?;
    let b: StageBody = body(&bytes, "{\"to\": \"pilot\", \"note\": …}", false)?;
    let to = b.to.ok_or_else(|| {
        ApiError::invalid("to", "`to`: the stage to move to (idea, prototype, pilot, production, retired)")
    })?;
    Ok(Json(ops::move_stage(&state, &caller, id, to, b.note.as_deref()).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct FeatureBody {
    #[serde(default)]
    pub featured: Option<bool>,
    #[serde(default)]
    pub hero: Option<bool>,
}

/// `POST /api/v1/catalog/items/{id}/feature`: feature it, or make it the hero (admins).
pub async fn feature(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<CatalogItem>, Failure> {
    let id = item_id(&id)?;
    let b: FeatureBody = body(&bytes, "{\"featured\": true, \"hero\": false}", false)?;
    Ok(Json(ops::feature(&state, &caller, id, b.featured, b.hero).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct RatingBody {
    pub stars: Option<u8>,
}

/// The item's ratings after the caller's.
#[derive(Debug, Serialize)]
pub struct RatingView {
    #[serde(flatten)]
    pub summary: RatingSummary,
    pub mine: u8,
}

/// `PUT /api/v1/catalog/items/{id}/rating`: the caller's rating, 1 to 5 (replaces theirs).
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<RatingView>, Failure> {
    let id = item_id(&id)?;
    let b: RatingBody = body(&bytes, "{\"stars\": 1 to 5}", false)?;
    let stars = b.stars.ok_or_else(|| ApiError::invalid("stars", "`stars`: 1 to 5"))?;
    let summary = ops::rate(&state, &caller, id, stars).await?;
    Ok(Json(RatingView { summary, mine: stars }))
}

/// `GET /api/v1/catalog/items/{id}/reviews`: newest first.
pub async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Page<Review>>, ApiError> {
    let x = ops::load(&state, &caller, item_id(&id)?).await?;
    let items = state.store.catalog_reviews(x.item.id).await.map_err(|e| ApiError::store("reading reviews", e))?;
    Ok(Json(whole(items)))
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewBody {
    #[serde(default)]
    pub text: String,
}

/// `POST /api/v1/catalog/items/{id}/reviews`: 201 with the review.
pub async fn add_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Review>), Failure> {
    let id = item_id(&id)?;
    let b: ReviewBody = body(&bytes, "{\"text\": …}", false)?;
    Ok((StatusCode::CREATED, Json(ops::review(&state, &caller, id, &b.text).await?)))
}

/// A list the handler holds whole, in the paging shape.
fn whole<T>(items: Vec<T>) -> Page<T> {
    let total = items.len() as u64;
    Page { items, total, next: None }
}

/// `GET /api/v1/catalog/items/{id}/access-requests`: all of them for those who manage the
/// item, one's own for everyone else.
pub async fn item_access_requests(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Page<AccessRequest>>, ApiError> {
    let x = ops::load(&state, &caller, item_id(&id)?).await?;
    Ok(Json(whole(ops::access_requests(&state, &caller, &x).await?)))
}

#[derive(Debug, Default, Deserialize)]
pub struct AccessBody {
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/v1/catalog/items/{id}/access-requests`: ask the owner for access; 201.
pub async fn request_access(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<AccessRequest>), Failure> {
    let id = item_id(&id)?;
    let b: AccessBody = body(&bytes, "{\"reason\": …}", false)?;
    Ok((StatusCode::CREATED, Json(ops::request_access(&state, &caller, id, &b.reason).await?)))
}

#[derive(Debug, Default, Deserialize)]
pub struct DecideBody {
    /// `granted` or `declined`.
    pub decision: Option<AccessState>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/catalog/items/{id}/access-requests/{request}/decide`
pub async fn decide_access(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, request)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Json<AccessRequest>, Failure> {
    let id = item_id(&id)?;
    let request = request.trim().parse::<i64>().map_err(|_| ApiError::NotFound {
        what: "access request",
        plural: "/api/v1/catalog/items/{id}/access-requests",
        id: request.clone(),
    })?;
    let b: DecideBody = body(&bytes, "{\"decision\": \"granted\" or \"declined\", \"note\": …}", false)?;
    let grant = match b.decision {
        Some(AccessState::Granted) => true,
        Some(AccessState::Declined) => false,
        _ => return Err(ApiError::invalid("decision", "`decision`: granted or declined").into()),
    };
    Ok(Json(ops::decide_access(&state, &caller, id, request, grant, b.note.as_deref()).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct AccessListParams {
    pub state: Option<String>,
}

/// `GET /api/v1/catalog/access-requests`: every request the caller may read (admins: all;
/// others: their own and those on items they manage), oldest first.
pub async fn access_requests(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<AccessListParams>,
) -> Result<Json<Page<AccessRequest>>, ApiError> {
    let wanted = params::one_of::<AccessState>("state", &p.state)?;
    Ok(Json(whole(ops::all_access_requests(&state, &caller, wanted).await?)))
}

/// The catalog's endpoints with their access levels (merged into the API's registry).
pub fn routes() -> crate::routes::Routes {
    use crate::routes::{Access, Routes};
    Routes::new()
        .get("/api/v1/catalog/search", Access::Read, search)
        .get("/api/v1/catalog/items", Access::Read, list)
        .post("/api/v1/catalog/items", Access::Maker, create)
        .get("/api/v1/catalog/items/{id}", Access::Read, show)
        .put("/api/v1/catalog/items/{id}", Access::Maker, update)
        .get("/api/v1/catalog/items/{id}/checklist", Access::Read, checklist)
        .post("/api/v1/catalog/items/{id}/submit", Access::Maker, submit)
        .post("/api/v1/catalog/items/{id}/withdraw", Access::Maker, withdraw)
        .post("/api/v1/catalog/items/{id}/stage", Access::Maker, stage)
        .post("/api/v1/catalog/items/{id}/approve", Access::EnvAdmin, approve)
        .post("/api/v1/catalog/items/{id}/reject", Access::EnvAdmin, reject)
        .post("/api/v1/catalog/items/{id}/feature", Access::Admin, feature)
        .put("/api/v1/catalog/items/{id}/rating", Access::Rate, rate)
        .get("/api/v1/catalog/items/{id}/reviews", Access::Read, reviews)
        .post("/api/v1/catalog/items/{id}/reviews", Access::Rate, add_review)
        .get("/api/v1/catalog/items/{id}/access-requests", Access::Read, item_access_requests)
        .post("/api/v1/catalog/items/{id}/access-requests", Access::Rate, request_access)
        .post("/api/v1/catalog/items/{id}/access-requests/{request}/decide", Access::Maker, decide_access)
        .get("/api/v1/catalog/access-requests", Access::Read, access_requests)
}
