//! Campaigns fed from a real store (SQLite): a leaver's resource becomes an orphaned task for
//! their manager, an unused resource an inactivity task for its owner, open violations
//! compliance requests and quarantine recommendations by their policy's effect; a compliance
//! run that resolves (or exempts) a violation closes its request; deleted resources close
//! their tasks; a campaign whose tasks are all closed closes.

use chrono::{Duration, TimeZone, Utc};
use steward_campaigns::feed::{
    self, StartOptions, after_compliance, compliance_findings, inactivity_candidates, orphaned_candidates,
    quarantine_findings, start, tick,
};
use steward_campaigns::manage::{answer_task, parse_answer, task_detail};
use steward_campaigns::{CampaignConfig, CampaignKind};
use steward_model::LifecycleStage;
use steward_model::{Owner, Principal, Resource, ResourceKind, ShareRole, Timestamp, UsageKind};
use steward_policy::builtin::builtin_set;
use steward_policy::model::Effect;
use steward_store::Store;
use steward_store::campaigns::{CampaignState, TaskQuery};
use steward_store::catalog::{ItemFields, ItemKind, NewCatalogItem, StageMove};
use steward_store::conformance;
use steward_store::governance::{ComplianceFinding, ComplianceRun, Level, NewExemption, SubjectKind};
use steward_store::success::{DetectionFinding, DetectionQuery, DetectionState, StateChange, SuccessEvaluation};
use steward_store_sqlite::SqliteStore;

const T: &str = "t1";
const ENV: &str = "env-prod";

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("valid date")
}

fn day(n: i64) -> Timestamp {
    now() + Duration::days(n)
}

fn person(id: &str, enabled: bool, manager: Option<&str>) -> Principal {
    Principal {
        enabled,
        manager_id: manager.map(str::to_string),
        ..conformance::principal(T, id, &format!("{id}@contoso.com"))
    }
}

fn resource(id: &str, kind: ResourceKind, owners: &[&str]) -> Resource {
    Resource {
        owners: owners.iter().map(|o| Owner { principal_id: o.to_string(), role: ShareRole::Owner }).collect(),
        ..conformance::resource(T, ENV, id, kind, &id.replace('-', " "))
    }
}

/// alice (manager bob) is active; carol left (manager bob); dave left and so did his manager erin.
/// Resources: app-unused (last used 200 days ago), app-used, flow-never (never used, created
/// 2024), flow-used, agent-never (no agent use is logged at all), orphan-app (carol's),
/// orphan-flow (dave's), co-owned (carol's and alice's).
async fn estate() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("steward.db").display().to_string()).expect("open");
    store.migrate().await.expect("migrate");
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_tenants(vec![conformance::tenant(T)]).await.expect("tenant");
    tx.upsert_environments(vec![conformance::environment(T, ENV)]).await.expect("environment");
    tx.upsert_principals(vec![
        person("alice", true, Some("bob")),
        person("bob", true, None),
        person("carol", false, Some("bob")),
        person("dave", false, Some("erin")),
        person("erin", false, None),
    ])
    .await
    .expect("principals");
    tx.upsert_resources(vec![
        resource("app-unused", ResourceKind::CanvasApp, &["alice"]),
        resource("app-used", ResourceKind::CanvasApp, &["alice"]),
        resource("flow-never", ResourceKind::CloudFlow, &["alice"]),
        resource("flow-used", ResourceKind::CloudFlow, &["alice"]),
        resource("agent-never", ResourceKind::Agent, &["alice"]),
        resource("orphan-app", ResourceKind::CanvasApp, &["carol"]),
        resource("orphan-flow", ResourceKind::CloudFlow, &["dave"]),
        resource("co-owned", ResourceKind::CanvasApp, &["carol", "alice"]),
    ])
    .await
    .expect("resources");
    let uses = [
        ("app-unused", UsageKind::Launch, -200),
        ("app-used", UsageKind::Launch, -3),
        ("flow-used", UsageKind::Run, -2),
        ("orphan-app", UsageKind::Launch, -5),
        ("orphan-flow", UsageKind::Run, -5),
        ("co-owned", UsageKind::Launch, -5),
    ];
    let events = uses
        .iter()
        .enumerate()
        .map(|(i, (r, kind, d))| conformance::event(T, &format!("ev-{i}"), Some(r), Some("alice"), *kind, day(*d)))
        .collect();
    tx.insert_usage_events(events).await.expect("usage");
    tx.commit().await.expect("commit");
    (dir, store)
}

