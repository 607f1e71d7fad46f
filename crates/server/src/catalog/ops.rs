//! The catalog operations the API and the pages share. Each one reads the item, checks the
//! caller ([`super::access`]), applies the rules of `steward-catalog`, records the change in
//! the audit trail and brings the search index up to date, so that whoever made a change finds
//! it in the next search.

use super::access::{self, Item};
use super::failure::{Failure, from_catalog};
use super::input::{self, EditInput, NewItemInput};
use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::error::ApiError;
use chrono::Utc;
use serde_json::json;
use steward_catalog::lifecycle::{self, StageChange};
use steward_catalog::publication;
use steward_catalog::{
    AccessDecision, AccessQuery, AccessRequest, AccessState, CatalogEdit, CatalogItem, CatalogQuery, Check,
    NewAccessRequest, NewCatalogItem, NewReview, Outcome, PublicationState, RatingSummary, Review,
};
use steward_model::{ImpactLevel, LifecycleStage, Resource};

/// Longest review and access-request reason.
pub const MAX_TEXT: usize = 4_000;

fn target(id: i64) -> String {
    format!("catalog_item:{id}")
}

fn not_found(id: impl ToString) -> ApiError {
    ApiError::NotFound { what: "catalog item", plural: "/api/v1/catalog/items", id: id.to_string() }
}

/// An item the caller may see, with its resource; 404 otherwise (an item a maker may not see
/// is not admitted to exist).
pub async fn load(state: &AppState, caller: &Caller, id: i64) -> Result<Item, ApiError> {
    let store = state.store.as_ref();
    let item = store.get_catalog_item(id).await.map_err(|e| ApiError::store("reading a catalog item", e))?;
    let Some(item) = item else { return Err(not_found(id)) };
    let resource = match &item.fields.resource_id {
        Some(r) => store.get_resource(r).await.map_err(|e| ApiError::store("reading an item's resource", e))?,
        None => None,
    };
    let x = Item { item, resource };
    if !access::can_see(caller, &x) {
        return Err(not_found(id));
    }
    Ok(x)
}

/// Propose an item (a draft). With a resource, the caller must be able to act on it, and the
/// resource may have only one item.
pub async fn create(state: &AppState, caller: &Caller, input: NewItemInput) -> Result<CatalogItem, Failure> {
    let store = state.store.as_ref();
    let resource = match input.resource_id.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(id) => {
            let r = store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?;
            let r = r.ok_or_else(|| ApiError::invalid("resource_id", format!("`resource_id`: no resource '{id}'")))?;
            caller.must_act_on(&r)?;
            let existing = store
                .list_catalog_items(&CatalogQuery {
                    resource_id: Some(r.id.clone()),
                    limit: Some(1),
                    ..Default::default()
                })
                .await
                .map_err(|e| ApiError::store("looking for the resource's item", e))?;
            if let Some(other) = existing.items.first() {
                return Err(ApiError::Conflict(format!(
                    "resource '{}' already has catalog item {} (/catalog/{}); edit that item instead",
                    r.id, other.id, other.id
                ))
                .into());
            }
            Some(r)
        }
    };
    let mut item = input.item;
    if item.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
        item.owner = Some(access::identity(caller));
    }
    let mut fields = input::fields(&item, None, resource.as_ref())?;
    if let Some(r) = &resource {
        fields.criticality = Some(criticality(state, r).await?);
    }
    let new = NewCatalogItem {
        fields,
        stage: input.stage.unwrap_or(LifecycleStage::Idea),
        created_by: access::identity(caller),
        created_at: Utc::now(),
        note: input.note.filter(|n| !n.trim().is_empty()),
    };
    let created = store.create_catalog_item(&new).await.map_err(|e| ApiError::store("creating a catalog item", e))?;
    done(state, caller, "catalog.create", created.id, None, audit::json(&created)).await;
    Ok(created)
}

/// The criticality the responsibility rules give the resource (usage and declared impact): a
/// search facet, filled by the server rather than typed by the maker.
async fn criticality(state: &AppState, resource: &Resource) -> Result<ImpactLevel, ApiError> {
    let governance =
        state.store.get_governance(&resource.id).await.map_err(|e| ApiError::store("reading governance", e))?;
    let assessed = crate::api::responsibility::assess_resource(state, resource, &governance).await?;
    Ok(assessed.responsibility.criticality)
}

