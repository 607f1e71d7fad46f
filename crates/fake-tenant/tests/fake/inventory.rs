//! The Power Platform inventory API: filters, projection, take, order and skip tokens.

use super::*;
use serde_json::json;
use std::collections::HashSet;
use steward_fake_tenant::MutationRequest;

const QUERY: &str = "/resourcequery/resources/query?api-version=2024-10-01";
const CANVAS: &str = "'microsoft.powerapps/canvasapps'";
const MODEL: &str = "'microsoft.powerapps/modeldrivenapps'";
const FLOWS: &str = "'microsoft.powerautomate/cloudflows'";
const AGENTS: &str = "'microsoft.copilotstudio/agents'";

fn where_(field: &str, op: &str, values: &[&str]) -> Value {
    json!({"$type": "where", "FieldName": field, "Operator": op, "Values": values})
}

async fn post(f: &Fake, token: &str, body: &Value) -> reqwest::Response {
    f.http.post(f.url(QUERY)).bearer_auth(token).json(body).send().await.unwrap()
}

/// Every row of a query, following skip tokens; also the first answer's `totalRecords`.
async fn all_rows(f: &Fake, token: &str, clauses: Value, top: u64) -> (Vec<Value>, u64, usize) {
    let mut rows = Vec::new();
    let mut skip: Option<String> = None;
    let mut total = None;
    let mut answers = 0;
    loop {
        let body = json!({"TableName": "PowerPlatformResources", "Clauses": clauses, "Options": {"Top": top, "SkipToken": skip}});
        let resp = post(f, token, &body).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page: Value = resp.json().await.unwrap();
        answers += 1;
        total.get_or_insert(page["totalRecords"].as_u64().unwrap());
        let data = page["data"].as_array().unwrap();
        assert_eq!(page["count"].as_u64().unwrap(), data.len() as u64);
        rows.extend(data.iter().cloned());
        match page["skipToken"].as_str() {
            Some(t) => {
                assert_eq!(page["resultTruncated"], 1);
                skip = Some(t.to_string());
            }
            None => break,
        }
    }
    (rows, total.unwrap_or_default(), answers)
}

