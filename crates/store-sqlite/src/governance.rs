//! Governance on SQLite: policy sets, compliance runs, violations and exemptions.
//!
//! Recording a run walks the findings once on the writer thread with prepared statements: one
//! lookup of the live violation through the partial unique index `violations_live`, then one
//! insert or update, and events only when something changes. What each finding does is decided
//! by [`Step::decide`], as on PostgreSQL. Violations the run did not touch are resolved with one
//! set-based statement: every finding stamps its violation with the run's id (`last_run_id`),
//! so the live violations of an evaluated policy without this run's id had no finding.

use crate::SqliteStore;
use crate::convert::{corrupt, count, timestamp};
use crate::read::{collect, db, scalar};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::HashMap;
use steward_model::Timestamp;
use steward_store::governance::{
    ComplianceCounts, ComplianceRun, ComplianceRunInfo, ComplianceSummary, EventKind, Exemption, Level, NewExemption,
    NewPolicySet, PolicyAdoption, PolicyCounts, PolicySetInfo, SaveOutcome, Step, StoredPolicySet, SubjectKind,
    TrendPoint, Violation, ViolationEvent, ViolationQuery, ViolationState, already_revoked, check_exemption_refs,
    exempt_note, policy_set_conflict, reopen_note,
};
use steward_store::{Result, StoreError};

// ---- policy sets ----------------------------------------------------------------------------

const SET_COLUMNS: &str = "version, digest, saved_by, saved_at, active, adopted_by, adopted_at";

pub(crate) async fn save_policy_set(store: &SqliteStore, set: &NewPolicySet) -> Result<SaveOutcome> {
    set.check()?;
    let set = set.clone();
    store
        .writer
        .run(move |conn| {
            let tx = conn.transaction().map_err(db("starting to save a policy set"))?;
            let stored: Option<String> = tx
                .query_row("SELECT digest FROM policy_sets WHERE version = ?1", [&set.version], |r| r.get(0))
                .optional()
                .map_err(db("reading a policy set"))?;
            let outcome = match stored {
                Some(digest) if digest == set.digest => SaveOutcome::AlreadySaved,
                Some(digest) => return Err(policy_set_conflict(&set.version, &digest, &set.digest)),
                None => {
                    tx.execute(
                        "INSERT INTO policy_sets (version, digest, content, saved_by, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![set.version, set.digest, set.content.to_string(), set.saved_by, set.at.timestamp_millis()],
                    )
                    .map_err(db("saving a policy set"))?;
                    SaveOutcome::Saved
                }
            };
            tx.commit().map_err(db("committing a policy set"))?;
            Ok(outcome)
        })
        .await
}

pub(crate) async fn adopt_policy_set(
    store: &SqliteStore,
    version: &str,
    by: &str,
    at: Timestamp,
) -> Result<Option<PolicyAdoption>> {
    if by.trim().is_empty() {
        return Err(StoreError::InvalidQuery("who adopts the policy set is required".into()));
    }
    let (version, by) = (version.to_string(), by.to_string());
    store
        .writer
        .run(move |conn| {
            let context = "adopting a policy set";
            let tx = conn.transaction().map_err(db(context))?;
            let known: Option<i64> = tx
                .query_row("SELECT 1 FROM policy_sets WHERE version = ?1", [&version], |r| r.get(0))
                .optional()
                .map_err(db(context))?;
            if known.is_none() {
                return Err(StoreError::NotFound { what: "policy set", id: version });
            }
            let previous: Option<String> = tx
                .query_row("SELECT version FROM policy_sets WHERE active = 1", [], |r| r.get(0))
                .optional()
                .map_err(db(context))?;
            if previous.as_deref() == Some(version.as_str()) {
                return Ok(None);
            }
            let ms = at.timestamp_millis();
            tx.execute("UPDATE policy_sets SET active = 0 WHERE active = 1", []).map_err(db(context))?;
            tx.execute(
                "UPDATE policy_sets SET active = 1, adopted_by = ?2, adopted_at = ?3 WHERE version = ?1",
                params![version, by, ms],
            )
            .map_err(db(context))?;
            tx.execute(
                "INSERT INTO policy_adoptions (version, previous, adopted_by, adopted_at) VALUES (?1, ?2, ?3, ?4)",
                params![version, previous, by, ms],
            )
            .map_err(db(context))?;
            let seq = tx.last_insert_rowid();
            tx.commit().map_err(db(context))?;
            Ok(Some(PolicyAdoption { seq, version, previous, adopted_by: by, adopted_at: at }))
        })
        .await
}

