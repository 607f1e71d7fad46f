//! Success detection on SQLite: rule sets, detections and their review history.
//!
//! Writes go through the writer thread, each in its own transaction; what to insert, refresh
//! and deactivate is decided by [`RecordPlan`] so that both backends decide it the same way.

use crate::SqliteStore;
use rusqlite::{Connection, OptionalExtension, Row, params};
use steward_model::{ResourceKind, Timestamp};
use steward_store::success::{
    Detection, DetectionKey, DetectionQuery, DetectionState, DetectionTransition, EVALUATOR, RecordCounts, RecordPlan,
    StateChange, StoredRuleSet, SuccessEvaluation, stale_version,
};
use steward_store::usage::{day_from_number, day_number};
use steward_store::{Result, StoreError};

const DETECTION_COLUMNS: &str = "id, tenant_id, resource_id, kind, rule_id, rule_version, state, state_by, state_at, \
     note, first_detected_at, last_detected_at, active, window_from, window_to, figures";

pub(crate) async fn record_evaluation(store: &SqliteStore, evaluation: &SuccessEvaluation) -> Result<RecordCounts> {
    let evaluation = evaluation.clone();
    store
        .writer
        .run(move |conn| {
            let tx = conn.transaction().map_err(|e| StoreError::backend("starting to record an evaluation", e))?;
            let counts = record(&tx, evaluation)?;
            tx.commit().map_err(|e| StoreError::backend("committing an evaluation", e))?;
            Ok(counts)
        })
        .await
}

pub(crate) async fn rule_sets(store: &SqliteStore) -> Result<Vec<StoredRuleSet>> {
    store.read(read_rule_sets).await
}

pub(crate) async fn list(store: &SqliteStore, query: &DetectionQuery) -> Result<Vec<Detection>> {
    let query = query.clone();
    store.read(move |conn| list_detections(conn, &query)).await
}

pub(crate) async fn get(store: &SqliteStore, id: i64) -> Result<Option<Detection>> {
    store.read(move |conn| get_detection(conn, id)).await
}

pub(crate) async fn set_state(store: &SqliteStore, id: i64, change: &StateChange) -> Result<Detection> {
    let change = change.clone();
    store
        .writer
        .run(move |conn| {
            let tx = conn.transaction().map_err(|e| StoreError::backend("starting a detection review", e))?;
            let current = get_detection(&tx, id)?
                .ok_or_else(|| StoreError::NotFound { what: "detection", id: id.to_string() })?;
            current.state.check_move_from(change.state, change.expected, id, current.state_by.as_deref())?;
            let at = change.at.timestamp_millis();
            tx.execute(
                "UPDATE success_detections SET state = ?2, state_by = ?3, state_at = ?4, note = ?5 WHERE id = ?1",
                params![id, change.state.as_str(), change.by, at, change.note],
            )
            .map_err(|e| StoreError::backend("updating a detection's state", e))?;
            add_history(&tx, id, Some(current.state), change.state, &change.by, at, change.note.as_deref())?;
            let updated = get_detection(&tx, id)?
                .ok_or_else(|| StoreError::NotFound { what: "detection", id: id.to_string() })?;
            tx.commit().map_err(|e| StoreError::backend("committing a detection review", e))?;
            Ok(updated)
        })
        .await
}

pub(crate) async fn history(store: &SqliteStore, id: i64) -> Result<Vec<DetectionTransition>> {
    store.read(move |conn| read_history(conn, id)).await
}

