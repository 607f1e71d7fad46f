//! Campaigns: campaigns and their config snapshot, one open task per kind and resource,
//! transitions checked against the state they were computed from, and the history.

use super::*;
use crate::StoreError;
use crate::campaigns::{
    CampaignQuery, CampaignState, CampaignTask, NewCampaign, NewTask, TaskQuery, TaskTransition, TransitionOutcome,
};
use std::sync::Arc;
use steward_model::Timestamp;

fn new_campaign(kind: &str, title: &str) -> NewCampaign {
    NewCampaign {
        kind: kind.into(),
        title: title.into(),
        created_by: "ann".into(),
        created_at: at(2026, 11, 1, 9, 0, 0, 0),
        config: serde_json::json!({ "inactivity_days": 180, "actions": { "archive": false } }),
    }
}

fn new_task(kind: &str, resource: &str, assignee: &str, due: Option<Timestamp>) -> NewTask {
    NewTask {
        tenant_id: "t1".into(),
        kind: kind.into(),
        resource_id: resource.into(),
        environment_id: "e1".into(),
        assignee: assignee.into(),
        state: "asked_owner".into(),
        open: true,
        due_at: due,
        opened_at: at(2026, 11, 1, 10, 0, 0, 0),
        data: serde_json::json!({ "resource_name": resource.to_uppercase(), "reminders": 0 }),
        opened_by: "steward".into(),
        note: Some(format!("{resource} unused for 200 days")),
    }
}

fn transition(task: &CampaignTask, state: &str, open: bool, actor: &str, action: &str, hour: u32) -> TaskTransition {
    TaskTransition {
        expected_state: task.state.clone(),
        expected_updated_at: Some(task.updated_at),
        state: state.into(),
        open,
        assignee: "bob".into(),
        due_at: None,
        data: serde_json::json!({ "reason": format!("{actor} decided") }),
        at: at(2026, 11, 2, hour, 0, 0, 0),
        actor: actor.into(),
        action: action.into(),
        note: Some(format!("{action} by {actor}")),
    }
}

async fn create(store: &Arc<dyn Store>, kind: &str, title: &str) -> crate::campaigns::Campaign {
    store.create_campaign(&new_campaign(kind, title)).await.unwrap_or_else(|e| panic!("create_campaign: {e}"))
}

async fn task(store: &Arc<dyn Store>, id: i64) -> CampaignTask {
    store.get_campaign_task(id).await.expect("get_campaign_task").unwrap_or_else(|| panic!("task {id} exists"))
}

async fn applied(store: &Arc<dyn Store>, id: i64, t: &TaskTransition) -> CampaignTask {
    match store.apply_task_transition(id, t).await.expect("apply_task_transition") {
        TransitionOutcome::Applied(task) => task,
        TransitionOutcome::Stale(task) => panic!("expected the transition to apply, the task was {task:?}"),
    }
}

