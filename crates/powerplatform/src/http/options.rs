//! How hard the client pushes and how patiently it retries.

use std::time::Duration;

/// Limits and retry policy for one [`crate::PowerPlatformClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Requests in flight at once to one host (host and port). Default 8.
    pub concurrency_per_host: usize,
    /// Attempts per request, the first included, before a retryable failure becomes an error. Default 8.
    pub max_attempts: u32,
    /// Backoff before the first retry; it doubles per attempt, with full jitter. Default 500 ms.
    pub base_delay: Duration,
    /// Upper bound of the jittered backoff. Default 60 s.
    pub max_delay: Duration,
    /// One attempt, from sending to the last byte of the body. Default 60 s.
    pub request_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            concurrency_per_host: 8,
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
        }
    }
}
