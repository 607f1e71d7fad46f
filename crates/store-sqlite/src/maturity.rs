//! [`steward_store::maturity::MaturityStore`] for SqliteStore.
//!
//! Writes run on the writer thread, each in its own transaction, so checking that an assessment
//! is still a draft and recording answers cannot interleave with its completion.

use crate::SqliteStore;
use crate::convert::{opt_timestamp, timestamp};
use crate::read::{collect, db};
use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};
use steward_model::Timestamp;
use steward_store::maturity::{
    Answer, AnswerEvent, Assessment, AssessmentQuery, AssessmentState, MaturityStore, NewAnswer, NewAssessment,
    RecordedAnswers, list_json, parse_list, parse_value, value_json,
};
use steward_store::{Result, StoreError};

const COLUMNS: &str = "a.id, a.title, a.scope, a.scope_ref, a.models, a.created_by, a.created_at, a.state, \
     a.completed_by, a.completed_at, \
     (SELECT COUNT(*) FROM assessment_answers x WHERE x.assessment_id = a.id AND x.value IS NOT NULL)";

const ANSWER_COLUMNS: &str =
    "assessment_id, question_id, value, source, evidence, comment, links, answered_by, answered_at";

#[async_trait]
impl MaturityStore for SqliteStore {
    async fn create_assessment(&self, assessment: &NewAssessment) -> Result<Assessment> {
        assessment.check()?;
        let a = assessment.clone();
        self.writer
            .run(move |conn| {
                let context = "creating an assessment";
                let tx = conn.transaction().map_err(db(context))?;
                tx.execute(
                    "INSERT INTO assessments (title, scope, scope_ref, models, created_by, created_at, state) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'draft')",
                    params![
                        a.title.trim(),
                        a.scope.as_str(),
                        a.scope_ref.as_deref().map(str::trim),
                        list_json(&a.models),
                        a.created_by.trim(),
                        a.created_at.timestamp_millis(),
                    ],
                )
                .map_err(db(context))?;
                let id = tx.last_insert_rowid();
                let stored = read(&tx, id)?.ok_or_else(|| vanished(id))?;
                tx.commit().map_err(db(context))?;
                Ok(stored)
            })
            .await
    }

    async fn get_assessment(&self, id: i64) -> Result<Option<Assessment>> {
        self.read(move |conn| read(conn, id)).await
    }

    async fn list_assessments(&self, query: &AssessmentQuery) -> Result<Vec<Assessment>> {
        let q = query.clone();
        self.read(move |conn| {
            let mut sql = format!("SELECT {COLUMNS} FROM assessments a WHERE 1 = 1");
            let mut args: Vec<Value> = Vec::new();
            for (column, value) in [
                ("a.scope", q.scope.map(|s| s.as_str().to_string())),
                ("a.scope_ref", q.scope_ref.clone()),
                ("a.state", q.state.map(|s| s.as_str().to_string())),
            ] {
                if let Some(v) = value {
                    args.push(Value::Text(v));
                    sql.push_str(&format!(" AND {column} = ?{}", args.len()));
                }
            }
            sql.push_str(" ORDER BY a.id");
            collect(conn, &sql, &args, "listing assessments", assessment_row)
        })
        .await
    }

    async fn record_answers(&self, assessment_id: i64, answers: &[NewAnswer]) -> Result<RecordedAnswers> {
        for a in answers {
            a.check()?;
        }
        let answers: Vec<NewAnswer> = answers.iter().map(NewAnswer::normalized).collect();
        self.writer
            .run(move |conn| {
                let context = "recording answers";
                let tx = conn.transaction().map_err(db(context))?;
                let assessment = read(&tx, assessment_id)?
                    .ok_or_else(|| StoreError::NotFound { what: "assessment", id: assessment_id.to_string() })?;
                if assessment.state == AssessmentState::Completed {
                    return Err(completed(&assessment));
                }
                let mut counts = RecordedAnswers::default();
                for a in &answers {
                    let current = answer(&tx, assessment_id, &a.question_id)?;
                    if current.as_ref().is_some_and(|c| !a.differs_from(c)) {
                        counts.unchanged += 1;
                        continue;
                    }
                    let value = value_json(&a.value);
                    let links = list_json(&a.links);
                    tx.execute(
                        "INSERT INTO assessment_answers (assessment_id, question_id, value, source, evidence, comment, \
                         links, answered_by, answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                         ON CONFLICT (assessment_id, question_id) DO UPDATE SET value = excluded.value, \
                         source = excluded.source, evidence = excluded.evidence, comment = excluded.comment, \
                         links = excluded.links, answered_by = excluded.answered_by, answered_at = excluded.answered_at",
                        params![
                            assessment_id,
                            a.question_id,
                            value,
                            a.source.as_str(),
                            a.evidence,
                            a.comment,
                            links,
                            a.by.trim(),
                            a.at.timestamp_millis()
                        ],
                    )
                    .map_err(db(context))?;
                    tx.execute(
                        "INSERT INTO assessment_answer_events (assessment_id, question_id, value, source, evidence, \
                         comment, links, answered_by, answered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            assessment_id,
                            a.question_id,
                            value,
                            a.source.as_str(),
                            a.evidence,
                            a.comment,
                            links,
                            a.by.trim(),
                            a.at.timestamp_millis()
                        ],
                    )
                    .map_err(db(context))?;
                    counts.changed += 1;
                }
                tx.commit().map_err(db(context))?;
                Ok(counts)
            })
            .await
    }

    async fn assessment_answers(&self, assessment_id: i64) -> Result<Vec<Answer>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {ANSWER_COLUMNS} FROM assessment_answers WHERE assessment_id = ?1 ORDER BY question_id"
            );
            collect(conn, &sql, &[Value::Integer(assessment_id)], "reading answers", answer_row)
        })
        .await
    }

    async fn answer_history(&self, assessment_id: i64) -> Result<Vec<AnswerEvent>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {ANSWER_COLUMNS}, id FROM assessment_answer_events WHERE assessment_id = ?1 ORDER BY id"
            );
            collect(conn, &sql, &[Value::Integer(assessment_id)], "reading answer history", |r| {
                Ok(AnswerEvent { id: r.get(9).map_err(db("reading answer history"))?, answer: answer_row(r)? })
            })
        })
        .await
    }

    async fn complete_assessment(&self, id: i64, by: &str, at: Timestamp) -> Result<Assessment> {
        if by.trim().is_empty() {
            return Err(StoreError::InvalidQuery("completing an assessment needs who completes it".into()));
        }
        let by = by.trim().to_string();
        self.writer
            .run(move |conn| {
                let context = "completing an assessment";
                let tx = conn.transaction().map_err(db(context))?;
                let current =
                    read(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: "assessment", id: id.to_string() })?;
                if current.state == AssessmentState::Completed {
                    return Err(completed(&current));
                }
                tx.execute(
                    "UPDATE assessments SET state = 'completed', completed_by = ?2, completed_at = ?3 WHERE id = ?1",
                    params![id, by, at.timestamp_millis()],
                )
                .map_err(db(context))?;
                let stored = read(&tx, id)?.ok_or_else(|| vanished(id))?;
                tx.commit().map_err(db(context))?;
                Ok(stored)
            })
            .await
    }
}