pub async fn case_campaigns_create_list_and_close(store: Arc<dyn Store>) {
    assert!(store.list_campaigns(&CampaignQuery::default()).await.expect("list_campaigns").is_empty());
    assert!(store.get_campaign(1).await.expect("get_campaign").is_none(), "unknown id is None, not an error");

    let a = create(&store, "inactivity", "Spring clean-up").await;
    let b = create(&store, "orphaned", "Leavers of October").await;
    assert!(b.id > a.id);
    assert_eq!((a.kind.as_str(), a.title.as_str(), a.created_by.as_str()), ("inactivity", "Spring clean-up", "ann"));
    assert_eq!(a.created_at, at(2026, 11, 1, 9, 0, 0, 0));
    assert_eq!(a.config, new_campaign("x", "y").config, "the config snapshot round-trips as JSON");
    assert_eq!((a.state, a.tasks, a.open_tasks, a.closed_by.clone()), (CampaignState::Open, 0, 0, None));
    assert_eq!(store.get_campaign(a.id).await.expect("get_campaign"), Some(a.clone()));

    let err = store.create_campaign(&new_campaign("inactivity", " ")).await.expect_err("no title");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");

    let by_kind = CampaignQuery { kind: Some("orphaned".into()), ..Default::default() };
    let ids: Vec<i64> = store.list_campaigns(&by_kind).await.expect("list").iter().map(|c| c.id).collect();
    assert_eq!(ids, [b.id]);

    // A campaign with open tasks does not close; once they are closed, it does.
    let added = store.add_campaign_tasks(a.id, &[new_task("inactivity", "r1", "alice", None)]).await.expect("add");
    let a_now = store.get_campaign(a.id).await.expect("get").expect("exists");
    assert_eq!((a_now.tasks, a_now.open_tasks), (1, 1), "task counts");
    let err = store.close_campaign(a.id, "ann", at(2026, 11, 3, 9, 0, 0, 0)).await.expect_err("open task");
    assert!(err.to_string().contains("1 open task"), "{err}");
    let t = task(&store, added.added[0]).await;
    applied(&store, t.id, &transition(&t, "kept", false, "alice", "keep", 9)).await;
    let closed = store.close_campaign(a.id, "ann", at(2026, 11, 3, 9, 0, 0, 0)).await.expect("close");
    assert_eq!((closed.state, closed.closed_by.as_deref()), (CampaignState::Closed, Some("ann")));
    assert_eq!(closed.closed_at, Some(at(2026, 11, 3, 9, 0, 0, 0)));
    assert_eq!((closed.tasks, closed.open_tasks), (1, 0));

    let err = store.close_campaign(a.id, "ann", at(2026, 11, 3, 9, 0, 0, 0)).await.expect_err("twice");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let err = store.add_campaign_tasks(a.id, &[new_task("inactivity", "r9", "alice", None)]).await.expect_err("closed");
    assert!(err.to_string().contains("closed"), "{err}");
    let err = store.close_campaign(9_999, "ann", at(2026, 11, 3, 9, 0, 0, 0)).await.expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    let open_only = CampaignQuery { state: Some(CampaignState::Open), ..Default::default() };
    let ids: Vec<i64> = store.list_campaigns(&open_only).await.expect("list").iter().map(|c| c.id).collect();
    assert_eq!(ids, [b.id]);
}

pub async fn case_campaign_tasks_skip_open_duplicates(store: Arc<dyn Store>) {
    let first = create(&store, "inactivity", "First").await;
    let second = create(&store, "inactivity", "Second").await;
    let orphaned = create(&store, "orphaned", "Leavers").await;

    let batch = [
        new_task("inactivity", "r1", "alice", None),
        new_task("inactivity", "r2", "alice", None),
        new_task("inactivity", "r1", "carol", None), // the same resource twice in one batch
    ];
    let added = store.add_campaign_tasks(first.id, &batch).await.expect("add");
    assert_eq!(added.added.len(), 2);
    assert_eq!(added.skipped, ["r1"], "the second r1 of the batch is skipped");

    // Another campaign of the same kind cannot open a second task for r1 or r2 while open.
    let again = store
        .add_campaign_tasks(
            second.id,
            &[new_task("inactivity", "r2", "alice", None), new_task("inactivity", "r3", "alice", None)],
        )
        .await
        .expect("add");
    assert_eq!((again.added.len(), again.skipped.clone()), (1, vec!["r2".to_string()]));

    // Another kind may.
    let mut leaver = new_task("orphaned", "r1", "bob", None);
    leaver.state = "asked_manager".into();
    assert_eq!(store.add_campaign_tasks(orphaned.id, &[leaver]).await.expect("add").added.len(), 1);

    // A task of another kind than the campaign's is refused, and nothing of the batch is added.
    let err = store
        .add_campaign_tasks(
            first.id,
            &[new_task("inactivity", "r7", "alice", None), new_task("orphaned", "r8", "bob", None)],
        )
        .await
        .expect_err("wrong kind");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    let r7 = TaskQuery { resource_id: Some("r7".into()), ..Default::default() };
    assert!(store.list_campaign_tasks(&r7).await.expect("list").is_empty(), "a refused batch writes nothing");
    let err = store.add_campaign_tasks(9_999, &[new_task("inactivity", "r9", "a", None)]).await.expect_err("unknown");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

    // Once r1's task is closed, a new one can be opened.
    let r1 = task(&store, added.added[0]).await;
    applied(&store, r1.id, &transition(&r1, "kept", false, "alice", "keep", 9)).await;
    let reopened =
        store.add_campaign_tasks(second.id, &[new_task("inactivity", "r1", "alice", None)]).await.expect("add");
    assert_eq!(reopened.added.len(), 1, "a closed task does not block a new one");

    // Every added task starts its history with its opening.
    let history = store.campaign_task_history(reopened.added[0]).await.expect("history");
    assert_eq!(history.len(), 1);
    let opening = &history[0];
    assert_eq!(
        (opening.actor.as_str(), opening.from_state.as_deref(), opening.to_state.as_str(), opening.action.as_str()),
        ("steward", None, "asked_owner", "open")
    );
    assert_eq!(opening.at, at(2026, 11, 1, 10, 0, 0, 0));
    assert_eq!(opening.note.as_deref(), Some("r1 unused for 200 days"));
}

