//! `steward cost …`: the licence catalogue and its imports, cost centres, budgets, rules and
//! people costs; the chargeback report (text, JSON, FOCUS CSV), budgets against plan, forecasts,
//! unused licences and the monthly consumption snapshot. Every change lands in the audit trail.

use crate::commands::accounts;
use crate::config::Config;
use crate::db;
use anyhow::Context;
use std::path::{Path, PathBuf};
use steward_cost::import::{Parsed, RowError};
use steward_cost::money::display;
use steward_cost::{Period, budget, forecast, import, records, report, unused};
use steward_store::Store;

const COST_HELP: &str = "\
Costs come from the licence catalogue (built-in list prices, [cost] in steward.toml, imported
prices), licences held (Microsoft Graph, or imported), environment capacity, pay-as-you-go meters
and people (CoE team, makers' time). Allocation rules place each cost in one cost centre, or
split it by usage, head count or evenly; splits add back up to the cent.
CSV formats and a worked example: docs/costs.md.";

#[derive(Debug, clap::Subcommand)]
pub enum ImportAction {
    /// Import a CSV file. Bad rows are refused one by one with their line and reason; the others are stored.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesAction {
    /// Replace the allocation rules with a CSV file (in order; one bad row refuses the file).
    Set { file: PathBuf },
}

#[derive(Debug, clap::Subcommand)]
#[command(after_help = COST_HELP)]
pub enum CostCommand {
    /// The catalogue in force (list it), or `prices import FILE`.
    Prices {
        #[command(subcommand)]
        action: Option<ImportAction>,
        #[arg(long)]
        json: bool,
    },
    /// Imported licence assignments (list them), or `assignments import FILE`.
    Assignments {
        #[command(subcommand)]
        action: Option<ImportAction>,
    },
    /// Cost centres (list them), or `centres import FILE`.
    Centres {
        #[command(subcommand)]
        action: Option<ImportAction>,
    },
    /// Budgets per month, quarter or year (list them), or `budgets import FILE`.
    Budgets {
        #[command(subcommand)]
        action: Option<ImportAction>,
    },
    /// People costs: CoE team and makers' time (list them), or `people import FILE`.
    People {
        #[command(subcommand)]
        action: Option<ImportAction>,
    },
    /// Allocation rules in order (list them), or `rules set FILE`.
    Rules {
        #[command(subcommand)]
        action: Option<RulesAction>,
    },
    /// Showback/chargeback per cost centre for a period.
    Report {
        /// A month (2026-10), quarter (2026-Q4) or year (2026); default: this month.
        #[arg(long, value_name = "PERIOD")]
        period: Option<String>,
        /// FOCUS-style CSV, one row per allocated cost, on standard output.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long)]
        json: bool,
    },
    /// Budget against actual and projection for this month and year, and the alerts.
    Budget {
        /// As of this day (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Forecast licence, capacity and cost consumption from the recorded months.
    Forecast {
        /// Months ahead.
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long)]
        json: bool,
    },
    /// Licences held by people with no activity for `unused_after_days` (90): savings.
    Unused {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Record this month's consumption (what forecasts and year-end projections read).
    Snapshot {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
    },
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file)
        .with_context(|| format!("cannot read {}; check the path (CSV formats in docs/costs.md)", file.display()))
}

/// Print what an import kept and refused; fail (after storing the good rows) when rows were refused.
fn outcome(what: &str, file: &Path, stored: u64, rejected: &[RowError], json: bool) -> anyhow::Result<()> {
    if json {
        print_json(&serde_json::json!({"stored": stored, "rejected": rejected}))?;
    } else {
        println!("{what}: {stored} stored from {}", file.display());
        for r in rejected {
            println!("  line {}: {}", r.line, r.reason);
        }
    }
    if rejected.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} row(s) of {} were refused (listed above); the other rows were stored",
            rejected.len(),
            file.display()
        )
    }
}

async fn audit<T: serde::Serialize>(
    store: &dyn Store,
    action: &str,
    file: &Path,
    rows: &Parsed<T>,
) -> anyhow::Result<()> {
    accounts::record(
        store,
        action,
        file.display().to_string(),
        None,
        Some(serde_json::json!({"stored": rows.rows.len(), "rejected": rows.rejected.len()})),
    )
    .await
}

fn this_month() -> Period {
    Period::month_of(chrono::Utc::now().date_naive())
}