fn options(kind: CampaignKind, at: Timestamp) -> StartOptions {
    StartOptions { kind, title: None, by: "ann".into(), tenant: None, now: at, dry_run: false, limit: None }
}

fn finding(policy: &str, subject: &str, exemption_id: Option<i64>) -> ComplianceFinding {
    ComplianceFinding {
        policy_id: policy.into(),
        policy_version: 1,
        level: Level::Must,
        subject_kind: SubjectKind::Resource,
        subject_id: subject.into(),
        tenant_id: T.into(),
        environment_id: ENV.into(),
        evidence: serde_json::json!({}),
        exemption_id,
    }
}

const SHARED: &str = "app-shared-without-justification"; // effect campaign
const OVERSHARED: &str = "overshared-app"; // effect notify-owner
const OUTSIDE_SOLUTION: &str = "production-app-outside-solution"; // effect record

fn run(at: Timestamp, findings: Vec<ComplianceFinding>) -> ComplianceRun {
    ComplianceRun {
        at,
        policy_set_version: "builtin".into(),
        tenant_id: Some(T.into()),
        subjects_evaluated: 8,
        policies: vec![SHARED.into(), OVERSHARED.into(), OUTSIDE_SOLUTION.into()],
        findings,
        statuses: Vec::new(),
    }
}

#[test]
fn the_builtin_effects_are_what_the_tests_assume() {
    let set = builtin_set();
    let effect = |id: &str| set.policies.iter().find(|p| p.id == id).map(|p| p.effect);
    assert_eq!(effect(SHARED), Some(Effect::Campaign));
    assert_eq!(effect(OVERSHARED), Some(Effect::NotifyOwner));
    assert_eq!(effect(OUTSIDE_SOLUTION), Some(Effect::Record));
}

#[tokio::test]
async fn a_leavers_resource_becomes_an_orphaned_task_for_the_manager() {
    let (_dir, store) = estate().await;
    let fed = orphaned_candidates(&store, None).await.expect("candidates");
    let found: Vec<(&str, &str, Option<&str>)> = fed
        .candidates
        .iter()
        .map(|c| (c.resource.resource_id.as_str(), c.leaver_id.as_str(), c.manager_id.as_deref()))
        .collect();
    // co-owned still has alice; dave's manager left too, so nobody but the platform team is asked.
    assert_eq!(found, [("orphan-app", "carol", Some("bob")), ("orphan-flow", "dave", None)]);

    let config = CampaignConfig::default();
    let dry = start(&store, &config, &StartOptions { dry_run: true, ..options(CampaignKind::Orphaned, now()) })
        .await
        .expect("dry run");
    assert!(dry.campaign.is_none() && dry.added.is_empty(), "a dry run writes nothing");
    assert!(store.list_campaigns(&Default::default()).await.expect("list").is_empty());
    let planned: Vec<(&str, &str, &str)> =
        dry.planned.iter().map(|t| (t.resource_id.as_str(), t.assignee.as_str(), t.state.as_str())).collect();
    assert_eq!(
        planned,
        [("orphan-app", "bob", "asked_manager"), ("orphan-flow", "platform-team", "escalated_to_platform")]
    );

    let started = start(&store, &config, &options(CampaignKind::Orphaned, now())).await.expect("start");
    let campaign = started.campaign.expect("a campaign was opened");
    assert_eq!(
        (campaign.kind.as_str(), campaign.tasks, campaign.title.as_str()),
        ("orphaned", 2, "Orphaned resources 2026-03-01")
    );
    let again = start(&store, &config, &options(CampaignKind::Orphaned, day(1))).await.expect("start again");
    assert!(again.planned.is_empty() && again.campaign.is_none(), "open tasks are not asked twice");

    let bobs = store
        .list_campaign_tasks(&TaskQuery { assignee: Some("bob".into()), ..TaskQuery::default() })
        .await
        .expect("bob's tasks");
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].resource_id, "orphan-app");
    let detail = task_detail(&store, bobs[0].id).await.expect("detail");
    assert_eq!(detail.view.answers, ["take_over", "reassign", "delete", "withdraw"]);
    assert!(detail.history[0].note.as_deref().is_some_and(|n| n.contains("owner carol left")), "{:?}", detail.history);
}

