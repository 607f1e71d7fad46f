//! A campaign task, the steps that move it, and the audit entry every step leaves.
//!
//! Two things move a task:
//! - **time** — [`advance`] answers which steps have become due at `now` (a reminder, an
//!   escalation, an archive falling due). It never looks at the wall clock;
//! - **answers** — [`respond`] turns what a person (or Steward itself, for facts it observed)
//!   answered into a step, or refuses it with a [`TransitionError`].
//!
//! Both only *compute* steps; nothing changes until the caller applies a step to the task
//! ([`Task::apply`]) and records it (the store applies it in one transaction that checks the
//! task is still in the step's `from` state). A step records a write action Steward
//! recommends; whether it is carried out is up to [`crate::actions`] and the configuration.

use crate::actions::{Action, ActionKind};
use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskEvent, TaskState, TransitionError};
use crate::{compliance, inactivity, orphaned, promotion, quarantine};
use serde::{Deserialize, Serialize};
use steward_model::{LifecycleStage, ResourceKind, Timestamp};

/// The actor Steward records for the steps it takes itself (reminders, escalations, planning).
pub const STEWARD: &str = "steward";

/// At most this many time-driven steps are taken in one [`advance`]: enough for any chain the
/// state machines allow (each step restarts the clock of the next), and a guard should a
/// configuration of zero-day durations make a chain loop.
const MAX_STEPS_PER_ADVANCE: usize = 8;

/// One task of a campaign: one resource, one person (or team) asked to act.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub tenant_id: String,
    pub resource_id: String,
    pub environment_id: String,
    /// Principal id of who is asked to act now (owner, manager), or the platform team.
    pub assignee: String,
    pub state: TaskState,
    pub opened_at: Timestamp,
    /// When the last step was applied (the opening, when none was).
    pub updated_at: Timestamp,
    pub data: TaskData,
}

/// What a task knows beyond its columns; stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskData {
    /// Display name of the resource, for messages.
    #[serde(default)]
    pub resource_name: String,
    /// What the resource is; write actions need it to choose the call.
    #[serde(default)]
    pub resource_kind: Option<ResourceKind>,
    /// Primary owner when the task was opened (for orphaned resources: the leaver).
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The owner's manager: who escalations go to first.
    #[serde(default)]
    pub manager_id: Option<String>,
    /// Who escalations beyond the manager go to, as configured when the task was opened.
    pub platform_team: String,
    /// When the task entered its current state; reminders and escalations count from here.
    pub state_since: Timestamp,
    /// Compliance requests: the owner's deadline.
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    /// Reminders sent in the task's life.
    #[serde(default)]
    pub reminders: u32,
    #[serde(default)]
    pub last_reminded_at: Option<Timestamp>,
    /// Compliance requests and quarantine recommendations: the policies violated.
    #[serde(default)]
    pub policies: Vec<PolicyRef>,
    /// Why the task was opened, in words (days unused, archive score, the leaver, …).
    #[serde(default)]
    pub opened_because: String,
    /// The reason given by the last answer that needs one (keep, decline, exempt, withdraw).
    #[serde(default)]
    pub reason: Option<String>,
    /// Orphaned resources: who took the resource over or was given it.
    #[serde(default)]
    pub new_owner: Option<String>,
    /// Promotion proposals: the catalog item and the move proposed.
    #[serde(default)]
    pub promotion: Option<PromotionRef>,
}

/// The catalog item a promotion proposal is about, and the move it proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionRef {
    pub item_id: i64,
    pub item_title: String,
    /// The stage the item was at when the task opened: the stage move expects it still.
    pub from: LifecycleStage,
    pub to: LifecycleStage,
}

/// A policy a compliance request or quarantine recommendation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub policy_id: String,
    #[serde(default)]
    pub title: String,
    /// What the owner should do (the policy's remediation text).
    #[serde(default)]
    pub remediation: String,
    /// When the violation opened, when known.
    #[serde(default)]
    pub violation_opened_at: Option<Timestamp>,
}

