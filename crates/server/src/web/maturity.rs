//! `/maturity`: maturity assessments (issue #8) — the list with the form to start one, the
//! report (scores, levels, gaps, actions, progress chart), the answer form per area, the
//! printable page, the comparison of business units and the ALM findings. Forms post to routes
//! here that call [`crate::maturity`] like the API, then send the browser back (303).

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::maturity;
use crate::routes::{Access, Routes};
use crate::web::{Layout, Section, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use steward_assess::html;
use steward_assess::model::AnswerType;
use steward_assess::report::{self, Report, Table};
use steward_assess::score::AreaScore;
use steward_assess::service::{self, TypedAnswer};
use steward_model::Role;
use steward_store::maturity::{Assessment, AssessmentQuery, AssessmentState, ScopeKind};

pub fn routes() -> Routes {
    Routes::new()
        .get("/maturity", Access::Read, list)
        .post("/maturity", Access::Maker, create)
        .get("/maturity/compare", Access::Read, compare)
        .get("/maturity/alm", Access::Read, alm)
        .get("/maturity/{id}", Access::Read, show)
        .get("/maturity/{id}/print", Access::Read, print)
        .get("/maturity/{id}/areas/{area}", Access::Read, area_form)
        .post("/maturity/{id}/areas/{area}", Access::Maker, area_answer)
        .post("/maturity/{id}/evidence", Access::Maker, evidence)
        .post("/maturity/{id}/complete", Access::Maker, complete)
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| maturity::not_found_raw(raw))
}

/// One row of the list.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub scope: String,
    pub state: &'static str,
    pub created: String,
    pub answered: u64,
}

fn scope_label(a: &Assessment) -> String {
    match (&a.scope, &a.scope_ref) {
        (ScopeKind::Organisation, _) => "Organisation".to_string(),
        (ScopeKind::BusinessUnit, Some(r)) => format!("Business unit {r}"),
        (ScopeKind::Solution, Some(r)) => format!("Solution {r}"),
        (_, None) => a.scope.as_str().to_string(),
    }
}

#[derive(Template)]
#[template(path = "maturity.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    /// Admins and environment admins start organisation and business-unit assessments.
    can_create_org: bool,
    /// Everyone but viewers can start a solution assessment (of a resource they may act on).
    can_create_solution: bool,
    models: Vec<(String, String)>,
    resource: String,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub problem: Option<String>,
}

/// `GET /maturity`
pub async fn list(State(state): State<AppState>, caller: Caller, Query(q): Query<ListQuery>) -> Response {
    let page = async {
        let all = maturity::list(&state, &caller, &AssessmentQuery::default()).await?;
        let rows = all
            .iter()
            .rev()
            .map(|a| Row {
                id: a.id,
                title: a.title.clone(),
                scope: scope_label(a),
                state: a.state.as_str(),
                created: format!("{} by {}", a.created_at.format("%Y-%m-%d"), a.created_by),
                answered: a.answered,
            })
            .collect();
        Ok(ListPage {
            layout: Layout::new(&state, &caller, "Maturity assessments", Some(Section::Maturity)),
            rows,
            can_create_org: matches!(caller.role, Role::Admin | Role::EnvironmentAdmin),
            can_create_solution: caller.role != Role::Viewer,
            models: state.maturity.models.models.iter().map(|m| (m.id.clone(), m.title.clone())).collect(),
            resource: q.resource.unwrap_or_default(),
            // Only messages this page wrote are shown, never text from the URL as such.
            problem: q.problem.filter(|p| p == "scope").map(|_| "Choose a scope and fill in what it needs.".into()),
        })
    }
    .await;
    respond(&state, page)
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    pub scope: String,
    #[serde(default)]
    pub business_unit: String,
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub model: String,
}

/// `POST /maturity`
pub async fn create(State(state): State<AppState>, caller: Caller, Form(f): Form<CreateForm>) -> Response {
    let result = async {
        let scope = f.scope.parse::<ScopeKind>().map_err(|e| ApiError::invalid("scope", e.to_string()))?;
        let scope_ref = match scope {
            ScopeKind::Organisation => None,
            ScopeKind::BusinessUnit => Some(f.business_unit.clone()),
            ScopeKind::Solution => Some(f.resource.clone()),
        };
        let models = if f.model.trim().is_empty() { Vec::new() } else { vec![f.model.trim().to_string()] };
        let title = Some(f.title.trim().to_string()).filter(|t| !t.is_empty());
        maturity::create(&state, &caller, title, scope, scope_ref, models).await
    }
    .await;
    match result {
        Ok(a) => Redirect::to(&format!("/maturity/{}", a.id)).into_response(),
        Err(e) => crate::web::errors::page(&state, e),
    }
}

/// An area's row on the report page.
pub struct AreaView {
    pub score: AreaScore,
    pub model_title: String,
    pub score_text: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "maturity_report.html")]
