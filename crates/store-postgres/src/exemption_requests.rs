//! Exemption requests on PostgreSQL.
//!
//! Replicas may decide at once, so a decision locks its request row (`FOR UPDATE`) before
//! comparing the state: of two approvers, the second waits for the first and then finds the
//! request decided ([`DecisionOutcome::Stale`]). The one-open-request rule is a partial unique
//! index; of two replicas inserting the same request, the second does nothing and is told
//! which request is open.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use crate::governance::{EXEMPTION_COLUMNS, exemption};
use deadpool_postgres::GenericClient;
use steward_store::exemption_requests::{
    DecisionOutcome, ExemptionRequest, ExemptionRequestQuery, NewExemptionRequest, RequestDecision, RequestState,
    duplicate_request, exemption_for,
};
use steward_store::{Result, StoreError};
use tokio_postgres::Row;

const COLUMNS: &str = "id, policy_id, subject_id, environment_id, reason, requested_by, requested_at, expires_at, \
     state, decided_by, decided_at, decision_note, exemption_id";

pub(crate) async fn request(store: &PostgresStore, r: &NewExemptionRequest) -> Result<ExemptionRequest> {
    r.check()?;
    let client = client(store.pool()).await?;
    let context = "requesting an exemption";
    let sql = format!(
        "INSERT INTO exemption_requests (policy_id, subject_id, environment_id, reason, requested_by, requested_at, \
         expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'requested') ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    );
    let row = client
        .query_opt(
            &sql,
            &[
                &r.policy_id,
                &r.subject_id,
                &r.environment_id,
                &r.reason,
                &r.requested_by,
                &r.requested_at,
                &r.expires_at,
            ],
        )
        .await
        .map_err(db(context))?;
    if let Some(row) = row {
        return request_row(&row);
    }
    let open = ExemptionRequestQuery {
        state: Some(RequestState::Requested),
        policy_id: Some(r.policy_id.clone()),
        subject_id: Some(r.subject_id.clone()),
        ..Default::default()
    };
    match select(&client, &open).await?.pop() {
        Some(existing) => Err(duplicate_request(&existing)),
        // Decided between our insert and this read: the caller may simply ask again.
        None => Err(StoreError::Conflict(format!(
            "an exemption request for policy '{}' on '{}' was being decided at the same time; send it again",
            r.policy_id, r.subject_id
        ))),
    }
}

pub(crate) async fn get(store: &PostgresStore, id: i64) -> Result<Option<ExemptionRequest>> {
    let client = client(store.pool()).await?;
    read(&client, id, false).await
}

pub(crate) async fn list(store: &PostgresStore, query: &ExemptionRequestQuery) -> Result<Vec<ExemptionRequest>> {
    if query.environment_ids.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let client = client(store.pool()).await?;
    select(&client, query).await
}

pub(crate) async fn decide(store: &PostgresStore, id: i64, d: &RequestDecision) -> Result<DecisionOutcome> {
    d.check()?;
    let mut client = client(store.pool()).await?;
    let context = "deciding an exemption request";
    let tx = client.transaction().await.map_err(db(context))?;
    let current = read(&tx, id, true)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "exemption request", id: id.to_string() })?;
    if current.state != RequestState::Requested {
        return Ok(DecisionOutcome::Stale { request: current });
    }
    let exemption = if d.state == RequestState::Approved {
        let grant = exemption_for(&current, d);
        grant.check()?;
        let sql = format!(
            "INSERT INTO exemptions (policy_id, subject_id, environment_id, reason, requested_by, approved_by, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {EXEMPTION_COLUMNS}"
        );
        let row = tx
            .query_one(
                &sql,
                &[
                    &grant.policy_id,
                    &grant.subject_id,
                    &grant.environment_id,
                    &grant.reason,
                    &grant.requested_by,
                    &grant.approved_by,
                    &grant.at,
                    &grant.expires_at,
                ],
            )
            .await
            .map_err(db(context))?;
        Some(Box::new(exemption(&row)?))
    } else {
        None
    };
    let note = d.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let sql = format!(
        "UPDATE exemption_requests SET state = $2, decided_by = $3, decided_at = $4, decision_note = $5, \
         exemption_id = $6 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row = tx
        .query_one(&sql, &[&id, &d.state.as_str(), &d.by, &d.at, &note, &exemption.as_ref().map(|e| e.id)])
        .await
        .map_err(db(context))?;
    let request = request_row(&row)?;
    tx.commit().await.map_err(db("committing an exemption decision"))?;
    Ok(DecisionOutcome::Decided { request, exemption })
}

async fn read<C: GenericClient>(client: &C, id: i64, lock: bool) -> Result<Option<ExemptionRequest>> {
    let sql =
        format!("SELECT {COLUMNS} FROM exemption_requests WHERE id = $1{}", if lock { " FOR UPDATE" } else { "" });
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading an exemption request"))?;
    row.as_ref().map(request_row).transpose()
}

async fn select<C: GenericClient>(client: &C, q: &ExemptionRequestQuery) -> Result<Vec<ExemptionRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM exemption_requests WHERE ($1::text IS NULL OR state = $1) \
         AND ($2::text IS NULL OR requested_by = $2) AND ($3::text IS NULL OR policy_id = $3) \
         AND ($4::text IS NULL OR subject_id = $4) AND ($5::text[] IS NULL OR environment_id = ANY($5)) ORDER BY id"
    );
    let rows = client
        .query(
            &sql,
            &[&q.state.map(RequestState::as_str), &q.requested_by, &q.policy_id, &q.subject_id, &q.environment_ids],
        )
        .await
        .map_err(db("listing exemption requests"))?;
    rows.iter().map(request_row).collect()
}

fn request_row(r: &Row) -> Result<ExemptionRequest> {
    let read = || -> std::result::Result<(ExemptionRequest, String), tokio_postgres::Error> {
        let state: String = r.try_get(8)?;
        Ok((
            ExemptionRequest {
                id: r.try_get(0)?,
                policy_id: r.try_get(1)?,
                subject_id: r.try_get(2)?,
                environment_id: r.try_get(3)?,
                reason: r.try_get(4)?,
                requested_by: r.try_get(5)?,
                requested_at: r.try_get(6)?,
                expires_at: r.try_get(7)?,
                state: RequestState::Requested,
                decided_by: r.try_get(9)?,
                decided_at: r.try_get(10)?,
                decision_note: r.try_get(11)?,
                exemption_id: r.try_get(12)?,
            },
            state,
        ))
    };
    let (mut request, state) = read().map_err(db("reading an exemption request"))?;
    request.state = state.parse().map_err(|e| corrupt("exemption_requests.state", e))?;
    Ok(request)
}
