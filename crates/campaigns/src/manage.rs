//! What the CLI and the API share about tasks: reading an answer from words, recording it with
//! a note, what a task takes now, the write action it waits for, task filters as people give
//! them, and carrying out a task's write action.

use crate::actions::{ActionError, ActionKind, ActionOutcome, ActionPlan, TenantActions};
use crate::machine::{CampaignKind, TaskState};
use crate::run::{Applied, CampaignError};
use crate::task::{Answer, Task, respond};
use crate::{inactivity, orphaned, persist, promotion, quarantine};
use serde::Serialize;
use std::collections::HashMap;
use steward_model::Timestamp;
use steward_store::campaigns::{Campaign, CampaignTask, CampaignTaskEvent, TaskQuery, TransitionOutcome};
use steward_store::catalog::{Outcome, StageMove};
use steward_store::{PrincipalQuery, Store};

/// Every answer word, in the order the docs list them.
pub const ANSWER_WORDS: &[&str] = &[
    "fixed",
    "exempted",
    "keep",
    "archive",
    "take_over",
    "reassign",
    "delete",
    "accept",
    "decline",
    "done",
    "withdraw",
];

/// An answer from its word (`keep`, `take-over`, …), with the reason for the answers that need
/// one (`exempted`, `keep`, `decline`, `withdraw`) and the new owner for `reassign`. A missing
/// reason is left for the state machine to refuse, with what is missing.
pub fn parse_answer(word: &str, reason: Option<&str>, to: Option<&str>) -> Result<Answer, CampaignError> {
    let reason = || reason.unwrap_or_default().trim().to_string();
    let normalized = word.trim().to_ascii_lowercase().replace('-', "_");
    Ok(match normalized.as_str() {
        "fixed" | "fix" => Answer::Fixed,
        "exempted" | "exempt" => Answer::Exempted { reason: reason() },
        "keep" => Answer::Keep { reason: reason() },
        "archive" => Answer::Archive,
        "take_over" | "takeover" => Answer::TakeOver,
        "reassign" => Answer::Reassign { to: to.unwrap_or_default().trim().to_string() },
        "delete" => Answer::Delete,
        "accept" => Answer::Accept,
        "decline" => Answer::Decline { reason: reason() },
        "done" => Answer::Done,
        "withdraw" => Answer::Withdraw { reason: reason() },
        _ => {
            return Err(CampaignError::Feed(format!(
                "unknown answer '{word}'; the answers are: {}",
                ANSWER_WORDS.join(", ")
            )));
        }
    })
}

/// Whether the answer carries its own text (a reason, a new owner).
fn has_text(answer: &Answer) -> bool {
    matches!(
        answer,
        Answer::Exempted { .. }
            | Answer::Keep { .. }
            | Answer::Decline { .. }
            | Answer::Withdraw { .. }
            | Answer::Reassign { .. }
    )
}

/// Record `answer`, given by `by` at `now`, on a stored task. `note` goes into the audit trail
/// of answers that carry no reason of their own (e.g. how a `done` archive was carried out).
/// Fails with [`CampaignError::Refused`] when the task's state does not take the answer and
/// [`CampaignError::Stale`] when the task moved while this answer was computed.
pub async fn answer_task(
    store: &dyn Store,
    task_id: i64,
    answer: &Answer,
    by: &str,
    note: Option<&str>,
    now: Timestamp,
) -> Result<Applied, CampaignError> {
    let (row, campaign) = load(store, task_id).await?;
    let config = persist::campaign_config(&campaign)?;
    let task = persist::task_from_row(&row)?;
    let mut step = respond(&task, answer, by, now)?;
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        step.note = Some(match step.note.take() {
            Some(own) if has_text(answer) && own != note => format!("{own}; {note}"),
            Some(own) if has_text(answer) => own,
            _ => note.to_string(),
        });
    }
    let promotes = matches!(step.to, TaskState::Promotion(promotion::State::Promoted));
    if let (true, Some(p)) = (promotes, step.data.promotion.as_ref()) {
        check_promotion(store, p).await?;
    }
    let transition = persist::transition(&task, &step, &config);
    let applied = match store.apply_task_transition(task_id, &transition).await? {
        TransitionOutcome::Applied(row) => Applied { task_id, step, task: row },
        TransitionOutcome::Stale(now) => return Err(CampaignError::Stale { id: task_id, state: now.state }),
    };
    if let (true, Some(p)) = (promotes, applied.step.data.promotion.as_ref()) {
        let stage_move = StageMove {
            expected_stage: p.from,
            stage: p.to,
            by: applied.step.actor.clone(),
            at: now,
            note: Some(format!("accepted in promotion campaign task {task_id}")),
        };
        if let Outcome::Stale(item) = store.apply_stage_move(p.item_id, &stage_move).await? {
            // Checked just before: only a move made in the last instant gets here.
            return Err(CampaignError::Feed(format!(
                "task {task_id} is recorded as promoted, but catalog item {} moved to {} meanwhile; \
                 move it by hand on its catalog page if {} is still right",
                p.item_id, item.stage, p.to
            )));
        }
    }
    Ok(applied)
}

