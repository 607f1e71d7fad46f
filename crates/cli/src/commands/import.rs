use crate::{db, progress::TerminalProgress};
use anyhow::Context;
use std::path::PathBuf;
use steward_ingest::dump::{self, ImportOptions, ImportReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory written by `steward generate` (it holds manifest.json).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Rows written per batch.
    #[arg(long, default_value_t = 5_000)]
    batch_size: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args, db_url: &str) -> anyhow::Result<()> {
    let store = db::open(db_url).await?;
    let started = std::time::Instant::now();
    let opts = ImportOptions { batch_size: args.batch_size.max(1) };
    let report = dump::import_dir(store.as_ref(), &args.dir, &opts, &TerminalProgress::new())
        .await
        .with_context(|| format!("import of {} failed; the database was left as it was before", args.dir.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, started.elapsed());
    }
    Ok(())
}

fn print_report(r: &ImportReport, elapsed: std::time::Duration) {
    println!("{:<14} {:>10} {:>10} {:>10}", "", "added", "changed", "unchanged");
    for (name, c) in [
        ("tenants", &r.tenants),
        ("environments", &r.environments),
        ("connectors", &r.connectors),
        ("data policies", &r.data_policies),
        ("principals", &r.principals),
        ("resources", &r.resources),
    ] {
        println!("{name:<14} {:>10} {:>10} {:>10}", c.added, c.changed, c.unchanged);
    }
    println!(
        "usage events: {} read, {} new; {} files in {:.1?}",
        r.usage_events_read, r.usage_events_new, r.files, elapsed
    );
}
