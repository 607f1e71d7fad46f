//! `POST /resourcequery/resources/query`: the Power Platform inventory API.

use super::reply::{bad_request, internal, json, not_found};
use crate::resourcequery;
use crate::state::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;

pub(crate) async fn query(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    if !shared.inventory_api {
        return not_found("NotFound", "The Power Platform inventory API is not available in this tenant.");
    }
    let q = match resourcequery::parse(&body) {
        Ok(q) => q,
        Err(why) => return bad_request("InvalidQuery", &why),
    };
    let inv = shared.inventory();
    let shared2 = shared.clone();
    match tokio::task::spawn_blocking(move || resourcequery::answer(&shared2.tenant, &inv, &shared2.query_cache, &q))
        .await
    {
        Ok(Ok(value)) => json(&value),
        Ok(Err(why)) => bad_request("InvalidQuery", &why),
        Err(e) => internal(&format!("answering the query: {e}")),
    }
}
