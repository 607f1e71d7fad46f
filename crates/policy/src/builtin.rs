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
    use crate::facts::{EnvironmentFacts, ResourceFacts};
    use crate::model::Level;
    use std::sync::Arc;
    use steward_model::{EnvironmentType, ResourceKind};

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

    /// One hand-made subject and whether a built-in policy's condition holds for it.
    struct Case {
        id: &'static str,
        what: &'static str,
        env: fn(&mut EnvironmentFacts),
        res: fn(&mut ResourceFacts),
        fires: bool,
    }

    fn case(id: &'static str, what: &'static str, res: fn(&mut ResourceFacts), fires: bool) -> Case {
        Case { id, what, env: |_| {}, res, fires }
    }

    fn env_case(id: &'static str, what: &'static str, env: fn(&mut EnvironmentFacts), fires: bool) -> Case {
        Case { id, what, env, res: |_| {}, fires }
    }

    /// Every built-in policy fires on one side of its threshold and not on the other (20 vs 21
    /// users, 60 vs 61 days, …), with the defaults of the pack.
    fn cases() -> Vec<Case> {
        use steward_model::{ImpactLevel, ResourceKind, ResourceState};
        vec![
            case("app-shared-without-justification", "20 users", |r| r.shared_users = 20, false),
            case("app-shared-without-justification", "21 users", |r| r.shared_users = 21, true),
            case(
                "app-shared-without-justification",
                "21 users, justified",
                |r| {
                    r.shared_users = 21;
                    r.justification = "payroll".into();
                },
                false,
            ),
            case("app-shared-without-justification", "one group", |r| r.shared_groups = 1, true),
            case("app-shared-without-justification", "everyone", |r| r.shared_with_everyone = true, true),
            case(
                "justified-app-not-published",
                "60 days",
                |r| {
                    r.justification = "x".into();
                    r.days_since_published = 60;
                },
                false,
            ),
            case(
                "justified-app-not-published",
                "61 days",
                |r| {
                    r.justification = "x".into();
                    r.days_since_published = 61;
                },
                true,
            ),
            case("justified-app-not-published", "61 days, not justified", |r| r.days_since_published = 61, false),
            case("justified-app-without-description", "no description", |r| r.justification = "x".into(), true),
            case(
                "justified-app-without-description",
                "described",
                |r| {
                    r.justification = "x".into();
                    r.description = "d".into();
                },
                false,
            ),
            case("justified-app-without-description", "not justified", |_| {}, false),
            case(
                "high-impact-without-mitigation-plan",
                "high, no plan",
                |r| r.business_impact = Some(ImpactLevel::High),
                true,
            ),
            case(
                "high-impact-without-mitigation-plan",
                "critical, no plan",
                |r| r.business_impact = Some(ImpactLevel::Critical),
                true,
            ),
            case(
                "high-impact-without-mitigation-plan",
                "non-critical",
                |r| r.business_impact = Some(ImpactLevel::NonCritical),
                false,
            ),
            case(
                "high-impact-without-mitigation-plan",
                "high, with a plan",
                |r| {
                    r.business_impact = Some(ImpactLevel::High);
                    r.mitigation_plan = "runbook".into();
                },
                false,
            ),
            case("high-impact-without-mitigation-plan", "impact not declared", |_| {}, false),
            case(
                "agent-used-without-justification",
                "50 uses",
                |r| {
                    r.kind = ResourceKind::Agent;
                    r.usage.uses_30d = 50;
                },
                false,
            ),
            case(
                "agent-used-without-justification",
                "51 uses",
                |r| {
                    r.kind = ResourceKind::Agent;
                    r.usage.uses_30d = 51;
                },
                true,
            ),
            case(
                "agent-used-without-justification",
                "51 uses, justified",
                |r| {
                    r.kind = ResourceKind::Agent;
                    r.usage.uses_30d = 51;
                    r.justification = "helpdesk".into();
                },
                false,
            ),
            case("orphaned-resource", "orphaned", |r| r.orphaned = true, true),
            case("orphaned-resource", "owned", |_| {}, false),
            case("unused-resource", "180 days", |r| r.usage.days_since_last_use = 180, false),
            case("unused-resource", "181 days", |r| r.usage.days_since_last_use = 181, true),
            case("overshared-app", "100 users", |r| r.shared_users = 100, false),
            case("overshared-app", "101 users", |r| r.shared_users = 101, true),
            case("overshared-app", "everyone", |r| r.shared_with_everyone = true, true),
            case("quarantined-app-still-shared", "quarantined, unshared", |r| r.quarantined = true, false),
            case(
                "quarantined-app-still-shared",
                "quarantined, one user",
                |r| {
                    r.quarantined = true;
                    r.shared_users = 1;
                },
                true,
            ),
            case(
                "quarantined-app-still-shared",
                "quarantined, a group",
                |r| {
                    r.quarantined = true;
                    r.shared_groups = 1;
                },
                true,
            ),
            case("quarantined-app-still-shared", "shared, not quarantined", |r| r.shared_users = 5, false),
            case("suspended-flow", "suspended", |r| r.state = ResourceState::Suspended, true),
            case("suspended-flow", "stopped", |r| r.state = ResourceState::Stopped, false),
            case("test-named-resource-in-production", "test name", |r| r.name_looks_like_test = true, true),
            case("test-named-resource-in-production", "real name", |_| {}, false),
            case("production-app-outside-solution", "outside", |_| {}, true),
            case("production-app-outside-solution", "in a solution", |r| r.in_solution = true, false),
            case("flow-uses-http", "no HTTP action", |_| {}, false),
            case("flow-uses-http", "one HTTP action", |r| r.http_actions = 1, true),
            case("premium-connector-in-default-environment", "standard only", |_| {}, false),
            case("premium-connector-in-default-environment", "one premium", |r| r.premium_connectors = 1, true),
            case("cross-tenant-connection", "cross-tenant", |r| r.cross_tenant = true, true),
            case("cross-tenant-connection", "same tenant", |_| {}, false),
            env_case("environment-without-dlp", "no DLP", |_| {}, true),
            env_case("environment-without-dlp", "DLP", |e| e.has_dlp = true, false),
            env_case(
                "default-environment-tech-debt",
                "1000 resources",
                |e| {
                    e.environment_type = EnvironmentType::Default;
                    e.resource_count = 1000;
                },
                false,
            ),
            env_case(
                "default-environment-tech-debt",
                "1001 resources",
                |e| {
                    e.environment_type = EnvironmentType::Default;
                    e.resource_count = 1001;
                },
                true,
            ),
            env_case(
                "default-environment-tech-debt",
                "21 widely shared",
                |e| {
                    e.environment_type = EnvironmentType::Default;
                    e.shared_resource_count = 21;
                },
                true,
            ),
            env_case(
                "default-environment-tech-debt",
                "not the Default environment",
                |e| {
                    e.environment_type = EnvironmentType::Production;
                    e.resource_count = 5000;
                },
                false,
            ),
            env_case("unmanaged-production-environment", "unmanaged", |_| {}, true),
            env_case("unmanaged-production-environment", "managed", |e| e.managed = true, false),
            env_case("empty-environment", "empty, 90 days old", |e| e.age_days = 90, false),
            env_case("empty-environment", "empty, 91 days old", |e| e.age_days = 91, true),
            env_case(
                "empty-environment",
                "one resource, 200 days old",
                |e| {
                    e.age_days = 200;
                    e.resource_count = 1;
                },
                false,
            ),
        ]
    }

    #[test]
    fn each_builtin_policy_fires_on_one_side_of_its_threshold() {
        use crate::facts::Subject;
        let set = builtin_set();
        let mut covered: Vec<(&str, bool)> = Vec::new();
        for c in cases() {
            let policy = set.get(c.id).unwrap_or_else(|| panic!("{} is not built in", c.id));
            let program = crate::cel::compile(&policy.condition, policy.subject, &policy.params)
                .unwrap_or_else(|e| panic!("{}: {e}", c.id));
            let mut env = EnvironmentFacts::unknown("env-1", Arc::from("tenant"), Arc::from("powerplatform"));
            (c.env)(&mut env);
            let fired = match policy.subject {
                Subject::Environment => program.eval_environment(&env),
                Subject::Resource => {
                    // A resource the policy's scope selects: its first kind, in an environment
                    // of its first environment type.
                    if let Some(t) = policy.scope.environment_types.first() {
                        env.environment_type = *t;
                    }
                    let kind = policy.scope.kinds.first().copied().unwrap_or(ResourceKind::CanvasApp);
                    let mut r = ResourceFacts::new("res-1", kind, Arc::new(env));
                    (c.res)(&mut r);
                    program.eval_resource(&r)
                }
            };
            assert_eq!(fired, c.fires, "{} ({}): condition `{}`", c.id, c.what, policy.condition);
            covered.push((c.id, c.fires));
        }
        for p in &set.policies {
            for fires in [true, false] {
                assert!(covered.contains(&(p.id.as_str(), fires)), "{}: no case where it fires: {fires}", p.id);
            }
        }
    }

    #[test]
    fn unused_resource_evidence_includes_the_archive_score() {
        let set = builtin_set();
        let policy = set.get("unused-resource").expect("built in");
        let program = crate::cel::compile(&policy.condition, policy.subject, &policy.params).expect("compiles");
        let env = Arc::new(EnvironmentFacts::unknown("env-1", Arc::from("t"), Arc::from("powerplatform")));
        let mut r = ResourceFacts::new("res-1", ResourceKind::CanvasApp, env);
        r.usage.days_since_last_use = 400;
        r.archive_score = 5;
        assert!(program.eval_resource(&r));
        let evidence = program.evidence_resource(&r);
        assert!(evidence.contains(&("resource.archive_score", serde_json::json!(5))), "{evidence:?}");
    }

    /// Through the evaluator, with scope: a subject that satisfies a condition but lies outside
    /// the policy's scope (wrong kind, wrong environment type) is not a violation.
    #[test]
    fn scopes_select_the_subjects_the_pack_means() {
        use crate::evaluate::compile_set;
        use crate::facts::FactTable;
        use std::collections::BTreeSet;

        let env = |id: &str, t: EnvironmentType, index: u32| {
            let mut e = EnvironmentFacts::unknown(id, Arc::from("tenant"), Arc::from("powerplatform"));
            e.environment_type = t;
            e.age_days = 100;
            e.has_dlp = true;
            e.managed = true;
            e.resource_count = 3;
            e.index = index;
            Arc::new(e)
        };
        // Sorted by id, as the builder makes them.
        let default = env("env-a-default", EnvironmentType::Default, 0);
        let production = env("env-b-production", EnvironmentType::Production, 1);
        let mut sandbox = (*env("env-c-sandbox", EnvironmentType::Sandbox, 2)).clone();
        sandbox.resource_count = 0;
        sandbox.managed = false;
        let sandbox = Arc::new(sandbox);
        let mut unmanaged = (*env("env-d-production", EnvironmentType::Production, 3)).clone();
        unmanaged.managed = false;
        unmanaged.resource_count = 0;
        let unmanaged = Arc::new(unmanaged);

        let resource = |id: &str, kind: ResourceKind, e: &Arc<EnvironmentFacts>, set: fn(&mut ResourceFacts)| {
            let mut r = ResourceFacts::new(id, kind, e.clone());
            r.in_solution = true;
            set(&mut r);
            r
        };
        let resources = vec![
            resource("r01", ResourceKind::CanvasApp, &default, |r| r.premium_connectors = 1),
            resource("r02", ResourceKind::CanvasApp, &production, |r| r.premium_connectors = 1),
            resource("r03", ResourceKind::Agent, &production, |r| r.usage.uses_30d = 51),
            resource("r04", ResourceKind::CanvasApp, &production, |r| r.usage.uses_30d = 51),
            resource("r05", ResourceKind::CloudFlow, &sandbox, |r| r.http_actions = 1),
            resource("r06", ResourceKind::DesktopFlow, &sandbox, |r| r.http_actions = 1),
            resource("r07", ResourceKind::CanvasApp, &production, |r| r.name_looks_like_test = true),
            resource("r08", ResourceKind::CanvasApp, &sandbox, |r| r.name_looks_like_test = true),
            resource("r09", ResourceKind::CloudFlow, &production, |r| r.shared_users = 30),
            resource("r10", ResourceKind::CloudFlow, &production, |r| r.in_solution = false),
            resource("r11", ResourceKind::DesktopFlow, &production, |r| r.in_solution = false),
        ];
        let table = FactTable { resources, environments: vec![default, production, sandbox, unmanaged] };

        let (compiled, errors) = compile_set(&builtin_set());
        assert!(errors.is_empty(), "{errors:?}");
        let found: BTreeSet<(String, String)> = compiled
            .evaluate(&table, 2)
            .into_iter()
            .map(|f| (f.policy_id.to_string(), f.subject_id.to_string()))
            .collect();
        let expected: BTreeSet<(String, String)> = [
            ("premium-connector-in-default-environment", "r01"),
            ("agent-used-without-justification", "r03"),
            ("flow-uses-http", "r05"),
            ("test-named-resource-in-production", "r07"),
            ("production-app-outside-solution", "r10"),
            ("empty-environment", "env-c-sandbox"),
            ("unmanaged-production-environment", "env-d-production"),
        ]
        .into_iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect();
        assert_eq!(found, expected);
    }
}