#[tokio::test]
async fn an_unused_resource_becomes_an_inactivity_task_for_its_owner() {
    let (_dir, store) = estate().await;
    let config = CampaignConfig::default();
    let fed = inactivity_candidates(&store, None, now(), &config).await.expect("candidates");
    let mut ids: Vec<&str> = fed.candidates.iter().map(|c| c.resource.resource_id.as_str()).collect();
    ids.sort_unstable();
    // No agent use is logged at all: agents are not judged (their use may just not be logged).
    assert_eq!(ids, ["app-unused", "flow-never"], "{:?}", fed.notes);
    assert!(fed.notes.iter().any(|n| n.contains("canvas_app") && !n.contains("agent")), "{:?}", fed.notes);
    let app = fed.candidates.iter().find(|c| c.resource.resource_id == "app-unused").expect("app");
    assert_eq!(app.last_used_at.map(|t| t.date_naive()), Some(day(-200).date_naive()));
    // Created more than two years ago, modified a month later: the kit's age points only.
    assert_eq!(app.archive_score, Some(3));
    assert_eq!((app.owner_id.as_deref(), app.manager_id.as_deref()), (Some("alice"), Some("bob")));

    let flow = fed.candidates.iter().find(|c| c.resource.resource_id == "flow-never").expect("flow");
    let since = flow.created_at.map(|t| t.to_rfc3339());
    assert_eq!(since.as_deref(), Some("2025-08-13T00:00:00+00:00"), "never used: counted from when usage is recorded");

    // Usage recorded for 200 days cannot show what went unused for 250.
    let longer = CampaignConfig { inactivity_days: 250, ..CampaignConfig::default() };
    let fed = inactivity_candidates(&store, None, now(), &longer).await.expect("candidates");
    assert!(fed.candidates.is_empty());
    assert!(fed.notes.iter().any(|n| n.contains("usage is recorded since 2025-08-13 (200 days)")), "{:?}", fed.notes);

    let started = start(&store, &config, &options(CampaignKind::Inactivity, now())).await.expect("start");
    assert_eq!(started.added.len(), 2);
    let tasks = store.list_campaign_tasks(&TaskQuery::default()).await.expect("tasks");
    let task = tasks.iter().find(|t| t.resource_id == "app-unused").expect("app task");
    assert_eq!((task.assignee.as_str(), task.state.as_str()), ("alice", "asked_owner"));
    let history = store.campaign_task_history(task.id).await.expect("history");
    let note = history[0].note.clone().unwrap_or_default();
    assert!(note.contains("unused for 200 days") && note.contains("archive score 3"), "{note}");

    // Approved, then the app is deleted in the tenant: the archive is recorded as done. The
    // never-used flow's task is withdrawn when it goes.
    answer_task(&store, task.id, &parse_answer("archive", None, None).expect("answer"), "alice", None, day(1))
        .await
        .expect("approve");
    let mut tx = store.begin_ingest().await.expect("begin");
    let gone = |id: &str, kind| Resource { deleted_at: Some(day(2)), ..resource(id, kind, &["alice"]) };
    tx.upsert_resources(vec![gone("app-unused", ResourceKind::CanvasApp), gone("flow-never", ResourceKind::CloudFlow)])
        .await
        .expect("delete");
    tx.commit().await.expect("commit");
    let ticked = tick(&store, day(3)).await.expect("tick");
    let mut closed: Vec<(&str, &str, &str)> =
        ticked.deleted.iter().map(|s| (s.resource_id.as_str(), s.to.as_str(), s.actor.as_str())).collect();
    closed.sort_unstable();
    assert_eq!(closed, [("app-unused", "archived", "steward"), ("flow-never", "withdrawn", "steward")]);
    assert_eq!(ticked.closed, [started.campaign.expect("campaign").id], "every task closed: the campaign closes");
    let campaigns = store.list_campaigns(&Default::default()).await.expect("campaigns");
    assert_eq!(campaigns[0].state, CampaignState::Closed);
}