pub struct ReportPage {
    layout: Layout,
    a: Assessment,
    scope: String,
    areas: Vec<AreaView>,
    warnings: Vec<String>,
    chart: Option<String>,
    can_answer: bool,
    draft: bool,
    evidence_count: usize,
    overrides: usize,
}

/// `GET /maturity/{id}`
pub async fn show(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let page = async {
        let a = maturity::readable(&state, &caller, id_of(&raw)?).await?;
        let report = load_report(&state, &a).await?;
        let series = service::series(state.store.as_ref(), &a).await.map_err(maturity::assess_error)?;
        let points = report::points(&state.maturity.models, &series);
        let chart = html::progress_svg(&points);
        let can_answer = maturity::check_can_answer(&state, &caller, a.scope, a.scope_ref.as_deref()).await.is_ok();
        let evidence_count = report
            .questions
            .iter()
            .filter(|q| q.answer_source == Some(steward_store::maturity::AnswerSource::Evidence))
            .count();
        let overrides = report
            .questions
            .iter()
            .filter(|q| q.answer_source == Some(steward_store::maturity::AnswerSource::Override))
            .count();
        let areas = report
            .scores
            .iter()
            .flat_map(|m| {
                m.areas.iter().map(|s| AreaView {
                    score: s.clone(),
                    model_title: m.title.clone(),
                    score_text: format!("{:.0}", s.score),
                    next: s.next_level.map_or_else(|| "—".to_string(), |l| l.label()),
                })
            })
            .collect();
        Ok(ReportPage {
            layout: Layout::new(&state, &caller, a.title.clone(), Some(Section::Maturity)),
            scope: scope_label(&a),
            draft: a.state == AssessmentState::Draft,
            a,
            areas,
            warnings: report.warnings,
            chart,
            can_answer,
            evidence_count,
            overrides,
        })
    }
    .await;
    respond(&state, page)
}

async fn load_report(state: &AppState, a: &Assessment) -> Result<Report, ApiError> {
    let answers = state.store.assessment_answers(a.id).await.map_err(|e| ApiError::store("reading answers", e))?;
    Ok(report::build(&state.maturity.models, a, &answers))
}

/// `GET /maturity/{id}/print`: the self-contained printable report.
pub async fn print(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let result = async {
        let a = maturity::readable(&state, &caller, id_of(&raw)?).await?;
        let report = load_report(&state, &a).await?;
        let series = service::series(state.store.as_ref(), &a).await.map_err(maturity::assess_error)?;
        let chart = html::progress_svg(&report::points(&state.maturity.models, &series));
        Ok::<_, ApiError>(html::report_page(&report, chart.as_deref()))
    }
    .await;
    match result {
        Ok(page) => Html(page).into_response(),
        Err(e) => crate::web::errors::page(&state, e),
    }
}

/// One question on the answer form.
pub struct FormQuestion {
    pub id: String,
    pub group: String,
    pub text: String,
    pub why: String,
    pub level: u16,
    pub kind: &'static str,
    pub current: String,
    pub choices: Vec<(String, String)>,
    pub from_evidence: bool,
    pub overridden: bool,
    pub evidence: String,
    pub comment: String,
    pub links: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "maturity_answer.html")]
pub struct AnswerPage {
    layout: Layout,
    a: Assessment,
    area_id: String,
    area_title: String,
    source: String,
    questions: Vec<FormQuestion>,
    editable: bool,
}