/// Replace an item's description (not its stage, state or feature flags).
pub async fn update(state: &AppState, caller: &Caller, id: i64, input: EditInput) -> Result<CatalogItem, Failure> {
    let x = load(state, caller, id).await?;
    access::must_manage(caller, &x)?;
    let fields = input::fields(&input.item, Some(&x.item.fields), x.resource.as_ref())?;
    let edit = CatalogEdit { fields, expected_seq: input.expected_seq, by: caller.username.clone(), at: Utc::now() };
    let outcome =
        state.store.update_catalog_item(id, &edit).await.map_err(|e| ApiError::store("editing a catalog item", e))?;
    let updated = applied(outcome, "edited")?;
    done(state, caller, "catalog.update", id, audit::json(&x.item), audit::json(&updated)).await;
    Ok(updated)
}

/// The item as it is now, or a conflict naming what moved.
fn applied(outcome: Outcome<CatalogItem>, what: &str) -> Result<CatalogItem, ApiError> {
    match outcome {
        Outcome::Applied(item) => Ok(item),
        Outcome::Stale(now) => Err(ApiError::Conflict(format!(
            "catalog item {} changed since it was read (its change number is now {}), so it was not {what}; reload it \
             and try again",
            now.id, now.seq
        ))),
    }
}

/// The publication steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Approve,
    Reject,
    Withdraw,
}

impl Step {
    pub fn action(self) -> &'static str {
        match self {
            Step::Submit => "catalog.submit",
            Step::Approve => "catalog.approve",
            Step::Reject => "catalog.reject",
            Step::Withdraw => "catalog.withdraw",
        }
    }
}

/// Take a publication step: owners submit and withdraw, approvers approve and reject (with a
/// reason). Submitting and approving run the checklist.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    id: i64,
    step: Step,
    note: Option<&str>,
) -> Result<CatalogItem, Failure> {
    let x = load(state, caller, id).await?;
    match step {
        Step::Submit | Step::Withdraw => access::must_manage(caller, &x)?,
        Step::Approve | Step::Reject => access::must_approve(caller, &x)?,
    }
    let store = state.store.as_ref();
    let (by, at) = (caller.username.as_str(), Utc::now());
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let result = match step {
        Step::Submit => publication::submit(store, id, by, at, note).await,
        Step::Approve => publication::approve(store, id, by, at, note).await,
        Step::Reject => publication::reject(store, id, by, at, note.unwrap_or_default()).await,
        Step::Withdraw => publication::withdraw(store, id, by, at, note).await,
    };
    let item = result.map_err(|e| from_catalog("taking a publication step", e))?;
    let before = json!({"state": x.item.state, "stage": x.item.stage});
    let after = json!({"state": item.state, "stage": item.stage, "note": note});
    done(state, caller, step.action(), id, Some(before), Some(after)).await;
    Ok(item)
}

/// Move an item's maturity stage (one step at a time; admins may make any move).
pub async fn move_stage(
    state: &AppState,
    caller: &Caller,
    id: i64,
    to: LifecycleStage,
    note: Option<&str>,
) -> Result<CatalogItem, Failure> {
    let x = load(state, caller, id).await?;
    access::must_manage(caller, &x)?;
    let change = StageChange {
        to,
        by: caller.username.clone(),
        at: Utc::now(),
        note: note.map(str::to_string),
        admin: caller.is_admin(),
    };
    let item = lifecycle::move_stage(state.store.as_ref(), id, &change)
        .await
        .map_err(|e| from_catalog("moving a stage", e))?;
    let before = json!({"stage": x.item.stage});
    let after = json!({"stage": item.stage, "note": note});
    done(state, caller, "catalog.stage", id, Some(before), Some(after)).await;
    Ok(item)
}

/// Feature an item or make it the catalog's hero (platform admins; the route says so).
pub async fn feature(
    state: &AppState,
    caller: &Caller,
    id: i64,
    featured: Option<bool>,
    hero: Option<bool>,
) -> Result<CatalogItem, Failure> {
    if featured.is_none() && hero.is_none() {
        return Err(
            ApiError::BadRequest("say what to change: `featured`, `hero` or both (true or false)".into()).into()
        );
    }
    // The flags do not depend on the rest of the item, so an edit that slipped in between is
    // kept and the flags applied on top of it; a few attempts settle any race.
    for _ in 0..3 {
        let x = load(state, caller, id).await?;
        let mut fields = x.item.fields.clone();
        fields.featured = featured.unwrap_or(fields.featured);
        fields.hero = hero.unwrap_or(fields.hero);
        let edit = CatalogEdit { fields, expected_seq: Some(x.item.seq), by: caller.username.clone(), at: Utc::now() };
        let outcome = state
            .store
            .update_catalog_item(id, &edit)
            .await
            .map_err(|e| ApiError::store("featuring a catalog item", e))?;
        if let Outcome::Applied(item) = outcome {
            let before = json!({"featured": x.item.fields.featured, "hero": x.item.fields.hero});
            let after = json!({"featured": item.fields.featured, "hero": item.fields.hero});
            done(state, caller, "catalog.feature", id, Some(before), Some(after)).await;
            return Ok(item);
        }
    }
    Err(ApiError::Conflict(format!("catalog item {id} keeps changing; try again in a moment")).into())
}

