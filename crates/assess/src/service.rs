//! The operations the CLI, the server and the demo share: create an assessment with its evidence
//! pre-filled, refresh the evidence, record typed answers, and read a report.

use crate::evidence::{self, Context, Evidence};
use crate::load::Models;
use crate::model::Model;
use crate::report::{self, Report};
use steward_model::Timestamp;
use steward_store::maturity::{
    AnswerSource, AnswerValue, Assessment, NewAnswer, NewAssessment, RecordedAnswers, ScopeKind,
};
use steward_store::{Store, StoreError};

/// Why an operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("assessment {0} not found; `steward assess list` shows the assessments")]
    NotFound(i64),
}

/// What to create.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub title: Option<String>,
    pub scope: ScopeKind,
    pub scope_ref: Option<String>,
    /// Model ids; empty means every model with areas for the scope.
    pub model_ids: Vec<String>,
    pub by: String,
    pub at: Timestamp,
}

/// The models a request names (all for the scope when none are named), refusing unknown ones
/// and models with no area for the scope.
pub fn pick_models<'a>(models: &'a Models, scope: ScopeKind, ids: &[String]) -> Result<Vec<&'a Model>, AssessError> {
    if ids.is_empty() {
        let all = models.for_scope(scope);
        if all.is_empty() {
            return Err(AssessError::Invalid(format!("no loaded model has areas for a {} assessment", scope.as_str())));
        }
        return Ok(all);
    }
    ids.iter()
        .map(|id| {
            let m = models.get(id).ok_or_else(|| {
                AssessError::Invalid(format!(
                    "no model '{id}' is loaded; the models are {}",
                    models.models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })?;
            if m.applies_to(scope) {
                Ok(m)
            } else {
                Err(AssessError::Invalid(format!("model '{id}' has no area for a {} assessment", scope.as_str())))
            }
        })
        .collect()
}

/// The default title: "Organisation maturity 2026-11-24", "Sales maturity …", "Solution app-1 …".
pub fn default_title(scope: ScopeKind, scope_ref: Option<&str>, at: Timestamp) -> String {
    let day = at.format("%Y-%m-%d");
    match (scope, scope_ref) {
        (ScopeKind::Organisation, _) | (_, None) => format!("Organisation maturity {day}"),
        (ScopeKind::BusinessUnit, Some(r)) => format!("{r} maturity {day}"),
        (ScopeKind::Solution, Some(r)) => format!("Solution {r} maturity {day}"),
    }
}

/// Create an assessment and pre-fill what the evidence answers. Returns the assessment (as
/// stored after pre-filling) and the evidence read.
pub async fn create(
    store: &dyn Store,
    models: &Models,
    request: &NewRequest,
    ctx: &Context,
) -> Result<(Assessment, Vec<Evidence>), AssessError> {
    let picked = pick_models(models, request.scope, &request.model_ids)?;
    let title = request
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| default_title(request.scope, request.scope_ref.as_deref(), request.at));
    let created = store
        .create_assessment(&NewAssessment {
            title,
            scope: request.scope,
            scope_ref: request.scope_ref.clone(),
            models: picked.iter().map(|m| m.reference()).collect(),
            created_by: request.by.clone(),
            created_at: request.at,
        })
        .await?;
    let found = refresh_evidence(store, models, &created, ctx, &request.by).await?;
    let stored = store.get_assessment(created.id).await?.ok_or(AssessError::NotFound(created.id))?;
    Ok((stored, found))
}

/// Read the evidence again and replace answers that came from evidence (never overrides).
pub async fn refresh_evidence(
    store: &dyn Store,
    models: &Models,
    assessment: &Assessment,
    ctx: &Context,
    by: &str,
) -> Result<Vec<Evidence>, AssessError> {
    let (used, _) = report::models_of(models, assessment);
    let found = evidence::gather(store, &used, ctx).await;
    let current = store.assessment_answers(assessment.id).await?;
    let answers = evidence::prefill(&used, &found, &current, assessment.scope, by, ctx.now);
    if !answers.is_empty() {
        store.record_answers(assessment.id, &answers).await?;
    }
    Ok(found)
}

