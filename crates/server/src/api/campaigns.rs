//! Campaigns: the campaigns, their tasks with what each takes now, a task's audit trail, and
//! answering a task. Starting campaigns, the scheduler's tick and write actions stay with the
//! CLI (`steward campaign …`); the API records answers, which is what owners and managers do.
//!
//! An answer computed on a task someone else moved meanwhile is refused with 409 Conflict (look
//! at the task again); one the task's state does not take is refused with 400, naming what it
//! does take.

use crate::AppState;
use crate::api::paging;
use crate::audit;
use crate::auth::Caller;
use crate::auth::scope::{Visible, sees_resource};
use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::params::{self, Params};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_campaigns::CampaignError;
use steward_campaigns::feed::StepTaken;
use steward_campaigns::manage::{self, TaskDetail, TaskView};
use steward_model::UnknownValue;
use steward_store::StoreError;
use steward_store::campaigns::{Campaign, CampaignQuery, CampaignState};

/// What a campaign request can fail with: the API's errors, and a conflict.
#[derive(Debug)]
pub enum CampaignApiError {
    Api(ApiError),
    /// The task moved since the answer was computed (HTTP 409).
    Conflict(String),
}

impl From<ApiError> for CampaignApiError {
    fn from(e: ApiError) -> Self {
        CampaignApiError::Api(e)
    }
}

impl IntoResponse for CampaignApiError {
    fn into_response(self) -> Response {
        match self {
            CampaignApiError::Api(e) => e.into_response(),
            CampaignApiError::Conflict(message) => {
                tracing::debug!(message = %message, "answer refused: stale");
                let body = ErrorBody { error: ErrorDetail { code: "conflict".into(), message } };
                (StatusCode::CONFLICT, Json(body)).into_response()
            }
        }
    }
}

/// A campaign error as the API answers it: 404 for unknown ids, 409 for a stale answer, 400
/// for an answer the task does not take or that lacks its reason.
fn campaign_error(context: &str, e: CampaignError) -> CampaignApiError {
    match e {
        CampaignError::Stale { .. } => CampaignApiError::Conflict(e.to_string()),
        CampaignError::Refused(_) | CampaignError::Feed(_) => ApiError::BadRequest(e.to_string()).into(),
        CampaignError::Store(StoreError::NotFound { what, id }) => {
            ApiError::NotFound { what, plural: plural(what), id }.into()
        }
        CampaignError::Store(e) => ApiError::store(context, e).into(),
        other => ApiError::internal(context.to_string(), other).into(),
    }
}

fn plural(what: &str) -> &'static str {
    if what == "campaign" { "/api/v1/campaigns" } else { "/api/v1/campaign-tasks" }
}

fn id(what: &'static str, text: &str) -> Result<i64, ApiError> {
    text.trim().parse().map_err(|_| ApiError::NotFound { what, plural: plural(what), id: text.to_string() })
}

/// Query parameters of `GET /api/v1/campaigns`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignParams {
    pub kind: Option<String>,
    pub state: Option<String>,
    /// Page size; the whole list when absent.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Campaigns, newest first, in the one list shape.
pub type CampaignList = steward_model::Page<Campaign>;

/// `GET /api/v1/campaigns?kind=&state=`
pub async fn list(
    State(state): State<AppState>,
    Params(p): Params<CampaignParams>,
) -> Result<Json<CampaignList>, ApiError> {
    let kind = params::one_of::<steward_campaigns::CampaignKind>("kind", &p.kind)?;
    let campaign_state = params::text(&p.state)
        .map(|s| {
            s.parse::<CampaignState>()
                .map_err(|e: UnknownValue| ApiError::invalid("state", format!("parameter `state`: {e}")))
        })
        .transpose()?;
    let query = CampaignQuery { kind: kind.map(|k| k.as_str().to_string()), state: campaign_state };
    let mut items = state.store.list_campaigns(&query).await.map_err(|e| ApiError::store("listing campaigns", e))?;
    items.reverse();
    Ok(Json(paging::slice(items, params::limit(&p.limit)?, params::cursor(&p.cursor)?.as_deref())?))
}

/// A campaign with how many of its tasks are in each state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDetail {
    pub campaign: Campaign,
    pub tasks_by_state: BTreeMap<String, u64>,
    /// Where its tasks are listed.
    pub tasks: String,
}

