//! Transactions, usage events and rollups, and the overview figures.

use super::*;
use crate::{EnvironmentCount, KindCount, Overview, ResourceQuery, Store, UsageReads};
use std::sync::Arc;
use steward_model::{DailyUsage, ResourceKind, UsageEvent, UsageKind};

/// What a reader can observe of the whole store, for before/after comparisons.
async fn observe(store: &Arc<dyn Store>) -> (String, u64, usize, Overview) {
    let all = ResourceQuery { include_deleted: true, limit: Some(1), ..Default::default() };
    let total = store.list_resources(&all).await.expect("list_resources").total;
    let tenants = store.list_tenants().await.expect("list_tenants").len();
    let overview = store.overview(None).await.expect("overview");
    (digest(store).await, total, tenants, overview)
}

fn rollback_base() -> Dataset {
    let mut data = super::cases_lists::filter_dataset();
    data.events = vec![event("t1", "ev1", Some("r1"), Some("p1"), UsageKind::Launch, at(2025, 3, 1, 8, 0, 0, 0))];
    data
}

fn rollback_changes() -> Dataset {
    let mut data = rollback_base();
    data.tenants.push(tenant("t9"));
    data.resources[0].display_name = "Renamed".into();
    data.resources[1].deleted_at = Some(at(2025, 5, 5, 5, 5, 5, 5));
    data.resources.push(resource("t9", "e9", "r-new", ResourceKind::AiModel, "Model"));
    data.principals[0].enabled = false;
    data.events.push(event("t1", "ev2", Some("r1"), Some("p2"), UsageKind::Launch, at(2025, 3, 1, 9, 0, 0, 0)));
    data.events.push(event("t1", "ev3", Some("r2"), Some("p2"), UsageKind::Run, at(2025, 3, 2, 9, 0, 0, 0)));
    data
}

pub async fn case_rollback_explicit(store: Arc<dyn Store>) {
    load(&store, &rollback_base()).await;
    let before = observe(&store).await;
    let mut tx = store.begin_ingest().await.expect("begin_ingest");
    let c = load_into(tx.as_mut(), &rollback_changes()).await;
    assert_eq!(c.new_events, 2, "two new events inside the transaction");
    tx.rollback().await.expect("rollback");
    assert_eq!(observe(&store).await, before, "an explicit rollback must leave the store exactly as before");
    let usage = store.daily_usage("r1", day(2025, 3, 1), day(2025, 3, 1)).await.expect("daily_usage");
    assert_eq!(usage.first().map(|d| d.uses), Some(1), "rolled back events must not count");
    // The store still takes writes afterwards.
    let c = load(&store, &rollback_changes()).await;
    assert_eq!(c.new_events, 2, "events rolled back are new again");
}

pub async fn case_rollback_on_drop(store: Arc<dyn Store>) {
    load(&store, &rollback_base()).await;
    let before = observe(&store).await;
    {
        let mut tx = store.begin_ingest().await.expect("begin_ingest");
        load_into(tx.as_mut(), &rollback_changes()).await;
        drop(tx);
    }
    assert_eq!(observe(&store).await, before, "dropping a transaction without commit must roll it back");
    let c = load(&store, &rollback_changes()).await;
    assert_eq!(c.resources.added, 1, "the store takes writes after a dropped transaction");
    assert_ne!(observe(&store).await, before, "and the committed writes show");
}

fn upn_event(
    id: &str,
    resource: &str,
    upn: Option<&str>,
    kind: UsageKind,
    when: steward_model::Timestamp,
) -> UsageEvent {
    let mut e = event("t1", id, Some(resource), None, kind, when);
    e.principal_upn = upn.map(str::to_string);
    e
}

fn usage(resource_id: &str, d: chrono::NaiveDate, uses: u64, unique_users: u64) -> DailyUsage {
    DailyUsage { resource_id: resource_id.into(), day: d, uses, unique_users, departments: 0 }
}

