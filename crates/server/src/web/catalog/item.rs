//! `GET /catalog/{id}`: one item. Everyone sees the description, screenshots, owners,
//! support, stage and publication histories, ratings and reviews, and may rate, review and
//! request access. Those who manage the item also get the edit form, the checklist with
//! submit and withdraw, stage moves and the access requests to decide; approvers get approve
//! and reject; platform admins the feature and hero switches.

use super::form::ItemForm;
use super::view::{self, People, Stars};
use crate::AppState;
use crate::api::catalog::{Permissions, item_id, permissions};
use crate::auth::Caller;
use crate::catalog::access::Item;
use crate::catalog::ops;
use crate::error::ApiError;
use crate::web::links;
use crate::web::{Layout, Section, format};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use steward_catalog::lifecycle;
use steward_catalog::publication;
use steward_catalog::{AccessState, Check, Facet, PublicationState};

#[derive(Template)]
#[template(path = "catalog_item.html")]
pub struct ItemPage {
    layout: Layout,
    id: i64,
    title: String,
    summary: String,
    /// Paragraphs of the description.
    description: Vec<String>,
    kind: &'static str,
    stage: &'static str,
    stage_class: &'static str,
    state: &'static str,
    state_class: &'static str,
    listed: bool,
    featured: bool,
    hero: bool,
    facts: Vec<Fact>,
    tags: Vec<Link>,
    images: Vec<String>,
    external_shots: Vec<String>,
    documentation: Option<String>,
    stars: Stars,
    my_rating: u8,
    reviews: Vec<ReviewRow>,
    /// The caller's own access requests, newest first.
    my_requests: Vec<RequestRow>,
    can_request: bool,
    can: Permissions,
    checklist: Vec<Check>,
    checklist_passes: bool,
    can_submit: bool,
    can_withdraw: bool,
    can_decide: bool,
    stage_moves: Vec<Choice>,
    /// Every access request, for those who manage the item (open ones first).
    requests: Vec<RequestRow>,
    stage_history: Vec<StageRow>,
    publication_history: Vec<PublicationRow>,
    form: ItemForm,
    seq: i64,
    notice: Option<&'static str>,
    problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub label: String,
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub by: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub requester: String,
    pub reason: String,
    pub at: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub open: bool,
    pub decision: String,
}

#[derive(Debug, Clone)]
pub struct StageRow {
    pub at: String,
    pub from: &'static str,
    pub to: &'static str,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct PublicationRow {
    pub at: String,
    pub action: String,
    pub to: &'static str,
    pub to_class: &'static str,
    pub by: String,
    pub note: String,
    /// `5 of 6 checks passed` when the step ran the checklist.
    pub checks: String,
}

/// What a form's answer adds to the page: a confirmation, or the problem with the checklist.
#[derive(Debug, Default)]
pub struct Extras {
    pub notice: Option<&'static str>,
    pub problem: Option<String>,
    /// The checklist as a refused step found it.
    pub checks: Option<Vec<Check>>,
    /// What the editor sent, when the edit was refused (so nothing typed is lost).
    pub form: Option<ItemForm>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    done: Option<String>,
}

/// The confirmations a redirect after a form may ask for (fixed texts: nothing from the URL
/// is echoed).
pub fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "Proposed. Complete the checklist, then submit it for approval.",
        "edited" => "Saved.",
        "submitted" => "Submitted: an admin will review it.",
        "approved" => "Approved: the item is listed in the catalog.",
        "rejected" => "Rejected: the maker sees the reason.",
        "withdrawn" => "Withdrawn from the catalog.",
        "stage" => "Stage moved.",
        "featured" => "Feature settings saved.",
        "rated" => "Thank you for rating.",
        "reviewed" => "Your review is published.",
        "requested" => "Access requested: the owner will decide.",
        "decided" => "Decision recorded.",
        _ => return None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Response {
    let extras = Extras { notice: p.done.as_deref().and_then(notice), ..Extras::default() };
    let result = async { build(&state, &caller, ops::load(&state, &caller, item_id(&id)?).await?, extras).await }.await;
    render(&state, StatusCode::OK, result)
}

