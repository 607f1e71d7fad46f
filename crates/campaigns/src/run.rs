//! Campaign operations over a store: open a campaign, add what the planners chose, record an
//! answer, and take every time-driven step that is due. What the CLI, the server and a
//! scheduler call; each step is written with the store's optimistic check, so two replicas
//! running at once never apply the same step twice.

use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TransitionError};
use crate::persist;
use crate::task::{Answer, Step, Task, advance};
use steward_model::Timestamp;
use steward_store::campaigns::{
    AddedTasks, Campaign, CampaignQuery, CampaignState, CampaignTask, TaskQuery, TransitionOutcome,
};
use steward_store::{Store, StoreError};

/// Why a campaign operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(transparent)]
    Refused(#[from] TransitionError),

    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    #[error("campaign task {id} changed meanwhile and is now `{state}`; look at it again before answering")]
    Stale { id: i64, state: String },

    #[error("campaign task {id} is a {task} task, but campaign {campaign} is a {campaign_kind} campaign")]
    Mismatch { id: i64, task: String, campaign: i64, campaign_kind: String },

    /// What the planners are fed from cannot be read (the policy set, the usage figures), or
    /// a request names something that does not fit (an unknown answer, a missing reason).
    #[error("{0}")]
    Feed(String),
}

/// A step written to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub task_id: i64,
    pub step: Step,
    /// The task as stored after the step.
    pub task: CampaignTask,
}

/// What [`run_due`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueReport {
    /// Steps taken, in order; those with `step.recommend` make a write action due.
    pub applied: Vec<Applied>,
    /// Tasks another writer moved while this run computed their steps (left to that writer).
    pub stale: Vec<i64>,
}

/// Create an open campaign running with `config`.
pub async fn open_campaign(
    store: &dyn Store,
    kind: CampaignKind,
    title: &str,
    by: &str,
    now: Timestamp,
    config: &CampaignConfig,
) -> Result<Campaign, CampaignError> {
    config.validate()?;
    Ok(store.create_campaign(&persist::new_campaign(kind, title, by, now, config)).await?)
}

/// The open tasks of every campaign, for the planners' duplicate check.
pub async fn open_tasks(store: &dyn Store) -> Result<crate::plan::OpenTasks, CampaignError> {
    let rows = store.list_campaign_tasks(&TaskQuery { open: Some(true), ..TaskQuery::default() }).await?;
    Ok(persist::open_tasks(&rows))
}

/// Add planned tasks to a campaign (due times from the campaign's configuration snapshot).
/// Resources that meanwhile got an open task of the kind are skipped and reported.
pub async fn add_planned(store: &dyn Store, campaign: &Campaign, tasks: &[Task]) -> Result<AddedTasks, CampaignError> {
    let config = persist::campaign_config(campaign)?;
    let rows: Vec<_> = tasks.iter().map(|t| persist::new_task(t, &config)).collect();
    Ok(store.add_campaign_tasks(campaign.id, &rows).await?)
}

/// Record `answer`, given by `by` at `now`, on a stored task (see [`crate::manage::answer_task`]).
pub async fn answer(
    store: &dyn Store,
    task_id: i64,
    answer: &Answer,
    by: &str,
    now: Timestamp,
) -> Result<Applied, CampaignError> {
    // One path for every answer, so that an answer's effects (a promotion's stage move) are
    // the same from the CLI, the API and the scheduler.
    crate::manage::answer_task(store, task_id, answer, by, None, now).await
}

/// Take every time-driven step due at `now` in every open campaign, each campaign with its own
/// configuration snapshot.
pub async fn run_due(store: &dyn Store, now: Timestamp) -> Result<DueReport, CampaignError> {
    let mut report = DueReport::default();
    let open = CampaignQuery { state: Some(CampaignState::Open), ..CampaignQuery::default() };
    for campaign in store.list_campaigns(&open).await? {
        let config = persist::campaign_config(&campaign)?;
        let due = TaskQuery {
            campaign_id: Some(campaign.id),
            open: Some(true),
            due_before: Some(now),
            ..TaskQuery::default()
        };
        for row in store.list_campaign_tasks(&due).await? {
            let mut task = persist::task_from_row(&row)?;
            for step in advance(&task, now, &config) {
                match apply(store, row.id, &task, step, &config).await? {
                    Ok(applied) => {
                        task = persist::task_from_row(&applied.task)?;
                        report.applied.push(applied);
                    }
                    Err(_) => {
                        report.stale.push(row.id);
                        break;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Write one step; `Err(task as it is)` when the task moved since it was loaded.
async fn apply(
    store: &dyn Store,
    task_id: i64,
    task: &Task,
    step: Step,
    config: &CampaignConfig,
) -> Result<Result<Applied, CampaignTask>, CampaignError> {
    let transition = persist::transition(task, &step, config);
    Ok(match store.apply_task_transition(task_id, &transition).await? {
        TransitionOutcome::Applied(row) => Ok(Applied { task_id, step, task: row }),
        TransitionOutcome::Stale(row) => Err(row),
    })
}

/// A stored task and its campaign, checked to be of the same kind.
pub async fn load(store: &dyn Store, task_id: i64) -> Result<(CampaignTask, Campaign), CampaignError> {
    let row = store
        .get_campaign_task(task_id)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "campaign task", id: task_id.to_string() })?;
    let campaign = store
        .get_campaign(row.campaign_id)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "campaign", id: row.campaign_id.to_string() })?;
    if campaign.kind != row.kind {
        return Err(CampaignError::Mismatch {
            id: task_id,
            task: row.kind,
            campaign: campaign.id,
            campaign_kind: campaign.kind,
        });
    }
    Ok((row, campaign))
}
