//! Write actions: the few changes Steward may make in a tenant, and the gate in front of them.
//!
//! Steward records and recommends. It changes something in a tenant only when
//! 1. the action is enabled in `[campaigns.actions]` (all are off by default; a disabled action
//!    is refused with the key to set), and
//! 2. the exact HTTP call was shown first: [`TenantActions::plan`] is the dry run, and
//!    [`TenantActions::execute`] needs the digest of that plan. If anything in the call changed
//!    in between (another endpoint, another resource), the digests differ and nothing is sent.
//!
//! The calls are the documented admin calls (sources on each [`ActionPlan`]):
//!
//! | action | resource | call |
//! |---|---|---|
//! | quarantine | canvas app | `POST {powerapps}/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{app}/setAppQuarantineState?api-version=2021-02-01` with `{"QuarantineStatus":"quarantined"}` |
//! | quarantine | agent | `POST {powerplatform}/copilotstudio/environments/{env}/bots/{bot}/api/botQuarantine/SetAsQuarantined?api-version=2024-10-01` (needs a delegated admin token) |
//! | delete | canvas or model-driven app | `DELETE {powerapps}/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{app}?api-version=2017-08-01` |
//! | delete | cloud flow | `DELETE {flow}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{flow}?api-version=2016-11-01` |
//! | archive | cloud flow | `POST {flow}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{flow}/stop?api-version=2016-11-01` (turn off: the definition is kept) |
//!
//! Everything else (archiving an app, quarantining a flow, deleting an agent, …) has no
//! documented call and is refused as [`ActionError::NotAvailable`], saying what to do by hand.

use crate::config::ActionsConfig;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use steward_model::ResourceKind;

steward_model::string_enum!(
    /// The write actions, one `[campaigns.actions]` key each.
    ActionKind, "write action" {
        /// Take a resource out of use, keeping it (flows: turn off).
        Archive => "archive",
        /// Block a resource's use while its owner fixes it.
        Quarantine => "quarantine",
        /// Delete a resource.
        Delete => "delete",
    }
);

impl ActionKind {
    /// The configuration key that enables the action.
    pub fn config_key(self) -> &'static str {
        match self {
            ActionKind::Archive => "campaigns.actions.archive",
            ActionKind::Quarantine => "campaigns.actions.quarantine",
            ActionKind::Delete => "campaigns.actions.delete",
        }
    }

    pub fn is_enabled(self, config: &ActionsConfig) -> bool {
        match self {
            ActionKind::Archive => config.archive,
            ActionKind::Quarantine => config.quarantine,
            ActionKind::Delete => config.delete,
        }
    }
}

/// One write action on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub kind: ActionKind,
    pub environment_id: String,
    pub resource_id: String,
    /// What the resource is: the call depends on it. `None` (unknown) plans nothing.
    pub resource_kind: Option<ResourceKind>,
}

steward_model::string_enum!(
    /// The service a call goes to, which decides the token it needs.
    Service, "service" {
        /// `api.powerapps.com`, token audience "Power Apps Service".
        PowerApps => "powerapps",
        /// `api.flow.microsoft.com`, token audience "Flow Service".
        Flow => "flow",
        /// `api.powerplatform.com`.
        PowerPlatform => "powerplatform",
    }
);

/// An HTTP call, exactly as it would be sent (the authorisation header aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCall {
    pub service: Service,
    pub method: String,
    pub url: String,
    /// JSON body, when the call has one.
    pub body: Option<serde_json::Value>,
}

impl HttpCall {
    /// SHA-256 of method, URL and body, in hex: what [`TenantActions::execute`] checks.
    pub fn digest(&self) -> String {
        let body = self.body.as_ref().map(serde_json::Value::to_string).unwrap_or_default();
        let text = format!("{} {} {}\n{}", self.service, self.method, self.url, body);
        let hash = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The dry run of an action: the call it would make, and whether it may be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionPlan {
    pub action: Action,
    pub call: HttpCall,
    /// Pass this to [`TenantActions::execute`] to carry the plan out.
    pub digest: String,
    /// The action is enabled in the configuration; when false, execute refuses.
    pub enabled: bool,
    /// The key to set to enable it.
    pub config_key: String,
    /// What the call does, in words.
    pub effect: String,
    /// Where the call is documented.
    pub source: String,
}

/// What an executed action answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub action: Action,
    pub digest: String,
    pub status: u16,
    /// Anything the answer means beyond success (e.g. the resource did not exist).
    pub note: Option<String>,
}

/// Why an action was not planned or not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error(
        "{action} is disabled: Steward only records and recommends it; set `{key} = true` in steward.toml to let Steward carry it out"
    )]
    Disabled { action: ActionKind, key: &'static str },

    #[error("{action} is not available for {subject}: {reason}")]
    NotAvailable { action: ActionKind, subject: String, reason: String },

    #[error(
        "run the dry run first: the plan's digest is {expected}, not '{given}' (the call changed, or no plan was shown)"
    )]
    PlanMismatch { expected: String, given: String },

    #[error("{what} '{value}' cannot be put in a URL (expected letters, digits, '-', '_' or '.')")]
    InvalidId { what: &'static str, value: String },

    #[error("the platform refused {method} {url}: HTTP {status}: {body}")]
    Refused { method: String, url: String, status: u16, body: String },

    #[error("sending {method} {url} failed: {reason}")]
    Transport { method: String, url: String, reason: String },
}

