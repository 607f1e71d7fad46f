//! `steward campaign …`: start campaigns from current data, list them and their tasks, record
//! answers, let time pass (`tick`, what a scheduler runs), read a task's audit trail, and carry
//! out a task's write action (a dry run first; only when enabled in `[campaigns.actions]`).

use crate::config::{Config, Source};
use anyhow::Context;
use async_trait::async_trait;
use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::HashMap;
use steward_campaigns::feed::{StartOptions, StartReport, StepTaken, TickReport, start, tick};
use steward_campaigns::manage::{self, TaskView, execute_action, parse_answer, plan_action};
use steward_campaigns::transport::power_platform_actions;
use steward_campaigns::{
    ActionEndpoints, ActionKind, ActionPlan, CampaignKind, HttpCall, HttpReply, HttpTransport, PowerPlatformActions,
    TenantActions,
};
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::campaigns::{CampaignQuery, CampaignState, CampaignTask};

#[derive(Debug, clap::Subcommand)]
pub enum CampaignCommand {
    /// Plan a campaign from current data and open it; with --dry-run, print the tasks it would open.
    Start {
        /// inactivity (unused resources), orphaned (leavers' resources), compliance (open
        /// violations of policies with effect campaign, notify-owner or recommend-quarantine),
        /// quarantine (violations of recommend-quarantine policies pending long enough) or
        /// promotion (catalog items of succeeding resources, to move one stage forward).
        kind: CampaignKind,
        /// Print the tasks it would open; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Who starts it.
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
        /// The campaign's title (default: the kind and the day).
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
        /// Only this tenant's resources.
        #[arg(long, value_name = "TENANT_ID")]
        tenant: Option<String>,
        /// Open at most this many tasks (inactivity: the safest to archive first).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// The moment to plan for (RFC 3339 or YYYY-MM-DD, UTC; default: now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<Timestamp>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List campaigns, newest first.
    List {
        /// Only campaigns of this kind.
        #[arg(long)]
        kind: Option<CampaignKind>,
        /// open or closed.
        #[arg(long, value_parser = parse_campaign_state)]
        state: Option<CampaignState>,
        #[arg(long)]
        json: bool,
    },
    /// List tasks: of a campaign, of an assignee, in a state.
    Tasks {
        #[arg(long, value_name = "ID")]
        campaign: Option<i64>,
        /// A principal id, a UPN, or a team (e.g. the platform team).
        #[arg(long, value_name = "UPN")]
        assignee: Option<String>,
        /// open, closed, or a task state (asked_owner, escalated_to_manager, requested, …).
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record an answer on a task: fixed, exempted, keep, archive, take_over, reassign, delete,
    /// accept, decline, done or withdraw (`steward campaign tasks` shows what each task takes).
    Answer {
        /// The task id.
        task: i64,
        /// The answer.
        answer: String,
        /// Who answers (a principal id or UPN; `take_over` makes them the owner).
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
        /// The reason (needed by exempted, keep, decline and withdraw); for other answers, a note
        /// kept in the audit trail.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// reassign: the new owner (a principal id or UPN).
        #[arg(long, value_name = "PRINCIPAL")]
        to: Option<String>,
        /// When the answer was given (RFC 3339 or YYYY-MM-DD, UTC; default: now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<Timestamp>,
        #[arg(long)]
        json: bool,
    },
    /// Take what time makes due: reminders, escalations, archives falling due; close tasks of
    /// deleted resources and campaigns whose tasks are all closed. What a scheduler runs.
    Tick {
        /// The moment to run for (RFC 3339 or YYYY-MM-DD, UTC; default: now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<Timestamp>,
        #[arg(long)]
        json: bool,
    },
    /// A task and its audit trail: who did what, before, after, when, why.
    History {
        task: i64,
        #[arg(long)]
        json: bool,
    },
    /// Write actions: the dry run of a task's action, and carrying it out.
    #[command(subcommand)]
    Action(ActionCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum ActionCommand {
    /// The exact call a task's write action would make, and its digest (works while the action
    /// is disabled: it is how an admin sees what would happen).
    Plan {
        task: i64,
        /// archive, quarantine or delete (default: the one the task waits for).
        #[arg(long, value_name = "ACTION")]
        action: Option<ActionKind>,
        #[arg(long)]
        json: bool,
    },
    /// Carry out the action a task waits for, if enabled in [campaigns.actions], with the digest
    /// its dry run printed; then record `done` on the task.
    Execute {
        task: i64,
        /// The digest `steward campaign action plan` printed.
        #[arg(long, value_name = "DIGEST")]
        digest: String,
        /// archive, quarantine or delete (default: the one the task waits for).
        #[arg(long, value_name = "ACTION")]
        action: Option<ActionKind>,
        /// Who carries it out (recorded with `done`).
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<Timestamp>,
        #[arg(long)]
        json: bool,
    },
}

/// RFC 3339 (`2026-03-01T12:00:00Z`) or a day (`2026-03-01`, midnight UTC).
fn parse_time(text: &str) -> Result<Timestamp, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    match text.parse::<NaiveDate>() {
        Ok(day) => Ok(Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))),
        Err(_) => Err(format!("'{text}' is neither an RFC 3339 time (2026-03-01T12:00:00Z) nor a day (2026-03-01)")),
    }
}

fn parse_campaign_state(text: &str) -> Result<CampaignState, String> {
    text.parse().map_err(|e: steward_model::UnknownValue| e.to_string())
}

pub async fn run(cmd: CampaignCommand, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match cmd {
        CampaignCommand::Start { kind, dry_run, by, title, tenant, limit, now, json } => {
            let options = StartOptions { kind, title, by, tenant, now: now.unwrap_or_else(Utc::now), dry_run, limit };
            let report = start(store, &config.campaigns, &options)
                .await
                .with_context(|| format!("cannot start a {kind} campaign"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_start(store, &report).await?;
            }
        }
        CampaignCommand::List { kind, state, json } => {
            let query = CampaignQuery { kind: kind.map(|k| k.as_str().to_string()), state };
            let mut campaigns = store.list_campaigns(&query).await.context("cannot list campaigns")?;
            campaigns.reverse();
            if json {
                println!("{}", serde_json::to_string_pretty(&campaigns)?);
            } else if campaigns.is_empty() {
                println!(
                    "no campaigns; start one with `steward campaign start inactivity|orphaned|compliance|quarantine|promotion`"
                );
            } else {
                println!(
                    "{:>5}  {:<11}  {:<6}  {:>5}  {:>5}  {:<16}  {:<14}  TITLE",
                    "ID", "KIND", "STATE", "TASKS", "OPEN", "CREATED", "BY"
                );
                for c in &campaigns {
                    println!(
                        "{:>5}  {:<11}  {:<6}  {:>5}  {:>5}  {:<16}  {:<14}  {}",
                        c.id,
                        c.kind,
                        c.state,
                        c.tasks,
                        c.open_tasks,
                        c.created_at.format("%Y-%m-%d %H:%M"),
                        c.created_by,
                        c.title
                    );
                }
            }
        }
        CampaignCommand::Tasks { campaign, assignee, state, json } => {
            let query = manage::task_query(store, campaign, assignee.as_deref(), state.as_deref()).await?;
            let rows = store.list_campaign_tasks(&query).await.context("cannot list tasks")?;
            let views = rows.into_iter().map(TaskView::new).collect::<Result<Vec<_>, _>>()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else if views.is_empty() {
                println!("no tasks match");
            } else {
                let names = manage::people(store, views.iter().map(|v| v.task.assignee.as_str())).await?;
                println!(
                    "{:>6}  {:>4}  {:<10}  {:<22}  {:<28}  {:<10}  {:<34}  ANSWERS",
                    "ID", "CAMP", "KIND", "STATE", "ASSIGNEE", "DUE", "RESOURCE"
                );
                for v in &views {
                    let t = &v.task;
                    let due = t.due_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "-".into());
                    println!(
                        "{:>6}  {:>4}  {:<10}  {:<22}  {:<28}  {:<10}  {:<34}  {}",
                        t.id,
                        t.campaign_id,
                        t.kind,
                        t.state,
                        shown(&names, &t.assignee),
                        due,
                        resource_label(t),
                        v.answers.join(" ")
                    );
                }
            }
        }
        CampaignCommand::Answer { task, answer, by, note, to, now, json } => {
            let by = manage::resolve_principal(store, &by).await?;
            let to = match to {
                Some(to) => Some(manage::resolve_principal(store, &to).await?),
                None => None,
            };
            let answer = parse_answer(&answer, note.as_deref(), to.as_deref())?;
            let applied = manage::answer_task(store, task, &answer, &by, note.as_deref(), now.unwrap_or_else(Utc::now))
                .await
                .with_context(|| format!("cannot record `{}` on task {task}", answer.as_str()))?;
            let step = StepTaken::from(&applied);
            if json {
                println!("{}", serde_json::to_string_pretty(&step)?);
            } else {
                let names = manage::people(store, [step.assignee.as_str(), step.actor.as_str()]).await?;
                println!(
                    "task {} ({} {}): {} → {} by {}; now with {}",
                    step.task_id,
                    step.kind,
                    label(&step.resource_name, &step.resource_id),
                    step.from,
                    step.to,
                    shown(&names, &step.actor),
                    shown(&names, &step.assignee)
                );
                if let Some(action) = &step.recommend {
                    println!(
                        "  write action due: {} — see `steward campaign action plan {}`",
                        action.kind, step.task_id
                    );
                }
            }
        }
        CampaignCommand::Tick { now, json } => {
            let report =
                tick(store, now.unwrap_or_else(Utc::now)).await.context("cannot run the campaigns' due steps")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_tick(&report);
            }
        }
        CampaignCommand::History { task, json } => {
            let detail = manage::task_detail(store, task).await.with_context(|| format!("cannot read task {task}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&detail)?);
            } else {
                let t = &detail.view.task;
                let names = manage::people(store, [t.assignee.as_str()]).await?;
                println!(
                    "task {} of {} campaign {} \"{}\": {} — {}, with {}",
                    t.id,
                    detail.campaign.kind,
                    detail.campaign.id,
                    detail.campaign.title,
                    resource_label(t),
                    t.state,
                    shown(&names, &t.assignee)
                );
                if !detail.view.answers.is_empty() {
                    println!("answers it takes: {}", detail.view.answers.join(", "));
                }
                if let Some(action) = detail.view.pending_action {
                    println!("waits for the {action} action: `steward campaign action plan {}`", t.id);
                }
                for e in &detail.history {
                    let from = e.from_state.as_deref().map_or(String::new(), |f| format!("{f} → "));
                    let note = e.note.as_deref().map_or(String::new(), |n| format!("  ({n})"));
                    println!(
                        "  {}  {:<16}  {:<18}  {from}{}{note}",
                        e.at.format("%Y-%m-%d %H:%M"),
                        e.actor,
                        e.action,
                        e.to_state
                    );
                }
            }
        }
        CampaignCommand::Action(ActionCommand::Plan { task, action, json }) => {
            let (actions, note) = tenant_actions(store, config, task, false).await?;
            let plan = plan_action(store, actions.as_ref(), task, action).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print_plan(task, &plan, note.as_deref());
            }
        }
        CampaignCommand::Action(ActionCommand::Execute { task, digest, action, by, now, json }) => {
            let (actions, _) = tenant_actions(store, config, task, true).await?;
            let by = manage::resolve_principal(store, &by).await?;
            let executed =
                execute_action(store, actions.as_ref(), task, action, &digest, &by, now.unwrap_or_else(Utc::now))
                    .await
                    .with_context(|| format!("cannot carry out the action of task {task}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&executed)?);
            } else {
                let o = &executed.outcome;
                println!("carried out {} on {}: HTTP {}", o.action.kind, o.action.resource_id, o.status);
                if let Some(note) = &o.note {
                    println!("  {note}");
                }
                match &executed.recorded {
                    Some(step) => println!("task {} is now {} (recorded by {})", step.task_id, step.to, step.actor),
                    None => println!("{}", executed.note.as_deref().unwrap_or_default()),
                }
            }
        }
    }
    Ok(())
}

/// The write actions for the tenant of `task`: through the configured source of that tenant.
/// Without one, a dry run still shows the call on the commercial cloud's hosts (with a note);
/// carrying it out needs the source.
async fn tenant_actions(
    store: &dyn Store,
    config: &Config,
    task: i64,
    execute: bool,
) -> anyhow::Result<(Box<dyn TenantActions>, Option<String>)> {
    let row = store
        .get_campaign_task(task)
        .await?
        .with_context(|| format!("campaign task {task} not found; `steward campaign tasks` lists them"))?;
    let enabled = config.campaigns.actions;
    let source = config.sources()?.into_iter().find_map(|s| match s {
        Source::PowerPlatform(settings) if settings.tenant_id.eq_ignore_ascii_case(&row.tenant_id) => Some(settings),
        Source::PowerPlatform(_) => None,
    });
    let Some(settings) = source else {
        if execute {
            anyhow::bail!(
                "no [[sources]] entry is configured for tenant {}; Steward sends write actions through that tenant's \
                 source (see docs/configuration.md)",
                row.tenant_id
            );
        }
        let note = format!(
            "no [[sources]] entry for tenant {}: the call is shown on the commercial cloud's hosts; with a source, \
             its cloud and endpoints are used",
            row.tenant_id
        );
        let actions = PowerPlatformActions::new(ActionEndpoints::default(), enabled, NoSource);
        return Ok((Box::new(actions), Some(note)));
    };
    match settings.resolve(&config.base_dir) {
        Ok(resolved) => {
            let client = steward_powerplatform::PowerPlatformClient::new(resolved, Default::default())
                .with_context(|| format!("source `{}`", settings.name))?;
            Ok((Box::new(power_platform_actions(client, enabled)), None))
        }
        Err(e) if !execute => {
            // A dry run needs the endpoints, not the secret.
            let cloud = steward_powerplatform::Endpoints::for_cloud(settings.cloud);
            let pick = |value: &Option<String>, default: String| {
                value.as_deref().map_or(default, |v| v.trim().trim_end_matches('/').to_string())
            };
            let endpoints = ActionEndpoints {
                powerapps: pick(&settings.endpoints.powerapps, cloud.powerapps),
                flow: pick(&settings.endpoints.flow, cloud.flow),
                powerplatform: pick(&settings.endpoints.powerplatform, cloud.powerplatform),
            };
            let note =
                format!("source `{}` cannot connect ({e}); fix that before carrying the action out", settings.name);
            Ok((Box::new(PowerPlatformActions::new(endpoints, enabled, NoSource)), Some(note)))
        }
        Err(e) => Err(e).with_context(|| format!("source `{}`", settings.name)),
    }
}

/// A transport for dry runs only.
struct NoSource;

#[async_trait]
impl HttpTransport for NoSource {
    async fn send(&self, _call: &HttpCall) -> Result<HttpReply, String> {
        Err("no source can send it".into())
    }
}

fn shown(names: &HashMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_string())
}

