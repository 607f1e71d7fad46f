//! Campaigns as the store keeps them: campaigns, their tasks, and every task's history.
//!
//! The state machines live in `steward-campaigns`; the store keeps kinds and states as text
//! and knows only what it must enforce itself, the same way on every backend:
//! - **one open task per kind and resource**: adding a task for a resource that already has
//!   an open task of the same kind (in any campaign, or earlier in the same batch) skips it;
//!   a unique index on open tasks makes this hold under concurrent writers too;
//! - **optimistic concurrency**: a transition names the state (and, optionally, the last
//!   update time) it was computed from; it is applied only if the stored task still has them,
//!   checked in the transaction that writes it, else nothing is written and the caller gets
//!   the task as it is now ([`TransitionOutcome::Stale`]);
//! - every write to a task adds its event to the history in the same transaction.

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

/// Whether a campaign still takes tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    Open,
    Closed,
}

impl CampaignState {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Open => "open",
            CampaignState::Closed => "closed",
        }
    }
}

impl std::fmt::Display for CampaignState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CampaignState {
    type Err = steward_model::UnknownValue;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "open" => Ok(CampaignState::Open),
            "closed" => Ok(CampaignState::Closed),
            _ => Err(steward_model::UnknownValue {
                what: "campaign state",
                value: s.to_string(),
                expected: "open, closed".to_string(),
            }),
        }
    }
}

/// A campaign to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCampaign {
    /// `compliance`, `inactivity`, `orphaned` or `quarantine` (the store does not interpret it).
    pub kind: String,
    pub title: String,
    pub created_by: String,
    pub created_at: Timestamp,
    /// The `[campaigns]` configuration the campaign runs with, as JSON.
    pub config: serde_json::Value,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub config: serde_json::Value,
    pub state: CampaignState,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    /// Tasks in the campaign, and how many of them are open.
    pub tasks: u64,
    pub open_tasks: u64,
}

/// Which campaigns [`crate::Store::list_campaigns`] returns, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignQuery {
    pub kind: Option<String>,
    pub state: Option<CampaignState>,
}

impl CampaignQuery {
    /// Whether a campaign matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, c: &Campaign) -> bool {
        self.kind.as_ref().is_none_or(|k| *k == c.kind) && self.state.is_none_or(|s| s == c.state)
    }
}

/// A task to add to a campaign, with the opening entry of its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    pub tenant_id: String,
    /// Must be the campaign's kind.
    pub kind: String,
    pub resource_id: String,
    pub environment_id: String,
    /// Principal id (or team) asked to act.
    pub assignee: String,
    pub state: String,
    /// Whether `state` is an open state (the state machine knows; the store keeps it).
    pub open: bool,
    /// When the next time-driven step falls due, if any.
    pub due_at: Option<Timestamp>,
    pub opened_at: Timestamp,
    pub data: serde_json::Value,
    /// Who opened it (usually "steward") and why, for the history's first entry (action `open`).
    pub opened_by: String,
    pub note: Option<String>,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignTask {
    pub id: i64,
    pub campaign_id: i64,
    pub tenant_id: String,
    pub kind: String,
    pub resource_id: String,
    pub environment_id: String,
    pub assignee: String,
    pub state: String,
    pub open: bool,
    pub due_at: Option<Timestamp>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    pub data: serde_json::Value,
}

/// Which tasks [`crate::Store::list_campaign_tasks`] returns, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskQuery {
    pub campaign_id: Option<i64>,
    pub kind: Option<String>,
    pub assignee: Option<String>,
    pub state: Option<String>,
    pub resource_id: Option<String>,
    /// Only open (`Some(true)`) or closed (`Some(false)`) tasks.
    pub open: Option<bool>,
    /// Only tasks with a time-driven step due at or before this time (what a scheduler runs).
    pub due_before: Option<Timestamp>,
}

impl TaskQuery {
    /// Whether a task matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, t: &CampaignTask) -> bool {
        self.campaign_id.is_none_or(|c| c == t.campaign_id)
            && self.kind.as_ref().is_none_or(|k| *k == t.kind)
            && self.assignee.as_ref().is_none_or(|a| *a == t.assignee)
            && self.state.as_ref().is_none_or(|s| *s == t.state)
            && self.resource_id.as_ref().is_none_or(|r| *r == t.resource_id)
            && self.open.is_none_or(|o| o == t.open)
            && self.due_before.is_none_or(|d| t.due_at.is_some_and(|due| due <= d))
    }
}

/// What adding tasks did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedTasks {
    /// Ids of the tasks added, in the order given.
    pub added: Vec<i64>,
    /// Resource ids skipped because an open task of the same kind exists for them.
    pub skipped: Vec<String>,
}