pub async fn case_campaign_task_transitions_check_the_expected_state(store: Arc<dyn Store>) {
    let c = create(&store, "inactivity", "Clean-up").await;
    let due = at(2026, 12, 1, 10, 0, 0, 0);
    let added = store.add_campaign_tasks(c.id, &[new_task("inactivity", "r1", "alice", Some(due))]).await.expect("add");
    let t = task(&store, added.added[0]).await;
    assert_eq!(
        (t.campaign_id, t.tenant_id.as_str(), t.kind.as_str(), t.resource_id.as_str(), t.environment_id.as_str()),
        (c.id, "t1", "inactivity", "r1", "e1")
    );
    assert_eq!((t.assignee.as_str(), t.state.as_str(), t.open, t.due_at), ("alice", "asked_owner", true, Some(due)));
    assert_eq!((t.opened_at, t.updated_at), (at(2026, 11, 1, 10, 0, 0, 0), at(2026, 11, 1, 10, 0, 0, 0)));
    assert_eq!(t.data, serde_json::json!({ "resource_name": "R1", "reminders": 0 }), "data round-trips as JSON");

    // A reminder leaves the state as it is; the update time still moves.
    let mut remind = transition(&t, "asked_owner", true, "steward", "remind", 8);
    remind.assignee = "alice".into();
    remind.due_at = Some(due);
    let reminded = applied(&store, t.id, &remind).await;
    assert_eq!((reminded.state.as_str(), reminded.updated_at), ("asked_owner", at(2026, 11, 2, 8, 0, 0, 0)));

    // The same reminder computed from the old task is stale: its update time no longer matches.
    match store.apply_task_transition(t.id, &remind).await.expect("apply") {
        TransitionOutcome::Stale(now) => assert_eq!(now, reminded, "a stale transition answers the task as it is"),
        TransitionOutcome::Applied(_) => panic!("a reminder computed from an old task must not apply twice"),
    }

    let escalate = transition(&reminded, "escalated_to_manager", true, "steward", "escalate", 9);
    let escalated = applied(&store, t.id, &escalate).await;
    assert_eq!(
        (escalated.state.as_str(), escalated.assignee.as_str(), escalated.due_at),
        ("escalated_to_manager", "bob", None)
    );
    assert_eq!(escalated.data, serde_json::json!({ "reason": "steward decided" }));

    // A move computed from `asked_owner` no longer applies, and writes nothing.
    let late = TaskTransition { expected_updated_at: None, ..transition(&t, "kept", false, "alice", "keep", 10) };
    match store.apply_task_transition(t.id, &late).await.expect("apply") {
        TransitionOutcome::Stale(now) => assert_eq!(now, escalated),
        TransitionOutcome::Applied(_) => panic!("the stored state is not the expected one"),
    }
    assert_eq!(task(&store, t.id).await, escalated, "nothing written");

    let keep = TaskTransition { expected_updated_at: None, ..transition(&escalated, "kept", false, "bob", "keep", 11) };
    let kept = applied(&store, t.id, &keep).await;
    assert!(!kept.open);

    let history = store.campaign_task_history(t.id).await.expect("history");
    let lines: Vec<(&str, Option<&str>, &str, &str)> = history
        .iter()
        .map(|e| (e.actor.as_str(), e.from_state.as_deref(), e.to_state.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("steward", None, "asked_owner", "open"),
            ("steward", Some("asked_owner"), "asked_owner", "remind"),
            ("steward", Some("asked_owner"), "escalated_to_manager", "escalate"),
            ("bob", Some("escalated_to_manager"), "kept", "keep"),
        ],
        "one entry per applied transition, oldest first; stale ones leave none"
    );
    assert_eq!(history[3].at, at(2026, 11, 2, 11, 0, 0, 0));
    assert_eq!(history[3].note.as_deref(), Some("keep by bob"));

    let err = store.apply_task_transition(9_999, &keep).await.expect_err("unknown task");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let err = store
        .apply_task_transition(t.id, &TaskTransition { actor: String::new(), ..keep.clone() })
        .await
        .expect_err("no actor");
    assert!(matches!(err, StoreError::InvalidQuery(_)), "{err}");
    assert!(store.campaign_task_history(9_999).await.expect("history").is_empty());
}

