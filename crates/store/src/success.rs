//! Success detection as the store keeps it: versioned rule sets, detections with their review
//! state, and the history of every state change.
//!
//! The rules themselves and their evaluation live in `steward-success`; the store only keeps
//! what an evaluation found ([`DetectionFinding`]) and what reviewers decided. The decisions
//! that both backends must take the same way (which transitions are allowed, what recording an
//! evaluation inserts, updates and deactivates) are written here once.

use crate::{Result, StoreError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use steward_model::{ResourceKind, Timestamp};

/// Where a detection is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectionState {
    /// Fired, nobody has looked yet.
    New,
    /// Looked at, no decision yet.
    Reviewed,
    /// Confirmed as a success (e.g. moved into support, catalogued, celebrated).
    Promoted,
    /// Not a success worth acting on; re-detection leaves it dismissed.
    Dismissed,
}

impl DetectionState {
    pub const ALL: &'static [DetectionState] =
        &[DetectionState::New, DetectionState::Reviewed, DetectionState::Promoted, DetectionState::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            DetectionState::New => "new",
            DetectionState::Reviewed => "reviewed",
            DetectionState::Promoted => "promoted",
            DetectionState::Dismissed => "dismissed",
        }
    }

    /// Whether a reviewer may move a detection from `self` to `to`. `new` is only ever given by
    /// a first detection: a reviewed detection cannot be made unseen again. Every other move is
    /// allowed, so that a board can reverse a dismissal or a promotion.
    pub fn check_move(self, to: DetectionState) -> Result<()> {
        self.check_move_from(to, None, 0, None)
    }

    /// [`DetectionState::check_move`], first checking that the detection (`id`, moved last by
    /// `by`) is still in the state the decider saw.
    pub fn check_move_from(
        self,
        to: DetectionState,
        expected: Option<DetectionState>,
        id: i64,
        by: Option<&str>,
    ) -> Result<()> {
        if let Some(expected) = expected
            && expected != self
        {
            return Err(StoreError::Conflict(format!(
                "detection {id} is `{self}` now (moved by {}), not `{expected}`; nothing was changed",
                by.unwrap_or("someone else")
            )));
        }
        if to == DetectionState::New {
            return Err(StoreError::InvalidQuery(format!(
                "a detection cannot be moved back to `new` (it is `{self}`); use reviewed, promoted or dismissed"
            )));
        }
        if to == self {
            return Err(StoreError::InvalidQuery(format!("the detection is already `{self}`; nothing to change")));
        }
        Ok(())
    }
}

impl std::fmt::Display for DetectionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DetectionState {
    type Err = steward_model::UnknownValue;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        DetectionState::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| steward_model::UnknownValue {
            what: "detection state",
            value: s.to_string(),
            expected: "new, reviewed, promoted, dismissed".to_string(),
        })
    }
}

/// One rule firing for one resource, as an evaluation hands it to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionFinding {
    pub tenant_id: String,
    pub resource_id: String,
    pub kind: Option<ResourceKind>,
    pub rule_id: String,
    pub rule_version: u32,
    /// The window the figures cover, both days included.
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    /// Every metric of the rule with its value (a JSON object), so a reviewer sees why it fired.
    pub figures: serde_json::Value,
}

impl DetectionFinding {
    /// What identifies a detection: one per tenant, resource and rule.
    pub fn key(&self) -> DetectionKey {
        DetectionKey {
            tenant_id: self.tenant_id.clone(),
            resource_id: self.resource_id.clone(),
            rule_id: self.rule_id.clone(),
        }
    }
}

/// Tenant, resource and rule: the identity of a detection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DetectionKey {
    pub tenant_id: String,
    pub resource_id: String,
    pub rule_id: String,
}