/// One move of a task, to apply if the task is still where the move was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskTransition {
    /// The state the move was computed from; the stored state must still be this.
    pub expected_state: String,
    /// When given, the stored `updated_at` must still be this too (so that two schedulers
    /// cannot both apply a step that leaves the state unchanged, such as a reminder).
    pub expected_updated_at: Option<Timestamp>,
    pub state: String,
    pub open: bool,
    pub assignee: String,
    pub due_at: Option<Timestamp>,
    pub data: serde_json::Value,
    pub at: Timestamp,
    /// A user's principal id, or "steward".
    pub actor: String,
    /// The event (`remind`, `escalate`, `keep`, …).
    pub action: String,
    pub note: Option<String>,
}

/// What applying a transition did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "task", rename_all = "snake_case")]
pub enum TransitionOutcome {
    /// Written; the task as it is now.
    Applied(CampaignTask),
    /// Not written: the task moved since the transition was computed. The task as it is now.
    Stale(CampaignTask),
}

/// One entry of a task's history. The first is its opening (`from_state` is `None`, action `open`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignTaskEvent {
    pub task_id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub action: String,
    pub note: Option<String>,
}

/// The action recorded for a task's opening.
pub const OPEN_ACTION: &str = "open";

/// Refuse a campaign without kind, title or creator.
pub fn check_new_campaign(c: &NewCampaign) -> Result<()> {
    for (what, value) in [("kind", &c.kind), ("title", &c.title), ("created_by", &c.created_by)] {
        if value.trim().is_empty() {
            return Err(StoreError::InvalidQuery(format!("a campaign needs a {what}")));
        }
    }
    Ok(())
}

/// Refuse tasks that cannot go into a campaign of `campaign_kind` in state `state`.
pub fn check_new_tasks(campaign_id: i64, campaign_kind: &str, state: CampaignState, tasks: &[NewTask]) -> Result<()> {
    if state == CampaignState::Closed {
        return Err(StoreError::InvalidQuery(format!("campaign {campaign_id} is closed; create a new campaign")));
    }
    for t in tasks {
        if t.kind != campaign_kind {
            return Err(StoreError::InvalidQuery(format!(
                "a {} task for resource '{}' cannot go into {campaign_kind} campaign {campaign_id}",
                t.kind, t.resource_id
            )));
        }
        for (what, value) in [
            ("resource_id", &t.resource_id),
            ("assignee", &t.assignee),
            ("state", &t.state),
            ("opened_by", &t.opened_by),
        ] {
            if value.trim().is_empty() {
                return Err(StoreError::InvalidQuery(format!("a task needs a {what} (resource '{}')", t.resource_id)));
            }
        }
    }
    Ok(())
}

/// Refuse a transition without state, actor or action.
pub fn check_transition(t: &TaskTransition) -> Result<()> {
    for (what, value) in
        [("expected_state", &t.expected_state), ("state", &t.state), ("actor", &t.actor), ("action", &t.action)]
    {
        if value.trim().is_empty() {
            return Err(StoreError::InvalidQuery(format!("a task transition needs a {what}")));
        }
    }
    Ok(())
}

/// Refuse to close a campaign that still has open tasks.
pub fn check_close(campaign: &Campaign) -> Result<()> {
    if campaign.state == CampaignState::Closed {
        return Err(StoreError::InvalidQuery(format!("campaign {} is already closed", campaign.id)));
    }
    if campaign.open_tasks > 0 {
        return Err(StoreError::InvalidQuery(format!(
            "campaign {} has {} open task(s); finish or withdraw them before closing it",
            campaign.id, campaign.open_tasks
        )));
    }
    Ok(())
}

/// Whether a stored task still is where a transition was computed from. Update times compare
/// to the millisecond, the precision every backend keeps.
pub fn is_current(task: &CampaignTask, t: &TaskTransition) -> bool {
    task.state == t.expected_state
        && t.expected_updated_at.is_none_or(|u| u.timestamp_millis() == task.updated_at.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_states_round_trip() {
        for s in [CampaignState::Open, CampaignState::Closed] {
            assert_eq!(s.as_str().parse::<CampaignState>().ok(), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::json!(s.as_str())));
        }
        assert!("done".parse::<CampaignState>().is_err());
    }

    #[test]
    fn due_before_matches_only_tasks_with_a_due_time() {
        let at = |ms| chrono::DateTime::from_timestamp_millis(ms).expect("valid");
        let task = CampaignTask {
            id: 1,
            campaign_id: 1,
            tenant_id: "t".into(),
            kind: "inactivity".into(),
            resource_id: "r".into(),
            environment_id: "e".into(),
            assignee: "a".into(),
            state: "asked_owner".into(),
            open: true,
            due_at: Some(at(1_000)),
            opened_at: at(0),
            updated_at: at(0),
            data: serde_json::json!({}),
        };
        let q = |ms| TaskQuery { due_before: Some(at(ms)), ..TaskQuery::default() };
        assert!(q(1_000).matches(&task), "due exactly then");
        assert!(!q(999).matches(&task));
        assert!(!q(5_000).matches(&CampaignTask { due_at: None, ..task }));
    }
}
