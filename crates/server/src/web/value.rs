//! Business value pages (issue #7): `/value` (totals, top resources by value, ROI), `/value/roi`
//! (the board's ROI report with every value explained), and the "Value" section of a resource's
//! page with the forms makers use to record value and assess their solution. The forms call the
//! API's functions ([`crate::api::value`]) and send the browser back to the resource (303).
//! Business units have their own pages and assessment form ([`units`]).

mod units;

use crate::AppState;
use crate::api::value::{self as api, AssessmentInput, PeriodParams, ResourceValueView};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use crate::web::{Layout, Section, errors, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use steward_model::Resource;
use steward_store::value::{AssessmentAnswer, AssessmentSubject, ValueKind, ValueRecord};
use steward_value::assess::Questionnaire;
use steward_value::money::{format_hundredths, format_money};
use steward_value::report::{ValueReport, esc, render_explanation, render_fragment};

pub fn routes() -> Routes {
    Routes::new()
        .get("/value", Access::Read, overview)
        .get("/value/roi", Access::Read, roi)
        .get("/value/business-units", Access::Read, units::index)
        .post("/value/business-units", Access::Admin, units::assess)
        .get("/value/business-units/{name}", Access::Read, units::show)
        .post("/resources/{id}/value", Access::Maker, record)
        .post("/resources/{id}/value/assessment", Access::Maker, assess)
}

#[derive(Template)]
#[template(path = "value.html")]
pub struct ValuePage {
    layout: Layout,
    heading: &'static str,
    period: String,
    /// The report as HTML (escaped where built; see steward_value::report).
    body: String,
    roi_link: bool,
    json_href: String,
}

fn link(id: &str) -> Option<String> {
    (!id.is_empty()).then(|| format!("/resources/{}#value", crate::web::links::encode(id)))
}

async fn page(state: &AppState, caller: &Caller, params: PeriodParams, full: bool) -> Result<ValuePage, ApiError> {
    let period = api::period(params.period.as_deref())?;
    let report = api::report_for(state, caller, &period).await?;
    let mut body = if full { render_fragment(&report, &link) } else { summary(&report) };
    if full {
        body.push_str(&explanations(&report));
    }
    let title = if full { format!("ROI report — {period}") } else { format!("Value — {period}") };
    Ok(ValuePage {
        layout: Layout::new(state, caller, title, Some(Section::Value)),
        heading: if full { "Business value and ROI report" } else { "Business value" },
        period: period.label.clone(),
        body,
        roi_link: !full,
        json_href: format!("/api/v1/value/report?period={}", crate::web::links::encode(&period.label)),
    })
}

/// `/value`: the totals and the ten resources of highest value.
fn summary(r: &ValueReport) -> String {
    let mut short = r.clone();
    short.resources.truncate(10);
    short.makers.truncate(5);
    short.environments.truncate(5);
    short.business_units.truncate(5);
    short.tenants.truncate(5);
    render_fragment(&short, &link)
}

fn explanations(r: &ValueReport) -> String {
    let mut out = String::from("<h2>How the values were computed</h2>");
    for d in r.details.iter().take(steward_value::report::TOP) {
        out.push_str(&format!("<h3>{}</h3>", esc(d.facts.name())));
        for (label, value) in [("Actual", &d.actual), ("Potential", &d.potential)] {
            let Some(v) = value else { continue };
            out.push_str(&format!(
                "<p>{label}: <strong>{}</strong></p>{}",
                esc(&format_money(v.total, &r.currency)),
                render_explanation(v)
            ));
        }
    }
    out
}

/// `GET /value?period=2026-10`.
pub async fn overview(State(state): State<AppState>, caller: Caller, Query(params): Query<PeriodParams>) -> Response {
    let page = page(&state, &caller, params, false).await;
    respond(&state, page)
}

/// `GET /value/roi?period=2026-10`.
pub async fn roi(State(state): State<AppState>, caller: Caller, Query(params): Query<PeriodParams>) -> Response {
    let page = page(&state, &caller, params, true).await;
    respond(&state, page)
}

/// One current record as the resource page shows it.
#[derive(Debug, Clone)]
pub struct RecordView {
    pub kind: &'static str,
    pub revision: u32,
    pub recorded: String,
    pub facts: Vec<(&'static str, String)>,
    pub story: Vec<(&'static str, String)>,
}

/// The form's current values (the actual record's, or the potential's, or empty).
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub kind: &'static str,
    pub users_impacted: String,
    pub minutes_per_use: String,
    pub minutes_per_week: String,
    pub cost_avoided_per_year: String,
    pub revenue_enabled_per_year: String,
    pub currency: String,
    pub problem: String,
    pub solution: String,
    pub obstacles: String,
    pub value: String,
    pub next_steps: String,
}

#[derive(Debug, Clone)]
pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub area: String,
}

/// The "Value" section of a resource's page.
#[derive(Debug, Clone)]
pub struct ValueSection {
    pub period: String,
    pub records: Vec<RecordView>,
    pub actual: String,
    pub potential: String,
    /// Explanations as HTML (escaped where built).
    pub actual_explained: String,
    pub potential_explained: String,
    pub uses: String,
    pub cost: String,
    pub roi: String,
    pub revisions: usize,
    pub assessments: Vec<(String, String)>,
    pub can_edit: bool,
    pub form: FormValues,
    pub questions: Vec<QuestionView>,
}

fn opt_hundredths(v: Option<i64>) -> String {
    v.map(format_hundredths).unwrap_or_default()
}

fn record_view(r: &ValueRecord) -> RecordView {
    let f = &r.figures;
    let mut facts = Vec::new();
    if let Some(u) = f.users_impacted {
        facts.push(("Users impacted", u.to_string()));
    }
    if let Some(m) = f.centiminutes_per_use {
        facts.push(("Minutes saved per use", format_hundredths(m)));
    }
    if let Some(m) = f.centiminutes_per_week {
        facts.push(("Minutes saved per week", format_hundredths(m)));
    }
    if let Some(a) = f.cost_avoided_per_year {
        facts.push(("Cost avoided per year", format_money(a, &f.currency)));
    }
    if let Some(a) = f.revenue_enabled_per_year {
        facts.push(("Revenue enabled per year", format_money(a, &f.currency)));
    }
    let s = &r.story;
    let story = [
        ("Problem", &s.problem),
        ("Solution", &s.solution),
        ("Obstacles", &s.obstacles),
        ("Value", &s.value),
        ("Next steps", &s.next_steps),
    ]
    .into_iter()
    .filter(|(_, t)| !t.trim().is_empty())
    .map(|(l, t)| (l, t.clone()))
    .collect();
    RecordView {
        kind: if r.kind == ValueKind::Actual { "Actual (after)" } else { "Potential (before)" },
        revision: r.revision,
        recorded: format!("{} by {}", r.recorded_at.format("%Y-%m-%d %H:%M"), r.recorded_by),
        facts,
        story,
    }
}

fn form_values(records: &[ValueRecord], currency: &str) -> FormValues {
    let chosen = records.iter().find(|r| r.kind == ValueKind::Actual).or_else(|| records.first());
    match chosen {
        None => FormValues { kind: "actual", currency: currency.to_string(), ..Default::default() },
        Some(r) => FormValues {
            kind: r.kind.as_str(),
            users_impacted: r.figures.users_impacted.map(|u| u.to_string()).unwrap_or_default(),
            minutes_per_use: opt_hundredths(r.figures.centiminutes_per_use),
            minutes_per_week: opt_hundredths(r.figures.centiminutes_per_week),
            cost_avoided_per_year: opt_hundredths(r.figures.cost_avoided_per_year),
            revenue_enabled_per_year: opt_hundredths(r.figures.revenue_enabled_per_year),
            currency: r.figures.currency.clone(),
            problem: r.story.problem.clone(),
            solution: r.story.solution.clone(),
            obstacles: r.story.obstacles.clone(),
            value: r.story.value.clone(),
            next_steps: r.story.next_steps.clone(),
        },
    }
}

/// Build the section for `resource` (already checked visible to `caller`).
pub async fn section(state: &AppState, caller: &Caller, resource: &Resource) -> Result<ValueSection, ApiError> {
    let period = api::period(None)?;
    let view: ResourceValueView = api::resource_value(state, caller, &resource.id, &period).await?;
    let currency = view.currency.clone();
    let computed = view.computed.as_ref();
    let total = |v: Option<&steward_value::compute::ComputedValue>| {
        v.map_or_else(|| "not recorded".to_string(), |v| format_money(v.total, &currency))
    };
    let questionnaire =
        Questionnaire::builtin().map_err(|e| ApiError::internal("reading the value questionnaire", e))?;
    Ok(ValueSection {
        period: period.label.clone(),
        records: view.records.iter().map(record_view).collect(),
        actual: total(computed.and_then(|c| c.actual.as_ref())),
        potential: total(computed.and_then(|c| c.potential.as_ref())),
        actual_explained: computed.and_then(|c| c.actual.as_ref()).map(render_explanation).unwrap_or_default(),
        potential_explained: computed.and_then(|c| c.potential.as_ref()).map(render_explanation).unwrap_or_default(),
        uses: computed.map_or_else(String::new, |c| {
            format!("{} uses in {} active weeks ({})", c.usage.uses, c.usage.active_weeks, c.usage.source)
        }),
        cost: match (&view.cost, &view.cost_note) {
            (Some(c), _) => format_money(c.amount, &c.currency),
            (None, Some(note)) => format!("unknown ({note})"),
            (None, None) => "unknown".into(),
        },
        roi: view.roi.text(),
        revisions: view.history.len(),
        assessments: view
            .assessments
            .iter()
            .map(|a| {
                let scores = a
                    .scores
                    .iter()
                    .map(|s| format!("{}: {}", s.title, s.percent.map_or("—".to_string(), |p| format!("{p}%"))))
                    .collect::<Vec<_>>()
                    .join(" · ");
                (format!("{} by {}", a.assessment.assessed_at.format("%Y-%m-%d"), a.assessment.assessed_by), scores)
            })
            .collect(),
        can_edit: caller.can_act_on(resource),
        form: form_values(&view.records, &currency),
        questions: questionnaire
            .areas
            .iter()
            .flat_map(|a| {
                a.questions.iter().map(|q| QuestionView {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    area: a.title.clone(),
                })
            })
            .collect(),
    })
}

/// `POST /resources/{id}/value`: the form's fields as the API's body.
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let kind = form.get("kind").cloned().unwrap_or_else(|| "actual".into());
    let fields: serde_json::Map<String, serde_json::Value> = form
        .into_iter()
        .filter(|(k, _)| k != "csrf" && k != "kind")
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    match api::record_value(&state, &caller, &id, &kind, fields).await {
        Ok(_) => Redirect::to(&format!("/resources/{}#value", crate::web::links::encode(&id))).into_response(),
        Err(error) => errors::page(&state, error),
    }
}

/// The answers of the form: one select per question, named by its id (ids have a dot; the
/// other fields, `csrf` and a business unit's `unit`, do not). Blank selects are questions skipped.
fn assessment_answers(form: &HashMap<String, String>) -> Result<Vec<AssessmentAnswer>, ApiError> {
    let mut out = form
        .iter()
        .filter(|(k, v)| k.contains('.') && !v.trim().is_empty())
        .map(|(k, v)| {
            let score = v
                .trim()
                .parse::<u8>()
                .map_err(|_| ApiError::invalid("answers", format!("'{v}' is not a score 0-5 (question {k})")))?;
            Ok(AssessmentAnswer { question_id: k.clone(), score, note: String::new() })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    out.sort_by(|a, b| a.question_id.cmp(&b.question_id));
    Ok(out)
}

/// `POST /resources/{id}/value/assessment`: one select per question, named by its id.
pub async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = match assessment_answers(&form) {
        Ok(answers) => {
            let input = AssessmentInput { subject: AssessmentSubject::Solution, subject_id: id.clone(), answers };
            api::assess(&state, &caller, input).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/resources/{}#value", crate::web::links::encode(&id))).into_response(),
        Err(error) => errors::page(&state, error),
    }
}