/// A stored detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub id: i64,
    pub tenant_id: String,
    pub resource_id: String,
    pub kind: Option<ResourceKind>,
    pub rule_id: String,
    /// Version of the rule set whose rule fired last.
    pub rule_version: u32,
    pub state: DetectionState,
    /// Who moved it to its state, and when; `None` while it is `new`.
    pub state_by: Option<String>,
    pub state_at: Option<Timestamp>,
    pub note: Option<String>,
    pub first_detected_at: Timestamp,
    pub last_detected_at: Timestamp,
    /// The rule still fired at the last evaluation.
    pub active: bool,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    /// The figures of the last firing.
    pub figures: serde_json::Value,
}

impl Detection {
    pub fn key(&self) -> DetectionKey {
        DetectionKey {
            tenant_id: self.tenant_id.clone(),
            resource_id: self.resource_id.clone(),
            rule_id: self.rule_id.clone(),
        }
    }
}

/// Which detections [`crate::Store::list_detections`] returns, ordered by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectionQuery {
    pub tenant_id: Option<String>,
    pub state: Option<DetectionState>,
    pub kind: Option<ResourceKind>,
    pub rule_id: Option<String>,
    pub resource_id: Option<String>,
    /// Only detections that still fire (`Some(true)`) or that no longer do (`Some(false)`).
    pub active: Option<bool>,
}

impl DetectionQuery {
    /// Whether a detection matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, d: &Detection) -> bool {
        self.tenant_id.as_ref().is_none_or(|t| *t == d.tenant_id)
            && self.state.is_none_or(|s| s == d.state)
            && self.kind.is_none_or(|k| Some(k) == d.kind)
            && self.rule_id.as_ref().is_none_or(|r| *r == d.rule_id)
            && self.resource_id.as_ref().is_none_or(|r| *r == d.resource_id)
            && self.active.is_none_or(|a| a == d.active)
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub state: DetectionState,
    pub by: String,
    pub note: Option<String>,
    pub at: Timestamp,
    /// The state the decider saw: when given, the move is made only if the detection is still
    /// in it (checked in the store's transaction), so two reviewers deciding at once cannot
    /// overwrite each other; otherwise [`crate::StoreError::Conflict`] and nothing is written.
    #[serde(default)]
    pub expected: Option<DetectionState>,
}

/// One entry of a detection's history. The first entry of every detection is its detection
/// (`from` is `None`, `by` is the evaluator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectionTransition {
    pub detection_id: i64,
    pub from: Option<DetectionState>,
    pub to: DetectionState,
    pub by: String,
    pub at: Timestamp,
    pub note: Option<String>,
}

/// Who records first detections in the history.
pub const EVALUATOR: &str = "steward";

/// A rule set as saved by the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRuleSet {
    pub version: u32,
    /// The TOML text as given, comments included.
    pub toml: String,
    pub saved_by: String,
    pub saved_at: Timestamp,
    /// The rule set evaluations use; exactly one saved set is active once any is saved.
    pub active: bool,
}

/// A rule set to save, becoming the active one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRuleSet {
    pub version: u32,
    pub toml: String,
    pub saved_by: String,
}

/// One evaluation to record in one transaction: optionally a new rule set, and every finding of
/// every tenant. Detections not among the findings no longer fire and become inactive.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessEvaluation {
    pub rules: Option<NewRuleSet>,
    pub findings: Vec<DetectionFinding>,
    pub at: Timestamp,
}

/// What recording an evaluation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// First detections (state `new`).
    pub added: u64,
    /// Detections fired again (figures refreshed, state kept).
    pub updated: u64,
    /// Detections that were active and no longer fire.
    pub deactivated: u64,
}

/// What a backend writes to record an evaluation, decided from the stored detections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordPlan {
    /// Findings without a stored detection: insert as `new`, active, with a history entry.
    pub insert: Vec<DetectionFinding>,
    /// Stored detection id and its new firing: refresh figures, window, version, last detected,
    /// mark active; never touch the state.
    pub update: Vec<(i64, DetectionFinding)>,
    /// Active detections that did not fire: mark inactive.
    pub deactivate: Vec<i64>,
}

