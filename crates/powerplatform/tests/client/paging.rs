//! The four paging styles, checkpoints, and links that would loop or leave the host.

use crate::support::{self, ENVIRONMENTS, Fake, Reply, TENANT, environments};
use chrono::{TimeZone, Utc};
use serde_json::json;
use steward_powerplatform::ApiError;

#[tokio::test]
async fn next_link_pages_including_an_empty_one_and_resume_from_a_checkpoint() {
    let fake = Fake::start().await;
    let url = fake.url();
    fake.script(
        ENVIRONMENTS,
        vec![
            environments(&["e1", "e2"], Some(format!("{url}{ENVIRONMENTS}?api-version=2020-10-01&$skiptoken=p2"))),
            environments(&[], Some(format!("{url}{ENVIRONMENTS}?api-version=2020-10-01&$skiptoken=p3"))),
            environments(&["e3"], None),
        ],
    );
    let client = support::client(&fake);
    let first = client.environments_page(None).await.unwrap();
    assert_eq!(first.items.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["e1", "e2"]);
    let checkpoint = first.next.clone().unwrap();
    assert!(checkpoint.contains("skiptoken=p2"));

    // The checkpoint is a plain string: a new client (a later run) resumes from it.
    let later = support::client(&fake);
    let second = later.environments_page(Some(&checkpoint)).await.unwrap();
    assert!(second.items.is_empty(), "an empty page is normal");
    let third = later.environments_page(second.next.as_deref()).await.unwrap();
    assert_eq!(third.items[0].name, "e3");
    assert!(third.is_last());

    let seen = fake.requests_to(ENVIRONMENTS);
    assert_eq!(seen[0].params()["$expand"], "properties.capacity,properties.addons");
    assert_eq!(seen[0].params()["api-version"], "2020-10-01");
    assert_eq!(seen[1].params()["$skiptoken"], "p2");
    assert_eq!(seen[2].params()["$skiptoken"], "p3");
}

#[tokio::test]
async fn a_link_to_another_host_is_followed_on_the_configured_host() {
    let fake = Fake::start().await;
    fake.script(
        ENVIRONMENTS,
        vec![
            environments(&["e1"], Some(format!("https://elsewhere.example.com{ENVIRONMENTS}?$skiptoken=p2"))),
            environments(&["e2"], None),
        ],
    );
    let client = support::client(&fake);
    let first = client.environments_page(None).await.unwrap();
    let next = first.next.unwrap();
    assert!(next.starts_with(&fake.url()), "{next}");
    let second = client.environments_page(Some(&next)).await.unwrap();
    assert_eq!(second.items[0].name, "e2");
}

#[tokio::test]
async fn a_link_back_to_the_same_page_is_an_error_not_a_loop() {
    let fake = Fake::start().await;
    let url = fake.url();
    fake.script(
        ENVIRONMENTS,
        vec![environments(&["e1"], Some(format!("{url}{ENVIRONMENTS}?api-version=2020-10-01&$skiptoken=same")))],
    );
    let client = support::client(&fake);
    let first = client.environments_page(None).await.unwrap();
    let error = client.environments_page(first.next.as_deref()).await.unwrap_err();
    assert!(matches!(error, ApiError::InvalidBody { .. }), "{error:?}");
    assert!(error.to_string().contains("same page"));
}

#[tokio::test]
async fn odata_next_link_pages_graph_users() {
    let fake = Fake::start().await;
    let url = fake.url();
    fake.script(
        "/v1.0/users",
        vec![
            Reply::json(json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
                "value": [{"id": "u1", "displayName": "Adele", "manager": {"id": "u2"}}],
                "@odata.nextLink": format!("{url}/v1.0/users?$skiptoken=X%27Y")
            })),
            Reply::json(json!({"value": [{"id": "u2"}]})),
        ],
    );
    let client = support::client(&fake);
    let first = client.users_page(None).await.unwrap();
    assert_eq!(first.items[0].manager.as_ref().unwrap().id, "u2");
    let second = client.users_page(first.next.as_deref()).await.unwrap();
    assert_eq!(second.items[0].id, "u2");
    assert!(second.is_last());
    let seen = fake.requests_to("/v1.0/users");
    let params = seen[0].params();
    assert_eq!(
        params["$select"],
        "id,displayName,userPrincipalName,mail,department,country,jobTitle,accountEnabled,assignedLicenses"
    );
    assert_eq!(params["$expand"], "manager($select=id)");
    assert_eq!(params["$top"], "999");
    assert_eq!(seen[1].params()["$skiptoken"], "X'Y");
}

#[tokio::test]
async fn odata_next_link_pages_dataverse_on_the_instance() {
    let fake = Fake::start().await;
    let instance = Fake::start().await;
    let url = instance.url();
    instance.script(
        "/api/data/v9.2/workflows",
        vec![
            Reply::json(json!({"value": [{"workflowid": "w1", "name": "Desktop", "category": 6}], "@odata.nextLink": format!("{url}/api/data/v9.2/workflows?$filter=category%20eq%206&$skiptoken=abc")})),
            Reply::json(json!({"value": []})),
        ],
    );
    let client = support::client(&fake);
    let first = client.desktop_flows_page(&format!("{url}/"), None).await.unwrap();
    assert_eq!(first.items[0].workflowid, "w1");
    let second = client.desktop_flows_page(&url, first.next.as_deref()).await.unwrap();
    assert!(second.items.is_empty() && second.is_last());
    let seen = instance.requests_to("/api/data/v9.2/workflows");
    assert_eq!(seen[0].params()["$filter"], "category eq 6");
    assert_eq!(seen[0].headers["odata-version"], "4.0");
    assert!(fake.api_requests().is_empty(), "Dataverse calls go to the instance");

    let error = client.bots_page("not a url", None).await.unwrap_err();
    assert!(matches!(error, ApiError::InvalidRequest { .. }), "{error:?}");
}

