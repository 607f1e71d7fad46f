//! What the campaign kinds share: the kind itself, a task's state and event as one type
//! over all kinds, and the refusal of an illegal move.
//!
//! Each kind keeps its own `State` and `Event` enums and its own `transition` function (see
//! [`crate::compliance`], [`crate::inactivity`], [`crate::orphaned`], [`crate::quarantine`]);
//! [`TaskState`] and [`TaskEvent`] wrap them so that a task, the store and the audit trail can
//! hold any kind, and a state of one kind can never meet an event of another.

use crate::{compliance, inactivity, orphaned, promotion, quarantine};
use serde::{Deserialize, Serialize};

steward_model::string_enum!(
    /// What a campaign (and each of its tasks) is about.
    CampaignKind, "campaign kind" {
        /// The owner is asked to fix a policy violation by a deadline.
        Compliance => "compliance",
        /// A resource unused for months: the owner is asked to keep or archive it.
        Inactivity => "inactivity",
        /// A leaver's resource: their manager is asked to take it over, reassign or delete it.
        Orphaned => "orphaned",
        /// A violation left pending: an admin is asked to quarantine the resource.
        Quarantine => "quarantine",
        /// A succeeding resource's catalog item: the owner is asked to move it to its next stage.
        Promotion => "promotion",
    }
);

impl CampaignKind {
    /// The phrase for messages: "a compliance request", "an inactivity clean-up task", …
    pub fn task_noun(self) -> &'static str {
        match self {
            CampaignKind::Compliance => "a compliance request",
            CampaignKind::Inactivity => "an inactivity clean-up task",
            CampaignKind::Orphaned => "an orphaned-resource task",
            CampaignKind::Quarantine => "a quarantine recommendation",
            CampaignKind::Promotion => "a catalog promotion proposal",
        }
    }

    /// Every state of this kind, in declaration order.
    pub fn states(self) -> Vec<TaskState> {
        match self {
            CampaignKind::Compliance => compliance::State::ALL.iter().map(|s| TaskState::Compliance(*s)).collect(),
            CampaignKind::Inactivity => inactivity::State::ALL.iter().map(|s| TaskState::Inactivity(*s)).collect(),
            CampaignKind::Orphaned => orphaned::State::ALL.iter().map(|s| TaskState::Orphaned(*s)).collect(),
            CampaignKind::Quarantine => quarantine::State::ALL.iter().map(|s| TaskState::Quarantine(*s)).collect(),
            CampaignKind::Promotion => promotion::State::ALL.iter().map(|s| TaskState::Promotion(*s)).collect(),
        }
    }
}

/// The state of a task of any kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "state", rename_all = "snake_case")]
pub enum TaskState {
    Compliance(compliance::State),
    Inactivity(inactivity::State),
    Orphaned(orphaned::State),
    Quarantine(quarantine::State),
    Promotion(promotion::State),
}

impl TaskState {
    pub fn kind(self) -> CampaignKind {
        match self {
            TaskState::Compliance(_) => CampaignKind::Compliance,
            TaskState::Inactivity(_) => CampaignKind::Inactivity,
            TaskState::Orphaned(_) => CampaignKind::Orphaned,
            TaskState::Quarantine(_) => CampaignKind::Quarantine,
            TaskState::Promotion(_) => CampaignKind::Promotion,
        }
    }

