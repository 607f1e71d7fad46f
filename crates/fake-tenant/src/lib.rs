//! A fake Power Platform tenant: a deterministic synthetic tenant served over HTTP at the real
//! Microsoft API paths, in the real JSON shapes, with switchable faults.
//!
//! Used by the sync engine's tests, by `steward fake-tenant` and by `steward bench sync`.
//! Pages are generated on demand from the synthetic plan, so even the 1,000,000-resource
//! tenant costs little memory; mutations (`POST /_fake/mutate`) change, delete and add
//! resources between two syncs; faults (`PUT /_fake/faults`) make the server misbehave the way
//! the real services do (429 storms, `AF429`, 5xx, slow and truncated answers, repeated and
//! unordered audit records, environments that answer 403).

mod audit;
mod config;
mod counts;
mod error;
mod faults;
mod hash;
mod http;
mod inventory;
mod licenses;
mod mutate;
mod resourcequery;
mod route;
mod state;
mod stats;
mod tokens;

pub use config::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeConfig, Faults, RetryAfter};
pub use counts::ExpectedCounts;
pub use error::FakeError;
pub use mutate::{MutationReport, MutationRequest};
pub use stats::{FaultCounts, Stats};

use state::Shared;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A fake tenant, ready to serve.
#[derive(Clone)]
pub struct FakeTenant {
    shared: Arc<Shared>,
}

impl FakeTenant {
    pub fn new(config: FakeConfig) -> FakeTenant {
        FakeTenant { shared: Arc::new(Shared::new(config)) }
    }

    /// The Entra tenant id the fake answers for (token endpoint path, O365 feed path).
    pub fn tenant_id(&self) -> String {
        self.shared.tenant.tenant_id().to_string()
    }

    /// The API name (`Default-…`, a GUID) of the environment Steward knows by `id`.
    pub fn environment_name(&self, id: &str) -> Option<String> {
        self.shared.environment(id).map(|e| self.shared.tenant.environments()[e].name.clone())
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// What a complete sync should end up with (counting the audit feed generates it once).
    pub fn expected_counts(&self) -> std::io::Result<ExpectedCounts> {
        self.shared.expected_counts()
    }

    /// Serve on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), FakeError> {
        axum::serve(listener, http::router(self.shared))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(FakeError::Serve)
    }
}

/// A fake tenant serving on 127.0.0.1 in the background; stops when dropped.
pub struct RunningFake {
    pub base_url: String,
    tenant: FakeTenant,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl RunningFake {
    pub fn tenant_id(&self) -> String {
        self.tenant.tenant_id()
    }

    pub fn environment_name(&self, id: &str) -> Option<String> {
        self.tenant.environment_name(id)
    }

    pub fn stats(&self) -> Stats {
        self.tenant.stats()
    }

    pub fn expected_counts(&self) -> std::io::Result<ExpectedCounts> {
        self.tenant.expected_counts()
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Start a fake tenant on `127.0.0.1:0` in the current runtime.
pub async fn spawn(config: FakeConfig) -> Result<RunningFake, FakeError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(FakeError::Bind)?;
    let addr = listener.local_addr().map_err(FakeError::Bind)?;
    let tenant = FakeTenant::new(config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tenant.clone();
    tokio::spawn(async move {
        if let Err(e) = serving
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await
        {
            tracing::warn!(error = %e, "the fake tenant stopped");
        }
    });
    Ok(RunningFake { base_url: format!("http://{addr}"), tenant, stop: Some(stop) })
}