/// Before a promotion is accepted: the catalog item must still be at the stage the task
/// proposes to move it from (otherwise the task is out of date and should be withdrawn).
async fn check_promotion(store: &dyn Store, p: &crate::PromotionRef) -> Result<(), CampaignError> {
    let item = store.get_catalog_item(p.item_id).await?.ok_or_else(|| {
        CampaignError::Feed(format!("catalog item {} no longer exists; withdraw the task", p.item_id))
    })?;
    if item.stage != p.from {
        return Err(CampaignError::Feed(format!(
            "catalog item {} is at stage {} now, not {}; withdraw the task (the next tick does it)",
            p.item_id, item.stage, p.from
        )));
    }
    Ok(())
}

pub use crate::run::load;

/// The answers the task takes in its current state (none once it is closed).
pub fn answers_now(task: &Task) -> Vec<&'static str> {
    let sample = |word: &str| parse_answer(word, Some("-"), Some("-")).ok();
    Answer::accepted_by(task.kind())
        .iter()
        .copied()
        .filter(|word| sample(word).is_some_and(|a| respond(task, &a, "-", task.updated_at).is_ok()))
        .collect()
}

/// The write action the task waits for: the archive once approved, the deletion once
/// approved, the quarantine once accepted.
pub fn pending_action(task: &Task) -> Option<ActionKind> {
    match task.state {
        TaskState::Inactivity(inactivity::State::ApprovedForArchive | inactivity::State::ArchiveDue) => {
            Some(ActionKind::Archive)
        }
        TaskState::Orphaned(orphaned::State::DeletionApproved) => Some(ActionKind::Delete),
        TaskState::Quarantine(quarantine::State::Accepted) => Some(ActionKind::Quarantine),
        _ => None,
    }
}

/// A task with what it takes now, for lists and the API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: CampaignTask,
    /// The answers its state takes now.
    pub answers: Vec<&'static str>,
    /// The write action it waits for, if any.
    pub pending_action: Option<ActionKind>,
}

impl TaskView {
    pub fn new(row: CampaignTask) -> Result<TaskView, CampaignError> {
        let task = persist::task_from_row(&row)?;
        Ok(TaskView { answers: answers_now(&task), pending_action: pending_action(&task), task: row })
    }
}

/// A task with its campaign and its whole history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub view: TaskView,
    pub campaign: Campaign,
    pub history: Vec<CampaignTaskEvent>,
}

pub async fn task_detail(store: &dyn Store, task_id: i64) -> Result<TaskDetail, CampaignError> {
    let (row, campaign) = load(store, task_id).await?;
    let history = store.campaign_task_history(task_id).await?;
    Ok(TaskDetail { view: TaskView::new(row)?, campaign, history })
}

/// Task filters as people give them: a campaign id, an assignee (a principal id, a UPN, or a
/// team name such as the platform team) and a state (`open`, `closed`, or a state of any
/// kind, e.g. `asked_owner`).
pub async fn task_query(
    store: &dyn Store,
    campaign: Option<i64>,
    assignee: Option<&str>,
    state: Option<&str>,
) -> Result<TaskQuery, CampaignError> {
    let mut query = TaskQuery { campaign_id: campaign, ..TaskQuery::default() };
    match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some("open") => query.open = Some(true),
        Some("closed") => query.open = Some(false),
        Some(s) => {
            let known: Vec<&'static str> =
                CampaignKind::ALL.iter().flat_map(|k| k.states()).map(|s| s.as_str()).collect();
            if !known.contains(&s) {
                let mut all = vec!["open", "closed"];
                for k in known {
                    if !all.contains(&k) {
                        all.push(k);
                    }
                }
                return Err(CampaignError::Feed(format!(
                    "unknown task state '{s}'; the states are: {}",
                    all.join(", ")
                )));
            }
            query.state = Some(s.to_string());
        }
    }
    if let Some(assignee) = assignee.map(str::trim).filter(|a| !a.is_empty()) {
        query.assignee = Some(resolve_principal(store, assignee).await?);
    }
    Ok(query)
}