fn label(name: &str, id: &str) -> String {
    if name.is_empty() { id.to_string() } else { format!("\"{name}\" ({id})") }
}

fn resource_label(t: &CampaignTask) -> String {
    let name = t.data.get("resource_name").and_then(serde_json::Value::as_str).unwrap_or_default();
    label(name, &t.resource_id)
}

async fn print_start(store: &dyn Store, r: &StartReport) -> anyhow::Result<()> {
    let noun = r.kind.task_noun();
    match (&r.campaign, r.dry_run) {
        _ if r.planned.is_empty() => {
            println!("nothing to ask: {} candidate(s), none needs {noun} now; no campaign was opened", r.candidates)
        }
        (_, true) => println!("dry run: {} task(s) would be opened; nothing was written", r.planned.len()),
        (Some(c), false) => println!(
            "opened {} campaign {} \"{}\" with {} task(s){}",
            c.kind,
            c.id,
            c.title,
            r.added.len(),
            if r.skipped.is_empty() {
                String::new()
            } else {
                format!(" ({} skipped: an open task appeared meanwhile)", r.skipped.len())
            }
        ),
        (None, false) => {}
    }
    if !r.planned.is_empty() {
        let names = manage::people(store, r.planned.iter().map(|t| t.assignee.as_str())).await?;
        println!("  {:<40}  {:<16}  {:<28}  {:<22}  WHY", "RESOURCE", "KIND", "ASKED", "STATE");
        for t in &r.planned {
            let kind = t.data.resource_kind.map_or("-", |k| k.as_str());
            println!(
                "  {:<40}  {:<16}  {:<28}  {:<22}  {}",
                label(&t.data.resource_name, &t.resource_id),
                kind,
                shown(&names, &t.assignee),
                t.state.as_str(),
                t.data.opened_because
            );
        }
    }
    if r.left_out > 0 {
        println!("{} more left out by --limit", r.left_out);
    }
    for note in &r.notes {
        println!("note: {note}");
    }
    Ok(())
}

