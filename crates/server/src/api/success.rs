//! Success detection: detections and their review, and the board's rule set.

use crate::AppState;
use crate::api::paging;
use crate::audit;
use crate::auth::Caller;
use crate::auth::scope::{Visible, sees_resource};
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use steward_model::ResourceKind;
use steward_store::success::{Detection, DetectionQuery, DetectionState, DetectionTransition, StateChange};
use steward_success::{RuleChange, RuleSet, SuccessError, active_rules};

/// Query parameters of `GET /api/v1/success/detections`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DetectionParams {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub rule: Option<String>,
    pub tenant: Option<String>,
    /// `true` (the default): only detections that still fire; `false`: also the others.
    pub active_only: Option<String>,
    /// Page size; the whole list when absent.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Detections in the one list shape.
pub type DetectionList = steward_model::Page<Detection>;

/// `GET /api/v1/success/detections`; a maker's lists detections of their own resources.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<DetectionParams>,
) -> Result<Json<DetectionList>, ApiError> {
    let active_only = match params::text(&p.active_only) {
        None => true,
        Some(_) => params::flag("active_only", &p.active_only)?,
    };
    let query = DetectionQuery {
        tenant_id: params::text(&p.tenant),
        state: params::one_of::<DetectionState>("state", &p.state)?,
        kind: params::one_of::<ResourceKind>("kind", &p.kind)?,
        rule_id: params::text(&p.rule),
        resource_id: None,
        active: active_only.then_some(true),
    };
    let mut items = state.store.list_detections(&query).await.map_err(|e| ApiError::store("listing detections", e))?;
    Visible::of(&state, &caller).await?.retain(&mut items, |d| Some(&d.resource_id));
    Ok(Json(paging::slice(items, params::limit(&p.limit)?, params::cursor(&p.cursor)?.as_deref())?))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionDetail {
    pub detection: Detection,
    pub history: Vec<DetectionTransition>,
}

/// `GET /api/v1/success/detections/{id}`: "not found" for a maker unless it is about their resource.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DetectionDetail>, ApiError> {
    let id = detection_id(&id)?;
    let detection = state
        .store
        .get_detection(id)
        .await
        .map_err(|e| ApiError::store("reading a detection", e))?
        .ok_or_else(|| not_found(id))?;
    if !sees_resource(&state, &caller, &detection.resource_id).await? {
        return Err(not_found(id));
    }
    let history = state.store.detection_history(id).await.map_err(|e| ApiError::store("reading a history", e))?;
    Ok(Json(DetectionDetail { detection, history }))
}

/// The body of `POST /api/v1/success/detections/{id}/state`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    pub state: String,
    pub by: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/success/detections/{id}/state`
pub async fn set_state(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Detection>, ApiError> {
    let id = detection_id(&id)?;
    let body: StateBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be JSON {{\"state\": \"reviewed|promoted|dismissed\", \"by\": \"NAME\", \"note\": \"…\"}} ({e})"
        ))
    })?;
    let to = body.state.parse::<DetectionState>().map_err(|e| ApiError::invalid("state", format!("`state`: {e}")))?;
    let by = body.by.trim();
    if by.is_empty() {
        return Err(ApiError::invalid("by", "`by` must name who decides"));
    }
    let change = StateChange {
        state: to,
        by: by.to_string(),
        note: body.note.filter(|n| !n.trim().is_empty()),
        at: chrono::Utc::now(),
        expected: None,
    };
    let before = state.store.get_detection(id).await.map_err(|e| ApiError::store("reading a detection", e))?;
    match state.store.set_detection_state(id, &change).await {
        Ok(d) => {
            let target = format!("detection:{id}");
            audit::record(&state, &caller, "success.state", target, audit::json(&before), audit::json(&d)).await;
            Ok(Json(d))
        }
        Err(steward_store::StoreError::NotFound { .. }) => Err(not_found(id)),
        Err(e) => Err(ApiError::store("reviewing a detection", e)),
    }
}

/// The rule set in use and the saved versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesView {
    /// `saved` or `defaults`.
    pub origin: String,
    pub version: u32,
    pub toml: String,
    pub rules: RuleSet,
    pub saved_by: Option<String>,
    pub saved_at: Option<steward_model::Timestamp>,
    pub versions: Vec<RuleVersion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleVersion {
    pub version: u32,
    pub saved_by: String,
    pub saved_at: steward_model::Timestamp,
    pub active: bool,
}

/// `GET /api/v1/success/rules`
pub async fn rules(State(state): State<AppState>) -> Result<Json<RulesView>, ApiError> {
    let active = active_rules(state.store.as_ref()).await.map_err(success_error)?;
    let versions = state
        .store
        .success_rule_sets()
        .await
        .map_err(|e| ApiError::store("reading rule sets", e))?
        .into_iter()
        .map(|s| RuleVersion { version: s.version, saved_by: s.saved_by, saved_at: s.saved_at, active: s.active })
        .collect();
    Ok(Json(RulesView {
        origin: active.origin().to_string(),
        version: active.rules.version,
        saved_by: active.saved.as_ref().map(|s| s.saved_by.clone()),
        saved_at: active.saved.as_ref().map(|s| s.saved_at),
        toml: active.toml,
        rules: active.rules,
        versions,
    }))
}

/// Query parameters of `PUT /api/v1/success/rules`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PutRulesParams {
    /// `true` saves and records; anything else only answers what would change.
    pub apply: Option<String>,
    pub by: Option<String>,
    /// The last day of every window, YYYY-MM-DD (default today, UTC).
    pub as_of: Option<String>,
}

/// `PUT /api/v1/success/rules` (TOML body): what the rule set would change; adopts it with `apply=true`.
pub async fn put_rules(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<PutRulesParams>,
    body: Bytes,
) -> Result<Json<RuleChange>, ApiError> {
    let apply = params::flag("apply", &p.apply)?;
    let as_of = match params::text(&p.as_of) {
        None => chrono::Utc::now().date_naive(),
        Some(v) => v.parse().map_err(|_| {
            ApiError::invalid("as_of", format!("parameter `as_of`: '{v}' is not a date; use YYYY-MM-DD"))
        })?,
    };
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the body must be the rule set as UTF-8 TOML text".into()))?;
    let rules = RuleSet::parse(text, "the request body").map_err(|e| success_error(e.into()))?;
    let store = state.store.as_ref();
    let change = if apply {
        let by = params::text(&p.by).unwrap_or_else(|| caller.username.clone());
        let before =
            active_rules(store).await.ok().map(|a| serde_json::json!({ "rules": a.toml, "origin": a.origin() }));
        let change = steward_success::apply(store, &rules, text, &by, as_of).await.map_err(success_error)?;
        let after =
            Some(serde_json::json!({ "rules": text, "version": change.to_version, "summary": change.summary() }));
        audit::record(&state, &caller, "success.rules", "success-rules:active", before, after).await;
        change
    } else {
        steward_success::plan(store, &rules, as_of).await.map_err(success_error)?
    };
    Ok(Json(change))
}

fn success_error(e: SuccessError) -> ApiError {
    match e {
        SuccessError::Rules(_) | SuccessError::StaleVersion { .. } => ApiError::BadRequest(e.to_string()),
        SuccessError::Store { context, source } => ApiError::store(&context, source),
        other => ApiError::internal("evaluating success rules", other),
    }
}

fn detection_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| not_found_text(text))
}

fn not_found(id: i64) -> ApiError {
    not_found_text(&id.to_string())
}

fn not_found_text(id: &str) -> ApiError {
    ApiError::NotFound { what: "detection", plural: "/api/v1/success/detections", id: id.to_string() }
}
