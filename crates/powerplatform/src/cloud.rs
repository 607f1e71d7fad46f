//! The Microsoft clouds and the hosts and token audiences each one uses.
//!
//! Sources: the `Microsoft.PowerApps.Administration.PowerShell` module (`Add-PowerAppsAccount`
//! endpoint switch, `Get-AudienceForHostName`), `microsoft/terraform-provider-power-platform`
//! (`internal/constants/constants.go`), the Office 365 Management API docs (per-plan hosts) and
//! the Microsoft Graph national-cloud table. The China Office 365 Management host
//! (`manage.office.cn`) comes from third-party code only; override it if it is wrong.

use serde::{Deserialize, Serialize};

/// Which Microsoft cloud a tenant lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cloud {
    /// Commercial (worldwide).
    #[default]
    Public,
    /// US Government Community Cloud (GCC, "moderate").
    Gcc,
    /// US Government Community Cloud High.
    GccHigh,
    /// US Department of Defense.
    Dod,
    /// China, operated by 21Vianet.
    China,
}

/// Base URLs of the services Steward calls: scheme and host, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// Entra ID (token endpoint host).
    pub login: String,
    /// Business Application Platform: environments, DLP policies.
    pub bap: String,
    /// Power Apps: apps, connectors.
    pub powerapps: String,
    /// Power Automate: cloud flows.
    pub flow: String,
    /// Power Platform API: inventory (resource query).
    pub powerplatform: String,
    /// Office 365 Management Activity API: audit log.
    pub office_management: String,
    /// Microsoft Graph: users and licences.
    pub graph: String,
}

impl Endpoints {
    pub fn for_cloud(cloud: Cloud) -> Self {
        let hosts = match cloud {
            Cloud::Public => [
                "login.microsoftonline.com",
                "api.bap.microsoft.com",
                "api.powerapps.com",
                "api.flow.microsoft.com",
                "api.powerplatform.com",
                "manage.office.com",
                "graph.microsoft.com",
            ],
            // GCC (moderate) signs in and reads Graph in the commercial cloud.
            Cloud::Gcc => [
                "login.microsoftonline.com",
                "gov.api.bap.microsoft.us",
                "gov.api.powerapps.us",
                "gov.api.flow.microsoft.us",
                "api.gov.powerplatform.microsoft.us",
                "manage-gcc.office.com",
                "graph.microsoft.com",
            ],
            Cloud::GccHigh => [
                "login.microsoftonline.us",
                "high.api.bap.microsoft.us",
                "high.api.powerapps.us",
                "high.api.flow.microsoft.us",
                "api.high.powerplatform.microsoft.us",
                "manage.office365.us",
                "graph.microsoft.us",
            ],
            Cloud::Dod => [
                "login.microsoftonline.us",
                "api.bap.appsplatform.us",
                "api.apps.appsplatform.us",
                "api.flow.appsplatform.us",
                "api.appsplatform.us",
                "manage.protection.apps.mil",
                "dod-graph.microsoft.us",
            ],
            Cloud::China => [
                "login.chinacloudapi.cn",
                "api.bap.partner.microsoftonline.cn",
                "api.powerapps.cn",
                "api.powerautomate.cn",
                "api.powerplatform.partner.microsoftonline.cn",
                "manage.office.cn",
                "microsoftgraph.chinacloudapi.cn",
            ],
        };
        let [login, bap, powerapps, flow, powerplatform, office_management, graph] =
            hosts.map(|h| format!("https://{h}"));
        Self { login, bap, powerapps, flow, powerplatform, office_management, graph }
    }
}

/// Token audiences (resource URIs) per service. They depend on the cloud only: an endpoint
/// override (a proxy, a test server) still asks Entra ID for the real service's token.
/// Each Dataverse instance is its own audience (its origin) and is not listed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audiences {
    /// "Power Apps Service": used for both BAP and Power Apps.
    pub powerapps: String,
    /// "Flow Service".
    pub flow: String,
    pub powerplatform: String,
    pub office_management: String,
    pub graph: String,
}

impl Audiences {
    pub fn for_cloud(cloud: Cloud) -> Self {
        let [powerapps, flow, powerplatform, office_management, graph] = match cloud {
            Cloud::Public => [
                "https://service.powerapps.com/",
                "https://service.flow.microsoft.com/",
                "https://api.powerplatform.com",
                "https://manage.office.com",
                "https://graph.microsoft.com",
            ],
            Cloud::Gcc => [
                "https://gov.service.powerapps.us/",
                "https://gov.service.flow.microsoft.us/",
                "https://api.gov.powerplatform.microsoft.us",
                "https://manage-gcc.office.com",
                "https://graph.microsoft.com",
            ],
            Cloud::GccHigh => [
                "https://high.service.powerapps.us/",
                "https://high.service.flow.microsoft.us/",
                "https://api.high.powerplatform.microsoft.us",
                "https://manage.office365.us",
                "https://graph.microsoft.us",
            ],
            Cloud::Dod => [
                "https://service.apps.appsplatform.us/",
                "https://service.flow.appsplatform.us/",
                "https://api.appsplatform.us",
                "https://manage.protection.apps.mil",
                "https://dod-graph.microsoft.us",
            ],
            Cloud::China => [
                "https://service.powerapps.cn/",
                "https://service.powerautomate.cn/",
                "https://api.powerplatform.partner.microsoftonline.cn",
                "https://manage.office.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ],
        }
        .map(String::from);
        Self { powerapps, flow, powerplatform, office_management, graph }
    }
}

/// The OAuth2 v2 scope for an audience: `{audience}/.default`, with one slash whatever the
/// audience ends with (the docs show `https://service.powerapps.com//.default`; Microsoft's
/// Terraform provider uses one slash and both are accepted).
pub(crate) fn scope_for(audience: &str) -> String {
    format!("{}/.default", audience.trim_end_matches('/'))
}
