//! Office 365 Management Activity API under `/api/v1.0/{tenant}/activity/feed/`: starting and
//! listing subscriptions, listing content in windows of at most 24 hours (paged through the
//! `NextPageUri` header), and the content blobs.

use super::params::{Base, Params};
use super::reply::{bad_request, internal, json, json_bytes, not_found};
use crate::audit::{self, WindowError};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use std::sync::Arc;

const CONTENT_TYPES: &[&str] =
    &["Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"];

fn content_type(params: &Params) -> Result<String, Response> {
    let ct = params.get("contentType").unwrap_or_default();
    match CONTENT_TYPES.iter().find(|c| c.eq_ignore_ascii_case(ct)) {
        Some(c) => Ok(c.to_string()),
        None => Err(bad_request("AF20023", &format!("The specified content type '{ct}' is not valid."))),
    }
}

fn subscription(content_type: &str) -> serde_json::Value {
    serde_json::json!({ "contentType": content_type, "status": "enabled", "webhook": null })
}

/// `POST …/subscriptions/start?contentType=…`.
pub(crate) async fn start(State(shared): State<Arc<Shared>>, params: Params) -> Response {
    let ct = match content_type(&params) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if shared.subscribed(&ct) {
        return bad_request("AF20024", "The subscription is already enabled. No property change.");
    }
    shared.subscribe(&ct);
    json(&subscription(&ct))
}

/// `GET …/subscriptions/list`.
pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Response {
    let all: Vec<serde_json::Value> = shared.subscribed_types().iter().map(|c| subscription(c)).collect();
    json(&all)
}

/// `GET …/subscriptions/content?contentType=…&startTime=…&endTime=…`.
pub(crate) async fn content(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Base(base): Base,
    params: Params,
    uri: Uri,
) -> Result<Response, Response> {
    let ct = content_type(&params)?;
    if !shared.subscribed(&ct) {
        return Err(bad_request("AF20022", "No subscription found for the specified content type."));
    }
    let (start, end) = audit::window(params.get("startTime"), params.get("endTime"), shared.now).map_err(|e| {
        let why = match e {
            WindowError::OneSided => "Either both start time and end time must be specified, or neither.".to_string(),
            WindowError::Unreadable(t) => format!("The time '{t}' could not be read."),
            WindowError::Span => {
                "The start time and end time must both be specified (or both omitted) and must be less than or \
                 equal to 24 hours apart, with the start time prior to end time."
                    .to_string()
            }
        };
        bad_request("AF20055", &why)
    })?;
    // Only the general feed carries Power Platform records; the others are empty here.
    let mut blobs = if ct == "Audit.General" { audit::blobs_in(&shared.tenant, start, end) } else { Vec::new() };
    if shared.faults.current().audit_out_of_order {
        blobs.reverse();
    }
    let from = params.get("nextPage").and_then(|p| p.parse::<usize>().ok()).unwrap_or(0).min(blobs.len());
    let to = (from + shared.content_page_size).min(blobs.len());
    let items: Vec<_> = blobs[from..to]
        .iter()
        .map(|(d, b)| {
            let day = shared.tenant.day(*d);
            let mut item = shared.tenant.content_item(&day, *b);
            item.content_uri = format!("{base}/api/v1.0/{tenant}/activity/feed/audit/{}", item.content_id);
            item
        })
        .collect();
    let mut resp = json(&items);
    if to < blobs.len() {
        let link = format!("{base}{}?{}", uri.path(), params.with("nextPage", &to.to_string()));
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert("NextPageUri", v);
        }
    }
    Ok(resp)
}

/// `GET …/audit/{contentId}`: the blob, a JSON array of records.
pub(crate) async fn blob(
    State(shared): State<Arc<Shared>>,
    Path((_tenant, content_id)): Path<(String, String)>,
) -> Response {
    let Some((day, blob)) = audit::locate(&shared.tenant, &content_id) else {
        return not_found("AF20051", &format!("Content requested with the key '{content_id}' does not exist."));
    };
    let faults = shared.faults.current();
    let shared2 = shared.clone();
    match tokio::task::spawn_blocking(move || audit::blob_body(&shared2.tenant, &day, blob, &faults)).await {
        Ok(Ok(body)) => json_bytes(StatusCode::OK, body),
        Ok(Err(e)) => internal(&format!("writing the blob: {e}")),
        Err(e) => internal(&format!("rendering the blob: {e}")),
    }
}