fn print_tick(r: &TickReport) {
    for s in r.deleted.iter().chain(&r.due) {
        let note = s.note.as_deref().map_or(String::new(), |n| format!(" ({n})"));
        println!(
            "task {} {} {}: {} {} → {}, with {}{note}",
            s.task_id,
            s.kind,
            label(&s.resource_name, &s.resource_id),
            s.event,
            s.from,
            s.to,
            s.assignee
        );
        if let Some(action) = &s.recommend {
            println!("  write action due: {} — see `steward campaign action plan {}`", action.kind, s.task_id);
        }
    }
    for id in &r.closed {
        println!("campaign {id} closed: none of its tasks is open");
    }
    println!(
        "{} step(s) due, {} task(s) of deleted resources closed, {} campaign(s) closed{}",
        r.due.len(),
        r.deleted.len(),
        r.closed.len(),
        if r.stale.is_empty() { String::new() } else { format!(", {} task(s) moved meanwhile", r.stale.len()) }
    );
}

fn print_plan(task: i64, plan: &ActionPlan, note: Option<&str>) {
    let call = &plan.call;
    println!("dry run of {} for task {task} ({}):", plan.action.kind, plan.action.resource_id);
    println!("  {} {}", call.method, call.url);
    if let Some(body) = &call.body {
        println!("  body: {body}");
    }
    println!("  service: {}", call.service);
    println!("  effect: {}", plan.effect);
    println!("  documented: {}", plan.source);
    println!("  digest: {}", plan.digest);
    if let Some(note) = note {
        println!("note: {note}");
    }
    if plan.enabled {
        println!("to carry it out: steward campaign action execute {task} --digest {}", plan.digest);
    } else {
        println!(
            "{} is disabled: Steward only records and recommends it; set `{} = true` in steward.toml to let Steward \
             carry it out, or do it by hand and answer `done`",
            plan.action.kind, plan.config_key
        );
    }
}
