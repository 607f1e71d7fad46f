//! The inventory over HTTP: every filter in the page and the API (expected rows computed from the
//! fixture estate and what the store recorded about it), filters kept in every pagination link,
//! CSV exports equal to the filtered rows of every page and safe to open in a spreadsheet,
//! makers and connectors, a resource's history, and a maker seeing only their own rows.

use crate::fixtures::{RICH, TENANT};
use crate::support::{TestApp, header, hrefs, ids, spawn_app};
use chrono::{Days, NaiveDate, Utc};
use reqwest::StatusCode;
use std::collections::{BTreeSet, HashMap};
use steward_compliance::run::{CheckOptions, active_set, evaluate, record};
use steward_model::{Connector, ConnectorTier, LifecycleStage, Resource, ResourceKind, Role};
use steward_responsibility::Config;
use steward_store::catalog::{ItemFields, ItemKind, NewCatalogItem, StageMove};
use steward_store::inventory::{ComplianceState, ResourceStatus};

/// Connectors the inventory lists: the fixture's premium SQL and standard SharePoint.
fn connectors() -> Vec<Connector> {
    let listed = |id: &str, name: &str, tier| Connector {
        display_name: name.into(),
        tier,
        ..steward_store::conformance::connector(TENANT, id)
    };
    vec![
        listed("shared_sql", "SQL Server", ConnectorTier::Premium),
        listed("shared_sharepointonline", "SharePoint", ConnectorTier::Standard),
    ]
}

/// The fixture plus what the inventory filters read besides resources: listed connectors, one
/// recorded compliance run (statuses for every resource), catalog items with stages.
async fn inventory_app() -> TestApp {
    let app = spawn_app().await;
    let mut tx = app.store.begin_ingest().await.expect("begin ingest");
    tx.upsert_connectors(connectors()).await.expect("upsert connectors");
    tx.commit().await.expect("commit");
    let store = app.store.as_ref();
    let (set, _) = active_set(store).await.expect("the active set");
    let now = Utc::now();
    let options = CheckOptions { tenant: None, day: now.date_naive(), at: now, threads: 1, only_tracked: false };
    let evaluation = evaluate(store, set, &options, &Config::defaults()).await.expect("evaluate");
    record(store, &evaluation, &options).await.expect("record the run");
    for (resource, stage) in [("r-01", LifecycleStage::Production), ("r-02", LifecycleStage::Pilot)] {
        let mut fields = ItemFields::new(ItemKind::App, "power_platform", &format!("Item {resource}"));
        fields.resource_id = Some(resource.into());
        let item = NewCatalogItem { fields, stage, created_by: "p-alice".into(), created_at: now, note: None };
        store.create_catalog_item(&item).await.expect("create a catalog item");
    }
    app
}

/// What the store says about every fixture resource: statuses and last days of use.
struct Known {
    statuses: HashMap<String, ResourceStatus>,
    last_used: HashMap<String, NaiveDate>,
    /// The day the last-use filters count back from.
    today: NaiveDate,
}

async fn known(app: &TestApp) -> Known {
    let all: Vec<String> = app.estate.resources.iter().map(|r| r.id.clone()).collect();
    let statuses = app.store.resource_statuses(&all).await.expect("statuses");
    let spans = app.store.usage_spans(None, None).await.expect("spans");
    let status = app.store.usage_status(Some(TENANT)).await.expect("usage status");
    Known {
        statuses: statuses.into_iter().map(|s| (s.resource_id.clone(), s)).collect(),
        last_used: spans.into_iter().map(|s| (s.resource_id, s.last)).collect(),
        today: status.last_day.unwrap_or_else(|| Utc::now().date_naive()),
    }
}

fn department_of(app: &TestApp, principal: &str) -> Option<String> {
    app.estate.principals.iter().find(|p| p.id == principal).and_then(|p| p.department.clone())
}

