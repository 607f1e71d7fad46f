//! Entra ID client-credentials tokens, cached per audience.
//!
//! One token per audience (Power Apps service for BAP and Power Apps, Flow service, Power
//! Platform API, Office 365 Management, Graph, each Dataverse instance), refreshed
//! [`REFRESH_MARGIN`] before it expires, by one caller at a time: the others wait for that
//! refresh and reuse its result.

mod assertion;

use crate::cloud::scope_for;
use crate::config::Credential;
use crate::error::{ApiError, AuthFailure};
use crate::http::{Anonymous, Bearer, Body, Http, Request};
use crate::secret::Secret;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A token is replaced this long before Entra ID says it expires, so that a request never
/// leaves with a token that lapses in flight.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

#[derive(Clone)]
struct CachedToken {
    token: Secret,
    refresh_at: Instant,
}

#[derive(Default)]
struct Slot {
    current: Mutex<Option<CachedToken>>,
    /// Held by the caller that refreshes, so that only one token request per audience is in flight.
    refresh: tokio::sync::Mutex<()>,
    /// The last refresh failure and when it ended: callers that queued behind a failed
    /// refresh share its error instead of each asking Entra ID again (and retrying again).
    failure: Mutex<Option<(Instant, ApiError)>>,
}

impl Slot {
    fn fresh(&self) -> Option<Secret> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().filter(|t| Instant::now() < t.refresh_at).map(|t| t.token.clone())
    }
}

pub(crate) struct TokenCache {
    token_url: Url,
    client_id: String,
    credential: Credential,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl TokenCache {
    pub(crate) fn new(token_url: Url, client_id: String, credential: Credential) -> Self {
        Self { token_url, client_id, credential, slots: Mutex::new(HashMap::new()) }
    }

    fn slot(&self, audience: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(audience.to_string()).or_default().clone()
    }

    /// A valid token for `audience`, from the cache or from Entra ID.
    pub(crate) async fn token(&self, http: &Http, audience: &str) -> Result<Secret, ApiError> {
        let slot = self.slot(audience);
        if let Some(token) = slot.fresh() {
            return Ok(token);
        }
        let asked = Instant::now();
        let _refreshing = slot.refresh.lock().await;
        // Whoever held the lock before us may have refreshed already, or failed to.
        if let Some(token) = slot.fresh() {
            return Ok(token);
        }
        if let Some((at, error)) = slot.failure.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            && *at >= asked
        {
            return Err(error.clone());
        }
        match self.request(http, audience).await {
            Ok(fetched) => {
                let token = fetched.token.clone();
                *slot.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(fetched);
                Ok(token)
            }
            Err(error) => {
                *slot.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), error.clone()));
                Err(error)
            }
        }
    }

    /// Drop `token` if it is still the cached one (a concurrent refresh may have replaced it).
    pub(crate) fn invalidate(&self, audience: &str, token: &Secret) {
        let slot = self.slot(audience);
        let mut current = slot.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|c| &c.token == token) {
            *current = None;
        }
    }

    async fn request(&self, http: &Http, audience: &str) -> Result<CachedToken, ApiError> {
        let form = self.form(audience)?;
        let request = Request::new(Method::POST, self.token_url.clone(), Body::Form(form));
        let started = Instant::now();
        let reply =
            http.send_json::<TokenResponse>(&request, &Anonymous).await.map_err(|e| self.refusal(audience, e))?;
        let response = reply.value;
        if response.access_token.is_empty() {
            return Err(self.auth_error(
                audience,
                200,
                "no_access_token",
                "the answer has no access_token".into(),
                "check the login endpoint",
            ));
        }
        let lifetime = Duration::from_secs(response.expires_in.seconds());
        Ok(CachedToken {
            token: Secret::new(response.access_token),
            // Counted from when the request left: the token's clock started no later than that.
            refresh_at: started + lifetime.saturating_sub(REFRESH_MARGIN),
        })
    }

    /// The token request body. Built in one go (the serializer is not `Send`) and wrapped in
    /// a [`Secret`] at once, since it holds the client secret or a signed assertion.
    fn form(&self, audience: &str) -> Result<Secret, ApiError> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        form.append_pair("client_id", &self.client_id);
        form.append_pair("scope", &scope_for(audience));
        match &self.credential {
            Credential::Secret(secret) => {
                form.append_pair("client_secret", secret.expose());
            }
            Credential::Certificate(certificate) => {
                let jwt = assertion::client_assertion(
                    certificate,
                    &self.client_id,
                    self.token_url.as_str(),
                    SystemTime::now(),
                )
                .map_err(|detail| {
                    self.auth_error(audience, 0, "client_assertion", detail, "check the certificate file")
                })?;
                form.append_pair("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
                form.append_pair("client_assertion", &jwt);
            }
        }
        Ok(Secret::new(form.finish()))
    }

    /// Entra ID refusals (4xx with `error`/`error_description`) become [`ApiError::Auth`];
    /// network and server failures keep their own variant, with the token URL.
    fn refusal(&self, audience: &str, error: ApiError) -> ApiError {
        let (status, code, detail) = match error {
            ApiError::Unauthorized { code, detail, .. } => (401, code, detail),
            ApiError::Forbidden { code, detail, .. } => (403, code, detail),
            ApiError::NotFound { code, detail, .. } => (404, code, detail),
            ApiError::Rejected { status, code, detail, .. } => (status, code, detail),
            ApiError::InvalidBody { detail, .. } => (200, Some("invalid_token_response".into()), detail),
            other => return other,
        };
        let code = code.unwrap_or_else(|| "unknown_error".to_string());
        // The detail repeats the code in front of the message; the failure has a field for each.
        let detail = detail.strip_prefix(&format!("{code}: ")).map(str::to_string).unwrap_or(detail);
        let hint = hint_for(&code, &detail);
        self.auth_error(audience, status, &code, detail, hint)
    }

    fn auth_error(&self, audience: &str, status: u16, code: &str, detail: String, hint: &str) -> ApiError {
        ApiError::Auth(Box::new(AuthFailure {
            method: "POST".into(),
            url: crate::urls::redact(&self.token_url),
            audience: audience.to_string(),
            status,
            code: code.to_string(),
            detail: scrub(&detail, &self.credential),
            hint: hint.to_string(),
        }))
    }
}

