//! Who used what, when: raw audit events and daily rollups.

use crate::{Timestamp, UsageKind};
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
}
