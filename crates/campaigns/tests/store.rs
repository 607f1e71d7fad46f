//! Campaigns end to end over a real store: planning against stored open tasks, the scheduler
//! taking due steps with the campaign's configuration snapshot, answers, the audit trail, and
//! stale answers. On SQLite always, and on PostgreSQL when `STEWARD_TEST_POSTGRES_URL` is set.

use chrono::{Duration, TimeZone, Utc};
use steward_campaigns::run::{add_planned, answer, open_campaign, open_tasks, run_due};
use steward_campaigns::{
    ActionKind, Answer, CampaignConfig, CampaignError, CampaignKind, InactivityCandidate, ResourceRef, persist,
    plan_inactivity, respond,
};
use steward_model::{ResourceKind, Timestamp};
use steward_store::Store;
use steward_store::campaigns::{CampaignState, TaskQuery, TransitionOutcome};
use steward_store_postgres::PostgresStore;
use steward_store_sqlite::SqliteStore;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("valid date")
}

fn day(n: i64) -> Timestamp {
    t0() + Duration::days(n)
}

fn candidate(id: &str, kind: ResourceKind) -> InactivityCandidate {
    InactivityCandidate {
        resource: ResourceRef {
            tenant_id: "t1".into(),
            resource_id: id.into(),
            environment_id: "env-1".into(),
            name: id.to_uppercase(),
            kind: Some(kind),
        },
        owner_id: Some("alice".into()),
        manager_id: Some("bob".into()),
        last_used_at: Some(day(-200)),
        created_at: None,
        archive_score: Some(4),
    }
}

async fn scenario(store: &dyn Store) {
    // The campaign runs with its own snapshot: owners get 10 days, no reminders.
    let config = CampaignConfig { inactivity_answer_days: 10, reminder_days: 0, ..CampaignConfig::default() };
    let campaign = open_campaign(store, CampaignKind::Inactivity, "Spring clean-up", "ann", t0(), &config)
        .await
        .expect("open campaign");
    assert_eq!(persist::campaign_config(&campaign).expect("snapshot"), config);

    let candidates = [candidate("a-flow", ResourceKind::CloudFlow), candidate("b-app", ResourceKind::CanvasApp)];
    let planned = plan_inactivity(&candidates, &open_tasks(store).await.expect("open tasks"), t0(), &config);
    let added = add_planned(store, &campaign, &planned).await.expect("add");
    assert_eq!(added.added.len(), 2);
    // Equal archive scores and idle times: planned in resource id order.
    let (flow_task, app_task) = (added.added[0], added.added[1]);

    // Planning again finds them open; adding the same tasks again skips them in the store too.
    let open = open_tasks(store).await.expect("open tasks");
    assert!(plan_inactivity(&candidates, &open, day(1), &config).is_empty());
    let again = add_planned(store, &campaign, &planned).await.expect("add again");
    assert_eq!((again.added.len(), again.skipped.len()), (0, 2));

    let row = store.get_campaign_task(flow_task).await.expect("get").expect("exists");
    assert_eq!(row.due_at, Some(day(10)), "escalation due after the snapshot's 10 days");
    assert_eq!(persist::task_from_row(&row).expect("task"), planned[0], "a task survives the store");

    // Nothing is due on day 9; on day 10 both owners are escalated; a second run finds nothing.
    assert!(run_due(store, day(9)).await.expect("run").applied.is_empty());
    let report = run_due(store, day(10)).await.expect("run");
    let events: Vec<(i64, &str, &str)> =
        report.applied.iter().map(|a| (a.task_id, a.step.event.as_str(), a.task.assignee.as_str())).collect();
    assert_eq!(events, [(flow_task, "escalate", "bob"), (app_task, "escalate", "bob")]);
    assert!(report.stale.is_empty());
    assert!(run_due(store, day(11)).await.expect("run").applied.is_empty(), "escalated tasks wait for an answer");

    // The manager approves the flow's archive; it falls due 21 days later.
    let approved = answer(store, flow_task, &Answer::Archive, "bob", day(12)).await.expect("approve");
    assert_eq!(approved.task.state, "approved_for_archive");
    assert_eq!(approved.task.due_at, Some(day(33)));
    // The app is kept; answering it again is refused by the state machine.
    answer(store, app_task, &Answer::Keep { reason: "quarter-end".into() }, "alice", day(12)).await.expect("keep");
    let err = answer(store, app_task, &Answer::Archive, "bob", day(13)).await.expect_err("closed");
    assert!(matches!(err, CampaignError::Refused(_)), "{err}");

    let due = run_due(store, day(33)).await.expect("run");
    assert_eq!(due.applied.len(), 1);
    let action = due.applied[0].step.recommend.as_ref().expect("archive recommended");
    assert_eq!((action.kind, action.resource_kind), (ActionKind::Archive, Some(ResourceKind::CloudFlow)));
    assert_eq!(due.applied[0].task.assignee, "platform-team");

    // An answer computed from a task that moved since is not written.
    let row = store.get_campaign_task(flow_task).await.expect("get").expect("exists");
    let loaded = persist::task_from_row(&row).expect("task");
    let late = respond(&loaded, &Answer::Keep { reason: "changed my mind".into() }, "alice", day(34)).expect("keep");
    answer(store, flow_task, &Answer::Done, "admin-1", day(34)).await.expect("archived");
    let stale = persist::transition(&loaded, &late, &config);
    match store.apply_task_transition(flow_task, &stale).await.expect("apply") {
        TransitionOutcome::Stale(now) => assert_eq!(now.state, "archived"),
        TransitionOutcome::Applied(_) => panic!("a keep computed before the archive must not apply"),
    }

    let history = store.campaign_task_history(flow_task).await.expect("history");
    let trail: Vec<(&str, Option<&str>, &str, &str)> = history
        .iter()
        .map(|e| (e.actor.as_str(), e.from_state.as_deref(), e.to_state.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("steward", None, "asked_owner", "open"),
            ("steward", Some("asked_owner"), "escalated_to_manager", "escalate"),
            ("bob", Some("escalated_to_manager"), "approved_for_archive", "approve_archive"),
            ("steward", Some("approved_for_archive"), "archive_due", "archive_due"),
            ("admin-1", Some("archive_due"), "archived", "record_archive"),
        ]
    );
    assert!(history[0].note.as_deref().is_some_and(|n| n.contains("unused for 200 days")));
    assert_eq!(history[4].at, day(34));

    let open_left = store
        .list_campaign_tasks(&TaskQuery { campaign_id: Some(campaign.id), open: Some(true), ..TaskQuery::default() })
        .await
        .expect("list");
    assert!(open_left.is_empty());
    let closed = store.close_campaign(campaign.id, "ann", day(35)).await.expect("close");
    assert_eq!(closed.state, CampaignState::Closed);
}

#[tokio::test]
async fn inactivity_campaign_end_to_end_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("steward.db").display().to_string()).expect("open");
    store.migrate().await.expect("migrate");
    scenario(&store).await;
}

#[tokio::test]
async fn inactivity_campaign_end_to_end_on_postgres() {
    let Some(url) = std::env::var("STEWARD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
        return;
    };
    // The store-postgres tests' naming convention, so their clean-up of stale schemas covers it.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock");
    let schema = format!("steward_t_{}_campaigns_{}_{}", now.as_secs(), std::process::id(), now.subsec_nanos());
    let store = PostgresStore::connect_with_schema(&url, &schema).await.expect("connect");
    store.migrate().await.expect("migrate");
    scenario(&store).await;
    store.drop_schema().await.expect("drop schema");
}
