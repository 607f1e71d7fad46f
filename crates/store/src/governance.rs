//! Governance as the store keeps it: versioned policy sets and their adoption, compliance runs,
//! violations (one row per policy × subject episode) with the history of every episode, and
//! exemptions.
//!
//! Policies themselves live in `steward-policy`, which the store does not depend on: a policy
//! set travels as JSON plus plain fields, and a compliance run as findings made of strings and
//! numbers. The decisions both backends must take the same way are written here once: what a
//! finding does to the live violation it meets ([`Step::decide`]), what a run must satisfy
//! before anything is written ([`ComplianceRun::check`]), and when an exemption applies
//! ([`Exemption::is_active`], [`Exemption::covers`], [`ExemptionIndex`]).
//!
//! A violation is *live* while it is `open` or `exempted`; there is at most one live violation
//! per policy and subject. A finding on a subject whose last episode is resolved starts a new
//! episode (a new row), so the history of a resource shows every time it fell out of compliance.

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use steward_model::Timestamp;

steward_model::string_enum!(
    /// How binding a policy is; the same spelling as `steward_policy::Level`.
    Level, "policy level" {
        Must => "must",
        Should => "should",
        Could => "could",
    }
);

steward_model::string_enum!(
    /// What a policy judges; the same spelling as `steward_policy::Subject`.
    SubjectKind, "subject kind" {
        Resource => "resource",
        Environment => "environment",
    }
);

steward_model::string_enum!(
    /// Where a violation episode is. `open` and `exempted` are live; `resolved` is final.
    ViolationState, "violation state" {
        Open => "open",
        Exempted => "exempted",
        Resolved => "resolved",
    }
);

steward_model::string_enum!(
    /// What happened to a violation, as its history records it.
    EventKind, "violation event" {
        /// A new episode: the policy found the subject out of compliance.
        Opened => "opened",
        /// The violation came under an exemption (or under another one).
        Exempted => "exempted",
        /// Its exemption expired or was revoked while the finding persists.
        Reopened => "reopened",
        /// The policy was evaluated and no longer finds the subject.
        Resolved => "resolved",
    }
);

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidQuery(format!("{what} is required")));
    }
    Ok(())
}

// ---- policy sets ----------------------------------------------------------------------------

/// A policy set to save. Versions are immutable: see [`crate::Store::save_policy_set`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPolicySet {
    /// The set's label, e.g. `v3`.
    pub version: String,
    /// A digest of the content (computed by the caller, e.g. over the policy files); two saves of
    /// one version must carry the same digest.
    pub digest: String,
    /// The policies, as JSON (the store does not interpret it).
    pub content: serde_json::Value,
    pub saved_by: String,
    pub at: Timestamp,
}

impl NewPolicySet {
    /// Refuse a set with a missing field, naming it.
    pub fn check(&self) -> Result<()> {
        required(&self.version, "a policy set version")?;
        required(&self.digest, "the policy set's digest")?;
        required(&self.saved_by, "who saves the policy set (saved_by)")
    }
}

/// What [`crate::Store::save_policy_set`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaveOutcome {
    /// The version is new and was saved.
    Saved,
    /// The version was already saved with the same digest; nothing was written.
    AlreadySaved,
}

/// The refusal of a version saved again with other content.
pub fn policy_set_conflict(version: &str, stored_digest: &str, new_digest: &str) -> StoreError {
    StoreError::InvalidQuery(format!(
        "policy set version '{version}' is already saved with other content (digest {stored_digest}, \
         this one {new_digest}); versions are immutable, pick a new version label"
    ))
}

/// A saved policy set without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySetInfo {
    pub version: String,
    pub digest: String,
    pub saved_by: String,
    pub saved_at: Timestamp,
    /// The set evaluations use; at most one saved set is active.
    pub active: bool,
    /// The last adoption of this version, if it was ever adopted.
    pub adopted_by: Option<String>,
    pub adopted_at: Option<Timestamp>,
}

