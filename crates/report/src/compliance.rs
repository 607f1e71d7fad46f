//! The board report's compliance section, read from the recorded compliance runs.
//!
//! Per policy: non-compliant (open violations) and exempt (exempted violations) come from the
//! live violations, which only a recorded run changes, so they are the state after the latest
//! run that evaluated the policy. Compliant is `in scope − non-compliant − exempt`, where *in
//! scope* counts the live subjects the policy's scope admits (kinds, environments by id or name,
//! environment types, groups, platforms), the same subjects a run evaluates the condition on.
//! The store keeps no per-policy subject counts for a run, so they are counted here from the
//! inventory, with the rules of `steward_policy::evaluate` (a test checks them against a real
//! run's counts).

use crate::{Compliance, PolicyCompliance, ReportError};
use std::collections::{HashMap, HashSet};
use steward_model::{Environment, EnvironmentType, ResourceKind};
use steward_policy::builtin::{BUILTIN_VERSION, builtin_set};
use steward_policy::facts::Subject;
use steward_policy::model::{Policy, PolicySet, Scope};
use steward_store::governance::ComplianceRunInfo;
use steward_store::usage::BriefQuery;
use steward_store::{EnvironmentQuery, MAX_LIMIT, Store};

/// How many recent runs are searched for the latest one of a tenant.
const RUNS_SEARCHED: u32 = 200;

/// The compliance section for one tenant (or every tenant with `None`); `None` while no
/// compliance run has been recorded, so the report keeps saying policies are not configured.
pub async fn compliance(store: &dyn Store, tenant_id: Option<&str>) -> Result<Option<Compliance>, ReportError> {
    let runs = store.compliance_runs(RUNS_SEARCHED).await.map_err(ReportError::store("listing compliance runs"))?;
    // A run of every tenant covers this tenant too; a run of another tenant does not.
    let covers =
        |r: &ComplianceRunInfo| tenant_id.is_none() || r.tenant_id.is_none() || r.tenant_id.as_deref() == tenant_id;
    let Some(latest) = runs.iter().find(|r| covers(r)) else { return Ok(None) };
    let set = policy_set(store, &latest.policy_set_version).await?;

    let summary =
        store.compliance_summary(tenant_id).await.map_err(ReportError::store("reading the compliance summary"))?;
    // A policy's violations may carry two levels just after its level changed: add them up.
    let mut live: HashMap<&str, (u64, u64)> = HashMap::new();
    for p in &summary.by_policy {
        let entry = live.entry(p.policy_id.as_str()).or_default();
        entry.0 += p.open;
        entry.1 += p.exempted;
    }

    let platforms = set.policies.iter().any(|p| !p.scope.platforms.is_empty());
    let estate = Estate::load(store, tenant_id, platforms).await?;
    let mut policies = Vec::new();
    for policy in &set.policies {
        let trend = store
            .compliance_trend(Some(&policy.id), 1)
            .await
            .map_err(ReportError::store("reading when a policy was last evaluated"))?;
        // Never evaluated (e.g. added to the set since the last full check): no figures to show.
        let Some(last) = trend.last() else { continue };
        let (open, exempt) = live.get(policy.id.as_str()).copied().unwrap_or((0, 0));
        let in_scope = estate.in_scope(policy);
        policies.push(PolicyCompliance {
            policy_id: policy.id.clone(),
            title: policy.title.clone(),
            level: policy.level.as_str().to_string(),
            subject: match policy.subject {
                Subject::Resource => "resource".into(),
                Subject::Environment => "environment".into(),
            },
            in_scope,
            compliant: in_scope.saturating_sub(open + exempt),
            non_compliant: open,
            exempt,
            evaluated_at: Some(last.at),
        });
    }
    policies.sort_by(|a, b| b.non_compliant.cmp(&a.non_compliant).then_with(|| a.policy_id.cmp(&b.policy_id)));
    Ok(Some(Compliance {
        last_run_at: Some(latest.at),
        policy_set_version: latest.policy_set_version.clone(),
        policies,
    }))
}

