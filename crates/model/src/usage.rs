//! Who used what, when: raw audit events and daily rollups.

use crate::{ResourceKind, Timestamp, UsageKind, UsageMetric, UsagePeriod, UsageScope};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One audit record reduced to what usage analytics needs. The raw record stays in the
/// optional archive; this is what the store keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageEvent {
    /// The audit record's own id; duplicates (which the audit feed sends) share it.
    pub id: String,
    pub tenant_id: String,
    pub occurred_at: Timestamp,
    /// Principal id of the actor (Entra object id), when the record has one.
    #[serde(default)]
    pub principal_id: Option<String>,
    /// UPN of the actor as written in the record.
    #[serde(default)]
    pub principal_upn: Option<String>,
    /// The app, flow or agent acted on, when the record names one.
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub environment_id: Option<String>,
    pub kind: UsageKind,
    /// The platform's operation name, kept even when `kind` is `other`.
    pub operation: String,
    /// The audit workload (`PowerApps`, `PowerPlatform`, `MicrosoftFlow`, …).
    #[serde(default)]
    pub workload: Option<String>,
}

/// Usage of one resource on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    pub resource_id: String,
    pub day: chrono::NaiveDate,
    /// Launches for apps, runs for flows, sessions for agents.
    pub uses: u64,
    pub unique_users: u64,
    /// Distinct departments of the day's users (users without a known department count as none).
    #[serde(default)]
    pub departments: u64,
}

/// One rollup row: uses and distinct users (or edits and distinct makers) of a scope over one
/// period. Daily, weekly and monthly active users are the `users` of day, week and month rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodUsage {
    pub scope: UsageScope,
    /// Resource id, environment id, maker (principal id) or tenant id, as `scope` says.
    pub scope_id: String,
    pub period: UsagePeriod,
    /// First day of the period.
    pub start: NaiveDate,
    pub metric: UsageMetric,
    pub uses: u64,
    pub users: u64,
}

/// What one resource did over a window, beside what the inventory says about it: the figures
/// `usage top`, success rules and the board report read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceUsage {
    pub resource_id: String,
    pub tenant_id: String,
    /// From the inventory; `None` for resources only the audit log knows.
    pub environment_id: Option<String>,
    pub kind: Option<ResourceKind>,
    pub display_name: Option<String>,
    /// Principal id of the primary owner.
    pub owner: Option<String>,
    pub created_at: Option<Timestamp>,
    /// Uses (launches, runs, sessions) in the window.
    pub uses: u64,
    /// Distinct users in the window.
    pub unique_users: u64,
    /// Days of the window with at least one use.
    pub active_days: u64,
    /// Distinct departments of the window's users.
    pub departments: u64,
    /// First and last day with a use, over all time kept.
    pub first_use: Option<NaiveDate>,
    pub last_use: Option<NaiveDate>,
}