fn first_usage_batch() -> Vec<UsageEvent> {
    let (d1, d2) = ((2025, 3, 10), (2025, 3, 11));
    let on = |d: (i32, u32, u32), h, m, s, ms| at(d.0, d.1, d.2, h, m, s, ms);
    let e2 = event("t1", "e2", Some("R1"), Some("pB"), UsageKind::Launch, on(d1, 9, 0, 0, 0));
    vec![
        event("t1", "e1", Some("R1"), Some("pA"), UsageKind::Launch, on(d1, 8, 0, 0, 0)),
        e2.clone(),
        event("t1", "e3", Some("R1"), Some("pA"), UsageKind::Launch, on(d1, 23, 59, 59, 999)),
        event("t1", "e4", Some("R1"), Some("pC"), UsageKind::Edit, on(d1, 10, 0, 0, 0)),
        upn_event("e5", "R1", Some("Zed@Example.com"), UsageKind::Launch, on(d2, 0, 0, 0, 0)),
        event("t1", "e6", Some("R1"), Some("pA"), UsageKind::Launch, on(d2, 12, 0, 0, 0)),
        upn_event("e7", "R1", None, UsageKind::Launch, on(d2, 13, 0, 0, 0)),
        event("t1", "e8", Some("R1"), Some("pA"), UsageKind::Edit, at(2025, 3, 12, 9, 0, 0, 0)),
        event("t1", "e9", Some("R2"), Some("pB"), UsageKind::Run, on(d1, 7, 0, 0, 0)),
        event("t1", "e10", None, Some("pA"), UsageKind::Launch, on(d1, 7, 0, 0, 0)),
        e2,
    ]
}

pub async fn case_usage_dedup_and_rollups(store: Arc<dyn Store>) {
    let data = Dataset {
        resources: vec![
            resource("t1", "e1", "R1", ResourceKind::CanvasApp, "App"),
            resource("t1", "e1", "R2", ResourceKind::CloudFlow, "Flow"),
        ],
        events: first_usage_batch(),
        ..Default::default()
    };
    let mut tx = store.begin_ingest().await.expect("begin_ingest");
    let c = load_into(tx.as_mut(), &data).await;
    assert_eq!(c.new_events, 10, "ten distinct event ids (e2 twice in the batch)");
    let again = tx.insert_usage_events(data.events.clone()).await.expect("insert_usage_events");
    assert_eq!(again, 0, "the same ids again in the same transaction are not new");
    tx.commit().await.expect("commit");

    let (d1, d2, d3) = (day(2025, 3, 10), day(2025, 3, 11), day(2025, 3, 12));
    let expected = vec![usage("R1", d1, 3, 2), usage("R1", d2, 3, 2)];
    let got = store.daily_usage("R1", d1, d3).await.expect("daily_usage");
    assert_eq!(
        got, expected,
        "uses count launches only; users are principal ids or lowercased UPNs; edit-only days are absent"
    );
    assert_eq!(
        store.daily_usage("R1", d2, d2).await.expect("daily_usage"),
        vec![usage("R1", d2, 3, 2)],
        "range is inclusive"
    );
    assert_eq!(store.daily_usage("R2", d1, d3).await.expect("daily_usage"), vec![usage("R2", d1, 1, 1)], "flow runs");
    assert!(store.daily_usage("R9", d1, d3).await.expect("daily_usage").is_empty(), "unknown resource has no usage");

    let before = digest(&store).await;
    let c = load(&store, &Dataset { events: data.events.clone(), ..Default::default() }).await;
    assert_eq!(c.new_events, 0, "the same ids in a later transaction are not new");
    assert_eq!(store.daily_usage("R1", d1, d3).await.expect("daily_usage"), expected, "rollups unchanged by repeats");
    assert_eq!(digest(&store).await, before, "repeated events change nothing");
    let overview = store.overview(None).await.expect("overview");
    assert_eq!(overview.usage_events, 10, "overview counts distinct events");
}

pub async fn case_usage_second_tx_updates_day(store: Arc<dyn Store>) {
    load(&store, &Dataset { events: first_usage_batch(), ..Default::default() }).await;
    let (d1, d2, d4) = (day(2025, 3, 10), day(2025, 3, 11), day(2025, 3, 13));
    let second = vec![
        event("t1", "e11", Some("R1"), Some("pC"), UsageKind::Launch, at(2025, 3, 10, 15, 0, 0, 0)),
        event("t1", "e12", Some("R1"), Some("pA"), UsageKind::Launch, at(2025, 3, 10, 16, 0, 0, 0)),
        upn_event("e13", "R1", Some("ZED@example.com"), UsageKind::Session, at(2025, 3, 11, 18, 0, 0, 0)),
        event("t1", "e14", Some("R1"), Some("pA"), UsageKind::Run, at(2025, 3, 13, 1, 0, 0, 0)),
        event("t1", "e1", Some("R1"), Some("pA"), UsageKind::Launch, at(2025, 3, 10, 8, 0, 0, 0)),
    ];
    let c = load(&store, &Dataset { events: second, ..Default::default() }).await;
    assert_eq!(c.new_events, 4, "e1 was stored by the first transaction");
    assert_eq!(
        store.daily_usage("R1", d1, d4).await.expect("daily_usage"),
        vec![usage("R1", d1, 5, 3), usage("R1", d2, 4, 2), usage("R1", d4, 1, 1)],
        "a later transaction adds to existing days (new user pC, known users pA and zed) and creates new days"
    );
}

