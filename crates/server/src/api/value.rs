//! Business value under `/api/v1/value` (issue #7): the ROI report, a resource's value (records,
//! history, computed value with its explanation, cost, ROI, assessments), recording a value and
//! an assessment. The web pages (`web/value.rs`) call the same functions.
//!
//! Makers see and record value for their own resources only; the report is narrowed to them.
//! Business units are assessed by platform admins and their assessments are read by everyone
//! signed in (they describe a department, not a resource). Every change goes to the audit trail.

use crate::AppState;
use crate::api::resources::find_for;
use crate::audit;
use crate::auth::Caller;
use crate::auth::scope::Visible;
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_store::value::{
    AssessmentAnswer, AssessmentQuery, AssessmentSubject, NewValueAssessment, NewValueRecord, ValueAssessment,
    ValueKind, ValueQuery, ValueRecord,
};
use steward_value::assess::{AreaScore, Questionnaire};
use steward_value::engine_costs::EngineCosts;
use steward_value::gather::ResourceValue;
use steward_value::import::{Format, parse};
use steward_value::report::ValueReport;
use steward_value::roi::{CostFigure, CostSource, Roi, RoiRow};
use steward_value::{Rates, ValueConfig, ValuePeriod};

/// `[value]` and `[cost]` as the server uses them.
#[derive(Debug, Clone)]
pub struct ValueSettings {
    pub rates: Rates,
    pub cost: steward_cost::CostConfig,
}

/// The settings `steward serve` read from steward.toml, for every state built after (see
/// [`configure`]).
static CONFIGURED: std::sync::OnceLock<ValueSettings> = std::sync::OnceLock::new();

/// Use these settings in every [`AppState`] built from now on. `steward serve` calls it once with
/// `[value]` and `[cost]`, so that the state's constructors need no new parameter; a second call
/// keeps the first settings.
pub fn configure(settings: ValueSettings) {
    let _ = CONFIGURED.set(settings);
}

impl ValueSettings {
    /// From `[value]` (and the cost engine's settings), or an error naming the bad key.
    pub fn from_config(value: &ValueConfig, cost: steward_cost::CostConfig) -> Result<ValueSettings, String> {
        Ok(ValueSettings { rates: value.rates()?, cost })
    }
}

impl Default for ValueSettings {
    fn default() -> Self {
        if let Some(configured) = CONFIGURED.get() {
            return configured.clone();
        }
        let rates = ValueConfig::default().rates().unwrap_or(Rates {
            currency: "USD".into(),
            default: 5000,
            by_department: Default::default(),
            by_country: Default::default(),
        });
        ValueSettings { rates, cost: steward_cost::CostConfig::default() }
    }
}

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/value/report", Access::Read, report)
        .get("/api/v1/value/questions", Access::Read, questions)
        .get("/api/v1/value/resources/{id}", Access::Read, resource)
        .put("/api/v1/value/resources/{id}/{kind}", Access::Maker, put_record)
        .post("/api/v1/value/assessments", Access::Maker, post_assessment)
        .get("/api/v1/value/assessments", Access::Read, list_assessments)
        .get("/api/v1/value/business-units", Access::Read, business_units)
}

#[derive(Debug, Default, Deserialize)]
pub struct PeriodParams {
    pub period: Option<String>,
}

/// The period asked for, or the last complete month.
pub fn period(text: Option<&str>) -> Result<ValuePeriod, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => ValuePeriod::parse(t).map_err(|e| ApiError::invalid("period", e)),
        None => {
            let today = chrono::Utc::now().date_naive();
            let last = today.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(today);
            Ok(ValuePeriod::month_of(last))
        }
    }
}

fn costs(state: &AppState) -> EngineCosts {
    EngineCosts { store: state.store.clone(), config: state.value.cost.clone() }
}

fn value_error(context: &str, e: steward_value::ValueError) -> ApiError {
    match e {
        steward_value::ValueError::Store(s) => ApiError::store(context, s),
        steward_value::ValueError::Input(m) => ApiError::BadRequest(m),
    }
}

/// The ROI report for `period` as `caller` may see it.
pub async fn report_for(state: &AppState, caller: &Caller, period: &ValuePeriod) -> Result<ValueReport, ApiError> {
    let visible = Visible::of(state, caller).await?;
    let only: Option<HashSet<String>> = match visible {
        Visible::All => None,
        Visible::Own(ids) => Some(ids),
    };
    steward_value::report::build(
        state.store.as_ref(),
        &state.value.rates,
        period,
        &costs(state),
        chrono::Utc::now(),
        only.as_ref(),
    )
    .await
    .map_err(|e| value_error("computing the value report", e))
}

