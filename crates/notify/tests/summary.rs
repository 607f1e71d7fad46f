//! The monthly maker summary and the champion figures against a real SQLite store loaded with
//! inventory, audit events and value records: the value a maker reads is the one their records
//! and real uses give, a maker without a record is told where to record one, and people who use
//! several resources of one maker count once.

use serde_json::{Value, json};
use std::sync::Arc;
use steward_model::{ResourceKind, Timestamp, UsageEvent, UsageKind};
use steward_notify::NotifyConfig;
use steward_notify::dispatch::Outgoing;
use steward_notify::templates::Templates;
use steward_store::Store;
use steward_store::conformance::{Dataset, at, environment, event, load, owner, principal, resource, tenant};
use steward_store::value::{NewValueRecord, ValueFigures, ValueKind, ValueStory};
use steward_store_sqlite::SqliteStore;
use steward_value::{Rates, ValueConfig};

/// The fixture's inputs, named so the tests derive their expectations from them.
const MINUTES_PER_USE: i64 = 10;
/// `[value]`: the Finance department's hourly cost (Mia is in Finance), in whole euros.
const FINANCE_RATE: i64 = 60;
/// Launches of Mia's app in October 2026 (day, hour, user); app users u1 and u2.
const APP_LAUNCHES: [(u32, u32, &str); 5] =
    [(20, 9, "p-u1"), (20, 10, "p-u2"), (22, 9, "p-u1"), (27, 11, "p-u2"), (29, 8, "p-u1")];
/// Runs of Mia's flow in October 2026; u2 also uses the app, u3 only the flow.
const FLOW_RUNS: [(u32, u32, &str); 3] = [(21, 9, "p-u2"), (23, 9, "p-u3"), (28, 9, "p-u3")];
/// Launches of Bob's app, who recorded no value.
const BOB_LAUNCHES: [(u32, u32, &str); 2] = [(24, 9, "p-u1"), (25, 9, "p-u4")];

fn now() -> Timestamp {
    // The summary covers the last complete month: October 2026.
    at(2026, 11, 2, 6, 0, 0, 0)
}

fn events(resource: &str, kind: UsageKind, uses: &[(u32, u32, &str)]) -> Vec<UsageEvent> {
    uses.iter()
        .enumerate()
        .map(|(i, (d, h, who))| {
            event("t1", &format!("{resource}-{i}"), Some(resource), Some(*who), kind, at(2026, 10, *d, *h, 0, 0, 0))
        })
        .collect()
}

async fn store(dir: &std::path::Path) -> Arc<dyn Store> {
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.join("steward.db").display().to_string()).expect("test setup: open sqlite"));
    store.migrate().await.expect("test setup: migrate");
    let mut app = resource("t1", "env-1", "app-mia", ResourceKind::CanvasApp, "Expense claims");
    app.owners = vec![owner("p-mia")];
    let mut flow = resource("t1", "env-1", "flow-mia", ResourceKind::CloudFlow, "Invoice sync");
    flow.owners = vec![owner("p-mia")];
    let mut bobs = resource("t1", "env-1", "app-bob", ResourceKind::CanvasApp, "Room booking");
    bobs.owners = vec![owner("p-bob")];
    let mut bob = principal("t1", "p-bob", "bob@example.com");
    bob.department = Some("Sales".into());
    let mut all = events("app-mia", UsageKind::Launch, &APP_LAUNCHES);
    all.extend(events("flow-mia", UsageKind::Run, &FLOW_RUNS));
    all.extend(events("app-bob", UsageKind::Launch, &BOB_LAUNCHES));
    let people = ["p-u1", "p-u2", "p-u3", "p-u4"].map(|p| principal("t1", p, &format!("{p}@example.com")));
    let mut principals = vec![principal("t1", "p-mia", "mia@example.com"), bob];
    principals.extend(people);
    let data = Dataset {
        tenants: vec![tenant("t1")],
        environments: vec![environment("t1", "env-1")],
        principals,
        resources: vec![app, flow, bobs],
        events: all,
        ..Default::default()
    };
    load(&store, &data).await;
    store
        .record_value(&NewValueRecord {
            resource_id: "app-mia".into(),
            kind: ValueKind::Actual,
            figures: ValueFigures {
                centiminutes_per_use: Some(MINUTES_PER_USE * 100),
                currency: "EUR".into(),
                ..Default::default()
            },
            story: ValueStory::default(),
            recorded_by: "mia".into(),
            recorded_at: at(2026, 10, 1, 9, 0, 0, 0),
        })
        .await
        .expect("test setup: record value");
    store
}

fn rates() -> Rates {
    let config: ValueConfig = toml::from_str(&format!(
        "currency = \"EUR\"\nhourly_cost = 40\n[hourly_cost_by_department]\nFinance = {FINANCE_RATE}\n"
    ))
    .expect("test setup: [value]");
    config.rates().expect("test setup: rates")
}

