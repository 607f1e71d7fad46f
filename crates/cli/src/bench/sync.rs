//! How long `steward sync` takes over a whole tenant, and at what memory cost.
//!
//! The fake tenant runs as a child process (`steward fake-tenant`) so that the peak memory
//! printed is the sync's alone; it serves the synthetic tenant over loopback at the real API
//! paths, generating every page on demand.

use crate::{db, rss};
use anyhow::Context;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;
use steward_ingest::synthetic::Preset;
use steward_powerplatform::{ClientOptions, PowerPlatformClient, SourceSettings};
use steward_sync::{Only, SyncOptions, SyncReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant size: small, medium or large (1,500 environments, 1,000,000 resources).
    #[arg(long, default_value = "medium")]
    preset: Preset,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// After the full sync, change this share of resources (e.g. `1%`) and time an incremental run.
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    changed: Option<f64>,
    /// Environments walked at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Requests in flight per API host.
    #[arg(long, default_value_t = 8)]
    requests_per_host: usize,
    /// Days of audit content the fake tenant serves (0: inventory only).
    #[arg(long, default_value_t = 0)]
    usage_days: u32,
    /// Scratch directory for the database (default: a temporary directory, removed after).
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

/// The one `[[sources]]` entry of a configuration text.
fn source_settings(text: &str) -> anyhow::Result<SourceSettings> {
    #[derive(serde::Deserialize)]
    struct File {
        sources: Vec<SourceSettings>,
    }
    let file: File = toml::from_str(text)?;
    file.sources.into_iter().next().context("the fake tenant's configuration has no source")
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%');
    match number.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p / 100.0),
        _ => Err(format!("`{text}` is not a percentage between 0% and 100% (e.g. 1%)")),
    }
}

/// The fake tenant child; killed when dropped.
struct FakeProcess {
    child: Child,
    base: String,
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_fake(args: &Args) -> anyhow::Result<FakeProcess> {
    let exe = std::env::current_exe().context("cannot find the steward executable to start the fake tenant")?;
    let mut child = Command::new(exe)
        .args(["fake-tenant", "--addr", "127.0.0.1:0", "--preset", &args.preset.to_string()])
        .args(["--seed", &args.seed.to_string(), "--usage-days", &args.usage_days.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start `steward fake-tenant`")?;
    let stdout = child.stdout.take().context("no stdout from the fake tenant")?;
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).context("reading the fake tenant's address")?;
    // Drain the rest (it prints a sample config): a closed pipe would kill it on its next line.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base = first
        .trim()
        .strip_prefix("fake tenant serving at ")
        .map(str::to_string)
        .with_context(|| format!("unexpected first line from the fake tenant: {first:?}"))?;
    Ok(FakeProcess { child, base })
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    super::print_machine();
    let scratch = match &args.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let started = Instant::now();
    let fake = start_fake(&args)?;
    println!("bench sync: preset {}, seed {}, fake tenant ready in {:.1?}", args.preset, args.seed, started.elapsed());
    let secret_dir = scratch.path();
    std::fs::write(secret_dir.join("secret.txt"), steward_fake_tenant::DEFAULT_CLIENT_SECRET)?;
    let tenant_id =
        steward_fake_tenant::FakeTenant::new(steward_fake_tenant::FakeConfig::new(args.preset, args.seed)).tenant_id();
    let base = &fake.base;
    let settings = source_settings(&steward_fake_tenant::steward_toml("bench", &tenant_id, base, "secret.txt"))?;
    let resolved = settings.resolve(secret_dir)?;
    let store = db::open(&format!("sqlite://{}", scratch.path().join("bench.db").display())).await?;
    let only = if args.usage_days == 0 { Only::Inventory } else { Only::All };
    let options = SyncOptions { only, environment_concurrency: args.concurrency.max(1), ..SyncOptions::default() };
    let client_options =
        ClientOptions { concurrency_per_host: args.requests_per_host.max(1), ..ClientOptions::default() };

    rss::reset_peak();
    let client = Arc::new(PowerPlatformClient::new(resolved.clone(), client_options.clone())?);
    let report = run_one(&store, client, &tenant_id, options.clone()).await?;
    print_figures("full sync", &report);

    if let Some(share) = args.changed {
        let mutation: serde_json::Value = reqwest::Client::new()
            .post(format!("{base}/_fake/mutate"))
            .json(&serde_json::json!({ "changed_fraction": share, "seed": args.seed }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let changed = mutation.get("changed").and_then(|c| c.as_array()).map_or(0, Vec::len);
        println!("changed {changed} resources ({:.2}%)", share * 100.0);
        rss::reset_peak();
        let client = Arc::new(PowerPlatformClient::new(resolved, client_options)?);
        let report = run_one(&store, client, &tenant_id, options).await?;
        print_figures("incremental sync", &report);
    }
    drop(fake);
    Ok(())
}

async fn run_one(
    store: &Arc<dyn steward_store::Store>,
    client: Arc<PowerPlatformClient>,
    tenant_id: &str,
    options: SyncOptions,
) -> anyhow::Result<SyncReport> {
    let report = steward_sync::sync_powerplatform(
        store.clone(),
        client,
        "bench",
        tenant_id,
        options,
        Arc::new(crate::progress::TerminalProgress::new()),
    )
    .await?;
    if !report.errors.is_empty() {
        anyhow::bail!("the benchmark sync had errors: {:?}", report.errors);
    }
    Ok(report)
}

fn print_figures(what: &str, r: &SyncReport) {
    let seconds = r.elapsed_ms as f64 / 1000.0;
    let resources = r.resources();
    let total = resources.added + resources.changed + resources.unchanged;
    println!(
        "{what}: {seconds:.1} s wall, {} requests ({:.0}/s), {total} resources ({:.0}/s; {} added, {} changed, {} deleted), {} audit records new, peak RSS {}",
        r.calls,
        r.calls as f64 / seconds.max(0.001),
        total as f64 / seconds.max(0.001),
        resources.added,
        resources.changed,
        r.resources_deleted(),
        r.usage.records_new,
        rss::peak_bytes().map_or_else(|| "unknown".to_string(), rss::mib),
    );
}
