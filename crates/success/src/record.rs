//! Recording evaluations, and showing what a rule change would do before adopting it.

use crate::error::{Result, SuccessError};
use crate::evaluate::{Finding, evaluate};
use crate::rules::{DEFAULT_RULES, RuleSet};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_store::Store;
use steward_store::success::{Detection, DetectionKey, DetectionQuery, NewRuleSet, StoredRuleSet, SuccessEvaluation};

/// The rule set evaluations use now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveRules {
    pub rules: RuleSet,
    pub toml: String,
    /// The saved version in use; `None` while the shipped defaults are in use.
    pub saved: Option<StoredRuleSet>,
}

impl ActiveRules {
    /// `saved` or `defaults`, for messages and JSON.
    pub fn origin(&self) -> &'static str {
        if self.saved.is_some() { "saved" } else { "defaults" }
    }
}

/// The saved active rule set, or the defaults when the board never saved one.
pub async fn active_rules<S: Store + ?Sized>(store: &S) -> Result<ActiveRules> {
    let sets = store.success_rule_sets().await.map_err(SuccessError::store("reading saved rule sets"))?;
    match sets.into_iter().find(|s| s.active) {
        Some(saved) => {
            let rules = RuleSet::parse(&saved.toml, &format!("saved rule set version {}", saved.version))
                .map_err(|error| SuccessError::StoredRulesInvalid { version: saved.version, error })?;
            Ok(ActiveRules { rules, toml: saved.toml.clone(), saved: Some(saved) })
        }
        None => Ok(ActiveRules { rules: RuleSet::defaults(), toml: DEFAULT_RULES.to_string(), saved: None }),
    }
}

/// What adopting a rule set would change in the detections that currently fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleChange {
    /// Version of the rule set in use before the change.
    pub from_version: u32,
    pub to_version: u32,
    /// Findings that are not an active detection now.
    pub added: Vec<Finding>,
    /// Active detections the new rules no longer find.
    pub removed: Vec<Detection>,
    /// Active detections the new rules find again.
    pub still: usize,
    /// Whether the rule set was saved and the findings recorded.
    pub applied: bool,
}

impl RuleChange {
    /// "adds 12 detections, removes 3 (45 unchanged)".
    pub fn summary(&self) -> String {
        format!(
            "adds {} detection{}, removes {} ({} still fire)",
            self.added.len(),
            if self.added.len() == 1 { "" } else { "s" },
            self.removed.len(),
            self.still
        )
    }
}

/// What adopting `rules` as of `as_of` would add and stop, without writing anything.
pub async fn plan<S: Store + ?Sized>(store: &S, rules: &RuleSet, as_of: NaiveDate) -> Result<RuleChange> {
    Ok(plan_with_findings(store, rules, as_of).await?.0)
}

async fn plan_with_findings<S: Store + ?Sized>(
    store: &S,
    rules: &RuleSet,
    as_of: NaiveDate,
) -> Result<(RuleChange, Vec<Finding>)> {
    let current = active_rules(store).await?;
    let newest_saved = store
        .success_rule_sets()
        .await
        .map_err(SuccessError::store("reading saved rule sets"))?
        .first()
        .map_or(current.rules.version, |s| s.version.max(current.rules.version));
    if rules.version <= newest_saved {
        return Err(SuccessError::StaleVersion { version: rules.version, current: newest_saved });
    }
    let findings = evaluate(store, rules, as_of).await?;
    let active = store
        .list_detections(&DetectionQuery { active: Some(true), ..Default::default() })
        .await
        .map_err(SuccessError::store("reading the detections that fire now"))?;
    let new_keys: HashSet<DetectionKey> = findings.iter().map(|f| f.to_store().key()).collect();
    let active_keys: HashSet<DetectionKey> = active.iter().map(Detection::key).collect();
    let added: Vec<Finding> = findings.iter().filter(|f| !active_keys.contains(&f.to_store().key())).cloned().collect();
    let (still, removed): (Vec<Detection>, Vec<Detection>) =
        active.into_iter().partition(|d| new_keys.contains(&d.key()));
    let change = RuleChange {
        from_version: current.rules.version,
        to_version: rules.version,
        added,
        removed,
        still: still.len(),
        applied: false,
    };
    Ok((change, findings))
}

/// Adopt `rules` (whose text is `toml`): save it as the active version and record its findings,
/// in one transaction. Answers what changed, as [`plan`] would have said.
pub async fn apply<S: Store + ?Sized>(
    store: &S,
    rules: &RuleSet,
    toml: &str,
    saved_by: &str,
    as_of: NaiveDate,
) -> Result<RuleChange> {
    let (mut change, findings) = plan_with_findings(store, rules, as_of).await?;
    store
        .record_success_evaluation(&SuccessEvaluation {
            rules: Some(NewRuleSet { version: rules.version, toml: toml.to_string(), saved_by: saved_by.to_string() }),
            findings: findings.iter().map(Finding::to_store).collect(),
            at: chrono::Utc::now(),
        })
        .await
        .map_err(SuccessError::store("saving the rule set and recording its detections"))?;
    change.applied = true;
    Ok(change)
}

/// What [`evaluate_and_record`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    pub as_of: NaiveDate,
    pub rules_version: u32,
    /// `saved` or `defaults`.
    pub rules_origin: String,
    /// Rule firings found.
    pub findings: u64,
    /// First detections.
    pub added: u64,
    /// Detections that fired again.
    pub updated: u64,
    /// Detections that no longer fire.
    pub deactivated: u64,
}

/// Evaluate the active rule set (the defaults when none is saved) and record the detections.
/// Call after each usage import and sync.
pub async fn evaluate_and_record<S: Store + ?Sized>(store: &S, as_of: NaiveDate) -> Result<EvaluationSummary> {
    let active = active_rules(store).await?;
    let findings = evaluate(store, &active.rules, as_of).await?;
    let counts = store
        .record_success_evaluation(&SuccessEvaluation {
            rules: None,
            findings: findings.iter().map(Finding::to_store).collect(),
            at: chrono::Utc::now(),
        })
        .await
        .map_err(SuccessError::store("recording detections"))?;
    tracing::info!(
        rules_version = active.rules.version,
        findings = findings.len(),
        added = counts.added,
        deactivated = counts.deactivated,
        "success rules evaluated"
    );
    Ok(EvaluationSummary {
        as_of,
        rules_version: active.rules.version,
        rules_origin: active.origin().to_string(),
        findings: findings.len() as u64,
        added: counts.added,
        updated: counts.updated,
        deactivated: counts.deactivated,
    })
}
