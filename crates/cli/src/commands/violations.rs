//! `steward violations …`: the violations recorded by checks, one subject's history, and the
//! trend over runs.

use anyhow::Context;
use serde::Serialize;
use std::collections::HashMap;
use steward_report::format::count;
use steward_store::Store;
use steward_store::governance::{Level, SubjectKind, Violation, ViolationQuery, ViolationState};
use steward_store::usage::BriefQuery;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<ViolationsCommand>,
    #[command(flatten)]
    list: ListArgs,
}

#[derive(Debug, clap::Subcommand)]
enum ViolationsCommand {
    /// Every event of a resource's (or an environment's) violations: opened, exempted,
    /// reopened, resolved; oldest first.
    History {
        /// The resource id (or environment id).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open and exempted violations after each run, oldest first: is compliance improving?
    Trend {
        /// One policy (default: every policy).
        #[arg(long, value_name = "ID")]
        policy: Option<String>,
        /// How many runs.
        #[arg(long, default_value_t = 30, value_name = "N")]
        runs: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The list (`steward violations` without a subcommand).
#[derive(Debug, clap::Args)]
struct ListArgs {
    /// open, exempted or resolved (default: open and exempted).
    #[arg(long)]
    state: Option<ViolationState>,
    /// Only this policy.
    #[arg(long, value_name = "ID")]
    policy: Option<String>,
    /// Only this resource.
    #[arg(long, value_name = "ID")]
    resource: Option<String>,
    /// Only subjects in this environment.
    #[arg(long, value_name = "ID")]
    environment: Option<String>,
    /// Only one tenant.
    #[arg(long, value_name = "ID")]
    tenant: Option<String>,
    /// must, should or could.
    #[arg(long)]
    level: Option<Level>,
    /// List at most this many (oldest first).
    #[arg(long, default_value_t = 50, value_name = "N")]
    limit: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match args.command {
        None => list(store, &args.list).await,
        Some(ViolationsCommand::History { id, json }) => history(store, &id, json).await,
        Some(ViolationsCommand::Trend { policy, runs, json }) => trend(store, policy.as_deref(), runs, json).await,
    }
}

/// Display names of the subjects of some violations (resources from the inventory, then
/// environments), for tables.
async fn names(store: &dyn Store, violations: &[Violation]) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let resources: Vec<String> =
        violations.iter().filter(|v| v.subject_kind == SubjectKind::Resource).map(|v| v.subject_id.clone()).collect();
    if !resources.is_empty() {
        let query = BriefQuery { ids: Some(resources), include_deleted: true, ..Default::default() };
        for b in store.resource_briefs(&query).await? {
            out.insert(b.id, b.display_name);
        }
    }
    let mut environments: Vec<&str> = violations
        .iter()
        .filter(|v| v.subject_kind == SubjectKind::Environment)
        .map(|v| v.subject_id.as_str())
        .collect();
    environments.sort_unstable();
    environments.dedup();
    for id in environments {
        if let Some(e) = store.get_environment(id).await? {
            out.insert(e.id, e.display_name);
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    violation: &'a Violation,
    name: &'a str,
}

async fn list(store: &dyn Store, args: &ListArgs) -> anyhow::Result<()> {
    let states = match args.state {
        Some(s) => vec![s],
        None => vec![ViolationState::Open, ViolationState::Exempted],
    };
    let query = ViolationQuery {
        states,
        policy_ids: args.policy.iter().cloned().collect(),
        subject_id: args.resource.clone(),
        environment_id: args.environment.clone(),
        tenant_id: args.tenant.clone(),
        resources_among: None,
        levels: args.level.into_iter().collect(),
        // One more than asked tells whether there are more.
        limit: Some(args.limit.saturating_add(1)),
        offset: 0,
    };
    let mut violations = store.list_violations(&query).await.context("cannot list the violations")?;
    let more = violations.len() > args.limit as usize;
    violations.truncate(args.limit as usize);
    let names = names(store, &violations).await?;
    if args.json {
        let rows: Vec<Listed<'_>> = violations
            .iter()
            .map(|v| Listed { violation: v, name: names.get(&v.subject_id).map_or("", String::as_str) })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if violations.is_empty() {
        let runs = store.compliance_runs(1).await?;
        if runs.is_empty() {
            println!("no violations recorded: no check has run yet (`steward check`)");
        } else {
            println!("no violations match");
        }
        return Ok(());
    }
    println!(
        "{:>7}  {:<9} {:>9}  {:<6} {:<44} {:<10} {:<10} SUBJECT",
        "ID", "STATE", "EXEMPTION", "LEVEL", "POLICY", "OPENED", "LAST SEEN"
    );
    for v in &violations {
        let name = names.get(&v.subject_id).filter(|n| !n.is_empty());
        let subject = name.map_or_else(|| v.subject_id.clone(), |n| format!("{n} ({})", v.subject_id));
        let exemption = match (v.state, v.exemption_id) {
            (ViolationState::Exempted, Some(e)) => e.to_string(),
            _ => "-".to_string(),
        };
        println!(
            "{:>7}  {:<9} {:>9}  {:<6} {:<44} {:<10} {:<10} {subject}",
            v.id,
            v.state.as_str(),
            exemption,
            v.level.as_str(),
            v.policy_id,
            v.opened_at.date_naive().to_string(),
            v.last_seen_at.date_naive().to_string()
        );
    }
    if more {
        println!("… more violations match; raise --limit or narrow with --policy, --level, --environment");
    }
    Ok(())
}

async fn history(store: &dyn Store, id: &str, json: bool) -> anyhow::Result<()> {
    let events = store.violation_history(id).await.context("cannot read the violation history")?;
    let episodes = store
        .list_violations(&ViolationQuery { subject_id: Some(id.to_string()), ..Default::default() })
        .await
        .context("cannot list the violations")?;
    if json {
        let out = serde_json::json!({ "subject_id": id, "violations": episodes, "events": events });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if events.is_empty() {
        let known = store.get_resource(id).await?.is_some() || store.get_environment(id).await?.is_some();
        if known {
            println!("{id}: no violation recorded, ever");
        } else {
            anyhow::bail!(
                "no resource or environment '{id}' in the database; `steward violations` lists the subjects with \
                 violations"
            );
        }
        return Ok(());
    }
    let names = names(store, &episodes).await?;
    let name = names.get(id).filter(|n| !n.is_empty()).map_or_else(String::new, |n| format!(" ({n})"));
    let live = episodes.iter().filter(|v| v.state != ViolationState::Resolved).count();
    println!(
        "{id}{name}: {} violation episode{}, {live} live (open or exempted)",
        episodes.len(),
        if episodes.len() == 1 { "" } else { "s" }
    );
    println!("{:<17}  {:<9} {:<40} {:>9}  NOTE", "AT", "EVENT", "POLICY", "VIOLATION");
    for e in &events {
        let note = match (&e.note, e.exemption_id) {
            (Some(n), _) => n.clone(),
            (None, Some(x)) => format!("exemption {x}"),
            (None, None) => String::new(),
        };
        println!(
            "{:<17}  {:<9} {:<40} {:>9}  {note}",
            e.at.format("%Y-%m-%d %H:%M").to_string(),
            e.kind.as_str(),
            e.policy_id,
            e.violation_id
        );
    }
    Ok(())
}

async fn trend(store: &dyn Store, policy: Option<&str>, runs: u32, json: bool) -> anyhow::Result<()> {
    let points = store.compliance_trend(policy, runs.max(1)).await.context("cannot read the compliance trend")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&points)?);
        return Ok(());
    }
    if points.is_empty() {
        match policy {
            Some(p) => println!("no run evaluated policy '{p}' yet (`steward check`)"),
            None => println!("no compliance run yet (`steward check`)"),
        }
        return Ok(());
    }
    let what = policy.map_or_else(|| "every policy".to_string(), |p| format!("policy {p}"));
    println!("live violations of {what} after each run, oldest first:");
    println!("{:>6}  {:<17} {:<16} {:>10} {:>10}  CHANGE (OPEN)", "RUN", "AT", "SET", "OPEN", "EXEMPTED");
    let mut previous: Option<u64> = None;
    for p in &points {
        let change = previous.map_or_else(String::new, |was| {
            let delta = i64::try_from(p.open).unwrap_or(i64::MAX) - i64::try_from(was).unwrap_or(i64::MAX);
            format!("  {}", steward_report::format::change(delta))
        });
        println!(
            "{:>6}  {:<17} {:<16} {:>10} {:>10}{change}",
            p.run_id,
            p.at.format("%Y-%m-%d %H:%M").to_string(),
            p.policy_set_version,
            count(p.open),
            count(p.exempted)
        );
        previous = Some(p.open);
    }
    Ok(())
}