/// What can make changes in a tenant: a dry run, and the execution of a dry run's call.
#[async_trait]
pub trait TenantActions: Send + Sync {
    /// The exact call `action` would make, whether or not the action is enabled.
    fn plan(&self, action: &Action) -> Result<ActionPlan, ActionError>;

    /// Carry out `action`, if it is enabled and `digest` is the digest of its current plan.
    async fn execute(&self, action: &Action, digest: &str) -> Result<ActionOutcome, ActionError>;
}

/// Sends an HTTP call with the right token; implemented over the Power Platform client.
#[async_trait]
pub trait HttpTransport: Send + Sync {
    /// Send the call; `Err` only when no answer came (network, token). Any HTTP status is an answer.
    async fn send(&self, call: &HttpCall) -> Result<HttpReply, String>;
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

/// Base URLs (scheme and host, no trailing slash) of the services write actions call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionEndpoints {
    pub powerapps: String,
    pub flow: String,
    pub powerplatform: String,
}

impl Default for ActionEndpoints {
    /// The commercial cloud.
    fn default() -> Self {
        ActionEndpoints {
            powerapps: "https://api.powerapps.com".into(),
            flow: "https://api.flow.microsoft.com".into(),
            powerplatform: "https://api.powerplatform.com".into(),
        }
    }
}

/// [`TenantActions`] for Microsoft Power Platform, over any [`HttpTransport`].
#[derive(Debug, Clone)]
pub struct PowerPlatformActions<T> {
    endpoints: ActionEndpoints,
    enabled: ActionsConfig,
    transport: T,
}

const SRC_APP_QUARANTINE: &str = "Microsoft.PowerApps.Administration.PowerShell Set-AppAsQuarantined \
     (learn.microsoft.com/powershell/module/microsoft.powerapps.administration.powershell/set-appasquarantined); \
     'Power Apps for Admins' connector action 'Set App Quarantine State'";
const SRC_AGENT_QUARANTINE: &str = "Power Platform API 'Bots - Set Bot As Quarantined' \
     (learn.microsoft.com/microsoft-copilot-studio/admin-quarantine-api)";
const SRC_APP_DELETE: &str = "Remove-AdminPowerApp \
     (learn.microsoft.com/powershell/module/microsoft.powerapps.administration.powershell/remove-adminpowerapp); \
     CLI for Microsoft 365 `pa app remove --asAdmin`";
const SRC_FLOW_DELETE: &str = "Remove-AdminFlow (Power Platform guidance on default-environment clean-up); \
     CLI for Microsoft 365 `flow remove --asAdmin`";
const SRC_FLOW_STOP: &str = "CLI for Microsoft 365 `flow disable --asAdmin`";

impl<T: HttpTransport> PowerPlatformActions<T> {
    pub fn new(endpoints: ActionEndpoints, enabled: ActionsConfig, transport: T) -> Self {
        PowerPlatformActions { endpoints, enabled, transport }
    }

