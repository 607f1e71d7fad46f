//! `/_fake/…`: what tests use to look inside and to change the tenant. No auth, no faults.

use super::reply::{bad_request, json};
use crate::config::Faults;
use crate::mutate::MutationRequest;
use crate::state::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;

/// `GET /_fake/stats`.
pub(crate) async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    json(&shared.stats())
}

/// `DELETE /_fake/stats`: start counting afresh (to measure one sync alone).
pub(crate) async fn reset_stats(State(shared): State<Arc<Shared>>) -> Response {
    shared.counters.reset();
    json(&shared.stats())
}

/// `GET /_fake/faults`: the faults in force.
pub(crate) async fn current_faults(State(shared): State<Arc<Shared>>) -> Response {
    json(&shared.faults.current().as_ref().clone())
}

/// `PUT /_fake/faults`: replace the faults (unknown fields are refused).
pub(crate) async fn faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            shared.faults.replace(f);
            json(&shared.faults.current().as_ref().clone())
        }
        Err(e) => bad_request("InvalidFaults", &format!("the body is not a faults document: {e}")),
    }
}

/// `POST /_fake/mutate`: change, delete and add resources; answers what changed.
pub(crate) async fn mutate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<MutationRequest>(&body) {
        Ok(req) => {
            let shared2 = shared.clone();
            match tokio::task::spawn_blocking(move || shared2.mutate(&req)).await {
                Ok(report) => json(&report),
                Err(e) => super::reply::internal(&format!("mutating: {e}")),
            }
        }
        Err(e) => bad_request("InvalidMutation", &format!("the body is not a mutation request: {e}")),
    }
}
