//! Retention: how long the ledger (and with it the raw archive) and the rollups are kept.
//!
//! The ledger is what makes a repeated record count once; a day whose ledger is dropped is
//! sealed, so records for it are refused rather than counted twice. Rollups are small and are
//! kept for years by default; only the day rows are worth pruning on very large estates.

use crate::UsageError;
use chrono::NaiveDate;
use std::path::PathBuf;
use steward_store::Store;

/// What to keep, in days before today; `None` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    /// Days of ledger (record ids, for de-duplication) and of raw archive partitions.
    #[serde(default = "default_raw_days")]
    pub raw_days: Option<u32>,
    /// Days of rollup rows (a week or month row goes once its whole period is older).
    #[serde(default)]
    pub rollup_days: Option<u32>,
}

fn default_raw_days() -> Option<u32> {
    Some(DEFAULT_RAW_DAYS)
}

/// The Management Activity API repeats records for up to 7 days; exports overlap by weeks. 90
/// days of ledger is ~700 MB for a tenant with a million records a day.
pub const DEFAULT_RAW_DAYS: u32 = 90;

/// What retention removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionReport {
    pub ledger_days: u64,
    pub rollup_rows: u64,
    pub archive_partitions: u64,
}

/// Apply `policy` as of `today` to each tenant, and to the raw archive when there is one.
pub async fn apply(
    store: &dyn Store,
    policy: &RetentionPolicy,
    archive: Option<&PathBuf>,
    tenants: &[String],
    today: NaiveDate,
) -> Result<RetentionReport, UsageError> {
    let before = |days: Option<u32>| days.map(|d| today - chrono::Days::new(u64::from(d)));
    let (raw_before, rollups_before) = (before(policy.raw_days), before(policy.rollup_days));
    let mut report = RetentionReport::default();
    if raw_before.is_none() && rollups_before.is_none() {
        return Ok(report);
    }
    for tenant in tenants {
        let pruned = store.prune_usage(tenant, raw_before, rollups_before).await?;
        report.ledger_days += pruned.ledger_days;
        report.rollup_rows += pruned.rollup_rows;
    }
    if let (Some(root), Some(before)) = (archive, raw_before)
        && root.exists()
    {
        let pruned = steward_usage_archive::prune(root, None, before)
            .map_err(|e| UsageError::Invalid(format!("raw archive at {}: {e}", root.display())))?;
        report.archive_partitions = pruned.partitions;
    }
    Ok(report)
}
