//! Pages of an environment's apps, flows, bots or desktop flows, rendered on demand from the
//! current inventory snapshot.
//!
//! The skip token is the number of the first resource of the next page, so a page boundary
//! does not move when earlier resources are deleted, and a stored next link resumes where it
//! left off. With no mutations, pages hold exactly what the dump's page files hold.

use super::params::{Here, Params};
use super::reply::{bad_request, internal, json_bytes};
use crate::inventory::{Inventory, Listing};
use crate::state::Shared;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use std::sync::Arc;
use steward_ingest::synthetic::WireResource;

/// How a list wraps its items.
#[derive(Debug, Clone)]
pub(crate) enum Envelope {
    /// BAP, Power Apps, Flow: `{"value": [...], "nextLink": ...}`.
    List,
    /// Dataverse, Graph: `{"@odata.context": ..., "value": [...], "@odata.nextLink": ...}`.
    OData { context: String },
}

/// Write `{envelope: value: [items], next}` with the fields in the services' order.
pub(crate) fn write_page(
    envelope: &Envelope,
    next: Option<&str>,
    fill: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64 * 1024);
    let next_key = match envelope {
        Envelope::List => {
            out.extend_from_slice(b"{\"value\":[");
            "nextLink"
        }
        Envelope::OData { context } => {
            out.extend_from_slice(b"{\"@odata.context\":");
            serde_json::to_writer(&mut out, context)?;
            out.extend_from_slice(b",\"value\":[");
            "@odata.nextLink"
        }
    };
    fill(&mut out)?;
    out.push(b']');
    if let Some(link) = next {
        out.extend_from_slice(format!(",\"{next_key}\":").as_bytes());
        serde_json::to_writer(&mut out, link)?;
    }
    out.push(b'}');
    Ok(out)
}

/// Items separated by commas, each serialised by `item`.
pub(crate) fn write_items<T: Serialize>(out: &mut Vec<u8>, items: impl Iterator<Item = T>) -> serde_json::Result<()> {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, &item)?;
    }
    Ok(())
}

fn write_resource(out: &mut Vec<u8>, wire: WireResource) -> serde_json::Result<()> {
    match wire {
        WireResource::App(a) => serde_json::to_writer(out, &a),
        WireResource::Flow(f) => serde_json::to_writer(out, &f),
        WireResource::DesktopFlow(w) => serde_json::to_writer(out, &w),
        WireResource::Agent(b) => serde_json::to_writer(out, &b),
    }
}

/// Where a page starts: the `$skiptoken` of a next link, or the beginning.
pub(crate) fn start_of(params: &Params) -> Result<u64, Response> {
    match params.get("$skiptoken") {
        None | Some("") => Ok(0),
        Some(t) => t
            .parse()
            .map_err(|_| bad_request("InvalidSkipToken", &format!("'{t}' is not a skip token this server issued"))),
    }
}

/// One page of `listing` in environment `env`, `size` items at most.
pub(crate) async fn resource_page(
    shared: Arc<Shared>,
    env: usize,
    listing: Listing,
    size: usize,
    envelope: Envelope,
    here: &Here<'_>,
) -> Response {
    let start = match start_of(here.params) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let inv: Arc<Inventory> = shared.inventory();
    let list = inv.list(env, listing);
    let from = list.partition_point(|g| u64::from(*g) < start);
    let to = (from + size).min(list.len());
    let next = list.get(to).map(|g| here.next_link(g));
    // Building a page is CPU work (generation and serialisation); keep it off the I/O threads.
    let rendered = tokio::task::spawn_blocking(move || {
        let tenant = &shared.tenant;
        let page = &inv.list(env, listing)[from..to];
        write_page(&envelope, next.as_deref(), |out| {
            for (i, g) in page.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_resource(out, inv.render(tenant, u64::from(*g)))?;
            }
            Ok(())
        })
    })
    .await;
    match rendered {
        Ok(Ok(body)) => json_bytes(StatusCode::OK, body),
        Ok(Err(e)) => internal(&format!("serialising a page: {e}")),
        Err(e) => internal(&format!("rendering a page: {e}")),
    }
}

/// `$top` within `1..=max`, `default` when absent or unreadable.
pub(crate) fn page_size(params: &Params, default: usize, max: usize) -> usize {
    params.get("$top").and_then(|t| t.parse::<usize>().ok()).map_or(default, |n| n.clamp(1, max))
}