pub async fn case_overview(store: Arc<dyn Store>) {
    let mut e3 = environment("t1", "e3");
    e3.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
    let mut p2 = principal("t1", "P2", "p2@contoso.com");
    p2.enabled = false;
    let mut p3 = principal("t1", "P3", "p3@contoso.com");
    p3.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
    let r = |tenant: &str, env: &str, id: &str, kind, owners: &[&str]| {
        let mut r = resource(tenant, env, id, kind, id);
        r.owners = owners.iter().map(|o| owner(o)).collect();
        r
    };
    let mut r7 = r("t1", "e2", "r7", ResourceKind::CanvasApp, &["P2"]);
    r7.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
    let use_at = |id: &str, tenant: &str, who: &str, kind, when| event(tenant, id, Some("r1"), Some(who), kind, when);
    let data = Dataset {
        tenants: vec![tenant("t1"), tenant("t2")],
        environments: vec![environment("t1", "e1"), environment("t1", "e2"), e3, environment("t2", "e9")],
        principals: vec![
            principal("t1", "P1", "p1@contoso.com"),
            p2,
            p3,
            principal("t1", "P4", "p4@contoso.com"),
            principal("t2", "P5", "p5@fabrikam.com"),
        ],
        resources: vec![
            r("t1", "e1", "r1", ResourceKind::CanvasApp, &["P1"]),
            r("t1", "e1", "r2", ResourceKind::CanvasApp, &["P2"]),
            r("t1", "e1", "r3", ResourceKind::CanvasApp, &["P2", "P3"]),
            r("t1", "e1", "r4", ResourceKind::CloudFlow, &["P2", "U9"]),
            r("t1", "e1", "r5", ResourceKind::CloudFlow, &["U9"]),
            r("t1", "e2", "r6", ResourceKind::CanvasApp, &[]),
            r7,
            r("t2", "e9", "r8", ResourceKind::Agent, &["P5"]),
        ],
        events: vec![
            use_at("u1", "t1", "pA", UsageKind::Launch, at(2025, 3, 30, 12, 0, 0, 0)),
            use_at("u2", "t1", "pB", UsageKind::Launch, at(2025, 3, 2, 12, 0, 0, 0)),
            use_at("u3", "t1", "pC", UsageKind::Launch, at(2025, 2, 28, 12, 0, 0, 0)),
            use_at("u4", "t1", "pD", UsageKind::Edit, at(2025, 3, 31, 12, 0, 0, 0)),
            use_at("u5", "t1", "pA", UsageKind::Run, at(2025, 3, 29, 12, 0, 0, 0)),
            use_at("u6", "t2", "pE", UsageKind::Session, at(2025, 1, 1, 12, 0, 0, 0)),
        ],
        ..Default::default()
    };
    load(&store, &data).await;
    let env = |id: &str, count| EnvironmentCount { id: id.into(), display_name: format!("Env {id}"), count };
    let kind = |kind, count| KindCount { kind, count };
    let t1 = store.overview(Some("t1")).await.expect("overview t1");
    assert_eq!(
        t1,
        Overview {
            tenants: 1,
            environments: 2,
            resources: 6,
            by_kind: vec![kind(ResourceKind::CanvasApp, 4), kind(ResourceKind::CloudFlow, 2)],
            top_environments: vec![env("e1", 5), env("e2", 1)],
            makers: 4,
            principals: 3,
            orphaned_resources: 2,
            usage_events: 5,
            active_users_30d: 2,
        },
        "overview of tenant t1 (see the module docs for each rule)"
    );
    let t2 = store.overview(Some("t2")).await.expect("overview t2");
    assert_eq!((t2.resources, t2.makers, t2.usage_events, t2.active_users_30d), (1, 1, 1, 1), "overview of t2");
    let all = store.overview(None).await.expect("overview");
    assert_eq!(
        all,
        Overview {
            tenants: 2,
            environments: 3,
            resources: 7,
            by_kind: vec![
                kind(ResourceKind::CanvasApp, 4),
                kind(ResourceKind::CloudFlow, 2),
                kind(ResourceKind::Agent, 1)
            ],
            top_environments: vec![env("e1", 5), env("e2", 1), env("e9", 1)],
            makers: 5,
            principals: 4,
            orphaned_resources: 2,
            usage_events: 6,
            active_users_30d: 2,
        },
        "overview of every tenant; equal counts order by id"
    );
    let empty = store.overview(Some("nobody")).await.expect("overview of an unknown tenant");
    assert_eq!(empty, Overview::default(), "an unknown tenant has nothing");
}
