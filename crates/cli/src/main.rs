//! `steward`: the command line and the server of Steward, in one binary.
//!
//! Every subcommand's `--help` is its manual. Configuration comes from flags, then `STEWARD_*`
//! environment variables, then `steward.toml`, then defaults (see docs/configuration.md).

mod after_sync_policies;
mod after_usage;
mod bench;
mod commands;
mod config;
mod db;
mod jobs;
mod progress;
mod rss;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Steward: a self-hosted Center of Excellence for low-code estates (Power Platform first).
#[derive(Debug, Parser)]
#[command(name = "steward", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Database URL: sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "STEWARD_DATABASE_URL", value_name = "URL")]
    db: Option<String>,

    /// Configuration file (default: ./steward.toml when it exists).
    #[arg(long, global = true, env = "STEWARD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run Steward on a synthetic tenant: generate it, import it into an embedded SQLite file, serve it.
    Demo(commands::demo::Args),
    /// Write a deterministic synthetic tenant in the real Microsoft wire formats.
    Generate(commands::generate::Args),
    /// Import a tenant dump, a Purview audit export, CoE Starter Kit tables or a Steward import into the database.
    Import(commands::import::Args),
    /// Create or upgrade the database schema.
    Migrate,
    /// Inventory every configured source (`[[sources]]` in steward.toml) and read its usage feed.
    Sync(commands::sync::Args),
    /// Serve a synthetic tenant at the real Microsoft API paths (to try `steward sync` without a tenant).
    FakeTenant(commands::fake_tenant::Args),
    /// Serve the web UI and the REST API.
    Serve(commands::serve::Args),
    /// Usage analytics: top resources, trends, inactive resources.
    #[command(subcommand)]
    Usage(commands::usage::UsageCommand),
    /// Success detection: evaluate the rules, review detections, change the rules.
    #[command(subcommand)]
    Success(commands::success::SuccessCommand),
    /// What makers and the CoE declare about a resource: business impact, justification,
    /// mitigation plan, support tier and steps.
    #[command(subcommand)]
    Resource(commands::resource::ResourceCommand),
    /// Business value: import and list value records, compute values for a period, assessments.
    #[command(subcommand)]
    Value(commands::value::ValueCommand),
    /// Costs: licence catalogue, cost centres, budgets, rules, chargeback (FOCUS CSV), forecasts, unused licences.
    #[command(subcommand)]
    Cost(commands::cost::CostCommand),
    /// Reports for the governance board.
    #[command(subcommand)]
    Report(commands::report::ReportCommand),
    /// Evaluate policies over the estate; record the run, or show what a set would change (--dry-run).
    Check(commands::check::Args),
    /// Policies as code: list, show, validate, save and adopt versions, history, diff.
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Violations recorded by checks, a resource's history, the trend over runs.
    Violations(commands::violations::Args),
    /// Exemptions from a policy: add, list, revoke.
    #[command(subcommand)]
    Exempt(commands::exempt::ExemptCommand),
    /// Notifications: send a test message, list the delivery log, retry a delivery.
    #[command(subcommand)]
    Notify(commands::notify::NotifyCommand),
    /// Who answers for a resource: criticality and why, service level, support profile, RACI.
    Responsibility(commands::responsibility::Args),
    /// Maturity assessments: models, new, answer, report (text, JSON, HTML), complete, ALM decision.
    #[command(subcommand)]
    Assess(commands::assess::AssessCommand),
    /// Campaigns: ask owners, managers and the platform team to act; answers, reminders, escalations, write actions.
    #[command(subcommand)]
    Campaign(commands::campaign::CampaignCommand),
    /// Local accounts: add, list, disable, enable, set a password, change a role.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// API tokens: create (shown once), list, revoke.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// Run queued jobs and fire schedules, without serving HTTP (`steward serve` runs them too).
    Worker(commands::worker::Args),
    /// The job queue: list jobs and runs, run a schedule now, requeue or cancel a job, schedules.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
    /// Measure Steward's speed and memory; prints figures for BENCHMARKS.md.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

fn main() -> std::process::ExitCode {
    init_tracing();
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `steward check --fail-on`: the output is printed; a status of its own for CI.
        Err(err) if err.is::<commands::check::ViolationsFound>() => {
            eprintln!("{err}");
            std::process::ExitCode::from(commands::check::ViolationsFound::EXIT_CODE)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `steward violations | head`: once the reader has gone, the next `println!` panics on a broken
/// pipe (Rust ignores SIGPIPE). End quietly with the status a shell expects from SIGPIPE
/// (128 + 13) instead of printing a panic; every other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // Shared with the job handlers of `serve` and `worker`; `&config` still reads as `&Config`.
    let config = std::sync::Arc::new(config::Config::load(cli.config.as_deref())?);
    let db_url = cli.db.clone().or_else(|| config.database.url.clone());
    match cli.command {
        Command::Demo(args) => commands::demo::run(args, db_url).await,
        Command::Generate(args) => commands::generate::run(args),
        Command::Import(args) => commands::import::run(args, &config::database_url(db_url), &config).await,
        Command::Migrate => commands::migrate::run(&config::database_url(db_url)).await,
        Command::Sync(args) => commands::sync::run(args, &config, &config::database_url(db_url)).await,
        Command::FakeTenant(args) => commands::fake_tenant::run(args).await,
        Command::Serve(args) => commands::serve::run(args, &config::database_url(db_url), &config).await,
        Command::Usage(cmd) => commands::usage::run(cmd, &config::database_url(db_url)).await,
        Command::Success(cmd) => commands::success::run(cmd, &config::database_url(db_url)).await,
        Command::Report(cmd) => commands::report::run(cmd, &config, &config::database_url(db_url)).await,
        Command::Value(cmd) => commands::value::run(cmd, &config, &config::database_url(db_url)).await,
        Command::Cost(cmd) => commands::cost::run(cmd, &config, &config::database_url(db_url)).await,
        Command::Resource(cmd) => commands::resource::run(cmd, &config::database_url(db_url)).await,
        Command::Check(args) => commands::check::run(args, &config, &config::database_url(db_url)).await,
        Command::Policy(cmd) => commands::policy::run(cmd, &config, &config::database_url(db_url)).await,
        Command::Violations(args) => commands::violations::run(args, &config::database_url(db_url)).await,
        Command::Exempt(cmd) => commands::exempt::run(cmd, &config::database_url(db_url)).await,
        Command::Notify(cmd) => commands::notify::run(cmd, &config, &config::database_url(db_url)).await,
        Command::Assess(command) => commands::assess::run(command, &config, &config::database_url(db_url)).await,
        Command::Responsibility(args) => {
            commands::responsibility::run(args, &config, &config::database_url(db_url)).await
        }
        Command::Campaign(cmd) => commands::campaign::run(cmd, &config, &config::database_url(db_url)).await,
        Command::User(cmd) => commands::user::run(cmd, &config::database_url(db_url)).await,
        Command::Token(cmd) => commands::token::run(cmd, &config::database_url(db_url)).await,
        Command::Worker(args) => commands::worker::run(args, &config::database_url(db_url), &config).await,
        Command::Jobs(cmd) => commands::jobs::run(cmd, &config::database_url(db_url), &config).await,
        Command::Bench(cmd) => bench::run(cmd).await,
    }
}

/// Logs go to stderr so that stdout stays machine-readable (`--json`, the printed URL).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STEWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,steward=info,steward_server=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}