fn record(conn: &Connection, evaluation: SuccessEvaluation) -> Result<RecordCounts> {
    let at = evaluation.at.timestamp_millis();
    if let Some(rules) = &evaluation.rules {
        let newest: Option<i64> = conn
            .query_row("SELECT max(version) FROM success_rule_sets", [], |r| r.get(0))
            .map_err(|e| StoreError::backend("reading rule set versions", e))?;
        if let Some(newest) = newest.filter(|n| *n >= i64::from(rules.version)) {
            return Err(stale_version(rules.version, u32::try_from(newest).unwrap_or(u32::MAX)));
        }
        conn.execute("UPDATE success_rule_sets SET active = 0 WHERE active = 1", [])
            .map_err(|e| StoreError::backend("deactivating the previous rule set", e))?;
        conn.execute(
            "INSERT INTO success_rule_sets (version, rules_toml, saved_by, saved_at, active) VALUES (?1, ?2, ?3, ?4, 1)",
            params![rules.version, rules.toml, rules.saved_by, at],
        )
        .map_err(|e| StoreError::backend("saving a rule set", e))?;
    }
    let existing = existing_keys(conn)?;
    let plan = RecordPlan::new(existing, evaluation.findings)?;
    let context = "recording detections";
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO success_detections (tenant_id, resource_id, rule_id, kind, rule_version, state, \
             first_detected_at, last_detected_at, active, window_from, window_to, figures) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'new', ?6, ?6, 1, ?7, ?8, ?9)",
        )
        .map_err(|e| StoreError::backend(context, e))?;
    for f in &plan.insert {
        insert
            .execute(params![
                f.tenant_id,
                f.resource_id,
                f.rule_id,
                f.kind.map(ResourceKind::as_str),
                f.rule_version,
                at,
                day_number(f.window_from),
                day_number(f.window_to),
                f.figures.to_string(),
            ])
            .map_err(|e| StoreError::backend(context, e))?;
        let id = conn.last_insert_rowid();
        let note = format!("rule '{}' (version {}) fired", f.rule_id, f.rule_version);
        add_history(conn, id, None, DetectionState::New, EVALUATOR, at, Some(&note))?;
    }
    let mut update = conn
        .prepare_cached(
            "UPDATE success_detections SET kind = ?2, rule_version = ?3, last_detected_at = ?4, active = 1, \
             window_from = ?5, window_to = ?6, figures = ?7 WHERE id = ?1",
        )
        .map_err(|e| StoreError::backend(context, e))?;
    for (id, f) in &plan.update {
        update
            .execute(params![
                id,
                f.kind.map(ResourceKind::as_str),
                f.rule_version,
                at,
                day_number(f.window_from),
                day_number(f.window_to),
                f.figures.to_string(),
            ])
            .map_err(|e| StoreError::backend(context, e))?;
    }
    let mut deactivate = conn
        .prepare_cached("UPDATE success_detections SET active = 0 WHERE id = ?1")
        .map_err(|e| StoreError::backend(context, e))?;
    for id in &plan.deactivate {
        deactivate.execute([id]).map_err(|e| StoreError::backend(context, e))?;
    }
    Ok(plan.counts())
}

fn existing_keys(conn: &Connection) -> Result<Vec<(i64, DetectionKey, bool)>> {
    let context = "reading stored detections";
    let mut stmt = conn
        .prepare_cached("SELECT id, tenant_id, resource_id, rule_id, active FROM success_detections")
        .map_err(|e| StoreError::backend(context, e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                DetectionKey { tenant_id: r.get(1)?, resource_id: r.get(2)?, rule_id: r.get(3)? },
                r.get::<_, i64>(4)? != 0,
            ))
        })
        .map_err(|e| StoreError::backend(context, e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| StoreError::backend(context, e))
}

fn add_history(
    conn: &Connection,
    id: i64,
    from: Option<DetectionState>,
    to: DetectionState,
    by: &str,
    at: i64,
    note: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO success_detection_history (detection_id, from_state, to_state, changed_by, changed_at, note) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| stmt.execute(params![id, from.map(DetectionState::as_str), to.as_str(), by, at, note]))
    .map_err(|e| StoreError::backend("recording a detection's history", e))?;
    Ok(())
}

fn read_rule_sets(conn: &Connection) -> Result<Vec<StoredRuleSet>> {
    let context = "reading rule sets";
    let mut stmt = conn
        .prepare_cached(
            "SELECT version, rules_toml, saved_by, saved_at, active FROM success_rule_sets ORDER BY version DESC",
        )
        .map_err(|e| StoreError::backend(context, e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get::<_, i64>(3)?, r.get::<_, i64>(4)?))
        })
        .map_err(|e| StoreError::backend(context, e))?;
    let mut out = Vec::new();
    for row in rows {
        let (version, toml, saved_by, saved_at, active) = row.map_err(|e| StoreError::backend(context, e))?;
        out.push(StoredRuleSet {
            version: u32::try_from(version).map_err(|_| corrupt("success_rule_sets.version", version))?,
            toml,
            saved_by,
            saved_at: millis(saved_at, "success_rule_sets.saved_at")?,
            active: active != 0,
        });
    }
    Ok(out)
}

