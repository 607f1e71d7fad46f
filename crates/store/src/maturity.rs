//! Maturity assessments, their answers and history (issue #8).
//!
//! A part of the storage boundary kept in its own trait so that its methods, types and backend
//! implementations live together; [`crate::Store`] requires it, so `Arc<dyn Store>` reaches them.
//!
//! The store keeps what was answered, by whom and when; what the questions mean (models, types,
//! weights, levels) and how answers score is `steward-assess`'s. An assessment names the models
//! it was taken against with their version and digest, so a later change of a model never
//! silently changes what an old assessment meant.
//!
//! Semantics both backends share (the conformance cases pin them down):
//! - An answer is one row per (assessment, question): recording it again replaces it.
//! - Every recorded answer that differs from the current one (value, source, evidence, comment or
//!   links) is appended to the history; recording the same answer again appends nothing.
//! - A completed assessment takes no more answers ([`crate::StoreError::InvalidQuery`]); it is
//!   history. A new assessment of the same scope is how progress is measured.

use crate::{Result, StoreError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

steward_model::string_enum!(
    /// What an assessment is about.
    ScopeKind, "assessment scope" {
        /// The whole organisation (every tenant Steward knows).
        Organisation => "organisation",
        /// One business unit, named by the department or business area as the inventory has it.
        BusinessUnit => "business_unit",
        /// One solution: a resource id.
        Solution => "solution",
    }
);

steward_model::string_enum!(
    /// Where an assessment stands.
    AssessmentState, "assessment state" {
        /// Being answered.
        Draft => "draft",
        /// Closed: kept as history, takes no more answers.
        Completed => "completed",
    }
);

steward_model::string_enum!(
    /// Where an answer came from.
    AnswerSource, "answer source" {
        /// Typed in by a person.
        Manual => "manual",
        /// Pre-filled by Steward from its own data (the evidence says what it read).
        Evidence => "evidence",
        /// A person replaced what the evidence said (the evidence is kept beside it).
        Override => "override",
    }
);

/// One answer's value; its kind must match the question's answer type (checked by
/// `steward-assess`, not here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    YesNo(bool),
    /// 1 to 5.
    Scale(u8),
    /// The id of one of the question's choices.
    Choice(String),
    Number(f64),
    Text(String),
}

impl AnswerValue {
    /// For pages and the CLI: "yes", "3 of 5", the choice id, the number, the text.
    pub fn display(&self) -> String {
        match self {
            AnswerValue::YesNo(true) => "yes".into(),
            AnswerValue::YesNo(false) => "no".into(),
            AnswerValue::Scale(n) => format!("{n} of 5"),
            AnswerValue::Choice(c) => c.clone(),
            AnswerValue::Number(n) => format!("{n}"),
            AnswerValue::Text(t) => t.clone(),
        }
    }
}

/// A model an assessment was taken against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    pub id: String,
    pub version: String,
    /// A digest of the model file's content, so that two files with the same version label
    /// but different questions are told apart.
    pub digest: String,
}

/// An assessment to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAssessment {
    pub title: String,
    pub scope: ScopeKind,
    /// The business unit's name or the solution's resource id; `None` for the organisation.
    pub scope_ref: Option<String>,
    pub models: Vec<ModelRef>,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl NewAssessment {
    /// A blank title or creator, no model, or a scope reference that does not fit the scope
    /// (missing for a business unit or a solution, given for the organisation) is refused.
    pub fn check(&self) -> Result<()> {
        let mut missing = Vec::new();
        if self.title.trim().is_empty() {
            missing.push("a title");
        }
        if self.created_by.trim().is_empty() {
            missing.push("who creates it");
        }
        if self.models.is_empty() {
            missing.push("at least one model");
        }
        let has_ref = self.scope_ref.as_deref().is_some_and(|r| !r.trim().is_empty());
        match (self.scope, has_ref) {
            (ScopeKind::Organisation, true) => {
                return Err(StoreError::InvalidQuery(
                    "an organisation assessment names no business unit or solution; leave the scope reference out"
                        .into(),
                ));
            }
            (ScopeKind::BusinessUnit, false) => missing.push("the business unit's name"),
            (ScopeKind::Solution, false) => missing.push("the solution's resource id"),
            _ => {}
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(StoreError::InvalidQuery(format!("an assessment needs {}", missing.join(", "))))
        }
    }
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: i64,
    pub title: String,
    pub scope: ScopeKind,
    pub scope_ref: Option<String>,
    pub models: Vec<ModelRef>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub state: AssessmentState,
    pub completed_by: Option<String>,
    pub completed_at: Option<Timestamp>,
    /// Questions answered (with a value) so far.
    pub answered: u64,
}

/// Which assessments [`MaturityStore::list_assessments`] returns, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentQuery {
    pub scope: Option<ScopeKind>,
    pub scope_ref: Option<String>,
    pub state: Option<AssessmentState>,
}

