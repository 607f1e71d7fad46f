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
    let backend = probe(&state).await?;
    Ok(Json(Readiness { status: "ready".into(), backend: backend.into() }))
}

/// Ask the store a cheap question and record the answer in the `store_up` metric; the
/// backend's name when it answered.
pub async fn probe(state: &AppState) -> Result<&'static str, ApiError> {
    let backend = state.store.backend();
    let answer = match tokio::time::timeout(READY_TIMEOUT, state.store.list_tenants()).await {
        Ok(Ok(_)) => Ok(backend),
        Ok(Err(error)) => Err(ApiError::Unavailable { backend, reason: error.to_string() }),
        Err(_) => Err(ApiError::Unavailable {
            backend,
            reason: format!("no answer within {} seconds", READY_TIMEOUT.as_secs()),
        }),
    };
    state.metrics.store_up(backend, answer.is_ok());
    answer
}
