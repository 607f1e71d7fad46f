//! Fact rows from the inventory, the directory, governance declarations and usage rollups.
//!
//! The builder takes model types only (the caller loads them from the store), and can take
//! resources one at a time so that a million of them never need to sit in memory as model
//! structs: environment aggregates are counted as resources arrive, and the shared
//! environment rows are attached when [`FactsBuilder::build`] runs.

use super::{EnvironmentFacts, FactTable, OwnerFacts, ResourceFacts, UsageFacts};
use chrono::NaiveDate;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use steward_model::{
    ConnectorTier, DataPolicy, Environment, Governance, Principal, Resource, ResourceGovernance, ResourceKind,
    ResourceState, Timestamp,
};

/// Usage of one resource as the usage rollups know it (the lead's loader fills it from the
/// store). Windows end on the evaluation day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageSummary {
    pub uses_7d: u64,
    pub uses_30d: u64,
    pub uses_90d: u64,
    pub users_30d: u64,
    pub users_90d: u64,
    pub first_use: Option<NaiveDate>,
    pub last_use: Option<NaiveDate>,
}

/// A flow with more actions than this is "complex" for the archive score (the CoE Starter
/// Kit subtracts a point for complex flows without publishing its threshold; 20 actions is
/// where a flow stops fitting on one screen of the designer).
pub const COMPLEX_FLOW_ACTIONS: u64 = 20;

/// A shared resource for `environment.shared_resource_count`: shared with everyone or with
/// more users than this (the kit's compliance threshold).
const WIDELY_SHARED_USERS: u32 = 20;

/// Whether a display name has one of the words the CoE Starter Kit treats as a test or demo
/// name. Words are runs of letters, compared case-insensitively, so `Test app`, `demo-2`,
/// `Copy of Leave requests` and `POC_invoices` match, and `Contest` or `Temperature` do not.
pub fn name_looks_like_test(name: &str) -> bool {
    const WORDS: &[&str] = &["test", "demo", "copy", "poc", "sample", "tmp", "temp", "trial", "sandbox"];
    name.split(|c: char| !c.is_alphabetic()).any(|word| WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)))
}

/// Template or duplicate names (`Copy of …`, `… template`), an app criterion of the kit.
fn name_looks_like_template(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.contains("copy of") || lower.split(|c: char| !c.is_alphabetic()).any(|w| w == "template")
}

/// The CoE Starter Kit's archive score (coe-starter-kit.md §1.6): the higher, the safer to
/// archive.
///
/// Apps, out of 6: never modified since created +1, test/demo name +1, older than two years
/// +3 (one year +2, three months +1), template or duplicate name +1.
/// Flows, out of 7: never modified +1, test/demo name +1, the same age points, stopped +2 or
/// suspended +1, and −1 when complex (more than [`COMPLEX_FLOW_ACTIONS`] actions). The
/// template criterion is the apps' only: with it flows would reach 8, not the kit's 7.
/// Other kinds score 0. Two years is 730 days, one year 365, three months 90.
pub fn archive_score(
    kind: ResourceKind,
    state: ResourceState,
    age_days: u32,
    never_modified: bool,
    name: &str,
    action_count: Option<u64>,
) -> u8 {
    if !kind.is_app() && !kind.is_flow() {
        return 0;
    }
    let mut score: i32 = 0;
    score += i32::from(never_modified);
    score += i32::from(name_looks_like_test(name));
    score += match age_days {
        d if d > 730 => 3,
        d if d > 365 => 2,
        d if d > 90 => 1,
        _ => 0,
    };
    if kind.is_app() {
        score += i32::from(name_looks_like_template(name));
    } else {
        score += match state {
            ResourceState::Stopped => 2,
            ResourceState::Suspended => 1,
            _ => 0,
        };
        if action_count.is_some_and(|n| n > COMPLEX_FLOW_ACTIONS) {
            score -= 1;
        }
    }
    u8::try_from(score.max(0)).unwrap_or(0)
}

/// An environment being built: its facts without the counts, and the counts.
struct EnvDraft {
    facts: EnvironmentFacts,
    makers: HashSet<Box<str>>,
}