/// `GET /api/v1/value/report?period=2026-10`.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<PeriodParams>,
) -> Result<Json<ValueReport>, ApiError> {
    let p = period(params.period.as_deref())?;
    Ok(Json(report_for(&state, &caller, &p).await?))
}

/// `GET /api/v1/value/questions`: the value assessment questionnaire.
pub async fn questions() -> Result<Json<Questionnaire>, ApiError> {
    Questionnaire::builtin().map(Json).map_err(|e| ApiError::internal("reading the value questionnaire", e))
}

/// An assessment with its scores per viability area.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredAssessment {
    #[serde(flatten)]
    pub assessment: ValueAssessment,
    pub scores: Vec<AreaScore>,
}

/// Everything about one resource's value.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceValueView {
    pub resource_id: String,
    pub period: ValuePeriod,
    pub currency: String,
    /// The current potential and actual records.
    pub records: Vec<ValueRecord>,
    /// Every revision, newest first.
    pub history: Vec<ValueRecord>,
    /// The value computed for the period, with its explanation; absent without a record.
    pub computed: Option<ResourceValue>,
    /// The resource's cost for the period, when the cost engine has one.
    pub cost: Option<CostFigure>,
    /// Why there is no cost, when there is none.
    pub cost_note: Option<String>,
    /// Actual value ÷ cost.
    pub roi: Roi,
    /// Assessments of the resource as a solution, newest first.
    pub assessments: Vec<ScoredAssessment>,
}

/// A resource's value as `caller` may see it (404 for another's resource, for a maker).
pub async fn resource_value(
    state: &AppState,
    caller: &Caller,
    id: &str,
    period: &ValuePeriod,
) -> Result<ResourceValueView, ApiError> {
    find_for(state, caller, id).await?;
    let store = state.store.as_ref();
    let records = store
        .value_records(&ValueQuery { resource_ids: Some(vec![id.to_string()]), ..Default::default() })
        .await
        .map_err(|e| ApiError::store("reading value records", e))?;
    let history = store.value_history(id).await.map_err(|e| ApiError::store("reading value history", e))?;
    let query = ValueQuery { resource_ids: Some(vec![id.to_string()]), ..Default::default() };
    let computed = steward_value::gather::resource_values(store, &state.value.rates, period, &query)
        .await
        .map_err(|e| value_error("computing a resource's value", e))?
        .pop();
    let (cost, cost_note) = match costs(state).resource_costs(period).await {
        Ok(mut map) => {
            let cost = map.remove(id);
            let note =
                cost.is_none().then(|| "the cost engine has no cost for this resource in the period".to_string());
            (cost, note)
        }
        Err(reason) => (None, Some(reason)),
    };
    let currency = state.value.rates.currency.clone();
    let actual = computed.as_ref().map_or(0, ResourceValue::actual_total);
    let roi = match (&cost, &cost_note) {
        (None, Some(note)) => Roi::NotAvailable { reason: note.clone() },
        _ => Roi::of(actual, cost.as_ref().map(|c| (c.amount, c.currency.as_str())), &currency),
    };
    let questionnaire =
        Questionnaire::builtin().map_err(|e| ApiError::internal("reading the value questionnaire", e))?;
    let assessments = store
        .value_assessments(&AssessmentQuery { subject: Some(AssessmentSubject::Solution), subject_id: Some(id.into()) })
        .await
        .map_err(|e| ApiError::store("reading value assessments", e))?
        .into_iter()
        .map(|a| ScoredAssessment { scores: questionnaire.scores_of(&a), assessment: a })
        .collect();
    Ok(ResourceValueView {
        resource_id: id.to_string(),
        period: period.clone(),
        currency,
        records,
        history,
        computed,
        cost,
        cost_note,
        roi,
        assessments,
    })
}

/// `GET /api/v1/value/resources/{id}?period=2026-10`.
pub async fn resource(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<PeriodParams>,
) -> Result<Json<ResourceValueView>, ApiError> {
    let p = period(params.period.as_deref())?;
    Ok(Json(resource_value(&state, &caller, &id, &p).await?))
}

