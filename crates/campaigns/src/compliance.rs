//! Compliance request: the owner is asked to fix a policy violation by a deadline.
//!
//! ```text
//!  requested ──remind──▶ reminded ──remind──▶ reminded
//!      │                    │
//!      └──────escalate──────┴──▶ escalated ──remind──▶ escalated      (deadline passed:
//!                                    │                                 the manager is asked)
//!                                    └──expire──▶ expired             (compliance_expire_days)
//!  any open state ──fix──▶ fixed │ ──exempt──▶ exempted │ ──withdraw──▶ withdrawn
//! ```
//!
//! Time: reminders every `reminder_days` while the deadline is ahead (none at or after it);
//! escalation to the owner's manager (or the platform team) at the deadline; expiry
//! `compliance_expire_days` after escalation. An expired request leaves the violation open:
//! a quarantine recommendation may follow.

use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskEvent, TransitionError};
use crate::task::{Answer, Due, Effect, Task, next_reminder};

steward_model::string_enum!(
    /// Where a compliance request is.
    State, "compliance request state" {
        /// The owner was asked to fix the violation by the deadline.
        Requested => "requested",
        /// At least one reminder was sent; the deadline is still ahead.
        Reminded => "reminded",
        /// The deadline passed; the manager (or platform team) was asked.
        Escalated => "escalated",
        /// Closed: the violation was fixed.
        Fixed => "fixed",
        /// Closed: an exemption was granted.
        Exempted => "exempted",
        /// Closed: escalated and still unresolved after `compliance_expire_days`.
        Expired => "expired",
        /// Closed without an outcome (resource gone, request opened by mistake).
        Withdrawn => "withdrawn",
    }
);

steward_model::string_enum!(
    /// What moves a compliance request.
    Event, "compliance request event" {
        Remind => "remind",
        Escalate => "escalate",
        Expire => "expire",
        Fix => "fix",
        Exempt => "exempt",
        Withdraw => "withdraw",
    }
);

impl State {
    pub fn is_open(self) -> bool {
        matches!(self, State::Requested | State::Reminded | State::Escalated)
    }
}

/// The answers a compliance request takes.
pub const ANSWERS: &[&str] = &["fixed", "exempted", "withdraw"];

/// The state machine: the state `event` leads to from `state`, or `None` when not allowed.
fn next(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    Some(match (state, event) {
        (S::Requested | S::Reminded, E::Remind) => S::Reminded,
        (S::Escalated, E::Remind) => S::Escalated,
        (S::Requested | S::Reminded, E::Escalate) => S::Escalated,
        (S::Escalated, E::Expire) => S::Expired,
        (s, E::Fix) if s.is_open() => S::Fixed,
        (s, E::Exempt) if s.is_open() => S::Exempted,
        (s, E::Withdraw) if s.is_open() => S::Withdrawn,
        _ => return None,
    })
}

/// Apply `event` to `state`, refusing illegal moves with the events `state` does take.
pub fn transition(state: State, event: Event) -> Result<State, TransitionError> {
    next(state, event).ok_or_else(|| TransitionError::Illegal {
        kind: CampaignKind::Compliance,
        state: state.as_str(),
        event: event.as_str(),
        allowed: Event::ALL.iter().filter(|e| next(state, **e).is_some()).map(|e| e.as_str()).collect(),
    })
}

pub(crate) fn due(task: &Task, state: State, config: &CampaignConfig) -> Vec<Due> {
    let mut out = Vec::new();
    match state {
        State::Requested | State::Reminded => {
            // A request without a deadline (hand-made) escalates `compliance_deadline_days`
            // after it was opened.
            let deadline =
                task.data.deadline.unwrap_or(task.opened_at + CampaignConfig::days(config.compliance_deadline_days));
            out.push(Due {
                at: deadline,
                event: TaskEvent::Compliance(Event::Escalate),
                note: "deadline passed without a fix; the manager is asked".into(),
                assignee: Some(task.escalation_target()),
                recommend: None,
            });
            if let Some(at) = next_reminder(task, config, Some(deadline)) {
                out.push(Due {
                    at,
                    event: TaskEvent::Compliance(Event::Remind),
                    note: format!("reminder: fix by {}", deadline.format("%Y-%m-%d")),
                    assignee: None,
                    recommend: None,
                });
            }
        }
        State::Escalated => {
            let expiry = task.data.state_since + CampaignConfig::days(config.compliance_expire_days);
            out.push(Due {
                at: expiry,
                event: TaskEvent::Compliance(Event::Expire),
                note: format!("still unresolved {} days after escalation", config.compliance_expire_days),
                assignee: None,
                recommend: None,
            });
            if let Some(at) = next_reminder(task, config, Some(expiry)) {
                out.push(Due {
                    at,
                    event: TaskEvent::Compliance(Event::Remind),
                    note: "reminder to the manager: the violation is overdue".into(),
                    assignee: None,
                    recommend: None,
                });
            }
        }
        State::Fixed | State::Exempted | State::Expired | State::Withdrawn => {}
    }
    out
}

pub(crate) fn answer(_task: &Task, answer: &Answer) -> Option<Effect> {
    let event = match answer {
        Answer::Fixed => Event::Fix,
        Answer::Exempted { .. } => Event::Exempt,
        Answer::Withdraw { .. } => Event::Withdraw,
        _ => return None,
    };
    Some(Effect { event: TaskEvent::Compliance(event), assignee: None, recommend: None })
}
