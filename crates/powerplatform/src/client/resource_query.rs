//! The Power Platform inventory: `POST {powerplatform}/resourcequery/resources/query`.

use super::PowerPlatformClient;
use crate::error::ApiError;
use crate::http::{Body, Request};
use crate::paging::{self, Page};
use crate::types::{ResourceQueryResponse, ResourceRow};
use crate::urls;
use reqwest::Method;
use serde_json::{Value, json};

/// Rows per page; the service's maximum.
const PAGE_SIZE: u32 = 1000;

impl PowerPlatformClient {
    /// One page of a resource query over `table` (e.g. `PowerPlatformResources`) with
    /// `clauses` (a JSON array of `{"$type":"where",…}` objects). `next` is the previous
    /// page's skip token and is valid only with the same table and clauses.
    pub async fn resource_query_page(
        &self,
        table: &str,
        clauses: &Value,
        next: Option<&str>,
    ) -> Result<Page<ResourceRow>, ApiError> {
        let base = &self.inner.endpoints.powerplatform;
        // The position is in the body, never in the URL.
        let url = self.page_url(
            &Method::POST,
            base,
            None,
            "/resourcequery/resources/query",
            &[("api-version", "2024-10-01")],
        )?;
        if !clauses.is_array() {
            return Err(ApiError::InvalidRequest {
                method: "POST".into(),
                url: urls::redact(&url),
                detail: "clauses must be a JSON array of clause objects".into(),
            });
        }
        let mut options = json!({ "Top": PAGE_SIZE });
        if let Some(token) = next {
            options["SkipToken"] = Value::String(token.to_string());
        }
        let body = json!({ "TableName": table, "Clauses": clauses, "Options": options });
        let request = Request::new(Method::POST, url, Body::Json(body));
        let reply = self.send::<ResourceQueryResponse>(&request, &self.inner.audiences.powerplatform).await?;
        let response = reply.value;
        let token = response.skip_token.clone().filter(|t| !t.is_empty());
        if response.truncated() && token.is_none() {
            return Err(ApiError::Incomplete {
                method: request.shown_method(),
                url: request.shown_url(),
                detail: "resultTruncated is set but no skipToken came back; keep `name` in the projection so the service can page".into(),
            });
        }
        paging::skip_token(response.data, token, &request, next)
    }
}