impl RecordPlan {
    /// `existing`: every stored detection as (id, key, active).
    pub fn new(existing: Vec<(i64, DetectionKey, bool)>, findings: Vec<DetectionFinding>) -> Result<RecordPlan> {
        let mut by_key: HashMap<DetectionKey, (i64, bool)> =
            existing.into_iter().map(|(id, key, active)| (key, (id, active))).collect();
        let mut seen = HashSet::new();
        let mut plan = RecordPlan::default();
        for finding in findings {
            let key = finding.key();
            if !seen.insert(key.clone()) {
                return Err(StoreError::InvalidQuery(format!(
                    "the evaluation lists rule '{}' for resource '{}' of tenant '{}' twice",
                    key.rule_id, key.resource_id, key.tenant_id
                )));
            }
            match by_key.remove(&key) {
                Some((id, _)) => plan.update.push((id, finding)),
                None => plan.insert.push(finding),
            }
        }
        plan.deactivate = by_key.into_values().filter(|(_, active)| *active).map(|(id, _)| id).collect();
        plan.deactivate.sort_unstable();
        Ok(plan)
    }

    pub fn counts(&self) -> RecordCounts {
        RecordCounts {
            added: self.insert.len() as u64,
            updated: self.update.len() as u64,
            deactivated: self.deactivate.len() as u64,
        }
    }
}

/// The refusal of a rule set whose version is not newer than every saved one.
pub fn stale_version(version: u32, newest: u32) -> StoreError {
    StoreError::InvalidQuery(format!(
        "rule set version {version} is not newer than the newest saved version {newest}; set `version = {}` or higher",
        newest + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(resource: &str, rule: &str) -> DetectionFinding {
        DetectionFinding {
            tenant_id: "t".into(),
            resource_id: resource.into(),
            kind: None,
            rule_id: rule.into(),
            rule_version: 1,
            window_from: NaiveDate::default(),
            window_to: NaiveDate::default(),
            figures: serde_json::json!({}),
        }
    }

    #[test]
    fn plan_inserts_updates_and_deactivates_only_active() {
        let existing = vec![
            (1, finding("a", "r").key(), true),
            (2, finding("b", "r").key(), true),
            (3, finding("c", "r").key(), false),
        ];
        let plan = RecordPlan::new(existing, vec![finding("a", "r"), finding("d", "r"), finding("c", "r")])
            .expect("distinct findings");
        assert_eq!(plan.insert.iter().map(|f| f.resource_id.as_str()).collect::<Vec<_>>(), ["d"]);
        let mut updated: Vec<i64> = plan.update.iter().map(|(id, _)| *id).collect();
        updated.sort_unstable();
        assert_eq!(updated, [1, 3], "an inactive detection firing again is updated, not inserted");
        assert_eq!(plan.deactivate, [2], "only active detections that did not fire are deactivated");
    }

    #[test]
    fn plan_refuses_duplicate_findings() {
        let err = RecordPlan::new(vec![], vec![finding("a", "r"), finding("a", "r")]).expect_err("duplicate");
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn moves_back_to_new_or_to_the_same_state_are_refused() {
        assert!(DetectionState::Reviewed.check_move(DetectionState::New).is_err());
        assert!(DetectionState::Promoted.check_move(DetectionState::Promoted).is_err());
        assert!(DetectionState::Dismissed.check_move(DetectionState::Reviewed).is_ok());
        assert!(DetectionState::New.check_move(DetectionState::Promoted).is_ok());
    }

    #[test]
    fn states_round_trip_through_text() {
        for s in DetectionState::ALL {
            assert_eq!(s.as_str().parse::<DetectionState>().ok(), Some(*s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::json!(s.as_str())));
        }
        assert!("closed".parse::<DetectionState>().is_err());
    }
}
