//! What the assessment needs to know about one resource.

use serde::{Deserialize, Serialize};
use steward_model::{EnvironmentType, ImpactLevel, ResourceKind, SupportTier};

/// A principal with the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Principal id.
    pub id: String,
    /// Display name (or UPN); the id is shown when empty.
    #[serde(default)]
    pub name: String,
}

impl Person {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Person {
        Person { id: id.into(), name: name.into() }
    }

    /// The name, or the id when there is no name.
    pub fn display(&self) -> &str {
        if self.name.trim().is_empty() { &self.id } else { &self.name }
    }
}

/// One resource's facts, as the caller (CLI, API, web page) gathers them from the inventory, the
/// usage rollups and the declared governance data. Counts are over the last 30 days unless said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub kind: ResourceKind,
    pub environment_id: String,
    /// The environment group, when the environment is in one (selects environment admins).
    #[serde(default)]
    pub environment_group: Option<String>,
    pub environment_type: EnvironmentType,
    /// Business impact declared by the maker or the CoE.
    #[serde(default)]
    pub declared_impact: Option<ImpactLevel>,
    /// Distinct users.
    #[serde(default)]
    pub users_30d: u64,
    /// Launches (apps), runs (flows) or sessions (agents).
    #[serde(default)]
    pub uses_30d: u64,
    /// Days with at least one use.
    #[serde(default)]
    pub active_days_30d: u32,
    /// Distinct departments of the users.
    #[serde(default)]
    pub departments_30d: u32,
    /// Users from outside the tenant (guests, partners, customers).
    #[serde(default)]
    pub external_users_30d: u64,
    /// Users the resource is shared with, as the platform counts them (not a 30-day figure).
    #[serde(default)]
    pub shared_users: u64,
    #[serde(default)]
    pub shared_with_everyone: bool,
    /// Part of a solution (can move between environments).
    #[serde(default)]
    pub in_solution: bool,
    /// Has a non-empty description.
    #[serde(default)]
    pub has_description: bool,
    /// Owners, primary first.
    #[serde(default)]
    pub owners: Vec<Person>,
    /// Support tier declared by the CoE.
    #[serde(default)]
    pub declared_support_tier: Option<SupportTier>,
    /// Declared: the maker handed the solution over to the support team.
    #[serde(default)]
    pub handover_done: bool,
    /// Declared: the maker transferred knowledge to the support team.
    #[serde(default)]
    pub knowledge_transfer_done: bool,
}

impl Input {
    /// A resource with no usage, no owners and nothing declared; set the rest with struct update
    /// syntax: `Input { users_30d: 612, ..Input::new(kind, environment_type) }`.
    pub fn new(kind: ResourceKind, environment_type: EnvironmentType) -> Input {
        Input {
            kind,
            environment_id: String::new(),
            environment_group: None,
            environment_type,
            declared_impact: None,
            users_30d: 0,
            uses_30d: 0,
            active_days_30d: 0,
            departments_30d: 0,
            external_users_30d: 0,
            shared_users: 0,
            shared_with_everyone: false,
            in_solution: false,
            has_description: false,
            owners: Vec::new(),
            declared_support_tier: None,
            handover_done: false,
            knowledge_transfer_done: false,
        }
    }

    /// The facts the inventory and the declared governance data hold. Usage figures, owner
    /// names, hand-over and knowledge transfer are left for the caller to fill in.
    pub fn from_model(
        resource: &steward_model::Resource,
        environment: &steward_model::Environment,
        governance: &steward_model::Governance,
    ) -> Input {
        Input {
            environment_id: resource.environment_id.clone(),
            environment_group: environment.environment_group.clone(),
            declared_impact: governance.business_impact,
            shared_users: u64::from(resource.shared_users),
            shared_with_everyone: resource.shared_with_everyone,
            in_solution: resource.solution_id.as_deref().is_some_and(|s| !s.trim().is_empty()),
            has_description: resource.description.as_deref().is_some_and(|d| !d.trim().is_empty()),
            owners: resource.owners.iter().map(|o| Person::new(o.principal_id.clone(), String::new())).collect(),
            declared_support_tier: governance.support_tier,
            handover_done: governance.handover_done,
            knowledge_transfer_done: governance.knowledge_transfer_done,
            ..Input::new(resource.kind, environment.environment_type)
        }
    }
}