/// `GET /api/v1/campaigns/{id}`
pub async fn show(State(state): State<AppState>, Path(raw): Path<String>) -> Result<Json<CampaignDetail>, ApiError> {
    let id = id("campaign", &raw)?;
    let store = state.store.as_ref();
    let campaign = store
        .get_campaign(id)
        .await
        .map_err(|e| ApiError::store("reading a campaign", e))?
        .ok_or_else(|| ApiError::NotFound { what: "campaign", plural: plural("campaign"), id: raw.clone() })?;
    let query = steward_store::campaigns::TaskQuery { campaign_id: Some(id), ..Default::default() };
    let rows = store.list_campaign_tasks(&query).await.map_err(|e| ApiError::store("listing a campaign's tasks", e))?;
    let tasks_by_state = steward_campaigns::feed::count_states(rows.iter().map(|r| r.state.as_str()));
    Ok(Json(CampaignDetail { campaign, tasks_by_state, tasks: format!("/api/v1/campaign-tasks?campaign={id}") }))
}

/// Query parameters of `GET /api/v1/campaign-tasks`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskParams {
    pub campaign: Option<String>,
    /// A principal id, a UPN or a team name.
    pub assignee: Option<String>,
    /// `open`, `closed` or a task state.
    pub state: Option<String>,
    /// Page size; the whole list when absent.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Tasks in the one list shape.
pub type TaskList = steward_model::Page<TaskView>;

/// `GET /api/v1/campaign-tasks?campaign=&assignee=&state=`; makers get the tasks about their
/// own resources and those assigned to them.
pub async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<TaskParams>,
) -> Result<Json<TaskList>, CampaignApiError> {
    let campaign = params::text(&p.campaign)
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::invalid("campaign", format!("parameter `campaign`: '{c}' is not a campaign id")))
        })
        .transpose()?;
    let store = state.store.as_ref();
    let assignee = params::text(&p.assignee);
    let task_state = params::text(&p.state);
    let query =
        manage::task_query(store, campaign, assignee.as_deref(), task_state.as_deref()).await.map_err(|e| match e {
            CampaignError::Feed(message) => ApiError::invalid("state", message).into(),
            other => campaign_error("listing campaign tasks", other),
        })?;
    let mut rows = store.list_campaign_tasks(&query).await.map_err(|e| ApiError::store("listing campaign tasks", e))?;
    let visible = Visible::of(&state, &caller).await?;
    if !visible.is_all() {
        rows.retain(|t| visible.allows(&t.resource_id) || assigned_to(&caller, t));
    }
    let items = rows
        .into_iter()
        .map(TaskView::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| campaign_error("reading campaign tasks", e))?;
    let (limit, cursor) = (params::limit(&p.limit)?, params::cursor(&p.cursor)?);
    Ok(Json(paging::slice(items, limit, cursor.as_deref())?))
}

/// `GET /api/v1/campaign-tasks/{id}`: the task, what it takes now, its campaign and history.
/// A maker's answer is "not found" unless the task is about their resource or asks them.
pub async fn task(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<TaskDetail>, CampaignApiError> {
    let id = id("campaign task", &raw)?;
    let detail = manage::task_detail(state.store.as_ref(), id)
        .await
        .map_err(|e| campaign_error("reading a campaign task", e))?;
    let task = &detail.view.task;
    if !assigned_to(&caller, task) && !sees_resource(&state, &caller, &task.resource_id).await? {
        return Err(ApiError::NotFound { what: "campaign task", plural: plural("campaign task"), id: raw }.into());
    }
    Ok(Json(detail))
}

/// Whether the task asks the caller (its assignee is the caller's principal).
fn assigned_to(caller: &Caller, task: &steward_store::campaigns::CampaignTask) -> bool {
    caller.principal_id.as_deref() == Some(task.assignee.as_str())
}

/// What `POST /api/v1/campaign-tasks/{id}/answer` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answered {
    pub step: StepTaken,
    /// The task as it is now.
    pub task: TaskView,
}

const ANSWER_SHAPE: &str = "the body must be a JSON object: {\"answer\": \"keep\", \"reason\": \"…\", \"by\": \"NAME\"} \
     (`reason` for exempted, keep, decline and withdraw; `to` for reassign; `note` optional)";

