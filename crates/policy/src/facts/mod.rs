//! The facts a policy condition can read: the schema (what `steward policy fields` prints) and
//! the typed rows the evaluator runs over.
//!
//! A resource policy sees four objects, `resource`, `usage`, `environment` and `owner`; an
//! environment policy sees `environment` only. Every field is always present: unknown strings
//! are `""`, unknown counts `0`, so conditions never need `has()`. Everything relative to "now"
//! is computed against the evaluation day given to [`FactsBuilder`], never the wall clock.
//!
//! Rows are plain structs with small enums where the value set is closed (`kind`, `state`,
//! `environment.type`, …), so that a comparison with a string literal is resolved when the
//! condition is compiled, and evaluation reads a byte.

mod builder;
pub(crate) mod fields;

pub use builder::{COMPLEX_FLOW_ACTIONS, FactsBuilder, UsageSummary, archive_score, name_looks_like_test};
pub use fields::{FieldInfo, FieldType, schema, schema_markdown};

use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};
use steward_model::{EnvironmentType, ImpactLevel, LifecycleStage, ResourceKind, ResourceState, SupportTier};

/// What a policy looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    #[default]
    Resource,
    Environment,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Resource => "resource",
            Subject::Environment => "environment",
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What usage analytics knows about one resource (the `usage` variable). Counts saturate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageFacts {
    pub uses_7d: u64,
    pub uses_30d: u64,
    pub uses_90d: u64,
    pub users_30d: u32,
    pub users_90d: u32,
    /// Days since the last use; the resource's age when it was never used.
    pub days_since_last_use: u32,
    pub never_used: bool,
}

/// The primary owner of a resource (the `owner` variable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerFacts {
    pub id: String,
    pub upn: String,
    pub display_name: String,
    pub department: String,
    pub manager_id: String,
    /// Enabled in the directory (false when the directory does not know the principal).
    pub enabled: bool,
    /// Disabled or gone from the directory.
    pub leaver: bool,
}

/// The owner a resource without one is evaluated against: empty strings, false.
pub(crate) static NO_OWNER: OwnerFacts = OwnerFacts {
    id: String::new(),
    upn: String::new(),
    display_name: String::new(),
    department: String::new(),
    manager_id: String::new(),
    enabled: false,
    leaver: false,
};

/// One environment (the `environment` variable, and the subject of environment policies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentFacts {
    /// Shared with the findings about this environment.
    pub id: Arc<str>,
    pub name: Box<str>,
    pub tenant_id: Arc<str>,
    /// Not a CEL field (scope filters use it).
    pub platform: Arc<str>,
    pub environment_type: EnvironmentType,
    pub managed: bool,
    pub has_dataverse: bool,
    /// Covered by at least one data (DLP) policy.
    pub has_dlp: bool,
    pub group: Box<str>,
    pub business_area: Box<str>,
    pub age_days: u32,
    pub resource_count: u32,
    pub app_count: u32,
    pub flow_count: u32,
    pub agent_count: u32,
    pub premium_resource_count: u32,
    pub shared_resource_count: u32,
    pub maker_count: u32,
    /// Position in [`FactTable::environments`] (set by the builder; the evaluator uses it to
    /// look up per-environment scope masks, and checks it before trusting it).
    pub index: u32,
}

impl EnvironmentFacts {
    /// An environment Steward knows nothing about but its id (a resource points to an
    /// environment missing from the inventory): type `other`, every count 0.
    pub fn unknown(id: &str, tenant_id: Arc<str>, platform: Arc<str>) -> Self {
        EnvironmentFacts {
            id: id.into(),
            name: "".into(),
            tenant_id,
            platform,
            environment_type: EnvironmentType::Other,
            managed: false,
            has_dataverse: false,
            has_dlp: false,
            group: "".into(),
            business_area: "".into(),
            age_days: 0,
            resource_count: 0,
            app_count: 0,
            flow_count: 0,
            agent_count: 0,
            premium_resource_count: 0,
            shared_resource_count: 0,
            maker_count: 0,
            index: u32::MAX,
        }
    }

    pub fn is_default(&self) -> bool {
        self.environment_type == EnvironmentType::Default
    }
}