#[tokio::test]
async fn a_resolved_violation_closes_its_compliance_request() {
    let (_dir, store) = estate().await;
    let config = CampaignConfig::default();
    store
        .record_compliance(&run(
            day(-1),
            vec![
                finding(SHARED, "app-used", None),
                finding(OVERSHARED, "co-owned", None),
                finding(OUTSIDE_SOLUTION, "app-unused", None),
            ],
        ))
        .await
        .expect("first run");
    let fed = compliance_findings(&store, None).await.expect("findings");
    let found: Vec<(&str, &str, Option<&str>)> = fed
        .candidates
        .iter()
        .map(|f| (f.resource.resource_id.as_str(), f.policy.policy_id.as_str(), f.owner_id.as_deref()))
        .collect();
    // `record` asks nobody; carol left, so co-owned's request goes to alice.
    assert_eq!(found, [("app-used", SHARED, Some("alice")), ("co-owned", OVERSHARED, Some("alice"))]);
    assert!(fed.candidates[0].policy.violation_opened_at == Some(day(-1)));
    assert!(!fed.candidates[0].policy.remediation.is_empty(), "the owner is told what to do");

    let started = start(&store, &config, &options(CampaignKind::Compliance, now())).await.expect("start");
    assert_eq!(started.added.len(), 2);
    let tasks = store.list_campaign_tasks(&TaskQuery::default()).await.expect("tasks");
    let id_of = |r: &str| tasks.iter().find(|t| t.resource_id == r).map(|t| t.id).expect("task");
    let (shared_task, overshared_task) = (id_of("app-used"), id_of("co-owned"));

    // Nothing resolved yet: nothing to close.
    assert!(after_compliance(&store, now()).await.expect("follow up").steps.is_empty());

    // The next run no longer finds app-used, and co-owned's finding is now exempted.
    let exemption = store
        .add_exemption(&NewExemption {
            policy_id: OVERSHARED.into(),
            subject_id: Some("co-owned".into()),
            environment_id: None,
            reason: "shared with the whole sales team on purpose".into(),
            requested_by: "alice".into(),
            approved_by: "bob".into(),
            expires_at: None,
            at: day(1),
        })
        .await
        .expect("exemption");
    let counts = store
        .record_compliance(&run(day(2), vec![finding(OVERSHARED, "co-owned", Some(exemption.id))]))
        .await
        .expect("second run");
    assert_eq!((counts.resolved, counts.exempted), (2, 1), "app-used and the `record` finding resolve");
    let follow = after_compliance(&store, day(2)).await.expect("follow up");
    let mut steps: Vec<(i64, &str, &str)> =
        follow.steps.iter().map(|s| (s.task_id, s.to.as_str(), s.actor.as_str())).collect();
    steps.sort_unstable();
    let mut expected = vec![(shared_task, "fixed", "steward"), (overshared_task, "exempted", "steward")];
    expected.sort_unstable();
    assert_eq!(steps, expected);

    let fixed = task_detail(&store, shared_task).await.expect("detail");
    let last = fixed.history.last().expect("history");
    assert_eq!((last.actor.as_str(), last.action.as_str()), ("steward", "fix"));
    assert!(last.note.as_deref().is_some_and(|n| n.contains(SHARED)), "{last:?}");
    let exempted = task_detail(&store, overshared_task).await.expect("detail");
    let note = exempted.history.last().and_then(|e| e.note.clone()).unwrap_or_default();
    assert!(note.contains(&format!("exemption {}", exemption.id)), "{note}");
    assert!(after_compliance(&store, day(3)).await.expect("again").steps.is_empty(), "closed tasks stay closed");
}

