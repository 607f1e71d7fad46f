//! What a catalog operation answers when it cannot be done: an [`ApiError`], or a publication
//! checklist that does not pass, which carries every check so that the API returns them and
//! the item page shows them next to the buttons.

use crate::error::{ApiError, ErrorDetail};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use steward_catalog::{CatalogError, Check};

#[derive(Debug)]
pub enum Failure {
    Api(ApiError),
    /// Submitting or approving with a failing checklist (422).
    Checklist(Vec<Check>),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl Failure {
    /// The message a person reads.
    pub fn message(&self) -> String {
        match self {
            Failure::Api(e) => e.public_message(),
            Failure::Checklist(checks) => checklist_message(checks),
        }
    }
}

/// `the publication checklist does not pass: Description (write at least …); …`
pub fn checklist_message(checks: &[Check]) -> String {
    let failed: Vec<String> =
        checks.iter().filter(|c| !c.passed).map(|c| format!("{} ({})", c.label, c.detail)).collect();
    format!("the publication checklist does not pass: {}", failed.join("; "))
}

/// The catalog crate's errors in the API's terms; `what` names the operation for the log.
pub fn from_catalog(what: &str, error: CatalogError) -> Failure {
    match error {
        CatalogError::Checklist(checks) => Failure::Checklist(checks),
        CatalogError::NotFound(id) => Failure::Api(ApiError::NotFound {
            what: "catalog item",
            plural: "/api/v1/catalog/items",
            id: id.to_string(),
        }),
        CatalogError::NotAllowed(message) => Failure::Api(ApiError::Conflict(message)),
        e @ CatalogError::Stale(_) => Failure::Api(ApiError::Conflict(e.to_string())),
        CatalogError::Invalid(message) => Failure::Api(ApiError::BadRequest(message)),
        CatalogError::Store(e) => Failure::Api(ApiError::store(what, e)),
        e @ CatalogError::Index(_) => Failure::Api(ApiError::internal(what.to_string(), e)),
    }
}

/// The error shape with the checks beside it:
/// `{"error": {"code": "checklist_failed", "message": …}, "checklist": [...]}`.
#[derive(Debug, Serialize)]
struct ChecklistBody<'a> {
    error: ErrorDetail,
    checklist: &'a [Check],
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => e.into_response(),
            Failure::Checklist(checks) => {
                let body = ChecklistBody {
                    error: ErrorDetail { code: "checklist_failed".into(), message: checklist_message(&checks) },
                    checklist: &checks,
                };
                (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
            }
        }
    }
}
