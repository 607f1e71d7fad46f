//! Evidence probes on a real SQLite store, and pre-filled answers that overrides survive.

use std::sync::Arc;
use steward_assess::Models;
use steward_assess::evidence::{Context, Probe, gather, prefill, probe};
use steward_model::{EnvironmentType, ResourceKind, Timestamp};
use steward_store::Store;
use steward_store::conformance::{Dataset, at, data_policy, environment, load, owner, principal, resource, tenant};
use steward_store::maturity::{AnswerSource, AnswerValue, ScopeKind};
use steward_store_sqlite::SqliteStore;

pub async fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("steward.db").display().to_string()).expect("open");
    store.migrate().await.expect("migrate");
    (dir, Arc::new(store))
}

/// Three environments (production, sandbox, default), one data policy over the first two,
/// makers in three departments, one a leaver owning an orphaned app.
pub async fn estate(store: &Arc<dyn Store>) {
    let env =
        |id: &str, t: EnvironmentType| steward_model::Environment { environment_type: t, ..environment("t1", id) };
    let mut people = Vec::new();
    for (id, dept) in [("p1", "Finance"), ("p2", "Sales"), ("p3", "HR"), ("p4", "HR")] {
        people.push(steward_model::Principal {
            department: Some(dept.into()),
            ..principal("t1", id, &format!("{id}@t1.example.com"))
        });
    }
    people[3].enabled = false;
    let app = |env: &str, id: &str, who: &str| steward_model::Resource {
        owners: vec![owner(who)],
        ..resource("t1", env, id, ResourceKind::CanvasApp, &format!("App {id}"))
    };
    let data = Dataset {
        tenants: vec![tenant("t1")],
        environments: vec![
            env("env-a", EnvironmentType::Production),
            env("env-b", EnvironmentType::Sandbox),
            env("env-d", EnvironmentType::Default),
        ],
        data_policies: vec![data_policy("t1", "dlp-1")],
        principals: people,
        resources: vec![
            app("env-a", "r1", "p1"),
            app("env-a", "r2", "p2"),
            app("env-b", "r3", "p3"),
            app("env-d", "r4", "p4"),
        ],
        ..Dataset::default()
    };
    load(store, &data).await;
}

pub fn context(now: Timestamp, sources: Vec<String>) -> Context {
    Context {
        now,
        sources,
        responsibility: steward_responsibility::Config::defaults(),
        responsibility_file: None,
        scope: ScopeKind::Organisation,
        scope_ref: None,
        solution: None,
    }
}

#[tokio::test]
async fn probes_read_the_estate() {
    let (_dir, store) = store().await;
    estate(&store).await;
    let now = at(2024, 2, 15, 10, 0, 0, 0);
    let ctx = context(now, vec!["pp".into()]);

    let e = probe(store.as_ref(), Probe::DataPolicies, &ctx).await.expect("data policies");
    assert_eq!(e.holds, Some(false), "the default environment is not covered: {}", e.shown);
    assert!(e.shown.contains("cover 2 of 3 environments") && e.shown.contains("Env env-d"), "{}", e.shown);

    let e = probe(store.as_ref(), Probe::EnvironmentStrategy, &ctx).await.expect("environments");
    assert_eq!(e.holds, Some(true));
    assert!(e.summary.contains("50% of resources in production and 25% in development/test"), "{}", e.summary);

    let e = probe(store.as_ref(), Probe::OrphanedResources, &ctx).await.expect("orphans");
    assert_eq!((e.holds, e.figure), (Some(false), Some(1.0)), "{}", e.shown);

    let e = probe(store.as_ref(), Probe::Champions, &ctx).await.expect("champions");
    // Resources were modified 2024-02-01: within 30 days of the 15th. The leaver does not count.
    assert_eq!(e.holds, Some(true), "{}", e.shown);
    assert!(e.summary.contains("3 active makers in 3 departments"), "{}", e.summary);
    let later = context(at(2024, 6, 1, 0, 0, 0, 0), vec![]);
    let e = probe(store.as_ref(), Probe::Champions, &later).await.expect("champions later");
    assert_eq!(e.holds, Some(false), "nobody active months later: {}", e.shown);

    let e = probe(store.as_ref(), Probe::ServiceLevels, &ctx).await.expect("service levels");
    assert_eq!(e.holds, Some(false), "shipped defaults are not the organisation's own");
    assert!(e.shown.contains("shipped defaults"), "{}", e.shown);

    let e = probe(store.as_ref(), Probe::AutomationCampaigns, &ctx).await.expect("campaigns");
    assert_eq!(e.holds, Some(false));
    store
        .create_campaign(&steward_store::campaigns::NewCampaign {
            kind: "compliance".into(),
            title: "Fix DLP".into(),
            created_by: "ann".into(),
            created_at: now,
            config: serde_json::json!({}),
        })
        .await
        .expect("campaign");
    let e = probe(store.as_ref(), Probe::AutomationCampaigns, &ctx).await.expect("campaigns");
    assert_eq!(e.holds, Some(true), "{}", e.shown);

    let e = probe(store.as_ref(), Probe::RoiCollected, &ctx).await.expect("roi");
    assert_eq!(e.holds, Some(false));

    let e = probe(store.as_ref(), Probe::Criticality, &ctx).await.expect("solution probe");
    assert_eq!(e.holds, None, "no solution facts in an organisation assessment");
}

