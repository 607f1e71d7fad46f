//! The app catalog through HTTP: search and facets (API and store front), the publication
//! workflow with its checklist, stage moves with their history, ratings, reviews, access
//! requests, who may do what, and the CSRF token on the item page's forms.
//!
//! Expectations are computed from the items each test creates, not written down as numbers.

use crate::fixtures::RICH;
use crate::support::{TestApp, hrefs, new_user, spawn_app, unescape};
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use steward_model::Role;
use steward_store::auth::{AuditQuery, Session};
use steward_store::governance::{ComplianceFinding, ComplianceRun, Level, SubjectKind};

/// A resource of p-alice (the maker) in env-sales, which the environment admin does not administer.
const ALICES_IN_SALES: &str = "r-02";
/// A resource of p-bob in env-fin.
const BOBS_IN_FIN: &str = "r-12";
const MUST_POLICY: &str = "test.shared_with_everyone";

async fn call(app: &TestApp, role: Role, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.client_as(role).request(method, app.url(path));
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

/// Fields that pass every check of the checklist (for an item without a resource).
fn complete(title: &str, kind: &str, department: &str, tags: &[&str]) -> Value {
    json!({
        "title": title,
        "kind": kind,
        "summary": format!("{title}, ready to use."),
        "description": format!("{title} helps colleagues in {department} do their daily work faster; ask the owner for access."),
        "department": department,
        "tags": tags,
        "owner": "p-alice",
        "backup_owner": "p-carol",
        "support_tier": "it_blessed",
        "documentation_url": "https://docs.example.com/catalog/item",
        "screenshots": ["/static/catalog/app.svg"],
    })
}

fn id_of(body: &Value) -> i64 {
    body["id"].as_i64().unwrap_or_else(|| panic!("no id in {body}"))
}

/// Create as `role`, then submit and approve as admin: a listed item.
async fn listed(app: &TestApp, role: Role, body: Value) -> i64 {
    let (status, created) = call(app, role, Method::POST, "/api/v1/catalog/items", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = id_of(&created);
    let (status, b) = call(app, role, Method::POST, &format!("/api/v1/catalog/items/{id}/submit"), None).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let (status, b) = call(app, Role::Admin, Method::POST, &format!("/api/v1/catalog/items/{id}/approve"), None).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "listed");
    id
}

struct Spec {
    title: &'static str,
    kind: &'static str,
    department: &'static str,
    tags: &'static [&'static str],
    listed: bool,
}

const SPECS: [Spec; 7] = [
    Spec {
        title: "Travel expense claims",
        kind: "app",
        department: "Finance",
        tags: &["expenses", "travel"],
        listed: true,
    },
    Spec { title: "Invoice approval", kind: "flow", department: "Finance", tags: &["invoices"], listed: true },
    Spec { title: "Sales lead assistant", kind: "agent", department: "Sales", tags: &["leads"], listed: true },
    Spec { title: "Budget planner", kind: "app", department: "Finance", tags: &["budget"], listed: true },
    Spec { title: "Onboarding checklist", kind: "flow", department: "HR", tags: &["onboarding"], listed: true },
    Spec { title: "Receipt reader", kind: "ai_model", department: "Finance", tags: &["expenses", "ocr"], listed: true },
    Spec { title: "Payroll corrections", kind: "app", department: "HR", tags: &["payroll"], listed: false },
];

/// The specs' items, created as admin; listed ones approved. Returns (id, spec index).
async fn catalog_fixture(app: &TestApp) -> Vec<(i64, usize)> {
    let mut out = Vec::new();
    for (i, s) in SPECS.iter().enumerate() {
        let body = complete(s.title, s.kind, s.department, s.tags);
        let id = if s.listed {
            listed(app, Role::Admin, body).await
        } else {
            let (status, created) = call(app, Role::Admin, Method::POST, "/api/v1/catalog/items", Some(body)).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            id_of(&created)
        };
        out.push((id, i));
    }
    out
}

fn hit_ids(body: &Value) -> BTreeSet<i64> {
    body["hits"].as_array().into_iter().flatten().filter_map(|h| h["id"].as_i64()).collect()
}

