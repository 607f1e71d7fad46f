//! One compliance run: which set, evaluated how, recorded or only compared.

use crate::gather::load_facts;
use crate::impact::{Impact, Key};
use crate::{ComplianceError, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use steward_model::Timestamp;
use steward_policy::builtin::builtin_set;
use steward_policy::evaluate::{Finding, PolicyCount, PolicyError, compile_set};
use steward_policy::facts::{FactTable, Subject};
use steward_policy::load::{LoadError, digest, load_set};
use steward_policy::model::{Level, PolicySet};
use steward_store::Store;
use steward_store::governance::{
    ComplianceCounts, ComplianceFinding, ComplianceRun, ExemptionIndex, NewPolicySet, PolicySetInfo, SaveOutcome,
    SubjectKind,
};
use steward_store::inventory::StatusInput;

/// Where the set in use comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
pub enum SetOrigin {
    /// Adopted and stored (`steward policy adopt`).
    Adopted { info: PolicySetInfo },
    /// Nothing adopted yet: the built-in pack.
    Builtin,
    /// Read from files for this command only.
    Files { path: String },
}

/// The set evaluations use: the adopted one, else the built-in pack.
pub async fn active_set<S: Store + ?Sized>(store: &S) -> Result<(PolicySet, SetOrigin)> {
    match store.active_policy_set().await? {
        Some(stored) => {
            let set: PolicySet = serde_json::from_value(stored.content).map_err(|e| {
                ComplianceError::Set(format!(
                    "the adopted policy set '{}' cannot be read back ({e}); adopt it again from its files",
                    stored.info.version
                ))
            })?;
            Ok((set, SetOrigin::Adopted { info: stored.info }))
        }
        None => Ok((builtin_set(), SetOrigin::Builtin)),
    }
}

/// A set named on the command line: `builtin`, a stored version label, or a file or directory
/// of policy files. Files that fail to load are returned as errors beside what loaded.
pub async fn named_set<S: Store + ?Sized>(store: &S, name: &str) -> Result<(PolicySet, SetOrigin, Vec<LoadError>)> {
    if name == "builtin" {
        return Ok((builtin_set(), SetOrigin::Builtin, Vec::new()));
    }
    if let Some(stored) = store.policy_set(name).await? {
        let set: PolicySet = serde_json::from_value(stored.content)
            .map_err(|e| ComplianceError::Set(format!("stored policy set '{name}' cannot be read back ({e})")))?;
        return Ok((set, SetOrigin::Adopted { info: stored.info }, Vec::new()));
    }
    if Path::new(name).exists() {
        let (set, errors) = load_set(name, name);
        return Ok((set, SetOrigin::Files { path: name.to_string() }, errors));
    }
    let known: Vec<String> = store.policy_sets().await?.into_iter().map(|s| s.version).collect();
    Err(ComplianceError::Set(format!(
        "no policy set '{name}': it is neither a saved version ({}) nor a file or directory; save one with \
         `steward policy save <dir> --version {name}` or pass `builtin`",
        if known.is_empty() { "none saved yet".to_string() } else { known.join(", ") }
    )))
}

/// Save a set as an immutable version (a no-op when the same content is already saved under it).
pub async fn save_set<S: Store + ?Sized>(store: &S, set: &PolicySet, by: &str, at: Timestamp) -> Result<SaveOutcome> {
    let content = serde_json::to_value(set)
        .map_err(|e| ComplianceError::Set(format!("policy set '{}' cannot be serialised: {e}", set.version)))?;
    Ok(store
        .save_policy_set(&NewPolicySet {
            version: set.version.clone(),
            digest: digest(set),
            content,
            saved_by: by.to_string(),
            at,
        })
        .await?)
}

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub tenant: Option<String>,
    /// Day the facts are computed for (ages, usage windows).
    pub day: NaiveDate,
    /// When the run happens (exemption expiry, history timestamps).
    pub at: Timestamp,
    pub threads: usize,
    /// Only the policies marked `tracked` (what runs after every sync).
    pub only_tracked: bool,
}

