//! Feeding the planners from the store, and following up what the store learns later.
//!
//! The planners ([`crate::plan`]) take candidates; this module reads them from current data:
//!
//! - [`inactivity_candidates`]: resources without use for `inactivity_days`, judged as
//!   `steward usage inactive` judges them (only kinds of which some resource was ever used, so
//!   an audit feed that logs no flow runs does not make every flow look abandoned), with the
//!   policy facts' CoE Starter Kit archive score;
//! - [`orphaned_candidates`]: resources none of whose owners is an active account (the
//!   policy facts' `orphaned`), asked of the leaver's manager;
//! - [`compliance_findings`] and [`quarantine_findings`]: open (not exempted) violations of the
//!   active policy set's policies whose effect asks for it, with the date each opened;
//! - [`promotion_candidates`]: catalog items at idea, prototype or pilot whose resource has a
//!   success detection that still fires or that the board promoted (dismissed ones never count).
//!
//! Owners and managers come from the directory. Nobody who left is asked: a task goes to the
//! first owner who is still active, else to the manager, and a manager who left counts as no
//! manager (the platform team decides).
//!
//! Then what a scheduler and `steward check` call:
//!
//! - [`start`]: plan a campaign of one kind from current data and open it (a dry run only
//!   answers the tasks it would open);
//! - [`after_compliance`]: after a compliance run was recorded, close the compliance requests
//!   whose violations no longer are open (`fixed` or `exempted`, answered by `steward`) and
//!   withdraw the quarantine recommendations whose violations went away;
//! - [`follow_deleted`]: tasks of resources deleted from the tenant are withdrawn, or recorded
//!   as done when the deletion or archive had been approved;
//! - [`tick`]: everything time-driven (the above, reminders, escalations, archives falling
//!   due) and closing campaigns whose tasks are all closed.

use crate::config::CampaignConfig;
use crate::machine::{CampaignKind, TaskState};
use crate::manage::answer_task;
use crate::plan::{
    ComplianceFinding, InactivityCandidate, OrphanedCandidate, PromotionCandidate, ResourceRef, plan_compliance,
    plan_inactivity, plan_orphaned, plan_promotion, plan_quarantine,
};
use crate::run::{Applied, CampaignError, add_planned, open_campaign, open_tasks, run_due};
use crate::task::{Answer, PolicyRef, STEWARD, Task};
use crate::{actions::Action, inactivity, orphaned, persist};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use steward_model::{Resource, Timestamp};
use steward_policy::facts::FactsBuilder;
use steward_policy::model::Effect;
use steward_store::campaigns::{Campaign, CampaignQuery, CampaignState, TaskQuery};
use steward_store::catalog::{CatalogQuery, PublicationState};
use steward_store::governance::{SubjectKind, ViolationQuery, ViolationState};
use steward_store::success::{DetectionQuery, DetectionState};
use steward_store::usage::BriefQuery;
use steward_store::{PrincipalQuery, ResourceQuery, Store, StoreError};
use steward_usage::trends::{InactiveQuery, inactive};

/// Rows read per page when walking the inventory or the directory.
const PAGE: u32 = 5_000;

/// Up to this many resources are read one by one; more, and the inventory is walked once.
const READ_ONE_BY_ONE: usize = 200;

/// The policy effects that make a compliance request: every effect but `record`.
pub const COMPLIANCE_EFFECTS: &[Effect] = &[Effect::Campaign, Effect::NotifyOwner, Effect::RecommendQuarantine];

/// The policy effect that makes a quarantine recommendation once a violation is pending.
pub const QUARANTINE_EFFECTS: &[Effect] = &[Effect::RecommendQuarantine];

/// Candidates read from the store, and why there are fewer than one might expect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fed<T> {
    pub candidates: Vec<T>,
    /// Sentences for people: what could not be judged, and why.
    pub notes: Vec<String>,
}

impl<T> Fed<T> {
    fn new(candidates: Vec<T>, notes: Vec<String>) -> Self {
        Fed { candidates, notes }
    }
}

// ---- the directory and the inventory ---------------------------------------------------------

/// Who is active and who manages whom.
struct Directory {
    /// Whether the directory was read at all: without it nobody can be called a leaver.
    known: bool,
    people: HashMap<String, Person>,
}

struct Person {
    active: bool,
    manager_id: Option<String>,
}

