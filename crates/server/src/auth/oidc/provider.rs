//! The OpenID Connect provider as Steward talks to it: its discovery document, its signing
//! keys (JWKS, cached, fetched again when a token names an unknown key id), and the token
//! endpoint.

use crate::auth::config::OidcSettings;
use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Do not ask the provider for its keys more often than this when tokens name unknown keys
/// (a forged token must not turn Steward into a load generator against the provider).
const JWKS_REFETCH_EVERY: Duration = Duration::from_secs(60);
/// Keys are read again after this even when every key id is known (rotation).
const JWKS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// What Steward reads of `/.well-known/openid-configuration`.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// Why talking to the provider failed; shown to the person signing in and logged.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the sign-in provider at {url} could not be reached or answered badly: {reason}")]
    Http { url: String, reason: String },
    #[error(
        "the sign-in provider's discovery document names issuer '{found}', but Steward is configured for '{expected}'"
    )]
    IssuerMismatch { expected: String, found: String },
    #[error("the sign-in provider refused the code: {0}")]
    TokenRefused(String),
}

#[derive(Debug)]
struct Keys {
    keys: Vec<Jwk>,
    fetched: Instant,
}

#[derive(Debug)]
pub struct Provider {
    pub settings: OidcSettings,
    http: reqwest::Client,
    discovery: RwLock<Option<Discovery>>,
    keys: RwLock<Option<Keys>>,
}

/// The token endpoint's answer (only what Steward uses).
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub id_token: Option<String>,
}

impl Provider {
    pub fn new(settings: OidcSettings) -> Result<Provider, String> {
        check_url("issuer", &settings.issuer)?;
        check_url("redirect_url", &settings.redirect_url)?;
        if settings.client_id.trim().is_empty() {
            return Err(
                "[auth.oidc] client_id is empty; copy the application (client) id from the app registration".into()
            );
        }
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| format!("cannot build the HTTP client for OpenID Connect: {e}"))?;
        Ok(Provider { settings, http, discovery: RwLock::new(None), keys: RwLock::new(None) })
    }

    /// The discovery document, read once and kept (retried on the next sign-in after a failure).
    pub async fn discovery(&self) -> Result<Discovery, ProviderError> {
        if let Some(d) = self.discovery.read().await.as_ref() {
            return Ok(d.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.settings.issuer.trim_end_matches('/'));
        let d: Discovery = self.get_json(&url).await?;
        if d.issuer.trim_end_matches('/') != self.settings.issuer.trim_end_matches('/') {
            return Err(ProviderError::IssuerMismatch { expected: self.settings.issuer.clone(), found: d.issuer });
        }
        for (name, value) in [
            ("authorization_endpoint", &d.authorization_endpoint),
            ("token_endpoint", &d.token_endpoint),
            ("jwks_uri", &d.jwks_uri),
        ] {
            check_url(name, value).map_err(|reason| ProviderError::Http { url: url.clone(), reason })?;
        }
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    /// The key with this id: from the cache, or after reading the JWKS again (at most once a
    /// minute for unknown ids).
    pub async fn key(&self, kid: Option<&str>) -> Result<Option<Jwk>, ProviderError> {
        {
            let cached = self.keys.read().await;
            if let Some(keys) = cached.as_ref() {
                let found = find(&keys.keys, kid);
                let fresh = keys.fetched.elapsed() < JWKS_MAX_AGE;
                if found.is_some() && fresh {
                    return Ok(found);
                }
                if keys.fetched.elapsed() < JWKS_REFETCH_EVERY {
                    return Ok(found);
                }
            }
        }
        let discovery = self.discovery().await?;
        let raw: serde_json::Value = self.get_json(&discovery.jwks_uri).await?;
        // Keys of a type this library does not know are skipped instead of failing the set.
        let keys: Vec<Jwk> = raw
            .get("keys")
            .and_then(|k| k.as_array())
            .map(|list| list.iter().filter_map(|k| serde_json::from_value(k.clone()).ok()).collect())
            .unwrap_or_default();
        let found = find(&keys, kid);
        *self.keys.write().await = Some(Keys { keys, fetched: Instant::now() });
        Ok(found)
    }

    /// Exchange the authorization code (with the PKCE verifier) for tokens.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<TokenResponse, ProviderError> {
        let discovery = self.discovery().await?;
        let s = &self.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", s.redirect_url.as_str()),
            ("code_verifier", verifier),
            ("client_id", s.client_id.as_str()),
        ];
        // client_secret_basic is the default of the specification; client_secret_post when the
        // provider lists only that.
        let methods = discovery.token_endpoint_auth_methods_supported.unwrap_or_default();
        let use_post = !methods.is_empty() && !methods.iter().any(|m| m == "client_secret_basic");
        let mut request = self.http.post(&discovery.token_endpoint);
        if !s.client_secret.is_empty() {
            if use_post {
                form.push(("client_secret", s.client_secret.expose()));
            } else {
                let user: String = url::form_urlencoded::byte_serialize(s.client_id.as_bytes()).collect();
                let pass: String = url::form_urlencoded::byte_serialize(s.client_secret.expose().as_bytes()).collect();
                request = request.basic_auth(user, Some(pass));
            }
        }
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| http_error(&discovery.token_endpoint, e))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let detail: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let reason = detail
                .get("error_description")
                .or_else(|| detail.get("error"))
                .and_then(|v| v.as_str())
                .map(|v| v.chars().take(300).collect::<String>())
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(ProviderError::TokenRefused(reason));
        }
        response.json().await.map_err(|e| http_error(&discovery.token_endpoint, e))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, ProviderError> {
        let response = self.http.get(url).send().await.map_err(|e| http_error(url, e))?;
        let response = response.error_for_status().map_err(|e| http_error(url, e))?;
        response.json().await.map_err(|e| http_error(url, e))
    }
}

fn find(keys: &[Jwk], kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid)).cloned(),
        // A token without a key id is accepted only when the provider has exactly one key.
        None if keys.len() == 1 => keys.first().cloned(),
        None => None,
    }
}

fn http_error(url: &str, error: reqwest::Error) -> ProviderError {
    ProviderError::Http { url: url.to_string(), reason: error.without_url().to_string() }
}

/// Provider URLs must be https; plain http only on a loopback address (a local test provider).
pub fn check_url(name: &str, value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| format!("[auth.oidc] {name} '{value}' is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!("[auth.oidc] {name} '{value}' must use https (plain http only on localhost)")),
    }
}
