//! An assessment's report (scores, answers, gaps and actions), progress across the assessments
//! of one scope, and the comparison of business units. JSON is these types serialised; the
//! printable page is [`crate::html`].

use crate::load::Models;
use crate::model::{AnswerType, Level, Model};
use crate::score::{ModelScore, score};
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;
use steward_store::maturity::{Answer, AnswerSource, AnswerValue, Assessment};

/// One question with its answer, for the report and the answer form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnsweredQuestion {
    pub model_id: String,
    pub area_id: String,
    pub question_id: String,
    pub group: Option<String>,
    pub text: String,
    pub answer_type: AnswerType,
    pub level: Level,
    pub weight: f64,
    pub why: String,
    pub source: String,
    /// The answer in words; `None` when not answered.
    pub answer: Option<String>,
    pub value: Option<AnswerValue>,
    pub answer_source: Option<AnswerSource>,
    pub evidence: Option<String>,
    pub comment: Option<String>,
    pub links: Vec<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<Timestamp>,
}

/// Everything the report page and the JSON export show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub assessment: Assessment,
    pub scores: Vec<ModelScore>,
    pub questions: Vec<AnsweredQuestion>,
    /// Models that changed or are gone since the assessment was created.
    pub warnings: Vec<String>,
}

/// The loaded models an assessment was taken against, with warnings for changed or missing ones.
pub fn models_of<'a>(models: &'a Models, assessment: &Assessment) -> (Vec<&'a Model>, Vec<String>) {
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for r in &assessment.models {
        match models.get(&r.id) {
            Some(m) => {
                if m.digest != r.digest {
                    warnings.push(format!(
                        "model '{}' changed since this assessment was created (version {} then, {} now); it is scored \
                         against the current questions",
                        r.id, r.version, m.version
                    ));
                }
                found.push(m);
            }
            None => warnings.push(format!(
                "model '{}' (version {}) is no longer loaded; its answers are kept but not scored — add its file back \
                 to `[assess] models_dir`",
                r.id, r.version
            )),
        }
    }
    (found, warnings)
}

/// The report of an assessment from its current answers.
pub fn build(models: &Models, assessment: &Assessment, answers: &[Answer]) -> Report {
    let (used, warnings) = models_of(models, assessment);
    let scores = score(&used, assessment.scope, answers);
    let mut questions = Vec::new();
    for m in &used {
        for (area, q) in m.questions() {
            if !area.applies_to(assessment.scope) {
                continue;
            }
            let a = answers.iter().find(|a| a.question_id == q.id);
            let value = a.and_then(|a| a.value.clone());
            questions.push(AnsweredQuestion {
                model_id: m.id.clone(),
                area_id: area.id.clone(),
                question_id: q.id.clone(),
                group: q.group.clone(),
                text: q.text.clone(),
                answer_type: q.answer,
                level: q.level,
                weight: q.weight,
                why: q.why.clone(),
                source: q.source.clone(),
                answer: value.as_ref().map(|v| q.display(v)),
                value,
                answer_source: a.map(|a| a.source),
                evidence: a.and_then(|a| a.evidence.clone()),
                comment: a.and_then(|a| a.comment.clone()),
                links: a.map(|a| a.links.clone()).unwrap_or_default(),
                answered_by: a.map(|a| a.answered_by.clone()),
                answered_at: a.map(|a| a.answered_at),
            });
        }
    }
    Report { assessment: assessment.clone(), scores, questions, warnings }
}

/// One area's standing in one assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaPoint {
    pub model_id: String,
    pub area_id: String,
    pub title: String,
    pub level: Level,
    pub score: f64,
}

/// One assessment of a series (progress) or of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub assessment_id: i64,
    pub title: String,
    pub scope_ref: Option<String>,
    pub at: Timestamp,
    pub areas: Vec<AreaPoint>,
}

/// Each assessment's area levels and scores, in the order given (oldest first for progress).
pub fn points(models: &Models, assessments: &[(Assessment, Vec<Answer>)]) -> Vec<Point> {
    assessments
        .iter()
        .map(|(a, answers)| {
            let report = build(models, a, answers);
            Point {
                assessment_id: a.id,
                title: a.title.clone(),
                scope_ref: a.scope_ref.clone(),
                at: a.completed_at.unwrap_or(a.created_at),
                areas: report
                    .scores
                    .iter()
                    .flat_map(|m| m.areas.iter())
                    .map(|s| AreaPoint {
                        model_id: s.model_id.clone(),
                        area_id: s.area_id.clone(),
                        title: s.title.clone(),
                        level: s.level,
                        score: s.score,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A table of areas (rows) by assessments (columns): the union of the points' areas in first-seen
/// order, each cell the area's point in that assessment when it was asked there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<Point>,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub model_id: String,
    pub area_id: String,
    pub title: String,
    pub cells: Vec<Option<AreaPoint>>,
}

pub fn table(points: Vec<Point>) -> Table {
    let mut rows: Vec<TableRow> = Vec::new();
    for p in &points {
        for a in &p.areas {
            if !rows.iter().any(|r| r.model_id == a.model_id && r.area_id == a.area_id) {
                rows.push(TableRow {
                    model_id: a.model_id.clone(),
                    area_id: a.area_id.clone(),
                    title: a.title.clone(),
                    cells: Vec::new(),
                });
            }
        }
    }
    for row in &mut rows {
        row.cells = points
            .iter()
            .map(|p| p.areas.iter().find(|a| a.model_id == row.model_id && a.area_id == row.area_id).cloned())
            .collect();
    }
    Table { columns: points, rows }
}