impl AssessmentQuery {
    /// Whether an assessment matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, a: &Assessment) -> bool {
        self.scope.is_none_or(|s| s == a.scope)
            && self.scope_ref.as_ref().is_none_or(|r| a.scope_ref.as_ref() == Some(r))
            && self.state.is_none_or(|s| s == a.state)
    }
}

/// An answer to record. `value: None` records "not answered" (a cleared answer), which is
/// history too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAnswer {
    pub question_id: String,
    pub value: Option<AnswerValue>,
    pub source: AnswerSource,
    /// What Steward read, in words, when the answer came from (or overrides) evidence.
    pub evidence: Option<String>,
    pub comment: Option<String>,
    pub links: Vec<String>,
    pub by: String,
    pub at: Timestamp,
}

impl NewAnswer {
    pub fn check(&self) -> Result<()> {
        if self.question_id.trim().is_empty() {
            return Err(StoreError::InvalidQuery("an answer needs the question's id".into()));
        }
        if self.by.trim().is_empty() {
            return Err(StoreError::InvalidQuery(format!("the answer to '{}' needs who answered", self.question_id)));
        }
        Ok(())
    }

    /// The same answer with blank comment and links dropped: what is stored and compared.
    pub fn normalized(&self) -> NewAnswer {
        let mut a = self.clone();
        a.question_id = a.question_id.trim().to_string();
        a.comment = a.comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        a.evidence = a.evidence.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        a.links = a.links.into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
        a
    }

    /// Whether storing this over `current` changes anything worth a history entry.
    pub fn differs_from(&self, current: &Answer) -> bool {
        self.value != current.value
            || self.source != current.source
            || self.evidence != current.evidence
            || self.comment != current.comment
            || self.links != current.links
    }
}

/// The current answer to one question of an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub assessment_id: i64,
    pub question_id: String,
    pub value: Option<AnswerValue>,
    pub source: AnswerSource,
    pub evidence: Option<String>,
    pub comment: Option<String>,
    pub links: Vec<String>,
    pub answered_by: String,
    pub answered_at: Timestamp,
}

/// One change of an answer, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerEvent {
    pub id: i64,
    #[serde(flatten)]
    pub answer: Answer,
}

/// What [`MaturityStore::record_answers`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAnswers {
    /// Answers that changed (or were new) and went into the history.
    pub changed: u64,
    /// Answers equal to the stored ones: nothing written.
    pub unchanged: u64,
}

/// The JSON a backend stores for a value (`None` for not answered).
pub fn value_json(value: &Option<AnswerValue>) -> Option<String> {
    value.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

/// A stored value back; a row that does not parse is reported as corrupt.
pub fn parse_value(text: Option<&str>, column: &str) -> Result<Option<AnswerValue>> {
    match text {
        None => Ok(None),
        Some(t) => serde_json::from_str(t)
            .map(Some)
            .map_err(|e| StoreError::Corrupt { what: column.to_string(), reason: e.to_string() }),
    }
}

/// A stored JSON list (links, models) back.
pub fn parse_list<T: serde::de::DeserializeOwned>(text: &str, column: &str) -> Result<Vec<T>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt { what: column.to_string(), reason: e.to_string() })
}

/// A list as JSON for storage.
pub fn list_json<T: Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

#[async_trait]
pub trait MaturityStore: Send + Sync {
    /// Create a `draft` assessment. A refused [`NewAssessment::check`] fails with
    /// [`StoreError::InvalidQuery`] and writes nothing.
    async fn create_assessment(&self, assessment: &NewAssessment) -> Result<Assessment>;

    /// One assessment; `None` for an unknown id.
    async fn get_assessment(&self, id: i64) -> Result<Option<Assessment>>;

    /// Assessments matching the query, by id.
    async fn list_assessments(&self, query: &AssessmentQuery) -> Result<Vec<Assessment>>;

    /// Record answers in one transaction: each replaces the current answer to its question and,
    /// when it differs, is appended to the history. [`StoreError::NotFound`] for an unknown
    /// assessment, [`StoreError::InvalidQuery`] for a completed one or an answer
    /// [`NewAnswer::check`] refuses (nothing is written then).
    async fn record_answers(&self, assessment_id: i64, answers: &[NewAnswer]) -> Result<RecordedAnswers>;

    /// The current answers of an assessment, by question id; empty for an unknown id.
    async fn assessment_answers(&self, assessment_id: i64) -> Result<Vec<Answer>>;

    /// Every recorded change of an assessment's answers, oldest first; empty for an unknown id.
    async fn answer_history(&self, assessment_id: i64) -> Result<Vec<AnswerEvent>>;

    /// Complete a draft assessment. [`StoreError::NotFound`] for an unknown id,
    /// [`StoreError::InvalidQuery`] when it is completed already.
    async fn complete_assessment(&self, id: i64, by: &str, at: Timestamp) -> Result<Assessment>;
}
