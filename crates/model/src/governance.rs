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
    /// The maker handed the resource over to a support team (a step toward IT supported in the
    /// support strategy seed).
    #[serde(default)]
    pub handover_done: bool,
    /// The maker transferred the knowledge to run it (documentation walked through with the
    /// support team).
    #[serde(default)]
    pub knowledge_transfer_done: bool,
}

impl Governance {
    /// Whether nothing has been declared or computed yet.
    pub fn is_empty(&self) -> bool {
        *self == Governance::default()
    }

    /// The part makers and the CoE declare.
    pub fn declaration(&self) -> Declaration {
        Declaration {
            business_impact: self.business_impact,
            support_tier: self.support_tier,
            lifecycle_stage: self.lifecycle_stage,
            cost_centre: self.cost_centre.clone(),
            justification: self.justification.clone(),
            mitigation_plan: self.mitigation_plan.clone(),
            handover_done: self.handover_done,
            knowledge_transfer_done: self.knowledge_transfer_done,
        }
    }

    /// Replace the declared part, keeping what engines and workflows set (criticality, catalog
    /// state). Blank texts count as not declared, so clearing a field is sending it empty.
    pub fn declare(&mut self, d: Declaration) {
        let text = |t: Option<String>| t.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        self.business_impact = d.business_impact;
        self.support_tier = d.support_tier;
        self.lifecycle_stage = d.lifecycle_stage;
        self.cost_centre = text(d.cost_centre);
        self.justification = text(d.justification);
        self.mitigation_plan = text(d.mitigation_plan);
        self.handover_done = d.handover_done;
        self.knowledge_transfer_done = d.knowledge_transfer_done;
    }
}

/// What makers and the CoE declare about a resource (`steward resource declare`,
/// `PUT /api/v1/resources/{id}/governance`): the facts policies such as "shared widely without a
/// business justification" and "high impact without a mitigation plan" read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    #[serde(default)]
    pub business_impact: Option<ImpactLevel>,
    #[serde(default)]
    pub support_tier: Option<SupportTier>,
    #[serde(default)]
    pub lifecycle_stage: Option<LifecycleStage>,
    #[serde(default)]
    pub cost_centre: Option<String>,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub mitigation_plan: Option<String>,
    #[serde(default)]
    pub handover_done: bool,
    #[serde(default)]
    pub knowledge_transfer_done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaring_keeps_computed_fields_and_clears_blank_texts() {
        let mut g = Governance {
            criticality: Some(ImpactLevel::High),
            catalog_state: Some(CatalogState::Listed),
            justification: Some("old".into()),
            ..Governance::default()
        };
        let d = Declaration {
            business_impact: Some(ImpactLevel::Critical),
            justification: Some("  ".into()),
            mitigation_plan: Some(" Paper forms ".into()),
            handover_done: true,
            ..Declaration::default()
        };
        g.declare(d.clone());
        assert_eq!(g.criticality, Some(ImpactLevel::High), "computed: kept");
        assert_eq!(g.catalog_state, Some(CatalogState::Listed), "workflow: kept");
        assert_eq!(g.justification, None, "blank clears");
        assert_eq!(g.mitigation_plan.as_deref(), Some("Paper forms"));
        assert_eq!(g.declaration().business_impact, Some(ImpactLevel::Critical));
        assert!(g.declaration().handover_done);
    }
}