#[tokio::test]
async fn monitoring_reads_the_sync_runs() {
    let (_dir, store) = store().await;
    estate(&store).await;
    let mut tx = store.begin_ingest().await.expect("begin");
    tx.put_sync_state(
        "pp/run",
        serde_json::json!({"run_id": "r", "as_of": "2024-02-15T08:00:00Z", "full": false, "finished": true}),
    )
    .await
    .expect("state");
    tx.commit().await.expect("commit");

    let fresh = context(at(2024, 2, 15, 10, 0, 0, 0), vec!["pp".into()]);
    let e = probe(store.as_ref(), Probe::Monitoring, &fresh).await.expect("monitoring");
    assert_eq!(e.holds, Some(true), "{}", e.shown);
    assert!(e.shown.contains("source pp: last run 2024-02-15 08:00 UTC (finished)"), "{}", e.shown);

    let stale = context(at(2024, 2, 17, 10, 0, 0, 0), vec!["pp".into(), "other".into()]);
    let e = probe(store.as_ref(), Probe::Monitoring, &stale).await.expect("monitoring");
    assert_eq!(e.holds, Some(false));
    assert!(e.shown.contains("more than 24 hours ago") && e.shown.contains("other: never synced"), "{}", e.shown);

    let none = context(at(2024, 2, 15, 10, 0, 0, 0), vec![]);
    let e = probe(store.as_ref(), Probe::Monitoring, &none).await.expect("monitoring");
    assert_eq!(e.holds, Some(false));
    assert!(e.shown.contains("No sync source is configured"), "{}", e.shown);
}

#[tokio::test]
async fn prefill_answers_by_type_and_leaves_overrides_alone() {
    let (_dir, store) = store().await;
    estate(&store).await;
    let models = Models::builtin().unwrap_or_else(|e| panic!("{e}"));
    let used = models.for_scope(ScopeKind::Organisation);
    let ctx = context(at(2024, 2, 15, 10, 0, 0, 0), vec![]);
    let found = gather(store.as_ref(), &used, &ctx).await;
    assert!(found.iter().all(|e| !e.probe.is_solution()), "solution probes only for solutions");
    let answers = prefill(&used, &found, &[], ScopeKind::Organisation, "steward", ctx.now);
    let get = |id: &str| answers.iter().find(|a| a.question_id == id).unwrap_or_else(|| panic!("{id} pre-filled"));
    assert_eq!(get("admin.custom-environments").value, Some(AnswerValue::YesNo(true)));
    assert!(matches!(get("admin.dlp").value, Some(AnswerValue::Text(ref t)) if t.contains("1 data policies")));
    assert_eq!(get("program.usage-monitoring").value, Some(AnswerValue::Scale(1)), "not synced: scale 1");
    assert!(answers.iter().all(|a| a.source == AnswerSource::Evidence && a.evidence.is_some()));

    // An override is never replaced by evidence.
    let current = vec![steward_store::maturity::Answer {
        assessment_id: 1,
        question_id: "admin.custom-environments".into(),
        value: Some(AnswerValue::YesNo(false)),
        source: AnswerSource::Override,
        evidence: Some("x".into()),
        comment: None,
        links: vec![],
        answered_by: "ann".into(),
        answered_at: ctx.now,
    }];
    let again = prefill(&used, &found, &current, ScopeKind::Organisation, "steward", ctx.now);
    assert!(again.iter().all(|a| a.question_id != "admin.custom-environments"));
}
