//! Job kinds for tests of the worker process (`STEWARD_TEST_JOBS=1` only): the reliability tests
//! kill a real `steward worker` mid-job and check what the next one does.

use async_trait::async_trait;
use std::io::Write;
use steward_jobs::{Job, JobContext, JobError, JobHandler, JobOutput, Registry};

pub fn register(r: &mut Registry) {
    r.register(Sleep);
}

/// `test.sleep`, payload `{"ms": 1500, "log": "/path"}`: appends `start <id> <attempt>`, sleeps,
/// appends `done <id>`. The `done` lines are not deduplicated on purpose: a job run twice to
/// completion shows as two lines.
struct Sleep;

#[derive(serde::Deserialize)]
struct Payload {
    ms: u64,
    log: std::path::PathBuf,
}

fn append(path: &std::path::Path, line: &str) -> Result<(), JobError> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| JobError::retryable(format!("cannot open {}: {e}", path.display())))?;
    // One write per line, so lines of concurrent jobs and processes do not interleave.
    f.write_all(format!("{line}\n").as_bytes()).map_err(|e| JobError::retryable(format!("cannot append: {e}")))
}

#[async_trait]
impl JobHandler for Sleep {
    fn kind(&self) -> &'static str {
        "test.sleep"
    }

    async fn run(&self, _ctx: &JobContext, job: &Job) -> Result<JobOutput, JobError> {
        let p: Payload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::permanent(format!("test.sleep payload: {e}")))?;
        append(&p.log, &format!("start {} {}", job.id, job.attempt))?;
        tokio::time::sleep(std::time::Duration::from_millis(p.ms)).await;
        append(&p.log, &format!("done {}", job.id))?;
        Ok(JobOutput::summary(format!("slept {} ms", p.ms)))
    }
}
