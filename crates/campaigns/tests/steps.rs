//! Time-driven and answer-driven steps: what falls due when (to the second at the
//! boundaries), who a task goes to, what every step leaves in the audit trail, and the
//! answers each kind refuses.

use chrono::{Duration, TimeZone, Utc};
use steward_campaigns::machine::TransitionError;
use steward_campaigns::{
    ActionKind, Answer, CampaignConfig, ComplianceFinding, InactivityCandidate, OpenTasks, OrphanedCandidate,
    PolicyRef, ResourceRef, STEWARD, Step, Task, TaskState, advance, compliance, inactivity, orphaned, plan_compliance,
    plan_inactivity, plan_orphaned, plan_quarantine, quarantine, respond,
};
use steward_model::{ResourceKind, Timestamp};

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().expect("valid date")
}

fn day(n: i64) -> Timestamp {
    t0() + Duration::days(n)
}

fn resource(id: &str, kind: ResourceKind) -> ResourceRef {
    ResourceRef {
        tenant_id: "t1".into(),
        resource_id: id.into(),
        environment_id: "env-1".into(),
        name: format!("Resource {id}"),
        kind: Some(kind),
    }
}

fn no_reminders() -> CampaignConfig {
    CampaignConfig { reminder_days: 0, ..CampaignConfig::default() }
}

fn inactivity_task(config: &CampaignConfig, owner: Option<&str>, manager: Option<&str>) -> Task {
    let candidate = InactivityCandidate {
        resource: resource("flow-1", ResourceKind::CloudFlow),
        owner_id: owner.map(str::to_string),
        manager_id: manager.map(str::to_string),
        last_used_at: Some(day(-200)),
        created_at: Some(day(-400)),
        archive_score: Some(5),
    };
    let mut tasks = plan_inactivity(&[candidate], &OpenTasks::new(), t0(), config);
    assert_eq!(tasks.len(), 1);
    tasks.remove(0)
}

fn compliance_task(config: &CampaignConfig) -> Task {
    let finding = ComplianceFinding {
        resource: resource("app-1", ResourceKind::CanvasApp),
        policy: PolicyRef {
            policy_id: "shared-without-justification".into(),
            title: "Shared apps need a justification".into(),
            remediation: "Add a business justification".into(),
            violation_opened_at: Some(day(-3)),
        },
        owner_id: Some("alice".into()),
        manager_id: Some("bob".into()),
    };
    let mut tasks = plan_compliance(&[finding], &OpenTasks::new(), t0(), config);
    assert_eq!(tasks.len(), 1);
    tasks.remove(0)
}

/// Advance to `now` and apply the steps, returning them.
fn tick(task: &mut Task, now: Timestamp, config: &CampaignConfig) -> Vec<Step> {
    let steps = advance(task, now, config);
    run(task, steps)
}

/// Apply every step, returning them.
fn run(task: &mut Task, steps: Vec<Step>) -> Vec<Step> {
    for step in &steps {
        task.apply(step).expect("step computed from this task");
    }
    steps
}

fn events(steps: &[Step]) -> Vec<&'static str> {
    steps.iter().map(|s| s.event.as_str()).collect()
}

#[test]
fn inactivity_escalates_on_day_30_not_29() {
    let config = no_reminders();
    let task = inactivity_task(&config, Some("alice"), Some("bob"));
    assert_eq!(task.state, TaskState::Inactivity(inactivity::State::AskedOwner));
    assert_eq!(task.assignee, "alice");
    assert_eq!(task.due_at(&config), Some(day(30)));
    assert!(advance(&task, day(29), &config).is_empty(), "day 29: still the owner's turn");
    assert!(advance(&task, day(30) - Duration::seconds(1), &config).is_empty(), "one second before day 30");
    let steps = advance(&task, day(30), &config);
    assert_eq!(events(&steps), ["escalate"]);
    let step = &steps[0];
    assert_eq!(step.to, TaskState::Inactivity(inactivity::State::EscalatedToManager));
    assert_eq!(step.assignee, "bob", "the manager is asked");
    assert_eq!(step.actor, STEWARD);
    assert_eq!(step.at, day(30));
}

