//! Dataverse Web API under `/dataverse/{org}/api/data/v9.2/`: agents (`bots`) and desktop
//! flows (`workflows` with category 6). Only environments with Dataverse have an org here.

use super::listing::{Envelope, resource_page};
use super::params::{Base, Here, Params};
use super::reply::{bad_request, not_found};
use crate::inventory::Listing;
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::sync::Arc;
use steward_ingest::synthetic::RESOURCE_PAGE;

/// Dataverse's own ceiling on `Prefer: odata.maxpagesize`.
const MAX_PAGE: usize = 5000;

/// Rows per page: `Prefer: odata.maxpagesize=N`, else 250 (the dump's page size; real
/// Dataverse defaults to 5,000).
fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
        .find_map(|n| n.trim().parse::<usize>().ok())
        .map_or(RESOURCE_PAGE, |n| n.clamp(1, MAX_PAGE))
}

async fn rows(
    shared: Arc<Shared>,
    org: String,
    entity: &str,
    listing: Listing,
    request: (Base, Params, Uri, HeaderMap),
) -> Result<Response, Response> {
    let (Base(base), params, uri, headers) = request;
    let env = shared.environment_of_org(&org).ok_or_else(|| {
        not_found("0x80040217", &format!("No Dataverse organization '{org}' is served by the fake tenant."))
    })?;
    let context = format!("{base}/dataverse/{org}/api/data/v9.2/$metadata#{entity}");
    let here = Here { params: &params, base: &base, path: uri.path() };
    Ok(resource_page(shared, env, listing, page_size(&headers), Envelope::OData { context }, &here).await)
}

/// `GET …/bots`. `$select` is accepted and ignored (every column is returned); a `$filter` is refused.
pub(crate) async fn bots(
    State(shared): State<Arc<Shared>>,
    Path(org): Path<String>,
    base: Base,
    params: Params,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Response> {
    if let Some(filter) = params.get("$filter") {
        return Err(bad_request("0x80060888", &format!("The fake tenant does not filter bots ('{filter}').")));
    }
    rows(shared, org, "bots", Listing::Bots, (base, params, uri, headers)).await
}

/// `GET …/workflows?$filter=category eq 6`: desktop flows. Another category gives an empty
/// list (the synthetic tenant keeps only desktop flows in Dataverse).
pub(crate) async fn workflows(
    State(shared): State<Arc<Shared>>,
    Path(org): Path<String>,
    base: Base,
    params: Params,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let filter = params.get("$filter").map(|f| f.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase());
    let listing = match filter.as_deref().and_then(|f| f.strip_prefix("category eq ")) {
        _ if filter.is_none() => Listing::Workflows,
        Some("6") => Listing::Workflows,
        Some(n) if n.parse::<i32>().is_ok() => Listing::Apps, // never listed here: see below
        _ => {
            return Err(bad_request(
                "0x80060888",
                &format!(
                    "The fake tenant understands only $filter=category eq N on workflows, not '{}'.",
                    filter.unwrap_or_default()
                ),
            ));
        }
    };
    if listing != Listing::Workflows {
        let context = format!("{}/dataverse/{org}/api/data/v9.2/$metadata#workflows", base.0);
        return Ok(super::reply::json(&serde_json::json!({"@odata.context": context, "value": []})));
    }
    rows(shared, org, "workflows", Listing::Workflows, (base, params, uri, headers)).await
}
