//! The compliance section against real compliance runs on SQLite: in-scope counts must be the
//! ones the evaluation itself counted, and compliant + non-compliant + exempt must add up to them.

#![allow(clippy::unwrap_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use steward_compliance::run::{CheckOptions, evaluate, record, save_set};
use steward_model::{EnvironmentType, ResourceKind, Timestamp};
use steward_policy::builtin::builtin_set;
use steward_policy::facts::Subject;
use steward_policy::model::{Level, Policy, PolicySet, Scope};
use steward_report::{BoardReport, Month, compliance, gather, render_html};
use steward_responsibility::Config;
use steward_store::Store;
use steward_store::conformance::{Dataset, environment, load, owner, principal, resource, tenant};
use steward_store::governance::NewExemption;
use steward_store_sqlite::SqliteStore;

const T1: &str = "t1";
const T2: &str = "t2";

fn at(hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0).single().unwrap()
}

fn options(tenant: Option<&str>, hour: u32) -> CheckOptions {
    CheckOptions {
        tenant: tenant.map(str::to_string),
        day: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        at: at(hour),
        threads: 2,
        only_tracked: false,
    }
}

/// Environments of several types and groups (one deleted), resources of several kinds in them
/// (one deleted, one in an environment the inventory does not hold), and a second tenant.
fn dataset() -> Dataset {
    let mut prod = environment(T1, "e-prod");
    prod.display_name = "Finance Prod".into();
    prod.environment_group = Some("Finance".into());
    let mut default = environment(T1, "e-default");
    default.environment_type = EnvironmentType::Default;
    let mut sandbox = environment(T1, "e-sandbox");
    sandbox.environment_type = EnvironmentType::Sandbox;
    let mut gone = environment(T1, "e-gone");
    gone.deleted_at = Some(at(1));
    let other = environment(T2, "e-other");

    let kinds = [ResourceKind::CanvasApp, ResourceKind::CloudFlow, ResourceKind::Agent];
    let envs = ["e-prod", "e-default", "e-sandbox", "e-gone", "e-unknown"];
    let mut resources = Vec::new();
    for i in 0..30usize {
        let mut r =
            resource(T1, envs[i % envs.len()], &format!("r{i:02}"), kinds[i % kinds.len()], &format!("Thing {i}"));
        r.owners = vec![owner(if i % 4 == 0 { "p-gone" } else { "p1" })];
        r.shared_users = (i as u32) * 3;
        if i == 7 {
            r.deleted_at = Some(at(2));
        }
        resources.push(r);
    }
    resources.push(resource(T2, "e-other", "r-other", ResourceKind::CanvasApp, "Elsewhere"));
    let mut leaver = principal(T1, "p-gone", "gone@t1.example.com");
    leaver.enabled = false;
    Dataset {
        tenants: vec![tenant(T1), tenant(T2)],
        environments: vec![prod, default, sandbox, gone, other],
        principals: vec![principal(T1, "p1", "maker@t1.example.com"), leaver],
        resources,
        ..Default::default()
    }
}

fn scoped(id: &str, subject: Subject, level: Level, condition: &str, scope: Scope) -> Policy {
    let mut p = builtin_set().policies.into_iter().find(|p| p.subject == subject).unwrap();
    p.id = id.into();
    p.title = format!("Scoped {id}");
    p.level = level;
    p.condition = condition.into();
    p.params = Default::default();
    p.scope = scope;
    p
}

/// The built-in pack plus policies whose scopes use every filter.
fn set() -> PolicySet {
    let mut set = builtin_set();
    set.version = "v-test".into();
    let r = Subject::Resource;
    set.policies.extend([
        scoped(
            "x-apps",
            r,
            Level::Must,
            "resource.shared_users > 20",
            Scope { kinds: vec![ResourceKind::CanvasApp], ..Scope::default() },
        ),
        scoped(
            "x-by-name",
            r,
            Level::Should,
            "resource.orphaned",
            Scope { environments: vec!["finance prod".into(), "E-SANDBOX".into()], ..Scope::default() },
        ),
        scoped(
            "x-default",
            r,
            Level::Could,
            "resource.shared_users > 0",
            Scope { environment_types: vec![EnvironmentType::Default], ..Scope::default() },
        ),
        scoped(
            "x-group",
            r,
            Level::Should,
            "resource.owner_count > 0",
            Scope { groups: vec!["finance".into()], ..Scope::default() },
        ),
        scoped(
            "x-platform",
            r,
            Level::Could,
            "resource.is_flow",
            Scope { platforms: vec!["PowerPlatform".into()], ..Scope::default() },
        ),
        scoped(
            "x-nowhere",
            r,
            Level::Could,
            "resource.is_flow",
            Scope { platforms: vec!["salesforce".into()], ..Scope::default() },
        ),
        scoped(
            "x-env-sandbox",
            Subject::Environment,
            Level::Should,
            "environment.resource_count > 0",
            Scope { environment_types: vec![EnvironmentType::Sandbox, EnvironmentType::Other], ..Scope::default() },
        ),
    ]);
    set
}

