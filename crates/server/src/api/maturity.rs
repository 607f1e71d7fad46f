//! `/api/v1/assessments` and `/api/v1/maturity/…`: maturity assessments (issue #8) — models,
//! assessments with their report (the JSON export), answers and their history, evidence,
//! completion, the comparison of business units, the ALM decision and findings. The rules are
//! [`crate::maturity`]'s, shared with the pages.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::maturity;
use crate::params::{self, Params};
use crate::routes::{Access, Routes};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use steward_assess::report::{self, Report, Table};
use steward_assess::service::{self, TypedAnswer};
use steward_store::maturity::{AnswerEvent, Assessment, AssessmentQuery, AssessmentState, RecordedAnswers, ScopeKind};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/maturity/models", Access::Read, models)
        .get("/api/v1/maturity/comparison", Access::Read, comparison)
        .get("/api/v1/maturity/alm/findings", Access::Read, findings)
        .get("/api/v1/resources/{id}/alm", Access::Read, alm)
        .get("/api/v1/assessments", Access::Read, list)
        .post("/api/v1/assessments", Access::Maker, create)
        .get("/api/v1/assessments/{id}", Access::Read, show)
        .get("/api/v1/assessments/{id}/history", Access::Read, history)
        .get("/api/v1/assessments/{id}/progress", Access::Read, progress)
        .post("/api/v1/assessments/{id}/answers", Access::Maker, answer)
        .post("/api/v1/assessments/{id}/evidence", Access::Maker, evidence)
        .post("/api/v1/assessments/{id}/complete", Access::Maker, complete)
}

pub fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| maturity::not_found_raw(raw))
}

/// `GET /api/v1/maturity/models`: every loaded model with its areas and questions.
pub async fn models(State(state): State<AppState>) -> Json<steward_assess::Models> {
    Json((*state.maturity.models).clone())
}

/// `?scope=&scope_ref=&state=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    pub scope: Option<String>,
    pub scope_ref: Option<String>,
    pub state: Option<String>,
}

/// `GET /api/v1/assessments`: by id.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ListParams>,
) -> Result<Json<Vec<Assessment>>, ApiError> {
    let scope = match params::text(&p.scope) {
        None => None,
        Some(s) => Some(s.parse::<ScopeKind>().map_err(|e| ApiError::invalid("scope", format!("`scope`: {e}")))?),
    };
    let st = match params::text(&p.state) {
        None => None,
        Some(s) => Some(s.parse::<AssessmentState>().map_err(|e| ApiError::invalid("state", format!("`state`: {e}")))?),
    };
    let query = AssessmentQuery { scope, scope_ref: params::text(&p.scope_ref), state: st };
    Ok(Json(maturity::list(&state, &caller, &query).await?))
}

const CREATE_SHAPE: &str = "{\"scope\": \"organisation|business_unit|solution\", \"scope_ref\": \"Sales or a resource id\", \
     \"title\": \"…\", \"models\": [\"alm\", …]}";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub scope: ScopeKind,
    #[serde(default)]
    pub scope_ref: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub models: Vec<String>,
}

/// `POST /api/v1/assessments`: 201 with the assessment, evidence pre-filled.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<Assessment>), ApiError> {
    let b: CreateBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON {CREATE_SHAPE} ({e})")))?;
    let a = maturity::create(&state, &caller, b.title, b.scope, b.scope_ref, b.models).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// `GET /api/v1/assessments/{id}`: the report — scores, levels, reasons, gaps, actions, answers.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Report>, ApiError> {
    let a = maturity::readable(&state, &caller, id_of(&raw)?).await?;
    let answers = state.store.assessment_answers(a.id).await.map_err(|e| ApiError::store("reading answers", e))?;
    Ok(Json(report::build(&state.maturity.models, &a, &answers)))
}

/// `GET /api/v1/assessments/{id}/history`: every change of its answers, oldest first.
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<AnswerEvent>>, ApiError> {
    let a = maturity::readable(&state, &caller, id_of(&raw)?).await?;
    Ok(Json(state.store.answer_history(a.id).await.map_err(|e| ApiError::store("reading answer history", e))?))
}

/// `GET /api/v1/assessments/{id}/progress`: the levels per area of every assessment of the same
/// scope, oldest first.
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Table>, ApiError> {
    let a = maturity::readable(&state, &caller, id_of(&raw)?).await?;
    let series = service::series(state.store.as_ref(), &a).await.map_err(maturity::assess_error)?;
    Ok(Json(report::table(report::points(&state.maturity.models, &series))))
}

const ANSWER_SHAPE: &str = "{\"answers\": [{\"question_id\": \"alignment.coe\", \"answer\": \"yes\", \"comment\": \"…\", \
     \"links\": [\"https://…\"]}]} (answer: yes/no, 1–5, a choice id, a number or text; empty clears it)";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersBody {
    pub answers: Vec<AnswerBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub question_id: String,
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub links: Vec<String>,
}

/// `POST /api/v1/assessments/{id}/answers`: record answers; all or none.
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Json<RecordedAnswers>, ApiError> {
    let id = id_of(&raw)?;
    let b: AnswersBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON {ANSWER_SHAPE} ({e})")))?;
    let typed: Vec<TypedAnswer> = b
        .answers
        .into_iter()
        .map(|a| TypedAnswer { question_id: a.question_id, text: a.answer, comment: a.comment, links: a.links })
        .collect();
    Ok(Json(maturity::answer(&state, &caller, id, &typed).await?))
}

/// `POST /api/v1/assessments/{id}/evidence`: read the evidence again.
pub async fn evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Assessment>, ApiError> {
    Ok(Json(maturity::refresh(&state, &caller, id_of(&raw)?).await?))
}

/// `POST /api/v1/assessments/{id}/complete`
pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Assessment>, ApiError> {
    Ok(Json(maturity::complete(&state, &caller, id_of(&raw)?).await?))
}

/// `GET /api/v1/maturity/comparison`: the latest assessment of each business unit, area by area.
pub async fn comparison(State(state): State<AppState>) -> Result<Json<Table>, ApiError> {
    let units = service::business_units(state.store.as_ref()).await.map_err(maturity::assess_error)?;
    Ok(Json(report::table(report::points(&state.maturity.models, &units))))
}

#[derive(Debug, Serialize)]
pub struct Findings {
    pub threshold: steward_model::ImpactLevel,
    pub findings: Vec<steward_assess::alm::Finding>,
}

/// Resources listed per criticality level at most.
pub const FINDINGS_LIMIT: u32 = 500;

/// `GET /api/v1/maturity/alm/findings`: resources at or above the threshold without managed ALM.
pub async fn findings(State(state): State<AppState>, caller: Caller) -> Result<Json<Findings>, ApiError> {
    let findings = maturity::findings(&state, &caller, FINDINGS_LIMIT).await?;
    Ok(Json(Findings { threshold: state.maturity.config.alm_criticality_threshold, findings }))
}

/// `GET /api/v1/resources/{id}/alm`: the ALM decision for a resource.
pub async fn alm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<steward_assess::alm::AlmDecision>, ApiError> {
    let resource = state
        .store
        .get_resource(&id)
        .await
        .map_err(|e| ApiError::store("reading a resource", e))?
        .filter(|r| caller.can_see(r))
        .ok_or_else(|| ApiError::NotFound { what: "resource", plural: "/api/v1/resources", id: id.clone() })?;
    Ok(Json(maturity::alm_decision(&state, &resource).await?))
}
