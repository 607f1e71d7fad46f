//! Who answers for a resource, and how fast.
//!
//! From a resource's usage and what was declared about it, [`assess`] works out:
//!
//! - its **criticality** on the three business-impact classes of the ALM maturity model
//!   (critical, high, non-critical), with every rule that matched and the figures behind it;
//! - the **service level** that goes with that class (initial response, coverage);
//! - the **support risk profile** it qualifies for (IT supported, IT blessed, Maker supported),
//!   the one its criticality needs, and the **next steps** a maker takes to move up;
//! - the **RACI matrix** for its level, with the named people behind each role.
//!
//! Everything is data ([`Config`], TOML, defaults in [`DEFAULT_CONFIG`]); this crate is pure
//! logic, with no store and no I/O. docs/responsibility.md describes the model, the defaults and
//! their sources.

mod config;
mod criticality;
mod format;
mod input;
mod raci;
mod service;
mod support;

pub use config::{Config, ConfigError, DEFAULT_CONFIG, Problem};
pub use criticality::{
    Comparison, Condition, Criticality, CriticalityConfig, DECLARED, DEFAULT, Flag, Metric, Reason, Rule, criticality,
    criticality_level,
};
pub use input::{Input, Person};
pub use raci::{
    Activity, Assignment, Cells, Holder, NamedActivity, NamedCell, NamedRaci, PlatformTeam, RaciMatrix, Role,
    RoleHolders, environment_admins, named_raci,
};
pub use service::{Coverage, ServiceLevel, ServiceLevels};
pub use support::{NextStep, Profile, Requirement, SupportConfig, SupportProfile, support_profile, tier_label};

use serde::{Deserialize, Serialize};
use steward_model::ImpactLevel;

/// Everything Steward says about who answers for one resource (what the API returns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Responsibility {
    /// The level that applies: the usage-derived level, raised by the declared impact when higher.
    pub criticality: ImpactLevel,
    /// The level the usage rules alone give.
    pub usage_level: ImpactLevel,
    /// The business impact a maker or the CoE declared, if any.
    pub declared_impact: Option<ImpactLevel>,
    /// The rule id that set the level, or [`DECLARED`], or [`DEFAULT`].
    pub decided_by: String,
    /// Every rule that matched, highest level first, with the figures.
    pub reasons: Vec<Reason>,
    pub service_level: ServiceLevel,
    pub support_profile: SupportProfile,
    /// What the maker does to reach the next profile up (or the one the criticality needs).
    pub next_steps: Vec<NextStep>,
    pub raci: NamedRaci,
}

/// Criticality, service level, support profile and named RACI matrix for one resource.
pub fn assess(input: &Input, config: &Config) -> Responsibility {
    let c = criticality(input, &config.criticality);
    let service_level = config.service_levels.get(c.level).clone();
    let (support_profile, next_steps) = support_profile(input, c.level, &config.support);
    let raci = named_raci(c.level, input, config);
    Responsibility {
        criticality: c.level,
        usage_level: c.usage_level,
        declared_impact: c.declared_impact,
        decided_by: c.decided_by,
        reasons: c.reasons,
        service_level,
        support_profile,
        next_steps,
        raci,
    }
}

/// Orders impact levels: non-critical 0, high 1, critical 2. (`ImpactLevel`'s derived order is
/// its declaration order, critical first, so it must not be used to compare severity.)
pub(crate) fn impact_rank(level: ImpactLevel) -> u8 {
    match level {
        ImpactLevel::NonCritical => 0,
        ImpactLevel::High => 1,
        ImpactLevel::Critical => 2,
    }
}

/// "critical", "high", "non-critical": for sentences.
pub(crate) fn impact_label(level: ImpactLevel) -> &'static str {
    match level {
        ImpactLevel::Critical => "critical",
        ImpactLevel::High => "high",
        ImpactLevel::NonCritical => "non-critical",
    }
}