fn premium(r: &Resource) -> bool {
    let listed: HashMap<String, ConnectorTier> = connectors().into_iter().map(|c| (c.id, c.tier)).collect();
    r.connection_references
        .iter()
        .any(|c| matches!(listed.get(&c.connector_id), Some(ConnectorTier::Premium | ConnectorTier::Custom)))
}

/// Which fixture resources a filter matches.
type Rule<'a> = Box<dyn Fn(&Resource) -> bool + 'a>;

/// Each filter as URL parameters with the rule that says which fixture resources match it.
fn cases<'a>(app: &'a TestApp, k: &'a Known) -> Vec<(String, Rule<'a>)> {
    let since = |n: u64| k.today.checked_sub_days(Days::new(n - 1)).unwrap_or(k.today);
    let compliance = |r: &Resource| k.statuses.get(&r.id).map_or(ComplianceState::NotEvaluated, |s| s.compliance);
    let mut cases: Vec<(String, Rule<'a>)> = vec![
        (
            "department=finance".into(),
            Box::new(move |r: &Resource| {
                r.owners.iter().any(|o| department_of(app, &o.principal_id).as_deref() == Some("Finance"))
            }),
        ),
        (
            "connector=shared_sql".into(),
            Box::new(|r: &Resource| r.connection_references.iter().any(|c| c.connector_id == "shared_sql")),
        ),
        ("tier=premium".into(), Box::new(premium)),
        ("tier=standard".into(), Box::new(|r: &Resource| !premium(r))),
        ("stage=production".into(), Box::new(|r: &Resource| r.id == "r-01")),
        (
            "used_within_days=3".into(),
            Box::new(move |r: &Resource| k.last_used.get(&r.id).is_some_and(|d| *d >= since(3))),
        ),
        ("unused_days=3".into(), Box::new(move |r: &Resource| k.last_used.get(&r.id).is_none_or(|d| *d < since(3)))),
        (
            "owner=p-bob&kind=cloud_flow".into(),
            Box::new(|r: &Resource| {
                r.kind == ResourceKind::CloudFlow && r.owners.iter().any(|o| o.principal_id == "p-bob")
            }),
        ),
        (
            "department=Finance&tier=standard&environment=env-fin".into(),
            Box::new(move |r: &Resource| {
                r.environment_id == "env-fin"
                    && !premium(r)
                    && r.owners.iter().any(|o| department_of(app, &o.principal_id).as_deref() == Some("Finance"))
            }),
        ),
    ];
    for level in steward_model::ImpactLevel::ALL {
        cases.push((
            format!("criticality={level}"),
            Box::new(move |r: &Resource| k.statuses.get(&r.id).and_then(|s| s.criticality) == Some(*level)),
        ));
    }
    for state in ComplianceState::ALL {
        cases.push((format!("compliance={state}"), Box::new(move |r: &Resource| compliance(r) == *state)));
    }
    cases
}

fn expected(app: &TestApp, rule: &dyn Fn(&Resource) -> bool) -> BTreeSet<String> {
    app.estate.live().filter(|r| rule(r)).map(|r| r.id.clone()).collect()
}

#[tokio::test]
async fn every_filter_in_the_api_and_the_page_matches_the_estate() {
    let app = inventory_app().await;
    let k = known(&app).await;
    let mut nonempty = 0;
    for (params, rule) in cases(&app, &k) {
        let want = expected(&app, rule.as_ref());
        nonempty += usize::from(!want.is_empty());
        let (items, total) = app.all_pages(&format!("/api/v1/resources?tenant={TENANT}&{params}&limit=4")).await;
        let got: BTreeSet<String> = ids(&items).into_iter().collect();
        assert_eq!(got, want, "API with {params}");
        assert_eq!(total, want.len() as u64, "API total with {params}");

        let (status, html) = app.html(&format!("/inventory?tenant={TENANT}&{params}&limit=100")).await;
        assert_eq!(status, StatusCode::OK, "page with {params}");
        let rows: BTreeSet<String> =
            hrefs(&html).into_iter().filter_map(|h| h.strip_prefix("/resources/").map(str::to_string)).collect();
        assert_eq!(rows, want, "page with {params}");
    }
    assert!(nonempty >= 12, "most filters must match something, or they prove little ({nonempty})");
}