/// Ratings, reviews and access requests are for listed items: the catalog's public face.
fn must_be_listed(x: &Item, what: &str) -> Result<(), ApiError> {
    if x.item.state == PublicationState::Listed {
        return Ok(());
    }
    Err(ApiError::Conflict(format!(
        "catalog item {} is {}, not listed; only listed items take {what}",
        x.item.id, x.item.state
    )))
}

fn text_given(parameter: &'static str, value: &str, what: &str) -> Result<String, ApiError> {
    let text = value.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(parameter, format!("`{parameter}`: {what}")));
    }
    let n = text.chars().count();
    if n > MAX_TEXT {
        return Err(ApiError::invalid(parameter, format!("`{parameter}` is {n} characters long; at most {MAX_TEXT}")));
    }
    Ok(text.to_string())
}

/// Set the caller's rating (one per person and item; rating again replaces it).
pub async fn rate(state: &AppState, caller: &Caller, id: i64, stars: u8) -> Result<RatingSummary, Failure> {
    let x = load(state, caller, id).await?;
    must_be_listed(&x, "ratings")?;
    if !(1..=5).contains(&stars) {
        return Err(ApiError::invalid("stars", format!("a rating is 1 to 5 stars, not {stars}")).into());
    }
    let store = state.store.as_ref();
    let before = my_rating(state, caller, id).await?;
    let summary = store
        .rate_catalog_item(id, &caller.username, stars, Utc::now())
        .await
        .map_err(|e| ApiError::store("rating a catalog item", e))?;
    let after = json!({"stars": stars});
    done(state, caller, "catalog.rate", id, before.map(|s| json!({"stars": s})), Some(after)).await;
    Ok(summary)
}

/// The caller's own rating of an item, if any.
pub async fn my_rating(state: &AppState, caller: &Caller, id: i64) -> Result<Option<u8>, ApiError> {
    let ratings = state.store.catalog_ratings(id).await.map_err(|e| ApiError::store("reading ratings", e))?;
    Ok(ratings.into_iter().find(|r| r.user == caller.username).map(|r| r.stars))
}

/// Add a review.
pub async fn review(state: &AppState, caller: &Caller, id: i64, text: &str) -> Result<Review, Failure> {
    let x = load(state, caller, id).await?;
    must_be_listed(&x, "reviews")?;
    let text = text_given("text", text, "write the review")?;
    let new = NewReview { item_id: id, by: caller.username.clone(), text, at: Utc::now() };
    let review = state.store.add_catalog_review(&new).await.map_err(|e| ApiError::store("adding a review", e))?;
    done(state, caller, "catalog.review", id, None, audit::json(&review)).await;
    Ok(review)
}