/// A saved policy set with its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredPolicySet {
    #[serde(flatten)]
    pub info: PolicySetInfo,
    pub content: serde_json::Value,
}

/// One entry of the adoption history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyAdoption {
    /// Position in the history (increasing).
    pub seq: i64,
    pub version: String,
    /// The set that was active before, if any.
    pub previous: Option<String>,
    pub adopted_by: String,
    pub adopted_at: Timestamp,
}

// ---- compliance runs ------------------------------------------------------------------------

/// One policy finding one subject out of compliance, as an evaluation hands it to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceFinding {
    pub policy_id: String,
    pub policy_version: u32,
    pub level: Level,
    pub subject_kind: SubjectKind,
    /// Resource id, or environment id for environment policies.
    pub subject_id: String,
    pub tenant_id: String,
    /// The subject's environment (the environment itself for environment policies).
    pub environment_id: String,
    /// The facts the condition read (a JSON object), so a reader sees why it fired.
    pub evidence: serde_json::Value,
    /// The active exemption covering this finding, decided by the caller at evaluation time
    /// (see [`ExemptionIndex`]); `None` when none applies (or the one that did has expired).
    pub exemption_id: Option<i64>,
}

/// One evaluation to record in one transaction: see [`crate::Store::record_compliance`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceRun {
    pub at: Timestamp,
    /// The version of the policy set evaluated.
    pub policy_set_version: String,
    /// The tenant evaluated; `None` for every tenant. Only violations of this tenant resolve.
    pub tenant_id: Option<String>,
    /// How many subjects (resources and environments) were evaluated.
    pub subjects_evaluated: u64,
    /// The ids of the policies evaluated. Live violations of these policies without a finding
    /// resolve; violations of other policies are left alone.
    pub policies: Vec<String>,
    pub findings: Vec<ComplianceFinding>,
    /// The criticality and service level of every evaluated resource: the store writes each
    /// one's status (with its compliance state from the live violations after the run) in the
    /// same transaction, so inventory lists can filter on them. Resources not listed keep the
    /// status of the last run that listed them.
    #[serde(default)]
    pub statuses: Vec<crate::inventory::StatusInput>,
}

/// What [`ComplianceRun::check`] found worth knowing for the write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCheck {
    /// The policies evaluated, distinct and sorted.
    pub policies: Vec<String>,
    /// The exemptions the findings name, distinct and sorted; the backend checks they exist
    /// with [`check_exemption_refs`].
    pub exemption_ids: Vec<i64>,
}