#[tokio::test]
async fn a_pending_violation_with_recommend_quarantine_becomes_a_recommendation() {
    let (_dir, store) = estate().await;
    let config = CampaignConfig::default();
    // Without a recommend-quarantine policy there is nothing to recommend, and the note says why.
    let fed = quarantine_findings(&store, None).await.expect("findings");
    assert!(fed.candidates.is_empty());
    assert!(fed.notes.iter().any(|n| n.contains("recommend-quarantine")), "{:?}", fed.notes);

    let mut set = builtin_set();
    set.version = "q1".into();
    for p in &mut set.policies {
        if p.id == SHARED {
            p.effect = Effect::RecommendQuarantine;
        }
    }
    steward_compliance::run::save_set(&store, &set, "ann", day(-30)).await.expect("save");
    store.adopt_policy_set("q1", "ann", day(-30)).await.expect("adopt");
    let mut quarantined = resource("co-owned", ResourceKind::CanvasApp, &["alice"]);
    quarantined.quarantined = true;
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.upsert_resources(vec![quarantined]).await.expect("quarantined");
    tx.commit().await.expect("commit");
    let mut old = run(day(-10), vec![finding(SHARED, "app-used", None), finding(SHARED, "co-owned", None)]);
    old.policy_set_version = "q1".into();
    store.record_compliance(&old).await.expect("run");

    let fed = quarantine_findings(&store, None).await.expect("findings");
    let ids: Vec<&str> = fed.candidates.iter().map(|f| f.resource.resource_id.as_str()).collect();
    assert_eq!(ids, ["app-used"], "co-owned is quarantined already: {:?}", fed.notes);
    // Pending for 5 days: not yet; for 10 days: recommended to the platform team.
    let early = start(&store, &config, &options(CampaignKind::Quarantine, day(-5))).await.expect("early");
    assert!(early.planned.is_empty());
    let started = start(&store, &config, &options(CampaignKind::Quarantine, now())).await.expect("start");
    assert_eq!(started.planned.len(), 1);
    assert_eq!(
        (started.planned[0].assignee.as_str(), started.planned[0].state.as_str()),
        ("platform-team", "recommended")
    );

    // The violation resolves: the recommendation is withdrawn.
    let mut resolved = run(day(1), Vec::new());
    resolved.policy_set_version = "q1".into();
    store.record_compliance(&resolved).await.expect("resolving run");
    let follow = after_compliance(&store, day(1)).await.expect("follow up");
    assert_eq!(follow.steps.len(), 1);
    assert_eq!((follow.steps[0].kind.as_str(), follow.steps[0].to.as_str()), ("quarantine", "withdrawn"));
}

