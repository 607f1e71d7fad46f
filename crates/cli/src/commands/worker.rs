//! `steward worker`: run jobs and fire schedules, without serving HTTP.

use crate::config::Config;
use crate::db;
use crate::jobs::{self, Mode, WorkerFlags};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    worker: WorkerFlags,
    /// Stop once nothing is due (after running what is): for cron-driven setups and scripts.
    #[arg(long)]
    exit_when_idle: bool,
}

pub async fn run(args: Args, db_url: &str, config: &Arc<Config>) -> anyhow::Result<()> {
    let store = db::open(db_url).await?;
    let handle = jobs::start(store.clone(), config, Mode::Full, &args.worker).await?;
    eprintln!("steward worker: running jobs from {} (Ctrl-C or SIGTERM to stop)", db::redact(db_url));
    if args.exit_when_idle {
        let idle = async {
            // Idle = nothing queued and due, nothing running; checked after each short wait.
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let counts = store.job_counts().await;
                let due = store
                    .list_jobs(&steward_store::jobs::JobQuery {
                        status: Some(steward_store::jobs::JobStatus::Queued),
                        limit: 1000,
                        ..Default::default()
                    })
                    .await;
                if let (Ok(counts), Ok(queued)) = (counts, due) {
                    let now = chrono::Utc::now();
                    if counts.running == 0 && queued.iter().all(|j| j.run_at > now) {
                        return;
                    }
                }
            }
        };
        tokio::select! {
            _ = idle => {}
            _ = jobs::shutdown_signal() => {}
        }
    } else {
        jobs::shutdown_signal().await;
    }
    eprintln!("steward worker: stopping (running jobs finish or are given back)");
    handle.shutdown().await;
    Ok(())
}
