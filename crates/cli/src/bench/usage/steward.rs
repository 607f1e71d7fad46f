//! Steward's full import (b): the streaming importer into a fresh SQLite store, then its per-resource daily
//! rows read back for the comparison.

use super::compare::DayRow;
use crate::{db, rss};
use chrono::NaiveDate;
use std::path::Path;
use std::time::{Duration, Instant};
use steward_model::{UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::RollupQuery;
use steward_usage::{ImportOptions, ImportReport};

pub struct StewardRun {
    pub report: ImportReport,
    pub elapsed: Duration,
    /// CPU time (user + system) of the import, all threads.
    pub cpu: Option<Duration>,
    pub peak_rss: Option<u64>,
    pub rows: Vec<DayRow>,
}

pub async fn run(input: &Path, scratch: &Path, threads: usize) -> anyhow::Result<StewardRun> {
    let store = db::open(&format!("sqlite://{}", scratch.join("steward.db").display())).await?;
    // The generator ran in this process: its buffers must not count as the import's memory.
    rss::reset_peak();
    let started = Instant::now();
    let cpu_started = super::cpu::used();
    // Each record's own OrganizationId is its tenant, as in a real import.
    let options = ImportOptions { threads, ..ImportOptions::default() };
    let report = steward_usage::import_audit_file(store.clone(), input, &options).await?;
    let elapsed = started.elapsed();
    let cpu = super::cpu::since(cpu_started);
    let peak_rss = rss::peak_bytes();
    let query = RollupQuery {
        tenant_id: None,
        scope: UsageScope::Resource,
        scope_ids: None,
        period: UsagePeriod::Day,
        metric: UsageMetric::Use,
        from: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
        to: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
    };
    let mut rows: Vec<DayRow> = store
        .usage_rows(&query)
        .await?
        .into_iter()
        .map(|r| DayRow { resource: r.scope_id, day: r.start, uses: r.uses, users: r.actors.len() as u64 })
        .collect();
    rows.sort();
    Ok(StewardRun { report, elapsed, cpu, peak_rss, rows })
}
