//! The errors an API call can end in. Every one names the request (method and URL with
//! credentials redacted) and says what to do next; none carries a secret or a token.

use serde::Deserialize;

/// Why a call to a Microsoft API failed. The sync engine treats any of these as "this listing
/// is incomplete"; [`ApiError::is_permission`] and [`ApiError::is_transient`] say whether the
/// fix is a permission grant or simply a later retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error(
        "{method} {url}: 401 Unauthorized even with a fresh token ({detail}); the app registration has no access to this API: \
         register it as a Power Platform management app (New-PowerAppManagementApp) or grant the API permission with admin consent"
    )]
    Unauthorized { method: String, url: String, code: Option<String>, detail: String },

    #[error(
        "{method} {url}: 403 Forbidden ({detail}); the app registration may not read this: grant the permission the message names \
         (for Dataverse, add the app as an application user in that environment)"
    )]
    Forbidden { method: String, url: String, code: Option<String>, detail: String },

    #[error(
        "{method} {url}: 404 Not Found ({detail}); it was deleted since it was listed, or the endpoint is wrong for this cloud"
    )]
    NotFound { method: String, url: String, code: Option<String>, detail: String },

    #[error(
        "{method} {url}: HTTP {status} ({detail}); the service refused the request and a retry will not change that"
    )]
    Rejected { method: String, url: String, status: u16, code: Option<String>, detail: String },

    #[error(
        "{method} {url}: still throttled (429 or AF429) after {attempts} attempts; the tenant's API budget is used up: \
         run the sync later or lower concurrency_per_host"
    )]
    Throttled { method: String, url: String, attempts: u32 },

    #[error(
        "{method} {url}: HTTP {status} after {attempts} attempts ({detail}); the service is failing: run the sync later"
    )]
    Server { method: String, url: String, status: u16, attempts: u32, detail: String },

    #[error(
        "{method} {url}: no complete answer within the request timeout after {attempts} attempts; \
         the service or the network is slow: run the sync later or raise request_timeout"
    )]
    Timeout { method: String, url: String, attempts: u32 },

    #[error(
        "{method} {url}: the response body ended early after {attempts} attempts ({detail}); the connection is unreliable: run the sync later"
    )]
    Truncated { method: String, url: String, attempts: u32, detail: String },

    #[error(
        "{method} {url}: the response is not the expected JSON ({detail}); the API changed its shape or the endpoint is wrong for this cloud"
    )]
    InvalidBody { method: String, url: String, detail: String },

    #[error("{method} {url}: the service returned part of the result with no way to get the rest ({detail})")]
    Incomplete { method: String, url: String, detail: String },

    #[error(
        "{method} {url}: could not reach the service after {attempts} attempts ({detail}); check the network, proxy, DNS and the endpoint host"
    )]
    Transport { method: String, url: String, attempts: u32, detail: String },

    /// The token endpoint refused or failed (boxed: it is the largest variant).
    #[error(transparent)]
    Auth(Box<AuthFailure>),

    #[error("{method} {url}: {detail}")]
    InvalidRequest { method: String, url: String, detail: String },
}

impl ApiError {
    pub fn method(&self) -> &str {
        match self {
            Self::Unauthorized { method, .. }
            | Self::Forbidden { method, .. }
            | Self::NotFound { method, .. }
            | Self::Rejected { method, .. }
            | Self::Throttled { method, .. }
            | Self::Server { method, .. }
            | Self::Timeout { method, .. }
            | Self::Truncated { method, .. }
            | Self::InvalidBody { method, .. }
            | Self::Incomplete { method, .. }
            | Self::Transport { method, .. }
            | Self::InvalidRequest { method, .. } => method,
            Self::Auth(failure) => &failure.method,
        }
    }