/// `GET /maturity/{id}/areas/{area}`
pub async fn area_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, area_id)): Path<(String, String)>,
) -> Response {
    let page = async {
        let a = maturity::readable(&state, &caller, id_of(&raw)?).await?;
        let answers = state.store.assessment_answers(a.id).await.map_err(|e| ApiError::store("reading answers", e))?;
        let (used, _) = report::models_of(&state.maturity.models, &a);
        let area =
            used.iter().flat_map(|m| m.areas.iter()).find(|x| x.id == area_id && x.applies_to(a.scope)).ok_or_else(
                || ApiError::NotFound { what: "area", plural: "/api/v1/maturity/models", id: area_id.clone() },
            )?;
        let questions = area
            .questions
            .iter()
            .map(|q| {
                let current = answers.iter().find(|x| x.question_id == q.id);
                let source = current.map(|c| c.source);
                FormQuestion {
                    id: q.id.clone(),
                    group: q.group.clone().or_else(|| q.title.clone()).unwrap_or_default(),
                    text: q.text.clone(),
                    why: q.why.clone(),
                    level: q.level.0,
                    kind: match q.answer {
                        AnswerType::YesNo => "yes_no",
                        AnswerType::Scale => "scale",
                        AnswerType::Choice => "choice",
                        AnswerType::Number => "number",
                        AnswerType::Text => "text",
                    },
                    current: current
                        .and_then(|c| c.value.as_ref())
                        .map(|v| match v {
                            steward_store::maturity::AnswerValue::YesNo(b) => {
                                if *b {
                                    "yes".to_string()
                                } else {
                                    "no".to_string()
                                }
                            }
                            steward_store::maturity::AnswerValue::Scale(n) => n.to_string(),
                            steward_store::maturity::AnswerValue::Choice(c) => c.clone(),
                            steward_store::maturity::AnswerValue::Number(n) => n.to_string(),
                            steward_store::maturity::AnswerValue::Text(t) => t.clone(),
                        })
                        .unwrap_or_default(),
                    choices: q.choices.iter().map(|c| (c.id.clone(), c.label.clone())).collect(),
                    from_evidence: source == Some(steward_store::maturity::AnswerSource::Evidence),
                    overridden: source == Some(steward_store::maturity::AnswerSource::Override),
                    evidence: current.and_then(|c| c.evidence.clone()).unwrap_or_default(),
                    comment: current.and_then(|c| c.comment.clone()).unwrap_or_default(),
                    links: current.map(|c| c.links.join(" ")).unwrap_or_default(),
                    by: current
                        .map(|c| format!("{} on {}", c.answered_by, c.answered_at.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_default(),
                }
            })
            .collect();
        let editable = a.state == AssessmentState::Draft
            && maturity::check_can_answer(&state, &caller, a.scope, a.scope_ref.as_deref()).await.is_ok();
        Ok(AnswerPage {
            layout: Layout::new(&state, &caller, format!("{} — {}", a.title, area.title), Some(Section::Maturity)),
            area_id: area.id.clone(),
            area_title: area.title.clone(),
            source: area.source.clone(),
            questions,
            editable,
            a,
        })
    }
    .await;
    respond(&state, page)
}

/// `POST /maturity/{id}/areas/{area}`: fields `a:QUESTION`, `c:QUESTION` (comment) and
/// `l:QUESTION` (links separated by spaces) for each question of the area.
pub async fn area_answer(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, area_id)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let result = async {
        let id = id_of(&raw)?;
        let mut typed: Vec<TypedAnswer> = Vec::new();
        for (name, value) in &fields {
            if let Some(q) = name.strip_prefix("a:") {
                let comment = fields.iter().find(|(n, _)| n == &format!("c:{q}")).map(|(_, v)| v.trim().to_string());
                let links = fields
                    .iter()
                    .find(|(n, _)| n == &format!("l:{q}"))
                    .map(|(_, v)| v.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default();
                typed.push(TypedAnswer {
                    question_id: q.to_string(),
                    text: value.clone(),
                    comment: comment.filter(|c| !c.is_empty()),
                    links,
                });
            }
        }
        maturity::answer(&state, &caller, id, &typed).await?;
        Ok::<_, ApiError>(id)
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/maturity/{id}#area-{area_id}")).into_response(),
        Err(e) => crate::web::errors::page(&state, e),
    }
}

/// `POST /maturity/{id}/evidence`
pub async fn evidence(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let result = async { maturity::refresh(&state, &caller, id_of(&raw)?).await }.await;
    match result {
        Ok(a) => Redirect::to(&format!("/maturity/{}", a.id)).into_response(),
        Err(e) => crate::web::errors::page(&state, e),
    }
}

/// `POST /maturity/{id}/complete`
pub async fn complete(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let result = async { maturity::complete(&state, &caller, id_of(&raw)?).await }.await;
    match result {
        Ok(a) => Redirect::to(&format!("/maturity/{}", a.id)).into_response(),
        Err(e) => crate::web::errors::page(&state, e),
    }
}

#[derive(Template)]
#[template(path = "maturity_compare.html")]
pub struct ComparePage {
    layout: Layout,
    table: Table,
}

/// `GET /maturity/compare`: the latest assessment of each business unit, area by area.
pub async fn compare(State(state): State<AppState>, caller: Caller) -> Response {
    let page = async {
        let units = service::business_units(state.store.as_ref()).await.map_err(maturity::assess_error)?;
        Ok(ComparePage {
            layout: Layout::new(&state, &caller, "Business units compared", Some(Section::Maturity)),
            table: report::table(report::points(&state.maturity.models, &units)),
        })
    }
    .await;
    respond(&state, page)
}

#[derive(Template)]
#[template(path = "maturity_alm.html")]
pub struct AlmPage {
    layout: Layout,
    threshold: String,
    findings: Vec<steward_assess::alm::Finding>,
}

/// `GET /maturity/alm`: resources at or above the criticality threshold without managed ALM.
pub async fn alm(State(state): State<AppState>, caller: Caller) -> Response {
    let page = async {
        let findings = maturity::findings(&state, &caller, crate::api::maturity::FINDINGS_LIMIT).await?;
        Ok(AlmPage {
            layout: Layout::new(&state, &caller, "ALM findings", Some(Section::Maturity)),
            threshold: state.maturity.config.alm_criticality_threshold.as_str().replace('_', "-"),
            findings,
        })
    }
    .await;
    respond(&state, page)
}