#[tokio::test]
async fn bad_filter_values_name_the_parameter() {
    let app = inventory_app().await;
    for (params, name) in [("tier=gold", "tier"), ("compliance=green", "compliance"), ("unused_days=0", "unused_days")]
    {
        let (status, body) = app.json(&format!("/api/v1/resources?{params}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{params}: {body}");
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains(&format!("`{name}`")), "{body}");
        let (status, _) = app.html(&format!("/inventory?{params}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page with {params}");
    }
}

/// The rows of an inventory page, in order.
fn rows(html: &str) -> Vec<String> {
    hrefs(html).into_iter().filter(|h| h.starts_with("/resources/")).collect()
}

#[tokio::test]
async fn filters_stay_in_every_pagination_link_and_previous_goes_back() {
    let app = inventory_app().await;
    let first_path = format!("/inventory?tenant={TENANT}&department=Finance&tier=standard&sort=-last_used&limit=2");
    let (_, first) = app.html(&first_path).await;
    let next = hrefs(&first).into_iter().find(|h| h.contains("cursor=")).expect("a next-page link");
    for kept in [&format!("tenant={TENANT}"), "department=Finance", "tier=standard", "sort=-last_used", "limit=2"] {
        assert!(next.contains(kept), "{kept} missing from {next}");
    }
    let csv = hrefs(&first).into_iter().find(|h| h.starts_with("/inventory.csv")).expect("an export link");
    assert!(csv.contains("department=Finance") && csv.contains("tier=standard") && !csv.contains("limit="), "{csv}");
    let sort = hrefs(&first).into_iter().find(|h| h.contains("sort=kind")).expect("a kind sort header");
    assert!(sort.contains("department=Finance") && !sort.contains("cursor="), "{sort}");

    let (_, second) = app.html(&next).await;
    assert!(rows(&second).iter().all(|r| !rows(&first).contains(r)), "pages do not overlap");
    let third = hrefs(&second).into_iter().find(|h| h.contains("cursor=") && h.contains("back=~~"));
    assert!(third.is_some(), "page two links forward with the stack of the pages before it");
    let back = second
        .split("rel=\"prev\"")
        .next()
        .and_then(|before| hrefs(before).into_iter().last())
        .expect("a previous-page link");
    let (_, again) = app.html(&back).await;
    assert_eq!(rows(&again), rows(&first), "previous leads back to the first page");
}

/// Parse a CSV body: the header and the records.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().expect("a header row").iter().map(str::to_string).collect();
    let records =
        reader.records().map(|r| r.expect("a well-formed record").iter().map(str::to_string).collect()).collect();
    (header, records)
}

