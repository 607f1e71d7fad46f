//! `steward sync`: run every configured source into the database and print what changed.

use crate::config::{Config, Source};
use crate::{db, progress::TerminalProgress};
use anyhow::Context;
use std::sync::Arc;
use steward_powerplatform::{ClientOptions, PowerPlatformClient};
use steward_sync::{Only, SyncOptions, SyncReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start a new run from scratch even if the last one was interrupted, and reread the whole
    /// retained audit feed (7 days). By default a run is incremental: an interrupted run is
    /// resumed, unchanged records are not rewritten, and the audit feed is read from where the
    /// last run stopped.
    #[arg(long)]
    full: bool,
    /// Sync only the inventory or only the usage (audit) feed.
    #[arg(long, value_enum)]
    only: Option<OnlyArg>,
    /// Fetch and compare everything and report what would change, without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Sync only the source with this name (default: every `[[sources]]` entry).
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Environments walked at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    concurrency: usize,
    /// Requests in flight per API host at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    requests_per_host: usize,
    /// Print the reports as JSON.
    #[arg(long)]
    json: bool,
    /// Stamp deletions and end the audit window at this RFC 3339 time instead of now (replays
    /// and tests; a resumed run always keeps its first time).
    #[arg(long, value_name = "TIME", hide = true, env = "STEWARD_SYNC_AS_OF")]
    as_of: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OnlyArg {
    Inventory,
    Usage,
}

pub async fn run(args: Args, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let mut sources = config.sources()?;
    if let Some(name) = &args.source {
        sources.retain(|s| s.name() == name);
        if sources.is_empty() {
            anyhow::bail!(
                "no source named `{name}` in the configuration; `steward sync` without --source runs them all"
            );
        }
    }
    if sources.is_empty() {
        anyhow::bail!(
            "no sources configured; add a [[sources]] entry to steward.toml (see docs/configuration.md), \
             or load files with `steward import`"
        );
    }
    let store = db::open(db_url).await?;
    let options = SyncOptions {
        full: args.full,
        only: match args.only {
            None => Only::All,
            Some(OnlyArg::Inventory) => Only::Inventory,
            Some(OnlyArg::Usage) => Only::Usage,
        },
        dry_run: args.dry_run,
        environment_concurrency: args.concurrency.max(1),
        as_of: args.as_of,
        archive: config.archive_dir(),
    };
    let progress: Arc<dyn steward_ingest::Progress> = Arc::new(TerminalProgress::new());
    let (reports, tenants) = run_sources(&store, config, sources, &options, args.requests_per_host, progress).await?;
    // Retention and success detection follow new usage (not in a dry run, which wrote nothing).
    let after = if args.dry_run || options.only == Only::Inventory {
        None
    } else {
        Some(crate::after_usage::run(&store, config, &tenants).await?)
    };
    let after_policies = !args.dry_run;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
        if let Some(after) = &after {
            // The JSON on stdout stays the list of source reports; the rest is for people.
            eprintln!("{}", serde_json::to_string(after)?);
        }
    } else {
        for r in &reports {
            print_report(r);
        }
        if let Some(after) = &after {
            crate::after_usage::print(after);
        }
    }
    // Automated tracking: the active set's tracked policies follow the inventory.
    if after_policies {
        crate::after_sync_policies::run_and_print(&store, config, args.json).await;
    }
    let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
    if errors > 0 {
        anyhow::bail!(
            "the sync finished with {errors} incomplete listing(s) (listed above); nothing was deleted from them. \
             Fix the cause (for a 401/403: the app's Power Platform admin rights) and run `steward sync` again"
        );
    }
    Ok(())
}

/// Run `sources` in turn into `store`: their reports and the tenants they covered. Shared with the
/// `sync.inventory` and `sync.usage` jobs (crates/cli/src/jobs/).
pub(crate) async fn run_sources(
    store: &Arc<dyn steward_store::Store>,
    config: &Config,
    sources: Vec<Source>,
    options: &SyncOptions,
    requests_per_host: usize,
    progress: Arc<dyn steward_ingest::Progress>,
) -> anyhow::Result<(Vec<SyncReport>, Vec<String>)> {
    let mut reports = Vec::new();
    let mut tenants = Vec::new();
    for source in sources {
        match source {
            Source::PowerPlatform(settings) => {
                let resolved = settings.resolve(&config.base_dir)?;
                let tenant_id = resolved.tenant_id.clone();
                tenants.push(tenant_id.clone());
                let client_options =
                    ClientOptions { concurrency_per_host: requests_per_host.max(1), ..ClientOptions::default() };
                let client = Arc::new(
                    PowerPlatformClient::new(resolved, client_options)
                        .with_context(|| format!("source `{}`", settings.name))?,
                );
                let report = steward_sync::sync_powerplatform(
                    store.clone(),
                    client,
                    &settings.name,
                    &tenant_id,
                    options.clone(),
                    progress.clone(),
                )
                .await?;
                reports.push(report);
            }
        }
    }
    Ok((reports, tenants))
}

fn print_report(r: &SyncReport) {
    let mode = match (r.dry_run, r.full, r.resumed) {
        (true, _, _) => "dry run, nothing written",
        (_, true, _) => "full",
        (_, _, true) => "resumed",
        _ => "incremental",
    };
    println!("source {} ({mode}), run {}", r.source, r.run_id);
    println!("{:<40} {:>9} {:>9} {:>10} {:>9}", "environment", "added", "changed", "unchanged", "deleted");
    for (id, e) in &r.per_environment {
        let name = if e.display_name.is_empty() { id.as_str() } else { e.display_name.as_str() };
        let flag =
            if e.incomplete.is_empty() { String::new() } else { format!("  incomplete: {}", e.incomplete.join(", ")) };
        println!(
            "{:<40} {:>9} {:>9} {:>10} {:>9}{flag}",
            truncate(name, 40),
            e.resources.added,
            e.resources.changed,
            e.resources.unchanged,
            e.deleted
        );
    }
    let t = r.resources();
    println!(
        "{:<40} {:>9} {:>9} {:>10} {:>9}",
        "all resources",
        t.added,
        t.changed,
        t.unchanged,
        r.resources_deleted()
    );
    for (name, c, deleted) in [
        ("environments", r.environments, Some(r.environments_deleted)),
        ("connectors", r.connectors, None),
        ("data policies", r.data_policies, None),
        ("users", r.principals, Some(r.principals_deleted)),
        ("licences (products)", r.licenses, None),
    ] {
        let deleted = deleted.map_or_else(|| "-".to_string(), |d| d.to_string());
        println!("{name:<40} {:>9} {:>9} {:>10} {deleted:>9}", c.added, c.changed, c.unchanged);
    }
    println!(
        "audit records: {} read, {} new, from {} blobs in {} windows{}",
        r.usage.records_read,
        r.usage.records_new,
        r.usage.blobs,
        r.usage.windows,
        if r.usage.archived_files > 0 {
            format!("; {} archived in {} Parquet files", r.usage.archived_rows, r.usage.archived_files)
        } else {
            String::new()
        }
    );
    println!(
        "calls: {} made, {} throttled, {} retried; {:.1} s",
        r.calls,
        r.throttled,
        r.retries,
        r.elapsed_ms as f64 / 1000.0
    );
    for issue in &r.errors {
        let hint = if issue.permission { " (check the app's Power Platform admin rights)" } else { "" };
        println!("error: {}: {}{hint}", issue.scope, issue.message);
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}
