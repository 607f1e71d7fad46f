//! Campaigns on PostgreSQL: campaigns, their tasks and every task's history.
//!
//! Replicas may write at once, so every write locks what it checks: adding tasks and closing a
//! campaign lock the campaign row (a campaign cannot close while tasks go in), a transition
//! locks its task row (`FOR UPDATE`) before comparing the expected state. The one-open-task
//! rule is a partial unique index: of two replicas inserting the same task, the second waits
//! for the first and then does nothing (`ON CONFLICT … DO NOTHING`).

use crate::PostgresStore;
use crate::error::{client, corrupt, db};
use deadpool_postgres::GenericClient;
use steward_model::Timestamp;
use steward_store::campaigns::{
    AddedTasks, Campaign, CampaignQuery, CampaignState, CampaignTask, CampaignTaskEvent, NewCampaign, NewTask,
    OPEN_ACTION, TaskQuery, TaskTransition, TransitionOutcome, check_close, check_new_campaign, check_new_tasks,
    check_transition, is_current,
};
use steward_store::{Result, StoreError};
use tokio_postgres::types::Json;

const CAMPAIGN_COLUMNS: &str = "c.id, c.kind, c.title, c.created_by, c.created_at, c.config, c.state, c.closed_by, \
     c.closed_at, (SELECT count(*) FROM campaign_tasks t WHERE t.campaign_id = c.id), \
     (SELECT count(*) FROM campaign_tasks t WHERE t.campaign_id = c.id AND t.open)";

const TASK_COLUMNS: &str = "id, campaign_id, tenant_id, kind, resource_id, environment_id, assignee, state, open, \
     due_at, opened_at, updated_at, data";

pub(crate) async fn create(store: &PostgresStore, campaign: &NewCampaign) -> Result<Campaign> {
    check_new_campaign(campaign)?;
    let client = client(store.pool()).await?;
    let context = "creating a campaign";
    let row = client
        .query_one(
            "INSERT INTO campaigns (kind, title, created_by, created_at, config, state) \
             VALUES ($1, $2, $3, $4, $5, 'open') RETURNING id",
            &[&campaign.kind, &campaign.title, &campaign.created_by, &campaign.created_at, &Json(&campaign.config)],
        )
        .await
        .map_err(db(context))?;
    let id: i64 = row.try_get(0).map_err(db(context))?;
    read_campaign(&client, id).await?.ok_or_else(|| not_found("campaign", id))
}

pub(crate) async fn get(store: &PostgresStore, id: i64) -> Result<Option<Campaign>> {
    let client = client(store.pool()).await?;
    read_campaign(&client, id).await
}

pub(crate) async fn list(store: &PostgresStore, q: &CampaignQuery) -> Result<Vec<Campaign>> {
    let client = client(store.pool()).await?;
    let sql = format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE ($1::text IS NULL OR c.kind = $1) \
         AND ($2::text IS NULL OR c.state = $2) ORDER BY c.id"
    );
    let rows =
        client.query(&sql, &[&q.kind, &q.state.map(CampaignState::as_str)]).await.map_err(db("listing campaigns"))?;
    rows.iter().map(campaign).collect()
}

pub(crate) async fn close(store: &PostgresStore, id: i64, by: &str, at: Timestamp) -> Result<Campaign> {
    let mut client = client(store.pool()).await?;
    let context = "closing a campaign";
    let tx = client.transaction().await.map_err(db(context))?;
    lock_campaign(&tx, id).await?;
    let current = read_campaign(&tx, id).await?.ok_or_else(|| not_found("campaign", id))?;
    check_close(&current)?;
    tx.execute("UPDATE campaigns SET state = 'closed', closed_by = $2, closed_at = $3 WHERE id = $1", &[&id, &by, &at])
        .await
        .map_err(db(context))?;
    let closed = read_campaign(&tx, id).await?.ok_or_else(|| not_found("campaign", id))?;
    tx.commit().await.map_err(db(context))?;
    Ok(closed)
}

