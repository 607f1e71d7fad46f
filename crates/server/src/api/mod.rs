//! The JSON API under `/api/v1`, plus the health probes. One module per resource.

pub mod accounts;
pub mod campaigns;
pub mod catalog;
pub mod connectors;
pub mod cost;
pub mod environments;
pub mod errors;
pub mod exemption_requests;
pub mod governance;
pub mod health;
pub mod history;
pub mod jobs;
pub mod makers;
pub mod maturity;
pub mod notifications;
pub mod openapi;
pub mod overview;
pub mod paging;
pub mod principals;
pub mod queues;
pub mod resources;
pub mod responsibility;
pub mod success;
pub mod usage;
pub mod value;

use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/healthz", Access::Public, health::healthz)
        .get("/readyz", Access::Public, health::readyz)
        .get("/metrics", Access::Public, crate::metrics::serve)
        .get(openapi::PATH, Access::Public, openapi::serve)
        // Accounts (issue #6): who am I, users, API tokens, the audit trail.
        .get("/api/v1/me", Access::Read, accounts::me)
        .get("/api/v1/users", Access::Admin, accounts::users)
        .post("/api/v1/users", Access::Admin, accounts::create_user)
        .put("/api/v1/users/{id}", Access::Admin, accounts::update_user)
        .get("/api/v1/tokens", Access::Read, accounts::tokens)
        .post("/api/v1/tokens", Access::Rate, accounts::create_token)
        .post("/api/v1/tokens/{id}/revoke", Access::Rate, accounts::revoke_token)
        .get("/api/v1/audit", Access::Admin, accounts::audit_trail)
        .get("/api/v1/overview", Access::Read, overview::show)
        // Business value (issue #7): ROI report, a resource's value, records and assessments.
        .merge(value::routes())
        .merge(cost::routes())
        .get("/api/v1/environments", Access::Read, environments::list)
        .get("/api/v1/environments/{id}", Access::Read, environments::show)
        .get("/api/v1/resources", Access::Read, resources::list)
        .get("/api/v1/resources/{id}", Access::Read, resources::show)
        .get("/api/v1/resources/{id}/usage", Access::Read, usage::resource)
        .get("/api/v1/resources/{id}/history", Access::Read, history::show)
        // The inventory (issue #6): makers and connectors, CSV with `format=csv`.
        .get("/api/v1/makers", Access::Read, makers::list)
        .get("/api/v1/connectors", Access::Read, connectors::list)
        .get("/api/v1/resources/{id}/governance", Access::Read, resources::governance)
        .put("/api/v1/resources/{id}/governance", Access::Maker, resources::declare)
        .get("/api/v1/principals", Access::Read, principals::list)
        .get("/api/v1/success/detections", Access::Read, success::list)
        .get("/api/v1/success/detections/{id}", Access::Read, success::show)
        .post("/api/v1/success/detections/{id}/state", Access::Admin, success::set_state)
        .get("/api/v1/success/rules", Access::Read, success::rules)
        .put("/api/v1/success/rules", Access::Admin, success::put_rules)
        .get("/api/v1/usage/top", Access::Read, usage::top)
        .get("/api/v1/usage/trend", Access::Read, usage::trend)
        .get("/api/v1/usage/inactive", Access::Read, usage::inactive)
        .get("/api/v1/usage/anomalies", Access::Read, usage::anomalies)
        .get("/api/v1/usage/status", Access::Read, usage::status)
        // Governance (issue #5): policies, sets, violations, compliance, exemptions, responsibility.
        .get("/api/v1/policies", Access::Read, governance::policies)
        .get("/api/v1/policies/{id}", Access::Read, governance::policy)
        .get("/api/v1/policy-sets", Access::Read, governance::policy_sets)
        .get("/api/v1/policy-sets/{old}/diff/{new}", Access::Read, governance::policy_set_diff)
        .get("/api/v1/violations", Access::Read, governance::violations)
        .get("/api/v1/resources/{id}/violations", Access::Read, governance::for_resource)
        .get("/api/v1/resources/{id}/responsibility", Access::Read, responsibility::show)
        .get("/api/v1/compliance/summary", Access::Read, governance::summary)
        .get("/api/v1/compliance/runs", Access::Read, governance::runs)
        .get("/api/v1/compliance/trend", Access::Read, governance::trend)
        .get("/api/v1/exemptions", Access::Read, governance::exemptions)
        .post("/api/v1/exemptions", Access::EnvAdmin, governance::add_exemption)
        .post("/api/v1/exemptions/{id}/revoke", Access::EnvAdmin, governance::revoke_exemption)
        // Review queues (issue #6): exemption requests and what waits for the signed-in user.
        .get("/api/v1/exemption-requests", Access::Read, exemption_requests::list)
        .post("/api/v1/exemption-requests", Access::Maker, exemption_requests::create)
        .get("/api/v1/exemption-requests/{id}", Access::Read, exemption_requests::show)
        .post("/api/v1/exemption-requests/{id}/approve", Access::EnvAdmin, exemption_requests::approve)
        .post("/api/v1/exemption-requests/{id}/decline", Access::EnvAdmin, exemption_requests::decline)
        .get("/api/v1/queues", Access::Read, queues::summary)
        // Campaigns (issue #5): campaigns, tasks with their history, answers.
        .get("/api/v1/campaigns", Access::Read, campaigns::list)
        .get("/api/v1/campaigns/{id}", Access::Read, campaigns::show)
        .get("/api/v1/campaign-tasks", Access::Read, campaigns::tasks)
        .get("/api/v1/campaign-tasks/{id}", Access::Read, campaigns::task)
        .post("/api/v1/campaign-tasks/{id}/answer", Access::Maker, campaigns::answer)
        // The app catalog (issue #6): search, items, publication, stages, ratings, access requests.
        .merge(catalog::routes())
        // Jobs and schedules (issue #9).
        .merge(jobs::routes())
        // Maturity assessments (issue #8): models, assessments, answers, evidence, ALM decisions.
        .merge(maturity::routes())
        // Notifications and the community (issue #9): deliveries, preferences, directory, feedback.
        .merge(notifications::routes())
}