/// `POST /api/v1/campaign-tasks/{id}/answer` with `{"answer": …, "by": …, "reason"|"to"|"note": …}`.
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Json<Answered>, CampaignApiError> {
    let id = id("campaign task", &raw)?;
    let before = may_answer(&state, &caller, id).await?;
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("{ANSWER_SHAPE} ({e})")))?;
    let object = value.as_object().ok_or_else(|| ApiError::BadRequest(ANSWER_SHAPE.into()))?;
    for key in object.keys() {
        if !["answer", "by", "reason", "to", "note"].contains(&key.as_str()) {
            return Err(ApiError::BadRequest(format!("unknown field `{key}`; {ANSWER_SHAPE}")).into());
        }
    }
    let text = |key: &str| -> Result<Option<String>, ApiError> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(_) => Err(ApiError::BadRequest(format!("`{key}` must be a string; {ANSWER_SHAPE}"))),
        }
    };
    let word = text("answer")?.ok_or_else(|| ApiError::BadRequest(format!("`answer` is missing; {ANSWER_SHAPE}")))?;
    let by = text("by")?.ok_or_else(|| ApiError::invalid("by", "`by` must name who answers"))?;
    let (reason, to, note) = (text("reason")?, text("to")?, text("note")?);
    let store = state.store.as_ref();
    let by = manage::resolve_principal(store, &by).await.map_err(|e| campaign_error("resolving `by`", e))?;
    let to = match to {
        Some(to) => Some(manage::resolve_principal(store, &to).await.map_err(|e| campaign_error("resolving `to`", e))?),
        None => None,
    };
    // The reason of answers that need one may also come as `note`.
    let answer = manage::parse_answer(&word, reason.as_deref().or(note.as_deref()), to.as_deref())
        .map_err(|e| campaign_error("reading the answer", e))?;
    let applied = manage::answer_task(store, id, &answer, &by, note.as_deref(), chrono::Utc::now())
        .await
        .map_err(|e| campaign_error("answering a campaign task", e))?;
    let task = TaskView::new(applied.task.clone()).map_err(|e| campaign_error("reading the answered task", e))?;
    let step = StepTaken::from(&applied);
    let after = serde_json::json!({ "task": &applied.task, "answer": word, "by": by, "step": &step });
    audit::record(&state, &caller, "campaign.answer", format!("campaign-task:{id}"), audit::json(&before), Some(after))
        .await;
    Ok(Json(Answered { step, task }))
}

/// The task, when the caller may answer it: whoever can act on its resource (owners, admins
/// of its environment, platform admins) or the principal it is assigned to.
async fn may_answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<steward_store::campaigns::CampaignTask, ApiError> {
    let store = state.store.as_ref();
    let not_found =
        || ApiError::NotFound { what: "campaign task", plural: "/api/v1/campaign-tasks", id: id.to_string() };
    let task = store.get_campaign_task(id).await.map_err(|e| ApiError::store("reading a campaign task", e))?;
    let task = task.ok_or_else(not_found)?;
    if caller.is_admin() || caller.principal_id.as_deref() == Some(task.assignee.as_str()) {
        return Ok(task);
    }
    let resource = store.get_resource(&task.resource_id).await.map_err(|e| ApiError::store("reading a resource", e))?;
    let allowed = match &resource {
        Some(r) => caller.can_act_on(r),
        // The resource is gone: its environment still decides.
        None => caller.administers(&task.environment_id),
    };
    if allowed {
        Ok(task)
    } else if resource.as_ref().is_some_and(|r| !caller.can_see(r)) {
        Err(not_found())
    } else {
        Err(ApiError::Forbidden(format!(
            "campaign task {id} is about resource '{}', which you may not change; its owners, the admins of \
             environment '{}' or the person it is assigned to answer it",
            task.resource_id, task.environment_id
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_status() {
        let status = |e: CampaignError| campaign_error("testing", e).into_response().status();
        assert_eq!(status(CampaignError::Stale { id: 1, state: "kept".into() }), StatusCode::CONFLICT);
        assert_eq!(status(CampaignError::Feed("unknown answer".into())), StatusCode::BAD_REQUEST);
        let missing = StoreError::NotFound { what: "campaign task", id: "9".into() };
        assert_eq!(status(CampaignError::Store(missing)), StatusCode::NOT_FOUND);
        let refused = steward_campaigns::TransitionError::Incomplete { answer: "keep", missing: "a reason" };
        assert_eq!(status(CampaignError::Refused(refused)), StatusCode::BAD_REQUEST);
    }
}