/// One typed answer: the question id and the text as given (empty text clears the answer).
#[derive(Debug, Clone, Default)]
pub struct TypedAnswer {
    pub question_id: String,
    pub text: String,
    pub comment: Option<String>,
    pub links: Vec<String>,
}

/// Check typed answers against the assessment's questions and record them. An answer to a
/// question that came from evidence becomes an override, keeping the evidence beside it; an
/// answer equal to the evidence's stays evidence.
pub async fn answer(
    store: &dyn Store,
    models: &Models,
    assessment: &Assessment,
    typed: &[TypedAnswer],
    by: &str,
    at: Timestamp,
) -> Result<RecordedAnswers, AssessError> {
    let (used, _) = report::models_of(models, assessment);
    let current = store.assessment_answers(assessment.id).await?;
    let mut out = Vec::with_capacity(typed.len());
    let mut problems = Vec::new();
    for t in typed {
        let Some((_, q)) = used
            .iter()
            .flat_map(|m| m.questions())
            .find(|(a, q)| q.id == t.question_id && a.applies_to(assessment.scope))
        else {
            problems.push(format!("question '{}' is not part of assessment {}", t.question_id, assessment.id));
            continue;
        };
        let value: Option<AnswerValue> = if t.text.trim().is_empty() {
            None
        } else {
            match q.parse_answer(&t.text) {
                Ok(v) => Some(v),
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            }
        };
        let existing = current.iter().find(|a| a.question_id == q.id);
        let (source, evidence) = match existing {
            Some(a) if a.evidence.is_some() && a.source != AnswerSource::Manual => {
                let same = a.source == AnswerSource::Evidence && a.value == value;
                (if same { AnswerSource::Evidence } else { AnswerSource::Override }, a.evidence.clone())
            }
            _ => (AnswerSource::Manual, None),
        };
        out.push(NewAnswer {
            question_id: q.id.clone(),
            value,
            source,
            evidence,
            comment: t.comment.clone().or_else(|| existing.and_then(|a| a.comment.clone())),
            links: if t.links.is_empty() {
                existing.map(|a| a.links.clone()).unwrap_or_default()
            } else {
                t.links.clone()
            },
            by: by.to_string(),
            at,
        });
    }
    if !problems.is_empty() {
        return Err(AssessError::Invalid(format!("nothing was recorded: {}", problems.join("; "))));
    }
    Ok(store.record_answers(assessment.id, &out).await?)
}

/// The report of a stored assessment.
pub async fn report(store: &dyn Store, models: &Models, id: i64) -> Result<Report, AssessError> {
    let assessment = store.get_assessment(id).await?.ok_or(AssessError::NotFound(id))?;
    let answers = store.assessment_answers(id).await?;
    Ok(report::build(models, &assessment, &answers))
}

/// The assessments of the same scope as `assessment`, oldest first, each with its answers: the
/// series progress is drawn from.
pub async fn series(
    store: &dyn Store,
    assessment: &Assessment,
) -> Result<Vec<(Assessment, Vec<steward_store::maturity::Answer>)>, AssessError> {
    let list = store
        .list_assessments(&steward_store::maturity::AssessmentQuery {
            scope: Some(assessment.scope),
            scope_ref: assessment.scope_ref.clone(),
            state: None,
        })
        .await?;
    let mut out = Vec::new();
    for a in list.into_iter().filter(|a| a.scope_ref == assessment.scope_ref) {
        let answers = store.assessment_answers(a.id).await?;
        out.push((a, answers));
    }
    Ok(out)
}

/// The latest assessment of each business unit, by unit name: the comparison's columns.
pub async fn business_units(
    store: &dyn Store,
) -> Result<Vec<(Assessment, Vec<steward_store::maturity::Answer>)>, AssessError> {
    let list = store
        .list_assessments(&steward_store::maturity::AssessmentQuery {
            scope: Some(ScopeKind::BusinessUnit),
            ..Default::default()
        })
        .await?;
    let mut latest: std::collections::BTreeMap<String, Assessment> = std::collections::BTreeMap::new();
    for a in list {
        if let Some(r) = a.scope_ref.clone() {
            latest.insert(r, a);
        }
    }
    let mut out = Vec::new();
    for (_, a) in latest {
        let answers = store.assessment_answers(a.id).await?;
        out.push((a, answers));
    }
    Ok(out)
}
