//! What changed between two versions of a policy set (`steward policy diff v2 v3`).

use crate::model::{Policy, PolicySet};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The difference between two sets, policies matched by id. Where a policy is written (its
/// file and line) is not part of it: moving a policy between files changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetDiff {
    pub old_version: String,
    pub new_version: String,
    /// In the new set only, by id.
    pub added: Vec<Policy>,
    /// In the old set only, by id.
    pub removed: Vec<Policy>,
    /// In both, with different content, by id.
    pub changed: Vec<PolicyChange>,
    /// In both, identical.
    pub unchanged: usize,
}

/// One policy present in both sets whose content differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyChange {
    pub id: String,
    /// The new title (for display).
    pub title: String,
    pub fields: Vec<FieldChange>,
}

/// One field that differs: `level`, `condition`, `params.max_shared_users`, `scope.kinds`, …
/// A value missing on one side (a param added or removed) is `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

impl SetDiff {
    /// True when the two sets hold the same policies.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

impl PolicyChange {
    /// False when the policy changed but its `version` was not raised; reviewers should ask
    /// why (the version is how owners and reports tell one meaning of a policy from another).
    pub fn version_raised(&self) -> bool {
        self.fields.iter().any(|f| f.field == "version")
    }
}

/// Compares two sets by policy id.
pub fn diff(old: &PolicySet, new: &PolicySet) -> SetDiff {
    let old_by_id: BTreeMap<&str, &Policy> = old.policies.iter().map(|p| (p.id.as_str(), p)).collect();
    let new_by_id: BTreeMap<&str, &Policy> = new.policies.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut out = SetDiff {
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for (id, before) in &old_by_id {
        match new_by_id.get(id) {
            None => out.removed.push((*before).clone()),
            Some(after) => {
                let fields = field_changes(before, after);
                if fields.is_empty() {
                    out.unchanged += 1;
                } else {
                    out.changed.push(PolicyChange { id: id.to_string(), title: after.title.clone(), fields });
                }
            }
        }
    }
    for (id, after) in &new_by_id {
        if !old_by_id.contains_key(id) {
            out.added.push((*after).clone());
        }
    }
    out
}

/// The comparable fields of a policy, flattened (`params.x`, `scope.kinds`), in display order.
/// `param_names` is the union of both sides' params, so that one missing on this side is `null`.
fn fields(p: &Policy, param_names: &BTreeSet<&str>) -> Vec<(String, Value)> {
    let mut out = vec![
        ("version".to_string(), json!(p.version)),
        ("title".to_string(), json!(p.title)),
        ("level".to_string(), json!(p.level)),
        ("subject".to_string(), json!(p.subject)),
        ("effect".to_string(), json!(p.effect)),
        ("tracked".to_string(), json!(p.tracked)),
        ("scope.platforms".to_string(), json!(p.scope.platforms)),
        ("scope.kinds".to_string(), json!(p.scope.kinds)),
        ("scope.environments".to_string(), json!(p.scope.environments)),
        ("scope.environment_types".to_string(), json!(p.scope.environment_types)),
        ("scope.groups".to_string(), json!(p.scope.groups)),
    ];
    for name in param_names {
        let value = p.params.get(*name).map_or(Value::Null, |v| json!(v));
        out.push((format!("params.{name}"), value));
    }
    out.push(("condition".to_string(), json!(p.condition)));
    out.push(("rationale".to_string(), json!(p.rationale)));
    out.push(("remediation".to_string(), json!(p.remediation)));
    out
}

fn field_changes(before: &Policy, after: &Policy) -> Vec<FieldChange> {
    let param_names: BTreeSet<&str> = before.params.keys().chain(after.params.keys()).map(String::as_str).collect();
    fields(before, &param_names)
        .into_iter()
        .zip(fields(after, &param_names))
        .filter(|((_, b), (_, a))| a != b)
        .map(|((field, b), (_, a))| FieldChange { field, before: b, after: a })
        .collect()
}

fn short(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".to_string(),
        other => other.to_string(),
    }
}

/// The text `steward policy diff` prints.
impl fmt::Display for SetDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "policy set {} -> {}: {} added, {} removed, {} changed, {} unchanged",
            self.old_version,
            self.new_version,
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged
        )?;
        for p in &self.added {
            writeln!(f, "+ {} v{} ({}) {}", p.id, p.version, short(&json!(p.level)), p.title)?;
        }
        for p in &self.removed {
            writeln!(f, "- {} v{} ({}) {}", p.id, p.version, short(&json!(p.level)), p.title)?;
        }
        for c in &self.changed {
            let note = if c.version_raised() { "" } else { "  [version not raised]" };
            writeln!(f, "~ {} {}{note}", c.id, c.title)?;
            for field in &c.fields {
                let (b, a) = (short(&field.before), short(&field.after));
                if b.contains('\n') || a.contains('\n') || b.len() + a.len() > 100 {
                    writeln!(f, "    {}:", field.field)?;
                    for line in b.lines() {
                        writeln!(f, "      - {line}")?;
                    }
                    for line in a.lines() {
                        writeln!(f, "      + {line}")?;
                    }
                } else {
                    writeln!(f, "    {}: {b} -> {a}", field.field)?;
                }
            }
        }
        Ok(())
    }
}