impl Directory {
    async fn load(store: &dyn Store, tenant: Option<&str>) -> Result<Directory, CampaignError> {
        let mut people = HashMap::new();
        let mut cursor = None;
        loop {
            let query = PrincipalQuery {
                tenant: tenant.map(str::to_string),
                limit: Some(PAGE),
                cursor: cursor.take(),
                ..PrincipalQuery::default()
            };
            let page = store.list_principals(&query).await?;
            for p in page.items {
                let manager_id = p.manager_id.clone().filter(|m| !m.trim().is_empty());
                people.insert(p.id.clone(), Person { active: !p.is_leaver(), manager_id });
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Ok(Directory { known: !people.is_empty(), people })
    }

    /// Enabled and not deleted. A principal the directory does not list counts as gone, as the
    /// policy facts count it; when no directory was read at all, everyone counts as active.
    fn is_active(&self, id: &str) -> bool {
        !self.known || self.people.get(id).is_some_and(|p| p.active)
    }

    /// The manager of `id`, when the directory names one who is still active.
    fn manager_of(&self, id: &str) -> Option<String> {
        let manager = self.people.get(id)?.manager_id.as_deref()?;
        (self.known && self.is_active(manager)).then(|| manager.to_string())
    }

    /// Who a task about `r` goes to: its first active owner (primary first), and the manager
    /// of that owner, or of the primary owner when none is active.
    fn ask(&self, r: &Resource) -> (Option<String>, Option<String>) {
        let owner = r.owners.iter().map(|o| o.principal_id.as_str()).find(|id| self.is_active(id));
        let manager = owner.or_else(|| r.primary_owner()).and_then(|id| self.manager_of(id));
        (owner.map(str::to_string), manager)
    }
}

fn resource_ref(r: &Resource) -> ResourceRef {
    ResourceRef {
        tenant_id: r.tenant_id.clone(),
        resource_id: r.id.clone(),
        environment_id: r.environment_id.clone(),
        name: r.display_name.clone(),
        kind: Some(r.kind),
    }
}

/// Every live (not deleted) resource of the tenant, a page at a time.
async fn scan_resources(
    store: &dyn Store,
    tenant: Option<&str>,
    mut each: impl FnMut(Resource),
) -> Result<(), CampaignError> {
    let mut cursor = None;
    loop {
        let query = ResourceQuery {
            tenant: tenant.map(str::to_string),
            limit: Some(PAGE),
            cursor: cursor.take(),
            ..ResourceQuery::default()
        };
        let page = store.list_resources(&query).await?;
        page.items.into_iter().for_each(&mut each);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// The live resources among `ids`: read one by one when they are few, else by one walk over
/// the inventory.
async fn live_resources(
    store: &dyn Store,
    tenant: Option<&str>,
    ids: &HashSet<String>,
) -> Result<HashMap<String, Resource>, CampaignError> {
    let mut out = HashMap::with_capacity(ids.len());
    if ids.len() <= READ_ONE_BY_ONE {
        for id in ids {
            if let Some(r) = store.get_resource(id).await?
                && r.deleted_at.is_none()
                && tenant.is_none_or(|t| t == r.tenant_id)
            {
                out.insert(id.clone(), r);
            }
        }
    } else {
        scan_resources(store, tenant, |r| {
            if ids.contains(&r.id) {
                out.insert(r.id.clone(), r);
            }
        })
        .await?;
    }
    Ok(out)
}

/// The start of a day, UTC: when a use recorded for that day counts from.
fn day_start(day: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---- candidates ------------------------------------------------------------------------------

/// Resources without use for `config.inactivity_days` as of `now`, with their owner, manager,
/// last use and archive score.
pub async fn inactivity_candidates(
    store: &dyn Store,
    tenant: Option<&str>,
    now: Timestamp,
    config: &CampaignConfig,
) -> Result<Fed<InactivityCandidate>, CampaignError> {
    let day = now.date_naive();
    let query = InactiveQuery {
        tenant_id: tenant.map(str::to_string),
        days: config.inactivity_days,
        ..InactiveQuery::new(day)
    };
    let report = inactive(store, &query).await.map_err(|e| match e {
        steward_usage::UsageError::Store(e) => CampaignError::Store(e),
        other => CampaignError::Feed(format!("cannot judge which resources are unused: {other}")),
    })?;
    let mut notes = Vec::new();
    if report.kinds.is_empty() {
        notes.push(
            "no use of any resource is recorded, so Steward cannot tell an unused resource from one whose use is \
             not logged; read usage first (`steward sync`, or `steward import` of an audit export)"
                .to_string(),
        );
        return Ok(Fed::new(Vec::new(), notes));
    }
    // Usage is known from the first recorded use on: "unused for 180 days" needs 180 days of it.
    let known_since = store.usage_spans(tenant, None).await?.into_iter().map(|s| s.first).min();
    let window_start = day - chrono::Days::new(u64::from(config.inactivity_days));
    if let Some(since) = known_since.filter(|since| *since > window_start) {
        notes.push(format!(
            "usage is recorded since {since} ({} days), fewer than inactivity_days ({}): Steward cannot tell yet \
             which resources went unused that long; lower campaigns.inactivity_days or read older audit logs",
            (day - since).num_days(),
            config.inactivity_days
        ));
        return Ok(Fed::new(Vec::new(), notes));
    }
    let kinds: Vec<&str> = report.kinds.iter().map(|k| k.as_str()).collect();
    notes.push(format!(
        "judged: {} (kinds with recorded use); usage recorded since {}",
        kinds.join(", "),
        known_since.map_or_else(|| "-".to_string(), |d| d.to_string())
    ));

    let last_use: HashMap<String, Option<NaiveDate>> =
        report.items.into_iter().map(|i| (i.resource_id, i.last_use)).collect();
    let ids: HashSet<String> = last_use.keys().cloned().collect();
    let resources = live_resources(store, tenant, &ids).await?;
    // The archive score exactly as policies see it: the facts builder computes it.
    let mut builder = FactsBuilder::new(day);
    for r in resources.values() {
        builder.add_resource(r);
    }
    let scores: HashMap<String, u8> =
        builder.build().resources.iter().map(|f| (f.id.to_string(), f.archive_score)).collect();
    let directory = Directory::load(store, tenant).await?;

    let mut candidates: Vec<InactivityCandidate> = resources
        .values()
        .map(|r| {
            let (owner_id, manager_id) = directory.ask(r);
            InactivityCandidate {
                resource: resource_ref(r),
                owner_id,
                manager_id,
                last_used_at: last_use.get(&r.id).copied().flatten().map(day_start),
                // Never used: counted from creation, or from when usage records start.
                created_at: match (r.created_at, known_since.map(day_start)) {
                    (Some(created), Some(since)) => Some(created.max(since)),
                    (created, _) => created,
                },
                archive_score: scores.get(&r.id).copied(),
            }
        })
        .collect();
    candidates.sort_by(|a, b| a.resource.resource_id.cmp(&b.resource.resource_id));
    Ok(Fed::new(candidates, notes))
}

/// Resources none of whose owners is active, with the owner who left and their manager.
pub async fn orphaned_candidates(
    store: &dyn Store,
    tenant: Option<&str>,
) -> Result<Fed<OrphanedCandidate>, CampaignError> {
    let directory = Directory::load(store, tenant).await?;
    if !directory.known {
        let note = "no directory (users) is recorded, so Steward cannot tell who left; sync or import the \
                    directory first"
            .to_string();
        return Ok(Fed::new(Vec::new(), vec![note]));
    }
    let mut candidates = Vec::new();
    let mut ownerless = 0usize;
    scan_resources(store, tenant, |r| {
        if r.owners.iter().any(|o| directory.is_active(&o.principal_id)) {
            return;
        }
        // No owner listed: the creator, if they left, is who the resource was left by.
        let leaver = match r.primary_owner() {
            Some(owner) => owner.to_string(),
            None => match r.created_by.as_deref().filter(|c| !directory.is_active(c)) {
                Some(creator) => creator.to_string(),
                None => {
                    ownerless += 1;
                    return;
                }
            },
        };
        let manager_id = directory.manager_of(&leaver);
        candidates.push(OrphanedCandidate { resource: resource_ref(&r), leaver_id: leaver, manager_id });
    })
    .await?;
    let mut notes = Vec::new();
    if ownerless > 0 {
        notes.push(format!(
            "{} no owner and no creator who left; not asked about",
            plural(ownerless, "resource lists", "resources list")
        ));
    }
    candidates.sort_by(|a, b| a.resource.resource_id.cmp(&b.resource.resource_id));
    Ok(Fed::new(candidates, notes))
}

/// Open violations of the active set's policies whose effect asks for a compliance request.
pub async fn compliance_findings(
    store: &dyn Store,
    tenant: Option<&str>,
) -> Result<Fed<ComplianceFinding>, CampaignError> {
    Ok(findings(store, tenant, COMPLIANCE_EFFECTS).await?.0)
}

/// Open violations of the active set's policies with effect `recommend-quarantine`, on
/// resources not already quarantined. The planner keeps those pending long enough.
pub async fn quarantine_findings(
    store: &dyn Store,
    tenant: Option<&str>,
) -> Result<Fed<ComplianceFinding>, CampaignError> {
    let (mut fed, quarantined) = findings(store, tenant, QUARANTINE_EFFECTS).await?;
    let before = fed.candidates.len();
    fed.candidates.retain(|f| !quarantined.contains(&f.resource.resource_id));
    let already = before - fed.candidates.len();
    if already > 0 {
        fed.notes.push(format!(
            "{} already quarantined",
            plural(already, "violation is on a resource", "violations are on resources")
        ));
    }
    Ok(fed)
}

/// The findings, and the ids of the quarantined resources among their subjects.
async fn findings(
    store: &dyn Store,
    tenant: Option<&str>,
    effects: &[Effect],
) -> Result<(Fed<ComplianceFinding>, HashSet<String>), CampaignError> {
    let (set, _) = steward_compliance::run::active_set(store).await.map_err(|e| match e {
        steward_compliance::ComplianceError::Store(e) => CampaignError::Store(e),
        other => CampaignError::Feed(other.to_string()),
    })?;
    let policies: HashMap<&str, _> =
        set.policies.iter().filter(|p| effects.contains(&p.effect)).map(|p| (p.id.as_str(), p)).collect();
    let names: Vec<&str> = effects.iter().map(|e| e.as_str()).collect();
    let mut notes = Vec::new();
    if policies.is_empty() {
        notes.push(format!(
            "no policy of the active set (version {}) has effect {}; set `effect:` in the policy set to use this campaign",
            set.version,
            names.join(" or ")
        ));
        return Ok((Fed::new(Vec::new(), notes), HashSet::new()));
    }
    let mut policy_ids: Vec<String> = policies.keys().map(|id| id.to_string()).collect();
    policy_ids.sort();
    let violations = store
        .list_violations(&ViolationQuery {
            states: vec![ViolationState::Open],
            policy_ids,
            tenant_id: tenant.map(str::to_string),
            ..ViolationQuery::default()
        })
        .await?;
    if violations.is_empty() && store.compliance_runs(1).await?.is_empty() {
        notes.push("no compliance run is recorded yet; run `steward check` first".to_string());
    }

    let resource_ids: HashSet<String> =
        violations.iter().filter(|v| v.subject_kind == SubjectKind::Resource).map(|v| v.subject_id.clone()).collect();
    let resources = live_resources(store, tenant, &resource_ids).await?;
    let directory = Directory::load(store, tenant).await?;
    let mut environments: HashMap<String, String> = HashMap::new();
    let mut gone = 0usize;
    let mut out = Vec::with_capacity(violations.len());
    for v in &violations {
        let Some(policy) = policies.get(v.policy_id.as_str()) else { continue };
        let (resource, owner_id, manager_id) = match v.subject_kind {
            SubjectKind::Resource => {
                let Some(r) = resources.get(&v.subject_id) else {
                    gone += 1;
                    continue;
                };
                let (owner, manager) = directory.ask(r);
                (resource_ref(r), owner, manager)
            }
            // An environment has no owner: its requests go to the platform team.
            SubjectKind::Environment => {
                if !environments.contains_key(&v.subject_id) {
                    let name = store.get_environment(&v.subject_id).await?.map(|e| e.display_name).unwrap_or_default();
                    environments.insert(v.subject_id.clone(), name);
                }
                let reference = ResourceRef {
                    tenant_id: v.tenant_id.clone(),
                    resource_id: v.subject_id.clone(),
                    environment_id: v.environment_id.clone(),
                    name: environments.get(&v.subject_id).cloned().unwrap_or_default(),
                    kind: None,
                };
                (reference, None, None)
            }
        };
        out.push(ComplianceFinding {
            resource,
            policy: PolicyRef {
                policy_id: v.policy_id.clone(),
                title: policy.title.clone(),
                remediation: policy.remediation.trim().to_string(),
                violation_opened_at: Some(v.opened_at),
            },
            owner_id,
            manager_id,
        });
    }
    if gone > 0 {
        notes.push(format!(
            "{} on resources no longer in the inventory; the next `steward check` resolves them",
            plural(gone, "violation is", "violations are")
        ));
    }
    let quarantined = resources.values().filter(|r| r.quarantined).map(|r| r.id.clone()).collect();
    Ok((Fed::new(out, notes), quarantined))
}

/// Catalog items whose resource succeeds: a success detection that is not dismissed and either
/// still fires or was promoted by the board, on a live resource whose catalog item (not
/// rejected or withdrawn) is at a stage with a next one. Asked of the item's owner, else of the
/// resource's first active owner.
pub async fn promotion_candidates(
    store: &dyn Store,
    tenant: Option<&str>,
) -> Result<Fed<PromotionCandidate>, CampaignError> {
    let query = DetectionQuery { tenant_id: tenant.map(str::to_string), ..DetectionQuery::default() };
    let mut succeeding: BTreeMap<String, String> = BTreeMap::new();
    for d in store.list_detections(&query).await? {
        let counts = d.state == DetectionState::Promoted || (d.active && d.state != DetectionState::Dismissed);
        if !counts {
            continue;
        }
        let why = match (d.state, d.state_by.as_deref()) {
            (DetectionState::Promoted, Some(by)) => format!("success rule `{}` fired; promoted by {by}", d.rule_id),
            _ => format!("success rule `{}` fired (window {} to {})", d.rule_id, d.window_from, d.window_to),
        };
        succeeding.entry(d.resource_id.clone()).or_insert(why);
    }
    let mut notes = Vec::new();
    if succeeding.is_empty() {
        notes.push("no success detection fires; run `steward success evaluate` first".to_string());
        return Ok(Fed::new(Vec::new(), notes));
    }
    let ids: HashSet<String> = succeeding.keys().cloned().collect();
    let resources = live_resources(store, tenant, &ids).await?;
    let directory = Directory::load(store, tenant).await?;
    let mut out = Vec::new();
    let mut without_item = 0usize;
    for (resource_id, because) in &succeeding {
        let Some(r) = resources.get(resource_id) else { continue };
        let items = store
            .list_catalog_items(&CatalogQuery { resource_id: Some(resource_id.clone()), ..CatalogQuery::default() })
            .await?
            .items;
        let Some(item) =
            items.into_iter().find(|i| !matches!(i.state, PublicationState::Rejected | PublicationState::Withdrawn))
        else {
            without_item += 1;
            continue;
        };
        if item.stage.next().is_none() {
            continue;
        }
        let (owner, manager) = directory.ask(r);
        let owner_id = item.fields.owner.clone().filter(|o| !o.trim().is_empty()).or(owner);
        out.push(PromotionCandidate {
            resource: resource_ref(r),
            item_id: item.id,
            item_title: item.fields.title.clone(),
            stage: item.stage,
            owner_id,
            manager_id: manager,
            because: because.clone(),
        });
    }
    if without_item > 0 {
        notes.push(format!(
            "{} no catalog item; propose one from the resource page to have it promoted",
            plural(without_item, "succeeding resource has", "succeeding resources have")
        ));
    }
    Ok(Fed::new(out, notes))
}

// ---- starting a campaign ---------------------------------------------------------------------

/// What to start.
#[derive(Debug, Clone, PartialEq)]
pub struct StartOptions {
    pub kind: CampaignKind,
    /// Default: the kind's name and the day, e.g. "Inactivity clean-up 2026-03-01".
    pub title: Option<String>,
    /// Who starts it (recorded as the campaign's creator).
    pub by: String,
    /// Only this tenant's resources; every tenant when `None`.
    pub tenant: Option<String>,
    pub now: Timestamp,
    /// Plan only: nothing is written.
    pub dry_run: bool,
    /// Open at most this many tasks (the planners' order: for inactivity, the safest to
    /// archive first).
    pub limit: Option<usize>,
}

/// What [`start`] did or, in a dry run, would do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartReport {
    pub kind: CampaignKind,
    pub dry_run: bool,
    /// Candidates read from the store (before the planner's own checks).
    pub candidates: usize,
    /// The tasks planned, in the planner's order (after `limit`).
    pub planned: Vec<Task>,
    /// Planned tasks left out by `limit`.
    pub left_out: usize,
    /// The campaign opened; `None` in a dry run or when there was nothing to open.
    pub campaign: Option<Campaign>,
    /// Ids of the tasks opened.
    pub added: Vec<i64>,
    /// Resources skipped because an open task of the kind appeared meanwhile.
    pub skipped: Vec<String>,
    pub notes: Vec<String>,
}

/// The default title of a campaign started at `now`.
pub fn default_title(kind: CampaignKind, now: Timestamp) -> String {
    let name = match kind {
        CampaignKind::Compliance => "Compliance requests",
        CampaignKind::Inactivity => "Inactivity clean-up",
        CampaignKind::Orphaned => "Orphaned resources",
        CampaignKind::Quarantine => "Quarantine recommendations",
        CampaignKind::Promotion => "Catalog promotions",
    };
    format!("{name} {}", now.format("%Y-%m-%d"))
}

/// Plan a campaign of `options.kind` from current data and, unless it is a dry run, open it
/// with its tasks. No campaign is created when there is nothing to ask.
pub async fn start(
    store: &dyn Store,
    config: &CampaignConfig,
    options: &StartOptions,
) -> Result<StartReport, CampaignError> {
    config.validate()?;
    let tenant = options.tenant.as_deref();
    let open = open_tasks(store).await?;
    let now = options.now;
    let (candidates, mut planned, notes) = match options.kind {
        CampaignKind::Inactivity => {
            let fed = inactivity_candidates(store, tenant, now, config).await?;
            (fed.candidates.len(), plan_inactivity(&fed.candidates, &open, now, config), fed.notes)
        }
        CampaignKind::Orphaned => {
            let fed = orphaned_candidates(store, tenant).await?;
            (fed.candidates.len(), plan_orphaned(&fed.candidates, &open, now, config), fed.notes)
        }
        CampaignKind::Compliance => {
            let fed = compliance_findings(store, tenant).await?;
            (fed.candidates.len(), plan_compliance(&fed.candidates, &open, now, config), fed.notes)
        }
        CampaignKind::Quarantine => {
            let fed = quarantine_findings(store, tenant).await?;
            (fed.candidates.len(), plan_quarantine(&fed.candidates, &open, now, config), fed.notes)
        }
        CampaignKind::Promotion => {
            let fed = promotion_candidates(store, tenant).await?;
            (fed.candidates.len(), plan_promotion(&fed.candidates, &open, now, config), fed.notes)
        }
    };
    let left_out = options.limit.map_or(0, |limit| planned.len().saturating_sub(limit));
    if let Some(limit) = options.limit {
        planned.truncate(limit);
    }
    let mut report = StartReport {
        kind: options.kind,
        dry_run: options.dry_run,
        candidates,
        planned,
        left_out,
        campaign: None,
        added: Vec::new(),
        skipped: Vec::new(),
        notes,
    };
    if options.dry_run || report.planned.is_empty() {
        return Ok(report);
    }
    let title = options.title.clone().unwrap_or_else(|| default_title(options.kind, now));
    let campaign = open_campaign(store, options.kind, &title, &options.by, now, config).await?;
    let added = add_planned(store, &campaign, &report.planned).await?;
    report.added = added.added;
    report.skipped = added.skipped;
    // Read back for its task counts.
    report.campaign = Some(store.get_campaign(campaign.id).await?.unwrap_or(campaign));
    Ok(report)
}

// ---- following up ----------------------------------------------------------------------------

/// One step written by a follow-up or a scheduler run, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTaken {
    pub task_id: i64,
    pub campaign_id: i64,
    pub kind: String,
    pub resource_id: String,
    pub resource_name: String,
    pub event: String,
    pub from: String,
    pub to: String,
    pub actor: String,
    /// Who the task waits for after the step.
    pub assignee: String,
    pub at: Timestamp,
    pub note: Option<String>,
    /// A write action the step makes due (Steward records it; see `steward campaign action`).
    pub recommend: Option<Action>,
}

impl From<&Applied> for StepTaken {
    fn from(a: &Applied) -> Self {
        StepTaken {
            task_id: a.task_id,
            campaign_id: a.task.campaign_id,
            kind: a.task.kind.clone(),
            resource_id: a.task.resource_id.clone(),
            resource_name: a.step.data.resource_name.clone(),
            event: a.step.event.as_str().to_string(),
            from: a.step.from.as_str().to_string(),
            to: a.step.to.as_str().to_string(),
            actor: a.step.actor.clone(),
            assignee: a.task.assignee.clone(),
            at: a.step.at,
            note: a.step.note.clone(),
            recommend: a.step.recommend.clone(),
        }
    }
}

/// What a follow-up did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FollowUp {
    pub steps: Vec<StepTaken>,
    /// Tasks someone else moved meanwhile (left as they are).
    pub stale: Vec<i64>,
}

impl FollowUp {
    async fn answer(
        &mut self,
        store: &dyn Store,
        id: i64,
        answer: Answer,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<(), CampaignError> {
        match answer_task(store, id, &answer, STEWARD, note, at).await {
            Ok(applied) => self.steps.push(StepTaken::from(&applied)),
            // Answered by someone else meanwhile, or closed: theirs stands.
            Err(CampaignError::Stale { .. } | CampaignError::Refused(_)) => self.stale.push(id),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// After a compliance run was recorded (`steward check`, the evaluation after a sync): every
/// open compliance request none of whose violations is open any more is closed by `steward`
/// — `exempted` when one of them is under an exemption, else `fixed` — and every open
/// quarantine recommendation none of whose violations is open is withdrawn.
pub async fn after_compliance(store: &dyn Store, at: Timestamp) -> Result<FollowUp, CampaignError> {
    let mut report = FollowUp::default();
    let rows: Vec<_> = store
        .list_campaign_tasks(&TaskQuery { open: Some(true), ..TaskQuery::default() })
        .await?
        .into_iter()
        .filter(|r| r.kind == CampaignKind::Compliance.as_str() || r.kind == CampaignKind::Quarantine.as_str())
        .collect();
    if rows.is_empty() {
        return Ok(report);
    }
    let open: HashSet<(String, String)> =
        store.open_violation_keys(None).await?.into_iter().map(|(policy, subject, _)| (policy, subject)).collect();
    for row in rows {
        let task = persist::task_from_row(&row)?;
        let policies: Vec<String> = task.data.policies.iter().map(|p| p.policy_id.clone()).collect();
        if policies.is_empty() || policies.iter().any(|p| open.contains(&(p.clone(), task.resource_id.clone()))) {
            continue;
        }
        let list = policies.join(", ");
        let (answer, note) = match task.kind() {
            CampaignKind::Compliance => {
                let exempted = store
                    .list_violations(&ViolationQuery {
                        states: vec![ViolationState::Exempted],
                        policy_ids: policies.clone(),
                        subject_id: Some(task.resource_id.clone()),
                        ..ViolationQuery::default()
                    })
                    .await?;
                match exempted.first() {
                    Some(v) => {
                        let reason = match v.exemption_id {
                            Some(id) => format!("the violation of {} is under exemption {id}", v.policy_id),
                            None => format!("the violation of {} is exempted", v.policy_id),
                        };
                        (Answer::Exempted { reason }, None)
                    }
                    None => (Answer::Fixed, Some(format!("a compliance run no longer finds {list}"))),
                }
            }
            _ => (Answer::Withdraw { reason: format!("no violation of {list} is open any more") }, None),
        };
        report.answer(store, row.id, answer, note.as_deref(), at).await?;
    }
    Ok(report)
}

/// Open tasks about resources deleted from the tenant (or gone from the inventory): recorded as
/// done when their deletion or archive had been approved, else withdrawn. Tasks about
/// environments are left alone.
pub async fn follow_deleted(store: &dyn Store, at: Timestamp) -> Result<FollowUp, CampaignError> {
    let mut report = FollowUp::default();
    let mut tasks = Vec::new();
    for row in store.list_campaign_tasks(&TaskQuery { open: Some(true), ..TaskQuery::default() }).await? {
        let task = persist::task_from_row(&row)?;
        // A task about an environment has no resource kind.
        if task.data.resource_kind.is_some() {
            tasks.push((row.id, task));
        }
    }
    if tasks.is_empty() {
        return Ok(report);
    }
    let ids: Vec<String> =
        tasks.iter().map(|(_, t)| t.resource_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let briefs: HashMap<String, Option<Timestamp>> = store
        .resource_briefs(&BriefQuery { ids: Some(ids), include_deleted: true, ..BriefQuery::default() })
        .await?
        .into_iter()
        .map(|b| (b.id, b.deleted_at))
        .collect();
    for (id, task) in tasks {
        let gone = match briefs.get(&task.resource_id) {
            Some(None) => continue,
            Some(Some(deleted)) => {
                format!("the resource was deleted from the tenant (noticed {})", deleted.format("%Y-%m-%d"))
            }
            None => "the resource is no longer in the inventory".to_string(),
        };
        let approved = matches!(
            task.state,
            TaskState::Inactivity(inactivity::State::ApprovedForArchive | inactivity::State::ArchiveDue)
                | TaskState::Orphaned(orphaned::State::DeletionApproved)
        );
        if approved {
            report.answer(store, id, Answer::Done, Some(&gone), at).await?;
        } else {
            report.answer(store, id, Answer::Withdraw { reason: gone }, None, at).await?;
        }
    }
    Ok(report)
}

/// What [`tick`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TickReport {
    /// Tasks of deleted resources closed.
    pub deleted: Vec<StepTaken>,
    /// Reminders, escalations and archives falling due, in order.
    pub due: Vec<StepTaken>,
    /// Tasks another writer moved while this run computed their steps.
    pub stale: Vec<i64>,
    /// Campaigns closed because none of their tasks is open any more.
    pub closed: Vec<i64>,
}

/// Everything time-driven, at `now`: what a scheduler calls (`steward campaign tick`).
pub async fn tick(store: &dyn Store, now: Timestamp) -> Result<TickReport, CampaignError> {
    let mut deleted = follow_deleted(store, now).await?;
    let moved = follow_catalog(store, now).await?;
    deleted.steps.extend(moved.steps);
    deleted.stale.extend(moved.stale);
    let due = run_due(store, now).await?;
    let closed = close_finished(store, now).await?;
    let mut stale = deleted.stale;
    stale.extend(due.stale);
    Ok(TickReport { deleted: deleted.steps, due: due.applied.iter().map(StepTaken::from).collect(), stale, closed })
}

/// Open promotion proposals whose catalog item moved meanwhile (by hand, or retired) or is
/// gone are withdrawn by `steward`: the proposal no longer fits the item.
pub async fn follow_catalog(store: &dyn Store, at: Timestamp) -> Result<FollowUp, CampaignError> {
    let mut report = FollowUp::default();
    let query = TaskQuery {
        kind: Some(CampaignKind::Promotion.as_str().to_string()),
        open: Some(true),
        ..TaskQuery::default()
    };
    for row in store.list_campaign_tasks(&query).await? {
        let task = persist::task_from_row(&row)?;
        let Some(p) = task.data.promotion.as_ref() else { continue };
        let reason = match store.get_catalog_item(p.item_id).await? {
            None => format!("catalog item {} no longer exists", p.item_id),
            Some(item) if item.stage != p.from => format!("the item moved to {} meanwhile", item.stage),
            Some(_) => continue,
        };
        report.answer(store, row.id, Answer::Withdraw { reason }, None, at).await?;
    }
    Ok(report)
}

/// Close every open campaign that has tasks and none of them open; answers their ids.
pub async fn close_finished(store: &dyn Store, now: Timestamp) -> Result<Vec<i64>, CampaignError> {
    let mut closed = Vec::new();
    let open = CampaignQuery { state: Some(CampaignState::Open), ..CampaignQuery::default() };
    for c in store.list_campaigns(&open).await? {
        if c.tasks == 0 || c.open_tasks > 0 {
            continue;
        }
        match store.close_campaign(c.id, STEWARD, now).await {
            Ok(_) => closed.push(c.id),
            // Closed by someone else meanwhile, or a task was added: nothing to do.
            Err(StoreError::InvalidQuery(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(closed)
}

/// Counts of tasks by state, for summaries.
pub fn count_states<'a>(states: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for s in states {
        *counts.entry(s.to_string()).or_insert(0) += 1;
    }
    counts
}
