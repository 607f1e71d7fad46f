//! Between the state machines and the store: a [`Task`] as a stored row and back, a [`Step`]
//! as a stored transition, and the configuration snapshot of a campaign.
//!
//! The store keeps kinds and states as text and knows nothing of the machines; these
//! conversions are the one place where the two meet, so every caller (CLI, server, scheduler)
//! stores the same things the same way.

use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskState};
use crate::plan::OpenTasks;
use crate::task::{STEWARD, Step, Task, TaskData};
use steward_model::Timestamp;
use steward_store::StoreError;
use steward_store::campaigns::{Campaign, CampaignTask, NewCampaign, NewTask, TaskTransition};

/// A campaign to create, with `config` as its snapshot.
pub fn new_campaign(
    kind: CampaignKind,
    title: &str,
    created_by: &str,
    at: Timestamp,
    config: &CampaignConfig,
) -> NewCampaign {
    NewCampaign {
        kind: kind.as_str().to_string(),
        title: title.to_string(),
        created_by: created_by.to_string(),
        created_at: at,
        // Serialising a plain struct of numbers, strings and booleans cannot fail.
        config: serde_json::to_value(config).unwrap_or_default(),
    }
}

/// The kind of a stored campaign.
pub fn campaign_kind(campaign: &Campaign) -> Result<CampaignKind, StoreError> {
    campaign.kind.parse().map_err(|e| corrupt("campaigns.kind", e))
}

/// The configuration a stored campaign runs with (its snapshot). Keys added to the
/// configuration after the campaign was created take their defaults.
pub fn campaign_config(campaign: &Campaign) -> Result<CampaignConfig, StoreError> {
    serde_json::from_value(campaign.config.clone()).map_err(|e| corrupt("campaigns.config", e))
}

/// A planned task as the store adds it, with its opening entry.
pub fn new_task(task: &Task, config: &CampaignConfig) -> NewTask {
    let opening = task.opening_entry();
    NewTask {
        tenant_id: task.tenant_id.clone(),
        kind: task.kind().as_str().to_string(),
        resource_id: task.resource_id.clone(),
        environment_id: task.environment_id.clone(),
        assignee: task.assignee.clone(),
        state: task.state.as_str().to_string(),
        open: task.is_open(),
        due_at: task.due_at(config),
        opened_at: task.opened_at,
        data: data_json(&task.data),
        opened_by: STEWARD.to_string(),
        note: opening.note,
    }
}

/// A stored task as the state machines see it.
pub fn task_from_row(row: &CampaignTask) -> Result<Task, StoreError> {
    let kind: CampaignKind = row.kind.parse().map_err(|e| corrupt("campaign_tasks.kind", e))?;
    let state = TaskState::parse(kind, &row.state).map_err(|e| corrupt("campaign_tasks.state", e))?;
    let data: TaskData = serde_json::from_value(row.data.clone()).map_err(|e| corrupt("campaign_tasks.data", e))?;
    Ok(Task {
        tenant_id: row.tenant_id.clone(),
        resource_id: row.resource_id.clone(),
        environment_id: row.environment_id.clone(),
        assignee: row.assignee.clone(),
        state,
        opened_at: row.opened_at,
        updated_at: row.updated_at,
        data,
    })
}

/// The stored transition of `step`, computed from `task` as it was loaded: the store applies
/// it only if the task still has the step's `from` state and the loaded update time.
pub fn transition(task: &Task, step: &Step, config: &CampaignConfig) -> TaskTransition {
    let mut after = task.clone();
    // A step computed from another state gives a transition the store refuses as stale; the
    // due time is then never used.
    let _ = after.apply(step);
    let audit = step.audit();
    TaskTransition {
        expected_state: step.from.as_str().to_string(),
        expected_updated_at: Some(task.updated_at),
        state: step.to.as_str().to_string(),
        open: step.to.is_open(),
        assignee: step.assignee.clone(),
        due_at: after.due_at(config),
        data: data_json(&step.data),
        at: step.at,
        actor: audit.actor,
        action: audit.action,
        note: audit.note,
    }
}

/// The open tasks among stored rows, for the planners.
pub fn open_tasks<'a>(rows: impl IntoIterator<Item = &'a CampaignTask>) -> OpenTasks {
    rows.into_iter()
        .filter(|r| r.open)
        .filter_map(|r| Some((r.kind.parse::<CampaignKind>().ok()?, r.resource_id.clone())))
        .collect()
}

fn data_json(data: &TaskData) -> serde_json::Value {
    // Strings, numbers, timestamps and lists of them: serialising cannot fail.
    serde_json::to_value(data).unwrap_or_default()
}

fn corrupt(what: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), reason: reason.to_string() }
}