fn facet_counts(body: &Value, facet: &str) -> BTreeMap<String, u64> {
    body["facets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["facet"] == facet)
        .flat_map(|f| f["values"].as_array().cloned().unwrap_or_default())
        .map(|v| (v["value"].as_str().unwrap_or_default().to_string(), v["count"].as_u64().unwrap_or(0)))
        .collect()
}

#[tokio::test]
async fn search_answers_listed_items_with_facet_counts_in_the_api_and_the_store_front() {
    let app = spawn_app().await;
    let items = catalog_fixture(&app).await;
    let listed: Vec<(i64, &Spec)> =
        items.iter().filter(|(_, i)| SPECS[*i].listed).map(|(id, i)| (*id, &SPECS[*i])).collect();
    let expect = |pred: &dyn Fn(&Spec) -> bool| -> BTreeSet<i64> {
        listed.iter().filter(|(_, s)| pred(s)).map(|(id, _)| *id).collect()
    };

    let (status, body) = app.json("/api/v1/catalog/search?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"].as_u64(), Some(listed.len() as u64));
    assert_eq!(hit_ids(&body), expect(&|_| true), "only listed items are searched");
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for (_, s) in &listed {
        *kinds.entry(s.kind.to_string()).or_default() += 1;
    }
    assert_eq!(facet_counts(&body, "kind"), kinds);

    // Two filters: AND across facets, OR within one; counts follow the result set.
    let (_, body) = app.json("/api/v1/catalog/search?kind=app&kind=flow&department=Finance").await;
    let wanted = expect(&|s| ["app", "flow"].contains(&s.kind) && s.department == "Finance");
    assert_eq!(hit_ids(&body), wanted);
    assert_eq!(body["total"].as_u64(), Some(wanted.len() as u64));
    let departments = facet_counts(&body, "department");
    assert_eq!(departments.get("Finance").copied(), Some(wanted.len() as u64));

    // Words, and a tag facet.
    let (_, body) = app.json("/api/v1/catalog/search?q=expenses").await;
    assert_eq!(hit_ids(&body), expect(&|s| s.tags.contains(&"expenses")));
    let (_, body) = app.json("/api/v1/catalog/search?tag=ocr").await;
    assert_eq!(hit_ids(&body), expect(&|s| s.tags.contains(&"ocr")));

    // Pages: two at a time, every item once.
    let mut seen = BTreeSet::new();
    for page in 1..=listed.len().div_ceil(2) {
        let (_, body) = app.json(&format!("/api/v1/catalog/search?per_page=2&page={page}")).await;
        let ids = hit_ids(&body);
        assert!(ids.len() <= 2 && seen.is_disjoint(&ids), "page {page}: {ids:?}");
        seen.extend(ids);
    }
    assert_eq!(seen, expect(&|_| true));
    let (status, body) = app.json("/api/v1/catalog/search?page=0").await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_parameter")));

    // The store front: the same filters from the URL, cards of the matching items only, and
    // facet links that keep the other filters.
    let (status, html) = app.html("/catalog?q=expenses&kind=app").await;
    assert_eq!(status, StatusCode::OK);
    for (_, s) in &listed {
        let shown = html.contains(s.title);
        let matches = s.tags.contains(&"expenses") && s.kind == "app";
        assert_eq!(shown, matches, "{} shown: {shown}", s.title);
    }
    let links = hrefs(&html);
    let department_link = links
        .iter()
        .find(|h| h.starts_with("/catalog?") && h.contains("department=Finance"))
        .unwrap_or_else(|| panic!("a department facet link: {links:?}"));
    assert!(department_link.contains("q=expenses") && department_link.contains("kind=app"), "{department_link}");
    let remove_kind = links.iter().any(|h| h == "/catalog?q=expenses");
    assert!(remove_kind, "the selected kind's link removes it and keeps the words: {links:?}");
    let results = html.split("class=\"catalog-layout\"").nth(1).unwrap_or_default();
    assert!(results.contains(SPECS[0].title) && !results.contains("Payroll corrections"), "drafts are never results");

    // Kinds combine with OR: with "app" chosen, the kind facet still offers "flow" with the
    // count it would add (the API's counts follow the result set, where flows are 0).
    let flows = expect(&|s| s.kind == "flow").len();
    assert!(flows > 0, "the fixture lists flows");
    let (_, html) = app.html("/catalog?kind=app").await;
    let add_flow = hrefs(&html).into_iter().any(|h| h == "/catalog?kind=app&kind=flow");
    assert!(add_flow, "a link adds a second kind");
    let link = html
        .split("<a ")
        .find(|a| unescape(a).contains("href=\"/catalog?kind=app&kind=flow\""))
        .and_then(|a| a.split("</a>").next())
        .unwrap_or_default();
    assert!(link.contains(&format!("facet-count\">{flows}<")), "the flow count is what choosing it adds: {link}");
}