#[tokio::test]
async fn tick_takes_due_steps_and_answers_need_their_reason() {
    let (_dir, store) = estate().await;
    let config = CampaignConfig { reminder_days: 0, ..CampaignConfig::default() };
    start(&store, &config, &options(CampaignKind::Orphaned, now())).await.expect("start");
    let tasks = store
        .list_campaign_tasks(&TaskQuery { assignee: Some("bob".into()), ..TaskQuery::default() })
        .await
        .expect("tasks");
    let id = tasks[0].id;

    // No answer for 14 days: the platform team gets it.
    assert!(tick(&store, day(13)).await.expect("tick").due.is_empty());
    let ticked = tick(&store, day(14)).await.expect("tick");
    let escalated: Vec<(i64, &str, &str)> =
        ticked.due.iter().map(|s| (s.task_id, s.event.as_str(), s.assignee.as_str())).collect();
    assert_eq!(escalated, [(id, "escalate", "platform-team")]);

    // A reason is required for withdraw; a note goes to the trail of answers without one.
    let err = answer_task(&store, id, &parse_answer("withdraw", None, None).expect("word"), "pat", None, day(15))
        .await
        .expect_err("no reason");
    assert!(err.to_string().contains("reason"), "{err}");
    let err = parse_answer("maybe", None, None).expect_err("unknown word");
    assert!(err.to_string().contains("take_over"), "{err}");
    let applied = answer_task(
        &store,
        id,
        &parse_answer("take-over", None, None).expect("word"),
        "pat",
        Some("pat runs it now"),
        day(15),
    )
    .await
    .expect("take over");
    assert_eq!(applied.task.state, "taken_over");
    assert_eq!(applied.step.note.as_deref(), Some("pat runs it now"));
    let detail = task_detail(&store, id).await.expect("detail");
    assert!(detail.view.answers.is_empty(), "a closed task takes no answer");
    assert_eq!(feed::default_title(CampaignKind::Quarantine, now()), "Quarantine recommendations 2026-03-01");
}

/// A catalog item (a listed app at `stage`) for `resource`, owned by `owner`.
async fn catalog_item(store: &SqliteStore, resource: &str, stage: LifecycleStage, owner: &str) -> i64 {
    let fields = ItemFields {
        resource_id: Some(resource.into()),
        kind: ItemKind::App,
        platform: "power_platform".into(),
        title: format!("{resource} in the catalog"),
        summary: "One line".into(),
        description: "What it does.".into(),
        department: None,
        business_area: None,
        category: None,
        tags: Vec::new(),
        owner: Some(owner.into()),
        backup_owner: None,
        support_tier: None,
        documentation_url: None,
        screenshots: Vec::new(),
        criticality: None,
        featured: false,
        hero: false,
    };
    let item = NewCatalogItem { fields, stage, created_by: owner.into(), created_at: day(-30), note: None };
    store.create_catalog_item(&item).await.expect("create item").id
}

/// Success detections for `resources` (the rule `apps-high-use` fired on each).
async fn detect(store: &SqliteStore, resources: &[&str]) {
    let findings = resources
        .iter()
        .map(|r| DetectionFinding {
            tenant_id: T.into(),
            resource_id: r.to_string(),
            kind: Some(ResourceKind::CanvasApp),
            rule_id: "apps-high-use".into(),
            rule_version: 1,
            window_from: day(-30).date_naive(),
            window_to: day(-1).date_naive(),
            figures: serde_json::json!({"launches": 140}),
        })
        .collect();
    store
        .record_success_evaluation(&SuccessEvaluation { rules: None, findings, at: day(-1) })
        .await
        .expect("record detections");
}

