//! BAP, Power Apps and Power Automate admin listings.

use super::PowerPlatformClient;
use crate::error::ApiError;
use crate::http::{Body, Request};
use crate::paging::{self, Page};
use crate::urls::segment;
use reqwest::Method;
use serde::de::DeserializeOwned;
use steward_ingest::powerplatform::wire::{ListPage, bap, flow, powerapps};

impl PowerPlatformClient {
    /// `GET {bap}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`, capacity and add-ons expanded.
    pub async fn environments_page(&self, next: Option<&str>) -> Result<Page<bap::Environment>, ApiError> {
        let base = &self.inner.endpoints.bap;
        let url = self.page_url(
            &Method::GET,
            base,
            next,
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments",
            &[("api-version", "2020-10-01"), ("$expand", "properties.capacity,properties.addons")],
        )?;
        self.list_page(base, Request::new(Method::GET, url, Body::Empty), &self.inner.audiences.powerapps).await
    }

    /// `GET {powerapps}/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps`.
    pub async fn apps_page(&self, environment: &str, next: Option<&str>) -> Result<Page<powerapps::App>, ApiError> {
        let base = &self.inner.endpoints.powerapps;
        let path = format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{}/apps", segment(environment));
        let url = self.page_url(&Method::GET, base, next, &path, &[("api-version", "2016-11-01"), ("$top", "250")])?;
        self.list_page(base, Request::new(Method::GET, url, Body::Empty), &self.inner.audiences.powerapps).await
    }

    /// `GET {flow}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows`.
    pub async fn flows_page(&self, environment: &str, next: Option<&str>) -> Result<Page<flow::Flow>, ApiError> {
        let base = &self.inner.endpoints.flow;
        let path =
            format!("/providers/Microsoft.ProcessSimple/scopes/admin/environments/{}/v2/flows", segment(environment));
        let url = self.page_url(&Method::GET, base, next, &path, &[("api-version", "2016-11-01"), ("$top", "250")])?;
        self.list_page(base, Request::new(Method::GET, url, Body::Empty), &self.inner.audiences.flow).await
    }

    /// The connector catalogue as seen from one environment (standard, premium and custom):
    /// `GET {powerapps}/providers/Microsoft.PowerApps/apis?…&$filter=environment eq '{env}'`.
    pub async fn connectors_page(
        &self,
        environment: &str,
        next: Option<&str>,
    ) -> Result<Page<powerapps::Api>, ApiError> {
        let base = &self.inner.endpoints.powerapps;
        // OData string literals escape a quote by doubling it.
        let filter = format!("environment eq '{}'", environment.replace('\'', "''"));
        let url = self.page_url(
            &Method::GET,
            base,
            next,
            "/providers/Microsoft.PowerApps/apis",
            &[
                ("api-version", "2019-05-01"),
                ("showApisWithToS", "true"),
                ("hideDlpExemptApis", "true"),
                ("showAllDlpEnforceableApis", "true"),
                ("$filter", &filter),
            ],
        )?;
        self.list_page(base, Request::new(Method::GET, url, Body::Empty), &self.inner.audiences.powerapps).await
    }

    /// Custom connectors of one environment:
    /// `GET {powerapps}/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis`.
    pub async fn custom_connectors_page(
        &self,
        environment: &str,
        next: Option<&str>,
    ) -> Result<Page<powerapps::Api>, ApiError> {
        let base = &self.inner.endpoints.powerapps;
        let path = format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{}/apis", segment(environment));
        let url = self.page_url(&Method::GET, base, next, &path, &[("api-version", "2017-05-01")])?;
        self.list_page(base, Request::new(Method::GET, url, Body::Empty), &self.inner.audiences.powerapps).await
    }

    /// Every DLP policy (without connector groups): `GET {bap}/providers/PowerPlatform.Governance/v2/policies`,
    /// following `nextLink` to the end.
    pub async fn policies(&self) -> Result<Vec<bap::PolicyEnvelope>, ApiError> {
        let base = &self.inner.endpoints.bap;
        let fetch = async |next: Option<&str>| {
            let url =
                self.page_url(&Method::GET, base, next, "/providers/PowerPlatform.Governance/v2/policies", &[])?;
            self.list_page(base, Request::new(Method::GET, url, Body::Empty), &self.inner.audiences.powerapps).await
        };
        let first = fetch(None).await?;
        self.collect_all(first, async |link: String| fetch(Some(&link)).await).await
    }

    /// One DLP policy with its connector groups: `GET {bap}/providers/PowerPlatform.Governance/v2/policies/{name}`.
    pub async fn policy(&self, name: &str) -> Result<bap::PolicyEnvelope, ApiError> {
        let base = &self.inner.endpoints.bap;
        let path = format!("/providers/PowerPlatform.Governance/v2/policies/{}", segment(name));
        let url = self.page_url(&Method::GET, base, None, &path, &[])?;
        let request = Request::new(Method::GET, url, Body::Empty);
        Ok(self.send(&request, &self.inner.audiences.powerapps).await?.value)
    }

    /// One `{"value":[…],"nextLink":…}` page.
    async fn list_page<T: DeserializeOwned>(
        &self,
        base: &str,
        request: Request,
        audience: &str,
    ) -> Result<Page<T>, ApiError> {
        let reply = self.send::<ListPage<T>>(&request, audience).await?;
        paging::linked(reply.value.value, reply.value.next_link, base, &request)
    }
}
