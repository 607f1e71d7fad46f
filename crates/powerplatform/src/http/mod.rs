//! One `reqwest::Client` for every call, with per-host concurrency limits and retries.
//!
//! A request is retried, with capped exponential backoff and full jitter, on: 429 and 403
//! `AF429` (throttling; `Retry-After` is honoured), 408, 5xx, connect and read failures,
//! timeouts, and a success status whose JSON body ends early (a truncated transfer). A 401 is
//! retried once, at once, after the cached token is dropped. Other 4xx are final.

mod options;
mod retry;
mod stats;

pub use options::ClientOptions;
pub use stats::{ClientStats, Stats};

use crate::error::{ApiError, ErrorBody};
use crate::secret::Secret;
use crate::urls;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use stats::{Counter, Hosts};
use std::future::Future;
use std::time::Duration;

/// What goes in the request body.
pub(crate) enum Body {
    Empty,
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded`, already encoded; it may hold a client secret.
    Form(Secret),
}

pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Body,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Request {
    pub(crate) fn new(method: Method, url: Url, body: Body) -> Self {
        Self { method, url, body, headers: Vec::new() }
    }

    pub(crate) fn header(mut self, name: HeaderName, value: &'static str) -> Self {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    pub(crate) fn shown_url(&self) -> String {
        urls::redact(&self.url)
    }

    pub(crate) fn shown_method(&self) -> String {
        self.method.to_string()
    }
}

/// Where a request's bearer token comes from.
pub(crate) trait Bearer: Sync {
    /// `None` sends the request without `Authorization` (the token endpoint itself).
    fn token(&self) -> impl Future<Output = Result<Option<Secret>, ApiError>> + Send;
    /// The service answered 401 to this token: forget it so the next `token()` fetches anew.
    fn invalidate(&self, token: &Secret);
}

/// No `Authorization` header.
pub(crate) struct Anonymous;

impl Bearer for Anonymous {
    async fn token(&self) -> Result<Option<Secret>, ApiError> {
        Ok(None)
    }
    fn invalidate(&self, _token: &Secret) {}
}

/// A parsed success body and the response headers (paging may live there).
pub(crate) struct Reply<T> {
    pub(crate) value: T,
    pub(crate) headers: HeaderMap,
}

enum Outcome<T> {
    Done(Reply<T>),
    Final(ApiError),
    /// A transport failure a retry cannot fix (a malformed request, a redirect loop).
    FinalTransport(String),
    Unauthorized(ApiError),
    Retry {
        reason: Reason,
        wait: Option<Duration>,
    },
}

/// A retryable failure, turned into an [`ApiError`] if it is the last attempt.
enum Reason {
    Throttled,
    Server { status: u16, detail: String },
    Timeout,
    Truncated(String),
    Transport(String),
}

impl Reason {
    fn into_error(self, req: &Request, attempts: u32) -> ApiError {
        let (method, url) = (req.shown_method(), req.shown_url());
        match self {
            Self::Throttled => ApiError::Throttled { method, url, attempts },
            Self::Server { status, detail } => ApiError::Server { method, url, status, attempts, detail },
            Self::Timeout => ApiError::Timeout { method, url, attempts },
            Self::Truncated(detail) => ApiError::Truncated { method, url, attempts, detail },
            Self::Transport(detail) => ApiError::Transport { method, url, attempts, detail },
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Self::Throttled => "throttled",
            Self::Server { .. } => "server error",
            Self::Timeout => "timeout",
            Self::Truncated(_) => "truncated body",
            Self::Transport(_) => "transport error",
        }
    }
}

pub(crate) struct Http {
    client: reqwest::Client,
    options: ClientOptions,
    hosts: Hosts,
}

impl Http {
    pub(crate) fn new(options: ClientOptions) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("steward/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.request_timeout.min(Duration::from_secs(30)))
            .build()?;
        let hosts = Hosts::new(options.concurrency_per_host);
        Ok(Self { client, options, hosts })
    }

    pub(crate) fn stats(&self) -> ClientStats {
        self.hosts.snapshot()
    }

    /// Send `req` until it succeeds with a JSON body of type `T`, or fails for good.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        req: &Request,
        bearer: &impl Bearer,
    ) -> Result<Reply<T>, ApiError> {
        self.send_classified(req, bearer, classify::<T>).await
    }

    /// Send `req` until the service gives a final answer, and return it whatever its status
    /// (a write call reports a refusal instead of failing on it). Throttling, 5xx, timeouts
    /// and a 401 are retried exactly as for [`Http::send_json`]; a success may have any body,
    /// an empty one included.
    pub(crate) async fn send_raw(&self, req: &Request, bearer: &impl Bearer) -> Result<Reply<RawReply>, ApiError> {
        self.send_classified(req, bearer, classify_raw).await
    }

    async fn send_classified<T>(
        &self,
        req: &Request,
        bearer: &impl Bearer,
        classify: Classifier<T>,
    ) -> Result<Reply<T>, ApiError> {
        let host = self.hosts.get(&urls::host_key(&req.url));
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            // The token is fetched before taking a permit: the token endpoint may share this
            // host's limit (a test server, a proxy) and must not wait for it.
            let token = match bearer.token().await {
                Ok(token) => token,
                Err(error) => {
                    self.hosts.bump(&host, Counter::Failure);
                    return Err(error);
                }
            };
            let outcome = {
                // The semaphore is never closed; without a permit the request just goes unlimited.
                let _permit = host.limit.acquire().await.ok();
                self.hosts.bump(&host, Counter::Call);
                self.attempt(req, token.as_ref(), classify).await
            };
            match outcome {
                Outcome::Done(reply) => return Ok(reply),
                Outcome::Final(error) => {
                    self.hosts.bump(&host, Counter::Failure);
                    return Err(error);
                }
                Outcome::FinalTransport(detail) => {
                    self.hosts.bump(&host, Counter::Failure);
                    return Err(Reason::Transport(detail).into_error(req, attempt));
                }
                Outcome::Unauthorized(error) => match token {
                    Some(token) if !refreshed => {
                        refreshed = true;
                        bearer.invalidate(&token);
                        self.hosts.bump(&host, Counter::Retry);
                        tracing::debug!(method = %req.method, url = %req.shown_url(), "401: retrying once with a fresh token");
                    }
                    _ => {
                        self.hosts.bump(&host, Counter::Failure);
                        return Err(error);
                    }
                },
                Outcome::Retry { reason, wait } => {
                    if matches!(reason, Reason::Throttled) {
                        self.hosts.bump(&host, Counter::Throttled);
                    }
                    if attempt >= self.options.max_attempts {
                        self.hosts.bump(&host, Counter::Failure);
                        return Err(reason.into_error(req, attempt));
                    }
                    self.hosts.bump(&host, Counter::Retry);
                    let wait = wait
                        .unwrap_or_else(|| retry::backoff(attempt, self.options.base_delay, self.options.max_delay));
                    tracing::debug!(
                        method = %req.method, url = %req.shown_url(), attempt, reason = reason.label(),
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt<T>(&self, req: &Request, token: Option<&Secret>, classify: Classifier<T>) -> Outcome<T> {
        let mut builder = self
            .client
            .request(req.method.clone(), req.url.clone())
            .timeout(self.options.request_timeout)
            .header(ACCEPT, "application/json");
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if let Some(token) = token {
            // reqwest marks this header sensitive, so it never shows in its Debug output.
            builder = builder.bearer_auth(token.expose());
        }
        builder = match &req.body {
            Body::Empty if req.method == Method::GET => builder,
            // Some servers refuse a POST without `Content-Length` (411); an empty body alone does not send it.
            Body::Empty => builder.header(CONTENT_LENGTH, "0").body(Vec::new()),
            Body::Json(value) => builder.json(value),
            Body::Form(form) => {
                builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(form.expose().to_owned())
            }
        };
        let response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return transport_outcome(&error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return transport_outcome(&error),
        };
        classify(req, status, headers, &body)
    }
}

/// Turns one HTTP answer into what the retry loop does next.
type Classifier<T> = fn(&Request, StatusCode, HeaderMap, &[u8]) -> Outcome<T>;

/// A final answer of any status, as [`Http::send_raw`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawReply {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Like [`classify`], except that a final answer is returned as it is, whatever its status.
fn classify_raw(req: &Request, status: StatusCode, headers: HeaderMap, body: &[u8]) -> Outcome<RawReply> {
    let raw = || RawReply { status: status.as_u16(), body: String::from_utf8_lossy(body).into_owned() };
    if status.is_success() {
        return Outcome::Done(Reply { value: raw(), headers });
    }
    // The retry decisions (throttling, 5xx, 408, 401) are the ones every other call gets.
    match classify::<serde::de::IgnoredAny>(req, status, headers.clone(), body) {
        Outcome::Retry { reason, wait } => Outcome::Retry { reason, wait },
        Outcome::Unauthorized(error) => Outcome::Unauthorized(error),
        Outcome::FinalTransport(detail) => Outcome::FinalTransport(detail),
        Outcome::Done(_) | Outcome::Final(_) => Outcome::Done(Reply { value: raw(), headers }),
    }
}

fn classify<T: DeserializeOwned>(req: &Request, status: StatusCode, headers: HeaderMap, body: &[u8]) -> Outcome<T> {
    let (method, url) = (req.shown_method(), req.shown_url());
    if status.is_success() {
        return match serde_json::from_slice::<T>(body) {
            Ok(value) => Outcome::Done(Reply { value, headers }),
            // A body that stops mid-value is a broken transfer, not a wrong shape: try again.
            Err(error) if error.is_eof() => Outcome::Retry { reason: Reason::Truncated(error.to_string()), wait: None },
            Err(error) => Outcome::Final(ApiError::InvalidBody { method, url, detail: error.to_string() }),
        };
    }
    let error = ErrorBody::parse(body);
    let detail = error.detail();
    let code = error.code;
    match status.as_u16() {
        429 => Outcome::Retry { reason: Reason::Throttled, wait: retry::retry_after(&headers) },
        // The Office 365 Management API throttles with 403 and code AF429.
        403 if code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("AF429")) => {
            Outcome::Retry { reason: Reason::Throttled, wait: retry::retry_after(&headers) }
        }
        401 => Outcome::Unauthorized(ApiError::Unauthorized { method, url, code, detail }),
        403 => Outcome::Final(ApiError::Forbidden { method, url, code, detail }),
        404 => Outcome::Final(ApiError::NotFound { method, url, code, detail }),
        408 => Outcome::Retry { reason: Reason::Timeout, wait: retry::retry_after(&headers) },
        _ if retry::is_retryable_status(status) => Outcome::Retry {
            reason: Reason::Server { status: status.as_u16(), detail },
            wait: retry::retry_after(&headers),
        },
        other => Outcome::Final(ApiError::Rejected { method, url, status: other, code, detail }),
    }
}

fn transport_outcome<T>(error: &reqwest::Error) -> Outcome<T> {
    if error.is_timeout() {
        return Outcome::Retry { reason: Reason::Timeout, wait: None };
    }
    let detail = error_chain(error);
    if error.is_connect() || error.is_request() || error.is_body() || error.is_decode() {
        return Outcome::Retry { reason: Reason::Transport(detail), wait: None };
    }
    Outcome::FinalTransport(detail)
}

/// The error and its causes, without the URL reqwest would repeat (the caller prints it redacted).
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let part = match e.downcast_ref::<reqwest::Error>() {
            Some(re) if re.url().is_some() => format_without_url(re),
            _ => e.to_string(),
        };
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        current = e.source();
    }
    text
}

fn format_without_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text.replace(&format!(" ({url})"), "").replace(url.as_str(), "<url>"),
        None => text,
    }
}
