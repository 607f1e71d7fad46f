//! `steward jobs`: look at the queue and act on it, from the command line.

use crate::config::Config;
use crate::db;
use anyhow::Context;
use std::sync::Arc;
use steward_store::jobs::{Job, JobQuery, JobRun, JobStatus, RunQuery, RunStatus, Schedule};

#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// Jobs, newest first.
    List {
        /// Only jobs in this state: queued, running, succeeded, dead, cancelled.
        #[arg(long)]
        status: Option<JobStatus>,
        /// Only jobs of this kind, such as sync.usage.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Job runs (one per attempt), newest first: status, duration, worker, error.
    Runs {
        /// Only the runs of this job.
        #[arg(long)]
        job: Option<i64>,
        #[arg(long)]
        kind: Option<String>,
        /// Only runs that ended so: running, succeeded, failed, dead, lost, released, cancelled.
        #[arg(long)]
        status: Option<RunStatus>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// The schedules (as the running workers stored them): cron, time zone, last and next slot.
    Schedules {
        #[arg(long)]
        json: bool,
    },
    /// Queue a schedule's job now (a running worker picks it up).
    RunNow {
        /// The schedule's name, as `steward jobs schedules` shows it.
        schedule: String,
        #[arg(long)]
        json: bool,
    },
    /// Put a dead or cancelled job back in the queue with its attempts reset.
    Requeue { id: i64 },
    /// Cancel a queued or running job (a running job's worker stops it at its next heartbeat).
    Cancel { id: i64 },
}

pub async fn run(cmd: JobsCommand, db_url: &str, _config: &Arc<Config>) -> anyhow::Result<()> {
    let store = db::open(db_url).await?;
    let now = chrono::Utc::now();
    match cmd {
        JobsCommand::List { status, kind, limit, json } => {
            let jobs = store.list_jobs(&JobQuery { status, kind, schedule: None, limit }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                print_jobs(&jobs);
            }
        }
        JobsCommand::Runs { job, kind, status, limit, json } => {
            let runs = store.list_job_runs(&RunQuery { job_id: job, kind, schedule: None, status, limit }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&runs)?);
            } else {
                print_runs(&runs);
            }
        }
        JobsCommand::Schedules { json } => {
            let schedules = store.list_schedules().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&schedules)?);
            } else {
                print_schedules(&schedules);
            }
        }
        JobsCommand::RunNow { schedule, json } => {
            let Some(s) = store.get_schedule(&schedule).await? else {
                let names: Vec<String> = store.list_schedules().await?.into_iter().map(|s| s.name).collect();
                anyhow::bail!(
                    "no schedule named `{schedule}`; known: {} (schedules are stored when a worker starts)",
                    if names.is_empty() { "none yet".to_string() } else { names.join(", ") }
                );
            };
            let e = store.enqueue_job(&s.job(None, "cli"), now).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else if e.created {
                println!("queued job {} ({}) for schedule {schedule}", e.id, s.kind);
            } else {
                println!("schedule {schedule} already has an open job: {} (not queued twice)", e.id);
            }
        }
        JobsCommand::Requeue { id } => {
            let done = store.requeue_job(id, now).await.with_context(|| format!("cannot requeue job {id}"))?;
            if !done {
                anyhow::bail!("job {id} is not dead or cancelled; only those can be requeued");
            }
            println!("job {id} queued again");
        }
        JobsCommand::Cancel { id } => {
            if !store.cancel_job(id, now).await.with_context(|| format!("cannot cancel job {id}"))? {
                anyhow::bail!("job {id} has finished already; nothing to cancel");
            }
            println!("job {id} cancelled");
        }
    }
    Ok(())
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn print_jobs(jobs: &[Job]) {
    println!("{:>8}  {:<20} {:<10} {:>7} {:<19}  error", "id", "kind", "status", "attempt", "run at");
    for j in jobs {
        println!(
            "{:>8}  {:<20} {:<10} {:>3}/{:<3} {:<19}  {}",
            j.id,
            j.kind,
            j.status,
            j.attempt,
            j.max_attempts,
            time(Some(j.run_at)),
            j.last_error.as_deref().unwrap_or("")
        );
    }
}

fn print_runs(runs: &[JobRun]) {
    println!(
        "{:>8} {:>8}  {:<20} {:<10} {:<19} {:>10}  worker / error",
        "run", "job", "kind", "status", "started", "ms"
    );
    for r in runs {
        let ms = r.duration_ms.map_or_else(|| "-".to_string(), |d| d.to_string());
        let detail = r.error.as_deref().or(r.summary.as_deref()).unwrap_or("");
        println!(
            "{:>8} {:>8}  {:<20} {:<10} {:<19} {:>10}  {} {}",
            r.id,
            r.job_id,
            r.kind,
            r.status,
            time(Some(r.started_at)),
            ms,
            r.worker,
            detail
        );
    }
}

fn print_schedules(schedules: &[Schedule]) {
    if schedules.is_empty() {
        println!("no schedules stored yet: they are stored when `steward worker` or `steward serve` starts");
        return;
    }
    println!(
        "{:<20} {:<16} {:<14} {:<16} {:<8} {:<19} {:<19} last job",
        "name", "cron", "time zone", "kind", "enabled", "last slot", "next"
    );
    for s in schedules {
        let last = s.last_job.as_ref().map_or_else(|| "-".to_string(), |j| format!("{} {}", j.id, j.status));
        println!(
            "{:<20} {:<16} {:<14} {:<16} {:<8} {:<19} {:<19} {last}",
            s.name,
            s.cron,
            s.timezone,
            s.kind,
            if s.enabled { "yes" } else { "no" },
            time(s.last_slot),
            time(s.next_at)
        );
    }
}
