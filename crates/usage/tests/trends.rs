//! Trends, sudden drops and inactive resources read from a real SQLite store (and PostgreSQL
//! when `STEWARD_TEST_POSTGRES_URL` is set), with every expectation computed from the events
//! the test loads.

#![allow(clippy::unwrap_used)]

use chrono::{Days, NaiveDate, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};
use steward_model::{Resource, ResourceKind, UsageEvent, UsageKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::Store;
use steward_store::conformance;
use steward_usage::trends::{
    AnomalyQuery, DropParams, InactiveQuery, anomalies, growth, inactive, moving_average, sudden_drop, trend,
};

const TENANT: &str = "t-1";
const OTHER: &str = "t-2";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn as_of() -> NaiveDate {
    d("2026-06-30")
}

fn resource(tenant: &str, env: &str, id: &str, kind: ResourceKind, created: &str) -> Resource {
    let mut r = conformance::resource(tenant, env, id, kind, &format!("{id} name"));
    r.created_at = Some(Utc.from_utc_datetime(&d(created).and_hms_opt(8, 0, 0).unwrap()));
    r.owners = vec![conformance::owner(&format!("owner-of-{id}"))];
    r
}

/// `per_day` launches of `resource` on every day of `[from, to]`, by `users` rotating actors.
fn uses(tenant: &str, resource: &str, from: &str, to: &str, per_day: u64, users: u64) -> Vec<UsageEvent> {
    let mut out = Vec::new();
    for day in d(from).iter_days().take_while(|x| *x <= d(to)) {
        for k in 0..per_day {
            let at = Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).unwrap()) + chrono::Duration::seconds(k as i64);
            let actor = format!("u-{}", k % users.max(1));
            out.push(conformance::event(
                tenant,
                &format!("{resource}-{day}-{k}"),
                Some(resource),
                Some(&actor),
                UsageKind::Launch,
                at,
            ));
        }
    }
    out
}

struct Estate {
    resources: Vec<Resource>,
    events: Vec<UsageEvent>,
}

/// The recent window is 2026-06-24..=30 and the baseline 2026-05-27..=06-23 with the defaults.
fn estate() -> Estate {
    use ResourceKind::{CanvasApp, CloudFlow};
    let resources = vec![
        resource(TENANT, "env-a", "busy-drop", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-b", "busy-drop-b", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-a", "busy-steady", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-a", "busy-half", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-a", "quiet-drop", CanvasApp, "2026-01-01"),
        {
            let mut r = resource(TENANT, "env-a", "deleted-drop", CanvasApp, "2026-01-01");
            r.deleted_at = Some(Utc.from_utc_datetime(&d("2026-06-25").and_hms_opt(0, 0, 0).unwrap()));
            r
        },
        resource(TENANT, "env-a", "old-unused", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-b", "straddle", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-a", "never-old", CanvasApp, "2026-01-01"),
        resource(TENANT, "env-b", "never-older", CanvasApp, "2025-06-01"),
        resource(TENANT, "env-a", "never-grace", CanvasApp, "2026-06-10"),
        resource(TENANT, "env-a", "never-new", CanvasApp, "2026-06-25"),
        resource(TENANT, "env-a", "created-after", CanvasApp, "2026-07-05"),
        {
            let mut r = resource(TENANT, "env-a", "never-unknown-age", CanvasApp, "2026-01-01");
            r.created_at = None;
            r
        },
        resource(TENANT, "env-a", "flow-never", CloudFlow, "2026-01-01"),
        resource(OTHER, "env-o", "other-never", CanvasApp, "2026-01-01"),
    ];
    let mut events = Vec::new();
    events.extend(uses(TENANT, "busy-drop", "2026-05-27", "2026-06-23", 12, 4));
    events.extend(uses(TENANT, "busy-drop", "2026-06-24", "2026-06-30", 2, 2));
    events.extend(uses(TENANT, "busy-drop-b", "2026-05-27", "2026-06-23", 20, 5));
    events.extend(uses(TENANT, "busy-drop-b", "2026-06-24", "2026-06-30", 1, 1));
    events.extend(uses(TENANT, "busy-steady", "2026-05-27", "2026-06-30", 12, 6));
    // Exactly half of a 10/day baseline: not a drop.
    events.extend(uses(TENANT, "busy-half", "2026-05-27", "2026-06-23", 10, 3));
    events.extend(uses(TENANT, "busy-half", "2026-06-24", "2026-06-30", 5, 3));
    events.extend(uses(TENANT, "quiet-drop", "2026-05-27", "2026-06-23", 3, 2));
    events.extend(uses(TENANT, "deleted-drop", "2026-05-27", "2026-06-23", 15, 2));
    events.extend(uses(TENANT, "old-unused", "2026-02-20", "2026-03-01", 1, 1));
    events.extend(uses(TENANT, "straddle", "2026-02-01", "2026-02-01", 1, 1));
    events.extend(uses(TENANT, "straddle", "2026-07-10", "2026-07-10", 1, 1));
    events.extend(uses(OTHER, "r-other-used", "2026-06-01", "2026-06-30", 1, 1));
    Estate { resources, events }
}