#[tokio::test]
async fn skip_token_pages_the_resource_query_with_the_same_post() {
    let fake = Fake::start().await;
    let row = |name: &str| json!({"name": name, "type": "microsoft.powerapps/canvasapps", "location": "unitedstates", "tenantId": TENANT, "properties": {"displayName": name, "environmentId": "e1"}});
    fake.script(
        "/resourcequery/resources/query",
        vec![
            Reply::json(json!({"totalRecords": 3, "count": 2, "resultTruncated": 1, "skipToken": "token-2", "data": [row("a1"), row("a2")]})),
            Reply::json(json!({"totalRecords": 3, "count": 1, "resultTruncated": 0, "data": [row("a3")]})),
        ],
    );
    let client = support::client(&fake);
    let clauses = json!([{"$type": "where", "FieldName": "type", "Operator": "==", "Values": ["'microsoft.powerapps/canvasapps'"]}]);
    let first = client.resource_query_page("PowerPlatformResources", &clauses, None).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.items[0].properties["displayName"], "a1");
    assert_eq!(first.items[0].tenant_id.as_deref(), Some(TENANT));
    assert_eq!(first.next.as_deref(), Some("token-2"), "the checkpoint is the skip token itself");
    let second = client.resource_query_page("PowerPlatformResources", &clauses, first.next.as_deref()).await.unwrap();
    assert_eq!(second.items[0].name, "a3");
    assert!(second.is_last());

    let seen = fake.requests_to("/resourcequery/resources/query");
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].params()["api-version"], "2024-10-01");
    let body = seen[0].json();
    assert_eq!(body["TableName"], "PowerPlatformResources");
    assert_eq!(body["Clauses"], clauses);
    assert_eq!(body["Options"]["Top"], 1000);
    assert!(body["Options"].get("SkipToken").is_none());
    assert_eq!(seen[1].json()["Options"]["SkipToken"], "token-2");
    assert_eq!(seen[1].query, seen[0].query, "same URL, position in the body");
}

#[tokio::test]
async fn a_truncated_resource_query_without_a_skip_token_is_incomplete() {
    let fake = Fake::start().await;
    fake.script("/resourcequery/resources/query", vec![Reply::json(json!({"resultTruncated": true, "data": []}))]);
    let client = support::client(&fake);
    let error = client.resource_query_page("PowerPlatformResources", &json!([]), None).await.unwrap_err();
    assert!(matches!(error, ApiError::Incomplete { .. }), "{error:?}");
    let not_array = client.resource_query_page("PowerPlatformResources", &json!({}), None).await.unwrap_err();
    assert!(matches!(not_array, ApiError::InvalidRequest { .. }));
}

#[tokio::test]
async fn next_page_uri_header_pages_o365_content_in_any_case() {
    let fake = Fake::start().await;
    let url = fake.url();
    let path = format!("/api/v1.0/{TENANT}/activity/feed/subscriptions/content");
    let item = |id: &str| {
        json!({"contentType": "Audit.General", "contentId": id, "contentUri": format!("{url}/api/v1.0/{TENANT}/activity/feed/audit/{id}"),
               "contentCreated": "2026-05-19T13:17:34.000Z", "contentExpiration": "2026-05-26T13:17:34.000Z"})
    };
    fake.script(
        &path,
        vec![
            Reply::json(json!([item("c1")])).header(
                "nextpageuri",
                &format!("{url}{path}?contentType=Audit.General&startTime=2026-05-19&endTime=2026-05-20&nextPage=p2"),
            ),
            Reply::json(json!([])).header("NextPageUrl", &format!("{url}{path}?contentType=Audit.General&nextPage=p3")),
            Reply::json(json!([item("c3")])),
        ],
    );
    let client = support::client(&fake);
    let start = Utc.with_ymd_and_hms(2026, 5, 19, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 5, 20, 0, 0, 0).unwrap();
    let first = client.content_page("Audit.General", start, end, None).await.unwrap();
    assert_eq!(first.items[0].content_id, "c1");
    let second = client.content_page("Audit.General", start, end, first.next.as_deref()).await.unwrap();
    assert!(second.items.is_empty());
    let third = client.content_page("Audit.General", start, end, second.next.as_deref()).await.unwrap();
    assert_eq!(third.items[0].content_id, "c3");
    assert!(third.is_last());
    let seen = fake.requests_to(&path);
    assert_eq!(seen[0].params()["startTime"], "2026-05-19T00:00:00");
    assert_eq!(seen[0].params()["endTime"], "2026-05-20T00:00:00");
    assert_eq!(seen[1].params()["nextPage"], "p2");
    assert_eq!(seen[2].params()["nextPage"], "p3");
}

#[tokio::test]
async fn a_stored_checkpoint_that_is_not_a_url_is_refused() {
    let fake = Fake::start().await;
    let client = support::client(&fake);
    let error = client.environments_page(Some("http://[broken")).await.unwrap_err();
    assert!(matches!(error, ApiError::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("start the listing again"));
    assert!(fake.seen().is_empty());
}
