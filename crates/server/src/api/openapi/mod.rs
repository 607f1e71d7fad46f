//! The OpenAPI 3.1 document at `GET /api/v1/openapi.json`.
//!
//! Two sources make it, so that neither can drift on its own:
//! - the route registry ([`crate::routes::endpoints`]) says which paths and methods exist and
//!   who may call them: security requirements, `x-steward-access`, and the error responses
//!   every operation can meet (401/403 behind sign-in, 404 on paths with ids, 400 where
//!   parameters or a body are read, 500 everywhere) are derived from it;
//! - `spec.yaml`, written by hand, says what each operation means: summary, parameters with
//!   their enums and defaults, request and response schemas written from the Rust structs.
//!
//! The tests (`tests.rs`) fail when a registered API route has no operation in the YAML or
//! the YAML documents a route that does not exist, when a `$ref` points nowhere, and when the
//! document breaks the structural rules of OpenAPI 3.1. The document is built once and served
//! from memory.

use crate::error::ApiError;
use crate::routes::{Access, Endpoint};
use axum::body::Bytes;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

#[cfg(test)]
mod tests;

/// The hand-written half of the document.
pub const SPEC_YAML: &str = include_str!("spec.yaml");

/// The path the document is served at.
pub const PATH: &str = "/api/v1/openapi.json";

/// Whether a registered route belongs to the documented API (the JSON API, the probes and
/// the metrics), as opposed to an HTML page or a static file.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Why the document could not be built. Only a broken `spec.yaml` causes this, which the
/// tests catch before a release.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("spec.yaml is not valid YAML: {0}")]
    Yaml(String),
    #[error("spec.yaml: {0}")]
    Shape(String),
}

/// `GET /api/v1/openapi.json`: the document, built on first use.
pub async fn serve() -> Response {
    match cached() {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes.clone()).into_response()
        }
        Err(message) => ApiError::internal("building the OpenAPI document", message.clone()).into_response(),
    }
}

fn cached() -> &'static Result<Bytes, String> {
    static DOCUMENT: OnceLock<Result<Bytes, String>> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        document(&crate::routes::endpoints())
            .and_then(|doc| serde_json::to_vec(&doc).map_err(|e| SpecError::Shape(e.to_string())))
            .map(Bytes::from)
            .map_err(|e| e.to_string())
    })
}

/// The hand-written YAML as JSON.
pub fn spec() -> Result<Value, SpecError> {
    serde_saphyr::from_str::<Value>(SPEC_YAML).map_err(|e| SpecError::Yaml(e.to_string()))
}

/// The whole document for these routes: the YAML's operations for every registered API route,
/// completed from the registry.
pub fn document(endpoints: &[Endpoint]) -> Result<Value, SpecError> {
    let mut doc = spec()?;
    let root = doc.as_object_mut().ok_or_else(|| SpecError::Shape("the top level must be a mapping".into()))?;
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("version".into(), Value::String(env!("CARGO_PKG_VERSION").into()));
    }
    let paths = root
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| SpecError::Shape("`paths` must be a mapping".into()))?;
    for endpoint in endpoints.iter().filter(|e| is_api(e.path)) {
        let method = method_key(&endpoint.method);
        // Undocumented routes are left out here and reported by the tests.
        let Some(operation) =
            paths.get_mut(endpoint.path).and_then(|p| p.get_mut(method)).and_then(Value::as_object_mut)
        else {
            continue;
        };
        complete(operation, endpoint);
    }
    Ok(doc)
}

/// The YAML key of an HTTP method.
pub fn method_key(method: &Method) -> &'static str {
    match *method {
        Method::GET => "get",
        Method::POST => "post",
        Method::PUT => "put",
        Method::DELETE => "delete",
        Method::PATCH => "patch",
        Method::HEAD => "head",
        Method::OPTIONS => "options",
        _ => "trace",
    }
}

/// Add what the registry knows to one operation: who may call it, how to authenticate, and
/// the error responses the server's common code can answer.
fn complete(operation: &mut Map<String, Value>, endpoint: &Endpoint) {
    operation.insert("x-steward-access".into(), Value::String(endpoint.access.as_str().into()));
    let writes = endpoint.method != Method::GET;
    let security = match endpoint.access {
        Access::Public => json!([]),
        // Cookie sessions must send the CSRF token on writes; bearer tokens never need one.
        _ if writes => json!([{"bearerToken": []}, {"sessionCookie": [], "csrfToken": []}]),
        _ => json!([{"bearerToken": []}, {"sessionCookie": []}]),
    };
    operation.insert("security".into(), security);

    let reads_input = operation.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty())
        || operation.contains_key("requestBody");
    let has_path_params = endpoint.path.contains('{');
    let mut added: Vec<(&str, &str)> = Vec::new();
    if reads_input {
        added.push(("400", "BadRequest"));
    }
    if endpoint.access != Access::Public {
        added.push(("401", "Unauthenticated"));
        added.push(("403", "Forbidden"));
    }
    if has_path_params {
        added.push(("404", "NotFound"));
    }
    added.push(("500", "Internal"));
    let responses = operation.entry("responses").or_insert_with(|| Value::Object(Map::new()));
    if let Some(responses) = responses.as_object_mut() {
        for (status, name) in added {
            responses.entry(status).or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
        }
    }
}
