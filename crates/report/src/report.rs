//! What a board report holds. It serialises as the JSON API's answer, so field names are API.

use crate::Month;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use steward_model::{ResourceKind, Timestamp};

/// How many rows the top-resource tables show.
pub const TOP: usize = 10;
/// How many new makers and leavers' resources are listed; the totals count them all.
pub const LISTED: usize = 50;

/// The governance board report for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardReport {
    pub period: Period,
    /// Only this tenant; `None` for every tenant in the database.
    pub tenant: Option<TenantRef>,
    pub generated_at: Timestamp,
    pub totals: Totals,
    /// The twelve months ending with the period, oldest first.
    pub trends: Vec<MonthTrend>,
    /// What the usage store covers, so that empty months read as "no data" where they are.
    pub usage_coverage: UsageCoverage,
    /// The period's most used resources (at most [`TOP`]).
    pub top_by_uses: Vec<TopResource>,
    /// The period's resources with most distinct users (at most [`TOP`]).
    pub top_by_users: Vec<TopResource>,
    pub new_makers: Listing<NewMaker>,
    /// Filled by the caller from success detection ([`BoardReport::with_success`]).
    pub success_candidates: Vec<SuccessCandidate>,
    pub leavers_resources: Listing<LeaverResource>,
    /// `None` until policies are configured ([`BoardReport::with_compliance`]).
    pub compliance: Option<Compliance>,
}

impl BoardReport {
    /// Add the success candidates that success detection found for the period.
    pub fn with_success(mut self, candidates: Vec<SuccessCandidate>) -> BoardReport {
        self.success_candidates = candidates;
        self
    }

    /// Add the compliance summary once policies are evaluated.
    pub fn with_compliance(mut self, compliance: Compliance) -> BoardReport {
        self.compliance = Some(compliance);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub month: Month,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The month the changes compare with.
    pub previous: Month,
}

impl Period {
    pub fn of(month: Month) -> Period {
        Period { month, first_day: month.first_day(), last_day: month.last_day(), previous: month.minus(1) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRef {
    pub id: String,
    pub display_name: String,
}

/// A figure at the end of the period and at the end of the month before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub current: u64,
    pub previous: u64,
    /// `current - previous`.
    pub change: i64,
}

impl Change {
    pub fn new(current: u64, previous: u64) -> Change {
        let change = i64::try_from(current).unwrap_or(i64::MAX) - i64::try_from(previous).unwrap_or(i64::MAX);
        Change { current, previous, change }
    }
}

/// Inventory at the end of the period, and active users in it, each beside the previous month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Resources not deleted at the end of the month.
    pub resources: Change,
    /// Per kind, kinds with none in both months left out, in the model's kind order.
    pub by_kind: Vec<KindChange>,
    pub environments: Change,
    /// Distinct primary owners of the resources counted.
    pub makers: Change,
    /// Distinct users with a use (launch, run, session) in the month: monthly active users.
    pub active_users: Change,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindChange {
    pub kind: ResourceKind,
    #[serde(flatten)]
    pub figures: Change,
}

/// One month of the trend charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthTrend {
    pub month: Month,
    /// The usage store has records (or pruned records' monthly figures) for the month; when
    /// false, the user and maker figures are zero because nothing was recorded.
    pub usage_recorded: bool,
    /// Distinct users with a use in the month.
    pub active_users: u64,
    /// Distinct makers with an edit (create, modify, publish) in the month.
    pub active_makers: u64,
    /// Resources created in the month, by kind (kinds with none left out, in the model's kind order).
    pub new_resources: Vec<KindCount>,
}

impl MonthTrend {
    pub fn new_resources_total(&self) -> u64 {
        self.new_resources.iter().map(|k| k.count).sum()
    }

