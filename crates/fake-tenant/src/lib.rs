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
pub use tokens::audience;

use state::Shared;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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

    /// Replace the faults, as `PUT /_fake/faults` does (the per-route counters restart).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.replace(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults.current().as_ref().clone()
    }

    /// Apply a mutation, as `POST /_fake/mutate` does.
    pub fn mutate(&self, req: &MutationRequest) -> MutationReport {
        self.shared.mutate(req)
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

/// A fake tenant serving on 127.0.0.1 in the background; dropping it stops the server.
pub struct RunningFake {
    /// `http://127.0.0.1:{port}`: the base URL of every imitated service.
    pub base_url: String,
    /// The server task; it ends after [`RunningFake::shutdown`] or when this value is dropped.
    pub handle: JoinHandle<Result<(), FakeError>>,
    pub tenant: FakeTenant,
    /// Dropping the sender stops the server as surely as sending on it.
    stop: oneshot::Sender<()>,
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

    pub fn set_faults(&self, faults: Faults) {
        self.tenant.set_faults(faults);
    }

    pub fn mutate(&self, req: &MutationRequest) -> MutationReport {
        self.tenant.mutate(req)
    }

    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(self) -> Result<(), FakeError> {
        let RunningFake { stop, handle, .. } = self;
        // The server may have stopped already; then nobody is listening, which is fine.
        let _ = stop.send(());
        handle.await.map_err(|e| FakeError::Task(e.to_string()))?
    }
}

/// Start a fake tenant on `127.0.0.1:0` in the current runtime.
pub async fn spawn(config: FakeConfig) -> Result<RunningFake, FakeError> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(FakeError::Bind)?;
    let addr = listener.local_addr().map_err(FakeError::Bind)?;
    let tenant = FakeTenant::new(config);
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tenant.clone();
    let handle = tokio::spawn(async move {
        let result = serving
            .serve(listener, async move {
                // Resolves on a send and on the sender being dropped alike.
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, "the fake tenant stopped");
        }
        result
    });
    Ok(RunningFake { base_url: format!("http://{addr}"), handle, tenant, stop })
}

/// A `steward.toml` `[[sources]]` entry named `name` for a fake tenant serving at `base_url`
/// under the default credentials, its secret read from `secret_file` (which the caller writes
/// with [`DEFAULT_CLIENT_SECRET`]). Every endpoint points at the fake.
pub fn steward_toml(name: &str, tenant_id: &str, base_url: &str, secret_file: &str) -> String {
    let mut text = format!(
        "[[sources]]\ntype = \"powerplatform\"\nname = \"{name}\"\ntenant_id = \"{tenant_id}\"\n\
         client_id = \"{DEFAULT_CLIENT_ID}\"\nclient_secret = {{ file = \"{secret_file}\" }}\n[sources.endpoints]\n"
    );
    for endpoint in ["login", "bap", "powerapps", "flow", "powerplatform", "office_management", "graph"] {
        text.push_str(&format!("{endpoint} = \"{base_url}\"\n"));
    }
    text
}
