//! Office 365 Management Activity API: subscriptions, content listings and content blobs.
//! Every call carries `PublisherIdentifier`, without which the tenant shares a global
//! throttling pool with every other caller.

use super::PowerPlatformClient;
use crate::error::ApiError;
use crate::http::{Body, Request};
use crate::paging::{self, Page};
use crate::types::Subscription;
use crate::urls::{self, segment};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::{Method, Url};
use steward_ingest::powerplatform::wire::audit;

/// The widest `startTime`..`endTime` window the content listing accepts.
const MAX_WINDOW: TimeDelta = TimeDelta::hours(24);

impl PowerPlatformClient {
    /// `GET …/activity/feed/subscriptions/list`.
    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>, ApiError> {
        let url = self.feed_url(&Method::GET, "/subscriptions/list", &[])?;
        let request = Request::new(Method::GET, url, Body::Empty);
        Ok(self.send(&request, &self.inner.audiences.office_management).await?.value)
    }

    /// `POST …/activity/feed/subscriptions/start?contentType=…` (e.g. `Audit.General`).
    /// Starting a subscription that is already enabled (AF20024) counts as success.
    pub async fn start_subscription(&self, content_type: &str) -> Result<Subscription, ApiError> {
        let url = self.feed_url(&Method::POST, "/subscriptions/start", &[("contentType", content_type)])?;
        let request = Request::new(Method::POST, url, Body::Empty);
        match self.send(&request, &self.inner.audiences.office_management).await {
            Ok(reply) => Ok(reply.value),
            Err(error) if error.code().is_some_and(|c| c.eq_ignore_ascii_case("AF20024")) => Ok(Subscription {
                content_type: content_type.to_string(),
                status: Some("enabled".into()),
                webhook: None,
            }),
            Err(error) => Err(error),
        }
    }

    /// One page of the content blobs available for `content_type` in `[start, end)`, at most
    /// 24 hours apart. With `next` (the previous page's `NextPageUri`), `start` and `end` are
    /// ignored: the link carries them.
    pub async fn content_page(
        &self,
        content_type: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        next: Option<&str>,
    ) -> Result<Page<audit::ContentItem>, ApiError> {
        let base = &self.inner.endpoints.office_management;
        let url = match next {
            Some(link) => {
                let mut url = self.page_url(&Method::GET, base, Some(link), "", &[])?;
                urls::set_query_param(&mut url, "PublisherIdentifier", &self.inner.publisher_id);
                url
            }
            None => {
                let (start_text, end_text) = (format_time(start), format_time(end));
                let url = self.feed_url(
                    &Method::GET,
                    "/subscriptions/content",
                    &[("contentType", content_type), ("startTime", &start_text), ("endTime", &end_text)],
                )?;
                check_window(&url, start, end)?;
                url
            }
        };
        let request = Request::new(Method::GET, url, Body::Empty);
        let reply = self.send::<Vec<audit::ContentItem>>(&request, &self.inner.audiences.office_management).await?;
        paging::linked(reply.value, paging::next_page_header(&reply.headers), base, &request)
    }

    /// The audit records of one content blob (`contentUri` from [`Self::content_page`]).
    pub async fn fetch_blob(&self, content_uri: &str) -> Result<Vec<audit::AuditRecord>, ApiError> {
        self.fetch_blob_as(content_uri).await
    }

    /// [`Self::fetch_blob`] with each record kept as its JSON text, for the raw audit archive.
    pub async fn fetch_blob_raw(&self, content_uri: &str) -> Result<Vec<Box<serde_json::value::RawValue>>, ApiError> {
        self.fetch_blob_as(content_uri).await
    }

    async fn fetch_blob_as<T: serde::de::DeserializeOwned>(&self, content_uri: &str) -> Result<Vec<T>, ApiError> {
        let base = &self.inner.endpoints.office_management;
        let mut url = urls::resume(base, content_uri).map_err(|e| ApiError::InvalidRequest {
            method: "GET".into(),
            url: urls::redact_text(content_uri),
            detail: format!("the contentUri is not a URL ({e}); it should come from content_page"),
        })?;
        urls::set_query_param(&mut url, "PublisherIdentifier", &self.inner.publisher_id);
        let request = Request::new(Method::GET, url, Body::Empty);
        Ok(self.send(&request, &self.inner.audiences.office_management).await?.value)
    }

    /// `{office_management}/api/v1.0/{tenant}/activity/feed{path}?…&PublisherIdentifier=…`.
    fn feed_url(&self, method: &Method, path: &str, query: &[(&str, &str)]) -> Result<Url, ApiError> {
        let full_path = format!("/api/v1.0/{}/activity/feed{path}", segment(&self.inner.tenant_id));
        let mut with_publisher = query.to_vec();
        with_publisher.push(("PublisherIdentifier", &self.inner.publisher_id));
        self.page_url(method, &self.inner.endpoints.office_management, None, &full_path, &with_publisher)
    }
}

/// The format the content listing documents: `YYYY-MM-DDTHH:MM:SS`, UTC.
fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn check_window(url: &Url, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), ApiError> {
    let problem = if end <= start {
        Some(format!("endTime {} is not after startTime {}", format_time(end), format_time(start)))
    } else if end - start > MAX_WINDOW {
        Some(format!(
            "the window {} .. {} is {} minutes long; the API accepts at most 24 hours: split it into days",
            format_time(start),
            format_time(end),
            (end - start).num_minutes()
        ))
    } else {
        None
    };
    match problem {
        Some(detail) => Err(ApiError::InvalidRequest { method: "GET".into(), url: urls::redact(url), detail }),
        None => Ok(()),
    }
}
