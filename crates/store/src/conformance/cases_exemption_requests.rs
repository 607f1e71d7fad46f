//! Exemption requests: one open request per policy and subject, filters, decisions checked
//! against the state they were made on, and approving grants the exemption in the same write.

use super::*;
use crate::StoreError;
use crate::exemption_requests::{
    DecisionOutcome, ExemptionRequest, ExemptionRequestQuery, NewExemptionRequest, RequestDecision, RequestState,
};
use std::sync::Arc;

fn new_request(policy: &str, subject: &str, env: &str, by: &str) -> NewExemptionRequest {
    NewExemptionRequest {
        policy_id: policy.into(),
        subject_id: subject.into(),
        environment_id: env.into(),
        reason: format!("{subject} is a vendor app"),
        requested_by: by.into(),
        requested_at: at(2026, 11, 1, 9, 0, 0, 0),
        expires_at: Some(at(2027, 2, 1, 0, 0, 0, 0)),
    }
}

fn decision(state: RequestState, by: &str, note: Option<&str>, hour: u32) -> RequestDecision {
    RequestDecision {
        state,
        by: by.into(),
        at: at(2026, 11, 2, hour, 0, 0, 0),
        note: note.map(str::to_string),
        expires_at: None,
    }
}

async fn requested(store: &Arc<dyn Store>, r: &NewExemptionRequest) -> ExemptionRequest {
    store.request_exemption(r).await.unwrap_or_else(|e| panic!("request_exemption: {e}"))
}

async fn ids(store: &Arc<dyn Store>, q: ExemptionRequestQuery) -> Vec<i64> {
    store.list_exemption_requests(&q).await.expect("list_exemption_requests").iter().map(|r| r.id).collect()
}