pub(crate) async fn add_tasks(store: &PostgresStore, campaign_id: i64, tasks: &[NewTask]) -> Result<AddedTasks> {
    let mut client = client(store.pool()).await?;
    let context = "adding campaign tasks";
    let tx = client.transaction().await.map_err(db(context))?;
    lock_campaign(&tx, campaign_id).await?;
    let c = read_campaign(&tx, campaign_id).await?.ok_or_else(|| not_found("campaign", campaign_id))?;
    check_new_tasks(campaign_id, &c.kind, c.state, tasks)?;
    let insert = tx
        .prepare(
            "INSERT INTO campaign_tasks (campaign_id, tenant_id, kind, resource_id, environment_id, assignee, state, \
             open, due_at, opened_at, updated_at, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) \
             ON CONFLICT (kind, resource_id) WHERE open DO NOTHING RETURNING id",
        )
        .await
        .map_err(db(context))?;
    let mut out = AddedTasks::default();
    for t in tasks {
        let row = tx
            .query_opt(
                &insert,
                &[
                    &campaign_id,
                    &t.tenant_id,
                    &t.kind,
                    &t.resource_id,
                    &t.environment_id,
                    &t.assignee,
                    &t.state,
                    &t.open,
                    &t.due_at,
                    &t.opened_at,
                    &Json(&t.data),
                ],
            )
            .await
            .map_err(db(context))?;
        let Some(row) = row else {
            out.skipped.push(t.resource_id.clone());
            continue;
        };
        let id: i64 = row.try_get(0).map_err(db(context))?;
        add_event(&tx, id, t.opened_at, &t.opened_by, None, &t.state, OPEN_ACTION, t.note.as_deref()).await?;
        out.added.push(id);
    }
    tx.commit().await.map_err(db("committing campaign tasks"))?;
    Ok(out)
}

pub(crate) async fn get_task(store: &PostgresStore, id: i64) -> Result<Option<CampaignTask>> {
    let client = client(store.pool()).await?;
    read_task(&client, id, false).await
}

pub(crate) async fn list_tasks(store: &PostgresStore, q: &TaskQuery) -> Result<Vec<CampaignTask>> {
    let client = client(store.pool()).await?;
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM campaign_tasks WHERE ($1::bigint IS NULL OR campaign_id = $1) \
         AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR assignee = $3) \
         AND ($4::text IS NULL OR state = $4) AND ($5::text IS NULL OR resource_id = $5) \
         AND ($6::boolean IS NULL OR open = $6) AND ($7::timestamptz IS NULL OR due_at <= $7) ORDER BY id"
    );
    let rows = client
        .query(&sql, &[&q.campaign_id, &q.kind, &q.assignee, &q.state, &q.resource_id, &q.open, &q.due_before])
        .await
        .map_err(db("listing campaign tasks"))?;
    rows.iter().map(task).collect()
}

pub(crate) async fn apply_transition(store: &PostgresStore, id: i64, t: &TaskTransition) -> Result<TransitionOutcome> {
    check_transition(t)?;
    let mut client = client(store.pool()).await?;
    let context = "applying a task transition";
    let tx = client.transaction().await.map_err(db(context))?;
    let current = read_task(&tx, id, true).await?.ok_or_else(|| not_found("campaign task", id))?;
    if !is_current(&current, t) {
        return Ok(TransitionOutcome::Stale(current));
    }
    tx.execute(
        "UPDATE campaign_tasks SET state = $2, open = $3, assignee = $4, due_at = $5, updated_at = $6, data = $7 \
         WHERE id = $1",
        &[&id, &t.state, &t.open, &t.assignee, &t.due_at, &t.at, &Json(&t.data)],
    )
    .await
    .map_err(db(context))?;
    add_event(&tx, id, t.at, &t.actor, Some(&current.state), &t.state, &t.action, t.note.as_deref()).await?;
    let updated = read_task(&tx, id, false).await?.ok_or_else(|| not_found("campaign task", id))?;
    tx.commit().await.map_err(db("committing a task transition"))?;
    Ok(TransitionOutcome::Applied(updated))
}

