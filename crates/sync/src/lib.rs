//! The sync engine: brings one source's inventory and usage into a [`Store`], incrementally,
//! resumably, and without ever deleting on a failure.
//!
//! - **Listings** ([`listing`]) are walked page by page; each page's records, the ids it saw
//!   and the link of the next page commit in one transaction. A run killed at any point
//!   (`kill -9`) is resumed by the next run from the saved links, under the same run id and
//!   `as_of` time, and converges to the state an uninterrupted run reaches.
//! - **Deletion only on positive proof**: a record is marked deleted only by the transaction of
//!   the last page of a listing that walked its whole collection without seeing it. A 401, a
//!   403, a timeout or a half-walked listing reaches no such transaction; it is reported.
//! - **Incremental by default**: unchanged records cost a hash comparison and no write (the
//!   store compares content hashes), and the audit feed is read from the saved watermark.
//!   `--full` starts a new run from scratch and rereads the whole retained audit feed.
//! - One environment failing does not stop the others; only a store failure ends a run.

mod error;
mod fastpath;
mod inventory;
mod licenses;
pub mod listing;
mod report;
pub mod state;
mod usage;
mod writer;

pub use error::SyncError;
pub use report::{EnvironmentReport, SyncIssue, SyncReport, UsageReport};

use serde::de::DeserializeOwned;
use state::{EnvironmentTarget, RunState, run_key};
use std::sync::{Arc, Mutex};
use steward_ingest::Progress;
use steward_model::{Tenant, Timestamp, UsageEvent};
use steward_powerplatform::{ApiError, PowerPlatformClient};
use steward_store::{Store, StoreError};

/// What to sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Only {
    #[default]
    All,
    Inventory,
    Usage,
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Start a new run even if the last one was interrupted, and reread the retained audit feed.
    pub full: bool,
    pub only: Only,
    /// Fetch and compare everything, report what would change, commit nothing.
    pub dry_run: bool,
    /// Environments walked at once.
    pub environment_concurrency: usize,
    /// The time deletions are stamped with and the audit feed is read up to; now when `None`.
    /// A resumed run keeps the interrupted run's time.
    pub as_of: Option<Timestamp>,
    /// Write every audit record seen for the first time to this Parquet archive
    /// (`steward-usage-archive`); not in a dry run.
    pub archive: Option<std::path::PathBuf>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            full: false,
            only: Only::All,
            dry_run: false,
            environment_concurrency: 8,
            as_of: None,
            archive: None,
        }
    }
}

/// Everything one run shares between its concurrent environment walks.
pub struct Ctx {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) client: Arc<PowerPlatformClient>,
    pub(crate) source: String,
    pub(crate) tenant_id: String,
    pub(crate) options: SyncOptions,
    pub(crate) run: RunState,
    pub(crate) progress: Arc<dyn Progress>,
    pub(crate) writer: writer::Writer,
    /// The raw audit archive, when one is configured.
    pub(crate) archive: Mutex<Option<steward_usage_archive::ArchiveWriter>>,
    report: Mutex<SyncReport>,
}

impl Ctx {
    pub(crate) fn with_report(&self, f: impl FnOnce(&mut SyncReport)) {
        // A poisoned lock only means another task panicked while booking figures; keep booking.
        let mut report = self.report.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut report);
    }

    pub(crate) fn issue(&self, scope: String, error: &ApiError) {
        self.issue_text(scope, error.to_string(), error.is_permission());
    }

    pub(crate) fn issue_text(&self, scope: String, message: String, permission: bool) {
        tracing::warn!(source = %self.source, %scope, %message, "sync: listing incomplete");
        self.with_report(|r| r.errors.push(SyncIssue { scope, message, permission }));
    }

    pub(crate) fn issue_in(&self, env: &EnvironmentTarget, listing: &str, error: &ApiError) {
        self.issue(format!("environment {} ({}) {listing}", env.display_name, env.name), error);
    }

    fn store_error(&self, what: &str) -> impl FnOnce(StoreError) -> SyncError + use<> {
        let (source, what) = (self.source.clone(), what.to_string());
        move |error| SyncError::Store { source_name: source, what, error }
    }

    pub(crate) async fn load<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SyncError> {
        load_state(self.store.as_ref(), &self.source, key).await
    }

    /// Write through the run's writer (in order with every page; rolled back in a dry run).
    pub(crate) async fn write(&self, op: writer::Op, what: &str) -> Result<writer::Outcome, SyncError> {
        self.writer.submit(op).await.map_err(self.store_error(what))
    }

    /// Count usage events; answers how many were counted and, per event, whether it was seen
    /// for the first time.
    pub(crate) async fn write_usage(
        &self,
        events: Vec<UsageEvent>,
        key: &str,
        state: &state::UsageState,
    ) -> Result<(u64, Vec<bool>), SyncError> {
        let state = (key.to_string(), serde_json::to_value(state).unwrap_or_default());
        let op = writer::Op::Usage { events, state };
        let out = self.write(op, "writing usage events").await?;
        Ok((out.new_events, out.first_seen))
    }

    /// Fix the list of environments for the rest of the run.
    pub(crate) async fn save_environments(&self, targets: &[EnvironmentTarget]) -> Result<(), SyncError> {
        let run = RunState { environments: Some(targets.to_vec()), ..self.run.clone() };
        self.save_run(&run).await
    }

    async fn save_run(&self, run: &RunState) -> Result<(), SyncError> {
        if self.options.dry_run {
            return Ok(());
        }
        let value = serde_json::to_value(run).unwrap_or_default();
        self.write(writer::Op::State(run_key(&self.source), value), "saving the run state").await.map(drop)
    }
}