/// Record `fields` (the import format's field names, values as strings or numbers) as the
/// `kind` value of resource `id`, for a caller who may act on it.
pub async fn record_value(
    state: &AppState,
    caller: &Caller,
    id: &str,
    kind: &str,
    mut fields: serde_json::Map<String, serde_json::Value>,
) -> Result<ValueRecord, ApiError> {
    let kind: ValueKind =
        kind.parse().map_err(|e: steward_model::UnknownValue| ApiError::invalid("kind", e.to_string()))?;
    let detail = find_for(state, caller, id).await?;
    caller.must_act_on(&detail.resource)?;
    fields.insert("resource_id".into(), id.into());
    fields.insert("kind".into(), kind.as_str().into());
    // Amounts without a currency are in the reporting currency.
    if fields.get("currency").and_then(serde_json::Value::as_str).is_none_or(|c| c.trim().is_empty()) {
        fields.insert("currency".into(), state.value.rates.currency.clone().into());
    }
    let text = serde_json::Value::Array(vec![serde_json::Value::Object(fields)]).to_string();
    let parsed = parse(&text, Format::Json).map_err(ApiError::BadRequest)?;
    if let Some(error) = parsed.errors.first() {
        return Err(ApiError::invalid("value", error.reason.clone()));
    }
    let Some(row) = parsed.rows.into_iter().next() else {
        return Err(ApiError::BadRequest("no value record in the request".into()));
    };
    let mut figures = row.figures;
    if figures.currency.is_empty() {
        figures.currency = state.value.rates.currency.clone();
    }
    let before = state
        .store
        .value_records(&ValueQuery { resource_ids: Some(vec![id.to_string()]), kind: Some(kind), ..Default::default() })
        .await
        .map_err(|e| ApiError::store("reading value records", e))?
        .pop();
    let new = NewValueRecord {
        resource_id: id.to_string(),
        kind,
        figures,
        story: row.story,
        recorded_by: caller.username.clone(),
        recorded_at: chrono::Utc::now(),
    };
    let stored = state.store.record_value(&new).await.map_err(|e| ApiError::store("recording a value", e))?;
    audit::record(state, caller, "value.record", format!("resource:{id}"), audit::json(&before), audit::json(&stored))
        .await;
    Ok(stored)
}

/// `PUT /api/v1/value/resources/{id}/{kind}`: body a JSON object with any of `users_impacted`,
/// `minutes_per_use`, `minutes_per_week`, `cost_avoided_per_year`, `revenue_enabled_per_year`,
/// `currency`, `problem`, `solution`, `obstacles`, `value`, `next_steps`.
pub async fn put_record(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, kind)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ValueRecord>, ApiError> {
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be a JSON object with any of users_impacted, minutes_per_use, minutes_per_week, \
             cost_avoided_per_year, revenue_enabled_per_year, currency, problem, solution, obstacles, value, \
             next_steps ({e})"
        ))
    })?;
    Ok(Json(record_value(&state, &caller, &id, &kind, fields).await?))
}

/// An assessment as sent: what is assessed and the answers.
#[derive(Debug, Clone, Deserialize)]
pub struct AssessmentInput {
    pub subject: AssessmentSubject,
    pub subject_id: String,
    pub answers: Vec<AssessmentAnswer>,
}

/// Record an assessment: of a solution by whoever may act on it, of a business unit by a
/// platform admin.
pub async fn assess(state: &AppState, caller: &Caller, input: AssessmentInput) -> Result<ScoredAssessment, ApiError> {
    match input.subject {
        AssessmentSubject::Solution => {
            let detail = find_for(state, caller, &input.subject_id).await?;
            caller.must_act_on(&detail.resource)?;
        }
        AssessmentSubject::BusinessUnit if !caller.is_admin() => {
            return Err(ApiError::Forbidden("business units are assessed by platform admins".into()));
        }
        AssessmentSubject::BusinessUnit => {}
    }
    let questionnaire =
        Questionnaire::builtin().map_err(|e| ApiError::internal("reading the value questionnaire", e))?;
    questionnaire.check(&input.answers).map_err(|e| ApiError::invalid("answers", e))?;
    let new = NewValueAssessment {
        subject: input.subject,
        subject_id: input.subject_id.trim().to_string(),
        questionnaire: questionnaire.version.clone(),
        answers: input.answers,
        assessed_by: caller.username.clone(),
        assessed_at: chrono::Utc::now(),
    };
    let stored =
        state.store.record_value_assessment(&new).await.map_err(|e| ApiError::store("recording an assessment", e))?;
    let target = format!("{}:{}", stored.subject, stored.subject_id);
    audit::record(state, caller, "value.assess", target, None, audit::json(&stored)).await;
    Ok(ScoredAssessment { scores: questionnaire.scores_of(&stored), assessment: stored })
}