pub(crate) async fn history(store: &PostgresStore, id: i64) -> Result<Vec<CampaignTaskEvent>> {
    let client = client(store.pool()).await?;
    let context = "reading a task's history";
    let rows = client
        .query(
            "SELECT at, actor, from_state, to_state, action, note FROM campaign_events WHERE task_id = $1 ORDER BY seq",
            &[&id],
        )
        .await
        .map_err(db(context))?;
    rows.iter()
        .map(|r| {
            Ok(CampaignTaskEvent {
                task_id: id,
                at: r.try_get(0).map_err(db(context))?,
                actor: r.try_get(1).map_err(db(context))?,
                from_state: r.try_get(2).map_err(db(context))?,
                to_state: r.try_get(3).map_err(db(context))?,
                action: r.try_get(4).map_err(db(context))?,
                note: r.try_get(5).map_err(db(context))?,
            })
        })
        .collect()
}

async fn lock_campaign<C: GenericClient>(client: &C, id: i64) -> Result<()> {
    let row = client
        .query_opt("SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(db("locking a campaign"))?;
    row.map(|_| ()).ok_or_else(|| not_found("campaign", id))
}

#[allow(clippy::too_many_arguments)]
async fn add_event<C: GenericClient>(
    client: &C,
    task_id: i64,
    at: Timestamp,
    actor: &str,
    from: Option<&str>,
    to: &str,
    action: &str,
    note: Option<&str>,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO campaign_events (task_id, at, actor, from_state, to_state, action, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&task_id, &at, &actor, &from, &to, &action, &note],
        )
        .await
        .map_err(db("recording a task's history"))?;
    Ok(())
}

async fn read_campaign<C: GenericClient>(client: &C, id: i64) -> Result<Option<Campaign>> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.id = $1");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading a campaign"))?;
    row.as_ref().map(campaign).transpose()
}

async fn read_task<C: GenericClient>(client: &C, id: i64, for_update: bool) -> Result<Option<CampaignTask>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {TASK_COLUMNS} FROM campaign_tasks WHERE id = $1{lock}");
    let row = client.query_opt(&sql, &[&id]).await.map_err(db("reading a campaign task"))?;
    row.as_ref().map(task).transpose()
}

fn campaign(r: &tokio_postgres::Row) -> Result<Campaign> {
    let context = "reading a campaign";
    let config: Json<serde_json::Value> = r.try_get(5).map_err(db(context))?;
    let state: String = r.try_get(6).map_err(db(context))?;
    let tasks: i64 = r.try_get(9).map_err(db(context))?;
    let open_tasks: i64 = r.try_get(10).map_err(db(context))?;
    Ok(Campaign {
        id: r.try_get(0).map_err(db(context))?,
        kind: r.try_get(1).map_err(db(context))?,
        title: r.try_get(2).map_err(db(context))?,
        created_by: r.try_get(3).map_err(db(context))?,
        created_at: r.try_get(4).map_err(db(context))?,
        config: config.0,
        state: state.parse().map_err(|e| corrupt("campaigns.state", e))?,
        closed_by: r.try_get(7).map_err(db(context))?,
        closed_at: r.try_get(8).map_err(db(context))?,
        tasks: u64::try_from(tasks).unwrap_or(0),
        open_tasks: u64::try_from(open_tasks).unwrap_or(0),
    })
}

fn task(r: &tokio_postgres::Row) -> Result<CampaignTask> {
    let context = "reading a campaign task";
    let data: Json<serde_json::Value> = r.try_get(12).map_err(db(context))?;
    Ok(CampaignTask {
        id: r.try_get(0).map_err(db(context))?,
        campaign_id: r.try_get(1).map_err(db(context))?,
        tenant_id: r.try_get(2).map_err(db(context))?,
        kind: r.try_get(3).map_err(db(context))?,
        resource_id: r.try_get(4).map_err(db(context))?,
        environment_id: r.try_get(5).map_err(db(context))?,
        assignee: r.try_get(6).map_err(db(context))?,
        state: r.try_get(7).map_err(db(context))?,
        open: r.try_get(8).map_err(db(context))?,
        due_at: r.try_get(9).map_err(db(context))?,
        opened_at: r.try_get(10).map_err(db(context))?,
        updated_at: r.try_get(11).map_err(db(context))?,
        data: data.0,
    })
}

fn not_found(what: &'static str, id: i64) -> StoreError {
    StoreError::NotFound { what, id: id.to_string() }
}