async fn load(store: &dyn Store, estate: &Estate) {
    let mut tx = store.begin_ingest().await.unwrap();
    tx.upsert_tenants(vec![conformance::tenant(TENANT), conformance::tenant(OTHER)]).await.unwrap();
    tx.upsert_resources(estate.resources.clone()).await.unwrap();
    tx.insert_usage_events(estate.events.clone()).await.unwrap();
    tx.commit().await.unwrap();
}

/// A fresh PostgreSQL schema when `STEWARD_TEST_POSTGRES_URL` names a server. The name starts
/// with the creation time, as the store-postgres tests' names do, so that their clean-up drops
/// schemas a failed run left behind.
async fn postgres() -> Option<steward_store_postgres::PostgresStore> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let url = std::env::var("STEWARD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let schema = format!("steward_t_{secs}_trends_{}_{n}", std::process::id());
    let store = steward_store_postgres::PostgresStore::connect_with_schema(&url, &schema).await.unwrap();
    store.migrate().await.unwrap();
    Some(store)
}

/// Each case runs on a fresh SQLite file and, when `STEWARD_TEST_POSTGRES_URL` is set, on a
/// fresh PostgreSQL schema: the trends only use the `Store` trait, so both must agree.
macro_rules! on_both_backends {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("trends.db");
                    let store = steward_store_sqlite::SqliteStore::open(path.to_str().unwrap()).unwrap();
                    steward_store::Store::migrate(&store).await.unwrap();
                    let estate = super::estate();
                    super::load(&store, &estate).await;
                    super::$case(&store, &estate).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(store) = super::postgres().await else {
                        eprintln!("SKIPPED: STEWARD_TEST_POSTGRES_URL is not set");
                        return;
                    };
                    let estate = super::estate();
                    super::load(&store, &estate).await;
                    super::$case(&store, &estate).await;
                    store.drop_schema().await.unwrap();
                }
            )+
        }
    };
}

on_both_backends!(
    tenant_trend_fills_days_and_matches_the_events,
    weekly_trend_counts_distinct_users_per_week_and_resources_need_an_id,
    anomalies_flag_busy_resources_whose_use_fell_and_nothing_else,
    inactive_lists_unused_and_never_used_resources_as_of_a_day,
);

/// Uses per day of the given resources (all when empty), from the loaded events.
fn daily_uses(events: &[UsageEvent], tenant: &str) -> BTreeMap<NaiveDate, (u64, BTreeSet<String>)> {
    let mut out: BTreeMap<NaiveDate, (u64, BTreeSet<String>)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.tenant_id == tenant) {
        let entry = out.entry(e.occurred_at.date_naive()).or_default();
        entry.0 += 1;
        entry.1.insert(e.principal_id.clone().unwrap());
    }
    out
}

