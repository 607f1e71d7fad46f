//! [`steward_store::value::ValueStore`] for SqliteStore.
//!
//! Writes run on the writer thread, each in its own transaction, so the next revision of a
//! record is read and written without another writer in between.

use crate::SqliteStore;
use crate::convert::{col, enum_col, timestamp};
use crate::read::{collect, db};
use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};
use steward_store::value::{
    AssessmentQuery, NewValueAssessment, NewValueRecord, ValueAssessment, ValueFigures, ValueQuery, ValueRecord,
    ValueStore, ValueStory, answers_from_json, answers_to_json,
};
use steward_store::{Result, StoreError};

const RECORD_COLUMNS: &str = "resource_id, kind, revision, users_impacted, centiminutes_per_use, \
     centiminutes_per_week, cost_avoided_per_year, revenue_enabled_per_year, currency, problem, solution, obstacles, \
     value_story, next_steps, recorded_by, recorded_at";

const ASSESSMENT_COLUMNS: &str = "id, subject, subject_id, questionnaire, answers, assessed_by, assessed_at";

#[async_trait]
impl ValueStore for SqliteStore {
    async fn record_value(&self, new: &NewValueRecord) -> Result<ValueRecord> {
        new.check()?;
        let r = new.clone();
        self.writer
            .run(move |conn| {
                let context = "recording a value";
                let tx = conn.transaction().map_err(db(context))?;
                let current: Option<i64> = tx
                    .query_row(
                        "SELECT revision FROM value_records WHERE resource_id = ?1 AND kind = ?2",
                        params![r.resource_id, r.kind.as_str()],
                        |row| row.get(0),
                    )
                    .map(Some)
                    .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })
                    .map_err(db(context))?;
                let revision = current.unwrap_or(0) + 1;
                let values = record_values(&r, revision);
                let placeholders = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16";
                tx.execute(
                    &format!("INSERT OR REPLACE INTO value_records ({RECORD_COLUMNS}) VALUES ({placeholders})"),
                    params_from_iter(values.iter()),
                )
                .map_err(db(context))?;
                tx.execute(
                    &format!("INSERT INTO value_record_history ({RECORD_COLUMNS}) VALUES ({placeholders})"),
                    params_from_iter(values.iter()),
                )
                .map_err(db(context))?;
                tx.commit().map_err(db(context))?;
                Ok(ValueRecord {
                    resource_id: r.resource_id,
                    kind: r.kind,
                    revision: u32::try_from(revision).unwrap_or(u32::MAX),
                    figures: r.figures,
                    story: r.story,
                    recorded_by: r.recorded_by,
                    recorded_at: r.recorded_at,
                })
            })
            .await
    }

    async fn value_records(&self, query: &ValueQuery) -> Result<Vec<ValueRecord>> {
        if query.resource_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let q = query.clone();
        self.read(move |conn| {
            let ids = q.resource_ids.as_ref().map(|ids| Value::Text(serde_json::to_string(ids).unwrap_or_default()));
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM value_records \
                 WHERE (?1 IS NULL OR resource_id IN (SELECT value FROM json_each(?1))) \
                 AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR recorded_by = ?3) ORDER BY resource_id, kind"
            );
            let args = [
                ids.unwrap_or(Value::Null),
                q.kind.map_or(Value::Null, |k| Value::Text(k.as_str().into())),
                q.recorded_by.clone().map_or(Value::Null, Value::Text),
            ];
            select_records(conn, &sql, &args)
        })
        .await
    }

    async fn value_history(&self, resource_id: &str) -> Result<Vec<ValueRecord>> {
        let id = resource_id.to_string();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM value_record_history WHERE resource_id = ?1 \
                 ORDER BY recorded_at DESC, kind, revision DESC"
            );
            select_records(conn, &sql, &[Value::Text(id)])
        })
        .await
    }

    async fn record_value_assessment(&self, new: &NewValueAssessment) -> Result<ValueAssessment> {
        new.check()?;
        let a = new.clone();
        self.writer
            .run(move |conn| {
                let context = "recording a value assessment";
                conn.execute(
                    "INSERT INTO value_assessments (subject, subject_id, questionnaire, answers, assessed_by, \
                     assessed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        a.subject.as_str(),
                        a.subject_id,
                        a.questionnaire,
                        answers_to_json(&a.answers),
                        a.assessed_by,
                        a.assessed_at.timestamp_millis(),
                    ],
                )
                .map_err(db(context))?;
                Ok(ValueAssessment {
                    id: conn.last_insert_rowid(),
                    subject: a.subject,
                    subject_id: a.subject_id,
                    questionnaire: a.questionnaire,
                    answers: a.answers,
                    assessed_by: a.assessed_by,
                    assessed_at: a.assessed_at,
                })
            })
            .await
    }

    async fn value_assessments(&self, query: &AssessmentQuery) -> Result<Vec<ValueAssessment>> {
        let q = query.clone();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {ASSESSMENT_COLUMNS} FROM value_assessments WHERE (?1 IS NULL OR subject = ?1) \
                 AND (?2 IS NULL OR subject_id = ?2) ORDER BY assessed_at DESC, id DESC"
            );
            let args = [
                q.subject.map_or(Value::Null, |s| Value::Text(s.as_str().into())),
                q.subject_id.clone().map_or(Value::Null, Value::Text),
            ];
            collect(conn, &sql, &args, "reading value assessments", assessment_row)
        })
        .await
    }
}