pub(crate) async fn policy_sets(store: &SqliteStore) -> Result<Vec<PolicySetInfo>> {
    store
        .read(|conn| {
            let sql = format!("SELECT {SET_COLUMNS} FROM policy_sets ORDER BY seq DESC");
            collect(conn, &sql, &[], "reading policy sets", set_info)
        })
        .await
}

pub(crate) async fn policy_set(store: &SqliteStore, version: Option<&str>) -> Result<Option<StoredPolicySet>> {
    let version = version.map(str::to_string);
    store
        .read(move |conn| {
            let filter = if version.is_some() { "version = ?1" } else { "active = 1" };
            let sql = format!("SELECT {SET_COLUMNS}, content FROM policy_sets WHERE {filter}");
            let args: Vec<Value> = version.into_iter().map(Value::Text).collect();
            let mut found = collect(conn, &sql, &args, "reading a policy set", |r| {
                let text: String = r.get(7).map_err(db("reading a policy set"))?;
                let content = serde_json::from_str(&text).map_err(|e| corrupt("policy_sets.content", e.to_string()))?;
                Ok(StoredPolicySet { info: set_info(r)?, content })
            })?;
            Ok(found.pop())
        })
        .await
}

pub(crate) async fn policy_adoptions(store: &SqliteStore) -> Result<Vec<PolicyAdoption>> {
    store
        .read(|conn| {
            collect(
                conn,
                "SELECT seq, version, previous, adopted_by, adopted_at FROM policy_adoptions ORDER BY seq",
                &[],
                "reading the policy adoption history",
                |r| {
                    let context = "reading the policy adoption history";
                    Ok(PolicyAdoption {
                        seq: r.get(0).map_err(db(context))?,
                        version: r.get(1).map_err(db(context))?,
                        previous: r.get(2).map_err(db(context))?,
                        adopted_by: r.get(3).map_err(db(context))?,
                        adopted_at: timestamp(r.get(4).map_err(db(context))?, "policy_adoptions.adopted_at")?,
                    })
                },
            )
        })
        .await
}

fn set_info(r: &Row<'_>) -> Result<PolicySetInfo> {
    let context = "reading a policy set";
    let adopted_at: Option<i64> = r.get(6).map_err(db(context))?;
    Ok(PolicySetInfo {
        version: r.get(0).map_err(db(context))?,
        digest: r.get(1).map_err(db(context))?,
        saved_by: r.get(2).map_err(db(context))?,
        saved_at: timestamp(r.get(3).map_err(db(context))?, "policy_sets.saved_at")?,
        active: r.get::<_, i64>(4).map_err(db(context))? != 0,
        adopted_by: r.get(5).map_err(db(context))?,
        adopted_at: adopted_at.map(|ms| timestamp(ms, "policy_sets.adopted_at")).transpose()?,
    })
}

// ---- compliance runs ------------------------------------------------------------------------

/// A finding as the writer thread needs it: owned text, evidence already serialised.
struct Staged {
    policy_id: String,
    subject_id: String,
    policy_version: i64,
    level: &'static str,
    subject_kind: &'static str,
    tenant_id: String,
    environment_id: String,
    evidence: String,
    exemption_id: Option<i64>,
}

/// The run's own fields.
struct RunHead {
    at: i64,
    at_time: Timestamp,
    policy_set_version: String,
    tenant_id: Option<String>,
    subjects_evaluated: i64,
    /// The evaluated policy ids as a JSON array, for `json_each`.
    policies_json: String,
    /// The evaluated policy ids, distinct.
    policy_ids: Vec<String>,
    policies: i64,
    findings: i64,
}

/// What the writer knows of each exemption: its policy, revocation and expiry (ms).
type ExemptionFacts = HashMap<i64, (String, Option<i64>, Option<i64>)>;