impl Task {
    pub fn kind(&self) -> CampaignKind {
        self.state.kind()
    }

    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    /// When the next time-driven step falls due (`None` when the task only waits for an answer
    /// or is closed). Stored beside the task so that a scheduler can ask for due tasks only.
    pub fn due_at(&self, config: &CampaignConfig) -> Option<Timestamp> {
        due_candidates(self, config).iter().map(|d| d.at).min()
    }

    /// The audit entry of the task's opening.
    pub fn opening_entry(&self) -> AuditEntry {
        AuditEntry {
            actor: STEWARD.to_string(),
            action: "open".to_string(),
            from_state: None,
            to_state: self.state.as_str().to_string(),
            at: self.opened_at,
            note: (!self.data.opened_because.is_empty()).then(|| self.data.opened_because.clone()),
        }
    }

    /// Apply a step computed by [`advance`] or [`respond`] for this task. Refuses a step
    /// computed from another state (the task moved since).
    pub fn apply(&mut self, step: &Step) -> Result<(), TransitionError> {
        if self.state != step.from {
            return Err(TransitionError::Stale { expected: step.from.as_str(), found: self.state.as_str() });
        }
        self.state = step.to;
        self.assignee.clone_from(&step.assignee);
        self.data = step.data.clone();
        self.updated_at = step.at;
        Ok(())
    }

    /// The write action this task's resource would take.
    pub fn action(&self, kind: ActionKind) -> Action {
        Action {
            kind,
            environment_id: self.environment_id.clone(),
            resource_id: self.resource_id.clone(),
            resource_kind: self.data.resource_kind,
        }
    }

    /// The manager when known, else the platform team: who an escalation goes to.
    pub(crate) fn escalation_target(&self) -> String {
        match self.data.manager_id.as_deref().map(str::trim) {
            Some(manager) if !manager.is_empty() => manager.to_string(),
            _ => self.data.platform_team.clone(),
        }
    }
}

/// One move of a task, ready to apply and record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub event: TaskEvent,
    pub from: TaskState,
    pub to: TaskState,
    pub at: Timestamp,
    /// A user's principal id, or [`STEWARD`].
    pub actor: String,
    pub note: Option<String>,
    /// The assignee after the step.
    pub assignee: String,
    /// The task's data after the step.
    pub data: TaskData,
    /// A write action this step makes due. Steward records it; it is carried out only when
    /// the action is enabled and planned first (see [`crate::actions`]).
    pub recommend: Option<Action>,
}

impl Step {
    /// What the audit trail keeps of this step.
    pub fn audit(&self) -> AuditEntry {
        AuditEntry {
            actor: self.actor.clone(),
            action: self.event.as_str().to_string(),
            from_state: Some(self.from.as_str().to_string()),
            to_state: self.to.as_str().to_string(),
            at: self.at,
            note: self.note.clone(),
        }
    }
}

/// One line of a task's audit trail: who (a user or "steward"), what, before, after, when, note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor: String,
    /// The event (`remind`, `escalate`, `keep`, …) or `open` for the opening.
    pub action: String,
    /// `None` for the opening.
    pub from_state: Option<String>,
    pub to_state: String,
    pub at: Timestamp,
    pub note: Option<String>,
}

/// What someone answered to a task. Serialised as `{"answer": "keep", "reason": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    /// Compliance: the violation is fixed (also recorded by Steward when an evaluation finds
    /// it resolved).
    Fixed,
    /// Compliance: an exemption was granted.
    Exempted { reason: String },
    /// Inactivity: keep the resource.
    Keep { reason: String },
    /// Inactivity: approve the archive (owner or manager).
    Archive,
    /// Orphaned: the one answering takes the resource over.
    TakeOver,
    /// Orphaned: give the resource to someone else.
    Reassign { to: String },
    /// Orphaned: approve deleting the resource.
    Delete,
    /// Quarantine: the admin accepts the recommendation. Promotion: the owner accepts the move.
    Accept,
    /// Quarantine, promotion: declined, with a reason.
    Decline { reason: String },
    /// The recommended write action (archive, delete, quarantine) was carried out, by hand or
    /// by Steward with the action enabled.
    Done,
    /// Close the task without an outcome (the resource is gone or in use again, the violation
    /// disappeared, the task was opened by mistake).
    Withdraw { reason: String },
}

