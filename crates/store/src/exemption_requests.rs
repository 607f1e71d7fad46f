//! Exemption requests: someone who may act on a resource asks for an exemption of one policy,
//! and an admin of the resource's environment (or a platform admin) decides.
//!
//! What both backends must do the same way is written here once:
//! - **one open request per policy and subject**: a second `requested` one is refused with
//!   [`StoreError::Conflict`] naming the first (a partial unique index makes this hold under
//!   concurrent writers too);
//! - **optimistic concurrency**: a decision applies only to a request that is still
//!   `requested`, checked in the transaction that writes it; otherwise nothing is written and
//!   the caller gets the request as it is now ([`DecisionOutcome::Stale`]);
//! - **approving grants**: the exemption ([`exemption_for`]) is inserted in the same
//!   transaction as the decision and the request points at it, so an approved request without
//!   its exemption cannot exist.

use crate::governance::{Exemption, NewExemption};
use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

steward_model::string_enum!(
    /// Where an exemption request is. `requested` is the only open state.
    RequestState, "exemption request state" {
        Requested => "requested",
        Approved => "approved",
        Declined => "declined",
    }
);

/// A request to record: see [`crate::Store::request_exemption`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewExemptionRequest {
    pub policy_id: String,
    /// The resource (or, for an environment policy, the environment) to exempt.
    pub subject_id: String,
    /// The subject's environment: whose admins decide.
    pub environment_id: String,
    /// Why; required.
    pub reason: String,
    /// The username of who asks.
    pub requested_by: String,
    pub requested_at: Timestamp,
    /// When the exemption should stop applying; `None` never.
    pub expires_at: Option<Timestamp>,
}

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidQuery(format!("{what} is required")));
    }
    Ok(())
}

impl NewExemptionRequest {
    /// Refuse a request with a missing field or an expiry before it is made, saying which.
    pub fn check(&self) -> Result<()> {
        required(&self.policy_id, "the policy of an exemption request (policy_id)")?;
        required(&self.subject_id, "the resource of an exemption request (subject_id)")?;
        required(&self.environment_id, "the environment of an exemption request (environment_id)")?;
        required(&self.reason, "a reason for the exemption request")?;
        required(&self.requested_by, "who requests the exemption (requested_by)")?;
        if let Some(expires) = self.expires_at
            && expires <= self.requested_at
        {
            return Err(StoreError::InvalidQuery(format!(
                "the requested expiry ({expires}) is not after the request ({}); give a later expiry",
                self.requested_at
            )));
        }
        Ok(())
    }
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionRequest {
    pub id: i64,
    pub policy_id: String,
    pub subject_id: String,
    pub environment_id: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: Timestamp,
    /// The expiry asked for.
    pub expires_at: Option<Timestamp>,
    pub state: RequestState,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    /// The approver's note, or the reason for declining.
    pub decision_note: Option<String>,
    /// The exemption granted, once approved.
    pub exemption_id: Option<i64>,
}

/// Which requests [`crate::Store::list_exemption_requests`] returns, by id. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionRequestQuery {
    pub state: Option<RequestState>,
    /// Requests in any of these environments (an environment admin's queue); `Some(vec![])`
    /// matches nothing.
    pub environment_ids: Option<Vec<String>>,
    pub requested_by: Option<String>,
    pub policy_id: Option<String>,
    pub subject_id: Option<String>,
}

impl ExemptionRequestQuery {
    /// Whether a request matches; backends may filter in SQL, this is the definition.
    pub fn matches(&self, r: &ExemptionRequest) -> bool {
        self.state.is_none_or(|s| s == r.state)
            && self.environment_ids.as_ref().is_none_or(|envs| envs.contains(&r.environment_id))
            && self.requested_by.as_ref().is_none_or(|b| *b == r.requested_by)
            && self.policy_id.as_ref().is_none_or(|p| *p == r.policy_id)
            && self.subject_id.as_ref().is_none_or(|s| *s == r.subject_id)
    }
}

/// A decision on a request: see [`crate::Store::decide_exemption_request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDecision {
    /// `approved` or `declined`.
    pub state: RequestState,
    /// The username of who decides; the approver of the exemption granted.
    pub by: String,
    pub at: Timestamp,
    /// Required to decline (the requester reads why); optional to approve.
    pub note: Option<String>,
    /// Approving: grant until then instead of the requested expiry.
    pub expires_at: Option<Timestamp>,
}

impl RequestDecision {
    /// Refuse a decision that is not one, or a decline without a reason.
    pub fn check(&self) -> Result<()> {
        required(&self.by, "who decides the exemption request (by)")?;
        match self.state {
            RequestState::Requested => {
                Err(StoreError::InvalidQuery("a decision approves or declines; `requested` is not a decision".into()))
            }
            RequestState::Declined if self.note.as_deref().is_none_or(|n| n.trim().is_empty()) => Err(
                StoreError::InvalidQuery("say why the exemption request is declined, so the requester knows".into()),
            ),
            RequestState::Approved | RequestState::Declined => Ok(()),
        }
    }
}

