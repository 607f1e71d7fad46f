//! Governance on PostgreSQL: policy sets, compliance runs, violations and exemptions.
//!
//! Recording a run is set-based, so that half a million findings are a few dozen statements:
//! each batch of findings travels as `unnest` arrays in one statement that joins them with the
//! live violations they meet (`violations_live`) and, with data-modifying CTEs, writes new
//! episodes, refreshes and transitions with their events. Resolution is one statement at the
//! end. The SQL mirrors [`Step::decide`](steward_store::governance::Step::decide), which SQLite
//! applies row by row; the conformance suite holds both to the same results. Writers of
//! governance data take a transaction-scoped advisory lock, so two replicas recording at once
//! record one after the other.

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use deadpool_postgres::GenericClient;
use std::collections::HashMap;
use steward_model::Timestamp;
use steward_store::governance::{
    ComplianceCounts, ComplianceRun, ComplianceRunInfo, ComplianceSummary, Exemption, NewExemption, NewPolicySet,
    PolicyAdoption, PolicyCounts, PolicySetInfo, SaveOutcome, StoredPolicySet, TrendPoint, Violation, ViolationEvent,
    ViolationQuery, already_revoked, check_exemption_refs, policy_set_conflict,
};
use steward_store::{Result, StoreError};
use tokio_postgres::Row;
use tokio_postgres::types::{Json, ToSql};

/// Findings per statement: large enough that round trips vanish, small enough that one
/// statement's arrays stay a few megabytes.
const BATCH: usize = 20_000;

/// Record one batch of findings ($1..$9: their columns as arrays; $10: the run's time; $11: its
/// id). `s` joins each finding with the live violation of its policy and subject, if any; the
/// data-modifying parts all see the violations as they were before the statement, and touch
/// disjoint rows. Returns: new episodes, new ones under an exemption, still open, still
/// exempted, exempted or moved to another exemption, reopened.
const RECORD_BATCH: &str = "\
WITH u AS (\
  SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], \
    $8::text[], $9::int8[]) AS u(policy_id, subject_id, policy_version, level, subject_kind, tenant_id, \
    environment_id, evidence, exemption_id)), \
s AS MATERIALIZED (\
  SELECT u.policy_id, u.subject_id, u.policy_version, u.level, u.subject_kind, u.tenant_id, u.environment_id, \
    u.evidence::jsonb AS evidence, u.exemption_id, v.id AS vid, v.state AS vstate, v.exemption_id AS vexempt \
  FROM u LEFT JOIN violations v ON v.policy_id = u.policy_id AND v.subject_id = u.subject_id \
    AND v.state <> 'resolved'), \
ins AS (\
  INSERT INTO violations (policy_id, subject_id, policy_version, level, subject_kind, tenant_id, environment_id, \
    state, exemption_id, opened_at, last_seen_at, last_run_id, evidence) \
  SELECT policy_id, subject_id, policy_version, level, subject_kind, tenant_id, environment_id, \
    CASE WHEN exemption_id IS NULL THEN 'open' ELSE 'exempted' END, exemption_id, $10, $10, $11, evidence \
  FROM s WHERE vid IS NULL RETURNING id, exemption_id), \
opened AS (\
  INSERT INTO violation_events (violation_id, run_id, kind, at, exemption_id, note) \
  SELECT ins.id, $11, k.kind, $10, CASE WHEN k.ord = 2 THEN ins.exemption_id END, \
    CASE WHEN k.ord = 2 THEN 'exemption ' || ins.exemption_id END \
  FROM ins CROSS JOIN (VALUES (1, 'opened'), (2, 'exempted')) AS k(ord, kind) \
  WHERE k.ord = 1 OR ins.exemption_id IS NOT NULL ORDER BY ins.id, k.ord), \
refreshed AS (\
  UPDATE violations v SET policy_version = s.policy_version, level = s.level, subject_kind = s.subject_kind, \
    tenant_id = s.tenant_id, environment_id = s.environment_id, last_seen_at = $10, last_run_id = $11, \
    evidence = s.evidence, state = CASE WHEN s.exemption_id IS NULL THEN 'open' ELSE 'exempted' END, \
    exemption_id = s.exemption_id \
  FROM s WHERE v.id = s.vid), \
moved AS (\
  INSERT INTO violation_events (violation_id, run_id, kind, at, exemption_id, note) \
  SELECT s.vid, $11, CASE WHEN s.exemption_id IS NULL THEN 'reopened' ELSE 'exempted' END, $10, \
    coalesce(s.exemption_id, s.vexempt), \
    CASE WHEN s.exemption_id IS NOT NULL THEN 'exemption ' || s.exemption_id || \
           CASE WHEN s.vstate = 'exempted' AND s.vexempt IS NOT NULL \
                THEN ' (was exemption ' || s.vexempt || ')' ELSE '' END \
         WHEN s.vexempt IS NULL THEN 'no exemption applies any more' \
         ELSE 'exemption ' || s.vexempt || \
           CASE WHEN e.revoked_at <= $10 THEN ' was revoked' WHEN e.expires_at <= $10 THEN ' expired' \
                ELSE ' no longer applies' END \
    END \
  FROM s LEFT JOIN exemptions e ON e.id = s.vexempt \
  WHERE s.vid IS NOT NULL AND ((s.vstate = 'open' AND s.exemption_id IS NOT NULL) \
    OR (s.vstate = 'exempted' AND s.exemption_id IS DISTINCT FROM s.vexempt)) \
  ORDER BY s.vid) \
SELECT count(*) FILTER (WHERE vid IS NULL), \
  count(*) FILTER (WHERE vid IS NULL AND exemption_id IS NOT NULL), \
  count(*) FILTER (WHERE vstate = 'open' AND exemption_id IS NULL), \
  count(*) FILTER (WHERE vstate = 'exempted' AND exemption_id = vexempt), \
  count(*) FILTER (WHERE vid IS NOT NULL AND exemption_id IS NOT NULL AND exemption_id IS DISTINCT FROM vexempt), \
  count(*) FILTER (WHERE vstate = 'exempted' AND exemption_id IS NULL) \
FROM s";

