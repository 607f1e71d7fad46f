//! Success detection on PostgreSQL: rule sets, detections and their review history.
//!
//! Recording an evaluation takes a transaction-scoped advisory lock, so two replicas evaluating
//! at once record one after the other instead of both inserting the same first detections.
//! What to insert, refresh and deactivate is decided by [`RecordPlan`], as on SQLite.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use deadpool_postgres::GenericClient;
use steward_model::ResourceKind;
use steward_store::success::{
    Detection, DetectionKey, DetectionQuery, DetectionState, DetectionTransition, EVALUATOR, RecordCounts, RecordPlan,
    StateChange, StoredRuleSet, SuccessEvaluation, stale_version,
};
use steward_store::usage::{day_from_number, day_number};
use steward_store::{Result, StoreError};
use tokio_postgres::types::Json;

const DETECTION_COLUMNS: &str = "id, tenant_id, resource_id, kind, rule_id, rule_version, state, state_by, state_at, \
     note, first_detected_at, last_detected_at, active, window_from, window_to, figures";

pub(crate) async fn record_evaluation(store: &PostgresStore, evaluation: &SuccessEvaluation) -> Result<RecordCounts> {
    let mut client = client(store.pool()).await?;
    let context = "recording an evaluation";
    let tx = client.transaction().await.map_err(db(context))?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('steward:success:' || current_schema()))", &[])
        .await
        .map_err(db(context))?;
    let at = evaluation.at;
    if let Some(rules) = &evaluation.rules {
        let newest: Option<i32> = tx
            .query_one("SELECT max(version) FROM success_rule_sets", &[])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(db("reading rule set versions"))?;
        let version = i32::try_from(rules.version)
            .map_err(|_| StoreError::InvalidQuery(format!("rule set version {} is too large", rules.version)))?;
        if let Some(newest) = newest.filter(|n| *n >= version) {
            return Err(stale_version(rules.version, u32::try_from(newest).unwrap_or(0)));
        }
        tx.execute("UPDATE success_rule_sets SET active = false WHERE active", &[])
            .await
            .map_err(db("deactivating the previous rule set"))?;
        tx.execute(
            "INSERT INTO success_rule_sets (version, rules_toml, saved_by, saved_at, active) \
             VALUES ($1, $2, $3, $4, true)",
            &[&version, &rules.toml, &rules.saved_by, &at],
        )
        .await
        .map_err(db("saving a rule set"))?;
    }
    let existing: Vec<(i64, DetectionKey, bool)> = tx
        .query("SELECT id, tenant_id, resource_id, rule_id, active FROM success_detections", &[])
        .await
        .map_err(db("reading stored detections"))?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                DetectionKey { tenant_id: r.try_get(1)?, resource_id: r.try_get(2)?, rule_id: r.try_get(3)? },
                r.try_get(4)?,
            ))
        })
        .collect::<std::result::Result<_, tokio_postgres::Error>>()
        .map_err(db("reading stored detections"))?;
    let plan = RecordPlan::new(existing, evaluation.findings.clone())?;
    let insert = tx
        .prepare(
            "INSERT INTO success_detections (tenant_id, resource_id, rule_id, kind, rule_version, state, \
             first_detected_at, last_detected_at, active, window_from, window_to, figures) \
             VALUES ($1, $2, $3, $4, $5, 'new', $6, $6, true, $7, $8, $9) RETURNING id",
        )
        .await
        .map_err(db(context))?;
    for f in &plan.insert {
        let (version, from, to) = finding_numbers(f.rule_version, f.window_from, f.window_to)?;
        let row = tx
            .query_one(
                &insert,
                &[
                    &f.tenant_id,
                    &f.resource_id,
                    &f.rule_id,
                    &f.kind.map(ResourceKind::as_str),
                    &version,
                    &at,
                    &from,
                    &to,
                    &Json(&f.figures),
                ],
            )
            .await
            .map_err(db(context))?;
        let id: i64 = row.try_get(0).map_err(db(context))?;
        let note = format!("rule '{}' (version {}) fired", f.rule_id, f.rule_version);
        add_history(&tx, id, None, DetectionState::New, EVALUATOR, at, Some(&note)).await?;
    }
    let update = tx
        .prepare(
            "UPDATE success_detections SET kind = $2, rule_version = $3, last_detected_at = $4, active = true, \
             window_from = $5, window_to = $6, figures = $7 WHERE id = $1",
        )
        .await
        .map_err(db(context))?;
    for (id, f) in &plan.update {
        let (version, from, to) = finding_numbers(f.rule_version, f.window_from, f.window_to)?;
        tx.execute(&update, &[id, &f.kind.map(ResourceKind::as_str), &version, &at, &from, &to, &Json(&f.figures)])
            .await
            .map_err(db(context))?;
    }
    if !plan.deactivate.is_empty() {
        tx.execute("UPDATE success_detections SET active = false WHERE id = ANY($1)", &[&plan.deactivate])
            .await
            .map_err(db(context))?;
    }
    tx.commit().await.map_err(db("committing an evaluation"))?;
    Ok(plan.counts())
}

