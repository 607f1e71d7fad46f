//! [`steward_store::value::ValueStore`] for PostgresStore.
//!
//! Replicas may record a value for the same resource at once: the record is one
//! `INSERT … ON CONFLICT DO UPDATE` that takes the row lock and the next revision in the same
//! statement that copies the snapshot to the history, so two writers get revisions n and n+1,
//! never the same one.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use async_trait::async_trait;
use steward_store::Result;
use steward_store::value::{
    AssessmentQuery, NewValueAssessment, NewValueRecord, ValueAssessment, ValueFigures, ValueQuery, ValueRecord,
    ValueStore, ValueStory,
};
use tokio_postgres::Row;

const RECORD_COLUMNS: &str = "resource_id, kind, revision, users_impacted, centiminutes_per_use, \
     centiminutes_per_week, cost_avoided_per_year, revenue_enabled_per_year, currency, problem, solution, obstacles, \
     value_story, next_steps, recorded_by, recorded_at";

const ASSESSMENT_COLUMNS: &str = "id, subject, subject_id, questionnaire, answers, assessed_by, assessed_at";

#[async_trait]
impl ValueStore for PostgresStore {
    async fn record_value(&self, r: &NewValueRecord) -> Result<ValueRecord> {
        r.check()?;
        let client = client(self.pool()).await?;
        let sql = format!(
            "WITH upsert AS (INSERT INTO value_records ({RECORD_COLUMNS}) \
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (resource_id, kind) DO UPDATE SET revision = value_records.revision + 1, \
             users_impacted = EXCLUDED.users_impacted, centiminutes_per_use = EXCLUDED.centiminutes_per_use, \
             centiminutes_per_week = EXCLUDED.centiminutes_per_week, \
             cost_avoided_per_year = EXCLUDED.cost_avoided_per_year, \
             revenue_enabled_per_year = EXCLUDED.revenue_enabled_per_year, currency = EXCLUDED.currency, \
             problem = EXCLUDED.problem, solution = EXCLUDED.solution, obstacles = EXCLUDED.obstacles, \
             value_story = EXCLUDED.value_story, next_steps = EXCLUDED.next_steps, \
             recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at RETURNING {RECORD_COLUMNS}) \
             INSERT INTO value_record_history ({RECORD_COLUMNS}) SELECT {RECORD_COLUMNS} FROM upsert \
             RETURNING {RECORD_COLUMNS}"
        );
        let f = &r.figures;
        let s = &r.story;
        let users = f.users_impacted.map(i64::from);
        let currency = f.currency.trim().to_string();
        let row = client
            .query_one(
                &sql,
                &[
                    &r.resource_id,
                    &r.kind.as_str(),
                    &users,
                    &f.centiminutes_per_use,
                    &f.centiminutes_per_week,
                    &f.cost_avoided_per_year,
                    &f.revenue_enabled_per_year,
                    &currency,
                    &s.problem,
                    &s.solution,
                    &s.obstacles,
                    &s.value,
                    &s.next_steps,
                    &r.recorded_by,
                    &r.recorded_at,
                ],
            )
            .await
            .map_err(db("recording a value"))?;
        record_row(&row)
    }

