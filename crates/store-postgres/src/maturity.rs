//! [`steward_store::maturity::MaturityStore`] for PostgresStore.
//!
//! Replicas may answer and complete at once, so a write locks its assessment row (`FOR UPDATE`)
//! before checking that it is still a draft: answers recorded while another replica completes
//! the assessment either land before the completion or are refused after it.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use steward_model::Timestamp;
use steward_store::maturity::{
    Answer, AnswerEvent, Assessment, AssessmentQuery, AssessmentState, MaturityStore, NewAnswer, NewAssessment,
    RecordedAnswers, list_json, parse_list, parse_value, value_json,
};
use steward_store::{Result, StoreError};
use tokio_postgres::Row;

const COLUMNS: &str = "a.id, a.title, a.scope, a.scope_ref, a.models, a.created_by, a.created_at, a.state, \
     a.completed_by, a.completed_at, \
     (SELECT COUNT(*) FROM assessment_answers x WHERE x.assessment_id = a.id AND x.value IS NOT NULL)";

const ANSWER_COLUMNS: &str =
    "assessment_id, question_id, value, source, evidence, comment, links, answered_by, answered_at";

#[async_trait]
impl MaturityStore for PostgresStore {
    async fn create_assessment(&self, a: &NewAssessment) -> Result<Assessment> {
        a.check()?;
        let client = client(self.pool()).await?;
        let row = client
            .query_one(
                "INSERT INTO assessments (title, scope, scope_ref, models, created_by, created_at, state) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'draft') RETURNING id",
                &[
                    &a.title.trim(),
                    &a.scope.as_str(),
                    &a.scope_ref.as_deref().map(str::trim),
                    &list_json(&a.models),
                    &a.created_by.trim(),
                    &a.created_at,
                ],
            )
            .await
            .map_err(db("creating an assessment"))?;
        let id: i64 = row.try_get(0).map_err(db("creating an assessment"))?;
        read(&client, id, false).await?.ok_or_else(|| vanished(id))
    }

    async fn get_assessment(&self, id: i64) -> Result<Option<Assessment>> {
        let client = client(self.pool()).await?;
        read(&client, id, false).await
    }

    async fn list_assessments(&self, q: &AssessmentQuery) -> Result<Vec<Assessment>> {
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM assessments a WHERE ($1::text IS NULL OR a.scope = $1) \
             AND ($2::text IS NULL OR a.scope_ref = $2) AND ($3::text IS NULL OR a.state = $3) ORDER BY a.id"
        );
        let rows = client
            .query(&sql, &[&q.scope.map(|s| s.as_str()), &q.scope_ref, &q.state.map(|s| s.as_str())])
            .await
            .map_err(db("listing assessments"))?;
        rows.iter().map(assessment_row).collect()
    }

    async fn record_answers(&self, assessment_id: i64, answers: &[NewAnswer]) -> Result<RecordedAnswers> {
        for a in answers {
            a.check()?;
        }
        let mut client = client(self.pool()).await?;
        let context = "recording answers";
        let tx = client.transaction().await.map_err(db(context))?;
        let assessment = read(&tx, assessment_id, true)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "assessment", id: assessment_id.to_string() })?;
        if assessment.state == AssessmentState::Completed {
            return Err(completed(&assessment));
        }
        let mut counts = RecordedAnswers::default();
        for a in answers.iter().map(NewAnswer::normalized) {
            let current = answer(&tx, assessment_id, &a.question_id).await?;
            if current.as_ref().is_some_and(|c| !a.differs_from(c)) {
                counts.unchanged += 1;
                continue;
            }
            let value = value_json(&a.value);
            let links = list_json(&a.links);
            let by = a.by.trim();
            tx.execute(
                "INSERT INTO assessment_answers (assessment_id, question_id, value, source, evidence, comment, links, \
                 answered_by, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (assessment_id, question_id) DO UPDATE SET value = excluded.value, \
                 source = excluded.source, evidence = excluded.evidence, comment = excluded.comment, \
                 links = excluded.links, answered_by = excluded.answered_by, answered_at = excluded.answered_at",
                &[
                    &assessment_id,
                    &a.question_id,
                    &value,
                    &a.source.as_str(),
                    &a.evidence,
                    &a.comment,
                    &links,
                    &by,
                    &a.at,
                ],
            )
            .await
            .map_err(db(context))?;
            tx.execute(
                "INSERT INTO assessment_answer_events (assessment_id, question_id, value, source, evidence, comment, \
                 links, answered_by, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &assessment_id,
                    &a.question_id,
                    &value,
                    &a.source.as_str(),
                    &a.evidence,
                    &a.comment,
                    &links,
                    &by,
                    &a.at,
                ],
            )
            .await
            .map_err(db(context))?;
            counts.changed += 1;
        }
        tx.commit().await.map_err(db("committing answers"))?;
        Ok(counts)
    }

    async fn assessment_answers(&self, assessment_id: i64) -> Result<Vec<Answer>> {
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {ANSWER_COLUMNS} FROM assessment_answers WHERE assessment_id = $1 ORDER BY question_id COLLATE \"C\""
        );
        let rows = client.query(&sql, &[&assessment_id]).await.map_err(db("reading answers"))?;
        rows.iter().map(answer_row).collect()
    }

    async fn answer_history(&self, assessment_id: i64) -> Result<Vec<AnswerEvent>> {
        let client = client(self.pool()).await?;
        let sql =
            format!("SELECT {ANSWER_COLUMNS}, id FROM assessment_answer_events WHERE assessment_id = $1 ORDER BY id");
        let rows = client.query(&sql, &[&assessment_id]).await.map_err(db("reading answer history"))?;
        rows.iter()
            .map(|r| {
                Ok(AnswerEvent { id: r.try_get(9).map_err(db("reading answer history"))?, answer: answer_row(r)? })
            })
            .collect()
    }

    async fn complete_assessment(&self, id: i64, by: &str, at: Timestamp) -> Result<Assessment> {
        if by.trim().is_empty() {
            return Err(StoreError::InvalidQuery("completing an assessment needs who completes it".into()));
        }
        let mut client = client(self.pool()).await?;
        let context = "completing an assessment";
        let tx = client.transaction().await.map_err(db(context))?;
        let current = read(&tx, id, true)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "assessment", id: id.to_string() })?;
        if current.state == AssessmentState::Completed {
            return Err(completed(&current));
        }
        tx.execute(
            "UPDATE assessments SET state = 'completed', completed_by = $2, completed_at = $3 WHERE id = $1",
            &[&id, &by.trim(), &at],
        )
        .await
        .map_err(db(context))?;
        let stored = read(&tx, id, false).await?.ok_or_else(|| vanished(id))?;
        tx.commit().await.map_err(db("committing the completion"))?;
        Ok(stored)
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
    StoreError::Corrupt { what: "assessments".into(), reason: format!("row {id} vanished after it was written") }
}

