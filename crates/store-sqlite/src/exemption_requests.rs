//! Exemption requests on SQLite.
//!
//! Writes run on the writer thread, each in its own transaction, so reading a request's state
//! and writing its decision cannot interleave with another writer; the one-open-request rule
//! is also a partial unique index (`exemption_requests_open`).

use crate::SqliteStore;
use crate::convert::{opt_timestamp, timestamp};
use crate::governance::get_exemption;
use crate::read::{collect, db};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};
use steward_store::exemption_requests::{
    DecisionOutcome, ExemptionRequest, ExemptionRequestQuery, NewExemptionRequest, RequestDecision, RequestState,
    duplicate_request, exemption_for,
};
use steward_store::{Result, StoreError};

const COLUMNS: &str = "id, policy_id, subject_id, environment_id, reason, requested_by, requested_at, expires_at, \
     state, decided_by, decided_at, decision_note, exemption_id";

pub(crate) async fn request(store: &SqliteStore, new: &NewExemptionRequest) -> Result<ExemptionRequest> {
    new.check()?;
    let r = new.clone();
    store
        .writer
        .run(move |conn| {
            let context = "requesting an exemption";
            let tx = conn.transaction().map_err(db(context))?;
            let inserted = tx
                .execute(
                    "INSERT INTO exemption_requests (policy_id, subject_id, environment_id, reason, requested_by, \
                     requested_at, expires_at, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'requested') \
                     ON CONFLICT DO NOTHING",
                    params![
                        r.policy_id,
                        r.subject_id,
                        r.environment_id,
                        r.reason,
                        r.requested_by,
                        r.requested_at.timestamp_millis(),
                        r.expires_at.map(|t| t.timestamp_millis()),
                    ],
                )
                .map_err(db(context))?;
            if inserted == 0 {
                let open = ExemptionRequestQuery {
                    state: Some(RequestState::Requested),
                    policy_id: Some(r.policy_id.clone()),
                    subject_id: Some(r.subject_id.clone()),
                    ..Default::default()
                };
                let existing = select(&tx, &open)?.pop().ok_or_else(|| {
                    StoreError::Conflict(format!(
                        "an open exemption request for policy '{}' on '{}' already exists",
                        r.policy_id, r.subject_id
                    ))
                })?;
                return Err(duplicate_request(&existing));
            }
            let id = tx.last_insert_rowid();
            let stored = read(&tx, id)?.ok_or_else(|| missing(id))?;
            tx.commit().map_err(db(context))?;
            Ok(stored)
        })
        .await
}

pub(crate) async fn get(store: &SqliteStore, id: i64) -> Result<Option<ExemptionRequest>> {
    store.read(move |conn| read(conn, id)).await
}

pub(crate) async fn list(store: &SqliteStore, query: &ExemptionRequestQuery) -> Result<Vec<ExemptionRequest>> {
    let q = query.clone();
    store.read(move |conn| select(conn, &q)).await
}

pub(crate) async fn decide(store: &SqliteStore, id: i64, decision: &RequestDecision) -> Result<DecisionOutcome> {
    decision.check()?;
    let d = decision.clone();
    store
        .writer
        .run(move |conn| {
            let context = "deciding an exemption request";
            let tx = conn.transaction().map_err(db(context))?;
            let current =
                read(&tx, id)?.ok_or_else(|| StoreError::NotFound { what: "exemption request", id: id.to_string() })?;
            if current.state != RequestState::Requested {
                return Ok(DecisionOutcome::Stale { request: current });
            }
            let exemption = if d.state == RequestState::Approved {
                let grant = exemption_for(&current, &d);
                grant.check()?;
                tx.execute(
                    "INSERT INTO exemptions (policy_id, subject_id, environment_id, reason, requested_by, \
                     approved_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        grant.policy_id,
                        grant.subject_id,
                        grant.environment_id,
                        grant.reason,
                        grant.requested_by,
                        grant.approved_by,
                        grant.at.timestamp_millis(),
                        grant.expires_at.map(|t| t.timestamp_millis()),
                    ],
                )
                .map_err(db(context))?;
                let exemption_id = tx.last_insert_rowid();
                Some(get_exemption(&tx, exemption_id)?.ok_or_else(|| StoreError::Corrupt {
                    what: "exemptions".into(),
                    reason: "the new row is missing".into(),
                })?)
            } else {
                None
            };
            tx.execute(
                "UPDATE exemption_requests SET state = ?2, decided_by = ?3, decided_at = ?4, decision_note = ?5, \
                 exemption_id = ?6 WHERE id = ?1",
                params![
                    id,
                    d.state.as_str(),
                    d.by,
                    d.at.timestamp_millis(),
                    d.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
                    exemption.as_ref().map(|e| e.id),
                ],
            )
            .map_err(db(context))?;
            let request = read(&tx, id)?.ok_or_else(|| missing(id))?;
            tx.commit().map_err(db(context))?;
            Ok(DecisionOutcome::Decided { request, exemption: exemption.map(Box::new) })
        })
        .await
}

