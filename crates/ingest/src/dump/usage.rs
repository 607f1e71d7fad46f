//! Usage records into the store's rollups, with what became of each one for the report.

use std::collections::HashMap;
use steward_model::UsageEvent;
use steward_store::usage::{self, AggregateStats};
use steward_store::{IngestTx, Result};

/// Count `items` through the transaction's ledger into the rollups. The same steps as
/// [`IngestTx::insert_usage_events`], which returns only how many records were counted; an
/// import also reports the repeats and the records no rollup counts, so it keeps the stats.
pub(crate) async fn count(tx: &mut dyn IngestTx, items: Vec<UsageEvent>) -> Result<AggregateStats> {
    let mut tenants: Vec<&str> = items.iter().map(|e| e.tenant_id.as_str()).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let mut stats = AggregateStats::default();
    for tenant in tenants {
        let mine: Vec<&UsageEvent> = items.iter().filter(|e| e.tenant_id == tenant).collect();
        let mut days: Vec<chrono::NaiveDate> = mine.iter().map(|e| e.occurred_at.date_naive()).collect();
        days.sort_unstable();
        days.dedup();
        let mut ledgers = HashMap::new();
        for day in days {
            ledgers.insert(day, tx.usage_ledger(tenant, day).await?);
        }
        let mut aggregator = usage::Aggregator::new(tenant);
        usage::aggregate_events(&mut aggregator, mine, |day| {
            ledgers.remove(&day).unwrap_or(usage::DayLedger::Open(Vec::new()))
        });
        let open = aggregator.open_days();
        let resources = aggregator.resources_on(&open);
        let scopes = tx.resource_scopes(&resources).await?;
        let scopes = scopes.into_iter().map(|s| (s.resource_id.clone(), s)).collect();
        let delta = aggregator.take(&open, &scopes);
        let s = aggregator.stats();
        stats.counted += s.counted;
        stats.duplicates += s.duplicates;
        stats.sealed += s.sealed;
        stats.not_counted += s.not_counted;
        if !delta.is_empty() {
            tx.apply_usage(delta).await?;
        }
    }
    Ok(stats)
}
