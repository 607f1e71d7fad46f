//! The one error type of the request path and its one JSON shape.
//!
//! Every failure a handler can meet becomes an [`ApiError`]. The JSON API renders it as
//! `{"error":{"code":…,"message":…}}`; the web UI renders the same error as an HTML page
//! (see `web::page`). Internal errors are logged with their cause and answered with a
//! message that leaks nothing about the database.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_store::StoreError;

/// Boxed cause of an internal error, kept for the log only.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query parameter has a value the server does not accept.
    #[error("{message}")]
    InvalidParameter { parameter: &'static str, message: String },

    /// The request as a whole cannot be read (e.g. a malformed query string).
    #[error("{0}")]
    BadRequest(String),

    #[error("{what} '{id}' not found; check the id, or list {plural} to find it")]
    NotFound { what: &'static str, plural: &'static str, id: String },

    /// Nobody is signed in (no session cookie, no bearer token, or an expired one).
    #[error("sign in first: open /signin in a browser, or send an API token as `Authorization: Bearer …`")]
    Unauthenticated,

    /// Signed in, but the role (or the environments, or ownership) does not allow this.
    #[error("{0}")]
    Forbidden(String),

    /// The request conflicts with the current state (a duplicate, or a stale change).
    #[error("{0}")]
    Conflict(String),

    /// Too many attempts; the client should wait.
    #[error("{0}")]
    TooManyRequests(String),

    /// No route matches the path.
    #[error("no page or endpoint at '{0}'; the API lives under /api/v1")]
    NoRoute(String),

    /// The path exists but not for this method.
    #[error("{method} is not supported on '{path}'; pages and reads use GET, actions that change something use POST")]
    MethodNotAllowed { method: String, path: String },

    /// The store did not answer a readiness probe. The reason goes to the log only: it may
    /// name tables, hosts or paths.
    #[error(
        "the {backend} store is not answering; the server log has the reason, check that the database is reachable"
    )]
    Unavailable { backend: &'static str, reason: String },

    /// A failure the caller cannot fix; logged, never shown.
    #[error("internal error while {context}")]
    Internal {
        context: String,
        #[source]
        source: BoxError,
    },
}

/// The body of every error response: `{"error":{"code":…,"message":…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// `invalid_parameter`, `unauthenticated`, `forbidden`, `not_found`, `conflict`,
    /// `too_many_requests`, `method_not_allowed`, `unavailable` or `internal`.
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn invalid(parameter: &'static str, message: impl Into<String>) -> Self {
        ApiError::InvalidParameter { parameter, message: message.into() }
    }

    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        ApiError::Internal { context: context.into(), source: source.into() }
    }

    /// Translate a store error met while `context` (e.g. "listing resources").
    /// Cursor and query errors are the caller's; everything else is ours.
    pub fn store(context: &str, error: StoreError) -> Self {
        match error {
            StoreError::InvalidCursor(_) => invalid_cursor(),
            StoreError::InvalidQuery(message) => ApiError::BadRequest(format!("invalid query: {message}")),
            StoreError::NotFound { what, id } => ApiError::NotFound { what, plural: "the collection", id },
            // Duplicates (a taken username, a second open request) are the caller's to resolve.
            StoreError::Conflict(message) => ApiError::Conflict(message),
            other => ApiError::internal(context, other),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameter { .. } | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } | ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidParameter { .. } | ApiError::BadRequest(_) => "invalid_parameter",
            ApiError::NotFound { .. } | ApiError::NoRoute(_) => "not_found",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal { .. } => "internal",
        }
    }

    /// The message a client may see. Internal errors say only where to look.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Internal { .. } => {
                "the server failed to answer this request; the server log has the details, try again later".into()
            }
            other => other.to_string(),
        }
    }

    /// Log what the operator needs to know. Client mistakes are not worth more than debug.
    pub fn log(&self) {
        match self {
            ApiError::Internal { context, source } => {
                tracing::error!(context = %context, error = %source, "request failed");
            }
            ApiError::Unavailable { backend, reason } => {
                tracing::warn!(backend, reason = %reason, "store not ready");
            }
            other => tracing::debug!(code = other.code(), message = %other, "request rejected"),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code: self.code().into(), message: self.public_message() } }
    }
}

/// The one message for a cursor this server cannot read, whoever noticed it first.
pub fn invalid_cursor() -> ApiError {
    ApiError::invalid(
        "cursor",
        "parameter `cursor` is not a paging cursor this server issued (it may be truncated or from another list); \
         request the first page again without `cursor`",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        (self.status(), Json(self.body())).into_response()
    }
}

/// Failures of the server itself, outside any one request.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "the HTTP server on {addr} stopped with an error: {source}; check the listener (address in use, \
         file descriptor limits) and start `steward serve` again"
    )]
    Serve {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal("listing resources", std::io::Error::other("disk /var/secret full"));
        let body = err.body();
        assert_eq!(body.error.code, "internal");
        assert!(!body.error.message.contains("secret"), "{}", body.error.message);
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn store_cursor_errors_become_parameter_errors() {
        let err = ApiError::store("listing resources", StoreError::InvalidCursor("zzz".into()));
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert!(err.public_message().contains("without `cursor`"));
    }
}
