//! Exemption requests as the API and the queue page share them: asking (whoever may act on the
//! resource), reading (makers see their own requests and those on their resources), and
//! deciding (an admin of the subject's environment, or a platform admin). Every change goes
//! into the audit trail; approving also records the exemption it granted.

use crate::AppState;
use crate::api::governance::{ExemptionView, known_policies, parse_expiry};
use crate::audit;
use crate::auth::Caller;
use crate::auth::scope::{Visible, sees_resource};
use crate::error::ApiError;
use chrono::Utc;
use serde::Deserialize;
use steward_model::Timestamp;
use steward_policy::facts::Subject;
use steward_store::StoreError;
use steward_store::exemption_requests::{
    DecisionOutcome, ExemptionRequest, ExemptionRequestQuery, NewExemptionRequest, RequestDecision, RequestState,
};

/// Where the API lists requests, for not-found messages.
pub const PLURAL: &str = "/api/v1/exemption-requests";

fn target(id: i64) -> String {
    format!("exemption_request:{id}")
}

pub fn not_found(id: impl ToString) -> ApiError {
    ApiError::NotFound { what: "exemption request", plural: PLURAL, id: id.to_string() }
}

/// A request as sent (JSON body or form). Fields are optional so that a missing one is named.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub policy_id: Option<String>,
    /// The resource (or, for an environment policy, the environment) to exempt.
    #[serde(alias = "resource_id")]
    pub subject_id: Option<String>,
    pub reason: Option<String>,
    /// The last day it should apply (`YYYY-MM-DD`, to the end of that day UTC) or an RFC 3339 time.
    pub expires_at: Option<String>,
    /// Or: for this many days from now.
    pub for_days: Option<u32>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Ask for an exemption. The caller must be able to act on the resource (a maker on their own
/// resources, an environment admin in their environments); for an environment policy, to
/// administer the environment. A second open request for the same policy and subject is a
/// conflict.
pub async fn create(state: &AppState, caller: &Caller, input: RequestInput) -> Result<ExemptionRequest, ApiError> {
    let now = Utc::now();
    let policy_id =
        given(&input.policy_id).ok_or_else(|| ApiError::invalid("policy_id", "name the policy (`policy_id`)"))?;
    let subject_id = given(&input.subject_id).ok_or_else(|| {
        ApiError::invalid("subject_id", "name the resource to exempt (`subject_id` or `resource_id`)")
    })?;
    let reason = given(&input.reason)
        .ok_or_else(|| ApiError::invalid("reason", "say why the policy should not apply here (`reason`)"))?;
    let expires_at = parse_expiry(&input.expires_at, input.for_days, now)?;
    if expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::invalid("expires_at", "the requested expiry is in the past; give a later one"));
    }

    let known = known_policies(state).await?;
    let Some(subject) = known.get(&policy_id).copied() else {
        return Err(ApiError::invalid(
            "policy_id",
            format!(
                "no policy '{policy_id}' in the active set, the built-in pack or any saved version; GET /api/v1/policies lists them"
            ),
        ));
    };
    let store = state.store.as_ref();
    let environment_id = match subject {
        Subject::Resource => {
            let resource =
                store.get_resource(&subject_id).await.map_err(|e| ApiError::store("reading a resource", e))?;
            let missing = || {
                ApiError::invalid(
                    "subject_id",
                    format!("no resource '{subject_id}'; policy '{policy_id}' judges resources"),
                )
            };
            // A maker is not told that other makers' resources exist.
            let resource = resource.filter(|r| caller.can_see(r)).ok_or_else(missing)?;
            caller.must_act_on(&resource)?;
            resource.environment_id
        }
        Subject::Environment => {
            let env =
                store.get_environment(&subject_id).await.map_err(|e| ApiError::store("reading an environment", e))?;
            if env.is_none() {
                return Err(ApiError::invalid(
                    "subject_id",
                    format!("no environment '{subject_id}'; policy '{policy_id}' judges environments"),
                ));
            }
            caller.must_administer(&subject_id)?;
            subject_id.clone()
        }
    };
    let new = NewExemptionRequest {
        policy_id,
        subject_id,
        environment_id,
        reason,
        requested_by: caller.username.clone(),
        requested_at: now,
        expires_at,
    };
    let created = match store.request_exemption(&new).await {
        Ok(r) => r,
        Err(StoreError::Conflict(message)) => return Err(ApiError::Conflict(message)),
        Err(StoreError::InvalidQuery(message)) => return Err(ApiError::BadRequest(message)),
        Err(e) => return Err(ApiError::store("requesting an exemption", e)),
    };
    audit::record(state, caller, "exemption_request.create", target(created.id), None, audit::json(&created)).await;
    Ok(created)
}