    fn call(&self, action: &Action) -> Result<(HttpCall, String, &'static str), ActionError> {
        let env = path_segment("environment id", &action.environment_id)?;
        let id = path_segment("resource id", &action.resource_id)?;
        let not_available = |subject: &str, reason: &str| ActionError::NotAvailable {
            action: action.kind,
            subject: subject.to_string(),
            reason: reason.to_string(),
        };
        let Some(kind) = action.resource_kind else {
            return Err(not_available(
                "a resource of unknown kind",
                "the call depends on the kind; sync the inventory so the resource's kind is known",
            ));
        };
        let apps = format!(
            "{}/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{id}",
            self.endpoints.powerapps
        );
        let flows = format!(
            "{}/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{id}",
            self.endpoints.flow
        );
        let call = |service, method: &str, url: String, body| HttpCall { service, method: method.into(), url, body };
        Ok(match (action.kind, kind) {
            (ActionKind::Quarantine, ResourceKind::CanvasApp) => (
                call(
                    Service::PowerApps,
                    "POST",
                    format!("{apps}/setAppQuarantineState?api-version=2021-02-01"),
                    Some(serde_json::json!({ "QuarantineStatus": "quarantined" })),
                ),
                "quarantine the app: users cannot launch it until it is released; the maker keeps it".into(),
                SRC_APP_QUARANTINE,
            ),
            (ActionKind::Quarantine, ResourceKind::Agent) => (
                call(
                    Service::PowerPlatform,
                    "POST",
                    format!(
                        "{}/copilotstudio/environments/{env}/bots/{id}/api/botQuarantine/SetAsQuarantined?api-version=2024-10-01",
                        self.endpoints.powerplatform
                    ),
                    None,
                ),
                "quarantine the agent: it stays visible but nobody can use it; needs a delegated token of an admin \
                 (the CopilotStudio.AdminActions.Invoke scope), an application token is refused"
                    .into(),
                SRC_AGENT_QUARANTINE,
            ),
            (ActionKind::Quarantine, ResourceKind::CloudFlow) => {
                return Err(not_available(
                    "a cloud flow",
                    "flows have no quarantine state; archive it instead (turns it off, enable campaigns.actions.archive)",
                ));
            }
            (ActionKind::Delete, ResourceKind::CanvasApp | ResourceKind::ModelDrivenApp) => (
                call(Service::PowerApps, "DELETE", format!("{apps}?api-version=2017-08-01"), None),
                "delete the app (admins can restore a deleted canvas app for a limited time)".into(),
                SRC_APP_DELETE,
            ),
            (ActionKind::Delete, ResourceKind::CloudFlow) => (
                call(Service::Flow, "DELETE", format!("{flows}?api-version=2016-11-01"), None),
                "delete the flow (soft-deleted flows can be restored by an admin for a limited time)".into(),
                SRC_FLOW_DELETE,
            ),
            (ActionKind::Archive, ResourceKind::CloudFlow) => (
                call(Service::Flow, "POST", format!("{flows}/stop?api-version=2016-11-01"), None),
                "turn the flow off: it stops running and keeps its definition, its owner can turn it on again".into(),
                SRC_FLOW_STOP,
            ),
            (ActionKind::Archive, k) if k.is_app() => {
                return Err(not_available(
                    k.as_str(),
                    "the platform has no archive call for apps; export the app package by hand, then delete it \
                     (Steward can delete it with campaigns.actions.delete enabled)",
                ));
            }
            (action_kind, k) => {
                return Err(not_available(
                    k.as_str(),
                    &format!(
                        "Steward knows no documented admin call to {action_kind} it; do it by hand and answer `done`"
                    ),
                ));
            }
        })
    }
}

#[async_trait]
impl<T: HttpTransport> TenantActions for PowerPlatformActions<T> {
    fn plan(&self, action: &Action) -> Result<ActionPlan, ActionError> {
        let (call, effect, source) = self.call(action)?;
        Ok(ActionPlan {
            action: action.clone(),
            digest: call.digest(),
            call,
            enabled: action.kind.is_enabled(&self.enabled),
            config_key: action.kind.config_key().to_string(),
            effect,
            source: source.to_string(),
        })
    }

    async fn execute(&self, action: &Action, digest: &str) -> Result<ActionOutcome, ActionError> {
        if !action.kind.is_enabled(&self.enabled) {
            return Err(ActionError::Disabled { action: action.kind, key: action.kind.config_key() });
        }
        let plan = self.plan(action)?;
        if plan.digest != digest.trim() {
            return Err(ActionError::PlanMismatch { expected: plan.digest, given: digest.to_string() });
        }
        let call = &plan.call;
        let reply = self.transport.send(call).await.map_err(|reason| ActionError::Transport {
            method: call.method.clone(),
            url: call.url.clone(),
            reason,
        })?;
        if !(200..300).contains(&reply.status) {
            return Err(ActionError::Refused {
                method: call.method.clone(),
                url: call.url.clone(),
                status: reply.status,
                body: truncate(&reply.body, 500),
            });
        }
        // The flow service answers a delete of an unknown flow with 204 instead of 404
        // (noted by the CLI for Microsoft 365, issue 1063).
        let note = (call.service == Service::Flow && call.method == "DELETE" && reply.status == 204)
            .then(|| "the platform answered 204: the flow did not exist (already deleted?)".to_string());
        Ok(ActionOutcome { action: action.clone(), digest: plan.digest, status: reply.status, note })
    }
}

/// Ids go into URL paths verbatim; anything beyond the characters platform ids use is refused
/// rather than escaped, so the plan shows exactly what is sent.
fn path_segment<'a>(what: &'static str, value: &'a str) -> Result<&'a str, ActionError> {
    let ok = !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok && value != "." && value != ".." {
        Ok(value)
    } else {
        Err(ActionError::InvalidId { what, value: value.to_string() })
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
