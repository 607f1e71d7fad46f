//! Admin write calls (quarantine, delete, turn off), sent exactly as a caller planned them.
//!
//! Steward's campaigns plan a write action as a method, a URL and a body, show it to an admin
//! (a dry run), and send it only when the action is enabled and the admin confirmed that very
//! plan. This is the sending half: the client adds the token of the service the URL belongs to
//! and returns the answer whatever its status, so that a refusal is reported, not retried.

use super::PowerPlatformClient;
use crate::error::ApiError;
use crate::http::{Body, Request};
use crate::urls;
use reqwest::{Method, Url};

/// The service an admin call goes to: it decides the token's audience and the one host the
/// call may go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminService {
    /// `api.powerapps.com` (audience "Power Apps Service").
    PowerApps,
    /// `api.flow.microsoft.com` (audience "Flow Service").
    Flow,
    /// `api.powerplatform.com`.
    PowerPlatform,
}

/// The service's answer to an admin call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminReply {
    pub status: u16,
    /// The body as text (often empty on success).
    pub body: String,
}

impl PowerPlatformClient {
    /// Send one admin call and return the final answer, whatever its status (401 after a token
    /// refresh aside, which is an [`ApiError::Unauthorized`]). Throttling and server errors are
    /// retried like every other call; the calls Steward makes set a state or delete, so sending
    /// one twice does no more than once.
    ///
    /// `url` must be on the configured endpoint of `service` (scheme, host and port): the
    /// service's token is never sent anywhere else.
    pub async fn admin_call(
        &self,
        service: AdminService,
        method: &str,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<AdminReply, ApiError> {
        let invalid = |detail: String| ApiError::InvalidRequest {
            method: method.to_string(),
            url: urls::redact_text(url),
            detail,
        };
        let parsed_method =
            Method::from_bytes(method.as_bytes()).map_err(|_| invalid(format!("'{method}' is not an HTTP method")))?;
        let (base, audience) = match service {
            AdminService::PowerApps => (&self.inner.endpoints.powerapps, &self.inner.audiences.powerapps),
            AdminService::Flow => (&self.inner.endpoints.flow, &self.inner.audiences.flow),
            AdminService::PowerPlatform => (&self.inner.endpoints.powerplatform, &self.inner.audiences.powerplatform),
        };
        let target = Url::parse(url).map_err(|e| invalid(format!("not a URL ({e})")))?;
        let allowed =
            Url::parse(base).map_err(|e| invalid(format!("the configured endpoint {base} is not a URL ({e})")))?;
        if target.origin() != allowed.origin() {
            return Err(invalid(format!(
                "the call is not on the configured {service:?} endpoint {base}; the token for that service is only \
                 sent there (plan the action again with this source's endpoints)"
            )));
        }
        let body = match body {
            Some(value) => Body::Json(value.clone()),
            None => Body::Empty,
        };
        let request = Request::new(parsed_method, target, body);
        let bearer = crate::auth::AudienceBearer { cache: &self.inner.tokens, http: &self.inner.http, audience };
        let reply = self.inner.http.send_raw(&request, &bearer).await?;
        Ok(AdminReply { status: reply.value.status, body: reply.value.body })
    }
}