/// Whether `caller` may read a request: everyone but makers reads every request; makers read
/// the ones they asked for and those on resources they own.
async fn can_read(state: &AppState, caller: &Caller, r: &ExemptionRequest) -> Result<bool, ApiError> {
    Ok(r.requested_by == caller.username || sees_resource(state, caller, &r.subject_id).await?)
}

/// The requests matching `query` that `caller` may read, by id.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    query: &ExemptionRequestQuery,
) -> Result<Vec<ExemptionRequest>, ApiError> {
    let mut all = state
        .store
        .list_exemption_requests(query)
        .await
        .map_err(|e| ApiError::store("listing exemption requests", e))?;
    // The rule of `can_read`, with the maker's own resources read once for the whole list.
    let visible = Visible::of(state, caller).await?;
    all.retain(|r| r.requested_by == caller.username || visible.allows(&r.subject_id));
    Ok(all)
}

/// One request `caller` may read; 404 otherwise (a maker is not told others' requests exist).
pub async fn load(state: &AppState, caller: &Caller, id: i64) -> Result<ExemptionRequest, ApiError> {
    let found =
        state.store.get_exemption_request(id).await.map_err(|e| ApiError::store("reading an exemption request", e))?;
    let r = found.ok_or_else(|| not_found(id))?;
    if !can_read(state, caller, &r).await? {
        return Err(not_found(id));
    }
    Ok(r)
}

/// A decision as the caller gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Grant, optionally with a note and a shorter (or other) expiry than the one requested.
    Approve { note: Option<String>, expires_at: Option<Timestamp> },
    /// Refuse, saying why.
    Decline { reason: String },
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decided {
    pub request: ExemptionRequest,
    /// The exemption granted (approvals only), with where it stands.
    pub exemption: Option<ExemptionView>,
}

/// Approve or decline a request. The caller must administer the request's environment; a
/// request someone decided meanwhile is a conflict (nothing is written).
pub async fn decide(state: &AppState, caller: &Caller, id: i64, verdict: Verdict) -> Result<Decided, ApiError> {
    let before = load(state, caller, id).await?;
    caller.must_administer(&before.environment_id)?;
    let now = Utc::now();
    let (decision, action) = match verdict {
        Verdict::Approve { note, expires_at } => {
            if expires_at.is_some_and(|e| e <= now) {
                return Err(ApiError::invalid("expires_at", "the expiry is in the past; give a later one"));
            }
            let d = RequestDecision {
                state: RequestState::Approved,
                by: caller.username.clone(),
                at: now,
                note,
                expires_at,
            };
            (d, "exemption_request.approve")
        }
        Verdict::Decline { reason } => {
            if reason.trim().is_empty() {
                return Err(ApiError::invalid("reason", "say why the request is declined, so the requester knows"));
            }
            let d = RequestDecision {
                state: RequestState::Declined,
                by: caller.username.clone(),
                at: now,
                note: Some(reason),
                expires_at: None,
            };
            (d, "exemption_request.decline")
        }
    };
    let outcome = match state.store.decide_exemption_request(id, &decision).await {
        Ok(o) => o,
        Err(StoreError::NotFound { .. }) => return Err(not_found(id)),
        Err(StoreError::InvalidQuery(message)) => return Err(ApiError::BadRequest(message)),
        Err(e) => return Err(ApiError::store("deciding an exemption request", e)),
    };
    match outcome {
        DecisionOutcome::Stale { request } => Err(ApiError::Conflict(format!(
            "exemption request {id} was {} by {} meanwhile; nothing was changed",
            request.state,
            request.decided_by.as_deref().unwrap_or("someone else")
        ))),
        DecisionOutcome::Decided { request, exemption } => {
            let exemption = exemption.map(|e| *e);
            audit::record(state, caller, action, target(id), audit::json(&before), audit::json(&request)).await;
            if let Some(e) = &exemption {
                audit::record(state, caller, "exemption.add", format!("exemption:{}", e.id), None, audit::json(e))
                    .await;
            }
            Ok(Decided { request, exemption: exemption.map(|e| ExemptionView::of(e, now)) })
        }
    }
}

/// The requested `expires_at` / `for_days` of an approval, read like a request's.
pub fn approval_expiry(expires_at: &Option<String>, for_days: Option<u32>) -> Result<Option<Timestamp>, ApiError> {
    parse_expiry(expires_at, for_days, Utc::now())
}