impl ComplianceRun {
    /// Refuse a run that would record something inconsistent, before anything is written:
    /// a finding of a policy the run does not list, a finding of another tenant than the run's,
    /// a policy and subject listed twice, missing ids.
    pub fn check(&self) -> Result<RunCheck> {
        required(&self.policy_set_version, "the policy set version of a compliance run")?;
        if let Some(tenant) = &self.tenant_id {
            required(tenant, "the tenant of a compliance run, when given,")?;
        }
        let policies: BTreeSet<&str> = self.policies.iter().map(String::as_str).collect();
        if policies.iter().any(|p| p.trim().is_empty()) {
            return Err(StoreError::InvalidQuery("the run lists a policy with an empty id".into()));
        }
        // FxHash: this set holds every finding of a run (half a million), and its keys are ours.
        let mut seen: rustc_hash::FxHashSet<(&str, &str)> =
            rustc_hash::FxHashSet::with_capacity_and_hasher(self.findings.len(), Default::default());
        let mut exemptions = BTreeSet::new();
        for f in &self.findings {
            if f.subject_id.is_empty() {
                return Err(StoreError::InvalidQuery(format!(
                    "a finding of policy '{}' has no subject id",
                    f.policy_id
                )));
            }
            if !policies.contains(f.policy_id.as_str()) {
                return Err(StoreError::InvalidQuery(format!(
                    "a finding of policy '{}' (subject '{}') is not among the policies the run evaluated; \
                     list every evaluated policy in `policies`",
                    f.policy_id, f.subject_id
                )));
            }
            if let Some(tenant) = &self.tenant_id
                && f.tenant_id != *tenant
            {
                return Err(StoreError::InvalidQuery(format!(
                    "the run evaluates tenant '{tenant}' but the finding of policy '{}' for subject '{}' \
                     belongs to tenant '{}'",
                    f.policy_id, f.subject_id, f.tenant_id
                )));
            }
            if !seen.insert((&f.policy_id, &f.subject_id)) {
                return Err(duplicate_finding(&f.policy_id, &f.subject_id));
            }
            if let Some(id) = f.exemption_id {
                exemptions.insert(id);
            }
        }
        let mut statuses: rustc_hash::FxHashSet<&str> =
            rustc_hash::FxHashSet::with_capacity_and_hasher(self.statuses.len(), Default::default());
        for s in &self.statuses {
            if s.resource_id.is_empty() {
                return Err(StoreError::InvalidQuery("the run lists a resource status with an empty id".into()));
            }
            if !statuses.insert(&s.resource_id) {
                return Err(StoreError::InvalidQuery(format!(
                    "the run lists the status of resource '{}' twice",
                    s.resource_id
                )));
            }
        }
        Ok(RunCheck {
            policies: policies.into_iter().map(str::to_string).collect(),
            exemption_ids: exemptions.into_iter().collect(),
        })
    }
}

/// The refusal of a run listing one policy and subject twice.
pub fn duplicate_finding(policy_id: &str, subject_id: &str) -> StoreError {
    StoreError::InvalidQuery(format!("the run lists policy '{policy_id}' for subject '{subject_id}' twice"))
}

