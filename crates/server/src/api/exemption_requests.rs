//! `/api/v1/exemption-requests`: ask for an exemption, list requests, approve or decline one.
//! The rules live in [`crate::queues::requests`], shared with the queue page.

use crate::AppState;
use crate::api::paging;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::queues::requests::{self, Decided, RequestInput, Verdict};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use steward_model::Page;
use steward_store::exemption_requests::{ExemptionRequest, ExemptionRequestQuery, RequestState};

const REQUEST_SHAPE: &str = "{\"policy_id\": \"ID\", \"resource_id\": \"ID\", \"reason\": \"…\", \
     \"expires_at\": \"YYYY-MM-DD\" or \"for_days\": N}";

/// `POST /api/v1/exemption-requests` (JSON): 201 with the request, `requested`.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<ExemptionRequest>), ApiError> {
    let input: RequestInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON {REQUEST_SHAPE} ({e})")))?;
    let created = requests::create(&state, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `?state=&environment=&policy=&resource=&requested_by=&limit=&cursor=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    /// `requested`, `approved`, `declined`, or `all` (the default).
    pub state: Option<String>,
    pub environment: Option<String>,
    pub policy: Option<String>,
    pub resource: Option<String>,
    pub requested_by: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// `GET /api/v1/exemption-requests`: by id; makers see their own requests and those on their
/// resources, everyone else every request.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ListParams>,
) -> Result<Json<Page<ExemptionRequest>>, ApiError> {
    let state_filter = match params::text(&p.state) {
        None => None,
        Some(s) if s == "all" => None,
        Some(s) => {
            Some(s.parse::<RequestState>().map_err(|e| ApiError::invalid("state", format!("`state`: {e}, or all")))?)
        }
    };
    let query = ExemptionRequestQuery {
        state: state_filter,
        environment_ids: params::text(&p.environment).map(|e| vec![e]),
        requested_by: params::text(&p.requested_by),
        policy_id: params::text(&p.policy),
        subject_id: params::text(&p.resource),
    };
    let items = requests::list(&state, &caller, &query).await?;
    Ok(Json(paging::slice(items, params::limit(&p.limit)?, params::cursor(&p.cursor)?.as_deref())?))
}

fn request_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| requests::not_found(raw))
}

/// `GET /api/v1/exemption-requests/{id}`
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<ExemptionRequest>, ApiError> {
    Ok(Json(requests::load(&state, &caller, request_id(&raw)?).await?))
}

/// The body of an approval; every field is optional (an empty body approves as requested).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    pub note: Option<String>,
    /// Grant until then instead of the requested expiry (`YYYY-MM-DD` or RFC 3339).
    pub expires_at: Option<String>,
    pub for_days: Option<u32>,
}

/// The body of a decline.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    #[serde(alias = "note")]
    pub reason: Option<String>,
}

/// `POST /api/v1/exemption-requests/{id}/approve`: 200 with the request and the exemption it
/// granted; 409 when someone decided it meanwhile.
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Json<Decided>, ApiError> {
    let id = request_id(&raw)?;
    let body: ApproveBody = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::BadRequest(format!(
                "the body must be empty or JSON {{\"note\": \"…\", \"expires_at\": \"YYYY-MM-DD\" or \"for_days\": N}} ({e})"
            ))
        })?
    };
    let expires_at = requests::approval_expiry(&body.expires_at, body.for_days)?;
    let note = params::text(&body.note);
    Ok(Json(requests::decide(&state, &caller, id, Verdict::Approve { note, expires_at }).await?))
}

/// `POST /api/v1/exemption-requests/{id}/decline` (JSON `{"reason": "…"}`): 409 when someone
/// decided it meanwhile.
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Json<Decided>, ApiError> {
    let id = request_id(&raw)?;
    let body: DeclineBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON {{\"reason\": \"…\"}} ({e})")))?;
    let reason = params::text(&body.reason).unwrap_or_default();
    Ok(Json(requests::decide(&state, &caller, id, Verdict::Decline { reason }).await?))
}