fn completed(a: &Assessment) -> StoreError {
    StoreError::InvalidQuery(format!(
        "assessment {} was completed by {} and takes no more changes; start a new assessment of the same scope to \
         measure progress",
        a.id,
        a.completed_by.as_deref().unwrap_or("someone")
    ))
}

fn vanished(id: i64) -> StoreError {
    StoreError::Corrupt { what: "assessments".into(), reason: format!("row {id} vanished inside its transaction") }
}

fn read(conn: &Connection, id: i64) -> Result<Option<Assessment>> {
    let sql = format!("SELECT {COLUMNS} FROM assessments a WHERE a.id = ?1");
    Ok(collect(conn, &sql, &[Value::Integer(id)], "reading an assessment", assessment_row)?.pop())
}

fn answer(conn: &Connection, assessment_id: i64, question_id: &str) -> Result<Option<Answer>> {
    let sql = format!("SELECT {ANSWER_COLUMNS} FROM assessment_answers WHERE assessment_id = ?1 AND question_id = ?2");
    let args = [Value::Integer(assessment_id), Value::Text(question_id.to_string())];
    Ok(collect(conn, &sql, &args, "reading an answer", answer_row)?.pop())
}

fn assessment_row(r: &Row<'_>) -> Result<Assessment> {
    let context = "reading an assessment";
    let scope: String = r.get(2).map_err(db(context))?;
    let state: String = r.get(7).map_err(db(context))?;
    let models: String = r.get(4).map_err(db(context))?;
    let answered: i64 = r.get(10).map_err(db(context))?;
    Ok(Assessment {
        id: r.get(0).map_err(db(context))?,
        title: r.get(1).map_err(db(context))?,
        scope: scope.parse().map_err(|e: steward_model::UnknownValue| corrupt("assessments.scope", e))?,
        scope_ref: r.get(3).map_err(db(context))?,
        models: parse_list(&models, "assessments.models")?,
        created_by: r.get(5).map_err(db(context))?,
        created_at: timestamp(r.get(6).map_err(db(context))?, "assessments.created_at")?,
        state: state.parse().map_err(|e: steward_model::UnknownValue| corrupt("assessments.state", e))?,
        completed_by: r.get(8).map_err(db(context))?,
        completed_at: opt_timestamp(r.get(9).map_err(db(context))?, "assessments.completed_at")?,
        answered: u64::try_from(answered).unwrap_or(0),
    })
}

fn answer_row(r: &Row<'_>) -> Result<Answer> {
    let context = "reading an answer";
    let value: Option<String> = r.get(2).map_err(db(context))?;
    let source: String = r.get(3).map_err(db(context))?;
    let links: String = r.get(6).map_err(db(context))?;
    Ok(Answer {
        assessment_id: r.get(0).map_err(db(context))?,
        question_id: r.get(1).map_err(db(context))?,
        value: parse_value(value.as_deref(), "assessment_answers.value")?,
        source: source.parse().map_err(|e: steward_model::UnknownValue| corrupt("assessment_answers.source", e))?,
        evidence: r.get(4).map_err(db(context))?,
        comment: r.get(5).map_err(db(context))?,
        links: parse_list(&links, "assessment_answers.links")?,
        answered_by: r.get(7).map_err(db(context))?,
        answered_at: timestamp(r.get(8).map_err(db(context))?, "assessment_answers.answered_at")?,
    })
}

fn corrupt(what: &str, e: steward_model::UnknownValue) -> StoreError {
    StoreError::Corrupt { what: what.into(), reason: e.to_string() }
}