/// Check that every exemption a finding names exists and is an exemption of the finding's
/// policy. `known` maps the ids found in the store to their policy.
pub fn check_exemption_refs(run: &ComplianceRun, known: &HashMap<i64, String>) -> Result<()> {
    for f in &run.findings {
        let Some(id) = f.exemption_id else { continue };
        match known.get(&id) {
            None => {
                return Err(StoreError::InvalidQuery(format!(
                    "the finding of policy '{}' for subject '{}' names exemption {id}, which does not exist",
                    f.policy_id, f.subject_id
                )));
            }
            Some(policy) if *policy != f.policy_id => {
                return Err(StoreError::InvalidQuery(format!(
                    "the finding of policy '{}' for subject '{}' names exemption {id}, which exempts policy '{policy}'",
                    f.policy_id, f.subject_id
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// What a finding does to the live violation of its policy and subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No live violation: a new episode, `open` (event `opened`) or `exempted` when the finding
    /// carries an exemption (events `opened` and `exempted`).
    Open,
    /// Live, and stays as it is (open without exemption, or exempted under the same one):
    /// refresh last seen and evidence, no event.
    Refresh,
    /// An open violation now under an exemption: `exempted`, event `exempted`.
    Exempt,
    /// An exempted violation now under another exemption: stays `exempted`, event `exempted`.
    SwitchExemption,
    /// An exempted violation whose finding carries no exemption any more (it expired or was
    /// revoked): `open`, event `reopened`.
    Reopen,
}

impl Step {
    /// `live`: the state and exemption of the live violation, if there is one.
    pub fn decide(live: Option<(ViolationState, Option<i64>)>, exemption: Option<i64>) -> Step {
        match (live, exemption) {
            (None | Some((ViolationState::Resolved, _)), _) => Step::Open,
            (Some((ViolationState::Open, _)), None) => Step::Refresh,
            (Some((ViolationState::Open, _)), Some(_)) => Step::Exempt,
            (Some((ViolationState::Exempted, _)), None) => Step::Reopen,
            (Some((ViolationState::Exempted, was)), Some(now)) if was == Some(now) => Step::Refresh,
            (Some((ViolationState::Exempted, _)), Some(_)) => Step::SwitchExemption,
        }
    }
}

/// Why an exemption stopped covering a finding, for the `reopened` event's note.
pub fn reopen_note(
    exemption_id: Option<i64>,
    revoked_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    at: Timestamp,
) -> String {
    let Some(id) = exemption_id else { return "no exemption applies any more".into() };
    let why = if revoked_at.is_some_and(|r| r <= at) {
        "was revoked"
    } else if expires_at.is_some_and(|e| e <= at) {
        "expired"
    } else {
        "no longer applies"
    };
    format!("exemption {id} {why}")
}

/// The note of an `exempted` event.
pub fn exempt_note(exemption_id: i64, previous: Option<i64>) -> String {
    match previous {
        Some(was) => format!("exemption {exemption_id} (was exemption {was})"),
        None => format!("exemption {exemption_id}"),
    }
}

/// What recording a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceCounts {
    /// New episodes (whether they start open or exempted).
    pub opened: u64,
    /// Open violations that resolved (no finding for an evaluated policy).
    pub resolved: u64,
    /// `exempted` events: new episodes under an exemption, open violations put under one, and
    /// exempted violations moved to another.
    pub exempted: u64,
    /// Exempted violations open again because their exemption expired or was revoked.
    pub reopened: u64,
    /// Findings on violations that were open and stay open (refreshed, no event).
    pub still_open: u64,
    /// Findings on violations that were exempted and stay exempted under the same exemption.
    pub still_exempted: u64,
    /// Open violations after the run (of the run's tenant when it names one), every policy.
    pub open_total: u64,
    /// Exempted violations after the run, likewise.
    pub exempted_total: u64,
}

/// A recorded run, newest first from [`crate::Store::compliance_runs`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceRunInfo {
    pub id: i64,
    pub at: Timestamp,
    pub policy_set_version: String,
    pub tenant_id: Option<String>,
    pub subjects_evaluated: u64,
    /// How many policies were evaluated.
    pub policies_evaluated: u64,
    /// How many findings the run carried.
    pub findings: u64,
    pub counts: ComplianceCounts,
}

/// Live violations of one policy (or of every policy) after one run, for trends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub run_id: i64,
    pub at: Timestamp,
    pub policy_set_version: String,
    pub tenant_id: Option<String>,
    pub open: u64,
    pub exempted: u64,
}

/// Counts by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCounts {
    pub must: u64,
    pub should: u64,
    pub could: u64,
}

impl LevelCounts {
    pub fn add(&mut self, level: Level, n: u64) {
        match level {
            Level::Must => self.must += n,
            Level::Should => self.should += n,
            Level::Could => self.could += n,
        }
    }

    pub fn total(&self) -> u64 {
        self.must + self.should + self.could
    }
}

/// Live violations of one policy at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCounts {
    pub policy_id: String,
    pub level: Level,
    pub open: u64,
    pub exempted: u64,
}

/// Where compliance stands now: see [`crate::Store::compliance_summary`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceSummary {
    pub open: u64,
    pub exempted: u64,
    pub open_by_level: LevelCounts,
    /// One entry per policy and level with live violations (a policy appears twice only while
    /// its violations carry two levels, after its level changed), most open first, then by id.
    pub by_policy: Vec<PolicyCounts>,
    /// Distinct subjects with at least one open `must` violation.
    pub subjects_with_open_must: u64,
}

impl ComplianceSummary {
    /// Build from (policy, level, open, exempted) rows; the backends' one grouping query.
    pub fn from_groups(groups: Vec<PolicyCounts>, subjects_with_open_must: u64) -> ComplianceSummary {
        let mut summary = ComplianceSummary { subjects_with_open_must, ..Default::default() };
        for g in &groups {
            summary.open += g.open;
            summary.exempted += g.exempted;
            summary.open_by_level.add(g.level, g.open);
        }
        summary.by_policy = groups;
        summary.by_policy.sort_by(|a, b| {
            b.open.cmp(&a.open).then_with(|| a.policy_id.cmp(&b.policy_id)).then(a.level.cmp(&b.level))
        });
        summary
    }
}