/// The exemption that approving `request` grants: for the request's subject, requested by
/// its requester, approved by the decider, from the decision on, until the decision's expiry
/// or else the requested one. Its own [`NewExemption::check`] still applies (a requested
/// expiry that has passed by the time of the decision is refused).
pub fn exemption_for(request: &ExemptionRequest, decision: &RequestDecision) -> NewExemption {
    NewExemption {
        policy_id: request.policy_id.clone(),
        subject_id: Some(request.subject_id.clone()),
        environment_id: None,
        reason: request.reason.clone(),
        requested_by: request.requested_by.clone(),
        approved_by: decision.by.clone(),
        expires_at: decision.expires_at.or(request.expires_at),
        at: decision.at,
    }
}

/// The refusal of a second open request for one policy and subject.
pub fn duplicate_request(existing: &ExemptionRequest) -> StoreError {
    StoreError::Conflict(format!(
        "exemption request {} for policy '{}' on '{}' is already waiting for a decision (asked by {})",
        existing.id, existing.policy_id, existing.subject_id, existing.requested_by
    ))
}

/// What deciding a request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DecisionOutcome {
    /// Written: the request as it is now, and the exemption granted when approved.
    Decided { request: ExemptionRequest, exemption: Option<Box<Exemption>> },
    /// Not written: someone decided first. The request as it is now.
    Stale { request: ExemptionRequest },
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(hour: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).single().unwrap_or_default()
    }

    fn request() -> NewExemptionRequest {
        NewExemptionRequest {
            policy_id: "p".into(),
            subject_id: "r1".into(),
            environment_id: "e1".into(),
            reason: "vendor app".into(),
            requested_by: "ann".into(),
            requested_at: t(8),
            expires_at: Some(t(20)),
        }
    }

    #[test]
    fn requests_say_what_is_missing() {
        assert!(request().check().is_ok());
        let cases: Vec<(NewExemptionRequest, &str)> = vec![
            (NewExemptionRequest { reason: " ".into(), ..request() }, "reason"),
            (NewExemptionRequest { policy_id: String::new(), ..request() }, "policy"),
            (NewExemptionRequest { subject_id: String::new(), ..request() }, "resource"),
            (NewExemptionRequest { environment_id: String::new(), ..request() }, "environment"),
            (NewExemptionRequest { requested_by: String::new(), ..request() }, "who requests"),
            (NewExemptionRequest { expires_at: Some(t(8)), ..request() }, "later expiry"),
        ];
        for (r, says) in cases {
            let err = r.check().expect_err(says);
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
    }

    #[test]
    fn decisions_decide_and_declines_say_why() {
        let d =
            RequestDecision { state: RequestState::Approved, by: "bob".into(), at: t(9), note: None, expires_at: None };
        assert!(d.check().is_ok());
        let err = RequestDecision { state: RequestState::Declined, ..d.clone() }.check().expect_err("no reason");
        assert!(err.to_string().contains("say why"), "{err}");
        let declined = RequestDecision { state: RequestState::Declined, note: Some("no".into()), ..d.clone() };
        assert!(declined.check().is_ok());
        assert!(RequestDecision { state: RequestState::Requested, ..d.clone() }.check().is_err());
        assert!(RequestDecision { by: " ".into(), ..d }.check().is_err());
    }

    #[test]
    fn approving_grants_for_the_subject_with_the_decider_as_approver() {
        let stored = ExemptionRequest {
            id: 4,
            policy_id: "p".into(),
            subject_id: "r1".into(),
            environment_id: "e1".into(),
            reason: "vendor app".into(),
            requested_by: "ann".into(),
            requested_at: t(8),
            expires_at: Some(t(20)),
            state: RequestState::Requested,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            exemption_id: None,
        };
        let d =
            RequestDecision { state: RequestState::Approved, by: "bob".into(), at: t(9), note: None, expires_at: None };
        let e = exemption_for(&stored, &d);
        assert_eq!((e.subject_id.as_deref(), e.environment_id.as_deref()), (Some("r1"), None));
        assert_eq!((e.requested_by.as_str(), e.approved_by.as_str(), e.at), ("ann", "bob", t(9)));
        assert_eq!(e.expires_at, Some(t(20)), "the requested expiry");
        let shorter = RequestDecision { expires_at: Some(t(12)), ..d };
        assert_eq!(exemption_for(&stored, &shorter).expires_at, Some(t(12)), "the approver's expiry wins");
        assert!(e.check().is_ok());
    }

    #[test]
    fn queries_match_by_definition() {
        let r = ExemptionRequest {
            id: 1,
            policy_id: "p".into(),
            subject_id: "r1".into(),
            environment_id: "e1".into(),
            reason: "x".into(),
            requested_by: "ann".into(),
            requested_at: t(8),
            expires_at: None,
            state: RequestState::Requested,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            exemption_id: None,
        };
        assert!(ExemptionRequestQuery::default().matches(&r));
        let envs = |e: &[&str]| ExemptionRequestQuery {
            environment_ids: Some(e.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        assert!(envs(&["e2", "e1"]).matches(&r));
        assert!(!envs(&[]).matches(&r), "no environments: nothing");
        let declined = ExemptionRequestQuery { state: Some(RequestState::Declined), ..Default::default() };
        assert!(!declined.matches(&r));
    }
}
