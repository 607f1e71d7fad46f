//! The built-in policy pack: the CoE Starter Kit's governance checks, as policies.
//!
//! The YAML files under `crates/policy/builtin/` are compiled into the binary, so a fresh
//! install checks a tenant without any policy files, and a team's own set can build on the
//! pack (`include_builtin: true` in `set.yaml`) and tune it with `overrides:` instead of
//! copying it. The pack is documented in `docs/policies.md`.

use crate::model::PolicySet;
use std::sync::OnceLock;

/// The version label of the built-in pack; raised whenever a built-in policy changes.
pub const BUILTIN_VERSION: &str = "builtin-1";

/// How built-in policies' sources start (`builtin/compliance.yaml`).
pub const SOURCE_PREFIX: &str = "builtin/";

/// The pack's files: (source name, YAML).
pub const FILES: &[(&str, &str)] = &[
    ("builtin/compliance.yaml", include_str!("../builtin/compliance.yaml")),
    ("builtin/hygiene.yaml", include_str!("../builtin/hygiene.yaml")),
    ("builtin/risk.yaml", include_str!("../builtin/risk.yaml")),
    ("builtin/environments.yaml", include_str!("../builtin/environments.yaml")),
];

/// The built-in pack as a set (version [`BUILTIN_VERSION`]). Read once per process.
pub fn builtin_set() -> PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut policies = Vec::new();
        for (name, text) in FILES {
            // The pack is tested to load without errors (tests below), so none are expected
            // here; a policy that did not load would be missing rather than crash a check.
            let (loaded, _errors) = crate::load::parse_policies(name, text);
            policies.extend(loaded);
        }
        PolicySet { version: BUILTIN_VERSION.to_string(), policies }
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    #[test]
    fn the_pack_loads_without_errors() {
        for (name, text) in FILES {
            let (policies, errors) = crate::load::parse_policies(name, text);
            assert!(errors.is_empty(), "{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
            assert!(!policies.is_empty(), "{name} has no policies");
        }
        let set = builtin_set();
        assert_eq!(set.version, BUILTIN_VERSION);
        let mut ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "duplicate ids in the built-in pack");
        assert!(count >= 16, "{count} policies");
    }

    #[test]
    fn the_pack_covers_the_starter_kit_checks() {
        let set = builtin_set();
        for id in [
            "app-shared-without-justification",
            "justified-app-not-published",
            "justified-app-without-description",
            "high-impact-without-mitigation-plan",
            "agent-used-without-justification",
            "orphaned-resource",
            "unused-resource",
            "flow-uses-http",
            "premium-connector-in-default-environment",
            "environment-without-dlp",
            "cross-tenant-connection",
            "default-environment-tech-debt",
            "quarantined-app-still-shared",
            "overshared-app",
            "suspended-flow",
            "unmanaged-production-environment",
        ] {
            assert!(set.get(id).is_some(), "{id} missing from the built-in pack");
        }
        // Must policies are tracked after every sync; the others on demand.
        for p in &set.policies {
            assert_eq!(p.tracked, p.level == Level::Must, "{}", p.id);
            assert!(p.source.file.starts_with(SOURCE_PREFIX), "{}", p.id);
            assert!(p.rationale.contains("coe-starter-kit.md"), "{} cites no source", p.id);
        }
    }

    #[test]
    fn thresholds_are_params_not_constants() {
        // A digit in a condition is a threshold someone will want to tune; it belongs in
        // params. (Ids and field names have no digits except `uses_30d`-style names.)
        for p in builtin_set().policies {
            let mut rest = p.condition.as_str();
            while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
                let before = &rest[..i];
                let standalone = !before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
                assert!(!standalone || rest[i..].starts_with('0'), "{}: constant in condition `{}`", p.id, p.condition);
                rest = &rest[i + 1..];
            }
        }
    }
}