pub async fn run(cmd: CostCommand, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let cost = &config.cost;
    cost.check()?;
    let store = db::open(db_url).await?;
    let store = store.as_ref();
    let now = chrono::Utc::now();
    match cmd {
        CostCommand::Prices { action: Some(ImportAction::Import { file, json }), .. } => {
            // Each row is checked against the catalogue in force, so an incomplete new entry is
            // rejected on its own line and the rest is stored.
            let base = cost.catalogue(&records::prices(store).await?)?;
            let parsed = import::prices_against(&read(&file)?, &base, &cost.currency)?;
            let n = records::put_prices(store, &parsed.rows, now).await?;
            audit(store, "cost.prices.import", &file, &parsed).await?;
            outcome("prices", &file, n, &parsed.rejected, json)
        }
        CostCommand::Prices { action: None, json } => {
            let catalogue = cost.catalogue(&records::prices(store).await?)?;
            let entries: Vec<_> = catalogue.entries().collect();
            if json {
                return print_json(&entries);
            }
            for e in entries {
                println!(
                    "{:<32} {:>14} per {:<16} {:<15} {}",
                    e.id,
                    display(e.price, &e.currency),
                    e.unit,
                    e.service,
                    e.skus.join(" ")
                );
            }
            Ok(())
        }
        CostCommand::Assignments { action: Some(ImportAction::Import { file, json }) } => {
            let parsed = import::assignments(&read(&file)?)?;
            let n = records::put_assignments(store, &parsed.rows, now).await?;
            audit(store, "cost.assignments.import", &file, &parsed).await?;
            outcome("assignments", &file, n, &parsed.rejected, json)
        }
        CostCommand::Assignments { action: None } => print_json(&records::assignments(store).await?),
        CostCommand::Centres { action: Some(ImportAction::Import { file, json }) } => {
            let parsed = import::cost_centres(&read(&file)?)?;
            let n = records::put_cost_centres(store, &parsed.rows, now).await?;
            audit(store, "cost.centres.import", &file, &parsed).await?;
            outcome("cost centres", &file, n, &parsed.rejected, json)
        }
        CostCommand::Centres { action: None } => {
            for c in records::cost_centres(store).await? {
                println!("{:<20} {:<30} {}", c.id, c.name, c.owner.unwrap_or_default());
            }
            Ok(())
        }
        CostCommand::Budgets { action: Some(ImportAction::Import { file, json }) } => {
            let parsed = import::budgets(&read(&file)?, &cost.currency)?;
            let n = records::put_budgets(store, &parsed.rows, now).await?;
            audit(store, "cost.budgets.import", &file, &parsed).await?;
            outcome("budgets", &file, n, &parsed.rejected, json)
        }
        CostCommand::Budgets { action: None } => {
            for b in records::budgets(store).await? {
                println!("{:<20} {:<8} {}", b.cost_centre, b.period.to_string(), display(b.amount, &b.currency));
            }
            Ok(())
        }
        CostCommand::People { action: Some(ImportAction::Import { file, json }) } => {
            let parsed = import::people(&read(&file)?)?;
            let n = records::put_people(store, &parsed.rows, now).await?;
            audit(store, "cost.people.import", &file, &parsed).await?;
            outcome("people costs", &file, n, &parsed.rejected, json)
        }
        CostCommand::People { action: None } => print_json(&records::people(store).await?),
        CostCommand::Rules { action: Some(RulesAction::Set { file }) } => {
            let rules = import::rules(&read(&file)?)?;
            let before = records::rules(store).await?;
            // Refuse rules naming unknown cost centres before replacing anything.
            steward_cost::allocate::Allocator::new(
                rules.clone(),
                &records::cost_centres(store).await?,
                &cost.default_cost_centre,
                &[],
                &Default::default(),
            )?;
            let n = records::set_rules(store, &rules, now).await?;
            accounts::record(
                store,
                "cost.rules.set",
                file.display().to_string(),
                Some(serde_json::to_value(&before)?),
                Some(serde_json::to_value(&rules)?),
            )
            .await?;
            println!("{n} allocation rule(s) in force");
            Ok(())
        }
        CostCommand::Rules { action: None } => {
            for (i, r) in records::rules(store).await?.iter().enumerate() {
                let target = match (&r.cost_centre, r.split) {
                    (Some(c), _) => format!("→ {c}"),
                    (None, Some(s)) => format!(
                        "split by {s} among {}",
                        if r.among.is_empty() { "all".into() } else { r.among.join(", ") }
                    ),
                    _ => String::new(),
                };
                println!("{:>3}. {} {} {target}", i + 1, r.by, r.value);
            }
            println!("  otherwise → {}", cost.default_cost_centre);
            Ok(())
        }
        CostCommand::Report { period, csv, json } => {
            let period = match period {
                Some(p) => p.parse::<Period>()?,
                None => this_month(),
            };
            let report = report::chargeback(store, cost, period).await?;
            if csv {
                let stdout = std::io::stdout();
                return Ok(report::write_focus_csv(&report, stdout.lock())?);
            }
            if json {
                return print_json(&report);
            }
            println!("Costs for {} ({} lines)", report.period, report.lines.len());
            for c in &report.centres {
                println!("  {:<24} {:>18}", c.name, display(c.billed_cost, &report.currency));
                for (service, amount) in &c.by_service {
                    println!("      {:<20} {:>18}", service, display(*amount, &report.currency));
                }
            }
            println!("  {:<24} {:>18}", "Total", display(report.billed_cost, &report.currency));
            if report.list_cost != report.billed_cost {
                println!("  {:<24} {:>18}", "At list prices", display(report.list_cost, &report.currency));
            }
            if !report.unpriced_skus.is_empty() {
                println!(
                    "Licences without a price (add them to the catalogue's skus): {}",
                    report.unpriced_skus.join(", ")
                );
            }
            Ok(())
        }
        CostCommand::Budget { date, json } => {
            let today = date.unwrap_or_else(|| now.date_naive());
            let statuses = budget::budget_status(store, cost, today).await?;
            let alerts = budget::alerts_from(&statuses, cost);
            if json {
                return print_json(&serde_json::json!({"statuses": statuses, "alerts": alerts}));
            }
            let money = |v: Option<i64>| v.map_or_else(|| "—".to_string(), |v| display(v, &cost.currency));
            println!(
                "{:<22} {:>16} {:>16} {:>16} {:>16} {:>16}  state",
                "cost centre", "month budget", "month actual", "projected", "year budget", "year projected"
            );
            for s in &statuses {
                println!(
                    "{:<22} {:>16} {:>16} {:>16} {:>16} {:>16}  {}",
                    s.name,
                    money(s.month_budget),
                    money(Some(s.month_actual)),
                    money(Some(s.month_projected)),
                    money(s.year_budget),
                    money(Some(s.year_projected)),
                    s.state
                );
            }
            for a in &alerts {
                println!("ALERT {}", a.message);
            }
            Ok(())
        }
        CostCommand::Forecast { months, json } => {
            let forecasts = budget::consumption_forecasts(store, months.clamp(1, 36)).await?;
            if json {
                return print_json(&forecasts);
            }
            if forecasts.is_empty() {
                println!("No consumption recorded yet: run `steward cost snapshot` monthly (the forecasts job does).");
            }
            for f in &forecasts {
                print_forecast(f);
            }
            Ok(())
        }
        CostCommand::Unused { date, json } => {
            let today = date.unwrap_or_else(|| now.date_naive());
            let report = unused::unused_licences(store, cost, today).await?;
            if json {
                return print_json(&report);
            }
            for i in &report.items {
                println!(
                    "{:<30} {:<28} {:>14}/month  {}",
                    i.upn.as_deref().unwrap_or(&i.display_name),
                    i.entry_name,
                    display(i.monthly_amount, &report.currency),
                    i.reason
                );
            }
            println!("{} licence(s), {} a month", report.items.len(), display(report.monthly_total, &report.currency));
            if !report.complete {
                println!(
                    "Note: the usage history does not reach back to {}; some of these may be in use.",
                    report.since
                );
            }
            Ok(())
        }
        CostCommand::Snapshot { date } => {
            let today = date.unwrap_or_else(|| now.date_naive());
            let n = budget::record_month(store, cost, today, now).await?;
            println!("{n} consumption figure(s) recorded for {}", Period::month_of(today));
            Ok(())
        }
    }
}

fn print_forecast(f: &forecast::Forecast) {
    println!("{} ({}, {} months of history)", f.metric, f.method, f.history);
    for p in f
        .points
        .iter()
        .filter(|p| [1, 3, 6, 12].iter().any(|k| f.points.get(k - 1).is_some_and(|q| q.month == p.month)))
    {
        println!("  {}  {:>12.1}  ({:.1} – {:.1})", p.month, p.value, p.low, p.high);
    }
}
