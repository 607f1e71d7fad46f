//! Job handlers for the job runner (`steward-jobs`): one per message kind, which builds the
//! messages and queues them (idempotent: a job run twice queues nothing new), and `notify.send`,
//! which sends what is due. Failed sends are not job failures: the delivery log keeps them and
//! retries with its own backoff, visible on /admin/deliveries.

use crate::notifier::Notifier;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use steward_jobs::{Job, JobContext, JobError, JobHandler, JobOutput, Registry};
use steward_store::notifications::MessageKind;

/// The job kind that queues the messages of a message kind (`notify.board_digest`, …).
pub fn job_kind(kind: MessageKind) -> &'static str {
    match kind {
        // The job runner ships a default weekly schedule for this kind.
        MessageKind::BoardDigest => steward_jobs::schedule::kinds::DIGEST_BOARD,
        MessageKind::SuccessCandidates => "notify.success_candidates",
        MessageKind::Violation => "notify.violations",
        MessageKind::CampaignStep => "notify.campaign_steps",
        MessageKind::Welcome => "notify.welcome",
        MessageKind::MakerSummary => "notify.maker_summary",
        MessageKind::Test => "notify.test",
    }
}

/// The job kind that sends due deliveries.
pub const SEND: &str = "notify.send";

struct QueueHandler {
    kind: MessageKind,
    notifier: Arc<Notifier>,
}

fn retryable(e: crate::NotifyError) -> JobError {
    match e {
        crate::NotifyError::Config(_) | crate::NotifyError::Template { .. } | crate::NotifyError::Secret { .. } => {
            JobError::Permanent { message: e.to_string() }
        }
        other => JobError::Retryable { message: other.to_string(), retry_after: None },
    }
}

#[async_trait]
impl JobHandler for QueueHandler {
    fn kind(&self) -> &'static str {
        job_kind(self.kind)
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        let report = self.notifier.queue(ctx.store.as_ref(), self.kind, ctx.now).await.map_err(retryable)?;
        Ok(JobOutput::summary(report.summary()))
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(30 * 60)
    }
}

struct SendHandler {
    notifier: Arc<Notifier>,
}

#[async_trait]
impl JobHandler for SendHandler {
    fn kind(&self) -> &'static str {
        SEND
    }

    async fn run(&self, ctx: &JobContext, _job: &Job) -> Result<JobOutput, JobError> {
        let report = self.notifier.send(ctx.store.as_ref(), ctx.now, 200).await.map_err(retryable)?;
        Ok(JobOutput::summary(report.summary()))
    }

    fn timeout(&self) -> Duration {
        // Shorter than the delivery lease, so a stuck run ends before another may take its deliveries.
        Duration::from_secs(4 * 60)
    }
}

/// Register every notification handler.
pub fn register(registry: &mut Registry, notifier: Arc<Notifier>) {
    for &kind in MessageKind::ALL.iter().filter(|k| **k != MessageKind::Test) {
        registry.register(QueueHandler { kind, notifier: notifier.clone() });
    }
    registry.register(SendHandler { notifier });
}
