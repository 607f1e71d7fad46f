//! [`PowerPlatformClient`]: one method per Microsoft API call Steward makes, each returning
//! one page (or one small collection) and leaving the walking order to the sync engine.

mod admin;
mod audit;
mod dataverse;
mod graph;
mod inventory;
mod resource_query;

use crate::auth::{AudienceBearer, TokenCache};
use crate::cloud::{Audiences, Endpoints};
use crate::config::{ConfigError, ResolvedSource};
use crate::error::ApiError;
use crate::http::{ClientOptions, ClientStats, Http, Reply, Request};
pub use admin::{AdminReply, AdminService};

use crate::urls;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Longest walk [`PowerPlatformClient`] does on its own (small collections such as DLP
/// policies or SKUs); beyond it the service is assumed to be looping.
const MAX_PAGES: usize = 10_000;

/// The client for one tenant. Cheap to clone; clones share the connection pool, the token
/// cache, the per-host limits and the statistics.
#[derive(Clone)]
pub struct PowerPlatformClient {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    tenant_id: String,
    publisher_id: String,
    endpoints: Endpoints,
    audiences: Audiences,
    http: Http,
    tokens: TokenCache,
}

impl PowerPlatformClient {
    pub fn new(source: ResolvedSource, options: ClientOptions) -> Result<Self, ConfigError> {
        if options.concurrency_per_host == 0 {
            return Err(ConfigError::InvalidOptions("concurrency_per_host must be at least 1".into()));
        }
        if options.max_attempts == 0 {
            return Err(ConfigError::InvalidOptions("max_attempts must be at least 1".into()));
        }
        let token_url = urls::build(
            &source.endpoints.login,
            &format!("/{}/oauth2/v2.0/token", urls::segment(&source.tenant_id)),
            &[],
        )
        .map_err(|e| ConfigError::InvalidEndpoint {
            source_name: source.name.clone(),
            field: "login",
            value: source.endpoints.login.clone(),
            problem: format!("gives no valid token URL ({e})"),
        })?;
        let http = Http::new(options)
            .map_err(|e| ConfigError::HttpClient { source_name: source.name.clone(), detail: e.to_string() })?;
        let tokens = TokenCache::new(token_url, source.client_id, source.credential);
        Ok(Self {
            inner: Arc::new(Inner {
                name: source.name,
                tenant_id: source.tenant_id,
                publisher_id: source.publisher_id,
                endpoints: source.endpoints,
                audiences: source.audiences,
                http,
                tokens,
            }),
        })
    }

    /// The `name` of the configured source.
    pub fn source_name(&self) -> &str {
        &self.inner.name
    }

    pub fn tenant_id(&self) -> &str {
        &self.inner.tenant_id
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// Counters so far, overall and per host.
    pub fn stats(&self) -> ClientStats {
        self.inner.http.stats()
    }

    async fn send<T: DeserializeOwned>(&self, req: &Request, audience: &str) -> Result<Reply<T>, ApiError> {
        let bearer = AudienceBearer { cache: &self.inner.tokens, http: &self.inner.http, audience };
        self.inner.http.send_json(req, &bearer).await
    }

    /// The first page's URL, or the stored `next` moved onto `base`'s origin.
    fn page_url(
        &self,
        method: &Method,
        base: &str,
        next: Option<&str>,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Url, ApiError> {
        match next {
            Some(next) => urls::resume(base, next).map_err(|e| ApiError::InvalidRequest {
                method: method.to_string(),
                url: urls::redact_text(next),
                detail: format!(
                    "the stored next-page position is not a URL on {base} ({e}); start the listing again without it"
                ),
            }),
            None => urls::build(base, path, query).map_err(|e| ApiError::InvalidRequest {
                method: method.to_string(),
                url: format!("{base}{path}"),
                detail: format!("cannot build the request URL ({e}); check the endpoint setting"),
            }),
        }
    }

    /// Follow a link-paged collection to its end (for the few small ones read whole).
    async fn collect_all<T>(
        &self,
        mut page: crate::Page<T>,
        mut fetch: impl AsyncFnMut(String) -> Result<crate::Page<T>, ApiError>,
    ) -> Result<Vec<T>, ApiError> {
        let mut items = std::mem::take(&mut page.items);
        let mut next = page.next;
        let mut pages = 1;
        while let Some(link) = next {
            if pages >= MAX_PAGES {
                return Err(ApiError::Incomplete {
                    method: "GET".into(),
                    url: urls::redact_text(&link),
                    detail: format!("still more pages after {MAX_PAGES}; the service seems to be looping"),
                });
            }
            let mut page = fetch(link).await?;
            items.append(&mut page.items);
            next = page.next;
            pages += 1;
        }
        Ok(items)
    }
}

impl std::fmt::Debug for PowerPlatformClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowerPlatformClient")
            .field("source", &self.inner.name)
            .field("tenant_id", &self.inner.tenant_id)
            .field("endpoints", &self.inner.endpoints)
            .finish_non_exhaustive()
    }
}
