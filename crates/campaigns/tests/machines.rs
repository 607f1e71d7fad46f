//! Every transition of every state machine, against a table written out by hand: each legal
//! (state, event) pair leads where the table says, and every other pair is refused with an
//! error naming the state, the event and what the state does take.

use steward_campaigns::machine::TransitionError;
use steward_campaigns::{CampaignKind, TaskEvent, TaskState, compliance, inactivity, orphaned, promotion, quarantine};

/// Check `transition` against `table` for every state × event of one kind.
fn check_kind<S, E>(
    kind: CampaignKind,
    states: &[S],
    events: &[E],
    table: &[(S, E, S)],
    transition: impl Fn(S, E) -> Result<S, TransitionError>,
    state_str: impl Fn(S) -> &'static str,
    event_str: impl Fn(E) -> &'static str,
) where
    S: Copy + PartialEq + std::fmt::Debug,
    E: Copy + PartialEq + std::fmt::Debug,
{
    for &s in states {
        let allowed: Vec<&str> = events
            .iter()
            .filter(|e| table.iter().any(|(ts, te, _)| *ts == s && te == *e))
            .map(|e| event_str(*e))
            .collect();
        for &e in events {
            let expected = table.iter().find(|(ts, te, _)| *ts == s && *te == e).map(|(_, _, to)| *to);
            match (expected, transition(s, e)) {
                (Some(to), Ok(got)) => assert_eq!(got, to, "{kind}: {s:?} --{e:?}-->"),
                (None, Err(TransitionError::Illegal { kind: k, state, event, allowed: got_allowed })) => {
                    assert_eq!(k, kind);
                    assert_eq!(state, state_str(s));
                    assert_eq!(event, event_str(e));
                    assert_eq!(got_allowed, allowed, "{kind}: allowed events from {s:?}");
                }
                (expected, got) => panic!("{kind}: {s:?} --{e:?}--> expected {expected:?}, got {got:?}"),
            }
        }
    }
}

#[test]
fn compliance_transitions() {
    use compliance::{Event as E, State as S};
    let open = [S::Requested, S::Reminded, S::Escalated];
    let mut table = vec![
        (S::Requested, E::Remind, S::Reminded),
        (S::Reminded, E::Remind, S::Reminded),
        (S::Escalated, E::Remind, S::Escalated),
        (S::Requested, E::Escalate, S::Escalated),
        (S::Reminded, E::Escalate, S::Escalated),
        (S::Escalated, E::Expire, S::Expired),
    ];
    for s in open {
        table.extend([(s, E::Fix, S::Fixed), (s, E::Exempt, S::Exempted), (s, E::Withdraw, S::Withdrawn)]);
    }
    check_kind(CampaignKind::Compliance, S::ALL, E::ALL, &table, compliance::transition, S::as_str, E::as_str);
}

#[test]
fn inactivity_transitions() {
    use inactivity::{Event as E, State as S};
    let open = [S::AskedOwner, S::EscalatedToManager, S::ApprovedForArchive, S::ArchiveDue];
    let mut table = vec![
        (S::AskedOwner, E::Remind, S::AskedOwner),
        (S::EscalatedToManager, E::Remind, S::EscalatedToManager),
        (S::AskedOwner, E::Escalate, S::EscalatedToManager),
        (S::AskedOwner, E::ApproveArchive, S::ApprovedForArchive),
        (S::EscalatedToManager, E::ApproveArchive, S::ApprovedForArchive),
        (S::ApprovedForArchive, E::ArchiveDue, S::ArchiveDue),
        (S::ApprovedForArchive, E::RecordArchive, S::Archived),
        (S::ArchiveDue, E::RecordArchive, S::Archived),
    ];
    for s in open {
        table.extend([(s, E::Keep, S::Kept), (s, E::Withdraw, S::Withdrawn)]);
    }
    check_kind(CampaignKind::Inactivity, S::ALL, E::ALL, &table, inactivity::transition, S::as_str, E::as_str);
}