/// Ask the item's owner for access; one open request per person and item.
pub async fn request_access(
    state: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> Result<AccessRequest, Failure> {
    let x = load(state, caller, id).await?;
    must_be_listed(&x, "access requests")?;
    let reason = text_given("reason", reason, "say why you need access, so the owner can decide")?;
    let store = state.store.as_ref();
    let open = AccessQuery {
        item_id: Some(id),
        requester: Some(caller.username.clone()),
        state: Some(AccessState::Requested),
    };
    let pending = store.list_access_requests(&open).await.map_err(|e| ApiError::store("reading access requests", e))?;
    if let Some(p) = pending.first() {
        return Err(ApiError::Conflict(format!(
            "you asked for access to catalog item {id} on {} already (request {}); wait for the owner's decision",
            p.requested_at.format("%Y-%m-%d"),
            p.id
        ))
        .into());
    }
    let new = NewAccessRequest { item_id: id, requester: caller.username.clone(), reason, at: Utc::now() };
    let request = store.request_catalog_access(&new).await.map_err(|e| ApiError::store("requesting access", e))?;
    record(
        state,
        caller,
        "catalog.access_request",
        format!("catalog_access_request:{}", request.id),
        None,
        audit::json(&request),
    )
    .await;
    Ok(request)
}

/// The access requests of an item the caller may read: all of them for those who manage it,
/// their own for everyone else.
pub async fn access_requests(state: &AppState, caller: &Caller, x: &Item) -> Result<Vec<AccessRequest>, ApiError> {
    let mut query = AccessQuery { item_id: Some(x.item.id), ..AccessQuery::default() };
    if !access::can_manage(caller, x) {
        query.requester = Some(caller.username.clone());
    }
    state.store.list_access_requests(&query).await.map_err(|e| ApiError::store("reading access requests", e))
}

/// Every access request the caller may read (all for admins; otherwise their own and those
/// on items they manage), optionally in one state.
pub async fn all_access_requests(
    state: &AppState,
    caller: &Caller,
    wanted: Option<AccessState>,
) -> Result<Vec<AccessRequest>, ApiError> {
    let store = state.store.as_ref();
    let query = AccessQuery { state: wanted, ..AccessQuery::default() };
    let all = store.list_access_requests(&query).await.map_err(|e| ApiError::store("reading access requests", e))?;
    if caller.is_admin() {
        return Ok(all);
    }
    let mut manages: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for request in all {
        if request.requester == caller.username {
            out.push(request);
            continue;
        }
        let allowed = match manages.get(&request.item_id) {
            Some(a) => *a,
            None => {
                let a = match load(state, caller, request.item_id).await {
                    Ok(x) => access::can_manage(caller, &x),
                    Err(ApiError::NotFound { .. }) => false,
                    Err(e) => return Err(e),
                };
                manages.insert(request.item_id, a);
                a
            }
        };
        if allowed {
            out.push(request);
        }
    }
    Ok(out)
}

/// Grant or decline an access request of an item the caller manages.
pub async fn decide_access(
    state: &AppState,
    caller: &Caller,
    id: i64,
    request_id: i64,
    grant: bool,
    note: Option<&str>,
) -> Result<AccessRequest, Failure> {
    let x = load(state, caller, id).await?;
    access::must_manage(caller, &x)?;
    let store = state.store.as_ref();
    let requests = store
        .list_access_requests(&AccessQuery { item_id: Some(id), ..AccessQuery::default() })
        .await
        .map_err(|e| ApiError::store("reading access requests", e))?;
    let Some(before) = requests.into_iter().find(|r| r.id == request_id) else {
        return Err(ApiError::NotFound {
            what: "access request",
            plural: "/api/v1/catalog/items/{id}/access-requests",
            id: request_id.to_string(),
        }
        .into());
    };
    let decision = AccessDecision {
        state: if grant { AccessState::Granted } else { AccessState::Declined },
        by: caller.username.clone(),
        at: Utc::now(),
        note: note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
    };
    let outcome = store
        .decide_access_request(request_id, &decision)
        .await
        .map_err(|e| ApiError::store("deciding an access request", e))?;
    let decided = match outcome {
        Outcome::Applied(r) => r,
        Outcome::Stale(r) => {
            return Err(ApiError::Conflict(format!(
                "access request {request_id} was {} already by {}",
                r.state,
                r.decided_by.as_deref().unwrap_or("someone")
            ))
            .into());
        }
    };
    record(
        state,
        caller,
        "catalog.access_decide",
        format!("catalog_access_request:{request_id}"),
        audit::json(&before),
        audit::json(&decided),
    )
    .await;
    Ok(decided)
}

/// The checklist as the item stands now (what submitting would find).
pub async fn checklist(state: &AppState, x: &Item) -> Result<Vec<Check>, ApiError> {
    publication::checklist(state.store.as_ref(), &x.item.fields).await.map_err(|e| {
        match from_catalog("evaluating the checklist", e) {
            Failure::Api(e) => e,
            Failure::Checklist(_) => ApiError::internal("evaluating the checklist", "unexpected checklist failure"),
        }
    })
}

/// After a change to an item: the audit trail, then the index.
async fn done(
    state: &AppState,
    caller: &Caller,
    action: &str,
    id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) {
    record(state, caller, action, target(id), before, after).await;
}

async fn record(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) {
    audit::record(state, caller, action, target, before, after).await;
    state.catalog.refresh(state.store.as_ref()).await;
}