#[test]
fn inactivity_full_life_with_audit_trail() {
    let config = no_reminders();
    let mut task = inactivity_task(&config, Some("alice"), Some("bob"));
    let mut trail = vec![task.opening_entry()];
    assert!(
        trail[0].note.as_deref().is_some_and(|n| n.contains("unused for 200 days") && n.contains("archive score 5"))
    );

    let steps = tick(&mut task, day(31), &config);
    trail.extend(steps.iter().map(Step::audit));
    let approve = respond(&task, &Answer::Archive, "bob", day(32)).expect("manager approves");
    assert_eq!(approve.to, TaskState::Inactivity(inactivity::State::ApprovedForArchive));
    run(&mut task, vec![approve.clone()]);
    trail.push(approve.audit());

    // Archive due 21 days after approval: day 53, not day 52.
    assert!(advance(&task, day(52), &config).is_empty());
    let due = advance(&task, day(53), &config);
    assert_eq!(events(&due), ["archive_due"]);
    assert_eq!(due[0].assignee, "platform-team");
    let action = due[0].recommend.as_ref().expect("archive recommended");
    assert_eq!(action.kind, ActionKind::Archive);
    assert_eq!(action.resource_kind, Some(ResourceKind::CloudFlow));
    assert_eq!(action.resource_id, "flow-1");
    run(&mut task, due.clone());
    trail.extend(due.iter().map(Step::audit));

    let done = respond(&task, &Answer::Done, "admin-1", day(54)).expect("archived by hand");
    run(&mut task, vec![done.clone()]);
    trail.push(done.audit());
    assert_eq!(task.state, TaskState::Inactivity(inactivity::State::Archived));
    assert!(!task.is_open());
    assert_eq!(task.due_at(&config), None);

    let lines: Vec<(String, Option<String>, String, String)> =
        trail.iter().map(|e| (e.actor.clone(), e.from_state.clone(), e.to_state.clone(), e.action.clone())).collect();
    let expected = [
        ("steward", None, "asked_owner", "open"),
        ("steward", Some("asked_owner"), "escalated_to_manager", "escalate"),
        ("bob", Some("escalated_to_manager"), "approved_for_archive", "approve_archive"),
        ("steward", Some("approved_for_archive"), "archive_due", "archive_due"),
        ("admin-1", Some("archive_due"), "archived", "record_archive"),
    ];
    let expected: Vec<(String, Option<String>, String, String)> = expected
        .iter()
        .map(|(a, f, t, w)| (a.to_string(), f.map(str::to_string), t.to_string(), w.to_string()))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(trail[1].at, day(31));
    assert!(
        trail[1].note.as_deref().is_some_and(|n| n.contains("due 2026-01-31")),
        "late steps say when they fell due"
    );

    let err = respond(&task, &Answer::Keep { reason: "needed".into() }, "alice", day(55)).expect_err("closed");
    assert!(matches!(err, TransitionError::Illegal { .. }), "{err}");
}

#[test]
fn inactivity_keep_needs_a_reason_and_is_recorded() {
    let config = no_reminders();
    let task = inactivity_task(&config, Some("alice"), Some("bob"));
    let err = respond(&task, &Answer::Keep { reason: "  ".into() }, "alice", day(1)).expect_err("no reason");
    assert_eq!(err, TransitionError::Incomplete { answer: "keep", missing: "a reason" });
    let step =
        respond(&task, &Answer::Keep { reason: "month-end close uses it".into() }, "alice", day(1)).expect("kept");
    assert_eq!(step.to, TaskState::Inactivity(inactivity::State::Kept));
    assert_eq!(step.data.reason.as_deref(), Some("month-end close uses it"));
    assert_eq!(step.audit().note.as_deref(), Some("month-end close uses it"));
    assert_eq!(step.actor, "alice");
}

#[test]
fn inactivity_without_owner_starts_with_the_manager_or_platform_team() {
    let config = no_reminders();
    let task = inactivity_task(&config, None, Some("bob"));
    assert_eq!(task.state, TaskState::Inactivity(inactivity::State::EscalatedToManager));
    assert_eq!(task.assignee, "bob");
    let task = inactivity_task(&config, None, None);
    assert_eq!(task.assignee, "platform-team");
    assert_eq!(task.due_at(&config), None, "waits for an answer; no reminders configured");
}

