//! The most used resources of a window, and what the usage store holds: the two answers the
//! CLI and the API give as they are.

use super::Window;
use crate::UsageError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use steward_model::ResourceUsage;
use steward_store::usage::{ResourceUsageQuery, UsageOrder, UsageStatus};
use steward_store::{Store, UsageReads};

/// The most used resources over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub order: UsageOrder,
    pub items: Vec<ResourceUsage>,
}

/// Resources with use in the query's window, most used first (by uses or users).
pub async fn top<S: Store + ?Sized>(store: &S, q: &ResourceUsageQuery) -> Result<TopReport, UsageError> {
    let query = ResourceUsageQuery { include_unused: false, ..q.clone() };
    let items = store.resource_usage(&query).await?;
    Ok(TopReport { from: q.from, to: q.to, order: q.order, items })
}

/// What the usage store holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    #[serde(flatten)]
    pub status: UsageStatus,
    /// Days from the first to the last counted day, both included.
    pub days: u64,
}

/// What the usage store holds, of one tenant or of all.
pub async fn status<S: Store + ?Sized>(store: &S, tenant_id: Option<&str>) -> Result<StatusReport, UsageError> {
    let status = store.usage_status(tenant_id).await?;
    let days = match (status.first_day, status.last_day) {
        (Some(first), Some(last)) => Window { from: first, to: last }.days().max(0) as u64,
        _ => 0,
    };
    Ok(StatusReport { status, days })
}