// ---- violations -----------------------------------------------------------------------------

/// One episode of a policy finding a subject out of compliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub id: i64,
    pub policy_id: String,
    /// The policy version of the last finding.
    pub policy_version: u32,
    pub level: Level,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    pub tenant_id: String,
    pub environment_id: String,
    pub state: ViolationState,
    /// The exemption it is under while `exempted` (kept when it resolves from `exempted`).
    pub exemption_id: Option<i64>,
    pub opened_at: Timestamp,
    /// The last run that found it.
    pub last_seen_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// The evidence of the last finding.
    pub evidence: serde_json::Value,
}

/// Which violations [`crate::Store::list_violations`] returns, ordered by id (opening order).
/// Empty lists and `None` mean any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationQuery {
    pub states: Vec<ViolationState>,
    pub policy_ids: Vec<String>,
    pub subject_id: Option<String>,
    /// Violations of resources only among these ids (`Some(vec![])`: of no resource); those of
    /// environments still match. A maker's own resources, so that paging happens in the
    /// database rather than after reading every row.
    pub resources_among: Option<Vec<String>>,
    pub environment_id: Option<String>,
    pub tenant_id: Option<String>,
    pub levels: Vec<Level>,
    /// At most this many rows; `None` for all.
    pub limit: Option<u32>,
    /// Skip this many matching rows first.
    pub offset: u64,
}

impl ViolationQuery {
    /// Whether a violation matches the filters (not limit and offset); backends filter in SQL,
    /// this is the definition.
    pub fn matches(&self, v: &Violation) -> bool {
        (self.states.is_empty() || self.states.contains(&v.state))
            && (self.policy_ids.is_empty() || self.policy_ids.contains(&v.policy_id))
            && self.subject_id.as_ref().is_none_or(|s| *s == v.subject_id)
            && self
                .resources_among
                .as_ref()
                .is_none_or(|ids| v.subject_kind != SubjectKind::Resource || ids.contains(&v.subject_id))
            && self.environment_id.as_ref().is_none_or(|e| *e == v.environment_id)
            && self.tenant_id.as_ref().is_none_or(|t| *t == v.tenant_id)
            && (self.levels.is_empty() || self.levels.contains(&v.level))
    }
}

/// One entry of a violation's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationEvent {
    /// Position in the history of every violation (increasing).
    pub seq: i64,
    pub violation_id: i64,
    pub policy_id: String,
    pub subject_id: String,
    pub kind: EventKind,
    pub at: Timestamp,
    /// The run that caused it.
    pub run_id: Option<i64>,
    /// The exemption involved (`exempted`: the new one; `reopened`: the one that ended).
    pub exemption_id: Option<i64>,
    pub note: Option<String>,
}

// ---- exemptions -----------------------------------------------------------------------------

/// An exemption to grant: see [`crate::Store::add_exemption`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewExemption {
    pub policy_id: String,
    /// The subject exempted; `None` exempts every subject of the policy in `environment_id`.
    pub subject_id: Option<String>,
    /// Limits the exemption to one environment (required when `subject_id` is `None`).
    pub environment_id: Option<String>,
    /// Why; required.
    pub reason: String,
    pub requested_by: String,
    pub approved_by: String,
    /// When it stops applying; `None` never.
    pub expires_at: Option<Timestamp>,
    /// When it was granted.
    pub at: Timestamp,
}

