//! Quarantine recommendation: a violation has been pending for `quarantine_after_days` (7);
//! Steward recommends quarantining the resource and an admin accepts or declines.
//!
//! ```text
//!  recommended ──accept──▶ accepted ──record_quarantine──▶ quarantined
//!      │ (remind)
//!      └──decline──▶ declined                  (with a reason)
//!  any open state ──withdraw──▶ withdrawn      (the violation was resolved meanwhile)
//! ```
//!
//! Accepting makes the quarantine action due: Steward carries it out only when
//! `campaigns.actions.quarantine` is on (after a dry run); otherwise the admin quarantines by
//! hand and answers `done`.

use crate::actions::ActionKind;
use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskEvent, TransitionError};
use crate::task::{Answer, Due, Effect, Task, next_reminder};

steward_model::string_enum!(
    /// Where a quarantine recommendation is.
    State, "quarantine recommendation state" {
        /// Steward recommends quarantine; an admin decides.
        Recommended => "recommended",
        /// The admin accepted; the quarantine is to be applied.
        Accepted => "accepted",
        /// Closed: the resource was quarantined.
        Quarantined => "quarantined",
        /// Closed: the admin declined, with a reason.
        Declined => "declined",
        /// Closed without an outcome (violation resolved, resource gone).
        Withdrawn => "withdrawn",
    }
);

steward_model::string_enum!(
    /// What moves a quarantine recommendation.
    Event, "quarantine recommendation event" {
        Remind => "remind",
        Accept => "accept",
        Decline => "decline",
        RecordQuarantine => "record_quarantine",
        Withdraw => "withdraw",
    }
);

impl State {
    pub fn is_open(self) -> bool {
        matches!(self, State::Recommended | State::Accepted)
    }
}

/// The answers a quarantine recommendation takes.
pub const ANSWERS: &[&str] = &["accept", "decline", "done", "withdraw"];

fn next(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    Some(match (state, event) {
        (S::Recommended, E::Remind) => S::Recommended,
        (S::Recommended, E::Accept) => S::Accepted,
        (S::Recommended, E::Decline) => S::Declined,
        (S::Accepted, E::RecordQuarantine) => S::Quarantined,
        (s, E::Withdraw) if s.is_open() => S::Withdrawn,
        _ => return None,
    })
}

/// Apply `event` to `state`, refusing illegal moves with the events `state` does take.
pub fn transition(state: State, event: Event) -> Result<State, TransitionError> {
    next(state, event).ok_or_else(|| TransitionError::Illegal {
        kind: CampaignKind::Quarantine,
        state: state.as_str(),
        event: event.as_str(),
        allowed: Event::ALL.iter().filter(|e| next(state, **e).is_some()).map(|e| e.as_str()).collect(),
    })
}

pub(crate) fn due(task: &Task, state: State, config: &CampaignConfig) -> Vec<Due> {
    let mut out = Vec::new();
    if state == State::Recommended
        && let Some(at) = next_reminder(task, config, None)
    {
        out.push(Due {
            at,
            event: TaskEvent::Quarantine(Event::Remind),
            note: "reminder: accept or decline the quarantine recommendation".into(),
            assignee: None,
            recommend: None,
        });
    }
    out
}

pub(crate) fn answer(_task: &Task, answer: &Answer) -> Option<Effect> {
    let (event, recommend) = match answer {
        Answer::Accept => (Event::Accept, Some(ActionKind::Quarantine)),
        Answer::Decline { .. } => (Event::Decline, None),
        Answer::Done => (Event::RecordQuarantine, None),
        Answer::Withdraw { .. } => (Event::Withdraw, None),
        _ => return None,
    };
    Some(Effect { event: TaskEvent::Quarantine(event), assignee: None, recommend })
}