async fn tenant_trend_fills_days_and_matches_the_events(store: &dyn Store, estate: &Estate) {
    let (from, to) = (d("2026-06-01"), as_of());
    let t = trend(store, UsageScope::Tenant, Some(TENANT), UsagePeriod::Day, UsageMetric::Use, from, to).await.unwrap();

    let by_day = daily_uses(&estate.events, TENANT);
    // The expected series, with the history the means and growth need, zero-filled.
    let history: Vec<NaiveDate> = d("2026-01-01").iter_days().take_while(|x| *x <= to).collect();
    let expected_uses: Vec<u64> = history.iter().map(|x| by_day.get(x).map_or(0, |v| v.0)).collect();
    let expected_users: Vec<u64> = history.iter().map(|x| by_day.get(x).map_or(0, |v| v.1.len() as u64)).collect();

    assert_eq!(t.points.len(), 30, "one point per day of June, used or not");
    assert_eq!(t.points.first().map(|p| p.start), Some(from));
    assert_eq!(t.points.last().map(|p| p.start), Some(to));
    let offset = history.len() - 30;
    for (i, p) in t.points.iter().enumerate() {
        assert_eq!((p.uses, p.users), (expected_uses[offset + i], expected_users[offset + i]), "{}", p.start);
    }
    assert_eq!(t.uses, expected_uses[offset..].iter().sum::<u64>());
    let ma7 = moving_average(&expected_uses, 7);
    let ma30 = moving_average(&expected_uses, 30);
    let users30 = moving_average(&expected_users, 30);
    assert_eq!(t.points[0].uses_avg_30, ma30[offset], "the first day's 30-day mean reaches back into May");
    assert_eq!(t.points[29].uses_avg_7, ma7[offset + 29]);
    assert_eq!(t.points[29].users_avg_30, users30[offset + 29]);
    assert_eq!(t.growth.days_7, growth(&expected_uses, 7));
    assert_eq!(t.growth.days_30, growth(&expected_uses, 30));
    assert!(t.growth.days_7.is_some_and(|g| g < 0.0), "the drops make the last week smaller: {:?}", t.growth);
    // Nothing was used before 2026-02-20 ... 90-day growth compares March..June with the 90 days before.
    assert_eq!(t.growth.days_90, growth(&expected_uses, 90));
}

async fn weekly_trend_counts_distinct_users_per_week_and_resources_need_an_id(store: &dyn Store, estate: &Estate) {
    let (from, to) = (d("2026-06-01"), as_of());
    let t = trend(store, UsageScope::Resource, Some("busy-drop"), UsagePeriod::Week, UsageMetric::Use, from, to)
        .await
        .unwrap();
    let mut weeks: BTreeMap<NaiveDate, (u64, BTreeSet<String>)> = BTreeMap::new();
    for e in estate.events.iter().filter(|e| e.resource_id.as_deref() == Some("busy-drop")) {
        let week = UsagePeriod::Week.start_of(e.occurred_at.date_naive());
        let w = weeks.entry(week).or_default();
        w.0 += 1;
        w.1.insert(e.principal_id.clone().unwrap());
    }
    // 2026-06-01 is a Monday; 2026-06-29 starts the fifth week.
    let starts: Vec<NaiveDate> = t.points.iter().map(|p| p.start).collect();
    assert_eq!(starts, vec![d("2026-06-01"), d("2026-06-08"), d("2026-06-15"), d("2026-06-22"), d("2026-06-29")]);
    for p in &t.points {
        let (uses, users) = weeks.get(&p.start).map(|w| (w.0, w.1.len() as u64)).unwrap_or_default();
        assert_eq!((p.uses, p.users), (uses, users), "week of {}", p.start);
        assert_eq!(p.uses_avg_7, None, "weeks carry no daily means");
    }

    let in_window = estate
        .events
        .iter()
        .filter(|e| e.resource_id.as_deref() == Some("busy-drop") && (from..=to).contains(&e.occurred_at.date_naive()))
        .count();
    assert_eq!(t.uses, in_window as u64, "the total counts the window's days only");

    let missing = trend(store, UsageScope::Resource, None, UsagePeriod::Day, UsageMetric::Use, from, to).await;
    assert!(missing.err().map(|e| e.to_string()).unwrap_or_default().contains("needs the id"));
    let reversed = trend(store, UsageScope::Tenant, None, UsagePeriod::Day, UsageMetric::Use, to, from).await;
    assert!(reversed.is_err());
}

