//! Errors at the crate boundary: starting and running the server. Answers to bad requests are
//! HTTP responses, not errors (see `http::reply`).

/// Why a fake tenant could not start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    #[error("binding the fake tenant's listener: {0}")]
    Bind(#[source] std::io::Error),
    #[error("serving the fake tenant: {0}")]
    Serve(#[source] std::io::Error),
    #[error("the fake tenant's server task ended abnormally: {0}")]
    Task(String),
}