    /// The request URL, query kept, credentials replaced by `***`.
    pub fn url(&self) -> &str {
        match self {
            Self::Unauthorized { url, .. }
            | Self::Forbidden { url, .. }
            | Self::NotFound { url, .. }
            | Self::Rejected { url, .. }
            | Self::Throttled { url, .. }
            | Self::Server { url, .. }
            | Self::Timeout { url, .. }
            | Self::Truncated { url, .. }
            | Self::InvalidBody { url, .. }
            | Self::Incomplete { url, .. }
            | Self::Transport { url, .. }
            | Self::InvalidRequest { url, .. } => url,
            Self::Auth(failure) => &failure.url,
        }
    }

    /// The service's error code (`AF20022`, `invalid_client`, …) when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Rejected { code, .. } => code.as_deref(),
            Self::Auth(failure) => Some(&failure.code),
            _ => None,
        }
    }

    /// The fix is a grant, a consent or a credential, not a retry.
    pub fn is_permission(&self) -> bool {
        match self {
            Self::Unauthorized { .. } | Self::Forbidden { .. } => true,
            Self::Auth(failure) => (400..500).contains(&failure.status) && !matches!(failure.status, 408 | 429),
            _ => false,
        }
    }

    /// The same call may well succeed later.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Throttled { .. }
            | Self::Server { .. }
            | Self::Timeout { .. }
            | Self::Truncated { .. }
            | Self::Transport { .. } => true,
            Self::Auth(failure) => failure.status == 429 || failure.status >= 500,
            _ => false,
        }
    }
}

/// Entra ID would not issue a token. `code` is the OAuth error (`invalid_client`, …); the
/// `AADSTS…` number is in `detail`; `hint` says what to change. `status` 0 means the request
/// was never sent (the client assertion could not be built).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("getting a token for {audience} from {method} {url} failed: HTTP {status}, {code}: {detail}; {hint}")]
pub struct AuthFailure {
    pub method: String,
    pub url: String,
    pub audience: String,
    pub status: u16,
    pub code: String,
    pub detail: String,
    pub hint: String,
}

/// The code and message of an error body, in the shapes Microsoft APIs use:
/// `{"error":{"code":"…","message":"…"}}` (BAP, Power Apps, Graph, Dataverse, O365),
/// `{"error":"…","error_description":"…"}` (Entra ID), `{"code":"…","message":"…"}`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Longest error message copied from a response body into an error.
const MAX_MESSAGE: usize = 300;

impl ErrorBody {
    pub(crate) fn parse(body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Inner {
            #[serde(default, alias = "Code")]
            code: Option<String>,
            #[serde(default, alias = "Message")]
            message: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum ErrorField {
            Object(Inner),
            Code(String),
        }
        #[derive(Deserialize)]
        struct Outer {
            #[serde(default, alias = "Error")]
            error: Option<ErrorField>,
            #[serde(default)]
            error_description: Option<String>,
            #[serde(default, alias = "Code")]
            code: Option<String>,
            #[serde(default, alias = "Message")]
            message: Option<String>,
        }
        let parsed = match serde_json::from_slice::<Outer>(body) {
            Ok(outer) => match outer.error {
                Some(ErrorField::Object(inner)) => Self { code: inner.code, message: inner.message },
                Some(ErrorField::Code(code)) => Self { code: Some(code), message: outer.error_description },
                None => Self { code: outer.code, message: outer.message },
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                Self { code: None, message: (!text.is_empty()).then(|| text.to_string()) }
            }
        };
        Self { code: parsed.code.filter(|c| !c.is_empty()), message: parsed.message.map(|m| shorten(&m)) }
    }

    /// `code: message`, either part alone, or `no details` — for the `detail` of an error.
    pub(crate) fn detail(&self) -> String {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            (None, Some(message)) => message.clone(),
            (None, None) => "no details in the response".to_string(),
        }
    }
}

/// First line, at most [`MAX_MESSAGE`] characters: Entra ID appends trace ids and timestamps.
pub(crate) fn shorten(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.chars().count() > MAX_MESSAGE {
        let cut: String = line.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}