#[tokio::test]
async fn the_landing_view_leads_with_the_hero_and_the_featured_items() {
    let app = spawn_app().await;
    let items = catalog_fixture(&app).await;
    let (hero, featured) = (items[2].0, items[3].0);
    let path = |id: i64| format!("/api/v1/catalog/items/{id}/feature");
    let (status, b) = call(&app, Role::Maker, Method::POST, &path(hero), Some(json!({"hero": true}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins only: {b}");
    let (status, b) = call(&app, Role::Admin, Method::POST, &path(hero), Some(json!({"hero": true}))).await;
    assert_eq!((status, b["hero"].as_bool()), (StatusCode::OK, Some(true)), "{b}");
    let (status, b) = call(&app, Role::Admin, Method::POST, &path(featured), Some(json!({"featured": true}))).await;
    assert_eq!((status, b["featured"].as_bool(), b["hero"].as_bool()), (StatusCode::OK, Some(true), Some(false)));

    let (_, body) = app.json("/api/v1/catalog/search?featured=true").await;
    assert_eq!(hit_ids(&body), BTreeSet::from([featured]));
    let (_, html) = app.html("/catalog").await;
    let spotlight = html.split("class=\"catalog-hero\"").nth(1).unwrap_or_default();
    let spotlight = spotlight.split("featured-title").next().unwrap_or_default();
    assert!(
        spotlight.contains(SPECS[2].title) && !spotlight.contains(SPECS[3].title),
        "the hero leads the landing view"
    );
    let featured_row = html.split("id=\"featured-title\"").nth(1).unwrap_or_default();
    let featured_row = featured_row.split("catalog-layout").next().unwrap_or_default();
    assert!(featured_row.contains(SPECS[3].title) && !featured_row.contains(SPECS[0].title));
    let (_, html) = app.html("/catalog?q=budget").await;
    assert!(!html.contains("class=\"catalog-hero\""), "a search shows results, not the banner");
}

async fn record_must_violation(app: &TestApp, resource: &str, open: bool) {
    let finding = ComplianceFinding {
        policy_id: MUST_POLICY.into(),
        policy_version: 1,
        level: Level::Must,
        subject_kind: SubjectKind::Resource,
        subject_id: resource.into(),
        tenant_id: crate::fixtures::TENANT.into(),
        environment_id: "env-fin".into(),
        evidence: json!({"resource.shared_with_everyone": true}),
        exemption_id: None,
    };
    let run = ComplianceRun {
        at: Utc::now(),
        policy_set_version: "test".into(),
        tenant_id: None,
        subjects_evaluated: 1,
        policies: vec![MUST_POLICY.into()],
        findings: if open { vec![finding] } else { Vec::new() },
        statuses: Vec::new(),
    };
    app.store.record_compliance(&run).await.expect("record a compliance run");
}

fn failing(body: &Value) -> BTreeSet<String> {
    body["checklist"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["passed"] == false)
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_maker_proposes_fixes_the_checklist_submits_and_an_environment_admin_lists_it() {
    let app = spawn_app().await;
    record_must_violation(&app, RICH, true).await;
    let mut body = complete("Expense tracker", "app", "Finance", &["expenses"]);
    body["resource_id"] = json!(RICH);
    body["description"] = json!("Too short.");
    let (status, created) = call(&app, Role::Maker, Method::POST, "/api/v1/catalog/items", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = id_of(&created);
    assert_eq!((created["state"].as_str(), created["stage"].as_str()), (Some("draft"), Some("idea")));
    assert_eq!(created["created_by"], "p-alice", "the maker's principal");
    let (_, assessed) = app.json(&format!("/api/v1/resources/{RICH}/responsibility")).await;
    assert_eq!(created["criticality"], assessed["responsibility"]["criticality"], "the resource's criticality");
    assert!(created["criticality"].is_string());
    let (status, _) = call(&app, Role::Maker, Method::POST, "/api/v1/catalog/items", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT, "one item per resource");

    // The checklist names what is missing: the description and the open must violation.
    let submit = format!("/api/v1/catalog/items/{id}/submit");
    let (status, refused) = call(&app, Role::Maker, Method::POST, &submit, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "checklist_failed");
    assert_eq!(failing(&refused), BTreeSet::from(["description".to_string(), "violations".to_string()]));
    assert!(refused["error"]["message"].as_str().is_some_and(|m| m.contains(MUST_POLICY)));
    let (_, page) = app.html(&format!("/catalog/{id}")).await;
    assert!(page.contains("data-check=\"violations\"") && page.contains("Fail"), "the page shows the checklist");

    // Fix both, then submit: it waits for approval and is not searchable yet.
    body["description"] = json!("Tracks expense claims from submission to payment, for every employee of Finance.");
    body["expected_seq"] = created["seq"].clone();
    let (status, edited) =
        call(&app, Role::Maker, Method::PUT, &format!("/api/v1/catalog/items/{id}"), Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let (status, _) = call(&app, Role::Maker, Method::PUT, &format!("/api/v1/catalog/items/{id}"), Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT, "an edit made on an old copy is refused");
    record_must_violation(&app, RICH, false).await;
    let (status, b) =
        call(&app, Role::Maker, Method::GET, &format!("/api/v1/catalog/items/{id}/checklist"), None).await;
    assert_eq!((status, b["passes"].as_bool()), (StatusCode::OK, Some(true)), "{b}");
    let (status, submitted) =
        call(&app, Role::Maker, Method::POST, &submit, Some(json!({"note": "please list"}))).await;
    assert_eq!((status, submitted["state"].as_str()), (StatusCode::OK, Some("submitted")), "{submitted}");
    let (_, found) = app.json("/api/v1/catalog/search?q=tracker").await;
    assert!(!hit_ids(&found).contains(&id), "not listed before approval");
    let (_, queue) =
        call(&app, Role::EnvironmentAdmin, Method::GET, "/api/v1/catalog/items?state=submitted", None).await;
    assert!(queue["items"].as_array().into_iter().flatten().any(|i| i["id"] == id), "in the review queue: {queue}");

    // Makers do not approve; the admin of the resource's environment does.
    let approve = format!("/api/v1/catalog/items/{id}/approve");
    let (status, _) = call(&app, Role::Maker, Method::POST, &approve, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, approved) = call(&app, Role::EnvironmentAdmin, Method::POST, &approve, None).await;
    assert_eq!((status, approved["state"].as_str()), (StatusCode::OK, Some("listed")), "{approved}");
    let (_, found) = app.json("/api/v1/catalog/search?q=tracker").await;
    assert_eq!(hit_ids(&found), BTreeSet::from([id]), "listed and searchable at once");
    let (_, html) = app.html("/catalog?q=tracker").await;
    assert!(html.contains("Expense tracker"));

    // The history: creation, submission (with its checklist), approval; the refused submit left none.
    let (_, detail) = app.json(&format!("/api/v1/catalog/items/{id}")).await;
    let steps: Vec<&str> =
        detail["publication_history"].as_array().into_iter().flatten().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(steps, ["create", "submit", "approve"]);
    assert_eq!(detail["publication_history"][1]["note"], "please list");
    assert!(detail["publication_history"][2]["checklist"].as_array().is_some_and(|c| c.len() == 6));
    assert_eq!(detail["publication_history"][2]["by"], "envadmin");

    let trail = app.store.list_audit(&AuditQuery::default()).await.expect("audit");
    let target = format!("catalog_item:{id}");
    let actions: Vec<(&str, &str)> =
        trail.iter().rev().filter(|e| e.target == target).map(|e| (e.actor.as_str(), e.action.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("maker", "catalog.create"),
            ("maker", "catalog.update"),
            ("maker", "catalog.submit"),
            ("envadmin", "catalog.approve")
        ]
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_the_fixed_item_can_be_submitted_again() {
    let app = spawn_app().await;
    let (_, created) = call(
        &app,
        Role::Admin,
        Method::POST,
        "/api/v1/catalog/items",
        Some(complete("Vendor onboarding", "flow", "Procurement", &["vendors"])),
    )
    .await;
    let id = id_of(&created);
    let (status, _) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/catalog/items/{id}/submit"), None).await;
    assert_eq!(status, StatusCode::OK);
    let reject = format!("/api/v1/catalog/items/{id}/reject");
    let (status, b) = call(&app, Role::EnvironmentAdmin, Method::POST, &reject, Some(json!({"reason": "no"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no resource, so no environment: platform admins only: {b}");
    let (status, b) = call(&app, Role::Admin, Method::POST, &reject, Some(json!({}))).await;
    assert_eq!((status, b["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_parameter")), "{b}");
    let (status, b) =
        call(&app, Role::Admin, Method::POST, &reject, Some(json!({"reason": "Name the vendor system it writes to"})))
            .await;
    assert_eq!((status, b["state"].as_str()), (StatusCode::OK, Some("rejected")), "{b}");
    let (status, _) = call(&app, Role::Admin, Method::POST, &format!("/api/v1/catalog/items/{id}/approve"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a rejected item is not approved");

    // The maker (the item's owner) sees the reason on the page and submits again.
    let (status, html) = call_html(&app, Role::Maker, &format!("/catalog/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Name the vendor system it writes to") && html.contains("Rejected"));
    let (status, b) = call(&app, Role::Maker, Method::POST, &format!("/api/v1/catalog/items/{id}/submit"), None).await;
    assert_eq!((status, b["state"].as_str()), (StatusCode::OK, Some("submitted")), "{b}");
}

async fn call_html(app: &TestApp, role: Role, path: &str) -> (StatusCode, String) {
    let response = app.client_as(role).get(app.url(path)).send().await.expect("send");
    (response.status(), response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn stages_move_one_step_at_a_time_and_the_history_says_who_moved_them() {
    let app = spawn_app().await;
    let mut body = complete("Lead scoring", "agent", "Sales", &[]);
    body["resource_id"] = json!(ALICES_IN_SALES);
    let (status, created) = call(&app, Role::Maker, Method::POST, "/api/v1/catalog/items", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = id_of(&created);
    let stage = format!("/api/v1/catalog/items/{id}/stage");
    let mut moves = Vec::new();
    for (role, to, expected) in [
        (Role::Maker, "prototype", StatusCode::OK),
        (Role::Maker, "production", StatusCode::CONFLICT),
        (Role::Maker, "pilot", StatusCode::OK),
        (Role::EnvironmentAdmin, "production", StatusCode::FORBIDDEN),
        (Role::Viewer, "production", StatusCode::FORBIDDEN),
        (Role::Maker, "retired", StatusCode::OK),
        (Role::Maker, "pilot", StatusCode::CONFLICT),
        (Role::Admin, "production", StatusCode::OK),
    ] {
        let (status, b) =
            call(&app, role, Method::POST, &stage, Some(json!({"to": to, "note": format!("to {to}")}))).await;
        assert_eq!(status, expected, "{role:?} to {to}: {b}");
        if status == StatusCode::OK {
            moves.push((to, app.account(role).user.username.clone()));
        }
    }
    let (_, detail) = app.json(&format!("/api/v1/catalog/items/{id}")).await;
    let history: Vec<(String, String)> = detail["stage_history"]
        .as_array()
        .into_iter()
        .flatten()
        .skip(1)
        .map(|e| {
            (e["to_stage"].as_str().unwrap_or_default().to_string(), e["by"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = moves.iter().map(|(to, by)| (to.to_string(), by.clone())).collect();
    assert_eq!(history, expected);
    assert_eq!(detail["stage"], "production");
    let (_, html) = app.html(&format!("/catalog/{id}")).await;
    assert!(html.contains("Retired → Production") && html.contains("to retired"), "the page lists the moves");
    // The resource page takes its lifecycle stage and catalog state from the catalog, linked.
    let (_, resource) = app.html(&format!("/resources/{ALICES_IN_SALES}")).await;
    assert!(resource.contains("Production (catalog)"), "stage from the catalog on the resource page");
    assert!(resource.contains("Draft (catalog)"), "publication state from the catalog on the resource page");
    assert!(resource.contains(&format!("href=\"/catalog/{id}\"")), "linked to the catalog item");
}

#[tokio::test]
async fn anyone_signed_in_rates_reviews_and_requests_access_and_the_owner_decides() {
    let app = spawn_app().await;
    let id = listed(&app, Role::Admin, complete("Holiday planner", "app", "HR", &["leave"])).await;
    let rating = format!("/api/v1/catalog/items/{id}/rating");
    let (status, b) = call(&app, Role::Viewer, Method::PUT, &rating, Some(json!({"stars": 4}))).await;
    assert_eq!((status, b["count"].as_u64(), b["average"].as_f64()), (StatusCode::OK, Some(1), Some(4.0)), "{b}");
    let (_, b) = call(&app, Role::Viewer, Method::PUT, &rating, Some(json!({"stars": 2}))).await;
    assert_eq!((b["count"].as_u64(), b["average"].as_f64()), (Some(1), Some(2.0)), "rating again replaces: {b}");
    let (_, b) = call(&app, Role::Maker, Method::PUT, &rating, Some(json!({"stars": 5}))).await;
    assert_eq!((b["count"].as_u64(), b["average"].as_f64()), (Some(2), Some(3.5)));
    let (status, _) = call(&app, Role::Viewer, Method::PUT, &rating, Some(json!({"stars": 6}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, detail) = call(&app, Role::Viewer, Method::GET, &format!("/api/v1/catalog/items/{id}"), None).await;
    assert_eq!(detail["my_rating"], 2);
    let (_, found) = app.json("/api/v1/catalog/search?q=holiday").await;
    assert_eq!(found["hits"][0]["rating_average"].as_f64(), Some(3.5), "the index follows ratings");

    let reviews = format!("/api/v1/catalog/items/{id}/reviews");
    for (role, text) in [(Role::Viewer, "Saves me an hour a week."), (Role::Maker, "Works on the phone too.")] {
        let (status, b) = call(&app, role, Method::POST, &reviews, Some(json!({ "text": text }))).await;
        assert_eq!(status, StatusCode::CREATED, "{b}");
    }
    let (status, _) = call(&app, Role::Viewer, Method::POST, &reviews, Some(json!({"text": "  "}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, list) = app.json(&reviews).await;
    let texts: Vec<&str> = list["items"].as_array().into_iter().flatten().filter_map(|r| r["text"].as_str()).collect();
    assert_eq!(texts, ["Works on the phone too.", "Saves me an hour a week."], "newest first");
    let (_, html) = app.html(&format!("/catalog/{id}")).await;
    assert!(html.contains("3.5 out of 5 from 2 ratings") && html.contains("Saves me an hour a week."));

    // Access: the viewer asks once; the owner (the maker is p-alice) sees and decides.
    let requests = format!("/api/v1/catalog/items/{id}/access-requests");
    let (status, request) =
        call(&app, Role::Viewer, Method::POST, &requests, Some(json!({"reason": "I plan my team's leave"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    let (status, _) = call(&app, Role::Viewer, Method::POST, &requests, Some(json!({"reason": "again"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "one open request per person");
    let (status, _) = call(&app, Role::Viewer, Method::POST, &requests, Some(json!({"reason": ""}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reason is required");
    let (_, mine) = call(&app, Role::Maker, Method::GET, "/api/v1/catalog/access-requests?state=requested", None).await;
    assert_eq!(mine["total"], 1, "the owner sees requests on their items: {mine}");
    let other = new_user("mallory", Role::Maker, None);
    let other = steward_store::auth::User { principal_id: Some("p-bob".into()), ..other };
    app.store.create_user(&other).await.expect("create a user");
    let token = crate::support::add_token(app.store.as_ref(), &other, Role::Maker).await;
    let mallory = crate::support::client_with_token(Some(&token));
    let body: Value =
        mallory.get(app.url("/api/v1/catalog/access-requests")).send().await.expect("send").json().await.expect("json");
    assert_eq!(body["total"], 0, "another maker sees none: {body}");

    let decide = format!("{requests}/{}/decide", id_of(&request));
    let response = mallory.post(app.url(&decide)).json(&json!({"decision": "granted"})).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "only who manages the item decides");
    let (status, b) = call(&app, Role::Viewer, Method::POST, &decide, Some(json!({"decision": "granted"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers decide nothing: {b}");
    let (status, b) = call(
        &app,
        Role::Maker,
        Method::POST,
        &decide,
        Some(json!({"decision": "granted", "note": "added to the group"})),
    )
    .await;
    assert_eq!(
        (status, b["state"].as_str(), b["decided_by"].as_str()),
        (StatusCode::OK, Some("granted"), Some("maker")),
        "{b}"
    );
    let (status, _) = call(&app, Role::Maker, Method::POST, &decide, Some(json!({"decision": "declined"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "decided already");
    let (_, html) = call_html(&app, Role::Viewer, &format!("/catalog/{id}")).await;
    assert!(html.contains("Granted") && html.contains("added to the group"), "the requester sees the decision");

    // Drafts take no ratings.
    let (_, draft) =
        call(&app, Role::Admin, Method::POST, "/api/v1/catalog/items", Some(complete("Draft thing", "app", "HR", &[])))
            .await;
    let (status, _) = call(
        &app,
        Role::Viewer,
        Method::PUT,
        &format!("/api/v1/catalog/items/{}/rating", id_of(&draft)),
        Some(json!({"stars": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn makers_act_on_their_own_items_only_and_viewers_change_nothing() {
    let app = spawn_app().await;
    let items = "/api/v1/catalog/items";
    let mut body = complete("Bob's pipeline", "flow", "Sales", &[]);
    body["resource_id"] = json!(BOBS_IN_FIN);
    let (status, b) = call(&app, Role::Maker, Method::POST, items, Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not the maker's resource: {b}");
    let (status, _) = call(&app, Role::Viewer, Method::POST, items, Some(complete("Idea", "app", "IT", &[]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers propose nothing");

    // A draft of someone else: invisible to the maker, readable by the board.
    body["owner"] = json!("p-bob");
    body["backup_owner"] = json!("p-dave");
    let (status, draft) = call(&app, Role::EnvironmentAdmin, Method::POST, items, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let draft = id_of(&draft);
    let (status, _) = call(&app, Role::Maker, Method::GET, &format!("{items}/{draft}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Role::Viewer, Method::GET, &format!("{items}/{draft}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = call(&app, Role::Maker, Method::GET, &format!("{items}?state=draft"), None).await;
    assert!(list["items"].as_array().into_iter().flatten().all(|i| i["id"] != draft), "{list}");

    // A listed item of someone else: visible, not changeable.
    let listed_id = listed(&app, Role::Admin, {
        let mut b = complete("Team calendar", "app", "IT", &[]);
        b["owner"] = json!("p-dave");
        b["backup_owner"] = json!("p-bob");
        b
    })
    .await;
    let path = format!("{items}/{listed_id}");
    let (status, _) = call(&app, Role::Maker, Method::PUT, &path, Some(complete("Mine now", "app", "IT", &[]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for step in ["withdraw", "submit"] {
        let (status, _) = call(&app, Role::Maker, Method::POST, &format!("{path}/{step}"), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{step}");
    }
    let (status, _) = call(&app, Role::Viewer, Method::POST, &format!("{path}/withdraw"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        call(&app, Role::Maker, Method::POST, &format!("{path}/feature"), Some(json!({"featured": true}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The environment admin approves in env-fin only.
    let mut sales = complete("Alice's sales app", "app", "Sales", &[]);
    sales["resource_id"] = json!(ALICES_IN_SALES);
    let (_, sales) = call(&app, Role::Maker, Method::POST, items, Some(sales)).await;
    let sales = id_of(&sales);
    let (status, _) = call(&app, Role::Maker, Method::POST, &format!("{items}/{sales}/submit"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, b) = call(&app, Role::EnvironmentAdmin, Method::POST, &format!("{items}/{sales}/approve"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
    assert!(b["error"]["message"].as_str().is_some_and(|m| m.contains("env-sales")), "{b}");

    // Pages: the propose form is for makers; the item page shows managers' forms only to them.
    let (status, _) = call_html(&app, Role::Viewer, &format!("/catalog/new?resource={RICH}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = call_html(&app, Role::Maker, &format!("/catalog/new?resource={RICH}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"resource_id\" value=\"r-00\""), "the form names the resource");
    let (status, _) = call_html(&app, Role::Maker, &format!("/catalog/new?resource={BOBS_IN_FIN}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = call_html(&app, Role::Viewer, &format!("/catalog/{listed_id}")).await;
    assert!(!html.contains("/withdraw") && !html.contains("/edit") && html.contains("/rate"));
    let (_, html) = call_html(&app, Role::Admin, &format!("/catalog/{listed_id}")).await;
    assert!(html.contains("/withdraw") && html.contains("/edit") && html.contains("/feature"));
}

/// A browser session for the maker: cookie value and CSRF token (stored directly, as sign-in
/// would).
async fn maker_session(app: &TestApp) -> (String, String) {
    let (cookie, id_hash) = steward_credentials::new_token();
    let (csrf, _) = steward_credentials::new_token();
    let now = Utc::now();
    let session = Session {
        id_hash,
        user_id: app.account(Role::Maker).user.id.clone(),
        csrf_token: csrf.clone(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(1),
        last_seen_at: now,
    };
    app.store.create_session(&session).await.expect("create a session");
    (cookie, csrf)
}

#[tokio::test]
async fn the_item_forms_work_with_the_session_csrf_token_and_refuse_without_it() {
    let app = spawn_app().await;
    let (cookie, csrf) = maker_session(&app).await;
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        app.anonymous().post(app.url(&path)).header("cookie", format!("steward_session={cookie}")).form(&fields).send()
    };

    // Propose through the form, for the maker's own resource.
    let fields = vec![
        ("title", "Expense claims".to_string()),
        ("kind", "app".into()),
        ("resource_id", RICH.into()),
        ("stage", "pilot".into()),
        ("description", "Short".into()),
        ("tags", "expenses, travel".into()),
    ];
    let refused = post("/catalog/new".into(), fields.clone()).await.expect("send");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "no CSRF token, no change");
    let mut with_token = fields.clone();
    with_token.push(("csrf", csrf.clone()));
    let response = post("/catalog/new".into(), with_token).await.expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = crate::support::header(&response, "location");
    let id: i64 = location
        .strip_prefix("/catalog/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("redirected to the item: {location}"));
    let (_, item) = app.json(&format!("/api/v1/catalog/items/{id}")).await;
    assert_eq!((item["stage"].as_str(), item["owner"].as_str()), (Some("pilot"), Some("p-alice")), "{item}");
    assert_eq!(item["tags"], json!(["expenses", "travel"]));

    // Submitting through the page shows the failing checks (422) instead of redirecting.
    let response = post(format!("/catalog/{id}/submit"), vec![("csrf", csrf.clone())]).await.expect("send");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&response.text().await.expect("page"));
    assert!(html.contains("the publication checklist does not pass") && html.contains("Description"));

    // The edit form keeps what was typed when it is refused, and saves with the token.
    let edit = |description: &str, seq: &str| {
        vec![
            ("title", "Expense claims".to_string()),
            ("kind", "app".into()),
            ("description", description.to_string()),
            ("owner", "p-alice".into()),
            ("documentation_url", "javascript:alert(1)".into()),
            ("expected_seq", seq.to_string()),
            ("csrf", csrf.clone()),
        ]
    };
    let seq = item["seq"].to_string();
    let response = post(format!("/catalog/{id}/edit"), edit("Typed text to keep", &seq)).await.expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "not an http link");
    assert!(response.text().await.expect("page").contains("Typed text to keep"));
    let mut fields = edit("A longer description of what the claims app does for Finance employees.", &seq);
    fields.retain(|(k, _)| *k != "documentation_url");
    let response = post(format!("/catalog/{id}/edit"), fields).await.expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::support::header(&response, "location"), format!("/catalog/{id}?done=edited"));

    // Stage move through the form, without and with the token.
    let response = post(format!("/catalog/{id}/stage"), vec![("to", "production".into())]).await.expect("send");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(format!("/catalog/{id}/stage"), vec![("to", "production".into()), ("csrf", csrf.clone())])
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, item) = app.json(&format!("/api/v1/catalog/items/{id}")).await;
    assert_eq!(item["stage"], "production");
    assert_eq!(item["description"], "A longer description of what the claims app does for Finance employees.");
}

#[tokio::test]
async fn placeholders_are_served_for_every_kind_and_nothing_else() {
    let app = spawn_app().await;
    let response = app.anonymous().get(app.url("/static/catalog/ai_model.svg")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(crate::support::header(&response, "content-type"), "image/svg+xml");
    assert!(response.text().await.expect("svg").contains("AI model"));
    let response = app.anonymous().get(app.url("/static/catalog/spreadsheet.svg")).send().await.expect("send");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
