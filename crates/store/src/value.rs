//! Business value records, value assessments and their history (issue #7).
//!
//! A part of the storage boundary kept in its own trait so that its methods, types and backend
//! implementations live together; [`crate::Store`] requires it, so `Arc<dyn Store>` reaches them.
//!
//! What both backends must do the same way is written here once:
//! - **one current record per resource and kind**: the potential value (declared before) and the
//!   actual value (measured after) of a resource are two records that never mix;
//! - **every change is kept**: recording a value writes a new revision (1, 2, …) of the record and
//!   the same snapshot to the history in one transaction, so the history always ends with the
//!   current record;
//! - **assessments are appended**, never overwritten: the newest one of a subject is its current
//!   one, the older ones are its history.
//!
//! Money is kept in integer hundredths of the currency unit and times in hundredths of a minute,
//! so that no sum over many records goes through floating point.

use crate::{Result, StoreError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

steward_model::string_enum!(
    /// Declared before the solution is in use (what makers expect), or measured after.
    ValueKind, "value kind" {
        Potential => "potential",
        Actual => "actual",
    }
);

steward_model::string_enum!(
    /// What a value assessment is about: one solution (a resource) or a business unit (a department).
    AssessmentSubject, "assessment subject" {
        Solution => "solution",
        BusinessUnit => "business_unit",
    }
);

/// What a maker declares about a resource's value, without who and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueFigures {
    /// People whose work the resource changes.
    pub users_impacted: Option<u32>,
    /// Hundredths of a minute saved each time the resource is used (launch, run, session).
    pub centiminutes_per_use: Option<i64>,
    /// Hundredths of a minute saved per week in which the resource is used at all.
    pub centiminutes_per_week: Option<i64>,
    /// Cost avoided per year, in hundredths of `currency`.
    pub cost_avoided_per_year: Option<i64>,
    /// Revenue enabled per year, in hundredths of `currency`.
    pub revenue_enabled_per_year: Option<i64>,
    /// ISO 4217 code of the amounts, e.g. `EUR`.
    pub currency: String,
}

/// The story told with the figures: why the solution exists and what came of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueStory {
    pub problem: String,
    pub solution: String,
    pub obstacles: String,
    pub value: String,
    pub next_steps: String,
}

/// A value to record: see [`ValueStore::record_value`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewValueRecord {
    pub resource_id: String,
    pub kind: ValueKind,
    pub figures: ValueFigures,
    pub story: ValueStory,
    /// The username of who records it.
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidQuery(format!("{what} is required")));
    }
    Ok(())
}

fn not_negative(value: Option<i64>, what: &str) -> Result<()> {
    match value {
        Some(v) if v < 0 => Err(StoreError::InvalidQuery(format!("{what} cannot be negative (got {v})"))),
        _ => Ok(()),
    }
}

impl NewValueRecord {
    /// Refuse a record without its resource, author or currency, or with a negative figure, saying which.
    pub fn check(&self) -> Result<()> {
        required(&self.resource_id, "the resource of a value record (resource_id)")?;
        required(&self.recorded_by, "who records the value (recorded_by)")?;
        let f = &self.figures;
        let currency = f.currency.trim();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(StoreError::InvalidQuery(format!(
                "the currency of a value record must be a three-letter ISO 4217 code such as EUR (got '{}')",
                f.currency
            )));
        }
        not_negative(f.centiminutes_per_use, "minutes saved per use")?;
        not_negative(f.centiminutes_per_week, "minutes saved per week")?;
        not_negative(f.cost_avoided_per_year, "cost avoided")?;
        not_negative(f.revenue_enabled_per_year, "revenue enabled")?;
        Ok(())
    }
}

/// A stored value record: the current one of its resource and kind, or one of its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueRecord {
    pub resource_id: String,
    pub kind: ValueKind,
    /// 1 for the first record of this resource and kind, one more for every change.
    pub revision: u32,
    pub figures: ValueFigures,
    pub story: ValueStory,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

/// Which current records [`ValueStore::value_records`] returns. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueQuery {
    /// Only these resources; `Some(vec![])` matches nothing.
    pub resource_ids: Option<Vec<String>>,
    pub kind: Option<ValueKind>,
    pub recorded_by: Option<String>,
}

