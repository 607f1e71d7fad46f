//! Liveness and readiness probes for load balancers and orchestrators.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A probe that waits longer than this is worse than one that fails: the balancer would
/// keep sending traffic to a replica whose database hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
}

/// `GET /healthz`: the process is up. Never touches the store.
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

/// `GET /readyz`: the store answers a cheap query.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    let backend = state.store.backend();
    match tokio::time::timeout(READY_TIMEOUT, state.store.list_tenants()).await {
        Ok(Ok(_)) => Ok(Json(Readiness { status: "ready".into(), backend: backend.into() })),
        Ok(Err(error)) => Err(ApiError::Unavailable { backend, reason: error.to_string() }),
        Err(_) => Err(ApiError::Unavailable {
            backend,
            reason: format!("no answer within {} seconds", READY_TIMEOUT.as_secs()),
        }),
    }
}