fn record_values(r: &NewValueRecord, revision: i64) -> Vec<Value> {
    let opt = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
    let f = &r.figures;
    let s = &r.story;
    vec![
        Value::Text(r.resource_id.clone()),
        Value::Text(r.kind.as_str().into()),
        Value::Integer(revision),
        opt(f.users_impacted.map(i64::from)),
        opt(f.centiminutes_per_use),
        opt(f.centiminutes_per_week),
        opt(f.cost_avoided_per_year),
        opt(f.revenue_enabled_per_year),
        Value::Text(f.currency.trim().to_string()),
        Value::Text(s.problem.clone()),
        Value::Text(s.solution.clone()),
        Value::Text(s.obstacles.clone()),
        Value::Text(s.value.clone()),
        Value::Text(s.next_steps.clone()),
        Value::Text(r.recorded_by.clone()),
        Value::Integer(r.recorded_at.timestamp_millis()),
    ]
}

fn select_records(conn: &Connection, sql: &str, args: &[Value]) -> Result<Vec<ValueRecord>> {
    collect(conn, sql, args, "reading value records", record_row)
}

fn record_row(row: &Row<'_>) -> Result<ValueRecord> {
    let what = "value_records";
    let revision: i64 = col(row, 2, what)?;
    let users: Option<i64> = col(row, 3, what)?;
    Ok(ValueRecord {
        resource_id: col(row, 0, what)?,
        kind: enum_col(row, 1, "value_records.kind")?,
        revision: u32::try_from(revision)
            .map_err(|_| StoreError::Corrupt { what: "value_records.revision".into(), reason: revision.to_string() })?,
        figures: ValueFigures {
            users_impacted: users.map(|u| u32::try_from(u).unwrap_or(u32::MAX)),
            centiminutes_per_use: col(row, 4, what)?,
            centiminutes_per_week: col(row, 5, what)?,
            cost_avoided_per_year: col(row, 6, what)?,
            revenue_enabled_per_year: col(row, 7, what)?,
            currency: col(row, 8, what)?,
        },
        story: ValueStory {
            problem: col(row, 9, what)?,
            solution: col(row, 10, what)?,
            obstacles: col(row, 11, what)?,
            value: col(row, 12, what)?,
            next_steps: col(row, 13, what)?,
        },
        recorded_by: col(row, 14, what)?,
        recorded_at: timestamp(col(row, 15, what)?, "value_records.recorded_at")?,
    })
}

fn assessment_row(row: &Row<'_>) -> Result<ValueAssessment> {
    let what = "value_assessments";
    let answers: String = col(row, 4, what)?;
    Ok(ValueAssessment {
        id: col(row, 0, what)?,
        subject: enum_col(row, 1, "value_assessments.subject")?,
        subject_id: col(row, 2, what)?,
        questionnaire: col(row, 3, what)?,
        answers: answers_from_json(&answers)?,
        assessed_by: col(row, 5, what)?,
        assessed_at: timestamp(col(row, 6, what)?, "value_assessments.assessed_at")?,
    })
}
