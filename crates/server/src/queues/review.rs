//! The queue's own decisions: reviewing a success candidate (and, when it is promoted,
//! proposing a catalog item for its resource) and answering a campaign task. Publication
//! requests go through the catalog's operations and exemption requests through
//! [`super::requests`], so every way in applies the same rules.
//!
//! A decision names the state it was made on; when the item moved meanwhile the decision is
//! refused with a conflict and nothing is written.

use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::catalog::Failure;
use crate::catalog::input::{ItemInput, NewItemInput};
use crate::error::ApiError;
use chrono::Utc;
use serde_json::json;
use steward_campaigns::CampaignError;
use steward_campaigns::manage::{self, TaskView};
use steward_catalog::CatalogItem;
use steward_store::StoreError;
use steward_store::success::{Detection, DetectionState, StateChange};

/// What reviewing a success candidate did.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub detection: Detection,
    /// The catalog item proposed for the resource, when asked and possible.
    pub proposed: Option<CatalogItem>,
    /// Why no item was proposed although asked (the resource has one already, say).
    pub not_proposed: Option<String>,
}

/// Move a detection to `to` if it is still `expected` (when given), as a platform admin.
/// Promoting with `propose` also proposes a draft catalog item for its resource.
pub async fn review_detection(
    state: &AppState,
    caller: &Caller,
    id: i64,
    to: DetectionState,
    expected: Option<DetectionState>,
    note: Option<String>,
    propose: bool,
) -> Result<Reviewed, ApiError> {
    if !caller.is_admin() {
        return Err(ApiError::Forbidden("only a platform admin reviews success candidates".into()));
    }
    let store = state.store.as_ref();
    let not_found =
        || ApiError::NotFound { what: "detection", plural: "/api/v1/success/detections", id: id.to_string() };
    let before = store.get_detection(id).await.map_err(|e| ApiError::store("reading a detection", e))?;
    let before = before.ok_or_else(not_found)?;
    // The store checks `expected` again inside its transaction (the race); this early check only
    // gives the common case a better answer, naming who moved it, from the row read for the audit.
    if let Some(expected) = expected
        && before.state != expected
    {
        return Err(ApiError::Conflict(format!(
            "detection {id} is `{}` now (moved by {}), not `{expected}`; nothing was changed",
            before.state,
            before.state_by.as_deref().unwrap_or("someone else")
        )));
    }
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let change = StateChange { state: to, by: caller.username.clone(), note: note.clone(), at: Utc::now(), expected };
    let detection = match store.set_detection_state(id, &change).await {
        Ok(d) => d,
        Err(StoreError::NotFound { .. }) => return Err(not_found()),
        // Another reviewer decided between the read above and this write.
        Err(StoreError::Conflict(message)) => return Err(ApiError::Conflict(message)),
        Err(StoreError::InvalidQuery(message)) => return Err(ApiError::BadRequest(message)),
        Err(e) => return Err(ApiError::store("reviewing a detection", e)),
    };
    let after = json!({"state": detection.state, "note": note});
    audit::record(
        state,
        caller,
        "success.review",
        format!("detection:{id}"),
        Some(json!({"state": before.state})),
        Some(after),
    )
    .await;

    let (mut proposed, mut not_proposed) = (None, None);
    if propose && to == DetectionState::Promoted {
        match propose_item(state, caller, &detection).await {
            Ok(item) => proposed = Some(item),
            Err(reason) => not_proposed = Some(reason),
        }
    }
    Ok(Reviewed { detection, proposed, not_proposed })
}

