//! Import of a tenant dump: the directory `steward generate` writes (and the layout a real
//! export can be arranged in), read page by page into a [`Store`] through one transaction.
//!
//! Parsing runs on a blocking thread and feeds the database writer through a bounded channel,
//! so the two overlap and memory stays at a few batches whatever the size of the tenant. Any
//! error rolls the transaction back: the database is exactly as it was before the import.

mod collect;
pub mod manifest;
pub(crate) mod reader;

pub use collect::Records;
pub(crate) use collect::gather;

use crate::{IngestError, Progress};
pub(crate) use reader::Batch;
use serde::Serialize;
use std::path::Path;
use steward_store::{IngestTx, Store, UpsertCounts};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Items per store call.
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { batch_size: 5_000 }
    }
}

/// What an import did.
///
/// Audit records are not stored one by one: each enters the store's usage ledger once and
/// uses and maker actions are counted into the rollups (`steward_store::usage`), so the usage
/// figures say what became of the records read:
/// `usage_records_read = counted + not_counted + repeated + past_retention`.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportReport {
    pub tenants: UpsertCounts,
    pub environments: UpsertCounts,
    pub connectors: UpsertCounts,
    pub data_policies: UpsertCounts,
    pub principals: UpsertCounts,
    pub resources: UpsertCounts,
    /// Audit records read that concern Power Platform resources.
    pub usage_records_read: u64,
    /// New records counted into the rollups: uses (launch, run, session) and maker actions
    /// (create, edit, publish, share).
    pub usage_records_counted: u64,
    /// New records of operations no rollup counts (deletions, operations Steward does not
    /// interpret): in the ledger, so seen once, but in no figure.
    pub usage_records_not_counted: u64,
    /// Records whose id the store (or this import) had already seen: the feed and
    /// overlapping exports repeat records, and a second import repeats them all.
    pub usage_records_repeated: u64,
    /// Records of days older than the usage retention, whose ledger is gone: refused, since
    /// whether they were counted before cannot be told.
    pub usage_records_past_retention: u64,
    pub files: u64,
}

/// Batches in flight between the reader and the writer.
const CHANNEL_DEPTH: usize = 4;

/// Import the tenant dump in `dir` into `store`, all or nothing.
pub async fn import_dir(
    store: &dyn Store,
    dir: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, IngestError> {
    let manifest = manifest::read(dir)?;
    let counts = manifest.counts.clone();
    let reader_dir = dir.to_path_buf();
    let batch_size = opts.batch_size;
    run_import(store, Some(&counts), progress, move |sender| reader::run(reader_dir, manifest, batch_size, sender))
        .await
}

/// Read the tenant dump in `dir` into memory, normalised exactly as [`import_dir`] would write
/// it, without a store. Memory grows with the dump: meant for inspecting small dumps and for
/// tests of the readers.
pub async fn read_dir(dir: &Path, opts: &ImportOptions) -> Result<Records, IngestError> {
    let manifest = manifest::read(dir)?;
    let reader_dir = dir.to_path_buf();
    let batch_size = opts.batch_size;
    gather(move |sender| reader::run(reader_dir, manifest, batch_size, sender)).await
}

/// The import pipeline shared by every file source: `read` runs on a blocking thread and
/// sends batches (ending with [`Batch::Done`]) while this task writes them through one
/// transaction, committed only when the reader finished without error. `totals` sizes the
/// progress stages when the source knows its counts in advance.
pub(crate) async fn run_import<R>(
    store: &dyn Store,
    totals: Option<&manifest::Counts>,
    progress: &dyn Progress,
    read: R,
) -> Result<ImportReport, IngestError>
where
    R: FnOnce(mpsc::Sender<Result<Batch, IngestError>>) + Send + 'static,
{
    let mut tx = store.begin_ingest().await.map_err(|e| IngestError::store("starting the import transaction", e))?;
    let (sender, mut receiver) = mpsc::channel(CHANNEL_DEPTH);
    // Dropping the handle detaches the thread; it stops at its next send once the receiver is gone.
    let _reader = tokio::task::spawn_blocking(move || read(sender));

    let mut report = ImportReport::default();
    let outcome = write_batches(tx.as_mut(), &mut receiver, totals, progress, &mut report).await;
    drop(receiver);
    progress.finish();
    match outcome {
        Ok(()) => {
            tx.commit().await.map_err(|e| IngestError::store("committing the import", e))?;
            Ok(report)
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rolling back the failed import also failed");
            }
            Err(e)
        }
    }
}

async fn write_batches(
    tx: &mut dyn IngestTx,
    receiver: &mut mpsc::Receiver<Result<Batch, IngestError>>,
    counts: Option<&manifest::Counts>,
    progress: &dyn Progress,
    report: &mut ImportReport,
) -> Result<(), IngestError> {
    let mut stage = "";
    let mut enter = |name: &'static str, total: Option<u64>| {
        if stage != name {
            stage = name;
            progress.stage(name, total);
        }
    };
    while let Some(message) = receiver.recv().await {
        match message? {
            Batch::Tenants(items) => {
                report.tenants +=
                    tx.upsert_tenants(items).await.map_err(|e| IngestError::store("writing the tenant", e))?;
            }
            Batch::Environments(items) => {
                enter("environments", counts.map(|c| c.environments));
                let n = items.len() as u64;
                report.environments +=
                    tx.upsert_environments(items).await.map_err(|e| IngestError::store("writing environments", e))?;
                progress.advance(n);
            }
            Batch::Connectors(items) => {
                enter("connectors", counts.map(|c| c.connectors));
                let n = items.len() as u64;
                report.connectors +=
                    tx.upsert_connectors(items).await.map_err(|e| IngestError::store("writing connectors", e))?;
                progress.advance(n);
            }
            Batch::DataPolicies(items) => {
                enter("data policies", counts.map(|c| c.data_policies));
                let n = items.len() as u64;
                report.data_policies +=
                    tx.upsert_data_policies(items).await.map_err(|e| IngestError::store("writing data policies", e))?;
                progress.advance(n);
            }
            Batch::Principals(items) => {
                enter("users", counts.map(|c| c.principals));
                let n = items.len() as u64;
                report.principals +=
                    tx.upsert_principals(items).await.map_err(|e| IngestError::store("writing users", e))?;
                progress.advance(n);
            }
            Batch::Resources(items) => {
                enter("resources", counts.map(|c| c.resources));
                let n = items.len() as u64;
                report.resources +=
                    tx.upsert_resources(items).await.map_err(|e| IngestError::store("writing resources", e))?;
                progress.advance(n);
            }
            Batch::Usage(items) => {
                enter("audit records", counts.map(|c| c.audit_records));
                let n = items.len() as u64;
                let stats =
                    tx.count_usage_events(items).await.map_err(|e| IngestError::store("counting usage records", e))?;
                report.usage_records_read += n;
                report.usage_records_counted += stats.counted;
                report.usage_records_not_counted += stats.not_counted;
                report.usage_records_repeated += stats.duplicates;
                report.usage_records_past_retention += stats.sealed;
                progress.advance(n);
            }
            Batch::Done { files } => {
                report.files = files;
                return Ok(());
            }
        }
    }
    Err(IngestError::Reader("the reader ended without finishing the dump".to_string()))
}
