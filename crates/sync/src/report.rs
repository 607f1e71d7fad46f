//! What a run did, per environment, for the closing report and `--json`.

use serde::Serialize;
use std::collections::BTreeMap;
use steward_model::Timestamp;
use steward_store::UpsertCounts;

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub source: String,
    pub run_id: String,
    pub as_of: Option<Timestamp>,
    /// The run continued one that had been interrupted.
    pub resumed: bool,
    pub full: bool,
    pub dry_run: bool,
    pub environments: UpsertCounts,
    pub environments_deleted: u64,
    pub connectors: UpsertCounts,
    pub data_policies: UpsertCounts,
    pub principals: UpsertCounts,
    /// Subscribed SKUs.
    pub licenses: UpsertCounts,
    /// Users gone from the directory (leavers), proved by a complete listing.
    pub principals_deleted: u64,
    /// Agents read tenant-wide from the Power Platform inventory API (`None`: from Dataverse).
    pub agents_from_inventory_api: Option<UpsertCounts>,
    /// Per environment id.
    pub per_environment: BTreeMap<String, EnvironmentReport>,
    pub usage: UsageReport,
    pub calls: u64,
    pub throttled: u64,
    pub retries: u64,
    pub errors: Vec<SyncIssue>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EnvironmentReport {
    pub display_name: String,
    pub resources: UpsertCounts,
    pub deleted: u64,
    /// Listings of this environment that did not complete (nothing was deleted from them).
    pub incomplete: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct UsageReport {
    pub windows: u64,
    pub blobs: u64,
    pub records_read: u64,
    /// Records that were new to the store (the feed repeats records; repeats are dropped).
    pub records_new: u64,
    /// Records written to the raw archive (seen for the first time), and its new Parquet files.
    pub archived_rows: u64,
    pub archived_files: u64,
}

/// Something that failed without stopping the run.
#[derive(Debug, Clone, Serialize)]
pub struct SyncIssue {
    /// What was being done: `environment Default-… apps`, `usage`, …
    pub scope: String,
    pub message: String,
    /// A permission problem (401/403): the connection's admin rights should be checked.
    pub permission: bool,
}

impl SyncReport {
    pub fn resources(&self) -> UpsertCounts {
        let mut total = UpsertCounts::default();
        for e in self.per_environment.values() {
            total += e.resources;
        }
        total
    }

    pub fn resources_deleted(&self) -> u64 {
        self.per_environment.values().map(|e| e.deleted).sum()
    }

    /// The run completed every listing it started.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }
}