/// One resource with everything a resource policy can read.
///
/// About 200 bytes plus its id, name and description: strings shared by many rows (tenant,
/// platform, connector lists) are reference-counted, and the environment and owner are shared
/// rows, so a million resources take a few hundred megabytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceFacts {
    /// Shared with the findings about this resource.
    pub id: Arc<str>,
    pub name: Box<str>,
    pub description: Box<str>,
    pub tenant_id: Arc<str>,
    pub platform: Arc<str>,
    pub kind: ResourceKind,
    pub state: ResourceState,
    pub environment: Arc<EnvironmentFacts>,
    /// The primary owner, when the resource lists one.
    pub owner: Option<Arc<OwnerFacts>>,
    pub in_solution: bool,
    pub quarantined: bool,
    pub orphaned: bool,
    pub shared_with_everyone: bool,
    pub uses_custom_connector: bool,
    pub cross_tenant: bool,
    pub never_modified: bool,
    pub name_looks_like_test: bool,
    pub owner_count: u32,
    pub shared_users: u32,
    pub shared_groups: u32,
    pub premium_connectors: u32,
    pub http_actions: u32,
    pub age_days: u32,
    pub days_since_modified: u32,
    pub days_since_published: u32,
    pub archive_score: u8,
    /// Connector ids, sorted; rows with the same connectors share one list, and each id is
    /// one shared string.
    pub connectors: Arc<[Arc<str>]>,
    pub business_impact: Option<ImpactLevel>,
    pub criticality: Option<ImpactLevel>,
    pub support_tier: Option<SupportTier>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub justification: Box<str>,
    pub mitigation_plan: Box<str>,
    pub usage: UsageFacts,
}

impl ResourceFacts {
    /// A resource with the given id, kind and environment and nothing else known: a starting
    /// point for tests and generated data.
    pub fn new(id: &str, kind: ResourceKind, environment: Arc<EnvironmentFacts>) -> Self {
        ResourceFacts {
            id: id.into(),
            name: "".into(),
            description: "".into(),
            tenant_id: environment.tenant_id.clone(),
            platform: environment.platform.clone(),
            kind,
            state: ResourceState::Unknown,
            environment,
            owner: None,
            in_solution: false,
            quarantined: false,
            orphaned: false,
            shared_with_everyone: false,
            uses_custom_connector: false,
            cross_tenant: false,
            never_modified: false,
            name_looks_like_test: false,
            owner_count: 0,
            shared_users: 0,
            shared_groups: 0,
            premium_connectors: 0,
            http_actions: 0,
            age_days: 0,
            days_since_modified: 0,
            days_since_published: 0,
            archive_score: 0,
            connectors: Arc::from(Vec::new()),
            business_impact: None,
            criticality: None,
            support_tier: None,
            lifecycle_stage: None,
            justification: "".into(),
            mitigation_plan: "".into(),
            usage: UsageFacts::default(),
        }
    }

    pub fn owner(&self) -> &OwnerFacts {
        self.owner.as_deref().unwrap_or(&NO_OWNER)
    }
}

/// The resource an environment policy's context holds in its unused resource slot.
pub(crate) static NO_RESOURCE: LazyLock<ResourceFacts> = LazyLock::new(|| {
    let env = Arc::new(EnvironmentFacts::unknown("", Arc::from(""), Arc::from("")));
    ResourceFacts::new("", ResourceKind::CanvasApp, env)
});

/// Everything a compliance run evaluates: resources sorted by id, environments sorted by id.
#[derive(Debug, Clone, Default)]
pub struct FactTable {
    pub resources: Vec<ResourceFacts>,
    pub environments: Vec<Arc<EnvironmentFacts>>,
}

/// What a condition is evaluated against: the subject and the rows it points to. Field
/// getters take it by value (three pointers).
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub r: &'a ResourceFacts,
    pub e: &'a EnvironmentFacts,
    pub o: &'a OwnerFacts,
}

impl<'a> Ctx<'a> {
    pub fn resource(r: &'a ResourceFacts) -> Self {
        Ctx { r, e: &r.environment, o: r.owner() }
    }

    pub fn environment(e: &'a EnvironmentFacts) -> Self {
        Ctx { r: &NO_RESOURCE, e, o: &NO_OWNER }
    }
}