/// Never let a secret through, even if a service were to echo it.
fn scrub(text: &str, credential: &Credential) -> String {
    match credential {
        Credential::Secret(secret) if !secret.is_empty() => text.replace(secret.expose(), "***"),
        _ => text.to_string(),
    }
}

/// What to do about the Entra ID errors people actually hit.
fn hint_for(code: &str, detail: &str) -> &'static str {
    let known: &[(&str, &str)] = &[
        ("AADSTS7000215", "the client secret is wrong: use the secret's Value (not its ID) from the app registration"),
        ("AADSTS7000222", "the client secret has expired: create a new one in the app registration"),
        ("AADSTS700016", "no app with this client_id in this tenant: check client_id and tenant_id"),
        ("AADSTS90002", "no such tenant: check tenant_id (and cloud)"),
        ("AADSTS900023", "tenant_id is malformed: use the directory (tenant) id GUID"),
        (
            "AADSTS700027",
            "the certificate is not registered on the app: upload it (see its thumbprint) to the app registration",
        ),
        ("AADSTS700024", "the client assertion is outside its validity window: check this machine's clock"),
        (
            "AADSTS500011",
            "the API is not known in this tenant: add its API permission to the app and grant admin consent",
        ),
        ("AADSTS70011", "the scope is invalid for this API: check the cloud setting"),
        ("AADSTS7000112", "the app registration is disabled: enable it"),
    ];
    known.iter().find(|(aadsts, _)| detail.contains(aadsts)).map(|(_, hint)| *hint).unwrap_or(match code {
        "invalid_client" | "unauthorized_client" => "check client_id and the client secret or certificate",
        "invalid_request" | "invalid_grant" => "check tenant_id, client_id and the cloud setting",
        "invalid_scope" => "check the cloud setting: the audience does not exist in this cloud",
        _ => "check tenant_id, client_id, the credential and the login endpoint",
    })
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: ExpiresIn,
}

/// v2 endpoints send a number, v1 endpoints a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExpiresIn {
    Number(u64),
    Text(String),
}

impl Default for ExpiresIn {
    fn default() -> Self {
        // Entra ID tokens last at least an hour; assume the shortest when it is not said.
        Self::Number(3600)
    }
}

impl ExpiresIn {
    fn seconds(&self) -> u64 {
        match self {
            Self::Number(n) => *n,
            Self::Text(t) => t.trim().parse().unwrap_or(0),
        }
    }
}

/// The bearer for one audience, handed to [`Http::send_json`].
pub(crate) struct AudienceBearer<'a> {
    pub(crate) cache: &'a TokenCache,
    pub(crate) http: &'a Http,
    pub(crate) audience: &'a str,
}

impl Bearer for AudienceBearer<'_> {
    async fn token(&self) -> Result<Option<Secret>, ApiError> {
        self.cache.token(self.http, self.audience).await.map(Some)
    }

    fn invalidate(&self, token: &Secret) {
        self.cache.invalidate(self.audience, token);
    }
}
