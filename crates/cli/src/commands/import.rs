use crate::{db, progress::TerminalProgress};
use anyhow::Context;
use std::path::PathBuf;
use steward_ingest::files::{self, FileImportOptions, FileImportReport, SourceFormat};

/// What `--format` accepts; each is documented in docs/import-format.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A directory written by `steward generate` (manifest.json, "format": "steward-tenant-dump").
    Dump,
    /// A Microsoft Purview audit log export: a .csv with an AuditData column, or a directory of them.
    Purview,
    /// CoE Starter Kit tables exported as CSV: admin_environment.csv, admin_app.csv, ….
    CoeKit,
    /// Steward's import format: a directory with manifest.json or one .jsonl file.
    Steward,
    /// Office 365 audit records (Management Activity API content) as JSON lines or a JSON array.
    Audit,
}

impl From<Format> for SourceFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Dump => SourceFormat::Dump,
            Format::Purview => SourceFormat::Purview,
            Format::CoeKit => SourceFormat::CoeKit,
            Format::Steward => SourceFormat::Steward,
            // Handled before conversion: audit files go to the streaming usage importer.
            Format::Audit => SourceFormat::Purview,
        }
    }
}

const FORMATS_HELP: &str = "\
Formats (detected from PATH when --format is absent):
  dump      a directory with manifest.json whose format is \"steward-tenant-dump\"
            (written by `steward generate`)
  coe-kit   a directory holding CoE Starter Kit table exports named after their tables
            (admin_environment.csv, admin_connector.csv, admin_maker.csv, admin_app.csv,
            admin_flow.csv, admin_auditlog.csv; any subset), or one such file
  purview   a .csv file whose header has an AuditData column (Purview: Audit > search >
            Export > Download all results), or a directory of such files
  steward   a directory with manifest.json whose format is \"steward-import\", or a .jsonl
            file whose first line is that manifest (any other low-code platform)
  audit     Office 365 audit records as JSON lines (one record per line) or a JSON array
            (a Management Activity API content blob): streamed into the usage rollups,
            any size; see docs/usage.md

The import is one transaction: any bad record stops it with FILE:LINE:COLUMN and what is
wrong, and the database is left exactly as it was. Records seen before (same id) are kept
once. Formats, column mappings and examples: docs/import-format.md.
An audit import commits every few days of records: a bad record stops it with FILE line N
(or is skipped with --max-errors), what was committed stays, and importing again counts
nothing twice.";

#[derive(Debug, clap::Args)]
#[command(after_help = FORMATS_HELP)]
pub struct Args {
    /// What to import: a directory or a file (see the formats below).
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// The format of PATH; detected when absent.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Tenant id the records belong to. Purview records name it (OrganizationId) and CoE
    /// exports do (admin_tenantid); this overrides them, and is needed when they do not.
    #[arg(long, value_name = "ID")]
    tenant: Option<String>,
    /// Rows written per batch.
    #[arg(long, default_value_t = 5_000)]
    batch_size: usize,
    /// Audit files: unreadable records to skip before stopping (each is reported).
    #[arg(long, default_value_t = 0, value_name = "N")]
    max_errors: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args, db_url: &str, config: &crate::config::Config) -> anyhow::Result<()> {
    let audit = match args.format {
        Some(f) => f == Format::Audit,
        None => args.path.is_file() && steward_usage::looks_like_audit_file(&args.path),
    };
    if audit {
        return import_audit(&args, db_url, config).await;
    }
    let format = match args.format {
        Some(format) => SourceFormat::from(format),
        None => files::detect(&args.path).with_context(|| format!("cannot tell what {} holds", args.path.display()))?,
    };
    if format == SourceFormat::Dump && args.tenant.is_some() {
        anyhow::bail!("--tenant does not apply to a tenant dump: its manifest.json names the tenant");
    }
    let store = db::open(db_url).await?;
    let started = std::time::Instant::now();
    let opts = FileImportOptions { batch_size: args.batch_size.max(1), tenant: args.tenant.clone() };
    let report =
        files::import(store.as_ref(), &args.path, format, &opts, &TerminalProgress::new()).await.with_context(
            || format!("{format} import of {} failed; the database was left as it was before", args.path.display()),
        )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, started.elapsed());
    }
    // Automated tracking: the active set's tracked policies follow the inventory.
    crate::after_sync_policies::run_and_print(&store, config, args.json).await;
    Ok(())
}

fn print_report(report: &FileImportReport, elapsed: std::time::Duration) {
    let r = &report.import;
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
        "usage records: {} read, {} counted, {} already seen, {} not counted (deletions, other operations), {} \
         refused (day sealed by retention)",
        r.usage_records_read,
        r.usage_records_counted,
        r.usage_records_repeated,
        r.usage_records_not_counted,
        r.usage_records_past_retention
    );
    let skipped = match report.records_skipped {
        0 => String::new(),
        n => format!(" ({n} skipped: not Power Platform activity)"),
    };
    let files = if r.files == 1 { "file" } else { "files" };
    println!(
        "{} import: {} records{skipped} from {} {files} in {:.1?}",
        report.format, report.records_read, r.files, elapsed
    );
}

/// Office 365 audit records, streamed into the usage rollups; then retention.
async fn import_audit(args: &Args, db_url: &str, config: &crate::config::Config) -> anyhow::Result<()> {
    let store = db::open(db_url).await?;
    let started = std::time::Instant::now();
    let archive = config.archive_dir();
    let options = steward_usage::ImportOptions {
        tenant_id: args.tenant.clone(),
        max_errors: args.max_errors,
        archive: archive.clone(),
        ..Default::default()
    };
    let report = steward_usage::import_audit_file(store.clone(), &args.path, &options)
        .await
        .with_context(|| format!("audit import of {} stopped", args.path.display()))?;
    let after = crate::after_usage::run(&store, config, &report.tenants).await?;
    if args.json {
        let out = serde_json::json!({ "format": "audit", "import": report, "after": after });
        println!("{}", serde_json::to_string_pretty(&out)?);
        crate::after_sync_policies::run_and_print(&store, config, true).await;
        return Ok(());
    }
    let s = &report.stats;
    println!(
        "usage records: {} read ({} Power Platform), {} counted, {} already seen, {} not counted (deletions, other \
         operations), {} refused (day sealed by retention)",
        report.records, report.power_platform, s.counted, s.duplicates, s.not_counted, s.sealed
    );
    if report.malformed > 0 {
        println!("{} unreadable records skipped:", report.malformed);
        for e in &report.first_errors {
            println!("  {e}");
        }
    }
    if let Some(dir) = &archive {
        println!(
            "raw archive: {} records in {} Parquet files under {}",
            report.archived_rows,
            report.archived_files,
            dir.display()
        );
    }
    crate::after_usage::print(&after);
    crate::after_sync_policies::run_and_print(&store, config, false).await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "audit import: {:.1} MB in {secs:.1} s ({:.0} records/s), {} commits, {} rollup rows written",
        report.bytes as f64 / 1e6,
        report.records as f64 / secs.max(1e-9),
        report.commits,
        report.rows_written
    );
    Ok(())
}
