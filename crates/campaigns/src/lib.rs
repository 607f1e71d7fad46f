//! Governance campaigns: asking people to act on what Steward found, and keeping the record.
//!
//! Five kinds of campaign, each an explicit state machine (enums of states and events and a
//! `transition` function that refuses illegal moves, naming the moves that are allowed):
//!
//! - [`compliance`] — the owner is asked to fix a policy violation by a deadline; reminded;
//!   escalated to the manager when overdue; closed as fixed, exempted or expired;
//! - [`inactivity`] — a resource unused for 6 months: the owner is asked to keep or archive it;
//!   escalated to the manager after a month without answer; archive due 3 weeks after
//!   approval; closed as archived or kept (with a reason);
//! - [`orphaned`] — a leaver's resource: their manager is asked to take it over, reassign or
//!   delete it; escalated to the platform team after N days; resolved;
//! - [`quarantine`] — a violation pending for 7 days: Steward recommends quarantine; an admin
//!   accepts or declines;
//! - [`promotion`] — a succeeding resource whose catalog item is still an idea, prototype or
//!   pilot: its owner is asked to move it one stage forward; accepting moves the item.
//!
//! Every duration comes from [`CampaignConfig`] (`[campaigns]` in steward.toml).
//!
//! The flow of a campaign run:
//! 1. [`plan`] decides which tasks to open ([`plan_inactivity`], [`plan_orphaned`],
//!    [`plan_compliance`], [`plan_quarantine`]), never a second open task of a kind for a
//!    resource;
//! 2. [`advance`] computes the time-driven steps due at `now` (reminders, escalations, an
//!    archive falling due) and [`respond`] turns an answer into a step;
//! 3. every [`Step`] yields an [`AuditEntry`] (who — a user or "steward" —, what, before,
//!    after, when, note) and may recommend a write [`Action`];
//! 4. write actions go through [`TenantActions`]: a dry run first ([`TenantActions::plan`],
//!    the exact HTTP call), then [`TenantActions::execute`] with the plan's digest, and only
//!    when the action is enabled in `[campaigns.actions]` (all off by default).
//!
//! Nothing here reads the wall clock: `now` is always given. The store
//! (`steward_store::campaigns`) keeps campaigns, tasks and their history; [`persist`] converts
//! between tasks and stored rows, and [`run`] does the operations over a store (open a
//! campaign, add planned tasks, record an answer, take the steps due).
//!
//! Wired to data: [`feed`] reads the planners' candidates from the store (usage, the directory,
//! the active policy set's violations), starts campaigns, follows compliance runs and deleted
//! resources, and does a scheduler's tick; [`manage`] holds what the CLI and the API share
//! (answers from words, task views and filters, a task's write action); [`transport`] sends
//! write actions through the Power Platform client.

pub mod actions;
pub mod compliance;
pub mod config;
pub mod feed;
pub mod inactivity;
pub mod machine;
pub mod manage;
pub mod orphaned;
pub mod persist;
pub mod plan;
pub mod promotion;
pub mod quarantine;
pub mod run;
pub mod task;
pub mod transport;

pub use actions::{
    Action, ActionEndpoints, ActionError, ActionKind, ActionOutcome, ActionPlan, HttpCall, HttpReply, HttpTransport,
    PowerPlatformActions, Service, TenantActions,
};
pub use config::{ActionsConfig, CampaignConfig, ConfigError};
pub use machine::{CampaignKind, TaskEvent, TaskState, TransitionError};
pub use plan::{
    ComplianceFinding, InactivityCandidate, OpenTasks, OrphanedCandidate, PromotionCandidate, ResourceRef,
    plan_compliance, plan_inactivity, plan_orphaned, plan_promotion, plan_quarantine,
};
pub use run::{Applied, CampaignError, DueReport};
pub use task::{Answer, AuditEntry, PolicyRef, PromotionRef, STEWARD, Step, Task, TaskData, advance, respond};