const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('steward:governance:' || current_schema()))";

fn n(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

// ---- policy sets ----------------------------------------------------------------------------

const SET_COLUMNS: &str = "version, digest, saved_by, saved_at, active, adopted_by, adopted_at";

pub(crate) async fn save_policy_set(store: &PostgresStore, set: &NewPolicySet) -> Result<SaveOutcome> {
    set.check()?;
    let mut client = client(store.pool()).await?;
    let context = "saving a policy set";
    let tx = client.transaction().await.map_err(db(context))?;
    tx.execute(LOCK, &[]).await.map_err(db(context))?;
    let stored = tx
        .query_opt("SELECT digest FROM policy_sets WHERE version = $1", &[&set.version])
        .await
        .map_err(db(context))?;
    let outcome = match stored {
        Some(row) => {
            let digest: String = row.try_get(0).map_err(db(context))?;
            if digest != set.digest {
                return Err(policy_set_conflict(&set.version, &digest, &set.digest));
            }
            SaveOutcome::AlreadySaved
        }
        None => {
            tx.execute(
                "INSERT INTO policy_sets (version, digest, content, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5)",
                &[&set.version, &set.digest, &Json(&set.content), &set.saved_by, &set.at],
            )
            .await
            .map_err(db(context))?;
            SaveOutcome::Saved
        }
    };
    tx.commit().await.map_err(db(context))?;
    Ok(outcome)
}

pub(crate) async fn adopt_policy_set(
    store: &PostgresStore,
    version: &str,
    by: &str,
    at: Timestamp,
) -> Result<Option<PolicyAdoption>> {
    if by.trim().is_empty() {
        return Err(StoreError::InvalidQuery("who adopts the policy set is required".into()));
    }
    let mut client = client(store.pool()).await?;
    let context = "adopting a policy set";
    let tx = client.transaction().await.map_err(db(context))?;
    tx.execute(LOCK, &[]).await.map_err(db(context))?;
    let known = tx.query_opt("SELECT 1 FROM policy_sets WHERE version = $1", &[&version]).await.map_err(db(context))?;
    if known.is_none() {
        return Err(StoreError::NotFound { what: "policy set", id: version.to_string() });
    }
    let previous: Option<String> = tx
        .query_opt("SELECT version FROM policy_sets WHERE active", &[])
        .await
        .map_err(db(context))?
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(db(context))?;
    if previous.as_deref() == Some(version) {
        return Ok(None);
    }
    tx.execute("UPDATE policy_sets SET active = false WHERE active", &[]).await.map_err(db(context))?;
    tx.execute(
        "UPDATE policy_sets SET active = true, adopted_by = $2, adopted_at = $3 WHERE version = $1",
        &[&version, &by, &at],
    )
    .await
    .map_err(db(context))?;
    let seq: i64 = tx
        .query_one(
            "INSERT INTO policy_adoptions (version, previous, adopted_by, adopted_at) VALUES ($1, $2, $3, $4) RETURNING seq",
            &[&version, &previous, &by, &at],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db(context))?;
    tx.commit().await.map_err(db(context))?;
    Ok(Some(PolicyAdoption { seq, version: version.to_string(), previous, adopted_by: by.to_string(), adopted_at: at }))
}

pub(crate) async fn policy_sets(store: &PostgresStore) -> Result<Vec<PolicySetInfo>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {SET_COLUMNS} FROM policy_sets ORDER BY seq DESC");
    let rows = client.query(&sql, &[]).await.map_err(db("reading policy sets"))?;
    rows.iter().map(set_info).collect()
}

