//! Review queues (issue #6 item 5): what waits for the signed-in user's decision, in one place.
//!
//! - **success candidates** ([`steward_store::success`]): detections that still fire and that
//!   nobody decided yet (`new` or `reviewed`); platform admins mark them reviewed, promote or
//!   dismiss them ([`review`]).
//! - **publication requests**: catalog items `submitted` for listing; platform admins see
//!   every one, environment admins those whose resource is in an environment they administer
//!   (the catalog's own rule, `crate::catalog::access::can_approve`).
//! - **exemption requests** ([`requests`]): `requested` ones, likewise by environment.
//! - **campaign tasks**: open tasks assigned to the user's inventory principal; platform
//!   admins also get the tasks escalated to the platform team their campaign names.
//!
//! A viewer decides nothing, so their queues are empty. Each section is computed from the
//! store on every call: the queues are short (they hold what people have not decided yet),
//! and the navigation badge ([`badge`]) caches the total for the other pages.

pub mod badge;
pub mod requests;
pub mod review;

use crate::AppState;
use crate::auth::Caller;
use crate::catalog::access::{self, Item};
use crate::error::ApiError;
use serde::Serialize;
use std::collections::BTreeSet;
use steward_campaigns::manage::TaskView;
use steward_catalog::{CatalogItem, CatalogQuery, PublicationState};
use steward_model::Role;
use steward_store::campaigns::{CampaignQuery, CampaignState, TaskQuery};
use steward_store::exemption_requests::{ExemptionRequest, ExemptionRequestQuery, RequestState};
use steward_store::success::{Detection, DetectionQuery, DetectionState};

/// Catalog items read per page while looking for submitted ones.
const CATALOG_PAGE: u32 = 200;

/// What waits for one user.
#[derive(Debug, Clone, Default)]
pub struct Queues {
    /// Success candidates to review (platform admins), by id.
    pub success: Vec<Detection>,
    /// Catalog items waiting for approval that the user may approve, by id.
    pub publications: Vec<Item>,
    /// Exemption requests the user may decide, by id.
    pub exemptions: Vec<ExemptionRequest>,
    /// Open campaign tasks assigned to the user (or, for admins, to the platform team), by id.
    pub tasks: Vec<TaskView>,
    /// The user's own exemption requests still waiting for someone else's decision: shown,
    /// not counted (there is nothing for the user to do).
    pub waiting: Vec<ExemptionRequest>,
}

/// How many items wait in each queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub success_candidates: u64,
    pub publication_requests: u64,
    pub exemption_requests: u64,
    pub campaign_tasks: u64,
    /// The user's own requests waiting for a decision (not part of `total`).
    pub my_open_requests: u64,
    /// Everything the user can act on.
    pub total: u64,
}

impl Queues {
    pub fn counts(&self) -> Counts {
        let n = |len: usize| len as u64;
        let mut counts = Counts {
            success_candidates: n(self.success.len()),
            publication_requests: n(self.publications.len()),
            exemption_requests: n(self.exemptions.len()),
            campaign_tasks: n(self.tasks.len()),
            my_open_requests: n(self.waiting.len()),
            total: 0,
        };
        counts.total =
            counts.success_candidates + counts.publication_requests + counts.exemption_requests + counts.campaign_tasks;
        counts
    }

    pub fn is_empty(&self) -> bool {
        self.counts().total == 0 && self.waiting.is_empty()
    }
}

/// Everything waiting for `caller`. The total also refreshes the navigation badge.
pub async fn collect(state: &AppState, caller: &Caller) -> Result<Queues, ApiError> {
    let queues = Queues {
        success: success_candidates(state, caller).await?,
        publications: publication_requests(state, caller).await?,
        exemptions: exemption_requests(state, caller).await?,
        tasks: campaign_tasks(state, caller).await?,
        waiting: waiting_requests(state, caller).await?,
    };
    state.queues.set(&caller.user_id, queues.counts().total);
    Ok(queues)
}

async fn success_candidates(state: &AppState, caller: &Caller) -> Result<Vec<Detection>, ApiError> {
    if !caller.is_admin() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for s in [DetectionState::New, DetectionState::Reviewed] {
        let query = DetectionQuery { state: Some(s), active: Some(true), ..Default::default() };
        out.extend(
            state.store.list_detections(&query).await.map_err(|e| ApiError::store("listing success candidates", e))?,
        );
    }
    out.sort_by_key(|d| d.id);
    Ok(out)
}