/// Builds a [`FactTable`]. Give it the lookups first (environments, principals, data
/// policies, governance, usage), then the resources, then call [`build`](Self::build).
///
/// ```
/// # use steward_policy::facts::FactsBuilder;
/// # let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
/// let mut builder = FactsBuilder::new(day);
/// builder.environments(&[]).principals(&[]).data_policies(&[]);
/// builder.add_resources(&[]);
/// let table = builder.build();
/// assert!(table.resources.is_empty());
/// ```
pub struct FactsBuilder {
    day: NaiveDate,
    env_index: HashMap<Arc<str>, u32>,
    envs: Vec<EnvDraft>,
    data_policies: Vec<DataPolicy>,
    owners: HashMap<Box<str>, Arc<OwnerFacts>>,
    /// Whether the directory was given: without it nobody can be called a leaver.
    principals_known: bool,
    governance: HashMap<String, Governance>,
    usage: HashMap<String, UsageSummary>,
    strings: HashMap<Box<str>, Arc<str>>,
    connector_sets: HashMap<u64, Vec<Arc<[Arc<str>]>>>,
    resources: Vec<ResourceFacts>,
    /// Environment (draft index) of each resource, attached in `build`.
    resource_envs: Vec<u32>,
    pending_env: Arc<EnvironmentFacts>,
}

