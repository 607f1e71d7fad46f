//! The optional raw archive of an import: records seen for the first time, written as Parquet
//! by `steward-usage-archive` on a thread of its own so that compression never holds up parsing.

use super::worker::Parsed;
use crate::UsageError;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use steward_store::usage::day_from_number;
use steward_usage_archive::{ArchiveConfig, ArchiveReport, ArchiveWriter, RawRecord};

/// A parsed chunk and the indexes of its events to archive.
pub struct Job {
    pub parsed: Parsed,
    pub keep: Vec<u32>,
}

pub struct Archiver {
    pub jobs: SyncSender<Job>,
    pub thread: JoinHandle<Result<ArchiveReport, UsageError>>,
}

pub fn spawn(root: PathBuf, tenant: Option<String>) -> Result<Archiver, UsageError> {
    let writer = ArchiveWriter::create(ArchiveConfig::new(&root)).map_err(|e| archive_error(&root, e))?;
    let (jobs, rx) = sync_channel::<Job>(4);
    let thread = std::thread::Builder::new()
        .name("usage-archive".into())
        .spawn(move || run(writer, rx, tenant, root))
        .map_err(|e| UsageError::Invalid(format!("cannot start the archive thread: {e}")))?;
    Ok(Archiver { jobs, thread })
}

fn archive_error(root: &std::path::Path, e: steward_usage_archive::ArchiveError) -> UsageError {
    UsageError::Invalid(format!("raw archive at {}: {e}", root.display()))
}

fn run(
    mut writer: ArchiveWriter,
    rx: Receiver<Job>,
    tenant: Option<String>,
    root: PathBuf,
) -> Result<ArchiveReport, UsageError> {
    for job in rx {
        let p = &job.parsed;
        for &n in &job.keep {
            let (Some(e), Some(a)) = (p.events.get(n as usize), p.archive.get(n as usize)) else { continue };
            let Some(day) = day_from_number(e.day) else { continue };
            let creation_time = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
                + chrono::TimeDelta::seconds(i64::from(a.second_of_day));
            let tenant_id = tenant.as_deref().or_else(|| e.tenant.get(&p.arena)).unwrap_or_default();
            let record = RawRecord {
                tenant_id,
                day,
                id: a.id.get(&p.arena).unwrap_or_default(),
                creation_time,
                operation: a.operation.get(&p.arena).unwrap_or_default(),
                workload: a.workload.get(&p.arena),
                record_type: a.record_type,
                user_id: a.user_id.get(&p.arena),
                user_key: a.user_key.get(&p.arena),
                resource_id: e.resource.get(&p.arena),
                environment_id: e.environment.get(&p.arena),
                raw: a.raw.get(&p.raw).unwrap_or_default(),
            };
            writer.write(&record).map_err(|e| archive_error(&root, e))?;
        }
    }
    writer.finish().map_err(|e| archive_error(&root, e))
}