#[test]
fn orphaned_transitions() {
    use orphaned::{Event as E, State as S};
    let open = [S::AskedManager, S::EscalatedToPlatform, S::DeletionApproved];
    let mut table = vec![
        (S::AskedManager, E::Remind, S::AskedManager),
        (S::AskedManager, E::Escalate, S::EscalatedToPlatform),
        (S::AskedManager, E::ApproveDeletion, S::DeletionApproved),
        (S::EscalatedToPlatform, E::ApproveDeletion, S::DeletionApproved),
        (S::DeletionApproved, E::RecordDeletion, S::Deleted),
    ];
    for s in open {
        table.extend([(s, E::TakeOver, S::TakenOver), (s, E::Reassign, S::Reassigned), (s, E::Withdraw, S::Withdrawn)]);
    }
    check_kind(CampaignKind::Orphaned, S::ALL, E::ALL, &table, orphaned::transition, S::as_str, E::as_str);
}

#[test]
fn quarantine_transitions() {
    use quarantine::{Event as E, State as S};
    let table = vec![
        (S::Recommended, E::Remind, S::Recommended),
        (S::Recommended, E::Accept, S::Accepted),
        (S::Recommended, E::Decline, S::Declined),
        (S::Accepted, E::RecordQuarantine, S::Quarantined),
        (S::Recommended, E::Withdraw, S::Withdrawn),
        (S::Accepted, E::Withdraw, S::Withdrawn),
    ];
    check_kind(CampaignKind::Quarantine, S::ALL, E::ALL, &table, quarantine::transition, S::as_str, E::as_str);
}

#[test]
fn closed_states_take_nothing_and_say_so() {
    let err = compliance::transition(compliance::State::Fixed, compliance::Event::Remind).expect_err("closed");
    assert_eq!(
        err.to_string(),
        "a compliance request in state `fixed` cannot take `remind`; `fixed` is closed and takes no more events"
    );
    let err = inactivity::transition(inactivity::State::AskedOwner, inactivity::Event::RecordArchive)
        .expect_err("not approved");
    assert_eq!(
        err.to_string(),
        "an inactivity clean-up task in state `asked_owner` cannot take `record_archive`; from `asked_owner` it takes: \
         remind, escalate, approve_archive, keep, withdraw"
    );
}

#[test]
fn open_and_closed_states_agree_with_the_tables() {
    // A state is open exactly when some event leaves it.
    for kind in CampaignKind::ALL {
        for state in kind.states() {
            let events: Vec<TaskEvent> = match state {
                TaskState::Compliance(_) => compliance::Event::ALL.iter().map(|e| TaskEvent::Compliance(*e)).collect(),
                TaskState::Inactivity(_) => inactivity::Event::ALL.iter().map(|e| TaskEvent::Inactivity(*e)).collect(),
                TaskState::Orphaned(_) => orphaned::Event::ALL.iter().map(|e| TaskEvent::Orphaned(*e)).collect(),
                TaskState::Quarantine(_) => quarantine::Event::ALL.iter().map(|e| TaskEvent::Quarantine(*e)).collect(),
                TaskState::Promotion(_) => promotion::Event::ALL.iter().map(|e| TaskEvent::Promotion(*e)).collect(),
            };
            let any_legal = events.iter().any(|e| state.transition(*e).is_ok());
            assert_eq!(state.is_open(), any_legal, "{kind} {state}");
        }
    }
}

#[test]
fn events_of_another_kind_are_refused() {
    let state = TaskState::Compliance(compliance::State::Requested);
    let err = state.transition(TaskEvent::Inactivity(inactivity::Event::Keep)).expect_err("wrong kind");
    assert!(matches!(err, TransitionError::WrongKind { .. }), "{err:?}");
    assert!(err.to_string().contains("inactivity event"), "{err}");
}

#[test]
fn states_round_trip_through_their_stored_text() {
    for kind in CampaignKind::ALL {
        assert_eq!(kind.as_str().parse::<CampaignKind>().ok(), Some(*kind));
        for state in kind.states() {
            assert_eq!(TaskState::parse(*kind, state.as_str()).ok(), Some(state));
            assert_eq!(state.kind(), *kind);
        }
    }
    assert!(TaskState::parse(CampaignKind::Quarantine, "asked_owner").is_err());
}