/// The set a run evaluated: the built-in pack or a saved version; the adopted set (else the
/// pack) when the version is neither, so titles are still shown.
async fn policy_set(store: &dyn Store, version: &str) -> Result<PolicySet, ReportError> {
    if version == BUILTIN_VERSION {
        return Ok(builtin_set());
    }
    let stored = match store.policy_set(version).await.map_err(ReportError::store("reading a policy set"))? {
        Some(stored) => Some(stored),
        None => store.active_policy_set().await.map_err(ReportError::store("reading the active policy set"))?,
    };
    // A saved set that no longer reads back must not take the report down: the pack's titles
    // are better than none, and the log says why.
    Ok(stored
        .and_then(|s| match serde_json::from_value::<PolicySet>(s.content) {
            Ok(set) => Some(set),
            Err(error) => {
                tracing::warn!(version = %s.info.version, %error, "policy set unreadable; compliance titles from the built-in pack");
                None
            }
        })
        .unwrap_or_else(builtin_set))
}

/// The environment facts a scope reads.
#[derive(Debug, Clone)]
struct Env {
    id: String,
    name: String,
    environment_type: EnvironmentType,
    group: String,
    platform: String,
}

impl Env {
    fn of(e: &Environment) -> Env {
        Env {
            id: e.id.clone(),
            name: e.display_name.clone(),
            environment_type: e.environment_type,
            group: e.environment_group.clone().unwrap_or_default(),
            platform: e.platform.clone(),
        }
    }

    /// A resource's environment the inventory does not hold: as the fact builder makes it.
    fn unknown(id: &str) -> Env {
        Env {
            id: id.to_string(),
            name: String::new(),
            environment_type: EnvironmentType::Other,
            group: String::new(),
            platform: String::new(),
        }
    }
}

/// Live resources (kind and environment) and live environments of the tenant.
struct Estate {
    environments: Vec<Env>,
    resources: Vec<ResourceRow>,
}

struct ResourceRow {
    kind: ResourceKind,
    /// Position of its environment in `Estate::environments`.
    environment: usize,
    /// Its own platform when its environment is unknown (and platforms matter); otherwise it
    /// lives on its environment's platform.
    platform: Option<String>,
}

impl Estate {
    /// `platforms`: whether some scope names platforms, so the platform of resources whose
    /// environment is unknown must be read (one by one: such resources are rare).
    async fn load(store: &dyn Store, tenant_id: Option<&str>, platforms: bool) -> Result<Estate, ReportError> {
        let mut environments = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .list_environments(&EnvironmentQuery {
                    tenant: tenant_id.map(str::to_string),
                    limit: Some(MAX_LIMIT),
                    cursor,
                    ..Default::default()
                })
                .await
                .map_err(ReportError::store("listing environments"))?;
            environments.extend(
                page.items.iter().filter(|s| s.environment.deleted_at.is_none()).map(|s| Env::of(&s.environment)),
            );
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let known = environments.len();
        let mut index: HashMap<String, usize> =
            environments.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        let briefs = store
            .resource_briefs(&BriefQuery {
                tenant_id: tenant_id.map(str::to_string),
                include_deleted: false,
                ..Default::default()
            })
            .await
            .map_err(ReportError::store("reading the resource inventory"))?;
        let mut resources = Vec::with_capacity(briefs.len());
        for b in briefs.iter().filter(|b| b.deleted_at.is_none()) {
            let environment = match index.get(&b.environment_id) {
                Some(i) => *i,
                None => {
                    // Evaluations meet such environments too (and environment policies see them).
                    environments.push(Env::unknown(&b.environment_id));
                    index.insert(b.environment_id.clone(), environments.len() - 1);
                    environments.len() - 1
                }
            };
            let platform = if environment >= known && platforms {
                let resource =
                    store.get_resource(&b.id).await.map_err(ReportError::store("reading a resource's platform"))?;
                let platform = resource.map(|r| r.platform).unwrap_or_default();
                // The fact builder gives an unknown environment the platform of its first resource.
                if environments[environment].platform.is_empty() {
                    environments[environment].platform.clone_from(&platform);
                }
                Some(platform)
            } else {
                None
            };
            resources.push(ResourceRow { kind: b.kind, environment, platform });
        }
        Ok(Estate { environments, resources })
    }

