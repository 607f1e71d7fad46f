//! Inactivity clean-up: a resource unused for `inactivity_days` (180) — ask the owner whether
//! to keep or archive it.
//!
//! ```text
//!  asked_owner ──escalate──▶ escalated_to_manager          (no answer for inactivity_answer_days)
//!      │  (remind)                 │  (remind)
//!      └──approve_archive──────────┴──▶ approved_for_archive ──archive_due──▶ archive_due
//!                                           │                                  │
//!                                           └──────────record_archive──────────┴──▶ archived
//!  asked_owner │ escalated_to_manager │ approved_for_archive │ archive_due ──keep──▶ kept
//!  any open state ──withdraw──▶ withdrawn
//! ```
//!
//! The archive falls due `archive_after_approval_days` (21) after approval: the task goes to
//! the platform team with an archive action recommended. `archived` is recorded when the
//! archive was done (by hand, or by Steward when `campaigns.actions.archive` is on); Steward
//! never records an archive that did not happen. Keeping needs a reason.

use crate::actions::ActionKind;
use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskEvent, TransitionError};
use crate::task::{Answer, Due, Effect, Task, next_reminder};

steward_model::string_enum!(
    /// Where an inactivity clean-up task is.
    State, "inactivity task state" {
        /// The owner was asked: keep or archive?
        AskedOwner => "asked_owner",
        /// The owner did not answer in time; the manager (or platform team) was asked.
        EscalatedToManager => "escalated_to_manager",
        /// Owner or manager approved the archive; it falls due later.
        ApprovedForArchive => "approved_for_archive",
        /// The archive is due; the platform team carries it out.
        ArchiveDue => "archive_due",
        /// Closed: the resource was archived.
        Archived => "archived",
        /// Closed: the owner (or manager) keeps the resource, with a reason.
        Kept => "kept",
        /// Closed without an outcome (resource deleted or in use again).
        Withdrawn => "withdrawn",
    }
);

steward_model::string_enum!(
    /// What moves an inactivity clean-up task.
    Event, "inactivity task event" {
        Remind => "remind",
        Escalate => "escalate",
        ApproveArchive => "approve_archive",
        Keep => "keep",
        ArchiveDue => "archive_due",
        RecordArchive => "record_archive",
        Withdraw => "withdraw",
    }
);

impl State {
    pub fn is_open(self) -> bool {
        !matches!(self, State::Archived | State::Kept | State::Withdrawn)
    }
}

/// The answers an inactivity task takes.
pub const ANSWERS: &[&str] = &["keep", "archive", "done", "withdraw"];

fn next(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    Some(match (state, event) {
        (S::AskedOwner, E::Remind) => S::AskedOwner,
        (S::EscalatedToManager, E::Remind) => S::EscalatedToManager,
        (S::AskedOwner, E::Escalate) => S::EscalatedToManager,
        (S::AskedOwner | S::EscalatedToManager, E::ApproveArchive) => S::ApprovedForArchive,
        (s, E::Keep) if s.is_open() => S::Kept,
        (S::ApprovedForArchive, E::ArchiveDue) => S::ArchiveDue,
        (S::ApprovedForArchive | S::ArchiveDue, E::RecordArchive) => S::Archived,
        (s, E::Withdraw) if s.is_open() => S::Withdrawn,
        _ => return None,
    })
}

/// Apply `event` to `state`, refusing illegal moves with the events `state` does take.
pub fn transition(state: State, event: Event) -> Result<State, TransitionError> {
    next(state, event).ok_or_else(|| TransitionError::Illegal {
        kind: CampaignKind::Inactivity,
        state: state.as_str(),
        event: event.as_str(),
        allowed: Event::ALL.iter().filter(|e| next(state, **e).is_some()).map(|e| e.as_str()).collect(),
    })
}

pub(crate) fn due(task: &Task, state: State, config: &CampaignConfig) -> Vec<Due> {
    let since = task.data.state_since;
    let mut out = Vec::new();
    let mut escalation = None;
    if state == State::AskedOwner {
        let at = since + CampaignConfig::days(config.inactivity_answer_days);
        escalation = Some(at);
        out.push(Due {
            at,
            event: TaskEvent::Inactivity(Event::Escalate),
            note: format!("no answer from the owner in {} days; the manager is asked", config.inactivity_answer_days),
            assignee: Some(task.escalation_target()),
            recommend: None,
        });
    }
    if matches!(state, State::AskedOwner | State::EscalatedToManager)
        && let Some(at) = next_reminder(task, config, escalation)
    {
        out.push(Due {
            at,
            event: TaskEvent::Inactivity(Event::Remind),
            note: "reminder: keep or archive this unused resource?".into(),
            assignee: None,
            recommend: None,
        });
    }
    if state == State::ApprovedForArchive {
        out.push(Due {
            at: since + CampaignConfig::days(config.archive_after_approval_days),
            event: TaskEvent::Inactivity(Event::ArchiveDue),
            note: format!("archive due {} days after approval", config.archive_after_approval_days),
            assignee: Some(task.data.platform_team.clone()),
            recommend: Some(ActionKind::Archive),
        });
    }
    out
}

pub(crate) fn answer(_task: &Task, answer: &Answer) -> Option<Effect> {
    let event = match answer {
        Answer::Keep { .. } => Event::Keep,
        Answer::Archive => Event::ApproveArchive,
        Answer::Done => Event::RecordArchive,
        Answer::Withdraw { .. } => Event::Withdraw,
        _ => return None,
    };
    Some(Effect { event: TaskEvent::Inactivity(event), assignee: None, recommend: None })
}