impl Answer {
    pub fn as_str(&self) -> &'static str {
        match self {
            Answer::Fixed => "fixed",
            Answer::Exempted { .. } => "exempted",
            Answer::Keep { .. } => "keep",
            Answer::Archive => "archive",
            Answer::TakeOver => "take_over",
            Answer::Reassign { .. } => "reassign",
            Answer::Delete => "delete",
            Answer::Accept => "accept",
            Answer::Decline { .. } => "decline",
            Answer::Done => "done",
            Answer::Withdraw { .. } => "withdraw",
        }
    }

    /// The answers a kind of task takes.
    pub fn accepted_by(kind: CampaignKind) -> &'static [&'static str] {
        match kind {
            CampaignKind::Compliance => compliance::ANSWERS,
            CampaignKind::Inactivity => inactivity::ANSWERS,
            CampaignKind::Orphaned => orphaned::ANSWERS,
            CampaignKind::Quarantine => quarantine::ANSWERS,
            CampaignKind::Promotion => promotion::ANSWERS,
        }
    }

    /// The reason (or new owner) the answer carries, checked non-empty.
    fn text(&self) -> Result<Option<&str>, TransitionError> {
        let (text, missing) = match self {
            Answer::Exempted { reason } | Answer::Keep { reason } | Answer::Decline { reason } => {
                (reason.as_str(), "a reason")
            }
            Answer::Withdraw { reason } => (reason.as_str(), "a reason"),
            Answer::Reassign { to } => (to.as_str(), "the principal id of the new owner (`to`)"),
            _ => return Ok(None),
        };
        if text.trim().is_empty() {
            return Err(TransitionError::Incomplete { answer: self.as_str(), missing });
        }
        Ok(Some(text.trim()))
    }
}

/// A time-driven step a kind's rules say is due, before it is turned into a [`Step`].
#[derive(Debug, Clone)]
pub(crate) struct Due {
    pub at: Timestamp,
    pub event: TaskEvent,
    pub note: String,
    /// Hand the task to this assignee.
    pub assignee: Option<String>,
    pub recommend: Option<ActionKind>,
}

/// The time-driven steps of the task's state, most important first (an escalation before a
/// reminder falling due at the same moment).
fn due_candidates(task: &Task, config: &CampaignConfig) -> Vec<Due> {
    match task.state {
        TaskState::Compliance(s) => compliance::due(task, s, config),
        TaskState::Inactivity(s) => inactivity::due(task, s, config),
        TaskState::Orphaned(s) => orphaned::due(task, s, config),
        TaskState::Quarantine(s) => quarantine::due(task, s, config),
        TaskState::Promotion(s) => promotion::due(task, s, config),
    }
}

/// The next reminder while a task waits, if reminders are on and it falls before `before`
/// (the escalation that would make it pointless).
pub(crate) fn next_reminder(task: &Task, config: &CampaignConfig, before: Option<Timestamp>) -> Option<Timestamp> {
    if config.reminder_days == 0 {
        return None;
    }
    let last = task.data.last_reminded_at.map_or(task.data.state_since, |r| r.max(task.data.state_since));
    let at = last + CampaignConfig::days(config.reminder_days);
    before.is_none_or(|b| at < b).then_some(at)
}