fn finding_numbers(version: u32, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<(i32, i32, i32)> {
    let number = |d: chrono::NaiveDate| {
        i32::try_from(day_number(d)).map_err(|_| StoreError::InvalidQuery(format!("day {d} is out of range")))
    };
    let version =
        i32::try_from(version).map_err(|_| StoreError::InvalidQuery(format!("rule version {version} is too large")))?;
    Ok((version, number(from)?, number(to)?))
}

pub(crate) async fn rule_sets(store: &PostgresStore) -> Result<Vec<StoredRuleSet>> {
    let client = client(store.pool()).await?;
    let context = "reading rule sets";
    let rows = client
        .query(
            "SELECT version, rules_toml, saved_by, saved_at, active FROM success_rule_sets ORDER BY version DESC",
            &[],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let version: i32 = r.try_get(0).map_err(db(context))?;
            Ok(StoredRuleSet {
                version: u32::try_from(version).map_err(|_| corrupt("success_rule_sets.version", version))?,
                toml: r.try_get(1).map_err(db(context))?,
                saved_by: r.try_get(2).map_err(db(context))?,
                saved_at: r.try_get(3).map_err(db(context))?,
                active: r.try_get(4).map_err(db(context))?,
            })
        })
        .collect()
}

pub(crate) async fn list(store: &PostgresStore, q: &DetectionQuery) -> Result<Vec<Detection>> {
    let client = client(store.pool()).await?;
    let context = "listing detections";
    let sql = format!(
        "SELECT {DETECTION_COLUMNS} FROM success_detections WHERE ($1::text IS NULL OR tenant_id = $1) \
         AND ($2::text IS NULL OR state = $2) AND ($3::text IS NULL OR kind = $3) \
         AND ($4::text IS NULL OR rule_id = $4) AND ($5::text IS NULL OR resource_id = $5) \
         AND ($6::boolean IS NULL OR active = $6) ORDER BY id"
    );
    let rows = client
        .query(
            &sql,
            &[
                &q.tenant_id,
                &q.state.map(DetectionState::as_str),
                &q.kind.map(ResourceKind::as_str),
                &q.rule_id,
                &q.resource_id,
                &q.active,
            ],
        )
        .await
        .map_err(db(context))?;
    rows.iter().map(detection).collect()
}

pub(crate) async fn get(store: &PostgresStore, id: i64) -> Result<Option<Detection>> {
    let client = client(store.pool()).await?;
    get_on(&client, id, false).await
}

async fn get_on<C: GenericClient>(client: &C, id: i64, for_update: bool) -> Result<Option<Detection>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {DETECTION_COLUMNS} FROM success_detections WHERE id = $1{lock}");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading a detection"))?;
    row.as_ref().map(detection).transpose()
}

