//! The shipped job kinds: the work `steward sync`, `steward check` and `steward campaign tick`
//! do by hand, run on a schedule. Each is safe to run twice: syncs converge through their
//! checkpoints, evaluations record a new run, campaign steps check the state they move from.

use crate::config::Config;
use async_trait::async_trait;
use std::sync::Arc;
use steward_jobs::schedule::kinds;
use steward_jobs::{Job, JobContext, JobError, JobHandler, JobOutput};
use steward_sync::{Only, SyncOptions};

/// An anyhow error from shared CLI code: worth another attempt (network, database).
fn retryable(e: anyhow::Error) -> JobError {
    JobError::retryable(format!("{e:#}"))
}

/// Run the future `make` builds on a blocking thread of the runtime. The CLI's sync and
/// evaluation futures are Send, but rustc cannot prove it inside an `async_trait` method
/// ("implementation of `Send` is not general enough", rust-lang/rust#102211); built and polled
/// on their own thread they need not be Send at all.
async fn on_own_thread<F, Fut>(make: F) -> Result<JobOutput, JobError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<JobOutput, JobError>>,
{
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(make()))
        .await
        .map_err(|e| JobError::retryable(format!("the job's thread ended abnormally: {e}")))?
}

/// `sync.inventory` / `sync.usage`: every `[[sources]]` entry (or the one named by the payload's
/// `source`), then what `steward sync` runs after it. Payload: `{"source": "name", "full": true}`,
/// both optional.
pub struct Sync {
    config: Arc<Config>,
    only: Only,
}

impl Sync {
    pub fn inventory(config: Arc<Config>) -> Sync {
        Sync { config, only: Only::Inventory }
    }

    pub fn usage(config: Arc<Config>) -> Sync {
        Sync { config, only: Only::Usage }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncPayload {
    source: Option<String>,
    #[serde(default)]
    full: bool,
}

fn payload<T: serde::de::DeserializeOwned + Default>(job: &Job) -> Result<T, JobError> {
    if job.payload.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::permanent(format!("the payload of this '{}' job is not valid: {e}", job.kind)))
}

#[async_trait]
impl JobHandler for Sync {
    fn kind(&self) -> &'static str {
        match self.only {
            Only::Usage => kinds::SYNC_USAGE,
            _ => kinds::SYNC_INVENTORY,
        }
    }

    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(6 * 3600)
    }

    async fn run(&self, ctx: &JobContext, job: &Job) -> Result<JobOutput, JobError> {
        let p: SyncPayload = payload(job)?;
        let (config, store, only) = (self.config.clone(), ctx.store.clone(), self.only);
        on_own_thread(move || sync(config, store, only, p)).await
    }
}

async fn sync(
    config: Arc<Config>,
    store: Arc<dyn steward_store::Store>,
    only: Only,
    p: SyncPayload,
) -> Result<JobOutput, JobError> {
    let config = config.as_ref();
    let mut sources = config.sources().map_err(|e| JobError::permanent(format!("{e:#}")))?;
    if let Some(name) = &p.source {
        sources.retain(|s| s.name() == name);
    }
    if sources.is_empty() {
        // Nothing to do is not a failure: a schedule that ships by default runs everywhere.
        return Ok(JobOutput::summary("no [[sources]] configured; nothing synced"));
    }
    let options = SyncOptions {
        full: p.full,
        only,
        dry_run: false,
        environment_concurrency: 8,
        as_of: None,
        archive: config.archive_dir(),
    };
    let progress: Arc<dyn steward_ingest::Progress> = Arc::new(steward_ingest::NoProgress);
    let (reports, tenants) =
        crate::commands::sync::run_sources(&store, config, sources, &options, 8, progress).await.map_err(retryable)?;
    let mut summary = match only {
        Only::Usage => {
            let records: u64 = reports.iter().map(|r| r.usage.records_new).sum();
            crate::after_usage::run(&store, config, &tenants).await.map_err(retryable)?;
            format!("{records} new audit records from {} source(s)", reports.len())
        }
        _ => {
            let changed: u64 = reports.iter().map(|r| r.resources().added + r.resources().changed).sum();
            if let Err(e) = crate::after_sync_policies::run(&store, config).await {
                tracing::warn!(error = %format!("{e:#}"), "tracked policies were not evaluated after the sync");
            }
            format!("{changed} resources added or changed from {} source(s)", reports.len())
        }
    };
    let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
    if errors > 0 {
        summary.push_str(&format!("; {errors} incomplete listing(s), nothing deleted from them"));
        return Err(JobError::retryable(summary));
    }
    Ok(JobOutput::summary(summary))
}