async fn csv_of(app: &TestApp, client: &reqwest::Client, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let response = client.get(app.url(path)).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert!(header(&response, "content-type").starts_with("text/csv"), "{path}");
    let disposition = header(&response, "content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"steward-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    parse_csv(&response.text().await.expect("the body"))
}

#[tokio::test]
async fn csv_holds_every_filtered_row_of_every_page() {
    let app = inventory_app().await;
    let filter = format!("tenant={TENANT}&kind=cloud_flow&unused_days=3&sort=-modified");
    let (items, total) = app.all_pages(&format!("/api/v1/resources?{filter}&limit=3")).await;
    assert!(total > 3, "the filter spans several pages ({total})");
    for path in [format!("/inventory.csv?{filter}&limit=3"), format!("/api/v1/resources?{filter}&limit=3&format=csv")] {
        let (header, records) = csv_of(&app, &app.client, &path).await;
        assert_eq!(header.first().map(String::as_str), Some("id"));
        for column in ["name", "environment", "owner", "criticality", "service_level", "compliance", "last_used"] {
            assert!(header.iter().any(|h| h == column), "{column} column in {header:?}");
        }
        let got: Vec<String> = records.iter().map(|r| r[0].clone()).collect();
        assert_eq!(got, ids(&items), "{path}: every row, in the list's order");
    }
    // Statuses and names are filled from the store.
    let (header, records) = csv_of(&app, &app.client, &format!("/inventory.csv?tenant={TENANT}")).await;
    let col = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let rich = records.iter().find(|r| r[0] == RICH).expect("the rich resource");
    assert_eq!(rich[col("environment")], "Finance Production");
    assert_eq!(rich[col("owner")], "Alice Ng");
    assert!(!rich[col("criticality")].is_empty() && !rich[col("service_level")].is_empty());
    let stored = known(&app).await.statuses.remove(RICH).expect("a status for the rich resource");
    assert_eq!(rich[col("compliance")], stored.compliance.as_str(), "as the run recorded it");
    assert_ne!(stored.compliance, ComplianceState::Compliant, "the fixture's widely shared app violates a policy");
    assert_eq!(rich[col("connectors")], "shared_sharepointonline;shared_sql");
}

#[tokio::test]
async fn csv_quotes_separators_and_defuses_formulas() {
    let app = inventory_app().await;
    let mut tricky = crate::fixtures::resource(TENANT, "env-fin", "r-csv", ResourceKind::CanvasApp, "x", "p-alice");
    tricky.display_name = "Budget, \"Q3\"\nplan".into();
    let mut formula = crate::fixtures::resource(TENANT, "env-fin", "r-formula", ResourceKind::CanvasApp, "x", "p-bob");
    formula.display_name = "=HYPERLINK(\"http://evil.example\",\"click\")".into();
    let mut plus = formula.clone();
    plus.id = "r-plus".into();
    plus.display_name = "+1+1".into();
    let mut at = formula.clone();
    at.id = "r-at".into();
    at.display_name = "@SUM(A1:A2)".into();
    let mut minus = formula.clone();
    minus.id = "r-minus".into();
    minus.display_name = "-2+3".into();
    let mut tx = app.store.begin_ingest().await.expect("begin");
    tx.upsert_resources(vec![tricky, formula, plus, at, minus]).await.expect("upsert");
    tx.commit().await.expect("commit");

    let response = app.get(&format!("/inventory.csv?tenant={TENANT}&environment=env-fin")).await;
    let text = response.text().await.expect("body");
    assert!(text.contains("\"Budget, \"\"Q3\"\"\nplan\""), "commas, quotes and newlines are quoted");
    let (header, records) = parse_csv(&text);
    let name = header.iter().position(|h| h == "name").expect("a name column");
    let by_id: HashMap<&str, &str> = records.iter().map(|r| (r[0].as_str(), r[name].as_str())).collect();
    assert_eq!(by_id["r-csv"], "Budget, \"Q3\"\nplan", "read back unchanged");
    assert_eq!(by_id["r-formula"], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(by_id["r-plus"], "'+1+1");
    assert_eq!(by_id["r-at"], "'@SUM(A1:A2)");
    assert_eq!(by_id["r-minus"], "'-2+3");
}

#[tokio::test]
async fn makers_see_only_their_own_rows_in_lists_and_exports() {
    let app = inventory_app().await;
    let maker = app.client_as(Role::Maker);
    let own: BTreeSet<String> = app
        .estate
        .resources
        .iter()
        .filter(|r| r.deleted_at.is_none())
        .filter(|r| r.owners.iter().any(|o| o.principal_id == "p-alice") || r.created_by.as_deref() == Some("p-alice"))
        .map(|r| r.id.clone())
        .collect();
    assert!(!own.is_empty() && own.len() < app.estate.live().count(), "the maker owns some, not all");

    let page = maker.get(app.url("/api/v1/resources?limit=1000")).send().await.expect("send");
    let body: serde_json::Value = page.json().await.expect("json");
    let got: BTreeSet<String> = ids(body["items"].as_array().expect("items")).into_iter().collect();
    assert_eq!(got, own, "API list");

    for path in ["/inventory.csv", "/api/v1/resources?format=csv"] {
        let (_, records) = csv_of(&app, &maker, path).await;
        let got: BTreeSet<String> = records.iter().map(|r| r[0].clone()).collect();
        assert_eq!(got, own, "{path}");
    }
    let html = maker.get(app.url("/inventory?limit=1000")).send().await.expect("send").text().await.expect("body");
    let rows: BTreeSet<String> =
        rows(&html).iter().filter_map(|h| h.strip_prefix("/resources/").map(str::to_string)).collect();
    assert_eq!(rows, own, "inventory page");
    assert!(html.contains("only the resources you own or created"));

    let makers = maker.get(app.url("/api/v1/makers")).send().await.expect("send");
    let body: serde_json::Value = makers.json().await.expect("json");
    assert_eq!(ids(body["items"].as_array().expect("items")), ["p-alice"], "a maker sees their own row only");

    // Others see everything.
    let viewer = app.client_as(Role::Viewer);
    let (_, records) = csv_of(&app, &viewer, &format!("/inventory.csv?tenant={TENANT}")).await;
    assert_eq!(records.len(), app.estate.live().count());
}

#[tokio::test]
async fn makers_page_api_and_csv_agree_with_the_estate() {
    let app = inventory_app().await;
    let owners_of = |p: &str| {
        app.estate
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.owners.iter().any(|o| o.principal_id == p))
            .count() as u64
    };
    let (items, total) = app.all_pages("/api/v1/makers?limit=2").await;
    let expected: Vec<&str> = {
        let mut makers: Vec<_> = app.estate.principals.iter().filter(|p| owners_of(&p.id) > 0).collect();
        makers.sort_by_key(|p| (p.display_name.to_lowercase(), p.id.clone()));
        makers.into_iter().map(|p| p.id.as_str()).collect()
    };
    assert_eq!(ids(&items), expected, "owners of live resources by name");
    assert_eq!(total, expected.len() as u64);
    for m in &items {
        let id = m["id"].as_str().unwrap_or_default();
        assert_eq!(m["resource_count"].as_u64(), Some(owners_of(id)), "{m}");
        let leaver = app.estate.principals.iter().find(|p| p.id == id).is_some_and(|p| p.is_leaver());
        assert_eq!(m["leaver"].as_bool(), Some(leaver), "{m}");
    }
    let (items, _) = app.all_pages("/api/v1/makers?leavers_only=true").await;
    assert_eq!(ids(&items), ["p-carol"]);
    let (items, _) = app.all_pages("/api/v1/makers?department=finance").await;
    assert_eq!(ids(&items), ["p-alice", "p-carol"]);

    let (status, html) = app.html("/makers?department=Finance").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Alice Ng") && html.contains("Carol Diaz") && !html.contains("Bob Ortiz"));
    assert!(html.contains(">Leaver<"), "Carol has left");
    assert!(hrefs(&html).iter().any(|h| h == "/makers.csv?department=Finance"), "the export keeps the filter");
    let (header, records) = csv_of(&app, &app.client, "/makers.csv?department=Finance").await;
    assert_eq!(header[0], "id");
    assert_eq!(records.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["p-alice", "p-carol"]);
}

#[tokio::test]
async fn connectors_and_environments_list_and_export() {
    let app = inventory_app().await;
    let using = |c: &str| {
        app.estate
            .resources
            .iter()
            .filter(|r| r.deleted_at.is_none() && r.connection_references.iter().any(|x| x.connector_id == c))
            .count() as u64
    };
    let (status, body) = app.json("/api/v1/connectors").await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().expect("items");
    assert_eq!(body["total"].as_u64(), Some(items.len() as u64));
    assert!(body["next"].is_null());
    for c in connectors() {
        let found = items.iter().find(|i| i["id"] == c.id.as_str()).expect("every listed connector");
        assert_eq!(found["resource_count"].as_u64(), Some(using(&c.id)), "{found}");
        assert_eq!(found["tier"], c.tier.as_str());
    }
    let (_, body) = app.json("/api/v1/connectors?tier=premium").await;
    assert_eq!(ids(body["items"].as_array().expect("items")), ["shared_sql"]);
    let (status, html) = app.html("/connectors").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("SQL Server") && hrefs(&html).iter().any(|h| h == "/inventory?connector=shared_sql#resources")
    );
    let (_, records) = csv_of(&app, &app.client, "/connectors.csv?tier=standard").await;
    assert_eq!(records.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["shared_sharepointonline"]);

    let (header, records) = csv_of(&app, &app.client, &format!("/environments.csv?tenant={TENANT}")).await;
    assert_eq!(header[0], "id");
    let got: BTreeSet<&str> = records.iter().map(|r| r[0].as_str()).collect();
    let want: BTreeSet<&str> =
        app.estate.environments.iter().filter(|e| e.tenant_id == TENANT).map(|e| e.id.as_str()).collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_resource_history_merges_every_source_newest_first() {
    let app = inventory_app().await;
    // A declaration (audit trail) and a stage move of its catalog item.
    let response = app
        .client
        .put(app.url(&format!("/api/v1/resources/{RICH}/governance")))
        .header("content-type", "application/json")
        .body(r#"{"justification":"used by the whole finance team"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let mut fields = ItemFields::new(ItemKind::App, "power_platform", "Expense claims");
    fields.resource_id = Some(RICH.into());
    let now = Utc::now();
    let item = NewCatalogItem {
        fields,
        stage: LifecycleStage::Pilot,
        created_by: "p-alice".into(),
        created_at: now,
        note: None,
    };
    let item = app.store.create_catalog_item(&item).await.expect("create an item");
    let stage = StageMove {
        expected_stage: LifecycleStage::Pilot,
        stage: LifecycleStage::Production,
        by: "admin".into(),
        at: now,
        note: None,
    };
    app.store.apply_stage_move(item.id, &stage).await.expect("move the stage");

    let (status, body) = app.json(&format!("/api/v1/resources/{RICH}/history")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().expect("items");
    let events: Vec<&str> = items.iter().map(|i| i["event"].as_str().unwrap_or_default()).collect();
    for event in ["inventory.created", "inventory.modified", "governance.declare", "violation.opened", "catalog.stage"]
    {
        assert!(events.contains(&event), "{event} in {events:?}");
    }
    let times: Vec<&str> = items.iter().map(|i| i["at"].as_str().unwrap_or_default()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let (status, html) = app.html(&format!("/resources/{RICH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"history-title\">History<") && html.contains("governance.declare"));
    let stored = known(&app).await.statuses.remove(RICH).expect("a status for the rich resource");
    assert!(html.contains(stored.compliance.label()), "the stored compliance state is shown");

    let maker = app.client_as(Role::Maker);
    let theirs = maker.get(app.url("/api/v1/resources/r-03/history")).send().await.expect("send");
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "another's resource is not found for a maker");
}

#[tokio::test]
async fn overview_shows_compliance_candidates_and_active_users_without_script() {
    let app = inventory_app().await;
    let (status, html) = app.html(&format!("/?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Compliance") && html.contains("open must") && html.contains("open should"));
    let summary = app.store.compliance_summary(Some(TENANT)).await.expect("summary");
    assert!(html.contains(&format!(">{}</a><span class=\"figure-label\">open should", summary.open_by_level.should)));
    assert!(
        hrefs(&html).iter().any(|h| h == &format!("/inventory?tenant={TENANT}&compliance=violating_must#resources"))
    );
    assert!(html.contains("Success candidates") && html.contains("Weekly active users"));
    assert_eq!(html.matches("<svg class=\"chart-svg\"").count(), 3, "two bar charts and the weekly users");
    assert!(!html.contains("<script"));
}
