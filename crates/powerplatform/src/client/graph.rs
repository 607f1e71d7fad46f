//! Microsoft Graph: users (makers, owners, managers) and licences.

use super::PowerPlatformClient;
use crate::error::ApiError;
use crate::http::{Body, Request};
use crate::paging::{self, Page};
use crate::types::{LicenseDetail, SubscribedSku};
use crate::urls::segment;
use reqwest::Method;
use serde::de::DeserializeOwned;
use steward_ingest::powerplatform::wire::{ODataPage, graph};

impl PowerPlatformClient {
    /// `GET {graph}/v1.0/users?$select=…,assignedLicenses&$expand=manager($select=id)&$top=999`: the
    /// licences come with the listing, sparing a `licenseDetails` call per user.
    pub async fn users_page(&self, next: Option<&str>) -> Result<Page<graph::User>, ApiError> {
        self.graph_page(
            "/v1.0/users",
            &[
                (
                    "$select",
                    "id,displayName,userPrincipalName,mail,department,country,jobTitle,accountEnabled,assignedLicenses",
                ),
                ("$expand", "manager($select=id)"),
                ("$top", "999"),
            ],
            next,
        )
        .await
    }

    /// Every licence SKU of the tenant: `GET {graph}/v1.0/subscribedSkus`.
    pub async fn subscribed_skus(&self) -> Result<Vec<SubscribedSku>, ApiError> {
        let first = self.graph_page("/v1.0/subscribedSkus", &[], None).await?;
        self.collect_all(first, async |link: String| self.graph_page("/v1.0/subscribedSkus", &[], Some(&link)).await)
            .await
    }

    /// A user's licences, direct and group-inherited: `GET {graph}/v1.0/users/{id}/licenseDetails`.
    pub async fn license_details(&self, user_id: &str) -> Result<Vec<LicenseDetail>, ApiError> {
        let path = format!("/v1.0/users/{}/licenseDetails", segment(user_id));
        let first = self.graph_page(&path, &[], None).await?;
        self.collect_all(first, async |link: String| self.graph_page(&path, &[], Some(&link)).await).await
    }

    async fn graph_page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        next: Option<&str>,
    ) -> Result<Page<T>, ApiError> {
        let base = &self.inner.endpoints.graph;
        let url = self.page_url(&Method::GET, base, next, path, query)?;
        let request = Request::new(Method::GET, url, Body::Empty);
        let reply = self.send::<ODataPage<T>>(&request, &self.inner.audiences.graph).await?;
        paging::linked(reply.value.value, reply.value.next_link, base, &request)
    }
}