#[test]
fn reminders_every_interval_until_escalation_never_at_or_after_it() {
    let config = CampaignConfig::default(); // reminders every 7 days, escalation on day 30
    let mut task = inactivity_task(&config, Some("alice"), Some("bob"));
    let mut seen = Vec::new();
    for d in 0..=40 {
        for step in tick(&mut task, day(d), &config) {
            seen.push((d, step.event.as_str(), step.data.reminders));
        }
    }
    assert_eq!(
        seen,
        [
            (7, "remind", 1),
            (14, "remind", 2),
            (21, "remind", 3),
            (28, "remind", 4),
            (30, "escalate", 4),
            (37, "remind", 5), // the manager is reminded, counting from the escalation
        ]
    );
}

#[test]
fn compliance_deadline_reminders_escalation_and_expiry() {
    let config = CampaignConfig::default();
    let mut task = compliance_task(&config);
    assert_eq!(task.data.deadline, Some(day(30)));
    assert_eq!(task.assignee, "alice");
    let mut seen = Vec::new();
    for d in 0..=70 {
        for step in tick(&mut task, day(d), &config) {
            seen.push((d, step.event.as_str(), step.to.as_str(), step.assignee.clone()));
        }
    }
    let expected = [
        (7, "remind", "reminded", "alice"),
        (14, "remind", "reminded", "alice"),
        (21, "remind", "reminded", "alice"),
        (28, "remind", "reminded", "alice"),
        (30, "escalate", "escalated", "bob"),
        (37, "remind", "escalated", "bob"),
        (44, "remind", "escalated", "bob"),
        (51, "remind", "escalated", "bob"),
        (58, "remind", "escalated", "bob"),
        (60, "expire", "expired", "bob"),
    ];
    let expected: Vec<(i64, &str, &str, String)> =
        expected.iter().map(|(d, e, s, a)| (*d, *e, *s, a.to_string())).collect();
    assert_eq!(seen, expected);
    assert!(!task.is_open());
}

#[test]
fn a_late_run_escalates_without_a_pointless_reminder_first() {
    let config = CampaignConfig::default();
    let task = compliance_task(&config);
    let steps = advance(&task, day(45), &config);
    assert_eq!(events(&steps), ["escalate"], "overdue: escalate at once, no reminder before it");
    assert_eq!(steps[0].at, day(45));
}

#[test]
fn compliance_answers() {
    let config = no_reminders();
    let task = compliance_task(&config);
    let fixed = respond(&task, &Answer::Fixed, STEWARD, day(3)).expect("an evaluation found it fixed");
    assert_eq!(fixed.to, TaskState::Compliance(compliance::State::Fixed));
    let err = respond(&task, &Answer::Exempted { reason: String::new() }, "ciso", day(3)).expect_err("reason");
    assert!(matches!(err, TransitionError::Incomplete { answer: "exempted", .. }), "{err}");
    let err = respond(&task, &Answer::Keep { reason: "x".into() }, "alice", day(3)).expect_err("wrong kind of answer");
    assert_eq!(err.to_string(), "`keep` is not an answer to a compliance request; it takes: fixed, exempted, withdraw");
    let err = respond(&task, &Answer::Fixed, " ", day(3)).expect_err("anonymous");
    assert!(err.to_string().contains("who answers"), "{err}");
}

