//! What every API request goes through before and after its handler: counting, the bearer
//! token check, `api-version`, and the faults.

use super::params::{Params, base_of};
use super::reply;
use crate::faults::Verdict;
use crate::route::{Family, Route};
use crate::state::Shared;
use crate::stats::bump;
use crate::tokens::{TokenProblem, audience, normalize};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

pub(crate) async fn gate(State((shared, route)): State<(Arc<Shared>, Route)>, req: Request, next: Next) -> Response {
    shared.counters.request(route);
    let params = Params::parse(req.uri().query());
    let publisher = params.get("PublisherIdentifier").filter(|p| !p.is_empty()).map(str::to_string);
    if route.family() == Family::OfficeManagement && publisher.is_none() {
        bump(&shared.counters.without_publisher);
    }
    if !matches!(route.family(), Family::Login | Family::Control) {
        if let Err(resp) = authorize(&shared, route, req.headers(), req.uri().path()) {
            bump(&shared.counters.unauthorized);
            return resp;
        }
        if route.requires_api_version() && params.get("api-version").is_none_or(str::is_empty) {
            return reply::bad_request(
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }
    }
    let (delay_ms, truncate) = match shared.faults.decide(route) {
        Verdict::Refuse(refusal) => {
            let c = &shared.counters;
            bump(match refusal {
                crate::faults::Refusal::Throttled(_) => &c.throttled,
                crate::faults::Refusal::Af429 => &c.af429,
                crate::faults::Refusal::ServerError(_) => &c.server_errors,
                crate::faults::Refusal::RateLimited => &c.rate_limited,
            });
            return reply::refusal(route, refusal, publisher.as_deref());
        }
        Verdict::Serve { delay_ms, truncate } => (delay_ms, truncate),
    };
    if let Some(ms) = delay_ms {
        bump(&shared.counters.slow);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let resp = next.run(req).await;
    match truncate {
        Some(keep) if resp.status().is_success() => {
            bump(&shared.counters.truncated);
            cut(resp, keep).await
        }
        _ => resp,
    }
}

/// The answer with its body cut to a share `keep` of its length (at least one byte gone, at
/// least one kept). `Content-Length` is the cut length: the damage is in the JSON, not the
/// framing, as when a proxy passes on what it got.
async fn cut(resp: Response, keep: f64) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return reply::internal(&format!("reading the answer to truncate it: {e}")),
    };
    let len = bytes.len();
    let at = if len < 2 { 0 } else { ((len as f64 * keep) as usize).clamp(1, len - 1) };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..at)))
}

/// Audiences a token for `route` may carry.
fn accepted(shared: &Shared, route: Route, headers: &HeaderMap, path: &str) -> Vec<String> {
    match route.family() {
        Family::PowerApps => vec![normalize(audience::POWERAPPS)],
        Family::Flow => vec![normalize(audience::FLOW)],
        Family::PowerPlatform => vec![normalize(audience::POWERPLATFORM)],
        Family::Graph => vec![normalize(audience::GRAPH)],
        Family::OfficeManagement => vec![normalize(audience::OFFICE_MANAGEMENT)],
        Family::Dataverse => {
            // `/dataverse/{org}/api/...`: the instance's own URLs, real or rewritten to us.
            let base = base_of(headers);
            let org = path.trim_start_matches('/').split('/').nth(1).unwrap_or_default();
            let mut list = vec![normalize(&base), normalize(&format!("{base}/dataverse/{org}"))];
            if let Some(env) = shared.environment_of_org(org).and_then(|e| shared.tenant.environments().get(e)) {
                list.push(normalize(&env.instance_url));
                list.push(normalize(&env.instance_api_url));
            }
            list
        }
        Family::Login | Family::Control => Vec::new(),
    }
}

fn authorize(shared: &Shared, route: Route, headers: &HeaderMap, path: &str) -> Result<(), Response> {
    let header = headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token,
        _ => {
            return Err(reply::unauthorized(
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing or is not a bearer token.",
            ));
        }
    };
    let audience = match shared.tokens.verify(token) {
        Ok(a) => a,
        Err(TokenProblem::Expired { at_ms }) => {
            let at = chrono::DateTime::from_timestamp_millis(at_ms as i64).unwrap_or_default();
            return Err(reply::unauthorized(
                "ExpiredAuthenticationToken",
                &format!("The access token expired at '{}'; get a new one.", at.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
            ));
        }
        Err(TokenProblem::Invalid) => {
            return Err(reply::unauthorized("InvalidAuthenticationToken", "The access token is invalid."));
        }
    };
    let allowed = accepted(shared, route, headers, path);
    if allowed.contains(&audience) {
        return Ok(());
    }
    Err(reply::unauthorized(
        "InvalidAuthenticationTokenAudience",
        &format!(
            "The access token has been obtained for wrong audience or resource '{audience}'. It should exactly match \
             one of the allowed audiences '{}'.",
            allowed.join("', '")
        ),
    ))
}

/// 404 for paths no route serves.
pub(crate) async fn fallback(req: Request) -> Response {
    reply::error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("the fake tenant serves no {} {}", req.method(), req.uri().path()),
    )
}