    pub fn new_of(&self, kind: ResourceKind) -> u64 {
        self.new_resources.iter().find(|k| k.kind == kind).map_or(0, |k| k.count)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: ResourceKind,
    pub count: u64,
}

/// The days the usage store has records for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageCoverage {
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// Days before this one were pruned by retention: their monthly figures are kept, their
    /// records are not.
    pub sealed_before: Option<NaiveDate>,
}

impl UsageCoverage {
    /// Whether any day of `month` has usage records, or had them before retention pruned them
    /// (their monthly figures are kept).
    pub fn covers(&self, month: Month) -> bool {
        let pruned = self.sealed_before.is_some_and(|s| month.first_day() < s);
        let recorded = self.first_day.is_some_and(|f| f <= month.last_day())
            && self.last_day.is_some_and(|l| l >= month.first_day());
        pruned || recorded
    }
}

/// A resource with its usage in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopResource {
    pub resource_id: String,
    /// The inventory name, or the id for resources only the audit log knows.
    pub display_name: String,
    pub kind: Option<ResourceKind>,
    pub environment: Option<String>,
    /// Name of the primary owner (the principal id when the directory does not know it).
    pub owner: Option<String>,
    pub uses: u64,
    pub unique_users: u64,
    pub active_days: u64,
    pub departments: u64,
    pub last_use: Option<NaiveDate>,
}

/// A capped list with the full count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing<T> {
    /// How many there are; `items` holds at most [`LISTED`] of them.
    pub total: u64,
    pub items: Vec<T>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing { total: 0, items: Vec::new() }
    }
}

/// A principal whose first resource was created in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMaker {
    pub principal_id: String,
    pub display_name: String,
    pub upn: Option<String>,
    pub department: Option<String>,
    pub first_created: NaiveDate,
    /// Resources they own (as primary owner) that were created in the period.
    pub resources_created: u64,
}

/// A resource success detection proposes to the board (filled by `steward-success`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuccessCandidate {
    pub resource_id: String,
    pub display_name: String,
    pub kind: Option<ResourceKind>,
    pub rule_id: String,
    pub rule_title: String,
    /// The figures that met the rule, in words (e.g. "412 users in 9 departments").
    pub figures: String,
    /// Where the candidate stands (e.g. "new", "nominated", "accepted").
    pub state: String,
}

/// A live resource whose primary owner has left or is disabled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaverResource {
    pub resource_id: String,
    pub display_name: String,
    pub kind: ResourceKind,
    pub environment: String,
    pub owner_id: String,
    pub owner_name: String,
    pub owner_upn: Option<String>,
    /// When the directory lost the owner; `None` when the account is only disabled.
    pub owner_left: Option<NaiveDate>,
    pub uses_in_period: u64,
    pub users_in_period: u64,
    pub last_use: Option<NaiveDate>,
}

/// Policy compliance as the latest compliance runs left it (filled by [`crate::compliance`]).
///
/// Violations change only when a run records them, so the live violations are the state after
/// the latest run that evaluated each policy. The figures are as of the report's generation,
/// not as of the end of the period: compliance has no history per month yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compliance {
    /// When the latest run counted here happened.
    #[serde(default)]
    pub last_run_at: Option<Timestamp>,
    /// The policy set that run evaluated (titles, levels and scopes come from it).
    #[serde(default)]
    pub policy_set_version: String,
    /// Every policy of that set evaluated at least once, most non-compliant first.
    pub policies: Vec<PolicyCompliance>,
}

/// One policy's subjects: `compliant` = `in_scope` − `non_compliant` − `exempt` (never below 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyCompliance {
    pub policy_id: String,
    pub title: String,
    /// `must`, `should` or `could`.
    #[serde(default)]
    pub level: String,
    /// `resource` or `environment`.
    #[serde(default)]
    pub subject: String,
    /// Live subjects (resources or environments) the policy's scope admits.
    #[serde(default)]
    pub in_scope: u64,
    pub compliant: u64,
    /// Open violations.
    pub non_compliant: u64,
    /// Violations under an exemption.
    pub exempt: u64,
    /// The latest run that evaluated the policy.
    #[serde(default)]
    pub evaluated_at: Option<Timestamp>,
}