fn names(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn type_filters_count_what_the_plan_has() {
    let f = Fake::start(small()).await;
    let expected = f.run.expected_counts().unwrap();
    let pp = f.token(audience::POWERPLATFORM).await;
    let (rows, total, _) = all_rows(&f, &pp, json!([where_("type", "==", &[CANVAS])]), 1000).await;
    assert_eq!((rows.len() as u64, total), (expected.canvas_apps, expected.canvas_apps));
    let row = &rows[0];
    for key in ["name", "type", "location", "tenantId", "properties"] {
        assert!(row.get(key).is_some(), "{key} in {row}");
    }
    assert_eq!(row["tenantId"].as_str(), Some(f.run.tenant_id().as_str()));
    for key in ["displayName", "createdAt", "ownerId", "environmentId", "lastModifiedAt", "isQuarantined"] {
        assert!(row["properties"].get(key).is_some(), "{key} in {row}");
    }

    let (rows, total, answers) = all_rows(&f, &pp, json!([where_("type", "in", &[FLOWS, AGENTS])]), 50).await;
    assert_eq!(total, expected.cloud_flows + expected.agents);
    assert_eq!(rows.len() as u64, total);
    assert_eq!(answers as u64, total.div_ceil(50));
    assert_eq!(names(&rows).iter().collect::<HashSet<_>>().len(), rows.len(), "each row once across pages");

    let (envs, _, _) =
        all_rows(&f, &pp, json!([where_("type", "==", &["'microsoft.powerplatform/environments'"])]), 100).await;
    assert_eq!(envs.len() as u64, expected.environments);
}

#[tokio::test]
async fn environment_filters_match_the_admin_listings() {
    let f = Fake::start(small()).await;
    let pp = f.token(audience::POWERPLATFORM).await;
    let pa = f.powerapps().await;
    let envs = f.walk(&f.url(ENVIRONMENTS), &pa, "nextLink").await.items;
    let env = envs[1]["name"].as_str().unwrap();
    let clauses = json!([
        where_("type", "in", &[CANVAS, MODEL]),
        where_("properties.environmentId", "==", &[&format!("'{env}'")])
    ]);
    let (rows, _, _) = all_rows(&f, &pp, clauses, 1000).await;
    let mut from_inventory = names(&rows);
    let mut from_admin = f.admin_ids(&apps_path(env, 250), &pa).await;
    from_inventory.sort();
    from_admin.sort();
    assert!(!from_admin.is_empty());
    assert_eq!(from_inventory, from_admin);
}

#[tokio::test]
async fn modified_after_finds_exactly_what_a_mutation_touched() {
    let f = Fake::start(small()).await;
    let pp = f.token(audience::POWERPLATFORM).await;
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    let report = f.run.mutate(&MutationRequest { changed_fraction: 0.1, added: 4, deleted: 2, seed: 8 });
    // Planned resources are all modified by the end of the day after the window; mutations come
    // later. Rows the inventory lists: apps and flows (and agents) but not desktop flows.
    let mut listed = HashSet::new();
    for env in f.walk(&f.url(ENVIRONMENTS), &pa, "nextLink").await.items {
        let name = env["name"].as_str().unwrap();
        listed.extend(f.admin_ids(&apps_path(name, 250), &pa).await);
        listed.extend(f.admin_ids(&flows_path(name, 250), &fl).await);
    }
    let since = where_("properties.lastModifiedAt", ">", &["datetime(2026-11-02T23:00:00Z)"]);
    let clauses = json!([where_("type", "in", &[CANVAS, MODEL, FLOWS]), since]);
    let (rows, _, _) = all_rows(&f, &pp, clauses, 1000).await;
    let got: HashSet<String> = names(&rows).into_iter().collect();
    let touched: HashSet<String> =
        report.changed.iter().chain(&report.added).filter(|id| listed.contains(*id)).cloned().collect();
    assert!(!touched.is_empty());
    assert_eq!(got, touched);
}

#[tokio::test]
async fn project_take_and_orderby_shape_the_answer() {
    let f = Fake::start(small()).await;
    let pp = f.token(audience::POWERPLATFORM).await;
    let project = json!({"$type": "project", "FieldList": ["name", "properties.displayName"]});
    let (rows, _, _) = all_rows(&f, &pp, json!([where_("type", "==", &[FLOWS]), project]), 1000).await;
    for row in &rows {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "properties"]);
        assert_eq!(row["properties"].as_object().unwrap().keys().collect::<Vec<_>>(), ["displayName"]);
    }

    let take = json!({"$type": "take", "TakeCount": 7});
    let (rows, total, answers) = all_rows(&f, &pp, json!([where_("type", "==", &[FLOWS]), take]), 5).await;
    assert_eq!((rows.len(), total, answers), (7, 7, 2));

    let order = json!({"$type": "orderby", "FieldNamesAscDesc": {"properties.lastModifiedAt": "desc"}});
    let (rows, _, _) = all_rows(&f, &pp, json!([where_("type", "in", &[CANVAS, FLOWS]), order]), 60).await;
    let times: Vec<&str> = rows.iter().map(|r| r["properties"]["lastModifiedAt"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[tokio::test]
async fn unsupported_queries_are_refused_clearly() {
    let f = Fake::start(small()).await;
    let pp = f.token(audience::POWERPLATFORM).await;
    let body = json!({"TableName": "PowerPlatformResources", "Clauses": [{"$type": "summarize"}]});
    let (status, _, message) = error_code(post(&f, &pp, &body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("not supported"), "{message}");
    let body =
        json!({"TableName": "PowerPlatformResources", "Clauses": [where_("properties.ownerId", "==", &["'x'"])]});
    assert_eq!(post(&f, &pp, &body).await.status(), StatusCode::BAD_REQUEST);
    let foreign =
        json!({"TableName": "PowerPlatformResources", "Clauses": [], "Options": {"SkipToken": "bm90IG91cnM"}});
    assert_eq!(post(&f, &pp, &foreign).await.status(), StatusCode::BAD_REQUEST);
    let pa = f.powerapps().await;
    let ok = json!({"TableName": "PowerPlatformResources", "Clauses": []});
    assert_eq!(post(&f, &pa, &ok).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tenants_without_the_inventory_api_answer_404() {
    let mut config = small();
    config.inventory_api = false;
    let f = Fake::start(config).await;
    let pp = f.token(audience::POWERPLATFORM).await;
    let body = json!({"TableName": "PowerPlatformResources", "Clauses": []});
    assert_eq!(post(&f, &pp, &body).await.status(), StatusCode::NOT_FOUND);
}