/// A principal id for a UPN (`ann@contoso.com`), or the value as given: tasks are assigned to
/// principal ids, or to a team name.
pub async fn resolve_principal(store: &dyn Store, who: &str) -> Result<String, CampaignError> {
    if !who.contains('@') {
        return Ok(who.to_string());
    }
    let found = store
        .list_principals(&PrincipalQuery { q: Some(who.to_string()), limit: Some(50), ..PrincipalQuery::default() })
        .await?;
    Ok(found
        .items
        .into_iter()
        .find(|p| p.upn.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(who)))
        .map_or_else(|| who.to_string(), |p| p.id))
}

/// How to show principal ids: their UPN (or display name) when the directory knows them.
pub async fn people<'a>(
    store: &dyn Store,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, String>, CampaignError> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        if let Some(p) = store.get_principal(id).await? {
            out.insert(id.to_string(), p.upn.filter(|u| !u.is_empty()).unwrap_or(p.display_name));
        }
    }
    Ok(out)
}

/// The action to plan for a task: the one given, else the one it waits for.
fn action_kind(task: &Task, task_id: i64, kind: Option<ActionKind>) -> Result<ActionKind, CampaignError> {
    kind.or_else(|| pending_action(task)).ok_or_else(|| {
        CampaignError::Feed(format!(
            "task {task_id} is `{}`: no write action is due yet (an archive once approved, a deletion once \
             approved, a quarantine once accepted); name one with --action to see its dry run anyway",
            task.state
        ))
    })
}

/// The dry run of a task's write action (the one it waits for, or `kind`).
pub async fn plan_action(
    store: &dyn Store,
    actions: &dyn TenantActions,
    task_id: i64,
    kind: Option<ActionKind>,
) -> Result<ActionPlan, CampaignError> {
    let (row, _) = load(store, task_id).await?;
    let task = persist::task_from_row(&row)?;
    let kind = action_kind(&task, task_id, kind)?;
    Ok(actions.plan(&task.action(kind))?)
}

/// What carrying out a task's write action did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Executed {
    pub outcome: ActionOutcome,
    /// The `done` answer recorded on the task; `None` when the task moved meanwhile (the
    /// action was carried out all the same: record it by hand).
    pub recorded: Option<crate::feed::StepTaken>,
    pub note: Option<String>,
}

/// Carry out the write action a task waits for, if it is enabled and `digest` is the one of
/// its dry run, then record `done` on the task by `by`. Only a task that waits for that action
/// may have it carried out: Steward acts on decisions, never ahead of them.
pub async fn execute_action(
    store: &dyn Store,
    actions: &dyn TenantActions,
    task_id: i64,
    kind: Option<ActionKind>,
    digest: &str,
    by: &str,
    now: Timestamp,
) -> Result<Executed, CampaignError> {
    let (row, _) = load(store, task_id).await?;
    let task = persist::task_from_row(&row)?;
    let kind = action_kind(&task, task_id, kind)?;
    if pending_action(&task) != Some(kind) {
        return Err(CampaignError::Feed(format!(
            "task {task_id} is `{}` and does not wait for {kind}; Steward carries out an action only once the \
             task's answer asked for it",
            task.state
        )));
    }
    let outcome = actions.execute(&task.action(kind), digest).await?;
    let plan = actions.plan(&task.action(kind))?;
    let mut note =
        format!("carried out by Steward: {} {} answered HTTP {}", plan.call.method, plan.call.url, outcome.status);
    if let Some(extra) = &outcome.note {
        note.push_str(&format!(" ({extra})"));
    }
    match answer_task(store, task_id, &Answer::Done, by, Some(&note), now).await {
        Ok(applied) => Ok(Executed { outcome, recorded: Some(crate::feed::StepTaken::from(&applied)), note: None }),
        // The call was made: say so rather than fail, whatever became of the task.
        Err(e @ (CampaignError::Stale { .. } | CampaignError::Refused(_))) => Ok(Executed {
            outcome,
            recorded: None,
            note: Some(format!(
                "the action was carried out, but `done` could not be recorded on task {task_id} ({e}); record it with \
                 `steward campaign answer {task_id} done`"
            )),
        }),
        Err(e) => Err(e),
    }
}

impl From<ActionError> for CampaignError {
    fn from(e: ActionError) -> Self {
        CampaignError::Feed(e.to_string())
    }
}