/// The steps that have become due at `now`, in order, each computed on the task as the
/// previous ones left it. Each is recorded at `now` (when Steward noticed it), so a late run
/// does not backdate what people were told; the note names when the step fell due.
pub fn advance(task: &Task, now: Timestamp, config: &CampaignConfig) -> Vec<Step> {
    let mut current = task.clone();
    let mut steps = Vec::new();
    while steps.len() < MAX_STEPS_PER_ADVANCE {
        let Some(due) = due_candidates(&current, config).into_iter().find(|d| d.at <= now) else { break };
        let Ok(to) = current.state.transition(due.event) else {
            // The rules only propose legal events; a refusal here is a bug in a kind's
            // rules, and taking no step is the safe answer.
            debug_assert!(false, "{:?} proposed an illegal {:?}", current.state, due.event);
            break;
        };
        let mut data = current.data.clone();
        if is_reminder(due.event) {
            data.reminders += 1;
            data.last_reminded_at = Some(now);
        }
        if to != current.state {
            data.state_since = now;
        }
        let note = if due.at < now {
            format!("{} (due {})", due.note, due.at.format("%Y-%m-%d %H:%M UTC"))
        } else {
            due.note.clone()
        };
        let step = Step {
            event: due.event,
            from: current.state,
            to,
            at: now,
            actor: STEWARD.to_string(),
            note: Some(note),
            assignee: due.assignee.unwrap_or_else(|| current.assignee.clone()),
            data,
            recommend: due.recommend.map(|k| current.action(k)),
        };
        if current.apply(&step).is_err() {
            break;
        }
        steps.push(step);
    }
    steps
}

fn is_reminder(event: TaskEvent) -> bool {
    matches!(
        event,
        TaskEvent::Compliance(compliance::Event::Remind)
            | TaskEvent::Inactivity(inactivity::Event::Remind)
            | TaskEvent::Orphaned(orphaned::Event::Remind)
            | TaskEvent::Quarantine(quarantine::Event::Remind)
            | TaskEvent::Promotion(promotion::Event::Remind)
    )
}

/// What an answer does to a task: the event it is and its effects, as a kind decides them.
pub(crate) struct Effect {
    pub event: TaskEvent,
    pub assignee: Option<String>,
    pub recommend: Option<ActionKind>,
}

/// Turn an answer given by `by` at `now` into a step, or refuse it: an answer the kind does
/// not take, one lacking its reason, or one the current state does not allow.
pub fn respond(task: &Task, answer: &Answer, by: &str, now: Timestamp) -> Result<Step, TransitionError> {
    let by = by.trim();
    if by.is_empty() {
        return Err(TransitionError::Incomplete { answer: answer.as_str(), missing: "who answers (`by`)" });
    }
    let kind = task.kind();
    let effect = match task.state {
        TaskState::Compliance(_) => compliance::answer(task, answer),
        TaskState::Inactivity(_) => inactivity::answer(task, answer),
        TaskState::Orphaned(_) => orphaned::answer(task, answer),
        TaskState::Quarantine(_) => quarantine::answer(task, answer),
        TaskState::Promotion(_) => promotion::answer(task, answer),
    }
    .ok_or_else(|| TransitionError::UnexpectedAnswer {
        kind,
        answer: answer.as_str(),
        expected: Answer::accepted_by(kind).to_vec(),
    })?;
    let text = answer.text()?;
    let to = task.state.transition(effect.event)?;
    let mut data = task.data.clone();
    if to != task.state {
        data.state_since = now;
    }
    match answer {
        Answer::TakeOver => data.new_owner = Some(by.to_string()),
        Answer::Reassign { .. } => data.new_owner = text.map(str::to_string),
        Answer::Exempted { .. } | Answer::Keep { .. } | Answer::Decline { .. } | Answer::Withdraw { .. } => {
            data.reason = text.map(str::to_string);
        }
        _ => {}
    }
    let note = match (answer, text) {
        (Answer::Reassign { .. }, Some(to)) => Some(format!("reassign to {to}")),
        (_, Some(reason)) => Some(reason.to_string()),
        _ => None,
    };
    Ok(Step {
        event: effect.event,
        from: task.state,
        to,
        at: now,
        actor: by.to_string(),
        note,
        assignee: effect.assignee.unwrap_or_else(|| task.assignee.clone()),
        data,
        recommend: effect.recommend.map(|k| task.action(k)),
    })
}
