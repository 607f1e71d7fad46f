//! Value assessments per business unit (issue #7, item 3): `/value/business-units` lists every
//! department with value or cost in the period and every assessed one, with its ROI and its
//! latest scores per viability area; `/value/business-units/{name}` shows one unit's assessments
//! answer by answer. Platform admins assess a unit with the form on either page (a POST to
//! `/value/business-units`, with the session's CSRF token like every form).

use crate::AppState;
use crate::api::value::{self as api, AssessmentInput, PeriodParams, ScoredAssessment};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::web::{Layout, Section, errors, links, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use steward_store::value::AssessmentSubject;
use steward_value::assess::{AreaScore, Questionnaire};
use steward_value::roi::RoiRow;

/// One question of the form, with its area.
pub struct FormQuestion {
    pub id: String,
    pub text: String,
    pub area: String,
}

/// A unit in the list.
pub struct UnitRow {
    pub name: String,
    pub href: String,
    pub value: String,
    pub cost: String,
    pub roi: String,
    /// `2026-11-03 by admin`, or empty when never assessed.
    pub assessed: String,
    pub assessments: usize,
    /// `Business strategy viability 80%`, one per area.
    pub scores: Vec<String>,
}

#[derive(Template)]
#[template(path = "value_units.html")]
pub struct UnitsPage {
    layout: Layout,
    period: String,
    units: Vec<UnitRow>,
    can_assess: bool,
    questions: Vec<FormQuestion>,
}

/// One answer of a stored assessment, as read on the unit's page.
pub struct AnswerView {
    pub area: String,
    pub question: String,
    pub score: String,
}

pub struct AssessmentView {
    pub when: String,
    pub scores: Vec<String>,
    pub answers: Vec<AnswerView>,
}

#[derive(Template)]
#[template(path = "value_unit.html")]
pub struct UnitPage {
    layout: Layout,
    name: String,
    period: String,
    value: String,
    cost: String,
    roi: String,
    has_roi: bool,
    assessments: Vec<AssessmentView>,
    can_assess: bool,
    questions: Vec<FormQuestion>,
}

fn questionnaire() -> Result<Questionnaire, ApiError> {
    Questionnaire::builtin().map_err(|e| ApiError::internal("reading the value questionnaire", e))
}

fn form_questions(q: &Questionnaire) -> Vec<FormQuestion> {
    q.areas
        .iter()
        .flat_map(|a| {
            a.questions.iter().map(|question| FormQuestion {
                id: question.id.clone(),
                text: question.text.clone(),
                area: a.title.clone(),
            })
        })
        .collect()
}

fn score_texts(scores: &[AreaScore]) -> Vec<String> {
    scores
        .iter()
        .map(|s| match s.percent {
            Some(p) => format!("{} {p}% ({} of {} answered)", s.title, s.answered, s.questions),
            None => format!("{} not answered", s.title),
        })
        .collect()
}

fn when(a: &ScoredAssessment) -> String {
    format!("{} by {}", a.assessment.assessed_at.format("%Y-%m-%d %H:%M"), a.assessment.assessed_by)
}

fn unit_href(name: &str) -> String {
    format!("/value/business-units/{}", links::encode(name))
}

/// Value, cost and ROI texts of a unit's report row ("—" when it has none in the period).
fn figures(row: Option<&RoiRow>, currency: &str) -> (String, String, String) {
    match row {
        Some(r) => (r.value_text(currency), r.cost_text(currency), r.roi.text()),
        None => ("—".into(), "—".into(), "—".into()),
    }
}

async fn list(state: &AppState, caller: &Caller, params: PeriodParams) -> Result<UnitsPage, ApiError> {
    let period = api::period(params.period.as_deref())?;
    let units = api::business_units_for(state, caller, &period).await?;
    let currency = state.value.rates.currency.clone();
    let rows = units
        .iter()
        .map(|u| {
            let (value, cost, roi) = figures(u.roi.as_ref(), &currency);
            UnitRow {
                name: u.name.clone(),
                href: format!("{}?period={}", unit_href(&u.name), links::encode(&period.label)),
                value,
                cost,
                roi,
                assessed: u.latest.as_ref().map(when).unwrap_or_default(),
                assessments: u.assessments,
                scores: u.latest.as_ref().map(|a| score_texts(&a.scores)).unwrap_or_default(),
            }
        })
        .collect();
    Ok(UnitsPage {
        layout: Layout::new(state, caller, format!("Business units — {period}"), Some(Section::Value)),
        period: period.label.clone(),
        units: rows,
        can_assess: caller.is_admin(),
        questions: form_questions(&questionnaire()?),
    })
}

/// `GET /value/business-units?period=2026-10`.
pub async fn index(State(state): State<AppState>, caller: Caller, Query(params): Query<PeriodParams>) -> Response {
    let page = list(&state, &caller, params).await;
    respond(&state, page)
}

async fn one(state: &AppState, caller: &Caller, name: &str, params: PeriodParams) -> Result<UnitPage, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid(
            "name",
            "name a business unit (a department), e.g. /value/business-units/Finance",
        ));
    }
    let period = api::period(params.period.as_deref())?;
    // This unit's row of the report and its own assessments: not every unit's (`business_units_for`).
    let report = api::report_for(state, caller, &period).await?;
    let row = report.business_units.iter().find(|r| !r.key.is_empty() && r.key.eq_ignore_ascii_case(name));
    let scored = api::assessments_for(state, caller, Some(AssessmentSubject::BusinessUnit), Some(name)).await?;
    let currency = state.value.rates.currency.clone();
    let (value, cost, roi) = figures(row, &currency);
    let q = questionnaire()?;
    let area_of = |id: &str| {
        q.areas.iter().find_map(|a| a.questions.iter().find(|x| x.id == id).map(|x| (a.title.clone(), x.text.clone())))
    };
    let assessments = scored
        .iter()
        .map(|a| AssessmentView {
            when: when(a),
            scores: score_texts(&a.scores),
            answers: a
                .assessment
                .answers
                .iter()
                .map(|ans| {
                    // A question dropped from a later questionnaire keeps its id as its text.
                    let (area, question) = area_of(&ans.question_id).unwrap_or_default();
                    AnswerView {
                        area,
                        question: if question.is_empty() { ans.question_id.clone() } else { question },
                        score: if ans.note.trim().is_empty() {
                            format!("{} of 5", ans.score)
                        } else {
                            format!("{} of 5 — {}", ans.score, ans.note)
                        },
                    }
                })
                .collect(),
        })
        .collect();
    // The unit's own spelling: the report's, else the newest assessment's, else as asked.
    let shown = row
        .map(|r| r.key.clone())
        .or_else(|| scored.first().map(|a| a.assessment.subject_id.clone()))
        .unwrap_or_else(|| name.to_string());
    Ok(UnitPage {
        layout: Layout::new(state, caller, format!("{shown} — business unit value"), Some(Section::Value)),
        has_roi: row.is_some(),
        name: shown,
        period: period.label.clone(),
        value,
        cost,
        roi,
        assessments,
        can_assess: caller.is_admin(),
        questions: form_questions(&q),
    })
}

/// `GET /value/business-units/{name}?period=2026-10`.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(params): Query<PeriodParams>,
) -> Response {
    let page = one(&state, &caller, &name, params).await;
    respond(&state, page)
}

/// `POST /value/business-units`: record an assessment of the unit named in `unit` and go to
/// its page (303). Admins only (the route's access and the API's check).
pub async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let unit = form.get("unit").map(|u| u.trim().to_string()).unwrap_or_default();
    let result = async {
        if unit.is_empty() {
            return Err(ApiError::invalid("unit", "name the business unit (a department such as Finance) to assess"));
        }
        let input = AssessmentInput {
            subject: AssessmentSubject::BusinessUnit,
            subject_id: unit.clone(),
            answers: super::assessment_answers(&form)?,
        };
        api::assess(&state, &caller, input).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&unit_href(&unit)).into_response(),
        Err(error) => errors::page(&state, error),
    }
}
