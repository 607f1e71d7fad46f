//! The JSON API under `/api/v1`, plus the health probes. One module per resource.

pub mod campaigns;
pub mod environments;
pub mod governance;
pub mod health;
pub mod overview;
pub mod principals;
pub mod resources;
pub mod responsibility;
pub mod success;
pub mod usage;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/overview", get(overview::show))
        .route("/api/v1/environments", get(environments::list))
        .route("/api/v1/environments/{id}", get(environments::show))
        .route("/api/v1/resources", get(resources::list))
        .route("/api/v1/resources/{id}", get(resources::show))
        .route("/api/v1/resources/{id}/usage", get(usage::resource))
        .route("/api/v1/resources/{id}/governance", get(resources::governance).put(resources::declare))
        .route("/api/v1/principals", get(principals::list))
        .route("/api/v1/success/detections", get(success::list))
        .route("/api/v1/success/detections/{id}", get(success::show))
        .route("/api/v1/success/detections/{id}/state", post(success::set_state))
        .route("/api/v1/success/rules", get(success::rules).put(success::put_rules))
        .route("/api/v1/usage/top", get(usage::top))
        .route("/api/v1/usage/trend", get(usage::trend))
        .route("/api/v1/usage/inactive", get(usage::inactive))
        .route("/api/v1/usage/anomalies", get(usage::anomalies))
        .route("/api/v1/usage/status", get(usage::status))
        // Governance (issue #5): policies, sets, violations, compliance, exemptions, responsibility.
        .route("/api/v1/policies", get(governance::policies))
        .route("/api/v1/policies/{id}", get(governance::policy))
        .route("/api/v1/policy-sets", get(governance::policy_sets))
        .route("/api/v1/policy-sets/{old}/diff/{new}", get(governance::policy_set_diff))
        .route("/api/v1/violations", get(governance::violations))
        .route("/api/v1/resources/{id}/violations", get(governance::for_resource))
        .route("/api/v1/resources/{id}/responsibility", get(responsibility::show))
        .route("/api/v1/compliance/summary", get(governance::summary))
        .route("/api/v1/compliance/runs", get(governance::runs))
        .route("/api/v1/compliance/trend", get(governance::trend))
        .route("/api/v1/exemptions", get(governance::exemptions).post(governance::add_exemption))
        .route("/api/v1/exemptions/{id}/revoke", post(governance::revoke_exemption))
        // Campaigns (issue #5): campaigns, tasks with their history, answers.
        .route("/api/v1/campaigns", get(campaigns::list))
        .route("/api/v1/campaigns/{id}", get(campaigns::show))
        .route("/api/v1/campaign-tasks", get(campaigns::tasks))
        .route("/api/v1/campaign-tasks/{id}", get(campaigns::task))
        .route("/api/v1/campaign-tasks/{id}/answer", post(campaigns::answer))
}