/// `usage.rollups`: usage maintenance — retention (ledger, rollups, raw archive) and success
/// detection as of the newest counted day, as after an audit import.
pub struct UsageMaintenance {
    config: Arc<Config>,
}

impl UsageMaintenance {
    pub fn new(config: Arc<Config>) -> UsageMaintenance {
        UsageMaintenance { config }
    }
}

#[async_trait]
impl JobHandler for UsageMaintenance {
    fn kind(&self) -> &'static str {
        kinds::USAGE_ROLLUPS
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        let after = crate::after_usage::run(&ctx.store, &self.config, &[]).await.map_err(retryable)?;
        let r = &after.retention;
        let detected = after.success.as_ref().map_or(0, |s| s.added);
        Ok(JobOutput::summary(format!(
            "{} ledger days sealed, {} rollup rows removed; {detected} new success candidates",
            r.ledger_days, r.rollup_rows
        )))
    }
}

/// `policy.evaluate`: every policy of the active set, recorded as a run (what `steward check`
/// does), then the campaigns follow the run.
pub struct PolicyEvaluation {
    config: Arc<Config>,
}

impl PolicyEvaluation {
    pub fn new(config: Arc<Config>) -> PolicyEvaluation {
        PolicyEvaluation { config }
    }
}

#[async_trait]
impl JobHandler for PolicyEvaluation {
    fn kind(&self) -> &'static str {
        kinds::POLICY_EVALUATE
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        use crate::commands::check;
        let store = ctx.store.as_ref();
        let responsibility =
            check::responsibility_config(&self.config).map_err(|e| JobError::permanent(format!("{e:#}")))?;
        let (set, _) = steward_compliance::run::active_set(store).await.map_err(JobError::retryable)?;
        let options = steward_compliance::run::CheckOptions {
            tenant: None,
            day: ctx.now.date_naive(),
            at: ctx.now,
            threads: check::threads(&self.config),
            only_tracked: false,
        };
        let evaluation = steward_compliance::run::evaluate(store, set, &options, &responsibility)
            .await
            .map_err(JobError::retryable)?;
        let counts = check::record_run(store, &evaluation, &options).await.map_err(retryable)?;
        Ok(JobOutput::summary(format!("policy set {}: {}", evaluation.set.version, check::recorded_line(&counts))))
    }
}

/// `campaigns.tick`: reminders, escalations and due steps of open campaigns (`steward campaign
/// tick`, which stays for running it by hand).
pub struct CampaignSteps;

#[async_trait]
impl JobHandler for CampaignSteps {
    fn kind(&self) -> &'static str {
        kinds::CAMPAIGNS_TICK
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        let report = steward_campaigns::feed::tick(ctx.store.as_ref(), ctx.now).await.map_err(JobError::retryable)?;
        Ok(JobOutput::summary(format!(
            "{} steps due, {} after deletions, {} campaigns closed",
            report.due.len(),
            report.deleted.len(),
            report.closed.len()
        )))
    }
}

/// `jobs.prune`: finished jobs and their runs older than `[jobs] keep_days`.
pub struct PruneJobs {
    pub keep_days: u32,
}

#[async_trait]
impl JobHandler for PruneJobs {
    fn kind(&self) -> &'static str {
        kinds::JOBS_PRUNE
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        if self.keep_days == 0 {
            return Ok(JobOutput::summary("keep_days = 0: job history kept forever"));
        }
        let before = ctx.now - chrono::Duration::days(i64::from(self.keep_days));
        let n = ctx.store.prune_jobs(before).await?;
        Ok(JobOutput::summary(format!("{n} finished jobs older than {} days removed", self.keep_days)))
    }
}

/// `cost.forecast`: record this month's licence, capacity and cost consumption (what
/// `steward cost snapshot` does), so that the forecasts and budget projections have their
/// monthly history without anyone running the command.
pub struct CostSnapshot {
    config: Arc<Config>,
}

impl CostSnapshot {
    pub fn new(config: Arc<Config>) -> Self {
        CostSnapshot { config }
    }
}

#[async_trait]
impl JobHandler for CostSnapshot {
    fn kind(&self) -> &'static str {
        kinds::COST_FORECAST
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        let today = ctx.now.date_naive();
        let points = steward_cost::budget::record_month(ctx.store.as_ref(), &self.config.cost, today, ctx.now)
            .await
            .map_err(JobError::retryable)?;
        Ok(JobOutput::summary(format!("{points} consumption figures recorded for {}", today.format("%Y-%m"))))
    }
}