pub(crate) async fn policy_set(store: &PostgresStore, version: Option<&str>) -> Result<Option<StoredPolicySet>> {
    let client = client(store.pool()).await?;
    let context = "reading a policy set";
    let row = match version {
        Some(version) => {
            let sql = format!("SELECT {SET_COLUMNS}, content FROM policy_sets WHERE version = $1");
            client.query_opt(&sql, &[&version]).await
        }
        None => {
            let sql = format!("SELECT {SET_COLUMNS}, content FROM policy_sets WHERE active");
            client.query_opt(&sql, &[]).await
        }
    }
    .map_err(db(context))?;
    let Some(row) = row else { return Ok(None) };
    let content: Json<serde_json::Value> = row.try_get(7).map_err(db(context))?;
    Ok(Some(StoredPolicySet { info: set_info(&row)?, content: content.0 }))
}

pub(crate) async fn policy_adoptions(store: &PostgresStore) -> Result<Vec<PolicyAdoption>> {
    let client = client(store.pool()).await?;
    let context = "reading the policy adoption history";
    let rows = client
        .query("SELECT seq, version, previous, adopted_by, adopted_at FROM policy_adoptions ORDER BY seq", &[])
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            Ok(PolicyAdoption {
                seq: r.try_get(0)?,
                version: r.try_get(1)?,
                previous: r.try_get(2)?,
                adopted_by: r.try_get(3)?,
                adopted_at: r.try_get(4)?,
            })
        })
        .collect::<std::result::Result<_, tokio_postgres::Error>>()
        .map_err(db(context))
}

fn set_info(r: &Row) -> Result<PolicySetInfo> {
    let read = || -> std::result::Result<PolicySetInfo, tokio_postgres::Error> {
        Ok(PolicySetInfo {
            version: r.try_get(0)?,
            digest: r.try_get(1)?,
            saved_by: r.try_get(2)?,
            saved_at: r.try_get(3)?,
            active: r.try_get(4)?,
            adopted_by: r.try_get(5)?,
            adopted_at: r.try_get(6)?,
        })
    };
    read().map_err(db("reading a policy set"))
}

// ---- compliance runs ------------------------------------------------------------------------