fn list_detections(conn: &Connection, q: &DetectionQuery) -> Result<Vec<Detection>> {
    let context = "listing detections";
    let sql = format!(
        "SELECT {DETECTION_COLUMNS} FROM success_detections WHERE (?1 IS NULL OR tenant_id = ?1) \
         AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR rule_id = ?4) \
         AND (?5 IS NULL OR resource_id = ?5) AND (?6 IS NULL OR active = ?6) ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
    let rows = stmt
        .query_map(
            params![
                q.tenant_id,
                q.state.map(DetectionState::as_str),
                q.kind.map(ResourceKind::as_str),
                q.rule_id,
                q.resource_id,
                q.active.map(i64::from),
            ],
            raw_detection,
        )
        .map_err(|e| StoreError::backend(context, e))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(detection(row.map_err(|e| StoreError::backend(context, e))?)?);
    }
    Ok(out)
}

fn get_detection(conn: &Connection, id: i64) -> Result<Option<Detection>> {
    let context = "reading a detection";
    let sql = format!("SELECT {DETECTION_COLUMNS} FROM success_detections WHERE id = ?1");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], raw_detection).optional())
        .map_err(|e| StoreError::backend(context, e))?;
    raw.map(detection).transpose()
}

fn read_history(conn: &Connection, id: i64) -> Result<Vec<DetectionTransition>> {
    let context = "reading a detection's history";
    let mut stmt = conn
        .prepare_cached(
            "SELECT from_state, to_state, changed_by, changed_at, note FROM success_detection_history \
             WHERE detection_id = ?1 ORDER BY seq",
        )
        .map_err(|e| StoreError::backend(context, e))?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .map_err(|e| StoreError::backend(context, e))?;
    let mut out = Vec::new();
    for row in rows {
        let (from, to, by, at, note) = row.map_err(|e| StoreError::backend(context, e))?;
        out.push(DetectionTransition {
            detection_id: id,
            from: from.as_deref().map(|s| state(s, "success_detection_history.from_state")).transpose()?,
            to: state(&to, "success_detection_history.to_state")?,
            by,
            at: millis(at, "success_detection_history.changed_at")?,
            note,
        });
    }
    Ok(out)
}

/// A detection row as stored, converted outside the driver's closure so errors can say which column.
struct RawDetection {
    id: i64,
    tenant_id: String,
    resource_id: String,
    kind: Option<String>,
    rule_id: String,
    rule_version: i64,
    state: String,
    state_by: Option<String>,
    state_at: Option<i64>,
    note: Option<String>,
    first: i64,
    last: i64,
    active: i64,
    window_from: i64,
    window_to: i64,
    figures: String,
}

fn raw_detection(r: &Row<'_>) -> rusqlite::Result<RawDetection> {
    Ok(RawDetection {
        id: r.get(0)?,
        tenant_id: r.get(1)?,
        resource_id: r.get(2)?,
        kind: r.get(3)?,
        rule_id: r.get(4)?,
        rule_version: r.get(5)?,
        state: r.get(6)?,
        state_by: r.get(7)?,
        state_at: r.get(8)?,
        note: r.get(9)?,
        first: r.get(10)?,
        last: r.get(11)?,
        active: r.get(12)?,
        window_from: r.get(13)?,
        window_to: r.get(14)?,
        figures: r.get(15)?,
    })
}

fn detection(r: RawDetection) -> Result<Detection> {
    Ok(Detection {
        id: r.id,
        tenant_id: r.tenant_id,
        resource_id: r.resource_id,
        kind: r
            .kind
            .as_deref()
            .map(|k| k.parse::<ResourceKind>().map_err(|e| corrupt("success_detections.kind", e)))
            .transpose()?,
        rule_id: r.rule_id,
        rule_version: u32::try_from(r.rule_version)
            .map_err(|_| corrupt("success_detections.rule_version", r.rule_version))?,
        state: state(&r.state, "success_detections.state")?,
        state_by: r.state_by,
        state_at: r.state_at.map(|ms| millis(ms, "success_detections.state_at")).transpose()?,
        note: r.note,
        first_detected_at: millis(r.first, "success_detections.first_detected_at")?,
        last_detected_at: millis(r.last, "success_detections.last_detected_at")?,
        active: r.active != 0,
        window_from: day(r.window_from, "success_detections.window_from")?,
        window_to: day(r.window_to, "success_detections.window_to")?,
        figures: serde_json::from_str(&r.figures).map_err(|e| corrupt("success_detections.figures", e))?,
    })
}

fn state(text: &str, what: &str) -> Result<DetectionState> {
    text.parse().map_err(|e| corrupt(what, e))
}

fn millis(ms: i64, what: &str) -> Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(what, ms))
}

fn day(n: i64, what: &str) -> Result<chrono::NaiveDate> {
    day_from_number(n).ok_or_else(|| corrupt(what, n))
}

fn corrupt(what: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), reason: reason.to_string() }
}