/// `POST /api/v1/value/assessments`.
pub async fn post_assessment(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<ScoredAssessment>, ApiError> {
    let input: AssessmentInput = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be {{\"subject\": \"solution\"|\"business_unit\", \"subject_id\": …, \"answers\": \
             [{{\"question_id\": …, \"score\": 0-5, \"note\": …}}]}} ({e})"
        ))
    })?;
    Ok(Json(assess(&state, &caller, input).await?))
}

/// `?subject=business_unit&subject_id=Finance`: which assessments to list.
#[derive(Debug, Default, Deserialize)]
pub struct AssessmentParams {
    pub subject: Option<String>,
    pub subject_id: Option<String>,
}

/// Stored assessments matching `subject` and `subject_id` (a business unit's name compared
/// without case), newest first, with their scores. A maker sees solution assessments of their
/// own resources only.
pub async fn assessments_for(
    state: &AppState,
    caller: &Caller,
    subject: Option<AssessmentSubject>,
    subject_id: Option<&str>,
) -> Result<Vec<ScoredAssessment>, ApiError> {
    let questionnaire =
        Questionnaire::builtin().map_err(|e| ApiError::internal("reading the value questionnaire", e))?;
    let wanted = subject_id.map(|id| id.trim().to_lowercase()).filter(|id| !id.is_empty());
    let mut found = state
        .store
        .value_assessments(&AssessmentQuery { subject, subject_id: None })
        .await
        .map_err(|e| ApiError::store("reading value assessments", e))?;
    found.retain(|a| wanted.as_ref().is_none_or(|w| a.subject_id.to_lowercase() == *w));
    if let Visible::Own(ids) = Visible::of(state, caller).await? {
        found.retain(|a| a.subject == AssessmentSubject::BusinessUnit || ids.contains(&a.subject_id));
    }
    found.sort_by(|a, b| b.assessed_at.cmp(&a.assessed_at).then_with(|| b.id.cmp(&a.id)));
    Ok(found.into_iter().map(|a| ScoredAssessment { scores: questionnaire.scores_of(&a), assessment: a }).collect())
}

/// `GET /api/v1/value/assessments?subject=business_unit&subject_id=Finance`.
pub async fn list_assessments(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<AssessmentParams>,
) -> Result<Json<Vec<ScoredAssessment>>, ApiError> {
    let subject = params
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<AssessmentSubject>())
        .transpose()
        .map_err(|e: steward_model::UnknownValue| ApiError::invalid("subject", e.to_string()))?;
    Ok(Json(assessments_for(&state, &caller, subject, params.subject_id.as_deref()).await?))
}

/// A business unit (a department) with its value and ROI for a period and its assessments.
#[derive(Debug, Clone, Serialize)]
pub struct BusinessUnitView {
    pub name: String,
    /// The unit's row of the ROI report; absent for a unit that was assessed but owns nothing
    /// with a value or cost in the period.
    pub roi: Option<RoiRow>,
    /// How many assessments it has.
    pub assessments: usize,
    /// The newest one, with its scores.
    pub latest: Option<ScoredAssessment>,
}

/// Every business unit of the ROI report for `period` and every assessed one, by name.
pub async fn business_units_for(
    state: &AppState,
    caller: &Caller,
    period: &ValuePeriod,
) -> Result<Vec<BusinessUnitView>, ApiError> {
    let report = report_for(state, caller, period).await?;
    let assessed = assessments_for(state, caller, Some(AssessmentSubject::BusinessUnit), None).await?;
    let mut units: std::collections::BTreeMap<String, BusinessUnitView> = std::collections::BTreeMap::new();
    // Resources whose owner has no department are grouped under a key of "" in the report: not a unit.
    for row in report.business_units.into_iter().filter(|r| !r.key.is_empty()) {
        units.insert(
            row.key.to_lowercase(),
            BusinessUnitView { name: row.key.clone(), roi: Some(row), assessments: 0, latest: None },
        );
    }
    for a in assessed {
        let unit = units.entry(a.assessment.subject_id.to_lowercase()).or_insert_with(|| BusinessUnitView {
            name: a.assessment.subject_id.clone(),
            roi: None,
            assessments: 0,
            latest: None,
        });
        unit.assessments += 1;
        // Newest first: the first one met is the latest.
        if unit.latest.is_none() {
            unit.latest = Some(a);
        }
    }
    // Keyed by the lower-cased name: in name order, whatever the case.
    Ok(units.into_values().collect())
}

/// `GET /api/v1/value/business-units?period=2026-10`.
pub async fn business_units(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<PeriodParams>,
) -> Result<Json<Vec<BusinessUnitView>>, ApiError> {
    let p = period(params.period.as_deref())?;
    Ok(Json(business_units_for(&state, &caller, &p).await?))
}