async fn publication_requests(state: &AppState, caller: &Caller) -> Result<Vec<Item>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::EnvironmentAdmin) {
        return Ok(Vec::new());
    }
    let store = state.store.as_ref();
    let mut submitted: Vec<CatalogItem> = Vec::new();
    let mut cursor = None;
    loop {
        let query = CatalogQuery {
            states: vec![PublicationState::Submitted],
            limit: Some(CATALOG_PAGE),
            cursor: cursor.take(),
            ..Default::default()
        };
        let page = store.list_catalog_items(&query).await.map_err(|e| ApiError::store("listing submitted items", e))?;
        submitted.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut out = Vec::new();
    for item in submitted {
        let resource = match &item.fields.resource_id {
            Some(r) => store.get_resource(r).await.map_err(|e| ApiError::store("reading an item's resource", e))?,
            None => None,
        };
        let x = Item { item, resource };
        if access::can_approve(caller, &x) {
            out.push(x);
        }
    }
    Ok(out)
}

async fn exemption_requests(state: &AppState, caller: &Caller) -> Result<Vec<ExemptionRequest>, ApiError> {
    let environment_ids = match caller.role {
        Role::Admin => None,
        Role::EnvironmentAdmin => Some(caller.environments.clone()),
        Role::Maker | Role::Viewer => return Ok(Vec::new()),
    };
    let query = ExemptionRequestQuery { state: Some(RequestState::Requested), environment_ids, ..Default::default() };
    state.store.list_exemption_requests(&query).await.map_err(|e| ApiError::store("listing exemption requests", e))
}

async fn waiting_requests(state: &AppState, caller: &Caller) -> Result<Vec<ExemptionRequest>, ApiError> {
    if caller.role == Role::Viewer {
        return Ok(Vec::new());
    }
    let query = ExemptionRequestQuery {
        state: Some(RequestState::Requested),
        requested_by: Some(caller.username.clone()),
        ..Default::default()
    };
    let mine = state
        .store
        .list_exemption_requests(&query)
        .await
        .map_err(|e| ApiError::store("listing exemption requests", e))?;
    // Requests the user may decide are in the deciding section already.
    Ok(mine.into_iter().filter(|r| !caller.administers(&r.environment_id)).collect())
}

/// Who a task is assigned to, as far as this user answers for it: their principal, and for
/// platform admins the platform team of every open campaign.
async fn assignees(state: &AppState, caller: &Caller) -> Result<BTreeSet<String>, ApiError> {
    let mut out = BTreeSet::new();
    if caller.role == Role::Viewer {
        return Ok(out);
    }
    if let Some(p) = &caller.principal_id {
        out.insert(p.clone());
    }
    if caller.is_admin() {
        let open = CampaignQuery { state: Some(CampaignState::Open), ..Default::default() };
        let campaigns = state.store.list_campaigns(&open).await.map_err(|e| ApiError::store("listing campaigns", e))?;
        for c in campaigns {
            if let Some(team) = platform_team(&c.config) {
                out.insert(team);
            }
        }
    }
    Ok(out)
}

/// The `platform_team` a campaign's configuration snapshot names.
fn platform_team(config: &serde_json::Value) -> Option<String> {
    config.get("platform_team").and_then(|t| t.as_str()).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

async fn campaign_tasks(state: &AppState, caller: &Caller) -> Result<Vec<TaskView>, ApiError> {
    let mut out = Vec::new();
    for assignee in assignees(state, caller).await? {
        let query = TaskQuery { assignee: Some(assignee), open: Some(true), ..Default::default() };
        let rows = state.store.list_campaign_tasks(&query).await.map_err(|e| ApiError::store("listing tasks", e))?;
        for row in rows {
            let view = TaskView::new(row).map_err(|e| ApiError::internal("reading a campaign task", e))?;
            out.push(view);
        }
    }
    out.sort_by_key(|t| t.task.id);
    Ok(out)
}

/// Whether the task is in `caller`'s queue (assigned to them, or to the platform team for an
/// admin): what the queue page lets them answer.
pub async fn is_assigned(state: &AppState, caller: &Caller, assignee: &str) -> Result<bool, ApiError> {
    Ok(assignees(state, caller).await?.contains(assignee))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_team_comes_from_the_campaign_snapshot() {
        assert_eq!(platform_team(&serde_json::json!({"platform_team": " coe "})), Some("coe".into()));
        assert_eq!(platform_team(&serde_json::json!({"platform_team": ""})), None);
        assert_eq!(platform_team(&serde_json::json!({})), None);
    }

    #[test]
    fn own_waiting_requests_are_not_counted() {
        let request = ExemptionRequest {
            id: 1,
            policy_id: "p".into(),
            subject_id: "r".into(),
            environment_id: "e".into(),
            reason: "x".into(),
            requested_by: "ann".into(),
            requested_at: chrono::Utc::now(),
            expires_at: None,
            state: RequestState::Requested,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            exemption_id: None,
        };
        let q = Queues { exemptions: vec![request.clone()], waiting: vec![request], ..Default::default() };
        let c = q.counts();
        assert_eq!((c.exemption_requests, c.my_open_requests, c.total), (1, 1, 1));
        assert!(!q.is_empty());
        assert!(Queues::default().is_empty());
    }
}
