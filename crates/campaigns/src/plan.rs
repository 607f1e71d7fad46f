//! Planning: which tasks to open, from what the inventory, usage and policy evaluation show.
//!
//! Every planner skips a resource that already has an open task of the same kind (whatever
//! campaign holds it) and a resource listed twice, so running a planner again opens nothing
//! new. The store enforces the same rule when tasks are added, so two planners racing each
//! other cannot open duplicates either.

use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskState};
use crate::task::{PolicyRef, PromotionRef, Task, TaskData};
use crate::{compliance, inactivity, orphaned, promotion, quarantine};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use steward_model::{LifecycleStage, ResourceKind, Timestamp};

/// The resource a task is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub tenant_id: String,
    pub resource_id: String,
    pub environment_id: String,
    /// Display name, for messages.
    pub name: String,
    pub kind: Option<ResourceKind>,
}

/// Resources that already have an open task, by campaign kind.
#[derive(Debug, Clone, Default)]
pub struct OpenTasks {
    keys: HashSet<(CampaignKind, String)>,
}

impl OpenTasks {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, kind: CampaignKind, resource_id: impl Into<String>) {
        self.keys.insert((kind, resource_id.into()));
    }

    pub fn contains(&self, kind: CampaignKind, resource_id: &str) -> bool {
        self.keys.contains(&(kind, resource_id.to_string()))
    }

    /// The open ones among `tasks`.
    pub fn from_tasks<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Self {
        tasks.into_iter().filter(|t| t.is_open()).map(|t| (t.kind(), t.resource_id.clone())).collect()
    }
}

impl FromIterator<(CampaignKind, String)> for OpenTasks {
    fn from_iter<I: IntoIterator<Item = (CampaignKind, String)>>(iter: I) -> Self {
        OpenTasks { keys: iter.into_iter().collect() }
    }
}

/// A resource that may be unused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactivityCandidate {
    pub resource: ResourceRef,
    /// Primary owner; `None` when the resource has none (it is then asked of the manager).
    pub owner_id: Option<String>,
    pub manager_id: Option<String>,
    /// The last recorded use; `None` when no use was ever recorded.
    pub last_used_at: Option<Timestamp>,
    /// Counts as the last activity of a resource never used. When usage is recorded only since
    /// a later day, give that day: a resource cannot be called unused before anyone looked.
    pub created_at: Option<Timestamp>,
    /// CoE Starter Kit archive score (apps out of 6, flows out of 7), when computed: the
    /// higher, the safer to archive. Tasks are planned highest score first.
    pub archive_score: Option<u8>,
}

/// A resource whose owners have all left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrphanedCandidate {
    pub resource: ResourceRef,
    /// The owner who left.
    pub leaver_id: String,
    /// The leaver's manager, when the directory knows one.
    pub manager_id: Option<String>,
}

/// A policy violation of a resource, as an evaluation reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceFinding {
    pub resource: ResourceRef,
    pub policy: PolicyRef,
    pub owner_id: Option<String>,
    pub manager_id: Option<String>,
}

