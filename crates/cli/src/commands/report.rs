//! `steward report board`: the governance board report for one month, written as a standalone
//! HTML file, Markdown with its charts as SVG files beside it, or JSON.

use crate::db;
use anyhow::Context;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use steward_report::{BoardReport, Month};
use steward_store::Store;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The governance board report for one month: inventory totals and their change, twelve-month
    /// trends (active users, active makers, new resources), top resources, new makers, success
    /// candidates, leavers' resources and compliance.
    ///
    /// Example: steward report board --period 2026-10 --out board-2026-10.html
    Board(BoardArgs),
    /// The board's ROI report for a period: value (from value records and real usage), cost (from
    /// the cost engine) and ROI per resource, maker, environment, business unit and tenant, every
    /// value explained (docs/value.md).
    ///
    /// Example: steward report value --period 2026-10 --out value-2026-10.html
    Value(crate::commands::value::ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct BoardArgs {
    /// The month reported on (default: the last complete month, UTC).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub period: Option<Month>,

    /// Only this tenant, by id (default: every tenant in the database).
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,

    /// The file to write. Markdown reports get their charts beside it: for report.md,
    /// report-mau.svg, report-makers.svg and report-new-resources.svg.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Output format (default: from the extension of --out: .html/.htm, .md/.markdown, .json).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Markdown,
    Json,
}

fn parse_month(text: &str) -> Result<Month, String> {
    text.parse().map_err(|e: steward_report::ReportError| e.to_string())
}

impl Format {
    fn from_path(path: &Path) -> anyhow::Result<Format> {
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("html" | "htm") => Ok(Format::Html),
            Some("md" | "markdown") => Ok(Format::Markdown),
            Some("json") => Ok(Format::Json),
            _ => anyhow::bail!(
                "cannot tell the report format from '{}'; name the file .html, .md or .json, \
                 or pass --format html|markdown|json",
                path.display()
            ),
        }
    }
}

pub async fn run(cmd: ReportCommand, config: &crate::config::Config, db_url: &str) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Board(args) => board(args, db_url).await,
        ReportCommand::Value(args) => {
            refuse_missing_sqlite_file(db_url)?;
            crate::commands::value::report(args, config, db_url).await
        }
    }
}

async fn board(args: BoardArgs, db_url: &str) -> anyhow::Result<()> {
    let format = match args.format {
        Some(format) => format,
        None => Format::from_path(&args.out)?,
    };
    let period = args.period.unwrap_or_else(|| Month::last_complete(chrono::Utc::now().date_naive()));
    refuse_missing_sqlite_file(db_url)?;
    let store = db::open(db_url).await?;
    let tenant = args.tenant.as_deref();
    let report = steward_report::gather(store.as_ref(), period, tenant)
        .await
        .with_context(|| format!("cannot gather the board report for {period}"))?;
    let titles = rule_titles(store.as_ref()).await;
    let candidates = steward_report::success_candidates(store.as_ref(), period, tenant, &titles)
        .await
        .with_context(|| format!("cannot read the success candidates for {period}"))?;
    let mut report = report.with_success(candidates);
    if let Some(compliance) = steward_report::compliance(store.as_ref(), tenant)
        .await
        .context("cannot read the compliance runs for the report")?
    {
        report = report.with_compliance(compliance);
    }
    let written = write(&report, format, &args.out)?;
    println!("Wrote the board report for {} to {}", period.long_label(), written.join(", "));
    Ok(())
}

/// Titles of the active success rules. A saved rule set that no longer parses must not stop the
/// report: its candidates are then shown by rule id, and the log says why.
async fn rule_titles(store: &dyn Store) -> HashMap<String, String> {
    match steward_success::active_rules(store).await {
        Ok(active) => active.rules.rules.into_iter().map(|r| (r.id, r.title)).collect(),
        Err(error) => {
            tracing::warn!(%error, "success rule titles unavailable; candidates show rule ids");
            HashMap::new()
        }
    }
}

/// Write the report; returns the files written, the report first.
fn write(report: &BoardReport, format: Format, out: &Path) -> anyhow::Result<Vec<String>> {
    let save = |path: &Path, text: &str| {
        std::fs::write(path, text).with_context(|| {
            format!("cannot write {}; check that its directory exists and is writable", path.display())
        })
    };
    let mut written = vec![out.display().to_string()];
    match format {
        Format::Html => save(out, &steward_report::render_html(report)?)?,
        Format::Json => save(out, &serde_json::to_string_pretty(report).context("cannot encode the report as JSON")?)?,
        Format::Markdown => {
            let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("report");
            let markdown = steward_report::render_markdown(report, stem)?;
            save(out, &markdown.text)?;
            let dir = out.parent().unwrap_or(Path::new(""));
            for chart in &markdown.charts {
                let path = dir.join(&chart.file_name);
                save(&path, &chart.svg)?;
                written.push(path.display().to_string());
            }
        }
    }
    Ok(written)
}

/// Opening a SQLite URL creates the file; a report on a database that was never filled would be
/// an empty report that looks real, so a missing file is an error instead.
fn refuse_missing_sqlite_file(db_url: &str) -> anyhow::Result<()> {
    if db_url.contains("://") && !db_url.starts_with("sqlite:") {
        return Ok(());
    }
    let path = db_url.strip_prefix("sqlite://").or_else(|| db_url.strip_prefix("sqlite:")).unwrap_or(db_url);
    let path = Path::new(path.split('?').next().unwrap_or(path));
    if !path.exists() {
        anyhow::bail!(
            "no database at {}; import data first (steward import PATH, steward sync or steward demo) \
             or point --db at an existing one",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_extension_and_says_so_when_it_cannot() {
        assert_eq!(Format::from_path(Path::new("out/board.HTML")).ok(), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("board.md")).ok(), Some(Format::Markdown));
        assert_eq!(Format::from_path(Path::new("board.json")).ok(), Some(Format::Json));
        let err = Format::from_path(Path::new("board.pdf")).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("board.pdf") && err.contains("--format"), "{err}");
    }

    #[test]
    fn a_bad_period_names_the_expected_shape() {
        let err = parse_month("2026-13").unwrap_err();
        assert!(err.contains("YYYY-MM") && err.contains("2026-10"), "{err}");
    }
}