pub async fn case_exemption_requests_round_trip_and_one_open(store: Arc<dyn Store>) {
    assert!(store.get_exemption_request(1).await.expect("get").is_none(), "unknown id is None, not an error");
    assert!(ids(&store, ExemptionRequestQuery::default()).await.is_empty());

    let a = requested(&store, &new_request("p1", "r1", "e1", "ann")).await;
    assert_eq!(a.state, RequestState::Requested);
    assert_eq!((a.policy_id.as_str(), a.subject_id.as_str(), a.environment_id.as_str()), ("p1", "r1", "e1"));
    assert_eq!((a.requested_by.as_str(), a.reason.as_str()), ("ann", "r1 is a vendor app"));
    assert_eq!((a.requested_at, a.expires_at), (at(2026, 11, 1, 9, 0, 0, 0), Some(at(2027, 2, 1, 0, 0, 0, 0))));
    assert_eq!((a.decided_by.clone(), a.decided_at, a.decision_note.clone(), a.exemption_id), (None, None, None, None));
    assert_eq!(store.get_exemption_request(a.id).await.expect("get"), Some(a.clone()), "round-trips");

    // A second open request for the same policy and subject is refused, naming the first.
    match store.request_exemption(&new_request("p1", "r1", "e1", "bob")).await {
        Err(StoreError::Conflict(message)) => {
            assert!(message.contains(&a.id.to_string()) && message.contains("ann"), "names the open one: {message}")
        }
        other => panic!("expected a conflict for a second open request, got {other:?}"),
    }
    let b = requested(&store, &new_request("p2", "r1", "e1", "bob")).await;
    let c = requested(&store, &new_request("p1", "r2", "e2", "ann")).await;
    let no_expiry = NewExemptionRequest { expires_at: None, ..new_request("p1", "r3", "e2", "cy") };
    let d = requested(&store, &no_expiry).await;
    assert_eq!(d.expires_at, None);

    // Missing fields are refused and write nothing.
    let blank = NewExemptionRequest { reason: "  ".into(), ..new_request("p9", "r9", "e1", "ann") };
    assert!(matches!(store.request_exemption(&blank).await, Err(StoreError::InvalidQuery(_))));
    assert_eq!(ids(&store, ExemptionRequestQuery::default()).await, [a.id, b.id, c.id, d.id], "every request, by id");

    let envs = |e: &[&str]| ExemptionRequestQuery {
        environment_ids: Some(e.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    assert_eq!(ids(&store, envs(&["e1"])).await, [a.id, b.id]);
    assert_eq!(ids(&store, envs(&["e2", "e1"])).await, [a.id, b.id, c.id, d.id]);
    assert!(ids(&store, envs(&[])).await.is_empty(), "no environments match nothing");
    let by_ann = ExemptionRequestQuery { requested_by: Some("ann".into()), ..Default::default() };
    assert_eq!(ids(&store, by_ann).await, [a.id, c.id]);
    let p1 = ExemptionRequestQuery { policy_id: Some("p1".into()), ..Default::default() };
    assert_eq!(ids(&store, p1).await, [a.id, c.id, d.id]);
    let r1 = ExemptionRequestQuery { subject_id: Some("r1".into()), ..Default::default() };
    assert_eq!(ids(&store, r1).await, [a.id, b.id]);

    // Once decided, the pair is free again.
    decided(&store, a.id, &decision(RequestState::Declined, "eve", Some("fix it instead"), 9)).await;
    let again = requested(&store, &new_request("p1", "r1", "e1", "bob")).await;
    let open = ExemptionRequestQuery { state: Some(RequestState::Requested), ..Default::default() };
    assert_eq!(ids(&store, open.clone()).await, [b.id, c.id, d.id, again.id]);
    let declined = ExemptionRequestQuery { state: Some(RequestState::Declined), ..Default::default() };
    assert_eq!(ids(&store, declined).await, [a.id]);

    // The definition the backends implement.
    let every = store.list_exemption_requests(&ExemptionRequestQuery::default()).await.expect("list");
    let q = ExemptionRequestQuery { environment_ids: Some(vec!["e1".into()]), ..open };
    let by_definition: Vec<i64> = every.iter().filter(|r| q.matches(r)).map(|r| r.id).collect();
    assert_eq!(ids(&store, q).await, by_definition);
}

async fn decided(
    store: &Arc<dyn Store>,
    id: i64,
    d: &RequestDecision,
) -> (ExemptionRequest, Option<crate::governance::Exemption>) {
    match store.decide_exemption_request(id, d).await.unwrap_or_else(|e| panic!("decide_exemption_request: {e}")) {
        DecisionOutcome::Decided { request, exemption } => (request, exemption.map(|e| *e)),
        DecisionOutcome::Stale { request } => panic!("expected the decision to apply, the request was {request:?}"),
    }
}

pub async fn case_exemption_requests_decisions_check_the_state(store: Arc<dyn Store>) {
    let unknown = store.decide_exemption_request(99, &decision(RequestState::Approved, "eve", None, 9)).await;
    assert!(matches!(unknown, Err(StoreError::NotFound { .. })), "unknown id: {unknown:?}");

    let a = requested(&store, &new_request("p1", "r1", "e1", "ann")).await;
    // A decline without a reason, or a non-decision, is refused and writes nothing.
    let no_reason = store.decide_exemption_request(a.id, &decision(RequestState::Declined, "eve", None, 9)).await;
    assert!(matches!(no_reason, Err(StoreError::InvalidQuery(_))), "{no_reason:?}");
    let not_one = store.decide_exemption_request(a.id, &decision(RequestState::Requested, "eve", None, 9)).await;
    assert!(matches!(not_one, Err(StoreError::InvalidQuery(_))), "{not_one:?}");
    assert_eq!(store.get_exemption_request(a.id).await.expect("get"), Some(a.clone()), "unchanged");

    // Approving grants the exemption: the requester asked, the decider approved.
    let (request, exemption) =
        decided(&store, a.id, &decision(RequestState::Approved, "eve", Some("until the vendor ships"), 10)).await;
    let exemption = exemption.expect("approving grants an exemption");
    assert_eq!(request.state, RequestState::Approved);
    assert_eq!((request.decided_by.as_deref(), request.decided_at), (Some("eve"), Some(at(2026, 11, 2, 10, 0, 0, 0))));
    assert_eq!(request.decision_note.as_deref(), Some("until the vendor ships"));
    assert_eq!(request.exemption_id, Some(exemption.id), "the request points at its exemption");
    assert_eq!((exemption.policy_id.as_str(), exemption.subject_id.as_deref()), ("p1", Some("r1")));
    assert_eq!((exemption.requested_by.as_str(), exemption.approved_by.as_str()), ("ann", "eve"));
    assert_eq!((exemption.created_at, exemption.expires_at), (at(2026, 11, 2, 10, 0, 0, 0), a.expires_at));
    assert_eq!(exemption.reason, a.reason);
    let stored = store.list_exemptions(false).await.expect("list_exemptions");
    assert_eq!(stored, vec![exemption.clone()], "the exemption is stored");

    // Deciding it again, either way, is stale and writes nothing.
    for again in
        [decision(RequestState::Approved, "zed", None, 11), decision(RequestState::Declined, "zed", Some("no"), 11)]
    {
        match store.decide_exemption_request(a.id, &again).await.expect("decide") {
            DecisionOutcome::Stale { request: now } => assert_eq!(now, request, "answered as it is"),
            DecisionOutcome::Decided { .. } => panic!("a decided request took a second decision"),
        }
    }
    assert_eq!(store.list_exemptions(false).await.expect("list_exemptions").len(), 1, "no second exemption");

    // Declining records why and grants nothing.
    let b = requested(&store, &new_request("p2", "r2", "e1", "bob")).await;
    let (declined, none) = decided(&store, b.id, &decision(RequestState::Declined, "eve", Some(" fix it "), 12)).await;
    assert!(none.is_none());
    assert_eq!(
        (declined.state, declined.decision_note.as_deref(), declined.exemption_id),
        (RequestState::Declined, Some("fix it"), None)
    );
    assert_eq!(store.list_exemptions(false).await.expect("list_exemptions").len(), 1);

    // The approver may shorten the expiry; an expiry already past at the decision is refused.
    let c = requested(&store, &new_request("p3", "r3", "e1", "cy")).await;
    let shorter = RequestDecision {
        expires_at: Some(at(2026, 12, 1, 0, 0, 0, 0)),
        ..decision(RequestState::Approved, "eve", None, 13)
    };
    let (_, granted) = decided(&store, c.id, &shorter).await;
    assert_eq!(granted.map(|e| e.expires_at), Some(Some(at(2026, 12, 1, 0, 0, 0, 0))));
    let late = requested(
        &store,
        &NewExemptionRequest { expires_at: Some(at(2026, 11, 1, 12, 0, 0, 0)), ..new_request("p4", "r4", "e1", "cy") },
    )
    .await;
    let refused = store.decide_exemption_request(late.id, &decision(RequestState::Approved, "eve", None, 14)).await;
    assert!(matches!(refused, Err(StoreError::InvalidQuery(_))), "an expiry before the grant: {refused:?}");
    assert_eq!(
        store.get_exemption_request(late.id).await.expect("get").map(|r| r.state),
        Some(RequestState::Requested)
    );
    assert_eq!(store.list_exemptions(false).await.expect("list_exemptions").len(), 2, "nothing granted by the refusal");
}

pub async fn case_exemption_requests_race(store: Arc<dyn Store>) {
    let a = requested(&store, &new_request("p1", "r1", "e1", "ann")).await;
    let approve = decision(RequestState::Approved, "eve", None, 9);
    let decline = decision(RequestState::Declined, "zed", Some("no"), 9);
    let approve_again = decision(RequestState::Approved, "ivy", None, 9);
    let (first, second, third) = tokio::join!(
        store.decide_exemption_request(a.id, &approve),
        store.decide_exemption_request(a.id, &decline),
        store.decide_exemption_request(a.id, &approve_again),
    );
    let outcomes = [first.expect("decide"), second.expect("decide"), third.expect("decide")];
    let applied = outcomes.iter().filter(|o| matches!(o, DecisionOutcome::Decided { .. })).count();
    assert_eq!(applied, 1, "of three decisions on one request, exactly one applies: {outcomes:?}");
    let granted = store.list_exemptions(false).await.expect("list_exemptions").len();
    let state = store.get_exemption_request(a.id).await.expect("get").map(|r| r.state);
    let expected = if state == Some(RequestState::Approved) { 1 } else { 0 };
    assert_eq!(granted, expected, "an exemption exactly when the winner approved ({state:?})");
}
