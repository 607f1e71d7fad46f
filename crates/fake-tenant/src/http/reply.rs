//! Response bodies: JSON answers, the services' error shapes, and the faults' refusals.

use crate::config::RetryAfter;
use crate::faults::Refusal;
use crate::route::{Family, Route};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

/// A JSON body that is already serialised.
pub(crate) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    resp
}

pub(crate) fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_bytes(StatusCode::OK, body),
        Err(e) => internal(&format!("serialising the answer: {e}")),
    }
}

/// `{"error":{"code":…,"message":…}}`, the shape BAP, Power Apps, Flow, Graph, Dataverse, the
/// Power Platform API and Office 365 Management all use.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    json_bytes(status, body.to_string().into_bytes())
}

pub(crate) fn internal(message: &str) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", message)
}

pub(crate) fn bad_request(code: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, code, message)
}

pub(crate) fn not_found(code: &str, message: &str) -> Response {
    error(StatusCode::NOT_FOUND, code, message)
}

/// The Entra ID token endpoint's error shape.
pub(crate) fn aad_error(status: StatusCode, error: &str, aadsts: u32, description: &str) -> Response {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = serde_json::json!({
        "error": error,
        "error_description": format!("AADSTS{aadsts}: {description} Trace ID: 00000000-0000-0000-0000-000000000000 Correlation ID: 00000000-0000-0000-0000-000000000000 Timestamp: {now}"),
        "error_codes": [aadsts],
        "timestamp": now,
        "trace_id": "00000000-0000-0000-0000-000000000000",
        "correlation_id": "00000000-0000-0000-0000-000000000000",
    });
    json_bytes(status, body.to_string().into_bytes())
}

fn with_retry_after(mut resp: Response, retry: RetryAfter) -> Response {
    let value = match retry {
        RetryAfter::Seconds(s) => Some(s.to_string()),
        RetryAfter::HttpDate(s) => {
            let at = chrono::Utc::now() + chrono::Duration::seconds(s as i64);
            Some(at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        }
        RetryAfter::None => None,
    };
    if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The answer to a refused request, in the imitated service's words.
pub(crate) fn refusal(route: Route, refusal: Refusal, publisher: Option<&str>) -> Response {
    let family = route.family();
    match refusal {
        Refusal::Throttled(retry) => {
            let (code, message) = match family {
                Family::Dataverse => {
                    ("0x80072322", "Number of requests exceeded the limit of 6000 over time window of 300 seconds.")
                }
                Family::OfficeManagement => ("AF429", "Too many requests."),
                _ => ("TooManyRequests", "Rate limit is exceeded. Try again later."),
            };
            with_retry_after(error(StatusCode::TOO_MANY_REQUESTS, code, message), retry)
        }
        Refusal::RateLimited => with_retry_after(
            error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "Too many requests in this second."),
            RetryAfter::Seconds(1),
        ),
        Refusal::Af429 => {
            let message = format!(
                "Too many requests. Method={}, PublisherId={}",
                route.o365_method(),
                publisher.unwrap_or("00000000-0000-0000-0000-000000000000")
            );
            error(StatusCode::FORBIDDEN, "AF429", &message)
        }
        Refusal::ServerError(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (code, message) = match (family, status) {
                (Family::OfficeManagement, _) => ("AF50000", "An internal server error occurred. Retry the request."),
                (_, StatusCode::BAD_GATEWAY) => ("BadGateway", "The gateway did not receive a response in time."),
                (_, StatusCode::SERVICE_UNAVAILABLE) => {
                    ("ServiceUnavailable", "The service is temporarily unavailable.")
                }
                (_, StatusCode::GATEWAY_TIMEOUT) => ("GatewayTimeout", "The gateway timed out."),
                _ => ("InternalServerError", "An internal server error occurred."),
            };
            error(status, code, message)
        }
    }
}

/// A 401 with the `WWW-Authenticate` challenge the services send.
pub(crate) fn unauthorized(code: &str, message: &str) -> Response {
    let mut resp = error(StatusCode::UNAUTHORIZED, code, message);
    resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    resp
}