impl NewExemption {
    /// Refuse an exemption with a missing or inconsistent field, saying what is missing.
    pub fn check(&self) -> Result<()> {
        required(&self.policy_id, "the policy of an exemption (policy_id)")?;
        required(&self.reason, "a reason for the exemption")?;
        required(&self.requested_by, "who requested the exemption (requested_by)")?;
        required(&self.approved_by, "who approved the exemption (approved_by)")?;
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if self.subject_id.as_deref().is_some_and(|s| s.trim().is_empty())
            || self.environment_id.as_deref().is_some_and(|s| s.trim().is_empty())
        {
            return Err(StoreError::InvalidQuery(
                "an exemption's subject or environment, when given, must not be empty".into(),
            ));
        }
        if blank(&self.subject_id) && blank(&self.environment_id) {
            return Err(StoreError::InvalidQuery(format!(
                "an exemption of policy '{}' needs a subject or an environment; to stop evaluating a policy \
                 everywhere, remove it from the policy set",
                self.policy_id
            )));
        }
        if let Some(expires) = self.expires_at
            && expires <= self.at
        {
            return Err(StoreError::InvalidQuery(format!(
                "the exemption would expire ({expires}) before it is granted ({}); give a later expiry",
                self.at
            )));
        }
        Ok(())
    }
}

/// A stored exemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemption {
    pub id: i64,
    pub policy_id: String,
    pub subject_id: Option<String>,
    pub environment_id: Option<String>,
    pub reason: String,
    pub requested_by: String,
    pub approved_by: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub revoked_by: Option<String>,
}

impl Exemption {
    /// Granted by `at`, not revoked by then, and not expired.
    pub fn is_active(&self, at: Timestamp) -> bool {
        self.created_at <= at && self.revoked_at.is_none_or(|r| r > at) && self.expires_at.is_none_or(|e| e > at)
    }

    /// Whether it covers a finding of `policy_id` for this subject in this environment: the
    /// subject matches when one is named, and the environment when one is named.
    pub fn covers(&self, policy_id: &str, subject_id: &str, environment_id: &str) -> bool {
        self.policy_id == policy_id
            && self.subject_id.as_deref().is_none_or(|s| s == subject_id)
            && self.environment_id.as_deref().is_none_or(|e| e == environment_id)
    }
}

/// The refusal to revoke an exemption twice.
pub fn already_revoked(e: &Exemption) -> StoreError {
    StoreError::InvalidQuery(format!(
        "exemption {} was already revoked by {} at {}",
        e.id,
        e.revoked_by.as_deref().unwrap_or("someone"),
        e.revoked_at.map(|t| t.to_rfc3339()).unwrap_or_default()
    ))
}

/// Active exemptions, indexed for finding the one that covers each finding of an evaluation.
///
/// A subject's own exemption wins over an environment-wide one; among several, the one that
/// lasts longest (no expiry first), then the oldest, so the choice is stable between runs and a
/// violation does not switch exemptions needlessly.
#[derive(Debug, Clone, Default)]
pub struct ExemptionIndex {
    by_subject: HashMap<(String, String), Vec<Exemption>>,
    by_environment: HashMap<(String, String), Vec<Exemption>>,
}

impl ExemptionIndex {
    /// Index the exemptions active at `at`; the others are ignored.
    pub fn new(exemptions: impl IntoIterator<Item = Exemption>, at: Timestamp) -> ExemptionIndex {
        let mut index = ExemptionIndex::default();
        for e in exemptions.into_iter().filter(|e| e.is_active(at)) {
            match (&e.subject_id, &e.environment_id) {
                (Some(subject), _) => {
                    index.by_subject.entry((e.policy_id.clone(), subject.clone())).or_default().push(e)
                }
                (None, Some(env)) => {
                    index.by_environment.entry((e.policy_id.clone(), env.clone())).or_default().push(e)
                }
                (None, None) => {}
            }
        }
        let rank = |e: &Exemption| (std::cmp::Reverse(e.expires_at.map_or(i64::MAX, |t| t.timestamp_millis())), e.id);
        for list in index.by_subject.values_mut().chain(index.by_environment.values_mut()) {
            list.sort_by_key(rank);
        }
        index
    }