/// What an evaluation found, before anything is recorded.
pub struct Evaluation {
    pub set: PolicySet,
    pub compile_errors: Vec<PolicyError>,
    /// The policies evaluated (compiled and, with `only_tracked`, tracked).
    pub policies: Vec<String>,
    pub findings: Vec<Finding>,
    pub counts: Vec<PolicyCount>,
    pub subjects: u64,
    /// Display names of the subjects found, for reports.
    pub names: HashMap<Arc<str>, String>,
    /// The criticality (and, from [`evaluate`], the service level) of every evaluated
    /// resource: recorded with the run so that inventory lists can filter on them.
    pub statuses: Vec<StatusInput>,
}

impl Evaluation {
    pub fn policy(&self, id: &str) -> Option<&steward_policy::model::Policy> {
        self.set.policies.iter().find(|p| p.id == id)
    }
}

/// Evaluate a set over the stored estate. Criticality comes from `responsibility`'s rules, and
/// each resource's status carries the service level that goes with it.
pub async fn evaluate<S: Store + ?Sized>(
    store: &S,
    set: PolicySet,
    options: &CheckOptions,
    responsibility: &steward_responsibility::Config,
) -> Result<Evaluation> {
    let facts = load_facts(store, options.tenant.as_deref(), options.day, &responsibility.criticality).await?;
    let mut evaluation = evaluate_facts(set, &facts, options);
    for status in &mut evaluation.statuses {
        status.service_level = status.criticality.map(|c| service_level_text(responsibility.service_levels.get(c)));
    }
    Ok(evaluation)
}

/// A service level in a few words, as resource statuses keep it: "1 hour, 24x7",
/// "1 hour to 1 day, Business hours, 24x7 support available" (the full sentence is on the
/// resource page).
pub fn service_level_text(level: &steward_responsibility::ServiceLevel) -> String {
    let response = match level.response_max_minutes {
        Some(max) if max > level.response_minutes => {
            format!("{} to {}", duration(level.response_minutes), duration(max))
        }
        _ => duration(level.response_minutes),
    };
    format!("{response}, {}", level.coverage.label())
}

