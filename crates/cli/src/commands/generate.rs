use crate::progress::TerminalProgress;
use anyhow::Context;
use std::path::PathBuf;
use steward_ingest::synthetic::{self, GenerateOptions, Preset};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Size of the tenant: small (5 environments, ~300 resources), medium (100, ~20,000) or
    /// large (1,500, 1,000,000; usage of the large preset needs tens of GB: see --usage-days).
    #[arg(long, default_value = "small")]
    preset: Preset,
    /// Seed of the generator: the same seed and end date give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory to write (created; existing files with the same names are overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Last day of generated usage, YYYY-MM-DD (default: the generator's fixed date, for reproducibility).
    #[arg(long, value_name = "DATE")]
    end_date: Option<chrono::NaiveDate>,
    /// Days of usage to generate instead of the preset's (0: inventory only).
    #[arg(long, value_name = "DAYS")]
    usage_days: Option<u32>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut opts = GenerateOptions::new(args.preset, args.seed);
    if let Some(date) = args.end_date {
        opts.end_date = date;
    }
    opts.usage_days = args.usage_days;
    let started = std::time::Instant::now();
    let report = synthetic::generate(&opts, &args.out, &TerminalProgress::new())
        .with_context(|| format!("cannot generate the {} tenant into {}", args.preset, args.out.display()))?;
    println!(
        "generated {} environments, {} resources, {} principals, {} audit records in {} files ({:.1} MB) into {} in {:.1?}",
        report.environments,
        report.resources,
        report.principals,
        report.audit_records,
        report.files,
        report.bytes as f64 / 1e6,
        args.out.display(),
        started.elapsed()
    );
    Ok(())
}