impl ValueQuery {
    /// Whether a record matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, r: &ValueRecord) -> bool {
        self.resource_ids.as_ref().is_none_or(|ids| ids.contains(&r.resource_id))
            && self.kind.is_none_or(|k| k == r.kind)
            && self.recorded_by.as_ref().is_none_or(|b| *b == r.recorded_by)
    }
}

/// One answer of an assessment: a question of the shipped questionnaire and its score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentAnswer {
    pub question_id: String,
    /// 0 (not at all) to 5 (fully).
    pub score: u8,
    /// What the answer rests on; may be empty.
    #[serde(default)]
    pub note: String,
}

/// The highest score an answer may have.
pub const MAX_SCORE: u8 = 5;

/// An assessment to record: see [`ValueStore::record_value_assessment`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewValueAssessment {
    pub subject: AssessmentSubject,
    /// A resource id for a solution, a department name for a business unit.
    pub subject_id: String,
    /// The version of the questionnaire answered, so that old answers stay readable.
    pub questionnaire: String,
    pub answers: Vec<AssessmentAnswer>,
    pub assessed_by: String,
    pub assessed_at: Timestamp,
}

impl NewValueAssessment {
    /// Refuse an assessment without subject, author or answers, or with a score out of range.
    pub fn check(&self) -> Result<()> {
        required(&self.subject_id, "what is assessed (subject_id)")?;
        required(&self.questionnaire, "the questionnaire version (questionnaire)")?;
        required(&self.assessed_by, "who assesses (assessed_by)")?;
        if self.answers.is_empty() {
            return Err(StoreError::InvalidQuery("an assessment needs at least one answer".into()));
        }
        for a in &self.answers {
            required(&a.question_id, "the question of an answer (question_id)")?;
            if a.score > MAX_SCORE {
                return Err(StoreError::InvalidQuery(format!(
                    "the score of question '{}' is {}; scores run from 0 to {MAX_SCORE}",
                    a.question_id, a.score
                )));
            }
        }
        Ok(())
    }
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueAssessment {
    pub id: i64,
    pub subject: AssessmentSubject,
    pub subject_id: String,
    pub questionnaire: String,
    pub answers: Vec<AssessmentAnswer>,
    pub assessed_by: String,
    pub assessed_at: Timestamp,
}

/// Which assessments [`ValueStore::value_assessments`] returns. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentQuery {
    pub subject: Option<AssessmentSubject>,
    pub subject_id: Option<String>,
}

impl AssessmentQuery {
    /// Whether an assessment matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, a: &ValueAssessment) -> bool {
        self.subject.is_none_or(|s| s == a.subject) && self.subject_id.as_ref().is_none_or(|id| *id == a.subject_id)
    }
}

/// Answers as the JSON both backends store.
pub fn answers_to_json(answers: &[AssessmentAnswer]) -> String {
    serde_json::to_string(answers).unwrap_or_else(|_| "[]".into())
}

/// Answers read back from their stored JSON; a row that does not parse is reported, not skipped.
pub fn answers_from_json(json: &str) -> Result<Vec<AssessmentAnswer>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        what: "value_assessments.answers".into(),
        reason: format!("not a list of answers: {e}"),
    })
}

#[async_trait]
pub trait ValueStore: Send + Sync {
    /// Record a resource's potential or actual value: the record becomes the current one of its
    /// resource and kind with the next revision, and the same snapshot joins the history.
    async fn record_value(&self, new: &NewValueRecord) -> Result<ValueRecord>;

    /// The current records matching `query`, ordered by resource then kind.
    async fn value_records(&self, query: &ValueQuery) -> Result<Vec<ValueRecord>>;

    /// Every revision of a resource's records (both kinds), newest first.
    async fn value_history(&self, resource_id: &str) -> Result<Vec<ValueRecord>>;

    /// Append an assessment of a solution or business unit.
    async fn record_value_assessment(&self, new: &NewValueAssessment) -> Result<ValueAssessment>;

    /// Assessments matching `query`, newest first (ties by id, newest first).
    async fn value_assessments(&self, query: &AssessmentQuery) -> Result<Vec<ValueAssessment>>;
}
