//! What the inventory pages filter on besides the inventory itself: the status each compliance
//! run leaves per resource (criticality, service level, compliance state, open violations by
//! level), and the summaries of makers and connectors.
//!
//! Criticality and compliance are computed, not declared: criticality from usage and declared
//! impact (`steward-responsibility`), compliance from the live violations. Computing them for
//! every row of a list would mean evaluating the whole estate per page, so every recorded
//! compliance run writes them ([`crate::Store::record_compliance`], same transaction) for the
//! resources it evaluated, and lists filter on the stored rows. A resource no run evaluated yet
//! has no row: its state is [`ComplianceState::NotEvaluated`].

use crate::governance::LevelCounts;
use serde::{Deserialize, Serialize};
use steward_model::{Connector, ImpactLevel, Principal, Timestamp};

steward_model::string_enum!(
    /// Where a resource stands against the policies, worst first.
    ComplianceState, "compliance state" {
        /// At least one open `must` violation.
        ViolatingMust => "violating_must",
        /// Open `should` violations, no open `must`.
        ViolatingShould => "violating_should",
        /// Only open `could` violations.
        ViolatingCould => "violating_could",
        /// No open violation, at least one exempted.
        Exempt => "exempt",
        /// Evaluated, no live violation.
        Compliant => "compliant",
        /// No compliance run has evaluated it yet.
        NotEvaluated => "not_evaluated",
    }
);

impl ComplianceState {
    /// The state of an evaluated resource from its live violations.
    pub fn from_counts(open: &LevelCounts, exempted: u64) -> ComplianceState {
        if open.must > 0 {
            ComplianceState::ViolatingMust
        } else if open.should > 0 {
            ComplianceState::ViolatingShould
        } else if open.could > 0 {
            ComplianceState::ViolatingCould
        } else if exempted > 0 {
            ComplianceState::Exempt
        } else {
            ComplianceState::Compliant
        }
    }

    /// For pages: "Violates a must", "Compliant", …
    pub fn label(self) -> &'static str {
        match self {
            ComplianceState::ViolatingMust => "Violates a must",
            ComplianceState::ViolatingShould => "Violates a should",
            ComplianceState::ViolatingCould => "Violates a could",
            ComplianceState::Exempt => "Exempt",
            ComplianceState::Compliant => "Compliant",
            ComplianceState::NotEvaluated => "Not evaluated",
        }
    }
}

steward_model::string_enum!(
    /// The licensing tier filter of resource lists.
    TierFilter, "tier" {
        /// Uses at least one connector the inventory lists as premium or custom (both need
        /// premium licences).
        Premium => "premium",
        /// Uses no such connector.
        Standard => "standard",
    }
);

/// What a compliance run knows about one evaluated resource besides its findings; see
/// [`crate::governance::ComplianceRun::statuses`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInput {
    pub resource_id: String,
    /// The level that applies (usage rules raised by the declared impact); `None` when it could
    /// not be computed (the resource's environment is unknown).
    pub criticality: Option<ImpactLevel>,
    /// The service level that goes with it, in words ("Within 1 hour, 24x7").
    pub service_level: Option<String>,
}

/// The stored status of one resource, as of the last compliance run that evaluated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceStatus {
    pub resource_id: String,
    pub criticality: Option<ImpactLevel>,
    pub service_level: Option<String>,
    pub compliance: ComplianceState,
    /// Open violations by level (exempted ones are not open).
    pub open: LevelCounts,
    pub exempted: u64,
    /// When the run that wrote it happened.
    pub computed_at: Timestamp,
}

/// Filters for listing makers (principals owning at least one live resource). All combine
/// with AND; ordered by lowercased display name, then id, like principals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakerQuery {
    pub tenant: Option<String>,
    /// Case-insensitive substring of display name or UPN.
    pub q: Option<String>,
    /// Case-insensitive department.
    pub department: Option<String>,
    /// Only leavers (disabled or deleted in the directory).
    #[serde(default)]
    pub leavers_only: bool,
    /// Only this principal (a maker looking at their own row).
    pub principal: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One maker with what the makers page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MakerSummary {
    #[serde(flatten)]
    pub principal: Principal,
    /// Live resources the maker owns.
    pub resource_count: u64,
    /// Disabled or deleted in the directory.
    pub leaver: bool,
    /// The latest modification of a live resource they own.
    pub last_modified: Option<Timestamp>,
    /// The latest day a resource they own first was used, as usage analytics counts it per
    /// maker (the first owner is the maker of usage rollups).
    pub last_used: Option<chrono::NaiveDate>,
}

impl MakerSummary {
    /// The later of the last modification and the last use: when the maker's estate last moved.
    pub fn last_activity(&self) -> Option<chrono::NaiveDate> {
        self.last_modified.map(|t| t.date_naive()).max(self.last_used)
    }
}

/// A connector with the number of live resources using it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorSummary {
    #[serde(flatten)]
    pub connector: Connector,
    pub resource_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_open_level_decides() {
        let open = |must, should, could| LevelCounts { must, should, could };
        assert_eq!(ComplianceState::from_counts(&open(1, 3, 2), 4), ComplianceState::ViolatingMust);
        assert_eq!(ComplianceState::from_counts(&open(0, 3, 2), 0), ComplianceState::ViolatingShould);
        assert_eq!(ComplianceState::from_counts(&open(0, 0, 2), 1), ComplianceState::ViolatingCould);
        assert_eq!(ComplianceState::from_counts(&open(0, 0, 0), 1), ComplianceState::Exempt);
        assert_eq!(ComplianceState::from_counts(&open(0, 0, 0), 0), ComplianceState::Compliant);
    }

    #[test]
    fn states_round_trip_through_text() {
        for s in ComplianceState::ALL {
            assert_eq!(s.as_str().parse::<ComplianceState>().ok(), Some(*s));
        }
        assert!("green".parse::<ComplianceState>().is_err());
        assert_eq!("premium".parse::<TierFilter>().ok(), Some(TierFilter::Premium));
    }
}
