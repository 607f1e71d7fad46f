//! What adopting a policy set would change, before adopting it (`steward check --dry-run`):
//! "adds 1,234 violations in 56 environments; resolves 80".

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One violation, reduced to what a comparison needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub policy_id: String,
    pub subject_id: String,
    pub environment_id: String,
}

/// Per policy: how many violations it would add and resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyImpact {
    pub added: u64,
    pub resolved: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// Violations the candidate set finds that are not open now.
    pub added: u64,
    /// Distinct environments of the added violations.
    pub added_environments: u64,
    /// Violations open now that the candidate set would not find (fixed, or policy dropped).
    pub resolved: u64,
    pub unchanged: u64,
    pub by_policy: BTreeMap<String, PolicyImpact>,
}

impl Impact {
    /// Compare what a candidate set finds with what is open now.
    pub fn compare(open_now: impl IntoIterator<Item = Key>, candidate: impl IntoIterator<Item = Key>) -> Impact {
        let open: HashSet<Key> = open_now.into_iter().collect();
        let mut impact = Impact::default();
        let mut seen: HashSet<Key> = HashSet::new();
        let mut environments = BTreeSet::new();
        for key in candidate {
            if !seen.insert(key.clone()) {
                continue;
            }
            let entry = impact.by_policy.entry(key.policy_id.clone()).or_default();
            if open.contains(&key) {
                impact.unchanged += 1;
                entry.unchanged += 1;
            } else {
                impact.added += 1;
                entry.added += 1;
                environments.insert(key.environment_id.clone());
            }
        }
        for key in open.iter().filter(|k| !seen.contains(*k)) {
            impact.resolved += 1;
            impact.by_policy.entry(key.policy_id.clone()).or_default().resolved += 1;
        }
        impact.added_environments = environments.len() as u64;
        impact
    }

    /// The one line the board reads; `count` formats a figure (the CLI passes the report's
    /// thousands formatter).
    pub fn summary(&self, count: impl Fn(u64) -> String) -> String {
        format!(
            "adds {} violation{} in {} environment{}; resolves {}; {} unchanged",
            count(self.added),
            plural(self.added),
            count(self.added_environments),
            plural(self.added_environments),
            count(self.resolved),
            count(self.unchanged)
        )
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(p: &str, s: &str, e: &str) -> Key {
        Key { policy_id: p.into(), subject_id: s.into(), environment_id: e.into() }
    }

    #[test]
    fn counts_added_resolved_and_unchanged_per_policy() {
        let open = vec![key("a", "r1", "e1"), key("a", "r2", "e1"), key("gone", "r3", "e2")];
        let candidate = vec![key("a", "r1", "e1"), key("a", "r4", "e2"), key("b", "r5", "e3"), key("b", "r5", "e3")];
        let impact = Impact::compare(open, candidate);
        assert_eq!((impact.added, impact.added_environments, impact.resolved, impact.unchanged), (2, 2, 2, 1));
        assert_eq!(impact.by_policy["a"], PolicyImpact { added: 1, resolved: 1, unchanged: 1 });
        assert_eq!(impact.by_policy["gone"].resolved, 1);
        assert_eq!(impact.by_policy["b"].added, 1);
        assert_eq!(impact.summary(|n| n.to_string()), "adds 2 violations in 2 environments; resolves 2; 1 unchanged");
    }
}
