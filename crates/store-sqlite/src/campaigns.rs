//! Campaigns on SQLite: campaigns, their tasks and every task's history.
//!
//! Writes run on the writer thread, each in its own transaction, so checking a task's state
//! and writing its transition cannot interleave with another writer. The one-open-task rule is
//! a partial unique index; an insert it refuses is skipped (`ON CONFLICT DO NOTHING`).

use crate::SqliteStore;
use rusqlite::{Connection, OptionalExtension, Row, params};
use steward_model::Timestamp;
use steward_store::campaigns::{
    AddedTasks, Campaign, CampaignQuery, CampaignState, CampaignTask, CampaignTaskEvent, NewCampaign, NewTask,
    OPEN_ACTION, TaskQuery, TaskTransition, TransitionOutcome, check_close, check_new_campaign, check_new_tasks,
    check_transition, is_current,
};
use steward_store::{Result, StoreError};

const CAMPAIGN_COLUMNS: &str = "c.id, c.kind, c.title, c.created_by, c.created_at, c.config, c.state, c.closed_by, \
     c.closed_at, (SELECT count(*) FROM campaign_tasks t WHERE t.campaign_id = c.id), \
     (SELECT count(*) FROM campaign_tasks t WHERE t.campaign_id = c.id AND t.open = 1)";

const TASK_COLUMNS: &str = "id, campaign_id, tenant_id, kind, resource_id, environment_id, assignee, state, open, \
     due_at, opened_at, updated_at, data";