pub(crate) async fn record_compliance(store: &PostgresStore, run: &ComplianceRun) -> Result<ComplianceCounts> {
    let check = run.check()?;
    let mut client = client(store.pool()).await?;
    let context = "recording a compliance run";
    let tx = client.transaction().await.map_err(db(context))?;
    tx.execute(LOCK, &[]).await.map_err(db(context))?;

    let known: HashMap<i64, String> = tx
        .query("SELECT id, policy_id FROM exemptions WHERE id = ANY($1)", &[&check.exemption_ids])
        .await
        .map_err(db(context))?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<std::result::Result<_, tokio_postgres::Error>>()
        .map_err(db(context))?;
    check_exemption_refs(run, &known)?;

    let subjects = i64::try_from(run.subjects_evaluated).unwrap_or(i64::MAX);
    let (policy_count, finding_count) = (check.policies.len() as i64, run.findings.len() as i64);
    let run_id: i64 = tx
        .query_one(
            "INSERT INTO compliance_runs (at, policy_set_version, tenant_id, subjects_evaluated, policies_evaluated, \
             findings) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&run.at, &run.policy_set_version, &run.tenant_id, &subjects, &policy_count, &finding_count],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db(context))?;

    // Each batch of findings is one statement: joined with the live violations it meets, it
    // inserts new episodes, refreshes (and moves) live ones, writes their events, and returns
    // what it did. Batches run in order, so each sees the ones before it.
    let batch = tx.prepare(RECORD_BATCH).await.map_err(db("preparing to record findings"))?;
    let mut counts = ComplianceCounts::default();
    // Live violations per evaluated policy after the run: exactly the ones its findings touch,
    // since the others resolve.
    let mut per_policy: HashMap<&str, (i64, i64)> = check.policies.iter().map(|p| (p.as_str(), (0, 0))).collect();
    for chunk in run.findings.chunks(BATCH) {
        let policy: Vec<&str> = chunk.iter().map(|f| f.policy_id.as_str()).collect();
        let subject: Vec<&str> = chunk.iter().map(|f| f.subject_id.as_str()).collect();
        let version: Vec<i64> = chunk.iter().map(|f| i64::from(f.policy_version)).collect();
        let level: Vec<&str> = chunk.iter().map(|f| f.level.as_str()).collect();
        let kind: Vec<&str> = chunk.iter().map(|f| f.subject_kind.as_str()).collect();
        let tenant: Vec<&str> = chunk.iter().map(|f| f.tenant_id.as_str()).collect();
        let environment: Vec<&str> = chunk.iter().map(|f| f.environment_id.as_str()).collect();
        let evidence: Vec<String> = chunk.iter().map(|f| f.evidence.to_string()).collect();
        let exemption: Vec<Option<i64>> = chunk.iter().map(|f| f.exemption_id).collect();
        for f in chunk {
            if let Some((open, exempted)) = per_policy.get_mut(f.policy_id.as_str()) {
                match f.exemption_id {
                    Some(_) => *exempted += 1,
                    None => *open += 1,
                }
            }
        }
        let params: [&(dyn ToSql + Sync); 11] = [
            &policy,
            &subject,
            &version,
            &level,
            &kind,
            &tenant,
            &environment,
            &evidence,
            &exemption,
            &run.at,
            &run_id,
        ];
        let row = tx.query_one(&batch, &params).await.map_err(db("recording findings"))?;
        let get = |i: usize| row.try_get::<_, i64>(i).map(n).map_err(db("recording findings"));
        // As `Step::decide` says: new, still open, still exempted, exempted (from open or from
        // another exemption), reopened.
        counts.opened += get(0)?;
        counts.exempted += get(1)? + get(4)?;
        counts.still_open += get(2)?;
        counts.still_exempted += get(3)?;
        counts.reopened += get(5)?;
    }

    // Live violations of the evaluated policies (of the run's tenant) that no finding touched.
    counts.resolved = tx
        .execute(
            "WITH r AS (UPDATE violations SET state = 'resolved', resolved_at = $1 \
               WHERE state <> 'resolved' AND policy_id = ANY($3) AND ($4::text IS NULL OR tenant_id = $4) \
               AND last_run_id <> $2 RETURNING id) \
             INSERT INTO violation_events (violation_id, run_id, kind, at) \
             SELECT id, $2, 'resolved', $1 FROM r ORDER BY id",
            &[&run.at, &run_id, &check.policies, &run.tenant_id],
        )
        .await
        .map_err(db("resolving violations"))?;

    let per_run = tx
        .prepare("INSERT INTO compliance_run_policies (run_id, policy_id, open, exempted) VALUES ($1, $2, $3, $4)")
        .await
        .map_err(db("counting violations per policy"))?;
    for (policy, (open, exempted)) in &per_policy {
        tx.execute(&per_run, &[&run_id, policy, open, exempted]).await.map_err(db("counting violations per policy"))?;
        counts.open_total += n(*open);
        counts.exempted_total += n(*exempted);
    }
    // Plus the live violations of policies the run did not evaluate (usually none).
    let others = tx
        .query_one(
            "SELECT count(*) FILTER (WHERE state = 'open'), count(*) FILTER (WHERE state = 'exempted') \
             FROM violations WHERE state <> 'resolved' AND policy_id <> ALL($1) AND ($2::text IS NULL OR tenant_id = $2)",
            &[&check.policies, &run.tenant_id],
        )
        .await
        .map_err(db("counting live violations"))?;
    counts.open_total += n(others.try_get(0).map_err(db(context))?);
    counts.exempted_total += n(others.try_get(1).map_err(db(context))?);
    let c = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE compliance_runs SET opened = $2, resolved = $3, exempted = $4, reopened = $5, still_open = $6, \
         still_exempted = $7, open_total = $8, exempted_total = $9 WHERE id = $1",
        &[
            &run_id,
            &c(counts.opened),
            &c(counts.resolved),
            &c(counts.exempted),
            &c(counts.reopened),
            &c(counts.still_open),
            &c(counts.still_exempted),
            &c(counts.open_total),
            &c(counts.exempted_total),
        ],
    )
    .await
    .map_err(db(context))?;
    crate::inventory::write_statuses(&tx, &run.statuses, run.at).await?;
    tx.commit().await.map_err(db("committing a compliance run"))?;
    Ok(counts)
}

