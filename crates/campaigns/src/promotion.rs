//! Catalog promotion: a catalog item whose resource succeeds (a success detection fires or the
//! board promoted it) is still at an early maturity stage; its owner is asked to confirm moving
//! it one stage forward (idea → prototype → pilot → production).
//!
//! ```text
//!  proposed ──accept──▶ promoted        (Steward moves the catalog item's stage, recorded
//!      │ (remind)                        with who answered and the task)
//!      └──decline──▶ declined           (with a reason)
//!  proposed ──withdraw──▶ withdrawn     (the item moved meanwhile, or was retired)
//! ```
//!
//! Accepting is the decision; the stage move itself is written by [`crate::manage::answer_task`]
//! right after the task's step, with the stage the task was opened at as the expected stage, so
//! a move made by someone else meanwhile is never overwritten.

use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskEvent, TransitionError};
use crate::task::{Answer, Due, Effect, Task, next_reminder};

steward_model::string_enum!(
    /// Where a promotion proposal is.
    State, "promotion proposal state" {
        /// The owner is asked to confirm the move to the next stage.
        Proposed => "proposed",
        /// Closed: the owner accepted and the item moved forward.
        Promoted => "promoted",
        /// Closed: the owner declined, with a reason.
        Declined => "declined",
        /// Closed without an outcome (the item moved or retired meanwhile).
        Withdrawn => "withdrawn",
    }
);

steward_model::string_enum!(
    /// What moves a promotion proposal.
    Event, "promotion proposal event" {
        Remind => "remind",
        Accept => "accept",
        Decline => "decline",
        Withdraw => "withdraw",
    }
);

impl State {
    pub fn is_open(self) -> bool {
        self == State::Proposed
    }
}

/// The answers a promotion proposal takes.
pub const ANSWERS: &[&str] = &["accept", "decline", "withdraw"];

fn next(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    Some(match (state, event) {
        (S::Proposed, E::Remind) => S::Proposed,
        (S::Proposed, E::Accept) => S::Promoted,
        (S::Proposed, E::Decline) => S::Declined,
        (S::Proposed, E::Withdraw) => S::Withdrawn,
        _ => return None,
    })
}

/// Apply `event` to `state`, refusing illegal moves with the events `state` does take.
pub fn transition(state: State, event: Event) -> Result<State, TransitionError> {
    next(state, event).ok_or_else(|| TransitionError::Illegal {
        kind: CampaignKind::Promotion,
        state: state.as_str(),
        event: event.as_str(),
        allowed: Event::ALL.iter().filter(|e| next(state, **e).is_some()).map(|e| e.as_str()).collect(),
    })
}

pub(crate) fn due(task: &Task, state: State, config: &CampaignConfig) -> Vec<Due> {
    let mut out = Vec::new();
    if state == State::Proposed
        && let Some(at) = next_reminder(task, config, None)
    {
        out.push(Due {
            at,
            event: TaskEvent::Promotion(Event::Remind),
            note: "reminder: accept or decline moving the catalog item to its next stage".into(),
            assignee: None,
            recommend: None,
        });
    }
    out
}

pub(crate) fn answer(_task: &Task, answer: &Answer) -> Option<Effect> {
    let event = match answer {
        Answer::Accept => Event::Accept,
        Answer::Decline { .. } => Event::Decline,
        Answer::Withdraw { .. } => Event::Withdraw,
        _ => return None,
    };
    Some(Effect { event: TaskEvent::Promotion(event), assignee: None, recommend: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_proposal_takes_answers_and_every_close_is_final() {
        assert_eq!(transition(State::Proposed, Event::Accept), Ok(State::Promoted));
        assert_eq!(transition(State::Proposed, Event::Decline), Ok(State::Declined));
        assert_eq!(transition(State::Proposed, Event::Remind), Ok(State::Proposed));
        for closed in [State::Promoted, State::Declined, State::Withdrawn] {
            assert!(!closed.is_open());
            for event in Event::ALL {
                let refused = transition(closed, *event).expect_err("a closed proposal takes nothing");
                assert!(refused.to_string().contains("closed"), "{refused}");
            }
        }
    }
}
