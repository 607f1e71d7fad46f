//! Resolving the caller of every request.
//!
//! Placeholder until sign-in lands: every request is the demo admin, which is what the server
//! did before authentication existed (everything open). Replaced by the real resolution
//! (tokens, sessions, the access table) in the next commit.

use crate::AppState;
use crate::auth::Caller;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub async fn authenticate(State(_state): State<AppState>, mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Caller::demo());
    next.run(request).await
}
