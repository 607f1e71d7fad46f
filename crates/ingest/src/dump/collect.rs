//! The reading half of an import without the store: the batches a reader sends, gathered in
//! memory. It shows exactly what an import would write (normalised records, before the store
//! dedupes and counts them), for inspecting a source and for testing the readers.

use super::{Batch, CHANNEL_DEPTH};
use crate::IngestError;
use steward_model::{Connector, DataPolicy, Environment, Principal, Resource, Tenant, UsageEvent};
use tokio::sync::mpsc;

/// Everything a source holds, normalised, in the order its reader produced it.
#[derive(Debug, Default, Clone)]
pub struct Records {
    pub tenants: Vec<Tenant>,
    pub environments: Vec<Environment>,
    pub connectors: Vec<Connector>,
    pub data_policies: Vec<DataPolicy>,
    pub principals: Vec<Principal>,
    pub resources: Vec<Resource>,
    /// Every usage event read, repeats and operations the rollups do not count included.
    pub usage: Vec<UsageEvent>,
    pub files: u64,
}

/// Run `read` on a blocking thread, as [`super::run_import`] does, and gather what it sends.
/// Memory grows with the source, unlike an import.
pub(crate) async fn gather<R>(read: R) -> Result<Records, IngestError>
where
    R: FnOnce(mpsc::Sender<Result<Batch, IngestError>>) + Send + 'static,
{
    let (sender, mut receiver) = mpsc::channel(CHANNEL_DEPTH);
    let _reader = tokio::task::spawn_blocking(move || read(sender));
    let mut out = Records::default();
    while let Some(message) = receiver.recv().await {
        match message? {
            Batch::Tenants(items) => out.tenants.extend(items),
            Batch::Environments(items) => out.environments.extend(items),
            Batch::Connectors(items) => out.connectors.extend(items),
            Batch::DataPolicies(items) => out.data_policies.extend(items),
            Batch::Principals(items) => out.principals.extend(items),
            Batch::Resources(items) => out.resources.extend(items),
            Batch::Usage(items) => out.usage.extend(items),
            Batch::Done { files } => {
                out.files = files;
                return Ok(out);
            }
        }
    }
    Err(IngestError::Reader("the reader ended without finishing the source".to_string()))
}