async fn read<C: GenericClient>(client: &C, id: i64, lock: bool) -> Result<Option<Assessment>> {
    // The count is a subquery, which FOR UPDATE cannot lock: lock the row first, then read it.
    if lock {
        client
            .query_opt("SELECT id FROM assessments WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db("locking an assessment"))?;
    }
    let sql = format!("SELECT {COLUMNS} FROM assessments a WHERE a.id = $1");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading an assessment"))?;
    row.as_ref().map(assessment_row).transpose()
}

async fn answer<C: GenericClient>(client: &C, assessment_id: i64, question_id: &str) -> Result<Option<Answer>> {
    let sql = format!("SELECT {ANSWER_COLUMNS} FROM assessment_answers WHERE assessment_id = $1 AND question_id = $2");
    let row = client.query_opt(&sql, &[&assessment_id, &question_id]).await.map_err(db("reading an answer"))?;
    row.as_ref().map(answer_row).transpose()
}

fn assessment_row(r: &Row) -> Result<Assessment> {
    let context = "reading an assessment";
    let scope: String = r.try_get(2).map_err(db(context))?;
    let state: String = r.try_get(7).map_err(db(context))?;
    let models: String = r.try_get(4).map_err(db(context))?;
    let answered: i64 = r.try_get(10).map_err(db(context))?;
    Ok(Assessment {
        id: r.try_get(0).map_err(db(context))?,
        title: r.try_get(1).map_err(db(context))?,
        scope: scope.parse().map_err(|e| corrupt("assessments.scope", e))?,
        scope_ref: r.try_get(3).map_err(db(context))?,
        models: parse_list(&models, "assessments.models")?,
        created_by: r.try_get(5).map_err(db(context))?,
        created_at: r.try_get(6).map_err(db(context))?,
        state: state.parse().map_err(|e| corrupt("assessments.state", e))?,
        completed_by: r.try_get(8).map_err(db(context))?,
        completed_at: r.try_get(9).map_err(db(context))?,
        answered: u64::try_from(answered).unwrap_or(0),
    })
}

fn answer_row(r: &Row) -> Result<Answer> {
    let context = "reading an answer";
    let value: Option<String> = r.try_get(2).map_err(db(context))?;
    let source: String = r.try_get(3).map_err(db(context))?;
    let links: String = r.try_get(6).map_err(db(context))?;
    Ok(Answer {
        assessment_id: r.try_get(0).map_err(db(context))?,
        question_id: r.try_get(1).map_err(db(context))?,
        value: parse_value(value.as_deref(), "assessment_answers.value")?,
        source: source.parse().map_err(|e| corrupt("assessment_answers.source", e))?,
        evidence: r.try_get(4).map_err(db(context))?,
        comment: r.try_get(5).map_err(db(context))?,
        links: parse_list(&links, "assessment_answers.links")?,
        answered_by: r.try_get(7).map_err(db(context))?,
        answered_at: r.try_get(8).map_err(db(context))?,
    })
}
