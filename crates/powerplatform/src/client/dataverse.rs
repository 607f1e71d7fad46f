//! Dataverse Web API listings, one environment's instance at a time. The token audience is
//! the instance's origin, so each environment has its own cached token.

use super::PowerPlatformClient;
use crate::error::ApiError;
use crate::http::{Body, Request};
use crate::paging::{self, Page};
use crate::urls;
use reqwest::header::HeaderName;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use steward_ingest::powerplatform::wire::{ODataPage, dataverse};

impl PowerPlatformClient {
    /// Copilot Studio agents: `GET {instanceApiUrl}/api/data/v9.2/bots`.
    pub async fn bots_page(
        &self,
        instance_api_url: &str,
        next: Option<&str>,
    ) -> Result<Page<dataverse::Bot>, ApiError> {
        self.dataverse_page(instance_api_url, "bots", &[], next).await
    }

    /// Desktop flows: `GET {instanceApiUrl}/api/data/v9.2/workflows?$filter=category eq 6`.
    pub async fn desktop_flows_page(
        &self,
        instance_api_url: &str,
        next: Option<&str>,
    ) -> Result<Page<dataverse::Workflow>, ApiError> {
        self.dataverse_page(instance_api_url, "workflows", &[("$filter", "category eq 6")], next).await
    }

    async fn dataverse_page<T: DeserializeOwned>(
        &self,
        instance_api_url: &str,
        entity_set: &str,
        query: &[(&str, &str)],
        next: Option<&str>,
    ) -> Result<Page<T>, ApiError> {
        let (origin, prefix) = instance_origin(instance_api_url)?;
        // Real instance URLs have no path; a proxy or a test server may put the instance
        // under one, which the request path must keep.
        let path = format!("{prefix}/api/data/v9.2/{entity_set}");
        let url = self.page_url(&Method::GET, &origin, next, &path, query)?;
        let request = Request::new(Method::GET, url, Body::Empty)
            .header(HeaderName::from_static("odata-version"), "4.0")
            .header(HeaderName::from_static("odata-maxversion"), "4.0");
        let reply = self.send::<ODataPage<T>>(&request, &origin).await?;
        paging::linked(reply.value.value, reply.value.next_link, &origin, &request)
    }
}

/// `https://org.api.crm.dynamics.com/` → (`https://org.api.crm.dynamics.com`, ``): the origin
/// (the token audience of one Dataverse instance) and the path the instance sits under, if any.
fn instance_origin(instance_api_url: &str) -> Result<(String, String), ApiError> {
    let invalid = |detail: &str| ApiError::InvalidRequest {
        method: "GET".into(),
        url: urls::redact_text(instance_api_url),
        detail: format!(
            "the Dataverse instance URL {detail}; it comes from the environment's linkedEnvironmentMetadata.instanceApiUrl"
        ),
    };
    let url = Url::parse(instance_api_url.trim()).map_err(|_| invalid("is not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(invalid("is not an http(s) URL with a host"));
    }
    Ok((url.origin().ascii_serialization(), url.path().trim_end_matches('/').to_string()))
}
