//! The JSON API: shapes, filters, sorting, paging and errors.

use crate::fixtures::{DELETED, OTHER_TENANT, RICH, TENANT};
use crate::support::{TestApp, ids, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use steward_model::{Resource, ResourceKind};

fn assert_error(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) -> String {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let object = body["error"].as_object().expect("error is an object");
    assert_eq!(object.len(), 2, "the error shape is exactly code and message: {body}");
    body["error"]["message"].as_str().expect("message is a string").to_string()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn resource_ids(app: &TestApp, path: &str) -> (Vec<String>, u64) {
    let (items, total) = app.all_pages(path).await;
    (ids(&items), total)
}

fn expected_ids<'a>(resources: impl Iterator<Item = &'a Resource>) -> Vec<String> {
    sorted(resources.map(|r| r.id.clone()).collect())
}

#[tokio::test]
async fn overview_figures_match_the_estate() {
    let app = spawn_app().await;
    let (status, body) = app.json(&format!("/api/v1/overview?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let live: Vec<&Resource> = app.estate.live().collect();
    assert_eq!(body["environments"], 3);
    assert_eq!(body["resources"], live.len() as u64);
    assert_eq!(body["principals"], 4);
    let makers: HashSet<&str> = live.iter().flat_map(|r| r.owners.iter().map(|o| o.principal_id.as_str())).collect();
    assert_eq!(body["makers"], makers.len() as u64);
    // Carol left; resources she alone owns are orphaned.
    let orphaned = live.iter().filter(|r| r.owners.iter().all(|o| o.principal_id == "p-carol")).count();
    assert_eq!(body["orphaned_resources"], orphaned as u64);
    assert_eq!(body["usage_events"], app.estate.events.len() as u64);
    assert_eq!(body["active_users_30d"], 3);
    let by_kind = body["by_kind"].as_array().expect("by_kind is an array");
    let flows = live.iter().filter(|r| r.kind == ResourceKind::CloudFlow).count() as u64;
    assert_eq!(by_kind[0]["kind"], "cloud_flow", "largest kind first: {body}");
    assert_eq!(by_kind[0]["count"], flows);
    assert!(body["top_environments"].as_array().is_some_and(|e| e.len() == 3), "{body}");

    let (_, all) = app.json("/api/v1/overview?tenant=").await;
    assert_eq!(all["resources"], live.len() as u64 + 1, "empty tenant means every tenant: {all}");
}

#[tokio::test]
async fn environments_list_with_counts_search_and_detail() {
    let app = spawn_app().await;
    let (status, body) = app.json(&format!("/api/v1/environments?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 3);
    assert!(body["next"].is_null());
    let items = body["items"].as_array().expect("items");
    let fin = items.iter().find(|e| e["id"] == "env-fin").expect("env-fin listed");
    assert_eq!(fin["display_name"], "Finance Production");
    assert_eq!(fin["environment_type"], "production");
    let in_fin = app.estate.live().filter(|r| r.environment_id == "env-fin").count() as u64;
    assert_eq!(fin["resource_count"], in_fin);

    let (_, found) = app.json("/api/v1/environments?q=SALES").await;
    assert_eq!(ids(found["items"].as_array().expect("items")), vec!["env-sales"]);

    let (items, total) = app.all_pages("/api/v1/environments?limit=1").await;
    assert_eq!(total, 4);
    assert_eq!(sorted(ids(&items)), vec!["env-default", "env-fab", "env-fin", "env-sales"]);

    let (status, env) = app.json("/api/v1/environments/env-sales").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(env["display_name"], "Sales Sandbox");
    assert_eq!(env["tenant_id"], TENANT);

    let (status, body) = app.json("/api/v1/environments/env-nope").await;
    let message = assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert!(message.contains("env-nope"), "{message}");
}

#[tokio::test]
async fn resource_list_shape_and_default_paging() {
    let app = spawn_app().await;
    let (status, body) = app.json(&format!("/api/v1/resources?tenant={TENANT}&limit=10")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], app.estate.live().count() as u64);
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    assert!(body["next"].is_string(), "{body}");
    let first: Resource = serde_json::from_value(items[0].clone()).expect("items are resources");
    assert_eq!(first.tenant_id, TENANT);
    assert!(items.iter().all(|i| i["kind"].is_string() && i["owners"].is_array()));
}

#[tokio::test]
async fn paging_visits_every_resource_exactly_once_in_every_order() {
    let app = spawn_app().await;
    let expected = expected_ids(app.estate.resources.iter().filter(|r| r.deleted_at.is_none()));
    for sort in ["name", "-created", "-modified"] {
        let (items, total) = app.all_pages(&format!("/api/v1/resources?limit=7&sort={sort}")).await;
        let seen = ids(&items);
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "sort={sort}: an item appeared twice: {seen:?}");
        assert_eq!(sorted(seen), expected, "sort={sort}");
        assert_eq!(total, expected.len() as u64);
    }
    let (items, _) = app.all_pages("/api/v1/resources?kind=cloud_flow&limit=4").await;
    let flows = expected_ids(
        app.estate.resources.iter().filter(|r| r.deleted_at.is_none() && r.kind == ResourceKind::CloudFlow),
    );
    assert_eq!(sorted(ids(&items)), flows);
}

#[tokio::test]
async fn sort_orders_are_applied() {
    let app = spawn_app().await;
    let path = format!("/api/v1/resources?tenant={TENANT}&limit=1000");
    let (_, by_name) = app.json(&format!("{path}&sort=name")).await;
    let names: Vec<String> = by_name["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["display_name"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);

    for (sort, field) in [("-created", "created_at"), ("-modified", "modified_at")] {
        let (_, body) = app.json(&format!("{path}&sort={sort}")).await;
        let dates: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i[field].as_str().unwrap_or_default().into())
            .collect();
        let mut newest_first = dates.clone();
        newest_first.sort_by(|a, b| b.cmp(a));
        assert_eq!(dates, newest_first, "sort={sort}");
        assert_eq!(dates.len(), app.estate.live().count());
    }
}

#[tokio::test]
async fn each_resource_filter_narrows_the_list() {
    let app = spawn_app().await;
    let estate = &app.estate;

    let (got, total) = resource_ids(&app, &format!("/api/v1/resources?tenant={TENANT}&kind=agent")).await;
    assert_eq!(sorted(got), expected_ids(estate.live().filter(|r| r.kind == ResourceKind::Agent)));
    assert!(total > 0);

    let (got, _) = resource_ids(&app, &format!("/api/v1/resources?tenant={TENANT}&environment=env-sales")).await;
    assert_eq!(sorted(got), expected_ids(estate.live().filter(|r| r.environment_id == "env-sales")));

    let owned_by_bob = expected_ids(estate.live().filter(|r| r.owners.iter().any(|o| o.principal_id == "p-bob")));
    let (got, _) = resource_ids(&app, "/api/v1/resources?owner=p-bob").await;
    assert_eq!(sorted(got), owned_by_bob);
    let (got, _) = resource_ids(&app, "/api/v1/resources?owner=BOB@contoso.example").await;
    assert_eq!(sorted(got), owned_by_bob, "owner matches a UPN case-insensitively");

    let (got, _) = resource_ids(&app, &format!("/api/v1/resources?tenant={TENANT}&q=INVOICE")).await;
    assert_eq!(sorted(got), expected_ids(estate.live().filter(|r| r.display_name.to_lowercase().contains("invoice"))));

    let (got, _) = resource_ids(&app, &format!("/api/v1/resources?tenant={OTHER_TENANT}")).await;
    assert_eq!(got, vec!["r-fab"]);

    let (got, _) = resource_ids(&app, &format!("/api/v1/resources?tenant={TENANT}&include_deleted=true")).await;
    assert!(got.contains(&DELETED.to_string()));
    let (got, _) = resource_ids(&app, &format!("/api/v1/resources?tenant={TENANT}")).await;
    assert!(!got.contains(&DELETED.to_string()));

    let (got, _) = resource_ids(
        &app,
        &format!("/api/v1/resources?tenant={TENANT}&kind=cloud_flow&environment=env-fin&owner=p-alice"),
    )
    .await;
    assert_eq!(
        sorted(got),
        expected_ids(estate.live().filter(|r| {
            r.kind == ResourceKind::CloudFlow && r.environment_id == "env-fin" && r.primary_owner() == Some("p-alice")
        })),
        "filters combine with AND"
    );
}

#[tokio::test]
async fn empty_parameters_mean_no_filter() {
    let app = spawn_app().await;
    let (status, body) =
        app.json("/api/v1/resources?kind=&environment=&owner=&q=&tenant=&sort=&limit=&cursor=&include_deleted=").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], app.estate.resources.iter().filter(|r| r.deleted_at.is_none()).count() as u64);
}

#[tokio::test]
async fn bad_parameters_are_rejected_with_the_error_shape() {
    let app = spawn_app().await;

    let (status, body) = app.json("/api/v1/resources?kind=spreadsheet").await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    assert!(message.contains("kind"), "{message}");
    for kind in ResourceKind::ALL {
        assert!(message.contains(kind.as_str()), "the message lists {kind}: {message}");
    }

    let (status, body) = app.json("/api/v1/resources?cursor=not-a-cursor").await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    assert!(message.contains("cursor") && message.contains("without"), "{message}");

    let (status, body) = app.json("/api/v1/resources?sort=size").await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    assert!(message.contains("sort") && message.contains("-created"), "{message}");

    let (status, body) = app.json("/api/v1/resources?limit=0").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    let (status, body) = app.json("/api/v1/principals?makers_only=perhaps").await;
    let message = assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
    assert!(message.contains("makers_only"), "{message}");
    let (status, body) = app.json("/api/v1/environments?cursor=%25%25").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
}

#[tokio::test]
async fn resource_detail_carries_governance_and_unknown_ids_are_404() {
    let app = spawn_app().await;
    let (status, body) = app.json(&format!("/api/v1/resources/{RICH}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let resource: Resource = serde_json::from_value(body["resource"].clone()).expect("resource");
    let expected = app.estate.resources.iter().find(|r| r.id == RICH).expect("fixture has RICH");
    assert_eq!(&resource, expected);
    assert_eq!(body["governance"]["business_impact"], "high");
    assert_eq!(body["governance"]["cost_centre"], "CC-1001");

    let (status, body) = app.json("/api/v1/resources/r-bogus").await;
    let message = assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert!(message.contains("r-bogus"), "{message}");

    let (status, body) = app.json("/api/v1/no-such-thing").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    let response = app.client.post(format!("{}/api/v1/resources", app.base)).send().await.expect("send");
    let status = response.status();
    let body: Value = response.json().await.expect("JSON body");
    let message = assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(message.contains("POST") && message.contains("GET"), "{message}");
}

#[tokio::test]
async fn principals_filter_by_text_department_and_makers() {
    let app = spawn_app().await;
    let (status, body) = app.json(&format!("/api/v1/principals?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 4);
    assert!(body["next"].is_null());

    let (_, body) = app.json("/api/v1/principals?q=ortiz").await;
    assert_eq!(ids(body["items"].as_array().expect("items")), vec!["p-bob"]);

    let (_, body) = app.json(&format!("/api/v1/principals?tenant={TENANT}&department=Finance")).await;
    assert_eq!(sorted(ids(body["items"].as_array().expect("items"))), vec!["p-alice", "p-carol"]);

    let (_, body) = app.json(&format!("/api/v1/principals?tenant={TENANT}&makers_only=true")).await;
    let makers = sorted(ids(body["items"].as_array().expect("items")));
    assert_eq!(makers, vec!["p-alice", "p-bob", "p-carol"], "Dave owns nothing");

    let (items, total) = app.all_pages("/api/v1/principals?limit=2").await;
    assert_eq!(total, 5);
    assert_eq!(sorted(ids(&items)), vec!["p-alice", "p-bob", "p-carol", "p-dave", "p-erin"]);
}
