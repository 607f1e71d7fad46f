//! File → store, as a stream: a reader thread cuts the file into chunks of whole records,
//! parser threads turn chunks into compact events, and this task aggregates them a few days at
//! a time into the store's rollups.
//!
//! Memory stays bounded whatever the file's size: chunks in flight are bounded, and the
//! aggregator holds only the days not yet written. Every `max_open_days` distinct days (and at
//! the end) all open days are written and the transaction commits, so a crash loses at most the
//! work since the last commit, and running the import again counts nothing twice (the ledger).
//! Order only matters for speed: a late record for a written day opens that day again.

mod archive;
pub(crate) mod chunks;
mod sink;
mod worker;

use crate::UsageError;
use sink::Sink;
use std::path::Path;
use std::sync::Arc;
use steward_store::Store;
use steward_store::usage::AggregateStats;

/// How to import a file of audit records.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Count every record for this tenant; by default each record's `OrganizationId`.
    pub tenant_id: Option<String>,
    /// Parser threads; 0 for one per core.
    pub threads: usize,
    /// Write and commit when the open days hold about this many bytes, or when this many days
    /// are open: fewer, larger commits rewrite the weekly and monthly rows less often; the
    /// budget bounds memory whatever the order of the records.
    pub memory_budget: usize,
    pub max_open_days: usize,
    /// Records that cannot be read before the import stops. 0 stops at the first one.
    pub max_errors: u64,
    /// Also write every record seen for the first time to this Parquet archive directory
    /// (see `steward-usage-archive` and docs/usage-archive.md).
    pub archive: Option<std::path::PathBuf>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { tenant_id: None, threads: 0, memory_budget: 384 << 20, max_open_days: 120, max_errors: 0, archive: None }
    }
}

/// What an import read and counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub bytes: u64,
    /// Records read (lines or array elements).
    pub records: u64,
    /// Records of Power Platform workloads.
    pub power_platform: u64,
    /// What the aggregation made of the uses and maker actions among them.
    pub stats: AggregateStats,
    /// Records that could not be read, with the first few reasons.
    pub malformed: u64,
    pub first_errors: Vec<String>,
    /// Transactions committed and rollup rows written.
    pub commits: u64,
    pub rows_written: u64,
    /// Tenants the records were counted for.
    pub tenants: Vec<String>,
    /// Parquet files and rows written to the raw archive, when one was asked for.
    pub archived_files: u64,
    pub archived_rows: u64,
}

/// Errors kept in the report.
const KEPT_ERRORS: usize = 10;