fn missing(id: i64) -> StoreError {
    StoreError::Corrupt {
        what: "exemption_requests".into(),
        reason: format!("row {id} vanished inside its transaction"),
    }
}

fn read(conn: &Connection, id: i64) -> Result<Option<ExemptionRequest>> {
    let sql = format!("SELECT {COLUMNS} FROM exemption_requests WHERE id = ?1");
    Ok(collect(conn, &sql, &[Value::Integer(id)], "reading an exemption request", row)?.pop())
}

fn select(conn: &Connection, q: &ExemptionRequestQuery) -> Result<Vec<ExemptionRequest>> {
    let mut sql = format!("SELECT {COLUMNS} FROM exemption_requests WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    let filter = |column: &str, value: &Option<String>, args: &mut Vec<Value>, sql: &mut String| {
        if let Some(v) = value {
            args.push(Value::Text(v.clone()));
            sql.push_str(&format!(" AND {column} = ?{}", args.len()));
        }
    };
    filter("state", &q.state.map(|s| s.as_str().to_string()), &mut args, &mut sql);
    filter("requested_by", &q.requested_by, &mut args, &mut sql);
    filter("policy_id", &q.policy_id, &mut args, &mut sql);
    filter("subject_id", &q.subject_id, &mut args, &mut sql);
    if let Some(envs) = &q.environment_ids {
        if envs.is_empty() {
            return Ok(Vec::new());
        }
        let mut marks = Vec::with_capacity(envs.len());
        for env in envs {
            args.push(Value::Text(env.clone()));
            marks.push(format!("?{}", args.len()));
        }
        sql.push_str(&format!(" AND environment_id IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY id");
    collect(conn, &sql, &args, "listing exemption requests", row)
}

fn row(r: &Row<'_>) -> Result<ExemptionRequest> {
    let context = "reading an exemption request";
    let state: String = r.get(8).map_err(db(context))?;
    Ok(ExemptionRequest {
        id: r.get(0).map_err(db(context))?,
        policy_id: r.get(1).map_err(db(context))?,
        subject_id: r.get(2).map_err(db(context))?,
        environment_id: r.get(3).map_err(db(context))?,
        reason: r.get(4).map_err(db(context))?,
        requested_by: r.get(5).map_err(db(context))?,
        requested_at: timestamp(r.get(6).map_err(db(context))?, "exemption_requests.requested_at")?,
        expires_at: opt_timestamp(r.get(7).map_err(db(context))?, "exemption_requests.expires_at")?,
        state: state.parse().map_err(|e: steward_model::UnknownValue| StoreError::Corrupt {
            what: "exemption_requests.state".into(),
            reason: e.to_string(),
        })?,
        decided_by: r.get(9).map_err(db(context))?,
        decided_at: opt_timestamp(r.get(10).map_err(db(context))?, "exemption_requests.decided_at")?,
        decision_note: r.get(11).map_err(db(context))?,
        exemption_id: r.get(12).map_err(db(context))?,
    })
}