const RUN_COLUMNS: &str = "id, at, policy_set_version, tenant_id, subjects_evaluated, policies_evaluated, findings, \
     opened, resolved, exempted, reopened, still_open, still_exempted, open_total, exempted_total";

pub(crate) async fn compliance_runs(store: &PostgresStore, limit: u32) -> Result<Vec<ComplianceRunInfo>> {
    let client = client(store.pool()).await?;
    let context = "reading compliance runs";
    let sql = format!("SELECT {RUN_COLUMNS} FROM compliance_runs ORDER BY id DESC LIMIT $1");
    let rows = client.query(&sql, &[&i64::from(limit)]).await.map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let c = |i: usize| r.try_get::<_, i64>(i).map(n);
            Ok(ComplianceRunInfo {
                id: r.try_get(0)?,
                at: r.try_get(1)?,
                policy_set_version: r.try_get(2)?,
                tenant_id: r.try_get(3)?,
                subjects_evaluated: c(4)?,
                policies_evaluated: c(5)?,
                findings: c(6)?,
                counts: ComplianceCounts {
                    opened: c(7)?,
                    resolved: c(8)?,
                    exempted: c(9)?,
                    reopened: c(10)?,
                    still_open: c(11)?,
                    still_exempted: c(12)?,
                    open_total: c(13)?,
                    exempted_total: c(14)?,
                },
            })
        })
        .collect::<std::result::Result<_, tokio_postgres::Error>>()
        .map_err(db(context))
}