pub(crate) async fn create(store: &SqliteStore, campaign: &NewCampaign) -> Result<Campaign> {
    check_new_campaign(campaign)?;
    let c = campaign.clone();
    store
        .writer
        .run(move |conn| {
            let tx = conn.transaction().map_err(|e| StoreError::backend("starting to create a campaign", e))?;
            tx.execute(
                "INSERT INTO campaigns (kind, title, created_by, created_at, config, state) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open')",
                params![c.kind, c.title, c.created_by, c.created_at.timestamp_millis(), c.config.to_string()],
            )
            .map_err(|e| StoreError::backend("creating a campaign", e))?;
            let id = tx.last_insert_rowid();
            let created = read_campaign(&tx, id)?.ok_or_else(|| not_found("campaign", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a new campaign", e))?;
            Ok(created)
        })
        .await
}

pub(crate) async fn get(store: &SqliteStore, id: i64) -> Result<Option<Campaign>> {
    store.read(move |conn| read_campaign(conn, id)).await
}

pub(crate) async fn list(store: &SqliteStore, query: &CampaignQuery) -> Result<Vec<Campaign>> {
    let q = query.clone();
    store
        .read(move |conn| {
            let context = "listing campaigns";
            let sql = format!(
                "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE (?1 IS NULL OR c.kind = ?1) \
                 AND (?2 IS NULL OR c.state = ?2) ORDER BY c.id"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map(params![q.kind, q.state.map(CampaignState::as_str)], raw_campaign)
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(campaign(row.map_err(|e| StoreError::backend(context, e))?)?);
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn close(store: &SqliteStore, id: i64, by: &str, at: Timestamp) -> Result<Campaign> {
    let by = by.to_string();
    store
        .writer
        .run(move |conn| {
            let tx = conn.transaction().map_err(|e| StoreError::backend("starting to close a campaign", e))?;
            let current = read_campaign(&tx, id)?.ok_or_else(|| not_found("campaign", id))?;
            check_close(&current)?;
            tx.execute(
                "UPDATE campaigns SET state = 'closed', closed_by = ?2, closed_at = ?3 WHERE id = ?1",
                params![id, by, at.timestamp_millis()],
            )
            .map_err(|e| StoreError::backend("closing a campaign", e))?;
            let closed = read_campaign(&tx, id)?.ok_or_else(|| not_found("campaign", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a campaign's closing", e))?;
            Ok(closed)
        })
        .await
}

pub(crate) async fn add_tasks(store: &SqliteStore, campaign_id: i64, tasks: &[NewTask]) -> Result<AddedTasks> {
    let tasks = tasks.to_vec();
    store
        .writer
        .run(move |conn| {
            let context = "adding campaign tasks";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            let c = read_campaign(&tx, campaign_id)?.ok_or_else(|| not_found("campaign", campaign_id))?;
            check_new_tasks(campaign_id, &c.kind, c.state, &tasks)?;
            let mut out = AddedTasks::default();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO campaign_tasks (campaign_id, tenant_id, kind, resource_id, environment_id, \
                         assignee, state, open, due_at, opened_at, updated_at, data) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11) ON CONFLICT DO NOTHING",
                    )
                    .map_err(|e| StoreError::backend(context, e))?;
                for t in &tasks {
                    let opened = t.opened_at.timestamp_millis();
                    let inserted = insert
                        .execute(params![
                            campaign_id,
                            t.tenant_id,
                            t.kind,
                            t.resource_id,
                            t.environment_id,
                            t.assignee,
                            t.state,
                            i64::from(t.open),
                            t.due_at.map(|d| d.timestamp_millis()),
                            opened,
                            t.data.to_string(),
                        ])
                        .map_err(|e| StoreError::backend(context, e))?;
                    if inserted == 0 {
                        out.skipped.push(t.resource_id.clone());
                        continue;
                    }
                    let id = tx.last_insert_rowid();
                    add_event(&tx, id, opened, &t.opened_by, None, &t.state, OPEN_ACTION, t.note.as_deref())?;
                    out.added.push(id);
                }
            }
            tx.commit().map_err(|e| StoreError::backend("committing campaign tasks", e))?;
            Ok(out)
        })
        .await
}

pub(crate) async fn get_task(store: &SqliteStore, id: i64) -> Result<Option<CampaignTask>> {
    store.read(move |conn| read_task(conn, id)).await
}

pub(crate) async fn list_tasks(store: &SqliteStore, query: &TaskQuery) -> Result<Vec<CampaignTask>> {
    let q = query.clone();
    store
        .read(move |conn| {
            let context = "listing campaign tasks";
            let sql = format!(
                "SELECT {TASK_COLUMNS} FROM campaign_tasks WHERE (?1 IS NULL OR campaign_id = ?1) \
                 AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR assignee = ?3) AND (?4 IS NULL OR state = ?4) \
                 AND (?5 IS NULL OR resource_id = ?5) AND (?6 IS NULL OR open = ?6) \
                 AND (?7 IS NULL OR due_at <= ?7) ORDER BY id"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map(
                    params![
                        q.campaign_id,
                        q.kind,
                        q.assignee,
                        q.state,
                        q.resource_id,
                        q.open.map(i64::from),
                        q.due_before.map(|d| d.timestamp_millis()),
                    ],
                    raw_task,
                )
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(task(row.map_err(|e| StoreError::backend(context, e))?)?);
            }
            Ok(out)
        })
        .await
}

pub(crate) async fn apply_transition(
    store: &SqliteStore,
    id: i64,
    transition: &TaskTransition,
) -> Result<TransitionOutcome> {
    check_transition(transition)?;
    let t = transition.clone();
    store
        .writer
        .run(move |conn| {
            let context = "applying a task transition";
            let tx = conn.transaction().map_err(|e| StoreError::backend(context, e))?;
            let current = read_task(&tx, id)?.ok_or_else(|| not_found("campaign task", id))?;
            if !is_current(&current, &t) {
                return Ok(TransitionOutcome::Stale(current));
            }
            let at = t.at.timestamp_millis();
            tx.execute(
                "UPDATE campaign_tasks SET state = ?2, open = ?3, assignee = ?4, due_at = ?5, updated_at = ?6, \
                 data = ?7 WHERE id = ?1",
                params![
                    id,
                    t.state,
                    i64::from(t.open),
                    t.assignee,
                    t.due_at.map(|d| d.timestamp_millis()),
                    at,
                    t.data.to_string()
                ],
            )
            .map_err(|e| StoreError::backend(context, e))?;
            add_event(&tx, id, at, &t.actor, Some(&current.state), &t.state, &t.action, t.note.as_deref())?;
            let updated = read_task(&tx, id)?.ok_or_else(|| not_found("campaign task", id))?;
            tx.commit().map_err(|e| StoreError::backend("committing a task transition", e))?;
            Ok(TransitionOutcome::Applied(updated))
        })
        .await
}

pub(crate) async fn history(store: &SqliteStore, id: i64) -> Result<Vec<CampaignTaskEvent>> {
    store
        .read(move |conn| {
            let context = "reading a task's history";
            let mut stmt = conn
                .prepare_cached(
                    "SELECT at, actor, from_state, to_state, action, note FROM campaign_events \
                     WHERE task_id = ?1 ORDER BY seq",
                )
                .map_err(|e| StoreError::backend(context, e))?;
            let rows = stmt
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                })
                .map_err(|e| StoreError::backend(context, e))?;
            let mut out = Vec::new();
            for row in rows {
                let (at, actor, from_state, to_state, action, note) =
                    row.map_err(|e| StoreError::backend(context, e))?;
                out.push(CampaignTaskEvent {
                    task_id: id,
                    at: millis(at, "campaign_events.at")?,
                    actor,
                    from_state,
                    to_state,
                    action,
                    note,
                });
            }
            Ok(out)
        })
        .await
}

#[allow(clippy::too_many_arguments)]
fn add_event(
    conn: &Connection,
    task_id: i64,
    at: i64,
    actor: &str,
    from: Option<&str>,
    to: &str,
    action: &str,
    note: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO campaign_events (task_id, at, actor, from_state, to_state, action, note) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut stmt| stmt.execute(params![task_id, at, actor, from, to, action, note]))
    .map_err(|e| StoreError::backend("recording a task's history", e))?;
    Ok(())
}

fn read_campaign(conn: &Connection, id: i64) -> Result<Option<Campaign>> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.id = ?1");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], raw_campaign).optional())
        .map_err(|e| StoreError::backend("reading a campaign", e))?;
    raw.map(campaign).transpose()
}

fn read_task(conn: &Connection, id: i64) -> Result<Option<CampaignTask>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM campaign_tasks WHERE id = ?1");
    let raw = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([id], raw_task).optional())
        .map_err(|e| StoreError::backend("reading a campaign task", e))?;
    raw.map(task).transpose()
}

