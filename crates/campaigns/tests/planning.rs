//! Planning: the thresholds, the order, and never a second open task of a kind for a resource.

use chrono::{Duration, TimeZone, Utc};
use steward_campaigns::{
    Answer, CampaignConfig, CampaignKind, ComplianceFinding, InactivityCandidate, OpenTasks, OrphanedCandidate,
    PolicyRef, ResourceRef, plan_compliance, plan_inactivity, plan_orphaned, respond,
};
use steward_model::{ResourceKind, Timestamp};

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).single().expect("valid date")
}

fn resource(id: &str) -> ResourceRef {
    ResourceRef {
        tenant_id: "t1".into(),
        resource_id: id.into(),
        environment_id: "env-1".into(),
        name: id.to_uppercase(),
        kind: Some(ResourceKind::CanvasApp),
    }
}

fn unused(id: &str, days: i64, score: Option<u8>) -> InactivityCandidate {
    InactivityCandidate {
        resource: resource(id),
        owner_id: Some("alice".into()),
        manager_id: Some("bob".into()),
        last_used_at: Some(now() - Duration::days(days)),
        created_at: Some(now() - Duration::days(900)),
        archive_score: score,
    }
}

fn finding(id: &str, policy: &str) -> ComplianceFinding {
    ComplianceFinding {
        resource: resource(id),
        policy: PolicyRef {
            policy_id: policy.into(),
            title: String::new(),
            remediation: String::new(),
            violation_opened_at: None,
        },
        owner_id: Some("alice".into()),
        manager_id: None,
    }
}

fn ids(tasks: &[steward_campaigns::Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.resource_id.as_str()).collect()
}

#[test]
fn inactivity_threshold_is_day_180_not_179() {
    let config = CampaignConfig::default();
    let tasks = plan_inactivity(&[unused("a", 179, None), unused("b", 180, None)], &OpenTasks::new(), now(), &config);
    assert_eq!(ids(&tasks), ["b"]);
    let almost = InactivityCandidate {
        last_used_at: Some(now() - Duration::days(180) + Duration::seconds(1)),
        ..unused("c", 0, None)
    };
    assert!(plan_inactivity(&[almost], &OpenTasks::new(), now(), &config).is_empty());
}

#[test]
fn inactivity_uses_creation_when_never_used_and_skips_the_unknown() {
    let config = CampaignConfig::default();
    let never_used = InactivityCandidate { last_used_at: None, ..unused("a", 0, None) };
    let unknown = InactivityCandidate { last_used_at: None, created_at: None, ..unused("b", 0, None) };
    let tasks = plan_inactivity(&[never_used, unknown], &OpenTasks::new(), now(), &config);
    assert_eq!(ids(&tasks), ["a"]);
    assert!(tasks[0].data.opened_because.starts_with("never used in 900 days"), "{}", tasks[0].data.opened_because);
}

#[test]
fn inactivity_plans_highest_archive_score_first_then_longest_unused() {
    let config = CampaignConfig::default();
    let candidates = [
        unused("low", 400, Some(2)),
        unused("high-recent", 200, Some(6)),
        unused("high-old", 300, Some(6)),
        unused("none", 500, None),
    ];
    let tasks = plan_inactivity(&candidates, &OpenTasks::new(), now(), &config);
    assert_eq!(ids(&tasks), ["high-old", "high-recent", "low", "none"]);
}

#[test]
fn no_second_open_task_for_a_resource_and_kind() {
    let config = CampaignConfig::default();
    let first = plan_inactivity(&[unused("a", 200, None), unused("b", 200, None)], &OpenTasks::new(), now(), &config);
    assert_eq!(ids(&first), ["a", "b"]);

    // Planning again with the open tasks known opens nothing.
    let open = OpenTasks::from_tasks(&first);
    assert!(plan_inactivity(&[unused("a", 220, None), unused("b", 220, None)], &open, now(), &config).is_empty());

    // The same resource listed twice in one run gives one task.
    let twice = plan_inactivity(&[unused("c", 200, None), unused("c", 300, None)], &open, now(), &config);
    assert_eq!(ids(&twice), ["c"]);

    // An open task of another kind does not block this kind.
    let orphaned = plan_orphaned(
        &[OrphanedCandidate { resource: resource("a"), leaver_id: "leaver".into(), manager_id: None }],
        &open,
        now(),
        &config,
    );
    assert_eq!(ids(&orphaned), ["a"]);

    // Once the task is closed, the resource can be planned again.
    let kept = respond(&first[0], &Answer::Keep { reason: "in use".into() }, "alice", now()).expect("keep");
    let mut closed = first[0].clone();
    closed.apply(&kept).expect("apply");
    let open = OpenTasks::from_tasks([&closed, &first[1]]);
    assert!(!open.contains(CampaignKind::Inactivity, "a"));
    assert_eq!(ids(&plan_inactivity(&[unused("a", 250, None)], &open, now(), &config)), ["a"]);
}

#[test]
fn compliance_groups_findings_per_resource_and_skips_open_requests() {
    let config = CampaignConfig::default();
    let findings = [finding("a", "p1"), finding("a", "p2"), finding("a", "p1"), finding("b", "p1")];
    let tasks = plan_compliance(&findings, &OpenTasks::new(), now(), &config);
    assert_eq!(ids(&tasks), ["a", "b"]);
    let policies: Vec<&str> = tasks[0].data.policies.iter().map(|p| p.policy_id.as_str()).collect();
    assert_eq!(policies, ["p1", "p2"], "one request listing each policy once");
    assert_eq!(tasks[0].data.deadline, Some(now() + Duration::days(30)));

    let mut open = OpenTasks::new();
    open.insert(CampaignKind::Compliance, "a");
    assert_eq!(ids(&plan_compliance(&findings, &open, now(), &config)), ["b"]);
}

#[test]
fn planned_tasks_carry_what_steps_need() {
    let config = CampaignConfig { platform_team: "coe-team".into(), ..CampaignConfig::default() };
    let tasks = plan_inactivity(&[unused("a", 200, Some(4))], &OpenTasks::new(), now(), &config);
    let task = &tasks[0];
    assert_eq!(task.tenant_id, "t1");
    assert_eq!(task.environment_id, "env-1");
    assert_eq!(task.data.resource_name, "A");
    assert_eq!(task.data.resource_kind, Some(ResourceKind::CanvasApp));
    assert_eq!(task.data.platform_team, "coe-team");
    assert_eq!(task.data.state_since, now());
    assert_eq!((task.opened_at, task.updated_at), (now(), now()));
    // The data survives a JSON round trip (it is stored as JSON).
    let json = serde_json::to_string(&task.data).expect("serialise");
    assert_eq!(serde_json::from_str::<steward_campaigns::TaskData>(&json).expect("parse"), task.data);
}
