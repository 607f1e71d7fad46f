//! One writer task with group commit: every page of every concurrent listing is written
//! through it, several pages per transaction.
//!
//! A transaction per page made a full sync of 1,000,000 resources write ~4,000 commits, each
//! rewriting the index pages its 250 rows touched (the indexes of a resource table are sorted
//! by name and dates, so 250 rows land on ~250 different pages per index): ~5 minutes, nearly
//! all of it SQLite writing the WAL and checkpointing. Here the writer takes a page, then
//! whatever else is already queued (up to [`MAX_OPS`]), and commits them together; under load
//! the batches grow by themselves, when idle a page commits alone at once.
//!
//! Each page's checkpoint is written in the same transaction as the page's records, in
//! submission order, so a kill still leaves every listing's saved link exactly after the last
//! page whose records are stored. A failed operation rolls back its whole batch; every job in
//! it gets an error, and the run stops.

use std::sync::Arc;
use steward_model::UsageEvent;
use steward_store::{Deletions, IngestTx, ListingScope, Store, StoreError, UpsertCounts};
use tokio::sync::{mpsc, oneshot};

use crate::listing::Records;

/// Operations per transaction at most: bounds a transaction's size (~16,000 resources) and the
/// work a kill can lose.
const MAX_OPS: usize = 400;

/// One thing to write.
pub enum Op {
    /// A page of a listing, its sightings, and its checkpoint; `complete` on the last page.
    Page {
        listing: String,
        abandon_first: bool,
        records: Records,
        seen: Option<Vec<String>>,
        complete: Option<(ListingScope, steward_model::Timestamp)>,
        state: Option<(String, serde_json::Value)>,
    },
    Usage {
        events: Vec<UsageEvent>,
        state: (String, serde_json::Value),
    },
    Licences(Vec<steward_model::License>),
    Policies(Vec<steward_model::DataPolicy>),
    Tenants(Vec<steward_model::Tenant>),
    State(String, serde_json::Value),
}

/// What an operation did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub counts: UpsertCounts,
    pub deletions: Deletions,
    pub new_events: u64,
    /// For usage: whether each event was seen for the first time (what the raw archive keeps).
    pub first_seen: Vec<bool>,
}

struct Job {
    op: Op,
    reply: oneshot::Sender<Result<Outcome, StoreError>>,
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Start the writer; it ends when every [`Writer`] handle is dropped. In a dry run every
    /// batch is rolled back.
    pub fn spawn(store: Arc<dyn Store>, dry_run: bool) -> Writer {
        let (jobs, queue) = mpsc::channel(MAX_OPS * 2);
        tokio::spawn(run(store, dry_run, queue));
        Writer { jobs }
    }

    pub async fn submit(&self, op: Op) -> Result<Outcome, StoreError> {
        self.enqueue(op).await?.wait().await
    }

    /// Queue `op` and return at once; the answer comes later. Operations are written in the
    /// order they are queued, so a listing may queue its next page before the last is stored.
    pub async fn enqueue(&self, op: Op) -> Result<Pending, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { op, reply }).await.map_err(|_| stopped())?;
        Ok(Pending(answer))
    }
}

/// The answer to a queued operation.
pub struct Pending(oneshot::Receiver<Result<Outcome, StoreError>>);

impl Pending {
    pub async fn wait(self) -> Result<Outcome, StoreError> {
        self.0.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Closed("the sync's writer stopped after an earlier failure".into())
}

type Reply = oneshot::Sender<Result<Outcome, StoreError>>;

async fn run(store: Arc<dyn Store>, dry_run: bool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut tx = match store.begin_ingest().await {
            Ok(tx) => tx,
            Err(e) => {
                fail(vec![first.reply], e);
                continue;
            }
        };
        // Each job's operation is consumed as it is applied; its reply waits for the commit.
        let mut replies: Vec<Reply> = Vec::with_capacity(MAX_OPS);
        let mut outcomes = Vec::with_capacity(MAX_OPS);
        let mut failure = None;
        let mut next = Some(first);
        while let Some(Job { op, reply }) = next.take() {
            replies.push(reply);
            match apply(tx.as_mut(), op).await {
                Ok(o) => outcomes.push(o),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            if replies.len() < MAX_OPS {
                next = queue.try_recv().ok();
            }
        }
        let ended = match failure {
            Some(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
            None if dry_run => tx.rollback().await,
            None => tx.commit().await,
        };
        match ended {
            Ok(()) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => fail(replies, e),
        }
    }
}

/// Answer every job of a failed batch: the cause to the first, a pointer to it to the rest.
fn fail(replies: Vec<Reply>, error: StoreError) {
    let message = error.to_string();
    let mut first = Some(error);
    for reply in replies {
        let e = first
            .take()
            .unwrap_or_else(|| StoreError::Closed(format!("a write in the same transaction failed: {message}")));
        let _ = reply.send(Err(e));
    }
}

async fn apply(tx: &mut dyn IngestTx, op: Op) -> Result<Outcome, StoreError> {
    let mut out = Outcome::default();
    match op {
        Op::Page { listing, abandon_first, records, seen, complete, state } => {
            if abandon_first {
                tx.abandon_listing(&listing).await?;
            }
            out.counts = write_records(tx, records).await?;
            if let Some(ids) = seen {
                tx.record_listing_seen(&listing, ids).await?;
            }
            if let Some((scope, at)) = complete {
                out.deletions = tx.complete_listing(&listing, &scope, at).await?;
            }
            if let Some((key, value)) = state {
                tx.put_sync_state(&key, value).await?;
            }
        }
        Op::Usage { events, state: (key, value) } => {
            let (stats, outcomes) = tx.count_usage_events_each(events).await?;
            out.new_events = stats.counted;
            out.first_seen = outcomes
                .into_iter()
                .map(|o| {
                    matches!(o, steward_store::usage::Outcome::Counted | steward_store::usage::Outcome::NotCounted)
                })
                .collect();
            tx.put_sync_state(&key, value).await?;
        }
        Op::Licences(items) => out.counts = tx.upsert_licenses(items).await?,
        Op::Policies(items) => out.counts = tx.upsert_data_policies(items).await?,
        Op::Tenants(items) => out.counts = tx.upsert_tenants(items).await?,
        Op::State(key, value) => tx.put_sync_state(&key, value).await?,
    }
    Ok(out)
}

async fn write_records(tx: &mut dyn IngestTx, records: Records) -> Result<UpsertCounts, StoreError> {
    match records {
        Records::Environments(v) => tx.upsert_environments(v).await,
        Records::Resources(v) => tx.upsert_resources(v).await,
        Records::Connectors(v) => tx.upsert_connectors(v).await,
        Records::Principals(v, licences) => {
            let counts = tx.upsert_principals(v).await?;
            if !licences.is_empty() {
                tx.set_license_assignments(licences).await?;
            }
            Ok(counts)
        }
    }
}