async fn anomalies_flag_busy_resources_whose_use_fell_and_nothing_else(store: &dyn Store, estate: &Estate) {
    let params = DropParams::default();
    let q = AnomalyQuery { tenant_id: None, kinds: vec![], environment_id: None, as_of: as_of(), params };
    let report = anomalies(store, &q).await.unwrap();
    assert_eq!((report.recent.from, report.recent.to), (d("2026-06-24"), as_of()));
    assert_eq!((report.baseline.from, report.baseline.to), (d("2026-05-27"), d("2026-06-23")));

    // Expected from the events: per resource, sums over both windows through the same rule.
    let mut sums: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for e in &estate.events {
        let day = e.occurred_at.date_naive();
        let s = sums.entry(e.resource_id.clone().unwrap()).or_default();
        if (report.recent.from..=report.recent.to).contains(&day) {
            s.1 += 1;
        } else if (report.baseline.from..=report.baseline.to).contains(&day) {
            s.0 += 1;
        }
    }
    let deleted: BTreeSet<&str> =
        estate.resources.iter().filter(|r| r.deleted_at.is_some()).map(|r| r.id.as_str()).collect();
    let mut expected: Vec<(&str, f64)> = sums
        .iter()
        .filter(|(id, _)| !deleted.contains(id.as_str()))
        .filter_map(|(id, (b, r))| sudden_drop(*b, *r, &params).map(|f| (id.as_str(), f.drop_pct)))
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1));
    let got: Vec<(&str, f64)> = report.items.iter().map(|a| (a.resource_id.as_str(), a.figures.drop_pct)).collect();
    assert_eq!(got, expected);
    // The fixture holds a drop in each environment; the steady, exact-half, quiet and deleted ones are not flagged.
    let ids: BTreeSet<&str> = got.iter().map(|g| g.0).collect();
    assert_eq!(ids, BTreeSet::from(["busy-drop", "busy-drop-b"]));
    let first = &report.items[0];
    assert_eq!(first.owner.as_deref(), Some("owner-of-busy-drop-b"));
    assert_eq!((first.baseline_uses, first.recent_uses), sums["busy-drop-b"]);
    // Busy over the baseline: every resource averaging 10 a day or more, deleted or not.
    let busy = sums.values().filter(|(b, _)| *b >= 10 * 28).count();
    assert_eq!(report.busy, busy);

    let only_b = AnomalyQuery { environment_id: Some("env-b".into()), ..q.clone() };
    let report_b = anomalies(store, &only_b).await.unwrap();
    assert_eq!(report_b.items.iter().map(|a| a.resource_id.as_str()).collect::<Vec<_>>(), vec!["busy-drop-b"]);

    let lenient = AnomalyQuery { params: DropParams { drop: 0.9, ..params }, ..q.clone() };
    let report = anomalies(store, &lenient).await.unwrap();
    // busy-drop went from 12 to 2 a day (83 %), busy-drop-b from 20 to 1 (95 %).
    assert_eq!(report.items.iter().map(|a| a.resource_id.as_str()).collect::<Vec<_>>(), vec!["busy-drop-b"]);

    let bad = AnomalyQuery { params: DropParams { drop: 2.0, ..params }, ..q };
    assert!(anomalies(store, &bad).await.is_err());
}