/// A campaign row as stored, converted outside the driver's closure so errors can say which column.
struct RawCampaign {
    id: i64,
    kind: String,
    title: String,
    created_by: String,
    created_at: i64,
    config: String,
    state: String,
    closed_by: Option<String>,
    closed_at: Option<i64>,
    tasks: i64,
    open_tasks: i64,
}

fn raw_campaign(r: &Row<'_>) -> rusqlite::Result<RawCampaign> {
    Ok(RawCampaign {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        created_by: r.get(3)?,
        created_at: r.get(4)?,
        config: r.get(5)?,
        state: r.get(6)?,
        closed_by: r.get(7)?,
        closed_at: r.get(8)?,
        tasks: r.get(9)?,
        open_tasks: r.get(10)?,
    })
}

fn campaign(r: RawCampaign) -> Result<Campaign> {
    Ok(Campaign {
        id: r.id,
        kind: r.kind,
        title: r.title,
        created_by: r.created_by,
        created_at: millis(r.created_at, "campaigns.created_at")?,
        config: serde_json::from_str(&r.config).map_err(|e| corrupt("campaigns.config", e))?,
        state: r.state.parse().map_err(|e| corrupt("campaigns.state", e))?,
        closed_by: r.closed_by,
        closed_at: r.closed_at.map(|ms| millis(ms, "campaigns.closed_at")).transpose()?,
        tasks: u64::try_from(r.tasks).unwrap_or(0),
        open_tasks: u64::try_from(r.open_tasks).unwrap_or(0),
    })
}

struct RawTask {
    id: i64,
    campaign_id: i64,
    tenant_id: String,
    kind: String,
    resource_id: String,
    environment_id: String,
    assignee: String,
    state: String,
    open: i64,
    due_at: Option<i64>,
    opened_at: i64,
    updated_at: i64,
    data: String,
}

fn raw_task(r: &Row<'_>) -> rusqlite::Result<RawTask> {
    Ok(RawTask {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        tenant_id: r.get(2)?,
        kind: r.get(3)?,
        resource_id: r.get(4)?,
        environment_id: r.get(5)?,
        assignee: r.get(6)?,
        state: r.get(7)?,
        open: r.get(8)?,
        due_at: r.get(9)?,
        opened_at: r.get(10)?,
        updated_at: r.get(11)?,
        data: r.get(12)?,
    })
}

fn task(r: RawTask) -> Result<CampaignTask> {
    Ok(CampaignTask {
        id: r.id,
        campaign_id: r.campaign_id,
        tenant_id: r.tenant_id,
        kind: r.kind,
        resource_id: r.resource_id,
        environment_id: r.environment_id,
        assignee: r.assignee,
        state: r.state,
        open: r.open != 0,
        due_at: r.due_at.map(|ms| millis(ms, "campaign_tasks.due_at")).transpose()?,
        opened_at: millis(r.opened_at, "campaign_tasks.opened_at")?,
        updated_at: millis(r.updated_at, "campaign_tasks.updated_at")?,
        data: serde_json::from_str(&r.data).map_err(|e| corrupt("campaign_tasks.data", e))?,
    })
}

fn millis(ms: i64, what: &str) -> Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(what, ms))
}

fn corrupt(what: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), reason: reason.to_string() }
}

fn not_found(what: &'static str, id: i64) -> StoreError {
    StoreError::NotFound { what, id: id.to_string() }
}
