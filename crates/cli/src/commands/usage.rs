//! `steward usage …`: the most used resources, trends, unused resources, sudden drops, and what
//! the usage store holds. Every subcommand prints a table, or JSON with `--json`.
//!
//! Windows end on the newest counted day unless told otherwise (`--to`, `--as-of`), so that an
//! estate imported from last year's audit files shows last year's figures, not empty weeks.

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use steward_model::{ResourceKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::Store;
use steward_store::usage::{ResourceUsageQuery, UsageOrder};
use steward_usage::trends::{self, AnomalyQuery, DropParams, InactiveQuery, Window};

#[derive(Debug, clap::Subcommand)]
pub enum UsageCommand {
    /// The most used resources over a window.
    Top {
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        filters: Filters,
        /// Rank by uses (launches, runs, sessions) or by distinct users.
        #[arg(long, value_enum, default_value_t = By::Uses)]
        by: By,
        /// How many resources to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Uses and users of one scope per day, week or month, with moving averages and growth.
    Trend {
        /// What to follow: the tenant, an environment, a resource or a maker.
        #[arg(long, default_value_t = UsageScope::Tenant)]
        scope: UsageScope,
        /// The environment, resource or maker (principal) id; for the tenant scope, the tenant
        /// (default: every tenant added up).
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// One point per day, ISO week or month.
        #[arg(long, default_value_t = UsagePeriod::Day)]
        period: UsagePeriod,
        /// `use` (launches, runs, sessions; users) or `make` (creates, edits, publishes, shares; makers).
        #[arg(long, default_value_t = UsageMetric::Use)]
        metric: UsageMetric,
        #[command(flatten)]
        window: WindowArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Resources nobody used for a number of days, or never used since their creation.
    Inactive {
        /// No use in this many days up to the as-of day.
        #[arg(long, default_value_t = InactiveQuery::DEFAULT_DAYS)]
        days: u32,
        /// Only resources never used at all, created more than --grace-days ago.
        #[arg(long)]
        never_used: bool,
        /// With --never-used: how old a resource must be before never using it counts.
        #[arg(long, default_value_t = InactiveQuery::DEFAULT_GRACE_DAYS, value_name = "DAYS")]
        grace_days: u32,
        /// The day to judge as of (default: the newest counted day).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        #[command(flatten)]
        filters: Filters,
        /// List at most this many (the count of all matches is printed anyway).
        #[arg(long)]
        limit: Option<usize>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Busy resources whose use dropped suddenly.
    Anomalies {
        /// The last day of the recent window (default: the newest counted day).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Days of the recent window.
        #[arg(long, default_value_t = DropParams::default().recent_days, value_name = "DAYS")]
        recent_days: u32,
        /// Days of the baseline, right before the recent window.
        #[arg(long, default_value_t = DropParams::default().baseline_days, value_name = "DAYS")]
        baseline_days: u32,
        /// Only resources averaging at least this many uses a day over the baseline.
        #[arg(long, default_value_t = DropParams::default().min_baseline, value_name = "USES")]
        min_baseline: f64,
        /// Flag when the recent average is below (1 - DROP) × baseline (0.5: halved).
        #[arg(long, default_value_t = DropParams::default().drop)]
        drop: f64,
        #[command(flatten)]
        filters: Filters,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// What the usage store holds: records counted, days, sealed days, rollup rows.
    Status {
        /// Only this tenant.
        #[arg(long, value_name = "ID")]
        tenant: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// A window of days.
#[derive(Debug, clap::Args)]
pub struct WindowArgs {
    /// The window's length, ending on --to [default: 30; trend: 90].
    #[arg(long, conflicts_with = "from")]
    days: Option<u32>,
    /// The window's first day (instead of --days).
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<NaiveDate>,
    /// The window's last day (default: the newest counted day).
    #[arg(long, visible_alias = "as-of", value_name = "YYYY-MM-DD")]
    to: Option<NaiveDate>,
}

/// Which resources to look at.
#[derive(Debug, clap::Args)]
pub struct Filters {
    /// Only this tenant.
    #[arg(long, value_name = "ID")]
    tenant: Option<String>,
    /// Only this kind (repeat for several): canvas_app, cloud_flow, agent, …
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<ResourceKind>,
    /// Only this environment.
    #[arg(long, value_name = "ID")]
    environment: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum By {
    Uses,
    Users,
}

const TOP_DAYS: u32 = 30;
const TREND_DAYS: u32 = 90;

pub async fn run(cmd: UsageCommand, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let mut out = String::new();
    answer(cmd, store.as_ref(), &mut out).await?;
    emit(&out)
}

/// The answer is written whole at the end, so that a reader who stops early (`| head`) ends
/// the command quietly instead of breaking it halfway through a table.
async fn answer(cmd: UsageCommand, store: &dyn Store, out: &mut String) -> anyhow::Result<()> {
    match cmd {
        UsageCommand::Top { window, filters, by, limit, json } => {
            let today = trends::newest_day(store, filters.tenant.as_deref()).await?;
            let w = Window::resolve(window.from, window.to, window.days, TOP_DAYS, today)?;
            let query = ResourceUsageQuery {
                tenant_id: filters.tenant,
                kinds: filters.kinds,
                environment_id: filters.environment,
                from: w.from,
                to: w.to,
                include_unused: false,
                order: match by {
                    By::Uses => UsageOrder::Uses,
                    By::Users => UsageOrder::Users,
                },
                limit: Some(limit),
            };
            let report = trends::top(store, &query).await.context("cannot read the most used resources")?;
            if json {
                return write_json(out, &report);
            }
            let by = match by {
                By::Uses => "uses",
                By::Users => "users",
            };
            writeln!(out, "most used resources, {} to {} ({} days), by {by}", w.from, w.to, w.days())?;
            if report.items.is_empty() {
                writeln!(out, "no use in this window; `steward usage status` shows which days the store holds")?;
                return Ok(());
            }
            writeln!(
                out,
                "{:>4}  {:>9}  {:>6}  {:>5}  {:>5}  {:<16}  {:<10}  {:<36}  ID",
                "RANK", "USES", "USERS", "DAYS", "DEPTS", "KIND", "LAST USE", "NAME"
            )?;
            for (i, r) in report.items.iter().enumerate() {
                writeln!(
                    out,
                    "{:>4}  {:>9}  {:>6}  {:>5}  {:>5}  {:<16}  {:<10}  {:<36}  {}",
                    i + 1,
                    r.uses,
                    r.unique_users,
                    r.active_days,
                    r.departments,
                    r.kind.map_or("-", |k| k.as_str()),
                    date(r.last_use),
                    clip(r.display_name.as_deref().unwrap_or("(not in the inventory)"), 36),
                    r.resource_id
                )?;
            }
        }
        UsageCommand::Trend { scope, id, period, metric, window, json } => {
            let tenant = if scope == UsageScope::Tenant { id.as_deref() } else { None };
            let today = trends::newest_day(store, tenant).await?;
            let w = Window::resolve(window.from, window.to, window.days, TREND_DAYS, today)?;
            let t = trends::trend(store, scope, id.as_deref(), period, metric, w.from, w.to).await?;
            if json {
                return write_json(out, &t);
            }
            let (uses, users) = match metric {
                UsageMetric::Use => ("USES", "USERS"),
                UsageMetric::Make => ("ACTIONS", "MAKERS"),
            };
            writeln!(
                out,
                "{scope} {}: {metric} per {period}, {} to {}; {} {} in all",
                t.scope_id.as_deref().unwrap_or("(every tenant)"),
                t.from,
                t.to,
                t.uses,
                uses.to_lowercase()
            )?;
            writeln!(
                out,
                "growth of daily {}: 7 days {}, 30 days {}, 90 days {}",
                uses.to_lowercase(),
                percent(t.growth.days_7),
                percent(t.growth.days_30),
                percent(t.growth.days_90)
            )?;
            if period == UsagePeriod::Day {
                writeln!(
                    out,
                    "{:<10}  {:>8}  {:>7}  {:>9}  {:>9}  {:>9}",
                    "DAY", uses, users, "AVG 7D", "AVG 30D", "USERS 7D"
                )?;
                for p in &t.points {
                    writeln!(
                        out,
                        "{:<10}  {:>8}  {:>7}  {:>9}  {:>9}  {:>9}",
                        p.start.to_string(),
                        p.uses,
                        p.users,
                        mean(p.uses_avg_7),
                        mean(p.uses_avg_30),
                        mean(p.users_avg_7)
                    )?;
                }
            } else {
                writeln!(out, "{:<10}  {:>8}  {:>7}", period.as_str().to_uppercase(), uses, users)?;
                for p in &t.points {
                    writeln!(out, "{:<10}  {:>8}  {:>7}", p.start.to_string(), p.uses, p.users)?;
                }
            }
        }
        UsageCommand::Inactive { days, never_used, grace_days, as_of, filters, limit, json } => {
            let as_of = match as_of {
                Some(d) => d,
                None => trends::newest_day(store, filters.tenant.as_deref()).await?,
            };
            let query = InactiveQuery {
                tenant_id: filters.tenant,
                kinds: filters.kinds,
                environment_id: filters.environment,
                as_of,
                days,
                never_used,
                grace_days,
                limit,
            };
            let report = trends::inactive(store, &query).await.context("cannot list inactive resources")?;
            if json {
                return write_json(out, &report);
            }
            let kinds: Vec<&str> = report.kinds.iter().map(|k| k.as_str()).collect();
            let kinds = if kinds.is_empty() { "none used yet".to_string() } else { kinds.join(", ") };
            if never_used {
                writeln!(
                    out,
                    "{} resources never used, created more than {grace_days} days before {as_of} (kinds: {kinds})",
                    report.total
                )?;
            } else {
                writeln!(
                    out,
                    "{} resources without use in the {days} days up to {as_of} (kinds: {kinds})",
                    report.total
                )?;
            }
            if report.items.is_empty() {
                return Ok(());
            }
            writeln!(
                out,
                "{:>5}  {:<10}  {:<16}  {:<36}  {:<24}  {:<24}  ID",
                "IDLE", "LAST USE", "KIND", "NAME", "OWNER", "ENVIRONMENT"
            )?;
            for r in &report.items {
                writeln!(
                    out,
                    "{:>5}  {:<10}  {:<16}  {:<36}  {:<24}  {:<24}  {}",
                    r.idle_days,
                    if r.never_used { "never".to_string() } else { date(r.last_use) },
                    r.kind.as_str(),
                    clip(&r.display_name, 36),
                    clip(r.owner.as_deref().unwrap_or("-"), 24),
                    clip(&r.environment_id, 24),
                    r.resource_id
                )?;
            }
            if report.items.len() < report.total {
                writeln!(out, "… {} more; raise --limit or use --json", report.total - report.items.len())?;
            }
        }
        UsageCommand::Anomalies { as_of, recent_days, baseline_days, min_baseline, drop, filters, json } => {
            let as_of = match as_of {
                Some(d) => d,
                None => trends::newest_day(store, filters.tenant.as_deref()).await?,
            };
            let query = AnomalyQuery {
                tenant_id: filters.tenant,
                kinds: filters.kinds,
                environment_id: filters.environment,
                as_of,
                params: DropParams { recent_days, baseline_days, min_baseline, drop },
            };
            let report = trends::anomalies(store, &query).await?;
            if json {
                return write_json(out, &report);
            }
            writeln!(
                out,
                "{} sudden drops among {} busy resources: daily uses {} to {} against {} to {} \
                 (busy: at least {min_baseline} a day; drop: below {:.0}% of it)",
                report.items.len(),
                report.busy,
                report.recent.from,
                report.recent.to,
                report.baseline.from,
                report.baseline.to,
                (1.0 - drop) * 100.0
            )?;
            if report.items.is_empty() {
                return Ok(());
            }
            writeln!(
                out,
                "{:>6}  {:>9}  {:>9}  {:<16}  {:<36}  {:<24}  ID",
                "DROP", "BASELINE", "RECENT", "KIND", "NAME", "OWNER"
            )?;
            for a in &report.items {
                writeln!(
                    out,
                    "{:>5.0}%  {:>9.1}  {:>9.1}  {:<16}  {:<36}  {:<24}  {}",
                    a.figures.drop_pct,
                    a.figures.baseline,
                    a.figures.recent,
                    a.kind.map_or("-", |k| k.as_str()),
                    clip(a.display_name.as_deref().unwrap_or("(not in the inventory)"), 36),
                    clip(a.owner.as_deref().unwrap_or("-"), 24),
                    a.resource_id
                )?;
            }
        }
        UsageCommand::Status { tenant, json } => {
            let report = trends::status(store, tenant.as_deref()).await.context("cannot read the usage status")?;
            if json {
                return write_json(out, &report);
            }
            let s = &report.status;
            writeln!(out, "backend         {}", store.backend())?;
            writeln!(out, "records         {}", s.records)?;
            match (s.first_day, s.last_day) {
                (Some(first), Some(last)) => writeln!(out, "days            {} ({first} to {last})", report.days)?,
                _ => writeln!(
                    out,
                    "days            0 (no audit records counted yet; see `steward import` and `steward sync`)"
                )?,
            }
            writeln!(out, "sealed before   {}", date(s.sealed_before))?;
            writeln!(out, "rollup rows     {}", s.rollup_rows)?;
        }
    }
    Ok(())
}

fn write_json<T: Serialize>(out: &mut String, value: &T) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("cannot write to standard output"),
        _ => Ok(()),
    }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "-".to_string(), |d| d.to_string())
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a (no use before)".to_string(), |p| format!("{p:+.1}%"))
}

fn mean(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"))
}

/// Cut long names so that the table's columns stay aligned; the id column is never cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