#[test]
fn orphaned_escalates_to_the_platform_team_after_n_days() {
    let config = no_reminders();
    let candidate = OrphanedCandidate {
        resource: resource("app-9", ResourceKind::CanvasApp),
        leaver_id: "leaver".into(),
        manager_id: Some("bob".into()),
    };
    let tasks = plan_orphaned(std::slice::from_ref(&candidate), &OpenTasks::new(), t0(), &config);
    let task = &tasks[0];
    assert_eq!(task.state, TaskState::Orphaned(orphaned::State::AskedManager));
    assert_eq!(task.assignee, "bob");
    assert_eq!(task.data.owner_id.as_deref(), Some("leaver"));
    assert!(advance(task, day(13), &config).is_empty());
    let steps = advance(task, day(14), &config);
    assert_eq!(events(&steps), ["escalate"]);
    assert_eq!(steps[0].assignee, "platform-team");

    let take = respond(task, &Answer::TakeOver, "bob", day(2)).expect("manager takes over");
    assert_eq!(take.to, TaskState::Orphaned(orphaned::State::TakenOver));
    assert_eq!(take.data.new_owner.as_deref(), Some("bob"));
    let reassign = respond(task, &Answer::Reassign { to: "carol".into() }, "bob", day(2)).expect("reassigned");
    assert_eq!(reassign.data.new_owner.as_deref(), Some("carol"));
    let err = respond(task, &Answer::Reassign { to: String::new() }, "bob", day(2)).expect_err("to whom");
    assert!(matches!(err, TransitionError::Incomplete { answer: "reassign", .. }));

    let delete = respond(task, &Answer::Delete, "bob", day(2)).expect("delete approved");
    assert_eq!(delete.to, TaskState::Orphaned(orphaned::State::DeletionApproved));
    assert_eq!(delete.assignee, "platform-team", "the platform team deletes");
    assert_eq!(delete.recommend.as_ref().map(|a| a.kind), Some(ActionKind::Delete));

    let no_manager = OrphanedCandidate { manager_id: None, ..candidate };
    let tasks = plan_orphaned(&[no_manager], &OpenTasks::new(), t0(), &config);
    assert_eq!(tasks[0].state, TaskState::Orphaned(orphaned::State::EscalatedToPlatform));
    assert_eq!(tasks[0].assignee, "platform-team");
}

#[test]
fn quarantine_is_recommended_from_day_7_of_a_pending_violation() {
    let config = no_reminders();
    let finding = |opened: Timestamp| ComplianceFinding {
        resource: resource("app-1", ResourceKind::CanvasApp),
        policy: PolicyRef {
            policy_id: "premium-in-default".into(),
            title: String::new(),
            remediation: String::new(),
            violation_opened_at: Some(opened),
        },
        owner_id: Some("alice".into()),
        manager_id: None,
    };
    assert!(plan_quarantine(&[finding(day(-6))], &OpenTasks::new(), t0(), &config).is_empty(), "day 6: pending");
    assert!(
        plan_quarantine(&[finding(day(-7) + Duration::seconds(1))], &OpenTasks::new(), t0(), &config).is_empty(),
        "a second short of 7 days"
    );
    let tasks = plan_quarantine(&[finding(day(-7))], &OpenTasks::new(), t0(), &config);
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!(task.state, TaskState::Quarantine(quarantine::State::Recommended));
    assert_eq!(task.assignee, "platform-team");
    assert!(task.data.opened_because.contains("pending for 7 days"), "{}", task.data.opened_because);

    let accept = respond(task, &Answer::Accept, "admin-1", t0()).expect("accepted");
    assert_eq!(accept.to, TaskState::Quarantine(quarantine::State::Accepted));
    assert_eq!(accept.recommend.as_ref().map(|a| a.kind), Some(ActionKind::Quarantine));
    let err = respond(task, &Answer::Decline { reason: String::new() }, "admin-1", t0()).expect_err("reason");
    assert!(matches!(err, TransitionError::Incomplete { answer: "decline", .. }));
    let err = respond(task, &Answer::Done, "admin-1", t0()).expect_err("not accepted yet");
    assert!(err.to_string().contains("from `recommended` it takes: remind, accept, decline, withdraw"), "{err}");
}

#[test]
fn a_step_computed_before_the_task_moved_is_refused() {
    let config = no_reminders();
    let mut task = inactivity_task(&config, Some("alice"), Some("bob"));
    let keep = respond(&task, &Answer::Keep { reason: "in use".into() }, "alice", day(1)).expect("keep");
    let archive = respond(&task, &Answer::Archive, "alice", day(1)).expect("archive");
    task.apply(&keep).expect("first answer wins");
    let err = task.apply(&archive).expect_err("stale");
    assert_eq!(err, TransitionError::Stale { expected: "asked_owner", found: "kept" });
}

#[test]
fn answers_round_trip_as_tagged_json() {
    let answer = Answer::Reassign { to: "carol".into() };
    let json = serde_json::to_value(&answer).expect("serialise");
    assert_eq!(json, serde_json::json!({ "answer": "reassign", "to": "carol" }));
    let back: Answer = serde_json::from_value(serde_json::json!({ "answer": "done" })).expect("parse");
    assert_eq!(back, Answer::Done);
}