/// Stream `path` into `store`'s usage rollups.
pub async fn import_audit_file(
    store: Arc<dyn Store>,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportReport, UsageError> {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let layout = chunks::detect(path)?;
    let need_tenant = options.tenant_id.is_none();
    let archiving = options.archive.is_some();
    // Chunks to parse, and parsed chunks back; bounded so a slow store holds the reader back.
    let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<chunks::Chunk>(threads * 2);
    let chunk_rx = Arc::new(std::sync::Mutex::new(chunk_rx));
    let (parsed_tx, mut parsed_rx) = tokio::sync::mpsc::channel::<worker::Parsed>(threads * 8);
    let path_buf = path.to_path_buf();
    let reader = std::thread::Builder::new()
        .name("usage-reader".into())
        .spawn(move || -> Result<(), UsageError> {
            match layout {
                chunks::Layout::Array => {
                    let _ = chunk_tx.send(chunks::array_chunk(&path_buf)?);
                }
                chunks::Layout::Lines => {
                    let mut lines = chunks::LineChunks::open(&path_buf)?;
                    while let Some(chunk) = lines.next_chunk()? {
                        if chunk_tx.send(chunk).is_err() {
                            break; // the import stopped early
                        }
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| UsageError::Invalid(format!("cannot start the reader thread: {e}")))?;
    let mut parsers = Vec::with_capacity(threads);
    for i in 0..threads {
        let (rx, tx) = (chunk_rx.clone(), parsed_tx.clone());
        let handle = std::thread::Builder::new()
            .name(format!("usage-parser-{i}"))
            .spawn(move || {
                loop {
                    let next = rx.lock().map(|r| r.recv());
                    let Ok(Ok(chunk)) = next else { break };
                    if tx.blocking_send(worker::parse_chunk(&chunk, need_tenant, archiving)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| UsageError::Invalid(format!("cannot start a parser thread: {e}")))?;
        parsers.push(handle);
    }
    // Only the parsers hold the chunk receiver now: when they stop, the reader's sends fail.
    drop(chunk_rx);
    drop(parsed_tx);

    let mut report = ImportReport::default();
    let archiver = match &options.archive {
        Some(root) => Some(archive::spawn(root.clone(), options.tenant_id.clone())?),
        None => None,
    };
    let limits = sink::Limits { max_open_days: options.max_open_days, memory_budget: options.memory_budget };
    let mut sink = Sink::new(store, options.tenant_id.clone(), limits, archiving).await?;
    let outcome: Result<(), UsageError> = async {
        while let Some(parsed) = parsed_rx.recv().await {
            report.bytes += parsed.bytes;
            report.records += parsed.records;
            report.power_platform += parsed.power_platform;
            for (line, reason) in &parsed.errors {
                report.malformed += 1;
                if report.first_errors.len() < KEPT_ERRORS {
                    report.first_errors.push(format!("line {line}: {reason}"));
                }
                if report.malformed > options.max_errors {
                    return Err(UsageError::Record {
                        path: path.to_path_buf(),
                        line: *line,
                        reason: format!(
                            "{reason}. Fix the record, or pass --max-errors N to skip up to N unreadable records; \
                             records already committed stay counted and importing the file again counts none twice"
                        ),
                    });
                }
            }
            let keep = sink.add(&parsed).await?;
            if let Some(a) = &archiver {
                // A failed send means the archive thread stopped; its error surfaces at join.
                let _ = a.jobs.send(archive::Job { parsed, keep });
            }
        }
        Ok(())
    }
    .await;
    let archived = match archiver {
        Some(a) => {
            drop(a.jobs);
            Some(a.thread.join().map_err(|_| UsageError::Invalid("the archive thread panicked".into()))?)
        }
        None => None,
    };
    // Stop the threads whatever happened: dropping the receiver ends the parsers' sends.
    drop(parsed_rx);
    for p in parsers {
        let _ = p.join();
    }
    let read = reader.join().map_err(|_| UsageError::Invalid("the reader thread panicked".into()))?;
    let archived = archived.transpose();
    match outcome.and(read).and(archived) {
        Ok(archived) => {
            if let Some(a) = archived {
                report.archived_files = a.files;
                report.archived_rows = a.rows;
            }
            let written = sink.finish().await?;
            report.stats = written.stats;
            report.commits = written.commits;
            report.tenants = written.tenants;
            report.rows_written = written.rows;
            Ok(report)
        }
        Err(e) => {
            sink.abandon().await;
            Err(e)
        }
    }
}

/// Whether `path` looks like Office 365 audit records (JSON lines or a JSON array whose first
/// record has the common schema's `CreationTime`, `Operation` and `Workload` or `RecordType`),
/// for format detection. The import itself checks every record.
pub fn looks_like_audit_file(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut head = Vec::with_capacity(64 << 10);
    if file.take(64 << 10).read_to_end(&mut head).is_err() {
        return false;
    }
    let Some(first) = head.iter().position(|b| !b.is_ascii_whitespace()) else { return false };
    if !matches!(head[first], b'{' | b'[') {
        return false;
    }
    // The first record: up to the end of the first line of a JSON-lines file, or the head.
    let end = if head[first] == b'{' {
        memchr::memchr(b'\n', &head[first..]).map_or(head.len(), |n| first + n)
    } else {
        head.len()
    };
    let record = &head[first..end];
    let has = |key: &str| memchr::memmem::find(record, key.as_bytes()).is_some();
    has("\"CreationTime\"") && has("\"Operation\"") && (has("\"Workload\"") || has("\"RecordType\""))
}
