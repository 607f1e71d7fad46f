//! The reading half every file source shares: a [`Sink`] that batches normalised records
//! and sends them to the tenant-dump writer ([`crate::dump::run_import`]), which writes them
//! through one transaction. Readers run on a blocking thread; memory stays at a few batches.

use super::{FileImportReport, FileRecords, SourceFormat};
use crate::dump::{self, Batch};
use crate::{IngestError, Progress};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use steward_model::{Connector, Environment, Principal, Resource, Tenant, UsageEvent};
use steward_store::Store;
use tokio::sync::mpsc::Sender;

/// Why a reader stopped early.
pub(crate) enum Stop {
    Failed(IngestError),
    /// The writer hung up (it failed, or the import was cancelled): nothing left to do.
    WriterGone,
}

impl From<IngestError> for Stop {
    fn from(e: IngestError) -> Self {
        Stop::Failed(e)
    }
}

/// Items of one kind waiting to be sent.
struct Buffer<T> {
    items: Vec<T>,
    wrap: fn(Vec<T>) -> Batch,
}

impl<T> Buffer<T> {
    fn new(wrap: fn(Vec<T>) -> Batch) -> Self {
        Buffer { items: Vec::new(), wrap }
    }
}

/// Counts the reader hands back; set before the final batch is sent, so the writer side
/// reads them complete once the import is over.
#[derive(Default)]
struct Tally {
    records: AtomicU64,
    skipped: AtomicU64,
}

/// Where readers put what they read.
pub(crate) struct Sink {
    out: Sender<Result<Batch, IngestError>>,
    batch_size: usize,
    known_tenants: HashSet<String>,
    environments: Buffer<Environment>,
    connectors: Buffer<Connector>,
    principals: Buffer<Principal>,
    resources: Buffer<Resource>,
    usage: Buffer<UsageEvent>,
    /// Files opened.
    pub(crate) files: u64,
    /// Input records read (CSV rows, JSON lines), whatever became of them.
    pub(crate) records: u64,
    /// Records read but deliberately not imported (documented per format).
    pub(crate) skipped: u64,
    tally: Arc<Tally>,
}

fn push<T>(
    out: &Sender<Result<Batch, IngestError>>,
    batch_size: usize,
    buffer: &mut Buffer<T>,
    item: T,
) -> Result<(), Stop> {
    buffer.items.push(item);
    if buffer.items.len() >= batch_size {
        flush(out, batch_size, buffer)?;
    }
    Ok(())
}

fn flush<T>(out: &Sender<Result<Batch, IngestError>>, batch_size: usize, buffer: &mut Buffer<T>) -> Result<(), Stop> {
    if buffer.items.is_empty() {
        return Ok(());
    }
    let items = std::mem::replace(&mut buffer.items, Vec::with_capacity(batch_size.min(65_536)));
    out.blocking_send(Ok((buffer.wrap)(items))).map_err(|_| Stop::WriterGone)
}

impl Sink {
    /// Send `tenant` as it is: the source names the tenant authoritatively.
    pub(crate) fn tenant(&mut self, tenant: Tenant) -> Result<(), Stop> {
        self.known_tenants.insert(tenant.id.clone());
        self.out.blocking_send(Ok(Batch::Tenants(vec![tenant]))).map_err(|_| Stop::WriterGone)
    }

    /// Make sure tenant `id` exists without overwriting what the store already knows of it
    /// (exports name the tenant only by id; a new one gets its id as display name).
    pub(crate) fn ensure_tenant(&mut self, id: &str) -> Result<(), Stop> {
        if self.known_tenants.contains(id) {
            return Ok(());
        }
        self.tenant(Tenant { id: id.to_string(), display_name: id.to_string(), domain: None })
    }

    pub(crate) fn environment(&mut self, item: Environment) -> Result<(), Stop> {
        push(&self.out, self.batch_size, &mut self.environments, item)
    }

    pub(crate) fn connector(&mut self, item: Connector) -> Result<(), Stop> {
        push(&self.out, self.batch_size, &mut self.connectors, item)
    }