pub async fn case_campaign_task_transitions_race(store: Arc<dyn Store>) {
    let c = create(&store, "quarantine", "Quarantine").await;
    let added = store.add_campaign_tasks(c.id, &[new_task("quarantine", "r1", "admins", None)]).await.expect("add");
    let t = task(&store, added.added[0]).await;
    let accept = TaskTransition { expected_updated_at: None, ..transition(&t, "accepted", true, "ann", "accept", 9) };
    let decline =
        TaskTransition { expected_updated_at: None, ..transition(&t, "declined", false, "bob", "decline", 9) };
    let (first, second) =
        tokio::join!(store.apply_task_transition(t.id, &accept), store.apply_task_transition(t.id, &decline));
    let outcomes = [first.expect("apply"), second.expect("apply")];
    let applied = outcomes.iter().filter(|o| matches!(o, TransitionOutcome::Applied(_))).count();
    assert_eq!(applied, 1, "of two answers computed from the same state, exactly one applies: {outcomes:?}");
    assert_eq!(store.campaign_task_history(t.id).await.expect("history").len(), 2, "opening and one answer");
}

pub async fn case_campaign_tasks_list_filters(store: Arc<dyn Store>) {
    let a = create(&store, "inactivity", "A").await;
    let b = create(&store, "inactivity", "B").await;
    let soon = at(2026, 11, 10, 0, 0, 0, 0);
    let later = at(2026, 12, 10, 0, 0, 0, 0);
    let ids_a = store
        .add_campaign_tasks(
            a.id,
            &[new_task("inactivity", "r1", "alice", Some(soon)), new_task("inactivity", "r2", "bob", Some(later))],
        )
        .await
        .expect("add")
        .added;
    let ids_b =
        store.add_campaign_tasks(b.id, &[new_task("inactivity", "r3", "alice", None)]).await.expect("add").added;
    let r2 = task(&store, ids_a[1]).await;
    applied(&store, r2.id, &transition(&r2, "kept", false, "bob", "keep", 9)).await;

    let ids = |q: TaskQuery| {
        let store = store.clone();
        async move { store.list_campaign_tasks(&q).await.expect("list").iter().map(|t| t.id).collect::<Vec<i64>>() }
    };
    let all = [ids_a[0], ids_a[1], ids_b[0]];
    assert_eq!(ids(TaskQuery::default()).await, all, "every task, by id");
    assert_eq!(ids(TaskQuery { campaign_id: Some(a.id), ..Default::default() }).await, ids_a);
    assert_eq!(ids(TaskQuery { assignee: Some("alice".into()), ..Default::default() }).await, [ids_a[0], ids_b[0]]);
    assert_eq!(ids(TaskQuery { state: Some("kept".into()), ..Default::default() }).await, [ids_a[1]]);
    assert_eq!(ids(TaskQuery { resource_id: Some("r3".into()), ..Default::default() }).await, ids_b);
    assert_eq!(ids(TaskQuery { open: Some(true), ..Default::default() }).await, [ids_a[0], ids_b[0]]);
    assert_eq!(ids(TaskQuery { open: Some(false), ..Default::default() }).await, [ids_a[1]]);
    assert_eq!(ids(TaskQuery { kind: Some("orphaned".into()), ..Default::default() }).await, Vec::<i64>::new());
    // The kept task's due time was cleared by its transition; r3 never had one.
    assert_eq!(ids(TaskQuery { due_before: Some(later), ..Default::default() }).await, [ids_a[0]]);
    assert_eq!(ids(TaskQuery { due_before: Some(soon), ..Default::default() }).await, [ids_a[0]], "due exactly then");
    assert_eq!(
        ids(TaskQuery { due_before: Some(at(2026, 11, 9, 23, 59, 59, 999)), ..Default::default() }).await,
        Vec::<i64>::new()
    );
    let combined =
        TaskQuery { campaign_id: Some(a.id), assignee: Some("alice".into()), open: Some(true), ..Default::default() };
    assert_eq!(ids(combined).await, [ids_a[0]]);
    // The definition the backends implement.
    let every = store.list_campaign_tasks(&TaskQuery::default()).await.expect("list");
    let q = TaskQuery { assignee: Some("alice".into()), open: Some(true), ..Default::default() };
    let by_definition: Vec<i64> = every.iter().filter(|t| q.matches(t)).map(|t| t.id).collect();
    assert_eq!(ids(q).await, by_definition);
}
