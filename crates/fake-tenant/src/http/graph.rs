//! Microsoft Graph: users (with `assignedLicenses` when selected), subscribed SKUs and a
//! user's licence details.

use super::listing::{Envelope, start_of, write_items, write_page};
use super::params::{Base, Here, Params};
use super::reply::{internal, json_bytes, not_found};
use crate::licenses::{self, SKUS};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use std::sync::Arc;
use steward_ingest::powerplatform::wire::graph;

/// Graph's default and largest `$top` for users.
const DEFAULT_TOP: usize = 100;
const MAX_TOP: usize = 999;

/// `GET /v1.0/users`: pages of `$top` users; `assignedLicenses` is filled when `$select` names it.
pub(crate) async fn users(
    State(shared): State<Arc<Shared>>,
    Base(base): Base,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    let total = shared.tenant.user_count();
    let start = start_of(&params)?.min(total);
    let top = params.get("$top").and_then(|t| t.parse::<usize>().ok()).map_or(DEFAULT_TOP, |n| n.clamp(1, MAX_TOP));
    let end = (start + top as u64).min(total);
    let with_licences =
        params.get("$select").is_some_and(|s| s.split(',').any(|f| f.trim().eq_ignore_ascii_case("assignedLicenses")));
    let here = Here { params: &params, base: &base, path: uri.path() };
    let next = (end < total).then(|| here.next_link(end));
    let context = format!("{base}/v1.0/$metadata#users");
    let seed = shared.seed;
    let items = (start..end).map(|u| {
        let mut user = shared.tenant.graph_user(u);
        if with_licences {
            user.assigned_licenses = Some(
                licenses::assigned(seed, u)
                    .map(|i| graph::AssignedLicense { sku_id: SKUS[i].sku_id.to_string(), disabled_plans: Vec::new() })
                    .collect(),
            );
        }
        user
    });
    write_page(&Envelope::OData { context }, next.as_deref(), |out| write_items(out, items))
        .map(|body| json_bytes(StatusCode::OK, body))
        .map_err(|e| internal(&e.to_string()))
}

/// `GET /v1.0/subscribedSkus`.
pub(crate) async fn subscribed_skus(State(shared): State<Arc<Shared>>) -> Response {
    let t = &shared.tenant;
    let body = licenses::subscribed_skus(shared.seed, t.tenant_id(), t.tenant_display_name(), &shared.licences);
    json_bytes(StatusCode::OK, body.to_string().into_bytes())
}

/// `GET /v1.0/users/{id or UPN}/licenseDetails`.
pub(crate) async fn license_details(State(shared): State<Arc<Shared>>, Path(key): Path<String>) -> Response {
    match shared.user(&key) {
        Some(u) => {
            let body = licenses::license_details(shared.seed, u, &shared.tenant.user_id(u));
            json_bytes(StatusCode::OK, body.to_string().into_bytes())
        }
        None => not_found(
            "Request_ResourceNotFound",
            &format!(
                "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
            ),
        ),
    }
}
