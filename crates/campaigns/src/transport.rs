//! [`HttpTransport`] over the Power Platform client: the write actions' calls go out with the
//! token of the service each belongs to, through the same client (retries, throttling, token
//! cache, per-host limits) the sync uses.
//!
//! ```no_run
//! # async fn example(client: steward_powerplatform::PowerPlatformClient, digest: &str, action: steward_campaigns::Action) {
//! use steward_campaigns::{ActionsConfig, TenantActions, transport};
//! let actions = transport::power_platform_actions(client, ActionsConfig::default());
//! let plan = actions.plan(&action);           // the dry run: the exact call
//! let done = actions.execute(&action, digest).await;  // only when enabled, with the plan's digest
//! # }
//! ```

use crate::actions::{ActionEndpoints, HttpCall, HttpReply, HttpTransport, PowerPlatformActions, Service};
use crate::config::ActionsConfig;
use async_trait::async_trait;
use steward_powerplatform::{AdminService, ApiError, PowerPlatformClient};

/// Sends write calls with a [`PowerPlatformClient`].
#[derive(Debug, Clone)]
pub struct ClientTransport {
    client: PowerPlatformClient,
}

impl ClientTransport {
    pub fn new(client: PowerPlatformClient) -> Self {
        ClientTransport { client }
    }

    /// The client's endpoints (its cloud, or the overrides of its source), which the plans
    /// must use: the client sends a service's token to that service's endpoint only.
    pub fn endpoints(&self) -> ActionEndpoints {
        endpoints_of(&self.client)
    }
}

/// The action endpoints of a client: its Power Apps, Power Automate and Power Platform hosts.
pub fn endpoints_of(client: &PowerPlatformClient) -> ActionEndpoints {
    let e = client.endpoints();
    ActionEndpoints { powerapps: e.powerapps.clone(), flow: e.flow.clone(), powerplatform: e.powerplatform.clone() }
}

/// [`PowerPlatformActions`] sending through `client`, planned on the client's endpoints.
pub fn power_platform_actions(
    client: PowerPlatformClient,
    enabled: ActionsConfig,
) -> PowerPlatformActions<ClientTransport> {
    let transport = ClientTransport::new(client);
    PowerPlatformActions::new(transport.endpoints(), enabled, transport)
}

#[async_trait]
impl HttpTransport for ClientTransport {
    async fn send(&self, call: &HttpCall) -> Result<HttpReply, String> {
        let service = match call.service {
            Service::PowerApps => AdminService::PowerApps,
            Service::Flow => AdminService::Flow,
            Service::PowerPlatform => AdminService::PowerPlatform,
        };
        match self.client.admin_call(service, &call.method, &call.url, call.body.as_ref()).await {
            Ok(reply) => Ok(HttpReply { status: reply.status, body: reply.body }),
            // These are answers of the service, reported as such with their status.
            Err(ApiError::Unauthorized { detail, .. }) => Ok(HttpReply { status: 401, body: detail }),
            Err(ApiError::Server { status, detail, .. }) => Ok(HttpReply { status, body: detail }),
            // No answer (network, token, throttling past every retry): the call may not have
            // been made.
            Err(other) => Err(other.to_string()),
        }
    }
}