pub(crate) async fn record_compliance(store: &SqliteStore, run: &ComplianceRun) -> Result<ComplianceCounts> {
    let check = run.check()?;
    let exemptions = store.read(exemption_facts).await?;
    let policies: HashMap<i64, String> = exemptions.iter().map(|(id, (policy, _, _))| (*id, policy.clone())).collect();
    check_exemption_refs(run, &policies)?;
    let head = RunHead {
        at: run.at.timestamp_millis(),
        at_time: run.at,
        policy_set_version: run.policy_set_version.clone(),
        tenant_id: run.tenant_id.clone(),
        subjects_evaluated: i64::try_from(run.subjects_evaluated).unwrap_or(i64::MAX),
        policies_json: serde_json::Value::from(check.policies.clone()).to_string(),
        policies: check.policies.len() as i64,
        policy_ids: check.policies.clone(),
        findings: run.findings.len() as i64,
    };
    let staged: Vec<Staged> = run
        .findings
        .iter()
        .map(|f| Staged {
            policy_id: f.policy_id.clone(),
            subject_id: f.subject_id.clone(),
            policy_version: i64::from(f.policy_version),
            level: f.level.as_str(),
            subject_kind: f.subject_kind.as_str(),
            tenant_id: f.tenant_id.clone(),
            environment_id: f.environment_id.clone(),
            evidence: f.evidence.to_string(),
            exemption_id: f.exemption_id,
        })
        .collect();
    let statuses = run.statuses.clone();
    store
        .writer
        .run(move |conn| {
            let tx = conn.transaction().map_err(db("starting to record a compliance run"))?;
            let counts = record(&tx, &head, staged, &exemptions)?;
            crate::inventory::write_statuses(&tx, &statuses, head.at)?;
            tx.commit().map_err(db("committing a compliance run"))?;
            Ok(counts)
        })
        .await
}

fn exemption_facts(conn: &Connection) -> Result<ExemptionFacts> {
    let rows = collect(
        conn,
        "SELECT id, policy_id, revoked_at, expires_at FROM exemptions",
        &[],
        "reading exemptions",
        |r| {
            let context = "reading exemptions";
            Ok((
                r.get::<_, i64>(0).map_err(db(context))?,
                (r.get(1).map_err(db(context))?, r.get(2).map_err(db(context))?, r.get(3).map_err(db(context))?),
            ))
        },
    )?;
    Ok(rows.into_iter().collect())
}