impl FactsBuilder {
    /// `day` is the evaluation day every "days since" fact counts to.
    pub fn new(day: NaiveDate) -> Self {
        FactsBuilder {
            day,
            env_index: HashMap::new(),
            envs: Vec::new(),
            data_policies: Vec::new(),
            owners: HashMap::new(),
            principals_known: false,
            governance: HashMap::new(),
            usage: HashMap::new(),
            strings: HashMap::new(),
            connector_sets: HashMap::new(),
            resources: Vec::new(),
            resource_envs: Vec::new(),
            pending_env: Arc::new(EnvironmentFacts::unknown("", Arc::from(""), Arc::from(""))),
        }
    }

    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(s.into(), a.clone());
        a
    }

    fn days_since(&self, t: Timestamp) -> u32 {
        let d = (self.day - t.date_naive()).num_days();
        u32::try_from(d.max(0)).unwrap_or(u32::MAX)
    }

    /// Environments of the inventory. Deleted ones are left out (their resources, if any are
    /// still listed, get an "unknown" environment).
    pub fn environments(&mut self, environments: &[Environment]) -> &mut Self {
        for e in environments.iter().filter(|e| e.deleted_at.is_none()) {
            if self.env_index.contains_key(e.id.as_str()) {
                continue;
            }
            let tenant_id = self.intern(&e.tenant_id);
            let platform = self.intern(&e.platform);
            let mut facts = EnvironmentFacts::unknown(&e.id, tenant_id, platform);
            facts.name = e.display_name.as_str().into();
            facts.environment_type = e.environment_type;
            facts.managed = e.managed;
            facts.has_dataverse = e.has_dataverse;
            facts.group = e.environment_group.as_deref().unwrap_or("").into();
            facts.business_area = e.business_area.as_deref().unwrap_or("").into();
            facts.age_days = e.created_at.map_or(0, |t| self.days_since(t));
            self.push_env(facts);
        }
        self
    }

    fn push_env(&mut self, facts: EnvironmentFacts) -> u32 {
        let index = u32::try_from(self.envs.len()).unwrap_or(u32::MAX);
        self.env_index.insert(facts.id.clone(), index);
        self.envs.push(EnvDraft { facts, makers: HashSet::new() });
        index
    }

    /// The directory: owners' names, departments, managers, and who left.
    pub fn principals(&mut self, principals: &[Principal]) -> &mut Self {
        self.principals_known |= !principals.is_empty();
        for p in principals {
            let facts = OwnerFacts {
                id: p.id.clone(),
                upn: p.upn.clone().unwrap_or_default(),
                display_name: p.display_name.clone(),
                department: p.department.clone().unwrap_or_default(),
                manager_id: p.manager_id.clone().unwrap_or_default(),
                enabled: p.enabled && p.deleted_at.is_none(),
                leaver: p.is_leaver(),
            };
            self.owners.insert(p.id.as_str().into(), Arc::new(facts));
        }
        self
    }

    /// Data (DLP) policies, for `environment.has_dlp`.
    pub fn data_policies(&mut self, policies: &[DataPolicy]) -> &mut Self {
        self.data_policies.extend_from_slice(policies);
        self
    }

    /// Governance declarations by resource id.
    pub fn governance<I: IntoIterator<Item = ResourceGovernance>>(&mut self, rows: I) -> &mut Self {
        self.governance.extend(rows.into_iter().map(|g| (g.resource_id, g.governance)));
        self
    }

    /// Usage by resource id.
    pub fn usage<I: IntoIterator<Item = (String, UsageSummary)>>(&mut self, rows: I) -> &mut Self {
        self.usage.extend(rows);
        self
    }

    pub fn add_resources(&mut self, resources: &[Resource]) -> &mut Self {
        self.resources.reserve(resources.len());
        for r in resources {
            self.add_resource(r);
        }
        self
    }

    /// The owner facts for a principal id; principals the directory does not know get a row
    /// with their id only (and count as leavers when the directory was given).
    fn owner(&mut self, id: &str) -> Arc<OwnerFacts> {
        if let Some(o) = self.owners.get(id) {
            return o.clone();
        }
        let o = Arc::new(OwnerFacts { id: id.to_string(), leaver: self.principals_known, ..OwnerFacts::default() });
        self.owners.insert(id.into(), o.clone());
        o
    }

    /// An active owner: enabled and not deleted, or anyone when the directory is unknown.
    fn is_active(&self, id: &str) -> bool {
        !self.principals_known || self.owners.get(id).is_some_and(|o| o.enabled && !o.leaver)
    }

    /// The resource's connector ids, sorted, without duplicates, as a list shared with every
    /// resource that uses the same connectors. Ids are interned: a condition that looks at
    /// connectors reads a few hot strings and one shared list instead of a scattered
    /// allocation per resource (a cache miss costs more than the whole condition).
    fn connectors(&mut self, r: &Resource) -> Arc<[Arc<str>]> {
        let mut ids: Vec<&str> = r.connection_references.iter().map(|c| c.connector_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut h = DefaultHasher::new();
        ids.hash(&mut h);
        let key = h.finish();
        if let Some(set) = self
            .connector_sets
            .get(&key)
            .into_iter()
            .flatten()
            .find(|s| s.len() == ids.len() && s.iter().zip(&ids).all(|(a, b)| **a == **b))
        {
            return set.clone();
        }
        let set: Arc<[Arc<str>]> = ids.iter().map(|s| self.intern(s)).collect();
        self.connector_sets.entry(key).or_default().push(set.clone());
        set
    }

    /// Adds one resource. Deleted resources are skipped.
    pub fn add_resource(&mut self, r: &Resource) {
        if r.deleted_at.is_some() {
            return;
        }
        let tenant_id = self.intern(&r.tenant_id);
        let platform = self.intern(&r.platform);
        let env = match self.env_index.get(r.environment_id.as_str()) {
            Some(i) => *i,
            None => {
                let facts = EnvironmentFacts::unknown(&r.environment_id, tenant_id.clone(), platform.clone());
                self.push_env(facts)
            }
        };

        let age_days = r.created_at.map_or(0, |t| self.days_since(t));
        let days_since_modified = r.modified_at.map_or(age_days, |t| self.days_since(t));
        let days_since_published = r.published_at.map_or(days_since_modified, |t| self.days_since(t));
        let never_modified = match (r.created_at, r.modified_at) {
            (Some(c), Some(m)) => (m - c).num_seconds().abs() < 86_400,
            (Some(_), None) => true,
            _ => false,
        };
        let attr_u64 = |name: &str| r.attributes.get(name).and_then(serde_json::Value::as_u64);
        let cross_tenant = match r.attributes.get("crossTenant") {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        let owner = r.primary_owner().map(|id| self.owner(id));
        let orphaned = !r.owners.iter().any(|o| self.is_active(&o.principal_id));
        let premium_connectors = r.connection_references.iter().filter(|c| c.tier != ConnectorTier::Standard).count();
        let uses_premium = premium_connectors > 0;

        let usage = self.usage.get(&r.id).copied().unwrap_or_default();
        let last_use_days = usage.last_use.map(|d| u32::try_from((self.day - d).num_days().max(0)).unwrap_or(u32::MAX));
        let never_used = usage.last_use.is_none()
            && usage.first_use.is_none()
            && usage.uses_7d == 0
            && usage.uses_30d == 0
            && usage.uses_90d == 0;
        let sat = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);

        let gov = self.governance.get(&r.id);
        let text = |v: Option<&String>| -> Box<str> { v.map_or("", |s| s.as_str()).into() };

        let mut facts = ResourceFacts::new(&r.id, r.kind, self.pending_env.clone());
        facts.name = r.display_name.as_str().into();
        facts.description = r.description.as_deref().unwrap_or("").into();
        facts.tenant_id = tenant_id;
        facts.platform = platform;
        facts.state = r.state;
        facts.owner = owner;
        facts.in_solution = r.solution_id.is_some();
        facts.quarantined = r.quarantined;
        facts.orphaned = orphaned;
        facts.shared_with_everyone = r.shared_with_everyone;
        facts.uses_custom_connector = r.connection_references.iter().any(|c| c.tier == ConnectorTier::Custom);
        facts.cross_tenant = cross_tenant;
        facts.never_modified = never_modified;
        facts.name_looks_like_test = name_looks_like_test(&r.display_name);
        facts.owner_count = sat(r.owners.len() as u64);
        facts.shared_users = r.shared_users;
        facts.shared_groups = r.shared_groups;
        facts.premium_connectors = sat(premium_connectors as u64);
        facts.http_actions = attr_u64("httpActionCount").map_or(0, sat);
        facts.age_days = age_days;
        facts.days_since_modified = days_since_modified;
        facts.days_since_published = days_since_published;
        facts.archive_score =
            archive_score(r.kind, r.state, age_days, never_modified, &r.display_name, attr_u64("actionCount"));
        facts.business_impact = gov.and_then(|g| g.business_impact);
        facts.criticality = gov.and_then(|g| g.criticality);
        facts.support_tier = gov.and_then(|g| g.support_tier);
        facts.lifecycle_stage = gov.and_then(|g| g.lifecycle_stage);
        facts.justification = text(gov.and_then(|g| g.justification.as_ref()));
        facts.mitigation_plan = text(gov.and_then(|g| g.mitigation_plan.as_ref()));
        facts.usage = UsageFacts {
            uses_7d: usage.uses_7d,
            uses_30d: usage.uses_30d,
            uses_90d: usage.uses_90d,
            users_30d: sat(usage.users_30d),
            users_90d: sat(usage.users_90d),
            days_since_last_use: last_use_days.unwrap_or(age_days),
            never_used,
        };
        facts.connectors = self.connectors(r);

        let draft = &mut self.envs[env as usize];
        let e = &mut draft.facts;
        e.resource_count += 1;
        e.app_count += u32::from(r.kind.is_app());
        e.flow_count += u32::from(r.kind.is_flow());
        e.agent_count += u32::from(r.kind == ResourceKind::Agent);
        e.premium_resource_count += u32::from(uses_premium);
        e.shared_resource_count += u32::from(r.shared_with_everyone || r.shared_users > WIDELY_SHARED_USERS);
        for maker in r.created_by.iter().map(String::as_str).chain(r.owners.iter().map(|o| o.principal_id.as_str())) {
            if !draft.makers.contains(maker) {
                draft.makers.insert(maker.into());
            }
        }

        self.resources.push(facts);
        self.resource_envs.push(env);
    }

    /// The table: environments and resources sorted by id, each resource pointing to its
    /// environment's shared row.
    pub fn build(self) -> FactTable {
        let FactsBuilder { envs, data_policies, mut resources, resource_envs, .. } = self;

        // Environments sorted by id; `remap[draft index]` is the final index.
        let mut order: Vec<usize> = (0..envs.len()).collect();
        order.sort_by(|&a, &b| envs[a].facts.id.cmp(&envs[b].facts.id));
        let mut remap = vec![0u32; envs.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = u32::try_from(new).unwrap_or(u32::MAX);
        }
        let mut drafts: Vec<Option<EnvDraft>> = envs.into_iter().map(Some).collect();
        let environments: Vec<Arc<EnvironmentFacts>> = order
            .iter()
            .enumerate()
            .filter_map(|(new, &old)| {
                let draft = drafts[old].take()?;
                let mut facts = draft.facts;
                facts.maker_count = u32::try_from(draft.makers.len()).unwrap_or(u32::MAX);
                facts.has_dlp = data_policies.iter().any(|p| p.tenant_id == *facts.tenant_id && p.covers(&facts.id));
                facts.index = u32::try_from(new).unwrap_or(u32::MAX);
                Some(Arc::new(facts))
            })
            .collect();

        for (r, &env) in resources.iter_mut().zip(&resource_envs) {
            if let Some(e) = environments.get(remap[env as usize] as usize) {
                r.environment = e.clone();
            }
        }

        // Resources sorted by id, by permutation: moving a row once instead of on every swap.
        if !resources.is_sorted_by(|a, b| a.id <= b.id) {
            let mut order: Vec<u32> = (0..u32::try_from(resources.len()).unwrap_or(u32::MAX)).collect();
            order.sort_unstable_by(|&a, &b| resources[a as usize].id.cmp(&resources[b as usize].id));
            let mut slots: Vec<Option<ResourceFacts>> = resources.into_iter().map(Some).collect();
            resources = order.iter().filter_map(|&i| slots[i as usize].take()).collect();
        }
        FactTable { resources, environments }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use steward_model::{
        ConnectionReference, EnvironmentType, ImpactLevel, Owner, PolicyEnvironmentScope, PrincipalKind, ShareRole,
    };

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
    }

    fn ts(y: i32, m: u32, d: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().unwrap_or_default()
    }

    pub(crate) fn environment(id: &str, ty: EnvironmentType) -> Environment {
        Environment {
            id: id.into(),
            tenant_id: "t".into(),
            platform: steward_model::POWER_PLATFORM.into(),
            display_name: format!("Env {id}"),
            description: None,
            environment_type: ty,
            region: None,
            managed: false,
            has_dataverse: true,
            dataverse_url: None,
            environment_group: Some("finance".into()),
            business_area: None,
            state: None,
            created_at: Some(ts(2025, 6, 1)),
            modified_at: None,
            created_by: None,
            capacity: vec![],
            addons: vec![],
            deleted_at: None,
        }
    }

    pub(crate) fn resource(id: &str, env: &str, kind: ResourceKind, name: &str) -> Resource {
        Resource {
            id: id.into(),
            tenant_id: "t".into(),
            environment_id: env.into(),
            platform: steward_model::POWER_PLATFORM.into(),
            kind,
            display_name: name.into(),
            description: None,
            state: ResourceState::Active,
            created_at: Some(ts(2025, 1, 1)),
            modified_at: Some(ts(2025, 3, 1)),
            published_at: None,
            created_by: Some("alice".into()),
            owners: vec![Owner { principal_id: "alice".into(), role: ShareRole::Owner }],
            sharing: vec![],
            shared_users: 0,
            shared_groups: 0,
            shared_with_everyone: false,
            connection_references: vec![],
            solution_id: None,
            quarantined: false,
            attributes: serde_json::Map::new(),
            deleted_at: None,
        }
    }

    fn principal(id: &str, enabled: bool) -> Principal {
        Principal {
            id: id.into(),
            tenant_id: "t".into(),
            kind: PrincipalKind::User,
            display_name: id.to_uppercase(),
            upn: Some(format!("{id}@contoso.com")),
            department: Some("Sales".into()),
            country: None,
            job_title: None,
            manager_id: Some("boss".into()),
            enabled,
            deleted_at: None,
        }
    }

    fn reference(id: &str, tier: ConnectorTier) -> ConnectionReference {
        ConnectionReference { connector_id: id.into(), display_name: id.into(), tier }
    }

    #[test]
    fn test_names_are_whole_words() {
        for yes in ["Test app", "demo-2", "Copy of Leave requests", "POC_invoices", "my sandbox", "TMP", "temp1"] {
            assert!(name_looks_like_test(yes), "{yes}");
        }
        for no in ["Contest", "Temperature", "Democracy", "Copyright tracker", "Leave requests", ""] {
            assert!(!name_looks_like_test(no), "{no}");
        }
    }

    #[test]
    fn archive_score_follows_the_kit() {
        use ResourceKind::*;
        use ResourceState::*;
        // App: every criterion.
        assert_eq!(archive_score(CanvasApp, Active, 800, true, "Copy of test app", None), 6);
        assert_eq!(archive_score(CanvasApp, Active, 400, false, "Budget", None), 2);
        assert_eq!(archive_score(CanvasApp, Active, 100, false, "Budget template", None), 2);
        assert_eq!(archive_score(CanvasApp, Active, 90, false, "Budget", None), 0);
        // Flow: every criterion, and the complex flow's point off.
        assert_eq!(archive_score(CloudFlow, Stopped, 800, true, "Test flow", Some(3)), 7);
        assert_eq!(archive_score(CloudFlow, Suspended, 800, true, "Test flow", Some(30)), 5);
        assert_eq!(archive_score(CloudFlow, Active, 10, false, "Template copy of x", Some(3)), 1);
        assert_eq!(archive_score(CloudFlow, Active, 10, false, "Invoices", Some(30)), 0);
        assert_eq!(archive_score(Agent, Stopped, 800, true, "Test", None), 0);
    }

    #[test]
    fn builds_resource_and_environment_facts() {
        let envs = vec![environment("e2", EnvironmentType::Default), environment("e1", EnvironmentType::Production)];
        let principals = vec![principal("alice", true), principal("bob", false)];
        let dlp = DataPolicy {
            id: "p".into(),
            tenant_id: "t".into(),
            platform: steward_model::POWER_PLATFORM.into(),
            display_name: "p".into(),
            scope: PolicyEnvironmentScope::OnlyEnvironments,
            environment_ids: vec!["e1".into()],
            default_classification: None,
            connector_groups: vec![],
            created_at: None,
            modified_at: None,
        };
        let mut a = resource("r2", "e2", ResourceKind::CloudFlow, "Test flow");
        a.state = ResourceState::Stopped;
        a.modified_at = a.created_at;
        a.connection_references = vec![
            reference("shared_http", ConnectorTier::Premium),
            reference("shared_sharepointonline", ConnectorTier::Standard),
            reference("shared_http", ConnectorTier::Premium),
            reference("shared_x", ConnectorTier::Custom),
        ];
        a.attributes.insert("httpActionCount".into(), 3.into());
        a.attributes.insert("crossTenant".into(), true.into());
        a.shared_users = 25;
        let mut b = resource("r1", "e1", ResourceKind::CanvasApp, "Budget");
        b.owners = vec![Owner { principal_id: "bob".into(), role: ShareRole::Owner }];
        b.created_by = Some("bob".into());
        b.connection_references = vec![reference("shared_sharepointonline", ConnectorTier::Standard)];
        let mut c = resource("r3", "gone", ResourceKind::Agent, "Helper");
        c.owners = vec![];
        let mut deleted = resource("r0", "e1", ResourceKind::CanvasApp, "Old");
        deleted.deleted_at = Some(ts(2026, 1, 1));

        let mut builder = FactsBuilder::new(day());
        builder.environments(&envs).principals(&principals).data_policies(&[dlp]);
        builder.governance([ResourceGovernance {
            resource_id: "r1".into(),
            governance: Governance {
                business_impact: Some(ImpactLevel::High),
                justification: Some("Board reporting".into()),
                ..Governance::default()
            },
        }]);
        builder.usage([(
            "r1".to_string(),
            UsageSummary {
                uses_30d: 12,
                users_30d: 3,
                last_use: NaiveDate::from_ymd_opt(2026, 5, 22),
                ..Default::default()
            },
        )]);
        builder.add_resources(&[a, b, c, deleted]);
        let table = builder.build();

        let ids: Vec<&str> = table.resources.iter().map(|r| &*r.id).collect();
        assert_eq!(ids, ["r1", "r2", "r3"]);
        let env_ids: Vec<&str> = table.environments.iter().map(|e| &*e.id).collect();
        assert_eq!(env_ids, ["e1", "e2", "gone"]);
        for (i, e) in table.environments.iter().enumerate() {
            assert_eq!(e.index as usize, i);
        }

        let r1 = &table.resources[0];
        assert_eq!(&*r1.environment.id, "e1");
        assert!(r1.environment.has_dlp);
        assert!(r1.orphaned, "bob is disabled");
        assert!(r1.owner().leaver);
        assert_eq!(r1.owner().department, "Sales");
        assert_eq!(r1.business_impact, Some(ImpactLevel::High));
        assert_eq!(&*r1.justification, "Board reporting");
        assert_eq!(r1.usage.uses_30d, 12);
        assert_eq!(r1.usage.days_since_last_use, 10);
        assert!(!r1.usage.never_used);
        assert_eq!(r1.age_days, 516);
        assert_eq!(r1.days_since_modified, 457);
        assert_eq!(r1.days_since_published, 457);
        assert!(!r1.never_modified);

        let r2 = &table.resources[1];
        assert_eq!(&*r2.environment.id, "e2");
        assert!(!r2.environment.has_dlp);
        assert!(!r2.orphaned);
        assert_eq!(r2.connectors.len(), 3, "duplicates dropped");
        assert_eq!(r2.premium_connectors, 3, "references, not connectors");
        assert!(r2.uses_custom_connector);
        assert_eq!(r2.http_actions, 3);
        assert!(r2.cross_tenant);
        assert!(r2.never_modified);
        assert!(r2.name_looks_like_test);
        // never modified 1 + test name 1 + older than a year 2 + stopped 2
        assert_eq!(r2.archive_score, 6);
        assert!(r2.usage.never_used);
        assert_eq!(r2.usage.days_since_last_use, r2.age_days);
        assert_eq!(r2.environment.premium_resource_count, 1);
        assert_eq!(r2.environment.shared_resource_count, 1);
        assert_eq!(r2.environment.flow_count, 1);

        let r3 = &table.resources[2];
        assert!(r3.orphaned, "no owner at all");
        assert!(r3.owner.is_none());
        assert_eq!(r3.environment.environment_type, EnvironmentType::Other);
        assert_eq!(r3.environment.agent_count, 1);

        let e1 = &table.environments[0];
        assert_eq!(e1.resource_count, 1, "the deleted resource does not count");
        assert_eq!(e1.app_count, 1);
        assert_eq!(e1.maker_count, 1);
        assert_eq!(e1.age_days, 365);
        assert_eq!(&*e1.group, "finance");
        let connectors: Vec<&str> = r2.connectors.iter().map(|c| &**c).collect();
        assert_eq!(connectors, ["shared_http", "shared_sharepointonline", "shared_x"], "sorted");
    }

    #[test]
    fn without_a_directory_nobody_is_a_leaver() {
        let mut builder = FactsBuilder::new(day());
        builder.environments(&[environment("e1", EnvironmentType::Production)]);
        builder.add_resource(&resource("r1", "e1", ResourceKind::CanvasApp, "A"));
        builder.add_resource(&resource("r2", "e1", ResourceKind::CanvasApp, "B"));
        let table = builder.build();
        let r = &table.resources[0];
        assert!(!r.orphaned);
        assert!(!r.owner().leaver);
        assert_eq!(r.owner().id, "alice");
        assert!(Arc::ptr_eq(&table.resources[0].connectors, &table.resources[1].connectors));
    }
}