async fn inactive_lists_unused_and_never_used_resources_as_of_a_day(store: &dyn Store, _estate: &Estate) {
    let q = InactiveQuery { tenant_id: Some(TENANT.into()), ..InactiveQuery::new(as_of()) };
    let report = inactive(store, &q).await.unwrap();
    let ids: Vec<&str> = report.items.iter().map(|r| r.resource_id.as_str()).collect();
    // Never used first, the oldest first; then the longest idle. `straddle` was used again after
    // the as-of day, which does not count; the flow's kind was never used, so it is not judged.
    assert_eq!(ids, vec!["never-older", "never-old", "straddle", "old-unused"]);
    assert_eq!(report.kinds, vec![ResourceKind::CanvasApp]);
    let straddle = &report.items[2];
    assert_eq!(straddle.last_use, Some(d("2026-02-01")));
    assert_eq!(straddle.idle_days, (as_of() - d("2026-02-01")).num_days());
    assert_eq!(straddle.environment_id, "env-b");
    assert_eq!(straddle.owner.as_deref(), Some("owner-of-straddle"));
    assert!(report.items[0].never_used && report.items[0].last_use.is_none());
    assert_eq!(report.items[3].last_use, Some(d("2026-03-01")));

    // A window that reaches back to the last use: 2026-03-01 is 121 days before the as-of day.
    let idle = (as_of() - d("2026-03-01")).num_days() as u32;
    let short = inactive(store, &InactiveQuery { days: idle, ..q.clone() }).await.unwrap();
    assert!(short.items.iter().any(|r| r.resource_id == "old-unused"), "unused for exactly {idle} days");
    let long = inactive(store, &InactiveQuery { days: idle + 1, ..q.clone() }).await.unwrap();
    assert!(!long.items.iter().any(|r| r.resource_id == "old-unused"), "used on the window's first day");

    let never = inactive(store, &InactiveQuery { never_used: true, ..q.clone() }).await.unwrap();
    let ids: Vec<&str> = never.items.iter().map(|r| r.resource_id.as_str()).collect();
    // never-grace is 20 days old (past the 14-day grace); never-new is 5 days old.
    assert_eq!(ids, vec!["never-older", "never-old", "never-grace"]);
    let strict = InactiveQuery { never_used: true, grace_days: 20, ..q.clone() };
    let ids: Vec<String> = inactive(store, &strict).await.unwrap().items.into_iter().map(|r| r.resource_id).collect();
    assert_eq!(ids, vec!["never-older", "never-old"], "20 days old is not more than a 20-day grace");

    let flows = InactiveQuery { kinds: vec![ResourceKind::CloudFlow], ..q.clone() };
    let ids: Vec<String> = inactive(store, &flows).await.unwrap().items.into_iter().map(|r| r.resource_id).collect();
    assert_eq!(ids, vec!["flow-never"], "asked for explicitly, a kind never used is judged");

    let env_b = InactiveQuery { environment_id: Some("env-b".into()), limit: Some(1), ..q.clone() };
    let report = inactive(store, &env_b).await.unwrap();
    assert_eq!((report.total, report.items.len()), (2, 1));
    assert_eq!(report.items[0].resource_id, "never-older");

    // Early in January only never-older existed for the whole 30 days; the rest were created on the 1st.
    let early = inactive(store, &InactiveQuery { as_of: d("2026-01-05"), days: 30, ..q.clone() }).await;
    let early: Vec<String> = early.unwrap().items.into_iter().map(|r| r.resource_id).collect();
    assert_eq!(early, vec!["never-older"]);
    let later = as_of().checked_add_days(Days::new(15)).unwrap();
    let report = inactive(store, &InactiveQuery { as_of: later, ..q }).await.unwrap();
    assert!(!report.items.iter().any(|r| r.resource_id == "straddle"), "used on 2026-07-10");
}
