//! Usage rollups: what a backend stores, and the one aggregation every writer goes through.
//!
//! Audit records are reduced as a stream to rollup rows (per resource, environment, maker and
//! tenant; per day, ISO week and month; uses and distinct users) and never kept whole in the
//! database (the optional Parquet archive keeps them). Two things make the rollups incremental
//! and idempotent:
//!
//! - a **ledger** per tenant and day holds the 64-bit hashes of the ids of the records already
//!   seen (counted or not: deletes and other operations are seen but counted in no rollup), so a
//!   record the feed repeats, or a file imported twice, changes nothing;
//! - rollup rows keep their **distinct users as a set** (sorted ids of interned actors), so
//!   unique-user counts merge exactly however the events are split across imports.
//!
//! Days older than the raw retention lose their ledger and are *sealed*: records for a sealed
//! day are refused (and counted as such) rather than counted twice.
//!
//! [`Aggregator`] turns events into a [`UsageDelta`]; backends only read ledgers
//! ([`crate::IngestTx::usage_ledger`]) and apply deltas ([`crate::IngestTx::apply_usage`]).
//! The read side ([`UsageReads`]) composes a few row-level backend reads.

mod aggregate;
pub mod blob;
mod read;

pub use aggregate::*;
pub use read::*;

use chrono::NaiveDate;
use steward_model::{UsageMetric, UsagePeriod, UsageScope};

/// Close `days` of `aggregator` into the store through `tx`: the inventory's environment and
/// maker of the resources used, then the delta. Answers the rollup rows written. Every writer
/// ends its aggregation here.
pub async fn write_days<T: crate::IngestTx + ?Sized>(
    tx: &mut T,
    aggregator: &mut Aggregator,
    days: &[NaiveDate],
) -> crate::Result<u64> {
    let resources = aggregator.resources_on(days);
    let scopes = tx.resource_scopes(&resources).await?.into_iter().map(|s| (s.resource_id.clone(), s)).collect();
    let delta = aggregator.take(days, &scopes);
    let rows = delta.rows.len() as u64;
    if !delta.is_empty() {
        tx.apply_usage(delta).await?;
    }
    Ok(rows)
}

/// The 64-bit ledger hash of an audit record id (ids compare case-insensitively).
pub fn record_hash(id: &str) -> u64 {
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        xxhash_rust::xxh3::xxh3_64(id.to_ascii_lowercase().as_bytes())
    } else {
        xxhash_rust::xxh3::xxh3_64(id.as_bytes())
    }
}

/// Days since 1970-01-01: how backends store days.
pub fn day_number(day: NaiveDate) -> i64 {
    (day - NaiveDate::default()).num_days()
}

/// The day a stored day number stands for; `None` beyond the calendar chrono supports.
pub fn day_from_number(n: i64) -> Option<NaiveDate> {
    NaiveDate::default().checked_add_signed(chrono::TimeDelta::try_days(n)?)
}

/// What the ledger of one tenant-day holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayLedger {
    /// Hashes of the record ids already counted, sorted and distinct.
    Open(Vec<u64>),
    /// The day is older than the raw retention: its ledger is gone, so records for it are refused.
    Sealed,
}

/// Everything one aggregation adds to the store, applied in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageDelta {
    pub tenant_id: String,
    /// Actor identities (principal id, else lowercased UPN) that rows refer to by index.
    pub actors: Vec<String>,
    pub ledgers: Vec<LedgerDelta>,
    pub rows: Vec<RollupDelta>,
    pub spans: Vec<SpanDelta>,
}

impl UsageDelta {
    pub fn is_empty(&self) -> bool {
        self.ledgers.is_empty() && self.rows.is_empty() && self.spans.is_empty()
    }
}

/// Record hashes newly counted for one day: sorted, distinct, none already in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerDelta {
    pub day: NaiveDate,
    pub added: Vec<u64>,
}

/// What to add to one rollup row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupDelta {
    pub scope: UsageScope,
    pub scope_id: String,
    pub period: UsagePeriod,
    /// First day of the period.
    pub start: NaiveDate,
    pub metric: UsageMetric,
    /// Added to the stored count.
    pub uses: u64,
    /// Indexes into [`UsageDelta::actors`], sorted and distinct; merged into the stored set.
    pub actors: Vec<u32>,
}

/// Widen the first and last day of use of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanDelta {
    pub resource_id: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Where the rollups of a resource go besides its own rows, as the inventory says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceScopes {
    pub resource_id: String,
    pub environment_id: Option<String>,
    /// Principal id of the primary owner: the maker the resource's use counts for.
    pub maker: Option<String>,
}

/// One stored rollup row, as backends return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupRow {
    pub tenant_id: String,
    pub scope_id: String,
    pub start: NaiveDate,
    pub uses: u64,
    /// Store-wide actor ids, sorted and distinct.
    pub actors: Vec<u32>,
}

/// Which rollup rows to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupQuery {
    pub tenant_id: Option<String>,
    pub scope: UsageScope,
    /// Only these scope ids; `None` for all.
    pub scope_ids: Option<Vec<String>>,
    pub period: UsagePeriod,
    pub metric: UsageMetric,
    /// Periods starting in `[from, to]`.
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl RollupQuery {
    /// Daily uses of every resource, of any tenant, in days `[from, to]`: what success
    /// detection, value and reach read.
    pub fn daily_resource_uses(from: NaiveDate, to: NaiveDate) -> RollupQuery {
        RollupQuery {
            tenant_id: None,
            scope: UsageScope::Resource,
            scope_ids: None,
            period: UsagePeriod::Day,
            metric: UsageMetric::Use,
            from,
            to,
        }
    }
}

/// First and last day with a use of one resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UsageSpan {
    pub resource_id: String,
    pub tenant_id: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// What the usage store holds, for status pages and retention.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UsageStatus {
    /// Records counted on the days whose ledger is still kept.
    pub records: u64,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// Days before this one are sealed (their ledger was pruned).
    pub sealed_before: Option<NaiveDate>,
    pub rollup_rows: u64,
}

/// What [`crate::Store::prune_usage`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PruneCounts {
    pub ledger_days: u64,
    pub rollup_rows: u64,
}