    /// The id of the exemption covering a finding, if any.
    pub fn find(&self, policy_id: &str, subject_id: &str, environment_id: &str) -> Option<i64> {
        let key = |b: &str| (policy_id.to_string(), b.to_string());
        self.by_subject
            .get(&key(subject_id))
            .and_then(|list| list.iter().find(|e| e.covers(policy_id, subject_id, environment_id)))
            .or_else(|| self.by_environment.get(&key(environment_id)).and_then(|list| list.first()))
            .map(|e| e.id)
    }

    pub fn is_empty(&self) -> bool {
        self.by_subject.is_empty() && self.by_environment.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(hour: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0).single().expect("valid time")
    }

    fn finding(policy: &str, subject: &str, exemption: Option<i64>) -> ComplianceFinding {
        ComplianceFinding {
            policy_id: policy.into(),
            policy_version: 1,
            level: Level::Must,
            subject_kind: SubjectKind::Resource,
            subject_id: subject.into(),
            tenant_id: "t1".into(),
            environment_id: "e1".into(),
            evidence: serde_json::json!({}),
            exemption_id: exemption,
        }
    }

    fn run(findings: Vec<ComplianceFinding>) -> ComplianceRun {
        ComplianceRun {
            at: t(8),
            policy_set_version: "v1".into(),
            tenant_id: Some("t1".into()),
            subjects_evaluated: 10,
            policies: vec!["p".into(), "q".into(), "p".into()],
            findings,
            statuses: Vec::new(),
        }
    }

    fn exemption(id: i64, subject: Option<&str>, env: Option<&str>, expires: Option<u32>) -> Exemption {
        Exemption {
            id,
            policy_id: "p".into(),
            subject_id: subject.map(str::to_string),
            environment_id: env.map(str::to_string),
            reason: "because".into(),
            requested_by: "ann".into(),
            approved_by: "bob".into(),
            created_at: t(1),
            expires_at: expires.map(t),
            revoked_at: None,
            revoked_by: None,
        }
    }

    #[test]
    fn every_transition_is_decided() {
        use ViolationState::*;
        assert_eq!(Step::decide(None, None), Step::Open);
        assert_eq!(Step::decide(None, Some(1)), Step::Open);
        assert_eq!(Step::decide(Some((Resolved, None)), None), Step::Open, "a resolved episode starts a new one");
        assert_eq!(Step::decide(Some((Open, None)), None), Step::Refresh);
        assert_eq!(Step::decide(Some((Open, None)), Some(1)), Step::Exempt);
        assert_eq!(Step::decide(Some((Exempted, Some(1))), None), Step::Reopen);
        assert_eq!(Step::decide(Some((Exempted, Some(1))), Some(1)), Step::Refresh);
        assert_eq!(Step::decide(Some((Exempted, Some(1))), Some(2)), Step::SwitchExemption);
    }

    #[test]
    fn runs_are_checked_before_writing() {
        let ok = run(vec![finding("p", "a", Some(4)), finding("q", "a", None), finding("p", "b", Some(4))]);
        let check = ok.check().expect("valid run");
        assert_eq!(check.policies, ["p", "q"], "distinct and sorted");
        assert_eq!(check.exemption_ids, [4]);

        let err = run(vec![finding("p", "a", None), finding("p", "a", None)]).check().expect_err("twice");
        assert!(err.to_string().contains("twice"), "{err}");
        let err = run(vec![finding("z", "a", None)]).check().expect_err("unlisted policy");
        assert!(err.to_string().contains("not among the policies"), "{err}");
        let mut other = finding("p", "a", None);
        other.tenant_id = "t2".into();
        let err = run(vec![other]).check().expect_err("other tenant");
        assert!(err.to_string().contains("belongs to tenant 't2'"), "{err}");

        let known = HashMap::from([(4, "p".to_string()), (5, "q".to_string())]);
        assert!(check_exemption_refs(&ok, &known).is_ok());
        let err = check_exemption_refs(&run(vec![finding("p", "a", Some(9))]), &known).expect_err("unknown");
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = check_exemption_refs(&run(vec![finding("p", "a", Some(5))]), &known).expect_err("other policy");
        assert!(err.to_string().contains("exempts policy 'q'"), "{err}");
    }