pub(crate) async fn compliance_trend(
    store: &PostgresStore,
    policy_id: Option<&str>,
    limit: u32,
) -> Result<Vec<TrendPoint>> {
    let client = client(store.pool()).await?;
    let context = "reading the compliance trend";
    let limit = i64::from(limit);
    let rows = match policy_id {
        Some(policy) => {
            client
                .query(
                    "SELECT r.id, r.at, r.policy_set_version, r.tenant_id, c.open, c.exempted \
                     FROM compliance_run_policies c JOIN compliance_runs r ON r.id = c.run_id \
                     WHERE c.policy_id = $1 ORDER BY r.id DESC LIMIT $2",
                    &[&policy, &limit],
                )
                .await
        }
        None => {
            client
                .query(
                    "SELECT id, at, policy_set_version, tenant_id, open_total, exempted_total \
                     FROM compliance_runs ORDER BY id DESC LIMIT $1",
                    &[&limit],
                )
                .await
        }
    }
    .map_err(db(context))?;
    let mut points = rows
        .iter()
        .map(|r| {
            Ok(TrendPoint {
                run_id: r.try_get(0)?,
                at: r.try_get(1)?,
                policy_set_version: r.try_get(2)?,
                tenant_id: r.try_get(3)?,
                open: n(r.try_get(4)?),
                exempted: n(r.try_get(5)?),
            })
        })
        .collect::<std::result::Result<Vec<_>, tokio_postgres::Error>>()
        .map_err(db(context))?;
    points.reverse();
    Ok(points)
}

pub(crate) async fn compliance_summary(store: &PostgresStore, tenant_id: Option<&str>) -> Result<ComplianceSummary> {
    let client = client(store.pool()).await?;
    let context = "summarising compliance";
    let rows = client
        .query(
            "SELECT policy_id, level, count(*) FILTER (WHERE state = 'open'), \
             count(*) FILTER (WHERE state = 'exempted') FROM violations \
             WHERE state <> 'resolved' AND ($1::text IS NULL OR tenant_id = $1) GROUP BY policy_id, level",
            &[&tenant_id],
        )
        .await
        .map_err(db(context))?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in &rows {
        let level: String = r.try_get(1).map_err(db(context))?;
        groups.push(PolicyCounts {
            policy_id: r.try_get(0).map_err(db(context))?,
            level: level.parse().map_err(|e| corrupt("violations.level", e))?,
            open: n(r.try_get(2).map_err(db(context))?),
            exempted: n(r.try_get(3).map_err(db(context))?),
        });
    }
    let must: i64 = client
        .query_one(
            "SELECT count(DISTINCT subject_id) FROM violations \
             WHERE state = 'open' AND level = 'must' AND ($1::text IS NULL OR tenant_id = $1)",
            &[&tenant_id],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db(context))?;
    Ok(ComplianceSummary::from_groups(groups, n(must)))
}

