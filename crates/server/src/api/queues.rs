//! `GET /api/v1/queues`: how much waits for the signed-in user, per queue, with where to list
//! each. The page `/queues` shows the same queues with their items and actions.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::queues::{self, Counts};
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// One queue: what it holds, how many, and where its items are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub count: u64,
    /// The API list of the queue's kind of item (a superset: it is not narrowed to the user).
    pub list: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueSummary {
    pub username: String,
    pub role: &'static str,
    #[serde(flatten)]
    pub counts: Counts,
    pub sections: Vec<Section>,
}

/// `GET /api/v1/queues`
pub async fn summary(State(state): State<AppState>, caller: Caller) -> Result<Json<QueueSummary>, ApiError> {
    let q = queues::collect(&state, &caller).await?;
    let counts = q.counts();
    let sections = vec![
        Section {
            key: "success_candidates",
            title: "Success candidates to review",
            count: counts.success_candidates,
            list: "/api/v1/success/detections",
        },
        Section {
            key: "publication_requests",
            title: "Catalog items waiting for approval",
            count: counts.publication_requests,
            list: "/api/v1/catalog/items?state=submitted",
        },
        Section {
            key: "exemption_requests",
            title: "Exemption requests to decide",
            count: counts.exemption_requests,
            list: "/api/v1/exemption-requests?state=requested",
        },
        Section {
            key: "campaign_tasks",
            title: "Campaign tasks assigned to you",
            count: counts.campaign_tasks,
            list: "/api/v1/campaign-tasks?state=open",
        },
        Section {
            key: "my_open_requests",
            title: "Your exemption requests waiting for a decision",
            count: counts.my_open_requests,
            list: "/api/v1/exemption-requests?state=requested",
        },
    ];
    Ok(Json(QueueSummary { username: caller.username.clone(), role: caller.role.as_str(), counts, sections }))
}