/// A draft catalog item for a promoted detection's resource, through the catalog's own
/// operation (checks, audit trail, index). Its owner completes it and submits it.
async fn propose_item(state: &AppState, caller: &Caller, d: &Detection) -> Result<CatalogItem, String> {
    let resource = state.store.get_resource(&d.resource_id).await.map_err(|e| e.to_string())?;
    let Some(resource) = resource else {
        return Err(format!("resource '{}' is no longer in the inventory", d.resource_id));
    };
    let owner = resource.owners.first().map(|o| o.principal_id.clone());
    let input = NewItemInput {
        resource_id: Some(resource.id.clone()),
        stage: None,
        note: Some(format!("proposed from success detection {} (rule {})", d.id, d.rule_id)),
        item: ItemInput {
            title: resource.display_name.clone(),
            summary: resource.description.clone().unwrap_or_default(),
            owner,
            ..ItemInput::default()
        },
    };
    crate::catalog::ops::create(state, caller, input).await.map_err(|e| match e {
        Failure::Api(e) => e.public_message(),
        other => other.message(),
    })
}

/// What answering a task did.
#[derive(Debug, Clone)]
pub struct Answered {
    pub task: TaskView,
    /// The event the answer was (`keep`, `archive`, …).
    pub event: String,
}

/// Answer a campaign task in the caller's queue (assigned to them, or to the platform team for
/// a platform admin), or on a resource the caller may act on. `expected` is the state the
/// answer was chosen on: a task that moved meanwhile is a conflict.
pub async fn answer_task(
    state: &AppState,
    caller: &Caller,
    id: i64,
    expected: Option<&str>,
    word: &str,
    reason: Option<&str>,
    to: Option<&str>,
) -> Result<Answered, ApiError> {
    let store = state.store.as_ref();
    let not_found =
        || ApiError::NotFound { what: "campaign task", plural: "/api/v1/campaign-tasks", id: id.to_string() };
    let task = store.get_campaign_task(id).await.map_err(|e| ApiError::store("reading a campaign task", e))?;
    let task = task.ok_or_else(not_found)?;
    let mine = super::is_assigned(state, caller, &task.assignee).await?;
    if !mine {
        let resource =
            store.get_resource(&task.resource_id).await.map_err(|e| ApiError::store("reading a resource", e))?;
        match resource {
            Some(r) => caller.must_act_on(&r)?,
            None if caller.is_admin() => {}
            None => return Err(ApiError::Forbidden(format!("campaign task {id} is not assigned to you"))),
        }
    }
    if let Some(expected) = expected.map(str::trim).filter(|s| !s.is_empty())
        && expected != task.state
    {
        return Err(ApiError::Conflict(format!(
            "campaign task {id} is `{}` now, not `{expected}`; look at it again before answering",
            task.state
        )));
    }
    let by = caller.principal_id.clone().unwrap_or_else(|| caller.username.clone());
    let to = match to.map(str::trim).filter(|t| !t.is_empty()) {
        Some(to) => Some(manage::resolve_principal(store, to).await.map_err(|e| campaign_error(id, e))?),
        None => None,
    };
    let answer = manage::parse_answer(word, reason, to.as_deref()).map_err(|e| campaign_error(id, e))?;
    let applied =
        manage::answer_task(store, id, &answer, &by, None, Utc::now()).await.map_err(|e| campaign_error(id, e))?;
    let event = applied.step.event.to_string();
    let after = json!({"state": applied.task.state, "assignee": applied.task.assignee, "answer": event, "by": by});
    let before = json!({"state": task.state, "assignee": task.assignee});
    audit::record(state, caller, "campaign_task.answer", format!("campaign_task:{id}"), Some(before), Some(after))
        .await;
    let task = TaskView::new(applied.task).map_err(|e| ApiError::internal("reading the answered task", e))?;
    Ok(Answered { task, event })
}

/// A campaign error in the API's terms: a task that moved is a conflict, an answer its state
/// does not take (or without its reason) a bad request.
fn campaign_error(id: i64, e: CampaignError) -> ApiError {
    match e {
        CampaignError::Stale { .. } => ApiError::Conflict(e.to_string()),
        CampaignError::Refused(_) | CampaignError::Feed(_) => ApiError::BadRequest(e.to_string()),
        CampaignError::Store(StoreError::NotFound { .. }) => {
            ApiError::NotFound { what: "campaign task", plural: "/api/v1/campaign-tasks", id: id.to_string() }
        }
        CampaignError::Store(e) => ApiError::store("answering a campaign task", e),
        other => ApiError::internal("answering a campaign task", other),
    }
}