fn record(
    conn: &Connection,
    head: &RunHead,
    staged: Vec<Staged>,
    exemptions: &ExemptionFacts,
) -> Result<ComplianceCounts> {
    let context = "recording a compliance run";
    conn.execute(
        "INSERT INTO compliance_runs (at, policy_set_version, tenant_id, subjects_evaluated, policies_evaluated, findings) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![head.at, head.policy_set_version, head.tenant_id, head.subjects_evaluated, head.policies, head.findings],
    )
    .map_err(db(context))?;
    let run_id = conn.last_insert_rowid();
    let mut counts = ComplianceCounts::default();

    let mut lookup = conn
        .prepare_cached(
            "SELECT id, state, exemption_id, last_run_id FROM violations \
             WHERE policy_id = ?1 AND subject_id = ?2 AND state <> 'resolved'",
        )
        .map_err(db(context))?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO violations (policy_id, subject_id, policy_version, level, subject_kind, tenant_id, \
             environment_id, state, exemption_id, opened_at, last_seen_at, last_run_id, evidence) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
        )
        .map_err(db(context))?;
    // Refreshing leaves the indexed columns (and the partial index's `state`) alone, so SQLite
    // rewrites only the row.
    let mut refresh = conn
        .prepare_cached(
            "UPDATE violations SET policy_version = ?2, level = ?3, subject_kind = ?4, tenant_id = ?5, \
             environment_id = ?6, last_seen_at = ?7, last_run_id = ?8, evidence = ?9 WHERE id = ?1",
        )
        .map_err(db(context))?;
    let mut transition = conn
        .prepare_cached(
            "UPDATE violations SET policy_version = ?2, level = ?3, subject_kind = ?4, tenant_id = ?5, \
             environment_id = ?6, last_seen_at = ?7, last_run_id = ?8, evidence = ?9, state = ?10, \
             exemption_id = ?11 WHERE id = ?1",
        )
        .map_err(db(context))?;
    let mut event = conn
        .prepare_cached(
            "INSERT INTO violation_events (violation_id, run_id, kind, at, exemption_id, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(db(context))?;
    let mut add_event = |id: i64, kind: EventKind, exemption: Option<i64>, note: Option<String>| {
        event.execute(params![id, run_id, kind.as_str(), head.at, exemption, note]).map(|_| ()).map_err(db(context))
    };

    // Live violations per evaluated policy after the run: exactly the ones its findings touch,
    // since the others resolve; counted here instead of scanning the table afterwards.
    let mut per_policy: HashMap<String, (u64, u64)> = head.policy_ids.iter().map(|p| (p.clone(), (0, 0))).collect();

    for f in staged {
        if let Some((open, exempted)) = per_policy.get_mut(&f.policy_id) {
            match f.exemption_id {
                Some(_) => *exempted += 1,
                None => *open += 1,
            }
        }
        let live = lookup
            .query_row(params![f.policy_id, f.subject_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?, r.get::<_, i64>(3)?))
            })
            .optional()
            .map_err(db(context))?;
        let live = match live {
            Some((_, _, _, last_run)) if last_run == run_id => {
                // `ComplianceRun::check` refuses duplicates first; this keeps the table right
                // even if that check ever changes.
                return Err(steward_store::governance::duplicate_finding(&f.policy_id, &f.subject_id));
            }
            Some((id, state, exemption, _)) => Some((id, state_of(&state)?, exemption)),
            None => None,
        };
        let step = Step::decide(live.map(|(_, state, exemption)| (state, exemption)), f.exemption_id);
        let Some((id, state, was)) = live else {
            let state = if f.exemption_id.is_some() { ViolationState::Exempted } else { ViolationState::Open };
            insert
                .execute(params![
                    f.policy_id,
                    f.subject_id,
                    f.policy_version,
                    f.level,
                    f.subject_kind,
                    f.tenant_id,
                    f.environment_id,
                    state.as_str(),
                    f.exemption_id,
                    head.at,
                    run_id,
                    f.evidence,
                ])
                .map_err(db(context))?;
            let id = conn.last_insert_rowid();
            add_event(id, EventKind::Opened, None, None)?;
            counts.opened += 1;
            if let Some(exemption) = f.exemption_id {
                add_event(id, EventKind::Exempted, Some(exemption), Some(exempt_note(exemption, None)))?;
                counts.exempted += 1;
            }
            continue;
        };
        if matches!(step, Step::Refresh | Step::Open) {
            // (`Open` never comes from a live violation; refreshing is the safe reading.)
            refresh
                .execute(params![
                    id,
                    f.policy_version,
                    f.level,
                    f.subject_kind,
                    f.tenant_id,
                    f.environment_id,
                    head.at,
                    run_id,
                    f.evidence
                ])
                .map_err(db(context))?;
            match state {
                ViolationState::Exempted => counts.still_exempted += 1,
                _ => counts.still_open += 1,
            }
            continue;
        }
        // The new state, its exemption, and the event: (kind, exemption named, note).
        let (new_state, exemption, event) = if step == Step::Reopen {
            let (revoked, expires) = was
                .and_then(|e| exemptions.get(&e))
                .map(|(_, revoked, expires)| (*revoked, *expires))
                .unwrap_or_default();
            let ms = |t: Option<i64>| t.and_then(chrono::DateTime::from_timestamp_millis);
            counts.reopened += 1;
            (
                ViolationState::Open,
                None,
                (EventKind::Reopened, was, reopen_note(was, ms(revoked), ms(expires), head.at_time)),
            )
        } else {
            let now = f.exemption_id.unwrap_or_default();
            let previous = if step == Step::SwitchExemption { was } else { None };
            counts.exempted += 1;
            (
                ViolationState::Exempted,
                f.exemption_id,
                (EventKind::Exempted, f.exemption_id, exempt_note(now, previous)),
            )
        };
        transition
            .execute(params![
                id,
                f.policy_version,
                f.level,
                f.subject_kind,
                f.tenant_id,
                f.environment_id,
                head.at,
                run_id,
                f.evidence,
                new_state.as_str(),
                exemption
            ])
            .map_err(db(context))?;
        add_event(id, event.0, event.1, Some(event.2))?;
    }

    // Live violations of the evaluated policies (of the run's tenant) that no finding touched:
    // one pass, its ids returned for their events (in id order, as PostgreSQL writes them).
    let mut resolved: Vec<i64> = conn
        .prepare_cached(
            "UPDATE violations SET state = 'resolved', resolved_at = ?2 WHERE state <> 'resolved' \
             AND policy_id IN (SELECT value FROM json_each(?3)) AND (?4 IS NULL OR tenant_id = ?4) \
             AND last_run_id <> ?1 RETURNING id",
        )
        .and_then(|mut stmt| {
            stmt.query_map(params![run_id, head.at, head.policies_json, head.tenant_id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()
        })
        .map_err(db("resolving violations"))?;
    resolved.sort_unstable();
    for id in &resolved {
        add_event(*id, EventKind::Resolved, None, None)?;
    }
    counts.resolved = resolved.len() as u64;

    let mut per_run = conn
        .prepare_cached(
            "INSERT INTO compliance_run_policies (run_id, policy_id, open, exempted) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db("counting violations per policy"))?;
    for (policy, (open, exempted)) in &per_policy {
        per_run
            .execute(params![run_id, policy, *open as i64, *exempted as i64])
            .map_err(db("counting violations per policy"))?;
        counts.open_total += open;
        counts.exempted_total += exempted;
    }
    // Plus the live violations of policies the run did not evaluate: their ids come from a
    // skip scan of `violations_live` (one seek per policy), and usually there are none.
    let live_policies: Vec<String> = collect(
        conn,
        "WITH RECURSIVE p(id) AS (\
           SELECT (SELECT min(policy_id) FROM violations WHERE state <> 'resolved') \
           UNION ALL SELECT (SELECT min(policy_id) FROM violations WHERE state <> 'resolved' AND policy_id > p.id) \
           FROM p WHERE p.id IS NOT NULL) \
         SELECT id FROM p WHERE id IS NOT NULL",
        &[],
        "listing policies with live violations",
        |r| r.get(0).map_err(db("listing policies with live violations")),
    )?;
    let mut others = conn
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE state = 'open'), count(*) FILTER (WHERE state = 'exempted') \
             FROM violations WHERE state <> 'resolved' AND policy_id = ?1 AND (?2 IS NULL OR tenant_id = ?2)",
        )
        .map_err(db("counting live violations"))?;
    for policy in live_policies.iter().filter(|p| !per_policy.contains_key(*p)) {
        let (open, exempted): (i64, i64) = others
            .query_row(params![policy, head.tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db("counting live violations"))?;
        counts.open_total += count(open);
        counts.exempted_total += count(exempted);
    }
    conn.execute(
        "UPDATE compliance_runs SET opened = ?2, resolved = ?3, exempted = ?4, reopened = ?5, still_open = ?6, \
         still_exempted = ?7, open_total = ?8, exempted_total = ?9 WHERE id = ?1",
        params![
            run_id,
            counts.opened as i64,
            counts.resolved as i64,
            counts.exempted as i64,
            counts.reopened as i64,
            counts.still_open as i64,
            counts.still_exempted as i64,
            counts.open_total as i64,
            counts.exempted_total as i64
        ],
    )
    .map_err(db(context))?;
    Ok(counts)
}

const RUN_COLUMNS: &str = "id, at, policy_set_version, tenant_id, subjects_evaluated, policies_evaluated, findings, \
     opened, resolved, exempted, reopened, still_open, still_exempted, open_total, exempted_total";

pub(crate) async fn compliance_runs(store: &SqliteStore, limit: u32) -> Result<Vec<ComplianceRunInfo>> {
    store
        .read(move |conn| {
            let sql = format!("SELECT {RUN_COLUMNS} FROM compliance_runs ORDER BY id DESC LIMIT ?1");
            collect(conn, &sql, &[Value::Integer(i64::from(limit))], "reading compliance runs", |r| {
                let context = "reading compliance runs";
                let n = |i: usize| r.get::<_, i64>(i).map(count).map_err(db(context));
                Ok(ComplianceRunInfo {
                    id: r.get(0).map_err(db(context))?,
                    at: timestamp(r.get(1).map_err(db(context))?, "compliance_runs.at")?,
                    policy_set_version: r.get(2).map_err(db(context))?,
                    tenant_id: r.get(3).map_err(db(context))?,
                    subjects_evaluated: n(4)?,
                    policies_evaluated: n(5)?,
                    findings: n(6)?,
                    counts: ComplianceCounts {
                        opened: n(7)?,
                        resolved: n(8)?,
                        exempted: n(9)?,
                        reopened: n(10)?,
                        still_open: n(11)?,
                        still_exempted: n(12)?,
                        open_total: n(13)?,
                        exempted_total: n(14)?,
                    },
                })
            })
        })
        .await
}

pub(crate) async fn compliance_trend(
    store: &SqliteStore,
    policy_id: Option<&str>,
    limit: u32,
) -> Result<Vec<TrendPoint>> {
    let policy_id = policy_id.map(str::to_string);
    store
        .read(move |conn| {
            let limit = Value::Integer(i64::from(limit));
            let (sql, args) = match policy_id {
                Some(policy) => (
                    "SELECT r.id, r.at, r.policy_set_version, r.tenant_id, c.open, c.exempted \
                     FROM compliance_run_policies c JOIN compliance_runs r ON r.id = c.run_id \
                     WHERE c.policy_id = ?1 ORDER BY r.id DESC LIMIT ?2",
                    vec![Value::Text(policy), limit],
                ),
                None => (
                    "SELECT id, at, policy_set_version, tenant_id, open_total, exempted_total \
                     FROM compliance_runs ORDER BY id DESC LIMIT ?1",
                    vec![limit],
                ),
            };
            let mut points = collect(conn, sql, &args, "reading the compliance trend", |r| {
                let context = "reading the compliance trend";
                Ok(TrendPoint {
                    run_id: r.get(0).map_err(db(context))?,
                    at: timestamp(r.get(1).map_err(db(context))?, "compliance_runs.at")?,
                    policy_set_version: r.get(2).map_err(db(context))?,
                    tenant_id: r.get(3).map_err(db(context))?,
                    open: count(r.get(4).map_err(db(context))?),
                    exempted: count(r.get(5).map_err(db(context))?),
                })
            })?;
            points.reverse();
            Ok(points)
        })
        .await
}

pub(crate) async fn compliance_summary(store: &SqliteStore, tenant_id: Option<&str>) -> Result<ComplianceSummary> {
    let tenant = tenant_id.map(str::to_string);
    store
        .read(move |conn| {
            let args = [tenant.map_or(Value::Null, Value::Text)];
            let groups = collect(
                conn,
                "SELECT policy_id, level, count(*) FILTER (WHERE state = 'open'), \
                 count(*) FILTER (WHERE state = 'exempted') FROM violations \
                 WHERE state <> 'resolved' AND (?1 IS NULL OR tenant_id = ?1) GROUP BY policy_id, level",
                &args,
                "summarising compliance",
                |r| {
                    let context = "summarising compliance";
                    Ok(PolicyCounts {
                        policy_id: r.get(0).map_err(db(context))?,
                        level: level_of(&r.get::<_, String>(1).map_err(db(context))?)?,
                        open: count(r.get(2).map_err(db(context))?),
                        exempted: count(r.get(3).map_err(db(context))?),
                    })
                },
            )?;
            let must = scalar(
                conn,
                "SELECT count(DISTINCT subject_id) FROM violations \
                 WHERE state = 'open' AND level = 'must' AND (?1 IS NULL OR tenant_id = ?1)",
                &args,
                "counting subjects with open must violations",
            )?;
            Ok(ComplianceSummary::from_groups(groups, count(must)))
        })
        .await
}

pub(crate) async fn open_violation_keys(
    store: &SqliteStore,
    tenant_id: Option<&str>,
) -> Result<Vec<(String, String, String)>> {
    let tenant = tenant_id.map(str::to_string);
    store
        .read(move |conn| {
            let context = "reading open violations";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT policy_id, subject_id, environment_id FROM violations \
                     WHERE state = 'open' AND (?1 IS NULL OR tenant_id = ?1)",
                )
                .map_err(db(context))?;
            let rows = stmt.query_map([&tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(db(context))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db(context))
        })
        .await
}

// ---- violations -----------------------------------------------------------------------------

const VIOLATION_COLUMNS: &str = "id, policy_id, policy_version, level, subject_kind, subject_id, tenant_id, \
     environment_id, state, exemption_id, opened_at, last_seen_at, resolved_at, evidence";

pub(crate) async fn list_violations(store: &SqliteStore, query: &ViolationQuery) -> Result<Vec<Violation>> {
    let q = query.clone();
    store
        .read(move |conn| {
            // Only the filters asked for enter the SQL, so a subject filter uses its index.
            let mut filters = Vec::new();
            let mut args = Vec::new();
            let list = |column: &str, values: Vec<String>, filters: &mut Vec<String>, args: &mut Vec<Value>| {
                if !values.is_empty() {
                    args.push(Value::Text(serde_json::Value::from(values).to_string()));
                    filters.push(format!("{column} IN (SELECT value FROM json_each(?{}))", args.len()));
                }
            };
            list("state", q.states.iter().map(|s| s.as_str().to_string()).collect(), &mut filters, &mut args);
            list("level", q.levels.iter().map(|l| l.as_str().to_string()).collect(), &mut filters, &mut args);
            list("policy_id", q.policy_ids.clone(), &mut filters, &mut args);
            if let Some(ids) = &q.resources_among {
                args.push(Value::Text(serde_json::Value::from(ids.clone()).to_string()));
                filters.push(format!(
                    "(subject_kind <> 'resource' OR subject_id IN (SELECT value FROM json_each(?{})))",
                    args.len()
                ));
            }
            for (column, value) in
                [("subject_id", &q.subject_id), ("environment_id", &q.environment_id), ("tenant_id", &q.tenant_id)]
            {
                if let Some(value) = value {
                    args.push(Value::Text(value.clone()));
                    filters.push(format!("{column} = ?{}", args.len()));
                }
            }
            let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
            args.push(Value::Integer(q.limit.map_or(-1, i64::from)));
            args.push(Value::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
            let sql = format!(
                "SELECT {VIOLATION_COLUMNS} FROM violations {filter} ORDER BY id LIMIT ?{} OFFSET ?{}",
                args.len() - 1,
                args.len()
            );
            collect(conn, &sql, &args, "listing violations", violation)
        })
        .await
}

fn violation(r: &Row<'_>) -> Result<Violation> {
    let context = "reading a violation";
    let get_text = |i: usize| r.get::<_, String>(i).map_err(db(context));
    let version: i64 = r.get(2).map_err(db(context))?;
    let resolved_at: Option<i64> = r.get(12).map_err(db(context))?;
    Ok(Violation {
        id: r.get(0).map_err(db(context))?,
        policy_id: get_text(1)?,
        policy_version: u32::try_from(version)
            .map_err(|_| corrupt("violations.policy_version", version.to_string()))?,
        level: level_of(&get_text(3)?)?,
        subject_kind: get_text(4)?
            .parse::<SubjectKind>()
            .map_err(|e| corrupt("violations.subject_kind", e.to_string()))?,
        subject_id: get_text(5)?,
        tenant_id: get_text(6)?,
        environment_id: get_text(7)?,
        state: state_of(&get_text(8)?)?,
        exemption_id: r.get(9).map_err(db(context))?,
        opened_at: timestamp(r.get(10).map_err(db(context))?, "violations.opened_at")?,
        last_seen_at: timestamp(r.get(11).map_err(db(context))?, "violations.last_seen_at")?,
        resolved_at: resolved_at.map(|ms| timestamp(ms, "violations.resolved_at")).transpose()?,
        evidence: serde_json::from_str(&get_text(13)?).map_err(|e| corrupt("violations.evidence", e.to_string()))?,
    })
}

pub(crate) async fn violation_history(store: &SqliteStore, subject_id: &str) -> Result<Vec<ViolationEvent>> {
    let subject = subject_id.to_string();
    store
        .read(move |conn| {
            collect(
                conn,
                "SELECT e.seq, e.violation_id, v.policy_id, v.subject_id, e.kind, e.at, e.run_id, e.exemption_id, e.note \
                 FROM violations v JOIN violation_events e ON e.violation_id = v.id \
                 WHERE v.subject_id = ?1 ORDER BY e.seq",
                &[Value::Text(subject)],
                "reading a violation history",
                |r| {
                    let context = "reading a violation history";
                    let kind: String = r.get(4).map_err(db(context))?;
                    Ok(ViolationEvent {
                        seq: r.get(0).map_err(db(context))?,
                        violation_id: r.get(1).map_err(db(context))?,
                        policy_id: r.get(2).map_err(db(context))?,
                        subject_id: r.get(3).map_err(db(context))?,
                        kind: kind.parse().map_err(|e: steward_model::UnknownValue| {
                            corrupt("violation_events.kind", e.to_string())
                        })?,
                        at: timestamp(r.get(5).map_err(db(context))?, "violation_events.at")?,
                        run_id: r.get(6).map_err(db(context))?,
                        exemption_id: r.get(7).map_err(db(context))?,
                        note: r.get(8).map_err(db(context))?,
                    })
                },
            )
        })
        .await
}

fn state_of(text: &str) -> Result<ViolationState> {
    text.parse().map_err(|e: steward_model::UnknownValue| corrupt("violations.state", e.to_string()))
}

fn level_of(text: &str) -> Result<Level> {
    text.parse().map_err(|e: steward_model::UnknownValue| corrupt("violations.level", e.to_string()))
}

// ---- exemptions -----------------------------------------------------------------------------

const EXEMPTION_COLUMNS: &str = "id, policy_id, subject_id, environment_id, reason, requested_by, approved_by, \
     created_at, expires_at, revoked_at, revoked_by";

pub(crate) async fn add_exemption(store: &SqliteStore, new: &NewExemption) -> Result<Exemption> {
    new.check()?;
    let new = new.clone();
    store
        .writer
        .run(move |conn| {
            let context = "adding an exemption";
            let tx = conn.transaction().map_err(db(context))?;
            tx.execute(
                "INSERT INTO exemptions (policy_id, subject_id, environment_id, reason, requested_by, approved_by, \
                 created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    new.policy_id,
                    new.subject_id,
                    new.environment_id,
                    new.reason,
                    new.requested_by,
                    new.approved_by,
                    new.at.timestamp_millis(),
                    new.expires_at.map(|t| t.timestamp_millis()),
                ],
            )
            .map_err(db(context))?;
            let id = tx.last_insert_rowid();
            let stored = get_exemption(&tx, id)?.ok_or_else(|| corrupt("exemptions", "the new row is missing"))?;
            tx.commit().map_err(db(context))?;
            Ok(stored)
        })
        .await
}

pub(crate) async fn revoke_exemption(store: &SqliteStore, id: i64, by: &str, at: Timestamp) -> Result<Exemption> {
    if by.trim().is_empty() {
        return Err(StoreError::InvalidQuery("who revokes the exemption is required".into()));
    }
    let by = by.to_string();
    store
        .writer
        .run(move |conn| {
            let context = "revoking an exemption";
            let tx = conn.transaction().map_err(db(context))?;
            let current = get_exemption(&tx, id)?
                .ok_or_else(|| StoreError::NotFound { what: "exemption", id: id.to_string() })?;
            if current.revoked_at.is_some() {
                return Err(already_revoked(&current));
            }
            tx.execute(
                "UPDATE exemptions SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1",
                params![id, at.timestamp_millis(), by],
            )
            .map_err(db(context))?;
            let stored = get_exemption(&tx, id)?.ok_or_else(|| corrupt("exemptions", "the row vanished"))?;
            tx.commit().map_err(db(context))?;
            Ok(stored)
        })
        .await
}

pub(crate) async fn list_exemptions(store: &SqliteStore, include_revoked: bool) -> Result<Vec<Exemption>> {
    store
        .read(move |conn| {
            let sql =
                format!("SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE (?1 OR revoked_at IS NULL) ORDER BY id");
            collect(conn, &sql, &[Value::Integer(i64::from(include_revoked))], "listing exemptions", exemption)
        })
        .await
}

pub(crate) async fn active_exemptions(store: &SqliteStore, at: Timestamp) -> Result<Vec<Exemption>> {
    store
        .read(move |conn| {
            // The same rule as `Exemption::is_active`.
            let sql = format!(
                "SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE created_at <= ?1 \
                 AND (revoked_at IS NULL OR revoked_at > ?1) AND (expires_at IS NULL OR expires_at > ?1) ORDER BY id"
            );
            collect(conn, &sql, &[Value::Integer(at.timestamp_millis())], "listing active exemptions", exemption)
        })
        .await
}

pub(crate) fn get_exemption(conn: &Connection, id: i64) -> Result<Option<Exemption>> {
    let sql = format!("SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE id = ?1");
    Ok(collect(conn, &sql, &[Value::Integer(id)], "reading an exemption", exemption)?.pop())
}

fn exemption(r: &Row<'_>) -> Result<Exemption> {
    let context = "reading an exemption";
    let opt_time = |i: usize, what: &str| -> Result<Option<Timestamp>> {
        let ms: Option<i64> = r.get(i).map_err(db(context))?;
        ms.map(|ms| timestamp(ms, what)).transpose()
    };
    Ok(Exemption {
        id: r.get(0).map_err(db(context))?,
        policy_id: r.get(1).map_err(db(context))?,
        subject_id: r.get(2).map_err(db(context))?,
        environment_id: r.get(3).map_err(db(context))?,
        reason: r.get(4).map_err(db(context))?,
        requested_by: r.get(5).map_err(db(context))?,
        approved_by: r.get(6).map_err(db(context))?,
        created_at: timestamp(r.get(7).map_err(db(context))?, "exemptions.created_at")?,
        expires_at: opt_time(8, "exemptions.expires_at")?,
        revoked_at: opt_time(9, "exemptions.revoked_at")?,
        revoked_by: r.get(10).map_err(db(context))?,
    })
}
