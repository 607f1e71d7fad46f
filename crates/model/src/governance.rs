//! Governance metadata that makers and the CoE declare and later engines compute.

use crate::{CatalogState, ImpactLevel, LifecycleStage, SupportTier};
use serde::{Deserialize, Serialize};

/// Declared and computed governance facts about one resource. Every field is optional:
/// a resource starts with nothing declared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Governance {
    /// Declared by the maker or the CoE.
    #[serde(default)]
    pub business_impact: Option<ImpactLevel>,
    /// Computed from usage and business impact (the governance engine fills it).
    #[serde(default)]
    pub criticality: Option<ImpactLevel>,
    #[serde(default)]
    pub support_tier: Option<SupportTier>,
    #[serde(default)]
    pub lifecycle_stage: Option<LifecycleStage>,
    #[serde(default)]
    pub cost_centre: Option<String>,
    #[serde(default)]
    pub catalog_state: Option<CatalogState>,
    /// Business justification for sharing or premium use.
    #[serde(default)]
    pub justification: Option<String>,
    /// What happens when the resource fails (required for high impact).
    #[serde(default)]
    pub mitigation_plan: Option<String>,
}

impl Governance {
    /// Whether nothing has been declared or computed yet.
    pub fn is_empty(&self) -> bool {
        *self == Governance::default()
    }
}