/// Minutes as people say them: "45 minutes", "4 hours", "1 day".
fn duration(minutes: u32) -> String {
    let (n, unit) = match minutes {
        m if m >= 1440 && m % 1440 == 0 => (m / 1440, "day"),
        m if m >= 60 && m % 60 == 0 => (m / 60, "hour"),
        m => (m, "minute"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Evaluate a set over facts already built (tests and the benchmark skip the store).
pub fn evaluate_facts(mut set: PolicySet, facts: &FactTable, options: &CheckOptions) -> Evaluation {
    if options.only_tracked {
        set.policies.retain(|p| p.tracked);
    }
    let (compiled, compile_errors) = compile_set(&set);
    let (hits, counts) = compiled.evaluate_hits_with_counts(facts, options.threads);
    let findings = compiled.findings(facts, &hits, options.threads);
    let policies = compiled.policies().map(|p| p.id.clone()).collect();
    // The names of the subjects found, from the rows the hits point at (each row once; an
    // environment's name wins over a resource's with the same id, as the table order has it).
    let (resources, environments) = compiled.hit_subjects(facts, &hits);
    let mut names: HashMap<Arc<str>, String> = HashMap::with_capacity(resources.len() + environments.len());
    let resource_names = resources.iter().map(|r| (&r.id, &r.name));
    for (id, name) in resource_names.chain(environments.iter().map(|e| (&e.id, &e.name))) {
        names.insert(id.clone(), String::from(&**name));
    }
    let subjects = (facts.resources.len() + facts.environments.len()) as u64;
    let statuses = facts
        .resources
        .iter()
        .map(|r| StatusInput { resource_id: r.id.to_string(), criticality: r.criticality, service_level: None })
        .collect();
    Evaluation { set, compile_errors, policies, findings, counts, subjects, names, statuses }
}

fn level(l: Level) -> steward_store::governance::Level {
    match l {
        Level::Must => steward_store::governance::Level::Must,
        Level::Should => steward_store::governance::Level::Should,
        Level::Could => steward_store::governance::Level::Could,
    }
}

fn subject_kind(s: Subject) -> SubjectKind {
    match s {
        Subject::Resource => SubjectKind::Resource,
        Subject::Environment => SubjectKind::Environment,
    }
}

/// Record an evaluation: exemptions active now are applied, violations open, refresh, reopen
/// or resolve, and the run joins the history.
pub async fn record<S: Store + ?Sized>(
    store: &S,
    evaluation: &Evaluation,
    options: &CheckOptions,
) -> Result<ComplianceCounts> {
    let exemptions = ExemptionIndex::new(store.active_exemptions(options.at).await?, options.at);
    let versions: HashMap<&str, u32> = evaluation.set.policies.iter().map(|p| (p.id.as_str(), p.version)).collect();
    let findings = evaluation
        .findings
        .iter()
        .map(|f| ComplianceFinding {
            policy_id: f.policy_id.to_string(),
            policy_version: versions.get(&*f.policy_id).copied().unwrap_or(1),
            level: level(f.level),
            subject_kind: subject_kind(f.subject),
            subject_id: f.subject_id.to_string(),
            tenant_id: f.tenant_id.to_string(),
            environment_id: f.environment_id.to_string(),
            evidence: f.evidence_json(),
            exemption_id: exemptions.find(&f.policy_id, &f.subject_id, &f.environment_id),
        })
        .collect();
    let run = ComplianceRun {
        at: options.at,
        policy_set_version: evaluation.set.version.clone(),
        tenant_id: options.tenant.clone(),
        subjects_evaluated: evaluation.subjects,
        policies: evaluation.policies.clone(),
        findings,
        statuses: evaluation.statuses.clone(),
    };
    Ok(store.record_compliance(&run).await?)
}

/// The exemption covering each finding (by position), as recording would apply it.
pub fn exemptions_of(evaluation: &Evaluation, index: &ExemptionIndex) -> Vec<Option<i64>> {
    evaluation.findings.iter().map(|f| index.find(&f.policy_id, &f.subject_id, &f.environment_id)).collect()
}

/// What recording `evaluation` would change, compared with the violations open now.
/// `exemptions` comes from [`exemptions_of`]: findings under an exemption are left out (an
/// exempted violation is not open and would not be). Open violations of the policies in
/// `left_out` (not evaluated, e.g. untracked ones in a tracked-only run) are left out too.
pub async fn impact<S: Store + ?Sized>(
    store: &S,
    evaluation: &Evaluation,
    exemptions: &[Option<i64>],
    tenant: Option<&str>,
    left_out: &HashSet<String>,
) -> Result<Impact> {
    let open = store
        .open_violation_keys(tenant)
        .await?
        .into_iter()
        .filter(|(policy, _, _)| !left_out.contains(policy))
        .map(|(policy_id, subject_id, environment_id)| Key { policy_id, subject_id, environment_id });
    let candidate = evaluation.findings.iter().zip(exemptions).filter(|(_, e)| e.is_none()).map(|(f, _)| Key {
        policy_id: f.policy_id.to_string(),
        subject_id: f.subject_id.to_string(),
        environment_id: f.environment_id.to_string(),
    });
    Ok(Impact::compare(open, candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_levels_read_in_a_few_words() {
        let levels = steward_responsibility::Config::defaults().service_levels;
        assert_eq!(service_level_text(&levels.critical), "1 hour, 24x7");
        assert_eq!(service_level_text(&levels.high), "1 hour to 1 day, Business hours, 24x7 support available");
        assert_eq!(service_level_text(&levels.non_critical), "4 hours to 8 hours, Business hours");
        assert_eq!(duration(45), "45 minutes");
        assert_eq!(duration(90), "90 minutes");
    }
}
