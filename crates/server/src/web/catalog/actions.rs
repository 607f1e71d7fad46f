//! The item page's forms. Each hands its fields to [`crate::catalog::ops`] (the API's
//! operations), then sends the browser back to the item (303, so a reload does not post
//! again) with a confirmation; a refused form shows the item page again with the problem and,
//! for a failing checklist, every check.

use super::form::{FormData, ItemForm};
use super::item::{self, Extras};
use crate::AppState;
use crate::api::catalog::item_id;
use crate::auth::Caller;
use crate::catalog::input::EditInput;
use crate::catalog::ops::{self, Step};
use crate::catalog::{Failure, checklist_message};
use crate::error::ApiError;
use crate::params;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use steward_model::LifecycleStage;

/// Back to the item with a confirmation, or the item page with what went wrong.
pub async fn finish(
    state: &AppState,
    caller: &Caller,
    id: i64,
    result: Result<(), Failure>,
    done: &str,
    form: Option<ItemForm>,
) -> Response {
    let (status, extras) = match result {
        Ok(()) => return Redirect::to(&format!("/catalog/{id}?done={done}")).into_response(),
        Err(Failure::Checklist(checks)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Extras { problem: Some(checklist_message(&checks)), checks: Some(checks), form, ..Extras::default() },
        ),
        // Refusals that are not about the form: the error page says why.
        Err(Failure::Api(
            e @ (ApiError::Forbidden(_)
            | ApiError::NotFound { .. }
            | ApiError::Unauthenticated
            | ApiError::Internal { .. }),
        )) => return crate::web::errors::page(state, e),
        Err(Failure::Api(e)) => (e.status(), Extras { problem: Some(e.public_message()), form, ..Extras::default() }),
    };
    let page = async { item::build(state, caller, ops::load(state, caller, id).await?, extras).await }.await;
    item::render(state, status, page)
}

/// The id in the path, or the not-found page.
macro_rules! id_or_page {
    ($state:expr, $id:expr) => {
        match item_id(&$id) {
            Ok(id) => id,
            Err(e) => return crate::web::errors::page(&$state, e),
        }
    };
}

/// `POST /catalog/{id}/edit`
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(d): Form<FormData>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = async {
        let input = EditInput { expected_seq: d.expected_seq(), item: d.input()? };
        ops::update(&state, &caller, id, input).await.map(|_| ())
    }
    .await;
    finish(&state, &caller, id, result, "edited", Some(ItemForm::sent(&d))).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    note: String,
    reason: String,
}

async fn step(state: AppState, caller: Caller, id: String, form: NoteForm, step: Step, done: &str) -> Response {
    let id = id_or_page!(state, id);
    let note = if step == Step::Reject { form.reason } else { form.note };
    let result = ops::publish(&state, &caller, id, step, Some(&note)).await.map(|_| ());
    if result.is_ok() {
        // The page this redirects to draws the Queues badge: count the decider's queues now,
        // so it shows the item gone (a failed count only leaves the badge to catch up).
        let _ = crate::queues::collect(&state, &caller).await;
    }
    finish(&state, &caller, id, result, done, None).await
}

/// `POST /catalog/{id}/submit`
pub async fn submit(State(s): State<AppState>, c: Caller, Path(id): Path<String>, Form(f): Form<NoteForm>) -> Response {
    step(s, c, id, f, Step::Submit, "submitted").await
}

/// `POST /catalog/{id}/withdraw`
pub async fn withdraw(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    step(s, c, id, f, Step::Withdraw, "withdrawn").await
}

/// `POST /catalog/{id}/approve`
pub async fn approve(
    State(s): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    step(s, c, id, f, Step::Approve, "approved").await
}

/// `POST /catalog/{id}/reject` (field `reason`)
pub async fn reject(State(s): State<AppState>, c: Caller, Path(id): Path<String>, Form(f): Form<NoteForm>) -> Response {
    step(s, c, id, f, Step::Reject, "rejected").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StageForm {
    to: String,
    note: String,
}

/// `POST /catalog/{id}/stage`
pub async fn stage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<StageForm>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = async {
        let to = params::one_of::<LifecycleStage>("to", &Some(f.to.clone()))?
            .ok_or_else(|| ApiError::invalid("to", "choose the stage to move to"))?;
        ops::move_stage(&state, &caller, id, to, Some(&f.note)).await.map(|_| ())
    }
    .await;
    finish(&state, &caller, id, result, "stage", None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeatureForm {
    featured: String,
    hero: String,
}

/// `POST /catalog/{id}/feature`: both switches are checkboxes; an unchecked one is not sent.
pub async fn feature(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<FeatureForm>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = async {
        let featured = params::flag("featured", &Some(f.featured.clone()))?;
        let hero = params::flag("hero", &Some(f.hero.clone()))?;
        ops::feature(&state, &caller, id, Some(featured), Some(hero)).await.map(|_| ())
    }
    .await;
    finish(&state, &caller, id, result, "featured", None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RateForm {
    stars: String,
}

/// `POST /catalog/{id}/rate`
pub async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<RateForm>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = async {
        let stars = f.stars.trim().parse::<u8>().map_err(|_| ApiError::invalid("stars", "choose 1 to 5 stars"))?;
        ops::rate(&state, &caller, id, stars).await.map(|_| ())
    }
    .await;
    finish(&state, &caller, id, result, "rated", None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    text: String,
}

/// `POST /catalog/{id}/review`
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = ops::review(&state, &caller, id, &f.text).await.map(|_| ());
    finish(&state, &caller, id, result, "reviewed", None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccessForm {
    reason: String,
}

/// `POST /catalog/{id}/access`
pub async fn request_access(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<AccessForm>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = ops::request_access(&state, &caller, id, &f.reason).await.map(|_| ());
    finish(&state, &caller, id, result, "requested", None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    decision: String,
    note: String,
}

/// `POST /catalog/{id}/access/{request}/decide` (field `decision`: granted or declined)
pub async fn decide_access(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, request)): Path<(String, String)>,
    Form(f): Form<DecideForm>,
) -> Response {
    let id = id_or_page!(state, id);
    let result = async {
        let request = request.trim().parse::<i64>().map_err(|_| ApiError::NotFound {
            what: "access request",
            plural: "the item's access requests",
            id: request.clone(),
        })?;
        let grant = match f.decision.as_str() {
            "granted" => true,
            "declined" => false,
            _ => return Err(ApiError::invalid("decision", "choose granted or declined").into()),
        };
        ops::decide_access(&state, &caller, id, request, grant, Some(&f.note)).await.map(|_| ())
    }
    .await;
    finish(&state, &caller, id, result, "decided", None).await
}