/// The sync state saved under `key`, if any; a document that no longer parses is an error that
/// tells the user to start over with `--full`.
async fn load_state<T: DeserializeOwned>(store: &dyn Store, source: &str, key: &str) -> Result<Option<T>, SyncError> {
    let value = store.get_sync_state(key).await.map_err(|error| SyncError::Store {
        source_name: source.to_string(),
        what: "reading the sync state".into(),
        error,
    })?;
    value
        .map(|v| {
            serde_json::from_value(v).map_err(|e| SyncError::State {
                source_name: source.to_string(),
                key: key.to_string(),
                reason: e.to_string(),
            })
        })
        .transpose()
}

/// Sync one Power Platform source into `store`.
pub async fn sync_powerplatform(
    store: Arc<dyn Store>,
    client: Arc<PowerPlatformClient>,
    source: &str,
    tenant_id: &str,
    options: SyncOptions,
    progress: Arc<dyn Progress>,
) -> Result<SyncReport, SyncError> {
    let started = std::time::Instant::now();
    let tenant_id = tenant_id.to_ascii_lowercase();
    let previous: Option<RunState> = load_state(store.as_ref(), source, &run_key(source)).await?;
    let resumed = previous.as_ref().is_some_and(|p| !p.finished) && !options.full && !options.dry_run;
    let run = match previous {
        Some(p) if resumed => p,
        _ => RunState {
            run_id: uuid::Uuid::new_v4().to_string(),
            as_of: options.as_of.unwrap_or_else(chrono::Utc::now),
            full: options.full,
            finished: false,
            environments: None,
        },
    };
    let report = SyncReport {
        source: source.to_string(),
        run_id: run.run_id.clone(),
        as_of: Some(run.as_of),
        resumed,
        full: run.full,
        dry_run: options.dry_run,
        ..Default::default()
    };
    let ctx = Arc::new(Ctx {
        store: store.clone(),
        client: client.clone(),
        source: source.to_string(),
        tenant_id: tenant_id.clone(),
        options: options.clone(),
        writer: writer::Writer::spawn(store.clone(), options.dry_run),
        archive: Mutex::new(match (&options.archive, options.dry_run) {
            (Some(root), false) => Some(
                steward_usage_archive::ArchiveWriter::create(steward_usage_archive::ArchiveConfig::new(root))
                    .map_err(|e| SyncError::Archive(e.to_string()))?,
            ),
            _ => None,
        }),
        run,
        progress,
        report: Mutex::new(report),
    });
    if !resumed {
        ctx.save_run(&ctx.run).await?;
    }
    let tenant = Tenant { id: tenant_id.clone(), display_name: source.to_string(), domain: None };
    ctx.write(writer::Op::Tenants(vec![tenant]), "writing the tenant").await?;

    if options.only != Only::Usage {
        let targets = inventory::environments(&ctx).await?;
        // The run state now holds the list; later phases of a resumed run read it from there.
        inventory::tenant_wide(&ctx, &targets).await?;
        inventory::all_environments(&ctx, targets).await?;
    }
    if options.only != Only::Inventory {
        usage::sync(&ctx).await?;
    }

    let run = {
        // Re-read: the environment list was saved during the run.
        let mut run: RunState = ctx.load(&run_key(source)).await?.unwrap_or_else(|| ctx.run.clone());
        run.finished = true;
        run
    };
    ctx.save_run(&run).await?;
    ctx.progress.finish();
    let writer = ctx.archive.lock().unwrap_or_else(|p| p.into_inner()).take();
    let archived = writer.map(|w| w.finish().map_err(|e| SyncError::Archive(e.to_string()))).transpose()?;
    let stats = client.stats();
    let mut report = ctx.report.lock().unwrap_or_else(|p| p.into_inner()).clone();
    report.calls = stats.overall.calls;
    report.throttled = stats.overall.throttled;
    report.retries = stats.overall.retries;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    if let Some(a) = archived {
        report.usage.archived_rows = a.rows;
        report.usage.archived_files = a.files;
    }
    Ok(report)
}