    pub(crate) fn principal(&mut self, item: Principal) -> Result<(), Stop> {
        push(&self.out, self.batch_size, &mut self.principals, item)
    }

    pub(crate) fn resource(&mut self, item: Resource) -> Result<(), Stop> {
        push(&self.out, self.batch_size, &mut self.resources, item)
    }

    pub(crate) fn usage(&mut self, item: UsageEvent) -> Result<(), Stop> {
        push(&self.out, self.batch_size, &mut self.usage, item)
    }

    /// Send what is buffered, then the end of the import.
    fn finish(&mut self) -> Result<(), Stop> {
        flush(&self.out, self.batch_size, &mut self.environments)?;
        flush(&self.out, self.batch_size, &mut self.connectors)?;
        flush(&self.out, self.batch_size, &mut self.principals)?;
        flush(&self.out, self.batch_size, &mut self.resources)?;
        flush(&self.out, self.batch_size, &mut self.usage)?;
        self.tally.records.store(self.records, Ordering::SeqCst);
        self.tally.skipped.store(self.skipped, Ordering::SeqCst);
        self.out.blocking_send(Ok(Batch::Done { files: self.files })).map_err(|_| Stop::WriterGone)
    }
}

/// The ids of the tenants `store` holds, so that [`Sink::ensure_tenant`] leaves them alone.
async fn known_tenants(store: &dyn Store) -> Result<HashSet<String>, IngestError> {
    let tenants = store.list_tenants().await.map_err(|e| IngestError::store("listing the known tenants", e))?;
    Ok(tenants.into_iter().map(|t| t.id).collect())
}

/// Run `read` on a blocking thread into one all-or-nothing import of `store`.
pub(crate) async fn run<R>(
    store: &dyn Store,
    format: SourceFormat,
    batch_size: usize,
    progress: &dyn Progress,
    read: R,
) -> Result<FileImportReport, IngestError>
where
    R: FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static,
{
    let known = known_tenants(store).await?;
    let tally = Arc::new(Tally::default());
    let import = dump::run_import(store, None, progress, reader(batch_size, known, Arc::clone(&tally), read)).await?;
    Ok(FileImportReport {
        format,
        records_read: tally.records.load(Ordering::SeqCst),
        records_skipped: tally.skipped.load(Ordering::SeqCst),
        import,
    })
}

/// Run `read` on a blocking thread and gather what it reads in memory (see [`super::read`]).
/// Tenants are sent as for an empty store.
pub(crate) async fn gather<R>(format: SourceFormat, batch_size: usize, read: R) -> Result<FileRecords, IngestError>
where
    R: FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static,
{
    let tally = Arc::new(Tally::default());
    let records = dump::gather(reader(batch_size, HashSet::new(), Arc::clone(&tally), read)).await?;
    Ok(FileRecords {
        format,
        records_read: tally.records.load(Ordering::SeqCst),
        records_skipped: tally.skipped.load(Ordering::SeqCst),
        records,
    })
}

/// `read` as the reading half of the dump pipeline: it fills a [`Sink`] that sends to `out`,
/// then ends the stream (or sends the error that stopped it).
fn reader<R>(
    batch_size: usize,
    known_tenants: HashSet<String>,
    tally: Arc<Tally>,
    read: R,
) -> impl FnOnce(Sender<Result<Batch, IngestError>>) + Send + 'static
where
    R: FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static,
{
    move |out| {
        let mut sink = Sink {
            out,
            batch_size: batch_size.max(1),
            known_tenants,
            environments: Buffer::new(Batch::Environments),
            connectors: Buffer::new(Batch::Connectors),
            principals: Buffer::new(Batch::Principals),
            resources: Buffer::new(Batch::Resources),
            usage: Buffer::new(Batch::Usage),
            files: 0,
            records: 0,
            skipped: 0,
            tally,
        };
        match read(&mut sink).and_then(|()| sink.finish()) {
            Ok(()) | Err(Stop::WriterGone) => {}
            Err(Stop::Failed(e)) => {
                let _ = sink.out.blocking_send(Err(e));
            }
        }
    }
}
