//! Orphaned resource: its owner left. The leaver's manager is asked to take it over, reassign
//! it or have it deleted; after `orphaned_escalation_days` without an answer, the platform
//! team decides.
//!
//! ```text
//!  asked_manager ──escalate──▶ escalated_to_platform
//!      │ (remind)                   │
//!      ├──take_over──▶ taken_over ◀─┤
//!      ├──reassign───▶ reassigned ◀─┤
//!      └──approve_deletion──────────┴──▶ deletion_approved ──record_deletion──▶ deleted
//!  deletion_approved ──take_over / reassign──▶ taken_over / reassigned   (a change of mind)
//!  any open state ──withdraw──▶ withdrawn
//! ```
//!
//! A resource without a known manager starts at `escalated_to_platform`. Approving deletion
//! hands the task to the platform team with a delete action recommended; `deleted` is
//! recorded once the deletion happened. Ownership changes are recorded, not made: Steward has
//! no write action for them.

use crate::actions::ActionKind;
use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskEvent, TransitionError};
use crate::task::{Answer, Due, Effect, Task, next_reminder};

steward_model::string_enum!(
    /// Where an orphaned-resource task is.
    State, "orphaned-resource task state" {
        /// The leaver's manager was asked: take over, reassign or delete?
        AskedManager => "asked_manager",
        /// The manager did not answer in time (or is unknown); the platform team decides.
        EscalatedToPlatform => "escalated_to_platform",
        /// Deletion was approved; the platform team carries it out.
        DeletionApproved => "deletion_approved",
        /// Closed: the one who answered took the resource over.
        TakenOver => "taken_over",
        /// Closed: the resource was given to someone else.
        Reassigned => "reassigned",
        /// Closed: the resource was deleted.
        Deleted => "deleted",
        /// Closed without an outcome (resource gone, owner back).
        Withdrawn => "withdrawn",
    }
);

steward_model::string_enum!(
    /// What moves an orphaned-resource task.
    Event, "orphaned-resource task event" {
        Remind => "remind",
        Escalate => "escalate",
        TakeOver => "take_over",
        Reassign => "reassign",
        ApproveDeletion => "approve_deletion",
        RecordDeletion => "record_deletion",
        Withdraw => "withdraw",
    }
);

impl State {
    pub fn is_open(self) -> bool {
        matches!(self, State::AskedManager | State::EscalatedToPlatform | State::DeletionApproved)
    }
}

/// The answers an orphaned-resource task takes.
pub const ANSWERS: &[&str] = &["take_over", "reassign", "delete", "done", "withdraw"];

fn next(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    Some(match (state, event) {
        (S::AskedManager, E::Remind) => S::AskedManager,
        (S::AskedManager, E::Escalate) => S::EscalatedToPlatform,
        (s, E::TakeOver) if s.is_open() => S::TakenOver,
        (s, E::Reassign) if s.is_open() => S::Reassigned,
        (S::AskedManager | S::EscalatedToPlatform, E::ApproveDeletion) => S::DeletionApproved,
        (S::DeletionApproved, E::RecordDeletion) => S::Deleted,
        (s, E::Withdraw) if s.is_open() => S::Withdrawn,
        _ => return None,
    })
}

/// Apply `event` to `state`, refusing illegal moves with the events `state` does take.
pub fn transition(state: State, event: Event) -> Result<State, TransitionError> {
    next(state, event).ok_or_else(|| TransitionError::Illegal {
        kind: CampaignKind::Orphaned,
        state: state.as_str(),
        event: event.as_str(),
        allowed: Event::ALL.iter().filter(|e| next(state, **e).is_some()).map(|e| e.as_str()).collect(),
    })
}

pub(crate) fn due(task: &Task, state: State, config: &CampaignConfig) -> Vec<Due> {
    let mut out = Vec::new();
    if state == State::AskedManager {
        let at = task.data.state_since + CampaignConfig::days(config.orphaned_escalation_days);
        out.push(Due {
            at,
            event: TaskEvent::Orphaned(Event::Escalate),
            note: format!(
                "no answer from the manager in {} days; the platform team decides",
                config.orphaned_escalation_days
            ),
            assignee: Some(task.data.platform_team.clone()),
            recommend: None,
        });
        if let Some(at) = next_reminder(task, config, Some(at)) {
            out.push(Due {
                at,
                event: TaskEvent::Orphaned(Event::Remind),
                note: "reminder: take over, reassign or delete this resource of a leaver".into(),
                assignee: None,
                recommend: None,
            });
        }
    }
    out
}

pub(crate) fn answer(task: &Task, answer: &Answer) -> Option<Effect> {
    let (event, assignee, recommend) = match answer {
        Answer::TakeOver => (Event::TakeOver, None, None),
        Answer::Reassign { .. } => (Event::Reassign, None, None),
        Answer::Delete => (Event::ApproveDeletion, Some(task.data.platform_team.clone()), Some(ActionKind::Delete)),
        Answer::Done => (Event::RecordDeletion, None, None),
        Answer::Withdraw { .. } => (Event::Withdraw, None, None),
        _ => return None,
    };
    Some(Effect { event: TaskEvent::Orphaned(event), assignee, recommend })
}