    /// Subjects the policy's scope admits, as an evaluation counts them. A resource in a known
    /// environment is taken to live on its environment's platform (the inventory briefs carry
    /// no platform, and the platforms' APIs list resources per environment).
    fn in_scope(&self, policy: &Policy) -> u64 {
        let scope = &policy.scope;
        let environment_ok: Vec<bool> = self.environments.iter().map(|e| environment_in_scope(scope, e)).collect();
        let platform_ok: Vec<bool> = self.environments.iter().map(|e| platform_in_scope(scope, &e.platform)).collect();
        match policy.subject {
            Subject::Environment => environment_ok.iter().zip(&platform_ok).filter(|(e, p)| **e && **p).count() as u64,
            Subject::Resource => {
                let kinds: HashSet<ResourceKind> = scope.kinds.iter().copied().collect();
                self.resources
                    .iter()
                    .filter(|r| kinds.is_empty() || kinds.contains(&r.kind))
                    .filter(|r| environment_ok[r.environment])
                    .filter(|r| match &r.platform {
                        Some(own) => platform_in_scope(scope, own),
                        None => platform_ok[r.environment],
                    })
                    .count() as u64
            }
        }
    }
}

/// As `steward_policy::evaluate`: ids, names and groups compare ignoring ASCII case.
fn environment_in_scope(scope: &Scope, e: &Env) -> bool {
    (scope.environments.is_empty()
        || scope.environments.iter().any(|s| s.eq_ignore_ascii_case(&e.id) || s.eq_ignore_ascii_case(&e.name)))
        && (scope.environment_types.is_empty() || scope.environment_types.contains(&e.environment_type))
        && (scope.groups.is_empty() || scope.groups.iter().any(|g| g.eq_ignore_ascii_case(&e.group)))
}

/// As `steward_policy::evaluate`: platform names compare ignoring case and punctuation.
fn platform_in_scope(scope: &Scope, platform: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect::<String>();
    scope.platforms.is_empty()
        || scope.platforms.iter().any(|p| p.eq_ignore_ascii_case(platform) || norm(p) == norm(platform))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(id: &str, name: &str, ty: EnvironmentType, group: &str) -> Env {
        Env {
            id: id.into(),
            name: name.into(),
            environment_type: ty,
            group: group.into(),
            platform: "power_platform".into(),
        }
    }

    #[test]
    fn scopes_match_ids_names_types_groups_and_platforms() {
        let prod = env("e1", "Finance Prod", EnvironmentType::Production, "Finance");
        let any = Scope::default();
        assert!(environment_in_scope(&any, &prod) && platform_in_scope(&any, &prod.platform));
        let by_name = Scope { environments: vec!["finance prod".into()], ..Scope::default() };
        assert!(environment_in_scope(&by_name, &prod));
        let by_id = Scope { environments: vec!["E1".into()], ..Scope::default() };
        assert!(environment_in_scope(&by_id, &prod));
        let other = Scope { environments: vec!["e2".into()], ..Scope::default() };
        assert!(!environment_in_scope(&other, &prod));
        let default_only = Scope { environment_types: vec![EnvironmentType::Default], ..Scope::default() };
        assert!(!environment_in_scope(&default_only, &prod));
        let group = Scope { groups: vec!["finance".into()], ..Scope::default() };
        assert!(environment_in_scope(&group, &prod));
        let platform = Scope { platforms: vec!["PowerPlatform".into()], ..Scope::default() };
        assert!(platform_in_scope(&platform, "power_platform"));
        assert!(!platform_in_scope(
            &Scope { platforms: vec!["salesforce".into()], ..Scope::default() },
            "power_platform"
        ));
    }
}