/// Inactivity clean-up: a task for every resource without use for `inactivity_days`, asked of
/// its owner (of its manager, or the platform team, when it has no owner). Resources whose
/// last activity is unknown are skipped: Steward does not guess.
pub fn plan_inactivity(
    candidates: &[InactivityCandidate],
    open: &OpenTasks,
    now: Timestamp,
    config: &CampaignConfig,
) -> Vec<Task> {
    let threshold = CampaignConfig::days(config.inactivity_days);
    let mut chosen: Vec<(&InactivityCandidate, Timestamp)> = Vec::new();
    let mut seen = HashSet::new();
    for c in candidates {
        let Some(last) = c.last_used_at.or(c.created_at) else { continue };
        if now - last < threshold
            || open.contains(CampaignKind::Inactivity, &c.resource.resource_id)
            || !seen.insert(c.resource.resource_id.as_str())
        {
            continue;
        }
        chosen.push((c, last));
    }
    // Safest to archive first (the kit's ranking), then the longest unused.
    chosen.sort_by(|(a, a_last), (b, b_last)| {
        b.archive_score
            .cmp(&a.archive_score)
            .then(a_last.cmp(b_last))
            .then(a.resource.resource_id.cmp(&b.resource.resource_id))
    });
    chosen
        .into_iter()
        .map(|(c, last)| {
            let days = (now - last).num_days();
            let mut because = match c.last_used_at {
                Some(used) => format!("unused for {days} days (last use {})", used.format("%Y-%m-%d")),
                // Counted from creation, or from when usage records start when that is later
                // (the feed gives the later of the two): no claim beyond what was recorded.
                None => format!("never used in {days} days (no use recorded since {})", last.format("%Y-%m-%d")),
            };
            if let Some(score) = c.archive_score {
                because.push_str(&format!("; archive score {score}"));
            }
            let mut task = new_task(
                &c.resource,
                c.owner_id.clone(),
                c.manager_id.clone(),
                TaskState::Inactivity(inactivity::State::AskedOwner),
                now,
                config,
                because,
            );
            if nonempty(&c.owner_id).is_none() {
                task.state = TaskState::Inactivity(inactivity::State::EscalatedToManager);
                task.assignee = task.escalation_target();
                task.data.opened_because.push_str("; no owner, so the manager is asked");
            }
            task
        })
        .collect()
}

/// Orphaned resources: a task for every resource whose owners left, asked of the leaver's
/// manager; when no manager is known, the platform team decides from the start.
pub fn plan_orphaned(
    candidates: &[OrphanedCandidate],
    open: &OpenTasks,
    now: Timestamp,
    config: &CampaignConfig,
) -> Vec<Task> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in candidates {
        if open.contains(CampaignKind::Orphaned, &c.resource.resource_id)
            || !seen.insert(c.resource.resource_id.as_str())
        {
            continue;
        }
        let manager = nonempty(&c.manager_id);
        let (state, because) = match manager {
            Some(_) => (orphaned::State::AskedManager, format!("owner {} left; their manager is asked", c.leaver_id)),
            None => (
                orphaned::State::EscalatedToPlatform,
                format!("owner {} left and has no known manager; the platform team decides", c.leaver_id),
            ),
        };
        let mut task = new_task(
            &c.resource,
            Some(c.leaver_id.clone()),
            c.manager_id.clone(),
            TaskState::Orphaned(state),
            now,
            config,
            because,
        );
        task.assignee = manager.map_or_else(|| config.platform_team.clone(), str::to_string);
        out.push(task);
    }
    out
}

/// Compliance requests: one task per resource with findings (listing every policy it
/// violates), asked of its owner with a deadline `compliance_deadline_days` ahead. A resource
/// with an open request gets no second one; its new findings wait for the next request.
pub fn plan_compliance(
    findings: &[ComplianceFinding],
    open: &OpenTasks,
    now: Timestamp,
    config: &CampaignConfig,
) -> Vec<Task> {
    let mut by_resource: BTreeMap<&str, Vec<&ComplianceFinding>> = BTreeMap::new();
    for f in findings {
        if !open.contains(CampaignKind::Compliance, &f.resource.resource_id) {
            by_resource.entry(f.resource.resource_id.as_str()).or_default().push(f);
        }
    }
    let deadline = now + CampaignConfig::days(config.compliance_deadline_days);
    by_resource
        .into_values()
        .map(|group| {
            let first = group[0];
            let policies = distinct_policies(&group);
            let ids: Vec<&str> = policies.iter().map(|p| p.policy_id.as_str()).collect();
            let because = format!("violates {}", ids.join(", "));
            let mut task = new_task(
                &first.resource,
                first.owner_id.clone(),
                first.manager_id.clone(),
                TaskState::Compliance(compliance::State::Requested),
                now,
                config,
                because,
            );
            task.data.deadline = Some(deadline);
            task.data.policies = policies;
            if nonempty(&first.owner_id).is_none() {
                task.assignee = task.escalation_target();
            }
            task
        })
        .collect()
}