/// Render the page with a status (a refused form answers 4xx with the page and its problem).
pub fn render(state: &AppState, status: StatusCode, page: Result<ItemPage, ApiError>) -> Response {
    match page.and_then(|p| p.render().map_err(|e| ApiError::internal("rendering a page", e))) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => crate::web::errors::page(state, error),
    }
}

pub async fn build(state: &AppState, caller: &Caller, x: Item, extras: Extras) -> Result<ItemPage, ApiError> {
    let store = state.store.as_ref();
    let item = &x.item;
    let f = &item.fields;
    let id = item.id;
    let can = permissions(caller, &x);
    let mut people = People::new(state);

    let mut facts = vec![
        Fact { label: "Owner", value: people.name_or(f.owner.as_deref(), "Not named").await?, href: None },
        Fact {
            label: "Backup owner",
            value: people.name_or(f.backup_owner.as_deref(), "Not named").await?,
            href: None,
        },
        Fact {
            label: "Support",
            value: f
                .support_tier
                .map_or("Not declared".to_string(), |t| steward_responsibility::tier_label(t).to_string()),
            href: None,
        },
        Fact { label: "Platform", value: view::facet_value_label(Facet::Platform, &f.platform), href: None },
    ];
    for (label, facet, value) in [
        ("Department", Facet::Department, f.department.as_deref()),
        ("Business area", Facet::BusinessArea, f.business_area.as_deref()),
        ("Category", Facet::Category, f.category.as_deref()),
    ] {
        if let Some(v) = value {
            facts.push(Fact { label, value: v.to_string(), href: Some(view::facet_href(facet, v)) });
        }
    }
    if let Some(c) = f.criticality {
        facts.push(Fact {
            label: "Criticality",
            value: crate::web::resource_governance::impact_label(c).to_string(),
            href: Some(view::facet_href(Facet::Criticality, c.as_str())),
        });
    }
    if let Some(rid) = &f.resource_id {
        // A maker sees only their own resources; others get the id without a dead link.
        let (value, href) = match &x.resource {
            Some(r) if caller.can_see(r) => (r.display_name.clone(), Some(links::resource(&r.id))),
            Some(r) => (r.display_name.clone(), None),
            None => (format!("{rid} (no longer in the inventory)"), None),
        };
        facts.push(Fact { label: "Inventory resource", value, href });
    }
    facts.push(Fact { label: "Proposed", value: format::date(Some(item.created_at)), href: None });

    let tags = f.tags.iter().map(|t| Link { label: t.clone(), href: view::facet_href(Facet::Tag, t) }).collect();
    let (images, external_shots) = f.screenshots.iter().cloned().partition(|s| view::local_image(s));

    let mut reviews = Vec::new();
    for r in store.catalog_reviews(id).await.map_err(|e| ApiError::store("reading reviews", e))? {
        reviews.push(ReviewRow { by: people.name(&r.by).await?, at: format::date(Some(r.at)), text: r.text });
    }

    let requests_seen = ops::access_requests(state, caller, &x).await?;
    let mut my_requests = Vec::new();
    let mut requests = Vec::new();
    for r in requests_seen.iter().rev() {
        let row = RequestRow {
            id: r.id,
            requester: people.name(&r.requester).await?,
            reason: r.reason.clone(),
            at: format::date(Some(r.requested_at)),
            state: match r.state {
                AccessState::Requested => "Waiting",
                AccessState::Granted => "Granted",
                AccessState::Declined => "Declined",
            },
            state_class: match r.state {
                AccessState::Requested => "badge badge-warn",
                AccessState::Granted => "badge badge-ok",
                AccessState::Declined => "badge badge-bad",
            },
            open: r.state == AccessState::Requested,
            decision: match (&r.decided_by, r.decided_at) {
                (Some(by), Some(at)) => {
                    let note = r.decision_note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
                    format!("by {} on {}{note}", people.name(by).await?, format::date(Some(at)))
                }
                _ => String::new(),
            },
        };
        if r.requester == caller.username {
            my_requests.push(row.clone());
        }
        if can.manage {
            requests.push(row);
        }
    }
    requests.sort_by_key(|r| !r.open);
    let listed = item.state == PublicationState::Listed;
    let can_request = listed && !my_requests.iter().any(|r| r.open);

    let show_checklist = can.manage || can.approve;
    let mut checklist = match extras.checks {
        Some(checks) => checks,
        None if show_checklist => ops::checklist(state, &x).await?,
        None => Vec::new(),
    };
    let checklist_passes = publication::passes(&checklist);
    // The owners check names people by id; the page shows their names.
    for check in checklist.iter_mut().filter(|c| c.id == publication::CHECK_OWNERS) {
        for id in [f.owner.as_deref(), f.backup_owner.as_deref()].into_iter().flatten() {
            check.detail = check.detail.replace(id, &people.name(id).await?);
        }
    }
    let steps = publication::allowed_steps(item.state);
    let allowed = |a: steward_catalog::PublicationAction| steps.contains(&a);
    let stage_moves = if can.manage {
        lifecycle::allowed_moves(item.stage, caller.is_admin())
            .into_iter()
            .map(|s| Choice { value: s.as_str(), label: view::stage_label(s) })
            .collect()
    } else {
        Vec::new()
    };

    let mut stage_history = Vec::new();
    for e in store.stage_history(id).await.map_err(|e| ApiError::store("reading the stage history", e))?.iter().rev() {
        stage_history.push(StageRow {
            at: format::date_time(Some(e.at)),
            from: e.from_stage.map_or("—", view::stage_label),
            to: view::stage_label(e.to_stage),
            by: people.name(&e.by).await?,
            note: e.note.clone().unwrap_or_default(),
        });
    }
    let mut publication_history = Vec::new();
    let events =
        store.publication_history(id).await.map_err(|e| ApiError::store("reading the publication history", e))?;
    for e in events.iter().rev() {
        let passed = e.checklist.iter().filter(|c| c.passed).count();
        publication_history.push(PublicationRow {
            at: format::date_time(Some(e.at)),
            action: format::humanize(e.action.as_str()),
            to: view::state_label(e.to_state),
            to_class: view::state_class(e.to_state),
            by: people.name(&e.by).await?,
            note: e.note.clone().unwrap_or_default(),
            checks: if e.checklist.is_empty() {
                String::new()
            } else {
                format!("{passed} of {} checks passed", e.checklist.len())
            },
        });
    }

    let my_rating = ops::my_rating(state, caller, id).await?.unwrap_or(0);
    let form = extras.form.unwrap_or_else(|| ItemForm::of(f)).with_names(&mut people).await?;
    Ok(ItemPage {
        layout: Layout::new(state, caller, f.title.clone(), Some(Section::Catalog)),
        id,
        title: f.title.clone(),
        summary: f.summary.clone(),
        description: f.description.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect(),
        kind: f.kind.label(),
        stage: view::stage_label(item.stage),
        stage_class: view::stage_class(item.stage),
        state: view::state_label(item.state),
        state_class: view::state_class(item.state),
        listed,
        featured: f.featured,
        hero: f.hero,
        facts,
        tags,
        images,
        external_shots,
        documentation: f.documentation_url.clone(),
        stars: view::stars(item.ratings.average, item.ratings.count),
        my_rating,
        reviews,
        my_requests,
        can_request,
        can,
        checklist,
        checklist_passes,
        can_submit: can.manage && allowed(steward_catalog::PublicationAction::Submit),
        can_withdraw: can.manage && allowed(steward_catalog::PublicationAction::Withdraw),
        can_decide: can.approve && allowed(steward_catalog::PublicationAction::Approve),
        stage_moves,
        requests,
        stage_history,
        publication_history,
        form,
        seq: item.seq,
        notice: extras.notice,
        problem: extras.problem,
    })
}
