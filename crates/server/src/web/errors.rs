//! Errors as HTML pages, with the same status codes and messages as the JSON API.

use crate::AppState;
use crate::error::ApiError;
use crate::web::Layout;
use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

pub fn page(state: &AppState, error: ApiError) -> Response {
    error.log();
    let status = error.status();
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::BAD_REQUEST => "This request cannot be answered",
        StatusCode::SERVICE_UNAVAILABLE => "Temporarily unavailable",
        StatusCode::METHOD_NOT_ALLOWED => "Not supported",
        _ => "Something went wrong",
    };
    let page = ErrorPage {
        layout: Layout::public(state, heading),
        status: status.as_u16(),
        heading,
        message: error.public_message(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(render_error) => {
            tracing::error!(error = %render_error, "rendering the error page failed");
            (status, error.public_message()).into_response()
        }
    }
}

/// Unknown paths: JSON under `/api/`, an HTML page elsewhere.
pub async fn fallback(State(state): State<AppState>, uri: Uri) -> Response {
    let error = ApiError::NoRoute(uri.path().to_string());
    if uri.path().starts_with("/api/") { error.into_response() } else { page(&state, error) }
}

/// A known path with an unsupported method: the same split between JSON and HTML.
pub async fn method_not_allowed(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    let error = ApiError::MethodNotAllowed { method: method.to_string(), path: uri.path().to_string() };
    if uri.path().starts_with("/api/") { error.into_response() } else { page(&state, error) }
}