/// Quarantine recommendations: one task per resource with a violation open (pending) for at
/// least `quarantine_after_days`, assigned to the platform team. The finding's policy must
/// carry `violation_opened_at`; findings without it are skipped.
pub fn plan_quarantine(
    findings: &[ComplianceFinding],
    open: &OpenTasks,
    now: Timestamp,
    config: &CampaignConfig,
) -> Vec<Task> {
    let threshold = CampaignConfig::days(config.quarantine_after_days);
    let mut by_resource: BTreeMap<&str, Vec<&ComplianceFinding>> = BTreeMap::new();
    for f in findings {
        let pending = f.policy.violation_opened_at.is_some_and(|opened| now - opened >= threshold);
        if pending && !open.contains(CampaignKind::Quarantine, &f.resource.resource_id) {
            by_resource.entry(f.resource.resource_id.as_str()).or_default().push(f);
        }
    }
    by_resource
        .into_values()
        .map(|group| {
            let first = group[0];
            let policies = distinct_policies(&group);
            let oldest = policies.iter().filter_map(|p| p.violation_opened_at).min();
            let days = oldest.map_or(0, |o| (now - o).num_days());
            let ids: Vec<&str> = policies.iter().map(|p| p.policy_id.as_str()).collect();
            let because = format!("violation of {} pending for {days} days", ids.join(", "));
            let mut task = new_task(
                &first.resource,
                first.owner_id.clone(),
                first.manager_id.clone(),
                TaskState::Quarantine(quarantine::State::Recommended),
                now,
                config,
                because,
            );
            task.assignee = config.platform_team.clone();
            task.data.policies = policies;
            task
        })
        .collect()
}

/// A catalog item whose resource succeeds while the item is still early in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionCandidate {
    pub resource: ResourceRef,
    pub item_id: i64,
    pub item_title: String,
    pub stage: LifecycleStage,
    /// Who is asked: the item's owner, else the resource's first active owner.
    pub owner_id: Option<String>,
    pub manager_id: Option<String>,
    /// Why, in words: the success rule that fired, the board's decision.
    pub because: String,
}

/// Catalog promotion: a task per candidate whose item has a stage to move to (idea, prototype,
/// pilot), asked of its owner (of the platform team when it has none), proposing the next stage.
/// Items listed twice and resources with an open promotion task are skipped.
pub fn plan_promotion(
    candidates: &[PromotionCandidate],
    open: &OpenTasks,
    now: Timestamp,
    config: &CampaignConfig,
) -> Vec<Task> {
    let mut seen = HashSet::new();
    candidates
        .iter()
        .filter(|c| !open.contains(CampaignKind::Promotion, &c.resource.resource_id))
        .filter(|c| seen.insert(c.item_id))
        .filter_map(|c| {
            let to = c.stage.next()?;
            let because = format!("{}; proposed: {} → {to}", c.because, c.stage);
            let mut task = new_task(
                &c.resource,
                c.owner_id.clone(),
                c.manager_id.clone(),
                TaskState::Promotion(promotion::State::Proposed),
                now,
                config,
                because,
            );
            task.data.promotion =
                Some(PromotionRef { item_id: c.item_id, item_title: c.item_title.clone(), from: c.stage, to });
            Some(task)
        })
        .collect()
}

fn distinct_policies(group: &[&ComplianceFinding]) -> Vec<PolicyRef> {
    let mut seen = HashSet::new();
    group.iter().filter(|f| seen.insert(f.policy.policy_id.as_str())).map(|f| f.policy.clone()).collect()
}

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn new_task(
    resource: &ResourceRef,
    owner_id: Option<String>,
    manager_id: Option<String>,
    state: TaskState,
    now: Timestamp,
    config: &CampaignConfig,
    because: String,
) -> Task {
    Task {
        tenant_id: resource.tenant_id.clone(),
        resource_id: resource.resource_id.clone(),
        environment_id: resource.environment_id.clone(),
        assignee: owner_id.clone().unwrap_or_else(|| config.platform_team.clone()),
        state,
        opened_at: now,
        updated_at: now,
        data: TaskData {
            resource_name: resource.name.clone(),
            resource_kind: resource.kind,
            owner_id,
            manager_id,
            platform_team: config.platform_team.clone(),
            state_since: now,
            deadline: None,
            reminders: 0,
            last_reminded_at: None,
            policies: Vec::new(),
            opened_because: because,
            reason: None,
            new_owner: None,
            promotion: None,
        },
    }
}