#[tokio::test]
async fn a_succeeding_pilot_is_proposed_for_production_and_accepting_moves_the_item() {
    let (_dir, store) = estate().await;
    let pilot = catalog_item(&store, "app-used", LifecycleStage::Pilot, "alice").await;
    let production = catalog_item(&store, "flow-used", LifecycleStage::Production, "alice").await;
    let dismissed = catalog_item(&store, "app-unused", LifecycleStage::Prototype, "alice").await;
    detect(&store, &["app-used", "flow-used", "app-unused", "agent-never"]).await;
    let gone = store
        .list_detections(&DetectionQuery { resource_id: Some("app-unused".into()), ..DetectionQuery::default() })
        .await
        .expect("detections")[0]
        .id;
    let change =
        StateChange { state: DetectionState::Dismissed, by: "board".into(), note: None, at: day(-1), expected: None };
    store.set_detection_state(gone, &change).await.expect("dismiss");

    let fed = feed::promotion_candidates(&store, None).await.expect("candidates");
    let items: Vec<i64> = fed.candidates.iter().map(|c| c.item_id).collect();
    // The production item has no stage to go to; the dismissed detection does not count; the
    // agent has no catalog item (a note says so).
    assert_eq!(items, [pilot], "{fed:?}");
    assert!(!items.contains(&production) && !items.contains(&dismissed));
    assert!(fed.notes.iter().any(|n| n.contains("1 succeeding resource has no catalog item")), "{:?}", fed.notes);

    let report =
        start(&store, &CampaignConfig::default(), &options(CampaignKind::Promotion, now())).await.expect("start");
    assert_eq!(report.added.len(), 1, "{report:?}");
    let task = &report.planned[0];
    assert_eq!(task.assignee, "alice", "the item's owner is asked");
    let proposal = task.data.promotion.clone().expect("the proposal");
    assert_eq!(
        (proposal.item_id, proposal.from, proposal.to),
        (pilot, LifecycleStage::Pilot, LifecycleStage::Production)
    );
    assert!(task.data.opened_because.contains("apps-high-use"), "{}", task.data.opened_because);
    let again =
        start(&store, &CampaignConfig::default(), &options(CampaignKind::Promotion, now())).await.expect("again");
    assert!(again.added.is_empty(), "an open proposal is not proposed twice: {again:?}");

    let id = report.added[0];
    answer_task(&store, id, &parse_answer("accept", None, None).expect("answer"), "alice", None, day(1))
        .await
        .expect("accept");
    let item = store.get_catalog_item(pilot).await.expect("read").expect("item");
    assert_eq!(item.stage, LifecycleStage::Production, "accepting moved the item");
    let history = store.stage_history(pilot).await.expect("history");
    let last = history.last().expect("a move");
    assert_eq!((last.by.as_str(), last.to_stage), ("alice", LifecycleStage::Production));
    assert!(last.note.as_deref().is_some_and(|n| n.contains(&format!("task {id}"))), "{last:?}");
    let detail = task_detail(&store, id).await.expect("detail");
    assert_eq!(detail.view.task.state, "promoted");
}

#[tokio::test]
async fn a_proposal_whose_item_moved_meanwhile_is_refused_and_withdrawn_at_the_next_tick() {
    let (_dir, store) = estate().await;
    let item = catalog_item(&store, "app-used", LifecycleStage::Prototype, "alice").await;
    detect(&store, &["app-used"]).await;
    let report =
        start(&store, &CampaignConfig::default(), &options(CampaignKind::Promotion, now())).await.expect("start");
    let id = report.added[0];
    // Someone moves the item by hand to pilot before the owner answers.
    let by_hand = StageMove {
        expected_stage: LifecycleStage::Prototype,
        stage: LifecycleStage::Pilot,
        by: "ann".into(),
        at: day(1),
        note: None,
    };
    store.apply_stage_move(item, &by_hand).await.expect("move by hand");

    let refused = answer_task(&store, id, &parse_answer("accept", None, None).expect("answer"), "alice", None, day(2))
        .await
        .expect_err("the proposal is out of date");
    assert!(refused.to_string().contains("at stage pilot now"), "{refused}");
    assert_eq!(store.get_catalog_item(item).await.expect("read").expect("item").stage, LifecycleStage::Pilot);

    let ticked = tick(&store, day(3)).await.expect("tick");
    assert!(ticked.deleted.iter().any(|s| s.task_id == id && s.to == "withdrawn"), "{ticked:?}");
    let detail = task_detail(&store, id).await.expect("detail");
    assert_eq!(detail.view.task.state, "withdrawn");
}