pub(crate) async fn open_violation_keys(
    store: &PostgresStore,
    tenant_id: Option<&str>,
) -> Result<Vec<(String, String, String)>> {
    let client = client(store.pool()).await?;
    let context = "reading open violations";
    let rows = client
        .query(
            "SELECT policy_id, subject_id, environment_id FROM violations \
             WHERE state = 'open' AND ($1::text IS NULL OR tenant_id = $1)",
            &[&tenant_id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<std::result::Result<_, tokio_postgres::Error>>()
        .map_err(db(context))
}

// ---- violations -----------------------------------------------------------------------------

const VIOLATION_COLUMNS: &str = "id, policy_id, policy_version, level, subject_kind, subject_id, tenant_id, \
     environment_id, state, exemption_id, opened_at, last_seen_at, resolved_at, evidence";

pub(crate) async fn list_violations(store: &PostgresStore, q: &ViolationQuery) -> Result<Vec<Violation>> {
    let client = client(store.pool()).await?;
    // Only the filters asked for enter the SQL, so a subject filter uses its index.
    let states: Vec<&str> = q.states.iter().map(|s| s.as_str()).collect();
    let levels: Vec<&str> = q.levels.iter().map(|l| l.as_str()).collect();
    let limit: Option<i64> = q.limit.map(i64::from);
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let mut filters: Vec<String> = Vec::new();
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    let lists: [(&str, &(dyn ToSql + Sync), bool); 3] = [
        ("state", &states, states.is_empty()),
        ("level", &levels, levels.is_empty()),
        ("policy_id", &q.policy_ids, q.policy_ids.is_empty()),
    ];
    for (column, values, empty) in lists {
        if !empty {
            params.push(values);
            filters.push(format!("{column} = ANY(${})", params.len()));
        }
    }
    if let Some(ids) = &q.resources_among {
        params.push(ids);
        filters.push(format!("(subject_kind <> 'resource' OR subject_id = ANY(${}))", params.len()));
    }
    for (column, value) in
        [("subject_id", &q.subject_id), ("environment_id", &q.environment_id), ("tenant_id", &q.tenant_id)]
    {
        if let Some(value) = value {
            params.push(value);
            filters.push(format!("{column} = ${}", params.len()));
        }
    }
    let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
    params.push(&limit);
    params.push(&offset);
    let sql = format!(
        "SELECT {VIOLATION_COLUMNS} FROM violations {filter} ORDER BY id LIMIT ${} OFFSET ${}",
        params.len() - 1,
        params.len()
    );
    let rows = client.query(&sql, &params).await.map_err(db("listing violations"))?;
    rows.iter().map(violation).collect()
}

fn violation(r: &Row) -> Result<Violation> {
    let context = "reading a violation";
    let text = |i: usize| r.try_get::<_, String>(i).map_err(db(context));
    let version: i64 = r.try_get(2).map_err(db(context))?;
    let evidence: Json<serde_json::Value> = r.try_get(13).map_err(db(context))?;
    Ok(Violation {
        id: r.try_get(0).map_err(db(context))?,
        policy_id: text(1)?,
        policy_version: u32::try_from(version).map_err(|_| corrupt("violations.policy_version", version))?,
        level: text(3)?.parse().map_err(|e| corrupt("violations.level", e))?,
        subject_kind: text(4)?.parse().map_err(|e| corrupt("violations.subject_kind", e))?,
        subject_id: text(5)?,
        tenant_id: text(6)?,
        environment_id: text(7)?,
        state: text(8)?.parse().map_err(|e| corrupt("violations.state", e))?,
        exemption_id: r.try_get(9).map_err(db(context))?,
        opened_at: r.try_get(10).map_err(db(context))?,
        last_seen_at: r.try_get(11).map_err(db(context))?,
        resolved_at: r.try_get(12).map_err(db(context))?,
        evidence: evidence.0,
    })
}

pub(crate) async fn violation_history(store: &PostgresStore, subject_id: &str) -> Result<Vec<ViolationEvent>> {
    let client = client(store.pool()).await?;
    let context = "reading a violation history";
    let rows = client
        .query(
            "SELECT e.seq, e.violation_id, v.policy_id, v.subject_id, e.kind, e.at, e.run_id, e.exemption_id, e.note \
             FROM violations v JOIN violation_events e ON e.violation_id = v.id \
             WHERE v.subject_id = $1 AND e.violation_id = ANY(ARRAY(SELECT id FROM violations WHERE subject_id = $1)) \
             ORDER BY e.seq",
            &[&subject_id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get(4).map_err(db(context))?;
            Ok(ViolationEvent {
                seq: r.try_get(0).map_err(db(context))?,
                violation_id: r.try_get(1).map_err(db(context))?,
                policy_id: r.try_get(2).map_err(db(context))?,
                subject_id: r.try_get(3).map_err(db(context))?,
                kind: kind.parse().map_err(|e| corrupt("violation_events.kind", e))?,
                at: r.try_get(5).map_err(db(context))?,
                run_id: r.try_get(6).map_err(db(context))?,
                exemption_id: r.try_get(7).map_err(db(context))?,
                note: r.try_get(8).map_err(db(context))?,
            })
        })
        .collect()
}

// ---- exemptions -----------------------------------------------------------------------------

pub(crate) const EXEMPTION_COLUMNS: &str = "id, policy_id, subject_id, environment_id, reason, requested_by, approved_by, \
     created_at, expires_at, revoked_at, revoked_by";

pub(crate) async fn add_exemption(store: &PostgresStore, new: &NewExemption) -> Result<Exemption> {
    new.check()?;
    let client = client(store.pool()).await?;
    let sql = format!(
        "INSERT INTO exemptions (policy_id, subject_id, environment_id, reason, requested_by, approved_by, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {EXEMPTION_COLUMNS}"
    );
    let row = client
        .query_one(
            &sql,
            &[
                &new.policy_id,
                &new.subject_id,
                &new.environment_id,
                &new.reason,
                &new.requested_by,
                &new.approved_by,
                &new.at,
                &new.expires_at,
            ],
        )
        .await
        .map_err(db("adding an exemption"))?;
    exemption(&row)
}

pub(crate) async fn revoke_exemption(store: &PostgresStore, id: i64, by: &str, at: Timestamp) -> Result<Exemption> {
    if by.trim().is_empty() {
        return Err(StoreError::InvalidQuery("who revokes the exemption is required".into()));
    }
    let mut client = client(store.pool()).await?;
    let context = "revoking an exemption";
    let tx = client.transaction().await.map_err(db(context))?;
    let sql = format!("SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE id = $1 FOR UPDATE");
    let current = tx.query_opt(&sql, &[&id]).await.map_err(db(context))?;
    let current = exemption(&current.ok_or_else(|| StoreError::NotFound { what: "exemption", id: id.to_string() })?)?;
    if current.revoked_at.is_some() {
        return Err(already_revoked(&current));
    }
    let sql =
        format!("UPDATE exemptions SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING {EXEMPTION_COLUMNS}");
    let row = tx.query_one(&sql, &[&id, &at, &by]).await.map_err(db(context))?;
    let revoked = exemption(&row)?;
    tx.commit().await.map_err(db(context))?;
    Ok(revoked)
}

pub(crate) async fn list_exemptions(store: &PostgresStore, include_revoked: bool) -> Result<Vec<Exemption>> {
    let client = client(store.pool()).await?;
    let sql = format!("SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE ($1 OR revoked_at IS NULL) ORDER BY id");
    let rows = client.query(&sql, &[&include_revoked]).await.map_err(db("listing exemptions"))?;
    rows.iter().map(exemption).collect()
}

pub(crate) async fn active_exemptions(store: &PostgresStore, at: Timestamp) -> Result<Vec<Exemption>> {
    let client = client(store.pool()).await?;
    // The same rule as `Exemption::is_active`.
    let sql = format!(
        "SELECT {EXEMPTION_COLUMNS} FROM exemptions WHERE created_at <= $1 \
         AND (revoked_at IS NULL OR revoked_at > $1) AND (expires_at IS NULL OR expires_at > $1) ORDER BY id"
    );
    let rows = client.query(&sql, &[&at]).await.map_err(db("listing active exemptions"))?;
    rows.iter().map(exemption).collect()
}

pub(crate) fn exemption(r: &Row) -> Result<Exemption> {
    let read = || -> std::result::Result<Exemption, tokio_postgres::Error> {
        Ok(Exemption {
            id: r.try_get(0)?,
            policy_id: r.try_get(1)?,
            subject_id: r.try_get(2)?,
            environment_id: r.try_get(3)?,
            reason: r.try_get(4)?,
            requested_by: r.try_get(5)?,
            approved_by: r.try_get(6)?,
            created_at: r.try_get(7)?,
            expires_at: r.try_get(8)?,
            revoked_at: r.try_get(9)?,
            revoked_by: r.try_get(10)?,
        })
    };
    read().map_err(db("reading an exemption"))
}
