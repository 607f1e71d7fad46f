//! `steward demo`: the first thing a new user runs. No flags needed.

use crate::{
    commands::{check, serve},
    db,
    progress::TerminalProgress,
};
use anyhow::Context;
use std::path::PathBuf;
use steward_compliance::run::{CheckOptions, active_set, evaluate};
use steward_ingest::dump::{self, ImportOptions};
use steward_ingest::synthetic::{self, GenerateOptions, Preset};
use steward_store::ResourceQuery;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the demo keeps its tenant files and database.
    #[arg(long, env = "STEWARD_DATA_DIR", default_value = "steward-data", value_name = "DIR")]
    data_dir: PathBuf,
    /// Address to serve on.
    #[arg(long, env = "STEWARD_ADDR", default_value = serve::DEFAULT_ADDR, value_name = "HOST:PORT")]
    addr: String,
    /// Seed of the synthetic tenant.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Prepare the data and exit without serving (useful in scripts).
    #[arg(long)]
    no_serve: bool,
}

pub async fn run(args: Args, db_url: Option<String>) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create the data directory {}", args.data_dir.display()))?;
    let url = db_url.unwrap_or_else(|| format!("sqlite://{}", args.data_dir.join("steward.db").display()));
    let store = db::open(&url).await?;

    let existing = store.list_resources(&ResourceQuery { limit: Some(1), ..Default::default() }).await?;
    if existing.total > 0 {
        println!("Reusing the demo data in {} ({} resources).", db::redact(&url), existing.total);
    } else {
        let tenant_dir = args.data_dir.join("tenant-small");
        // Usage ends today so that "last 30 days" figures are alive in the demo.
        let mut opts = GenerateOptions::new(Preset::Small, args.seed);
        opts.end_date = chrono::Utc::now().date_naive();
        println!("Generating a small synthetic tenant into {} …", tenant_dir.display());
        synthetic::generate(&opts, &tenant_dir, &TerminalProgress::new())
            .with_context(|| format!("cannot generate the demo tenant into {}", tenant_dir.display()))?;
        println!("Importing it into {} …", db::redact(&url));
        let report = dump::import_dir(store.as_ref(), &tenant_dir, &ImportOptions::default(), &TerminalProgress::new())
            .await
            .context("cannot import the demo tenant")?;
        println!(
            "Imported {} environments, {} resources, {} principals, {} usage records.",
            report.environments.total(),
            report.resources.total(),
            report.principals.total(),
            report.usage_records_counted
        );
        first_evaluations(&store).await?;
    }
    // Also on reused data: a database from before the catalog gets its items (seeding skips
    // resources that have one, so a second run adds nothing).
    seed_catalog(store.as_ref()).await?;
    // Something in the review queues: a promotion campaign and an exemption request, once.
    super::demo_queues::seed(store.as_ref(), &steward_campaigns::CampaignConfig::default()).await?;
    // One organisation maturity assessment with its evidence pre-filled (issue #8), once.
    super::assess::demo_assessment(store.as_ref()).await?;
    // Value records, cost centres, people costs, budgets and consumption history (issue #7), once.
    super::demo_value::seed(store.as_ref(), chrono::Utc::now())
        .await
        .context("cannot seed the demo's value and costs")?;
    if args.no_serve {
        return Ok(());
    }
    println!("Signed in as the demo administrator: this is synthetic data, not a real tenant.");
    // Jobs run in the demo too, on the default schedules that reach no real tenant (no sync).
    let config = std::sync::Arc::new(crate::config::Config::default());
    // The value pages use the demo's hourly costs per department.
    steward_server::api::value::configure(super::demo_value::settings()?);
    let worker =
        crate::jobs::start(store.clone(), &config, crate::jobs::Mode::Demo, &crate::jobs::WorkerFlags::default())
            .await?;
    let served = serve::serve(store, &args.addr, true, steward_responsibility::Config::defaults()).await;
    worker.shutdown().await;
    served
}

/// The demo shows success candidates and compliance from the first page: the success rules
/// and every policy of the built-in pack (not only the tracked ones) run once after the import.
pub(crate) async fn first_evaluations(store: &std::sync::Arc<dyn steward_store::Store>) -> anyhow::Result<()> {
    let store = store.as_ref();
    if let Some(as_of) = store.usage_status(None).await?.last_day {
        let success = steward_success::evaluate_and_record(store, as_of).await?;
        println!("Success detection: {} candidates.", success.added);
    }
    let (set, _) = active_set(store).await?;
    let options = CheckOptions {
        tenant: None,
        day: check::today(),
        at: chrono::Utc::now(),
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        only_tracked: false,
    };
    let responsibility = steward_responsibility::Config::defaults();
    let evaluation = evaluate(store, set, &options, &responsibility).await?;
    let counts = check::record_run(store, &evaluation, &options).await?;
    println!("Built-in policies: {}.", check::recorded_line(&counts));
    Ok(())
}

/// The catalog's store front is not empty on the first visit: items proposed from the most used
/// resources, most listed through the real workflow, some featured, one in the spotlight, a few
/// waiting for approval.
async fn seed_catalog(store: &dyn steward_store::Store) -> anyhow::Result<()> {
    let report = steward_catalog::seed_from_inventory(store, &steward_catalog::SeedOptions::default())
        .await
        .context("cannot seed the demo catalog")?;
    if report.created > 0 {
        println!(
            "Catalog: {} items ({} listed, {} waiting for approval, {} drafts).",
            report.created, report.listed, report.submitted, report.drafts
        );
    }
    Ok(())
}
