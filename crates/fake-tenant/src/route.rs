//! The routes the fake tenant serves, each with the API family that decides its token
//! audience and error shape.

/// One served route; its name keys the request counters of `/_fake/stats` and the `routes`
/// list of [`crate::Faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Route {
    Token,
    Environments,
    Policies,
    Policy,
    Apps,
    Flows,
    Connectors,
    EnvironmentConnectors,
    Bots,
    Workflows,
    ResourceQuery,
    Users,
    SubscribedSkus,
    LicenseDetails,
    SubscriptionStart,
    SubscriptionList,
    ContentList,
    ContentBlob,
    Control,
}

/// Which Microsoft service a route imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Entra ID token endpoint.
    Login,
    /// BAP and Power Apps share the "Power Apps Service" audience.
    PowerApps,
    Flow,
    Dataverse,
    PowerPlatform,
    Graph,
    OfficeManagement,
    /// `/_fake/…`: no auth, no faults.
    Control,
}

impl Route {
    pub const ALL: [Route; 19] = [
        Route::Token,
        Route::Environments,
        Route::Policies,
        Route::Policy,
        Route::Apps,
        Route::Flows,
        Route::Connectors,
        Route::EnvironmentConnectors,
        Route::Bots,
        Route::Workflows,
        Route::ResourceQuery,
        Route::Users,
        Route::SubscribedSkus,
        Route::LicenseDetails,
        Route::SubscriptionStart,
        Route::SubscriptionList,
        Route::ContentList,
        Route::ContentBlob,
        Route::Control,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Route::Token => "token",
            Route::Environments => "environments",
            Route::Policies => "policies",
            Route::Policy => "policy",
            Route::Apps => "apps",
            Route::Flows => "flows",
            Route::Connectors => "connectors",
            Route::EnvironmentConnectors => "environment_connectors",
            Route::Bots => "bots",
            Route::Workflows => "workflows",
            Route::ResourceQuery => "resource_query",
            Route::Users => "users",
            Route::SubscribedSkus => "subscribed_skus",
            Route::LicenseDetails => "license_details",
            Route::SubscriptionStart => "subscription_start",
            Route::SubscriptionList => "subscription_list",
            Route::ContentList => "content_list",
            Route::ContentBlob => "content_blob",
            Route::Control => "control",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Route::Token => Family::Login,
            Route::Environments
            | Route::Policies
            | Route::Policy
            | Route::Apps
            | Route::Connectors
            | Route::EnvironmentConnectors => Family::PowerApps,
            Route::Flows => Family::Flow,
            Route::Bots | Route::Workflows => Family::Dataverse,
            Route::ResourceQuery => Family::PowerPlatform,
            Route::Users | Route::SubscribedSkus | Route::LicenseDetails => Family::Graph,
            Route::SubscriptionStart | Route::SubscriptionList | Route::ContentList | Route::ContentBlob => {
                Family::OfficeManagement
            }
            Route::Control => Family::Control,
        }
    }

    /// The ARM-style APIs refuse requests without `api-version`.
    pub fn requires_api_version(self) -> bool {
        matches!(
            self,
            Route::Environments
                | Route::Apps
                | Route::Flows
                | Route::Connectors
                | Route::EnvironmentConnectors
                | Route::ResourceQuery
        )
    }

    /// The operation name the Office 365 Management API puts in its `AF429` message.
    pub fn o365_method(self) -> &'static str {
        match self {
            Route::SubscriptionStart => "StartSubscription",
            Route::SubscriptionList => "ListSubscriptions",
            Route::ContentList => "ListContent",
            _ => "GetBlob",
        }
    }
}