    #[test]
    fn exemptions_say_what_is_missing() {
        let good = NewExemption {
            policy_id: "p".into(),
            subject_id: Some("a".into()),
            environment_id: None,
            reason: "vendor app".into(),
            requested_by: "ann".into(),
            approved_by: "bob".into(),
            expires_at: Some(t(9)),
            at: t(8),
        };
        assert!(good.check().is_ok());
        let cases: Vec<(NewExemption, &str)> = vec![
            (NewExemption { reason: "  ".into(), ..good.clone() }, "reason"),
            (NewExemption { approved_by: String::new(), ..good.clone() }, "approved"),
            (NewExemption { requested_by: String::new(), ..good.clone() }, "requested"),
            (NewExemption { policy_id: String::new(), ..good.clone() }, "policy"),
            (NewExemption { subject_id: None, ..good.clone() }, "subject or an environment"),
            (NewExemption { expires_at: Some(t(7)), ..good.clone() }, "later expiry"),
        ];
        for (e, says) in cases {
            let err = e.check().expect_err(says);
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
    }

    #[test]
    fn exemption_activity_and_coverage() {
        let mut e = exemption(1, Some("a"), None, Some(10));
        assert!(!e.is_active(t(0)), "not yet granted");
        assert!(e.is_active(t(9)));
        assert!(!e.is_active(t(10)), "expired at its expiry");
        e.revoked_at = Some(t(5));
        assert!(e.is_active(t(4)) && !e.is_active(t(5)), "revoked from its revocation on");
        let env = exemption(2, None, Some("e1"), None);
        assert!(env.covers("p", "anything", "e1") && !env.covers("p", "a", "e2") && !env.covers("q", "a", "e1"));
    }

    #[test]
    fn index_prefers_the_subject_then_the_longest() {
        let list = vec![
            exemption(1, None, Some("e1"), None),
            exemption(2, Some("a"), None, Some(12)),
            exemption(3, Some("a"), None, None),
            exemption(4, Some("b"), Some("e9"), None),
            exemption(5, Some("c"), None, Some(7)),
        ];
        let index = ExemptionIndex::new(list, t(8));
        assert_eq!(index.find("p", "a", "e1"), Some(3), "own exemption without expiry wins");
        assert_eq!(index.find("p", "z", "e1"), Some(1), "environment-wide");
        assert_eq!(index.find("p", "b", "e1"), Some(1), "b's own exemption is for another environment");
        assert_eq!(index.find("p", "c", "e2"), None, "expired exemptions are not indexed");
        assert_eq!(index.find("q", "a", "e1"), None, "another policy");
    }

    #[test]
    fn reopen_notes_say_why() {
        assert_eq!(reopen_note(Some(3), Some(t(5)), None, t(8)), "exemption 3 was revoked");
        assert_eq!(reopen_note(Some(3), None, Some(t(7)), t(8)), "exemption 3 expired");
        assert_eq!(reopen_note(Some(3), None, None, t(8)), "exemption 3 no longer applies");
    }

    #[test]
    fn values_round_trip_through_text() {
        for s in ViolationState::ALL {
            assert_eq!(s.as_str().parse::<ViolationState>().ok(), Some(*s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::json!(s.as_str())));
        }
        for l in Level::ALL {
            assert_eq!(l.as_str().parse::<Level>().ok(), Some(*l));
        }
        assert!("closed".parse::<ViolationState>().is_err());
        assert!("may".parse::<Level>().is_err());
    }
}