fn config() -> NotifyConfig {
    NotifyConfig { base_url: "https://steward.example.com".into(), ..Default::default() }
}

async fn summaries(store: &dyn Store) -> Vec<Outgoing> {
    steward_notify::messages::maker_summaries(store, &config(), &rates(), now()).await.expect("summaries")
}

fn of<'a>(out: &'a [Outgoing], principal: &str) -> &'a Outgoing {
    out.iter().find(|o| o.subject_key == principal).unwrap_or_else(|| panic!("no summary for {principal}"))
}

/// The text body as the maker reads it.
fn text(o: &Outgoing) -> String {
    let mut context = o.context.clone();
    if let Value::Object(m) = &mut context {
        m.insert("recipient_name".into(), json!(o.recipient.name));
        m.insert("base_url".into(), json!("https://steward.example.com"));
    }
    Templates::builtin().expect("templates").render(o.kind, &context).expect("render").text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maker_with_a_value_record_reads_the_value_of_their_real_uses() {
    let dir = tempfile::tempdir().expect("test setup: tempdir");
    let store = store(dir.path()).await;
    let out = summaries(store.as_ref()).await;
    let mia = of(&out, "p-mia");

    // uses × minutes per use ÷ 60 × hourly rate, in cents.
    let uses = APP_LAUNCHES.len() as i64;
    let cents = uses * MINUTES_PER_USE * FINANCE_RATE * 100 / 60;
    let expected = format!("{}.{:02} EUR", cents / 100, cents % 100);
    assert_eq!(mia.context["value"]["actual"], json!(expected), "{}", mia.context);
    assert_eq!(mia.context["value"]["recorded"], json!(true));
    assert_eq!(mia.context["value"]["valued_resources"], json!(1));
    let app = mia.context["top"].as_array().and_then(|t| t.iter().find(|r| r["name"] == "Expense claims"));
    assert_eq!(app.map(|a| a["value"]["actual"].clone()), Some(json!(expected)), "per resource too");
    let flow = mia.context["top"].as_array().and_then(|t| t.iter().find(|r| r["name"] == "Invoice sync"));
    assert_eq!(flow.map(|f| f["value"]["actual"].clone()), Some(Value::Null), "the flow has no record");

    let body = text(mia);
    assert!(body.contains(&format!("Their value in October 2026: {expected}")), "{body}");
    assert!(body.contains("Invoice sync: 3 uses, 2 users, no value recorded"), "{body}");
    assert!(!body.contains("No value recorded for your resources"), "{body}");
    let facts = mia.context["facts"].as_array().cloned().unwrap_or_default();
    assert!(facts.contains(&json!({"name": "Value", "value": expected})), "{facts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maker_without_value_is_told_where_to_record_it() {
    let dir = tempfile::tempdir().expect("test setup: tempdir");
    let store = store(dir.path()).await;
    let out = summaries(store.as_ref()).await;
    let bob = of(&out, "p-bob");
    assert_eq!(bob.context["value"]["recorded"], json!(false));
    assert_eq!(bob.context["value"]["actual"], Value::Null);
    let body = text(bob);
    assert!(
        body.contains("No value recorded for your resources yet. Record what they are worth (time saved, cost avoided): https://steward.example.com/value"),
        "{body}"
    );
    let actions = bob.context["actions"].as_array().cloned().unwrap_or_default();
    assert!(actions.iter().any(|a| a["url"] == "https://steward.example.com/value"), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_using_two_resources_of_one_maker_count_once() {
    let dir = tempfile::tempdir().expect("test setup: tempdir");
    let store = store(dir.path()).await;
    let distinct = |runs: &[&[(u32, u32, &str)]]| {
        let mut who: Vec<&str> = runs.iter().flat_map(|r| r.iter().map(|(_, _, w)| *w)).collect();
        who.sort_unstable();
        who.dedup();
        who.len() as u64
    };
    let mia_people = distinct(&[&APP_LAUNCHES, &FLOW_RUNS]);
    assert!(
        mia_people < distinct(&[&APP_LAUNCHES]) + distinct(&[&FLOW_RUNS]),
        "test setup: the fixture shares a user between Mia's resources"
    );

    let out = summaries(store.as_ref()).await;
    assert_eq!(of(&out, "p-mia").context["users"], json!(mia_people), "the monthly summary");

    let champions = steward_notify::nurture::champions(store.as_ref(), now(), 10).await.expect("champions");
    let mia = champions.iter().find(|c| c.principal_id == "p-mia").expect("Mia is suggested");
    assert_eq!(mia.figures.users_served, mia_people, "the champion score's reach");
    assert_eq!(mia.figures.active_resources, 2);
    let bob = champions.iter().find(|c| c.principal_id == "p-bob").expect("Bob is suggested");
    assert_eq!(bob.figures.users_served, distinct(&[&BOB_LAUNCHES]), "u1 counts for Bob as well");
}
