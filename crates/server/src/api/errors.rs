//! One error shape for the whole API, whoever answered.
//!
//! Handlers answer errors through [`ApiError`], but some answers are made before a handler
//! runs: axum's own extractor rejections (a path segment that is not UTF-8, a body over the
//! size limit, a JSON body with the wrong content type) come as plain text. This middleware
//! rewrites any error response under the API's paths that is not JSON into
//! `{"error":{"code":…,"message":…}}`, keeping the status and the headers that matter
//! (`Allow`, `Retry-After`, `WWW-Authenticate`). Responses that are already JSON, and every
//! success, pass untouched, so the cost is one header check per request.

use crate::error::{ErrorBody, ErrorDetail};
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most of a plain-text error body kept as the message.
const MAX_MESSAGE: usize = 2048;

/// Middleware (`axum::middleware::from_fn`).
pub async fn json_errors(request: Request, next: Next) -> Response {
    let api = super::openapi::is_api(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_MESSAGE).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let mut out = (status, Json(body_for(status, &text))).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = parts.headers.get(&name) {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"))
}

/// The code and message for an error someone else phrased. Server errors never repeat their
/// text: it may name internals.
pub fn body_for(status: StatusCode, text: &str) -> ErrorBody {
    let code = code_for(status);
    let message = if status.is_server_error() {
        "the server failed to answer this request; the server log has the details, try again later".to_string()
    } else {
        let text = if text.is_empty() { status.canonical_reason().unwrap_or("the request was refused") } else { text };
        match status {
            StatusCode::BAD_REQUEST => format!("{text}; path segments and parameters must be UTF-8, percent-encoded"),
            StatusCode::PAYLOAD_TOO_LARGE => format!("{text}; send a smaller body"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => format!("{text}; send JSON with `Content-Type: application/json`"),
            _ => text.to_string(),
        }
    };
    ErrorBody { error: ErrorDetail { code: code.into(), message } }
}

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "invalid_parameter",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "invalid_parameter",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_get_a_code_and_keep_their_reason() {
        let body = body_for(StatusCode::BAD_REQUEST, "Invalid URL: Invalid UTF-8 in `id`");
        assert_eq!(body.error.code, "invalid_parameter");
        assert!(body.error.message.starts_with("Invalid URL: Invalid UTF-8 in `id`"), "{}", body.error.message);
        assert_eq!(body_for(StatusCode::PAYLOAD_TOO_LARGE, "").error.code, "payload_too_large");
        assert_eq!(body_for(StatusCode::UNSUPPORTED_MEDIA_TYPE, "x").error.code, "unsupported_media_type");
    }

    #[test]
    fn server_errors_hide_their_text() {
        let body = body_for(StatusCode::BAD_GATEWAY, "upstream db.internal:5432 refused");
        assert_eq!(body.error.code, "internal");
        assert!(!body.error.message.contains("db.internal"), "{}", body.error.message);
    }
}