    /// The state's own spelling (`requested`, `asked_owner`, …), as stored beside the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Compliance(s) => s.as_str(),
            TaskState::Inactivity(s) => s.as_str(),
            TaskState::Orphaned(s) => s.as_str(),
            TaskState::Quarantine(s) => s.as_str(),
            TaskState::Promotion(s) => s.as_str(),
        }
    }

    /// Still waiting for someone or something; closed states take no more events.
    pub fn is_open(self) -> bool {
        match self {
            TaskState::Compliance(s) => s.is_open(),
            TaskState::Inactivity(s) => s.is_open(),
            TaskState::Orphaned(s) => s.is_open(),
            TaskState::Quarantine(s) => s.is_open(),
            TaskState::Promotion(s) => s.is_open(),
        }
    }

    /// Parse a stored (kind, state) pair.
    pub fn parse(kind: CampaignKind, state: &str) -> Result<TaskState, steward_model::UnknownValue> {
        Ok(match kind {
            CampaignKind::Compliance => TaskState::Compliance(state.parse()?),
            CampaignKind::Inactivity => TaskState::Inactivity(state.parse()?),
            CampaignKind::Orphaned => TaskState::Orphaned(state.parse()?),
            CampaignKind::Quarantine => TaskState::Quarantine(state.parse()?),
            CampaignKind::Promotion => TaskState::Promotion(state.parse()?),
        })
    }

    /// Apply an event, refusing moves the kind's state machine does not allow (and events of
    /// another kind).
    pub fn transition(self, event: TaskEvent) -> Result<TaskState, TransitionError> {
        match (self, event) {
            (TaskState::Compliance(s), TaskEvent::Compliance(e)) => {
                compliance::transition(s, e).map(TaskState::Compliance)
            }
            (TaskState::Inactivity(s), TaskEvent::Inactivity(e)) => {
                inactivity::transition(s, e).map(TaskState::Inactivity)
            }
            (TaskState::Orphaned(s), TaskEvent::Orphaned(e)) => orphaned::transition(s, e).map(TaskState::Orphaned),
            (TaskState::Quarantine(s), TaskEvent::Quarantine(e)) => {
                quarantine::transition(s, e).map(TaskState::Quarantine)
            }
            (TaskState::Promotion(s), TaskEvent::Promotion(e)) => promotion::transition(s, e).map(TaskState::Promotion),
            (state, event) => {
                Err(TransitionError::WrongKind { task: state.kind(), event_kind: event.kind(), event: event.as_str() })
            }
        }
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event of any kind: what moves a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "event", rename_all = "snake_case")]
pub enum TaskEvent {
    Compliance(compliance::Event),
    Inactivity(inactivity::Event),
    Orphaned(orphaned::Event),
    Quarantine(quarantine::Event),
    Promotion(promotion::Event),
}

impl TaskEvent {
    pub fn kind(self) -> CampaignKind {
        match self {
            TaskEvent::Compliance(_) => CampaignKind::Compliance,
            TaskEvent::Inactivity(_) => CampaignKind::Inactivity,
            TaskEvent::Orphaned(_) => CampaignKind::Orphaned,
            TaskEvent::Quarantine(_) => CampaignKind::Quarantine,
            TaskEvent::Promotion(_) => CampaignKind::Promotion,
        }
    }

    /// The event's spelling, recorded as the audit entry's action.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskEvent::Compliance(e) => e.as_str(),
            TaskEvent::Inactivity(e) => e.as_str(),
            TaskEvent::Orphaned(e) => e.as_str(),
            TaskEvent::Quarantine(e) => e.as_str(),
            TaskEvent::Promotion(e) => e.as_str(),
        }
    }
}

impl std::fmt::Display for TaskEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A move the state machines refuse, or an answer that does not fit the task.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The event exists for this kind, but not from this state.
    #[error("{} in state `{state}` cannot take `{event}`; {}", .kind.task_noun(), allowed_text(.state, .allowed))]
    Illegal { kind: CampaignKind, state: &'static str, event: &'static str, allowed: Vec<&'static str> },

    /// An event of another kind (a bug in the caller, or a hand-edited database).
    #[error("`{event}` is a {event_kind} event; it cannot move {}", .task.task_noun())]
    WrongKind { task: CampaignKind, event_kind: CampaignKind, event: &'static str },

    /// The answer is not one this kind of task takes.
    #[error("`{answer}` is not an answer to {}; it takes: {}", .kind.task_noun(), .expected.join(", "))]
    UnexpectedAnswer { kind: CampaignKind, answer: &'static str, expected: Vec<&'static str> },

    /// The answer lacks something it needs (a reason, a new owner).
    #[error("`{answer}` needs {missing}")]
    Incomplete { answer: &'static str, missing: &'static str },

    /// The task is not in the state the step was computed from (it moved meanwhile).
    #[error("the task is `{found}`, not `{expected}`; it changed since the step was computed, compute it again")]
    Stale { expected: &'static str, found: &'static str },
}

fn allowed_text(state: &str, allowed: &[&str]) -> String {
    if allowed.is_empty() {
        format!("`{state}` is closed and takes no more events")
    } else {
        format!("from `{state}` it takes: {}", allowed.join(", "))
    }
}
