//! The `[assess]` section of steward.toml.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use steward_model::ImpactLevel;

/// ```toml
/// [assess]
/// models_dir = "maturity-models"        # extra or replacement models (*.yaml); optional
/// alm_criticality_threshold = "high"    # critical | high | non_critical
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessConfig {
    /// A directory of model files loaded after the built-in ones: a file with the id of a
    /// built-in model replaces it, any other adds a model.
    #[serde(default)]
    pub models_dir: Option<PathBuf>,
    /// Resources at or above this criticality without managed ALM are findings.
    #[serde(default = "default_threshold")]
    pub alm_criticality_threshold: ImpactLevel,
}

fn default_threshold() -> ImpactLevel {
    ImpactLevel::High
}

impl Default for AssessConfig {
    fn default() -> Self {
        AssessConfig { models_dir: None, alm_criticality_threshold: default_threshold() }
    }
}
