//! The aggregating end of an import: events into the store's aggregator, days written and
//! committed in groups.

use super::worker::Parsed;
use crate::UsageError;
use chrono::NaiveDate;
use std::sync::Arc;
use steward_store::usage::{AggregateStats, Aggregator, EventRef, Outcome, day_from_number};
use steward_store::{IngestTx, Store};

/// What the sink wrote.
#[derive(Debug, Default)]
pub struct Written {
    pub stats: AggregateStats,
    pub tenants: Vec<String>,
    pub commits: u64,
    pub rows: u64,
}

/// When the sink writes what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_open_days: usize,
    pub memory_budget: usize,
}

pub struct Sink {
    store: Arc<dyn Store>,
    tx: Option<Box<dyn IngestTx>>,
    tenant_override: Option<Arc<str>>,
    /// One aggregator per tenant, with the last one looked up first (files are mostly one tenant).
    aggregators: Vec<Aggregator>,
    last: usize,
    limits: Limits,
    /// Whether `add` reports which events were seen first (for the archive).
    archiving: bool,
    written: Written,
    /// Counts of aggregators already written and dropped.
    done: AggregateStats,
}

impl Sink {
    pub async fn new(
        store: Arc<dyn Store>,
        tenant: Option<String>,
        limits: Limits,
        archiving: bool,
    ) -> Result<Self, UsageError> {
        let tx = store.begin_ingest().await?;
        Ok(Self {
            store,
            tx: Some(tx),
            tenant_override: tenant.map(Arc::from),
            aggregators: Vec::new(),
            last: 0,
            limits: Limits { max_open_days: limits.max_open_days.max(1), memory_budget: limits.memory_budget },
            archiving,
            written: Written::default(),
            done: AggregateStats::default(),
        })
    }

    fn aggregator(&mut self, tenant: &str) -> usize {
        if self.aggregators.get(self.last).is_some_and(|a| a.tenant_id() == tenant) {
            return self.last;
        }
        let i = match self.aggregators.iter().position(|a| a.tenant_id() == tenant) {
            Some(i) => i,
            None => {
                self.aggregators.push(Aggregator::new(tenant));
                self.aggregators.len() - 1
            }
        };
        self.last = i;
        i
    }

    /// Aggregate the chunk's events; returns the indexes of the events seen for the first time
    /// (what the archive keeps).
    pub async fn add(&mut self, parsed: &Parsed) -> Result<Vec<u32>, UsageError> {
        let mut first_seen = Vec::new();
        let tenant_override = self.tenant_override.clone();
        for (n, e) in parsed.events.iter().enumerate() {
            // Workers refuse records without a tenant when there is no override.
            let tenant = match &tenant_override {
                Some(t) => t,
                None => e.tenant.get(&parsed.arena).unwrap_or_default(),
            };
            let Some(day) = day_from_number(e.day) else { continue };
            let event = EventRef {
                id_hash: e.id_hash,
                day,
                kind: e.kind,
                resource_id: e.resource.get(&parsed.arena),
                environment_id: e.environment.get(&parsed.arena),
                actor: e.actor.get(&parsed.arena),
            };
            let mut i = self.aggregator(tenant);
            let mut outcome = self.aggregators[i].add(&event);
            if outcome == Outcome::NeedsLedger {
                // Opening a day is when memory grows: write everything first if enough are open.
                let open: usize = self.aggregators.iter().map(Aggregator::open_day_count).sum();
                if open >= self.limits.max_open_days {
                    self.flush().await?;
                    i = self.aggregator(tenant);
                }
                let tx = self.tx.as_mut().ok_or_else(closed)?;
                let ledger = tx.usage_ledger(tenant, day).await?;
                self.aggregators[i].open_day(day, ledger);
                outcome = self.aggregators[i].add(&event);
            }
            if self.archiving && matches!(outcome, Outcome::Counted | Outcome::NotCounted) {
                first_seen.push(n as u32);
            }
        }
        let held: usize = self.aggregators.iter().map(Aggregator::approx_bytes).sum();
        if held > self.limits.memory_budget {
            self.flush().await?;
        }
        Ok(first_seen)
    }

    /// Write every open day and commit; start the next transaction.
    async fn flush(&mut self) -> Result<(), UsageError> {
        self.write_open_days().await?;
        let tx = self.tx.take().ok_or_else(closed)?;
        tx.commit().await?;
        self.written.commits += 1;
        self.tx = Some(self.store.begin_ingest().await?);
        Ok(())
    }

    async fn write_open_days(&mut self) -> Result<(), UsageError> {
        let tx = self.tx.as_mut().ok_or_else(closed)?;
        for agg in &mut self.aggregators {
            let days: Vec<NaiveDate> = agg.open_days();
            if days.is_empty() {
                continue;
            }
            self.written.rows += steward_store::usage::write_days(tx.as_mut(), agg, &days).await?;
        }
        Ok(())
    }

    /// Write what is left and commit.
    pub async fn finish(mut self) -> Result<Written, UsageError> {
        self.write_open_days().await?;
        let tx = self.tx.take().ok_or_else(closed)?;
        tx.commit().await?;
        self.written.commits += 1;
        let mut stats = self.done;
        for a in &self.aggregators {
            stats += a.stats();
        }
        self.written.stats = stats;
        self.written.tenants = self.aggregators.iter().map(|a| a.tenant_id().to_string()).collect();
        Ok(self.written)
    }

    /// Roll back what is not committed yet.
    pub async fn abandon(mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.rollback().await;
        }
    }
}

fn closed() -> UsageError {
    UsageError::Invalid("the import's transaction is already closed".into())
}