pub(crate) async fn set_state(store: &PostgresStore, id: i64, change: &StateChange) -> Result<Detection> {
    let mut client = client(store.pool()).await?;
    let context = "reviewing a detection";
    let tx = client.transaction().await.map_err(db(context))?;
    let not_found = || StoreError::NotFound { what: "detection", id: id.to_string() };
    let current = get_on(&tx, id, true).await?.ok_or_else(not_found)?;
    current.state.check_move_from(change.state, change.expected, id, current.state_by.as_deref())?;
    tx.execute(
        "UPDATE success_detections SET state = $2, state_by = $3, state_at = $4, note = $5 WHERE id = $1",
        &[&id, &change.state.as_str(), &change.by, &change.at, &change.note],
    )
    .await
    .map_err(db(context))?;
    add_history(&tx, id, Some(current.state), change.state, &change.by, change.at, change.note.as_deref()).await?;
    let updated = get_on(&tx, id, false).await?.ok_or_else(not_found)?;
    tx.commit().await.map_err(db(context))?;
    Ok(updated)
}

pub(crate) async fn history(store: &PostgresStore, id: i64) -> Result<Vec<DetectionTransition>> {
    let client = client(store.pool()).await?;
    let context = "reading a detection's history";
    let rows = client
        .query(
            "SELECT from_state, to_state, changed_by, changed_at, note FROM success_detection_history \
             WHERE detection_id = $1 ORDER BY seq",
            &[&id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let from: Option<String> = r.try_get(0).map_err(db(context))?;
            let to: String = r.try_get(1).map_err(db(context))?;
            Ok(DetectionTransition {
                detection_id: id,
                from: from.as_deref().map(|s| state(s, "success_detection_history.from_state")).transpose()?,
                to: state(&to, "success_detection_history.to_state")?,
                by: r.try_get(2).map_err(db(context))?,
                at: r.try_get(3).map_err(db(context))?,
                note: r.try_get(4).map_err(db(context))?,
            })
        })
        .collect()
}

async fn add_history<C: GenericClient>(
    client: &C,
    id: i64,
    from: Option<DetectionState>,
    to: DetectionState,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
    note: Option<&str>,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO success_detection_history (detection_id, from_state, to_state, changed_by, changed_at, note) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id, &from.map(DetectionState::as_str), &to.as_str(), &by, &at, &note],
        )
        .await
        .map_err(db("recording a detection's history"))?;
    Ok(())
}

fn detection(r: &tokio_postgres::Row) -> Result<Detection> {
    let context = "reading a detection";
    let kind: Option<String> = r.try_get(3).map_err(db(context))?;
    let version: i32 = r.try_get(5).map_err(db(context))?;
    let state_text: String = r.try_get(6).map_err(db(context))?;
    let from: i32 = r.try_get(13).map_err(db(context))?;
    let to: i32 = r.try_get(14).map_err(db(context))?;
    let figures: Json<serde_json::Value> = r.try_get(15).map_err(db(context))?;
    Ok(Detection {
        id: r.try_get(0).map_err(db(context))?,
        tenant_id: r.try_get(1).map_err(db(context))?,
        resource_id: r.try_get(2).map_err(db(context))?,
        kind: kind
            .as_deref()
            .map(|k| k.parse::<ResourceKind>().map_err(|e| corrupt("success_detections.kind", e)))
            .transpose()?,
        rule_id: r.try_get(4).map_err(db(context))?,
        rule_version: u32::try_from(version).map_err(|_| corrupt("success_detections.rule_version", version))?,
        state: state(&state_text, "success_detections.state")?,
        state_by: r.try_get(7).map_err(db(context))?,
        state_at: r.try_get(8).map_err(db(context))?,
        note: r.try_get(9).map_err(db(context))?,
        first_detected_at: r.try_get(10).map_err(db(context))?,
        last_detected_at: r.try_get(11).map_err(db(context))?,
        active: r.try_get(12).map_err(db(context))?,
        window_from: day_from_number(i64::from(from)).ok_or_else(|| corrupt("success_detections.window_from", from))?,
        window_to: day_from_number(i64::from(to)).ok_or_else(|| corrupt("success_detections.window_to", to))?,
        figures: figures.0,
    })
}

fn state(text: &str, what: &str) -> Result<DetectionState> {
    text.parse().map_err(|e| corrupt(what, e))
}