    async fn value_records(&self, q: &ValueQuery) -> Result<Vec<ValueRecord>> {
        if q.resource_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM value_records WHERE ($1::text[] IS NULL OR resource_id = ANY($1)) \
             AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR recorded_by = $3) \
             ORDER BY resource_id COLLATE \"C\", kind COLLATE \"C\""
        );
        let kind = q.kind.map(|k| k.as_str().to_string());
        let rows =
            client.query(&sql, &[&q.resource_ids, &kind, &q.recorded_by]).await.map_err(db("reading value records"))?;
        rows.iter().map(record_row).collect()
    }

    async fn value_history(&self, resource_id: &str) -> Result<Vec<ValueRecord>> {
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM value_record_history WHERE resource_id = $1 \
             ORDER BY recorded_at DESC, kind COLLATE \"C\", revision DESC"
        );
        let rows = client.query(&sql, &[&resource_id]).await.map_err(db("reading value history"))?;
        rows.iter().map(record_row).collect()
    }

    async fn record_value_assessment(&self, a: &NewValueAssessment) -> Result<ValueAssessment> {
        a.check()?;
        let client = client(self.pool()).await?;
        let answers = serde_json::to_value(&a.answers).map_err(|e| corrupt("value assessment answers", e))?;
        let sql = format!(
            "INSERT INTO value_assessments (subject, subject_id, questionnaire, answers, assessed_by, assessed_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ASSESSMENT_COLUMNS}"
        );
        let row = client
            .query_one(
                &sql,
                &[&a.subject.as_str(), &a.subject_id, &a.questionnaire, &answers, &a.assessed_by, &a.assessed_at],
            )
            .await
            .map_err(db("recording a value assessment"))?;
        assessment_row(&row)
    }

    async fn value_assessments(&self, q: &AssessmentQuery) -> Result<Vec<ValueAssessment>> {
        let client = client(self.pool()).await?;
        let sql = format!(
            "SELECT {ASSESSMENT_COLUMNS} FROM value_assessments WHERE ($1::text IS NULL OR subject = $1) \
             AND ($2::text IS NULL OR subject_id = $2) ORDER BY assessed_at DESC, id DESC"
        );
        let subject = q.subject.map(|s| s.as_str().to_string());
        let rows = client.query(&sql, &[&subject, &q.subject_id]).await.map_err(db("reading value assessments"))?;
        rows.iter().map(assessment_row).collect()
    }
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize, what: &str) -> Result<T> {
    row.try_get(idx).map_err(|e| corrupt(what, e))
}

fn parse<T: std::str::FromStr<Err = steward_model::UnknownValue>>(text: &str, what: &str) -> Result<T> {
    text.parse().map_err(|e: steward_model::UnknownValue| corrupt(what, e))
}

fn record_row(row: &Row) -> Result<ValueRecord> {
    let what = "value_records";
    let revision: i32 = get(row, 2, what)?;
    let users: Option<i64> = get(row, 3, what)?;
    let kind: String = get(row, 1, what)?;
    Ok(ValueRecord {
        resource_id: get(row, 0, what)?,
        kind: parse(&kind, "value_records.kind")?,
        revision: u32::try_from(revision).map_err(|_| corrupt("value_records.revision", revision))?,
        figures: ValueFigures {
            users_impacted: users.map(|u| u32::try_from(u).unwrap_or(u32::MAX)),
            centiminutes_per_use: get(row, 4, what)?,
            centiminutes_per_week: get(row, 5, what)?,
            cost_avoided_per_year: get(row, 6, what)?,
            revenue_enabled_per_year: get(row, 7, what)?,
            currency: get(row, 8, what)?,
        },
        story: ValueStory {
            problem: get(row, 9, what)?,
            solution: get(row, 10, what)?,
            obstacles: get(row, 11, what)?,
            value: get(row, 12, what)?,
            next_steps: get(row, 13, what)?,
        },
        recorded_by: get(row, 14, what)?,
        recorded_at: get(row, 15, what)?,
    })
}

fn assessment_row(row: &Row) -> Result<ValueAssessment> {
    let what = "value_assessments";
    let subject: String = get(row, 1, what)?;
    let answers: serde_json::Value = get(row, 4, what)?;
    Ok(ValueAssessment {
        id: get(row, 0, what)?,
        subject: parse(&subject, "value_assessments.subject")?,
        subject_id: get(row, 2, what)?,
        questionnaire: get(row, 3, what)?,
        answers: serde_json::from_value(answers).map_err(|e| corrupt("value_assessments.answers", e))?,
        assessed_by: get(row, 5, what)?,
        assessed_at: get(row, 6, what)?,
    })
}