async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("steward.db").to_string_lossy()).unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    load(&store, &dataset()).await;
    (store, dir)
}

#[tokio::test]
async fn in_scope_counts_are_the_evaluations_and_the_figures_add_up() {
    let (store, _dir) = store().await;
    assert_eq!(compliance(store.as_ref(), Some(T1)).await.unwrap(), None, "no run yet: not configured");

    let set = set();
    save_set(store.as_ref(), &set, "test", at(3)).await.unwrap();
    store.adopt_policy_set(&set.version, "test", at(3)).await.unwrap();
    let responsibility = Config::defaults();
    let evaluation = evaluate(store.as_ref(), set.clone(), &options(Some(T1), 4), &responsibility).await.unwrap();
    assert!(evaluation.compile_errors.is_empty(), "{:?}", evaluation.compile_errors);

    // Exempt one finding of the app policy, so that exempt is not always zero.
    let exempted = evaluation.findings.iter().find(|f| &*f.policy_id == "x-apps").unwrap().subject_id.to_string();
    store
        .add_exemption(&NewExemption {
            policy_id: "x-apps".into(),
            subject_id: Some(exempted),
            environment_id: None,
            reason: "vendor app".into(),
            requested_by: "ann".into(),
            approved_by: "bob".into(),
            expires_at: None,
            at: at(4),
        })
        .await
        .unwrap();
    record(store.as_ref(), &evaluation, &options(Some(T1), 5)).await.unwrap();

    let section = compliance(store.as_ref(), Some(T1)).await.unwrap().expect("a recorded run");
    assert_eq!(section.policy_set_version, "v-test");
    assert_eq!(section.last_run_at, Some(at(5)));
    let by_id: HashMap<&str, _> = section.policies.iter().map(|p| (p.policy_id.as_str(), p)).collect();
    assert_eq!(by_id.len(), evaluation.counts.len(), "every evaluated policy is listed");
    for count in &evaluation.counts {
        let p = by_id[count.policy_id.as_str()];
        assert_eq!(p.in_scope, count.in_scope, "{}: in scope", count.policy_id);
        assert_eq!(p.non_compliant + p.exempt, count.violations, "{}: violations", count.policy_id);
        assert_eq!(p.compliant + p.non_compliant + p.exempt, p.in_scope, "{}: adds up", count.policy_id);
        assert_eq!(p.evaluated_at, Some(at(5)));
    }
    // The scopes really filtered something, and the exemption counts as exempt.
    let x_apps = by_id["x-apps"];
    assert_eq!(x_apps.exempt, 1);
    assert!(x_apps.in_scope > 0 && x_apps.in_scope < by_id["x-platform"].in_scope);
    assert_eq!(by_id["x-nowhere"].in_scope, 0);
    assert_eq!(by_id["x-env-sandbox"].subject, "environment");
    assert!(by_id["x-env-sandbox"].in_scope >= 2, "the sandbox and the unknown environment");
    assert_eq!(x_apps.level, "must");
    assert!(section.policies.windows(2).all(|w| w[0].non_compliant >= w[1].non_compliant), "most non-compliant first");

    // The other tenant's section has no run of its own: a run of one tenant does not cover another.
    assert_eq!(compliance(store.as_ref(), Some(T2)).await.unwrap(), None);

    // Rendered: the report shows the table instead of "not configured".
    let report: BoardReport = gather(store.as_ref(), Month::of(at(0).date_naive()), Some(T1)).await.unwrap();
    let html = render_html(&report.with_compliance(section)).unwrap();
    assert!(!html.contains("Policies are not configured yet"));
    assert!(html.contains("Scoped x-apps") && html.contains("In scope"));
}
