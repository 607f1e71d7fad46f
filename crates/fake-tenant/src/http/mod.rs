//! The router: every served path, each behind the gate (counting, auth, faults).

// Handlers and their helpers answer `Result<Response, Response>`, axum's own idiom: the error
// is the finished answer. Boxing it would add an allocation to every refusal for nothing.
#![allow(clippy::result_large_err)]

mod bap;
mod control;
mod dataverse;
mod gate;
mod graph;
mod inventory_api;
mod listing;
mod office;
pub(crate) mod params;
mod powerapps;
mod reply;
mod token;

use crate::route::Route;
use crate::state::Shared;
use axum::Router;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};
use std::sync::Arc;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let gated = |route: Route, method: MethodRouter<Arc<Shared>>| {
        method.route_layer(middleware::from_fn_with_state((shared.clone(), route), gate::gate))
    };
    const FEED: &str = "/api/v1.0/{tenant}/activity/feed";
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", gated(Route::Token, post(token::token)))
        .route(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments",
            gated(Route::Environments, get(bap::environments)),
        )
        .route("/providers/PowerPlatform.Governance/v2/policies", gated(Route::Policies, get(bap::policies)))
        .route("/providers/PowerPlatform.Governance/v2/policies/{name}", gated(Route::Policy, get(bap::policy)))
        .route(
            "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps",
            gated(Route::Apps, get(powerapps::apps)),
        )
        .route(
            "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows",
            gated(Route::Flows, get(powerapps::flows)),
        )
        .route("/providers/Microsoft.PowerApps/apis", gated(Route::Connectors, get(powerapps::connectors)))
        .route(
            "/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apis",
            gated(Route::EnvironmentConnectors, get(powerapps::environment_connectors)),
        )
        .route("/dataverse/{org}/api/data/v9.2/bots", gated(Route::Bots, get(dataverse::bots)))
        .route("/dataverse/{org}/api/data/v9.2/workflows", gated(Route::Workflows, get(dataverse::workflows)))
        .route("/resourcequery/resources/query", gated(Route::ResourceQuery, post(inventory_api::query)))
        .route("/v1.0/users", gated(Route::Users, get(graph::users)))
        .route("/v1.0/subscribedSkus", gated(Route::SubscribedSkus, get(graph::subscribed_skus)))
        .route("/v1.0/users/{id}/licenseDetails", gated(Route::LicenseDetails, get(graph::license_details)))
        .route(&format!("{FEED}/subscriptions/start"), gated(Route::SubscriptionStart, post(office::start)))
        .route(&format!("{FEED}/subscriptions/list"), gated(Route::SubscriptionList, get(office::list)))
        .route(&format!("{FEED}/subscriptions/content"), gated(Route::ContentList, get(office::content)))
        .route(&format!("{FEED}/audit/{{content_id}}"), gated(Route::ContentBlob, get(office::blob)))
        .route("/_fake/stats", gated(Route::Control, get(control::stats).delete(control::reset_stats)))
        .route("/_fake/faults", gated(Route::Control, get(control::current_faults).put(control::faults)))
        .route("/_fake/mutate", gated(Route::Control, post(control::mutate)))
        .fallback(gate::fallback)
        .with_state(shared)
}
