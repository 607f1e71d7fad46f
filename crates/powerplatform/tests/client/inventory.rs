//! The inventory calls ask for the documented paths and parameters and read the real shapes.

use crate::support::{self, Fake, Reply};
use serde_json::json;

fn app(name: &str) -> serde_json::Value {
    json!({"name": name, "id": format!("/providers/Microsoft.PowerApps/apps/{name}"), "type": "Microsoft.PowerApps/apps",
           "properties": {"displayName": "Expenses", "environment": {"name": "Default-1"}, "createdTime": "2024-07-09T21:32:15Z"}})
}

fn api(name: &str, custom: bool) -> serde_json::Value {
    json!({"name": name, "id": format!("/providers/Microsoft.PowerApps/apis/{name}"), "type": "Microsoft.PowerApps/apis",
           "properties": {"displayName": name, "isCustomApi": custom, "tier": "Standard"}})
}

#[tokio::test]
async fn apps_flows_and_connectors_use_the_admin_paths() {
    let fake = Fake::start().await;
    fake.script(
        "/providers/Microsoft.PowerApps/scopes/admin/environments/Default-1/apps",
        vec![Reply::json(json!({"value": [app("a1")]}))],
    );
    fake.script(
        "/providers/Microsoft.ProcessSimple/scopes/admin/environments/Default-1/v2/flows",
        vec![Reply::json(json!({"value": [{"name": "f1", "properties": {"displayName": "Invoicing", "state": "Started", "environment": {"name": "Default-1"}}}]}))],
    );
    fake.script(
        "/providers/Microsoft.PowerApps/apis",
        vec![Reply::json(json!({"value": [api("shared_sharepointonline", false)]}))],
    );
    fake.script(
        "/providers/Microsoft.PowerApps/scopes/admin/environments/Default-1/apis",
        vec![Reply::json(json!({"value": [api("shared_my-20connector-5f00", true)]}))],
    );
    let client = support::client(&fake);

    assert_eq!(client.apps_page("Default-1", None).await.unwrap().items[0].name, "a1");
    assert_eq!(client.flows_page("Default-1", None).await.unwrap().items[0].properties.state, "Started");
    let connectors = client.connectors_page("Default-1", None).await.unwrap();
    assert!(!connectors.items[0].properties.is_custom_api);
    let custom = client.custom_connectors_page("Default-1", None).await.unwrap();
    assert!(custom.items[0].properties.is_custom_api);

    let seen = fake.api_requests();
    let params: Vec<_> = seen.iter().map(|s| s.params()).collect();
    assert_eq!((params[0]["api-version"].as_str(), params[0]["$top"].as_str()), ("2016-11-01", "250"));
    assert_eq!((params[1]["api-version"].as_str(), params[1]["$top"].as_str()), ("2016-11-01", "250"));
    assert_eq!(params[2]["api-version"], "2019-05-01");
    assert_eq!(params[2]["$filter"], "environment eq 'Default-1'");
    assert_eq!(params[2]["showApisWithToS"], "true");
    assert_eq!(params[2]["hideDlpExemptApis"], "true");
    assert_eq!(params[2]["showAllDlpEnforceableApis"], "true");
    assert!(seen[2].query.contains("%20eq%20"), "spaces are percent-encoded: {}", seen[2].query);
    assert_eq!(params[3]["api-version"], "2017-05-01");
}

#[tokio::test]
async fn environment_names_cannot_change_the_path() {
    let fake = Fake::start().await;
    let client = support::client(&fake);
    let _ = client.apps_page("../../evil?x=1", None).await;
    let seen = fake.api_requests();
    assert_eq!(seen[0].path, "/providers/Microsoft.PowerApps/scopes/admin/environments/..%2F..%2Fevil%3Fx%3D1/apps");
}

#[tokio::test]
async fn policies_are_read_whole_and_one_policy_has_its_groups() {
    let fake = Fake::start().await;
    let url = fake.url();
    let definition = |name: &str| json!({"policyDefinition": {"name": name, "displayName": name, "environmentType": "AllEnvironments", "environments": []}});
    fake.script(
        "/providers/PowerPlatform.Governance/v2/policies",
        vec![
            Reply::json(json!({"value": [definition("p1")], "nextLink": format!("{url}/providers/PowerPlatform.Governance/v2/policies?$skiptoken=2")})),
            Reply::json(json!({"value": [definition("p2")]})),
        ],
    );
    fake.script(
        "/providers/PowerPlatform.Governance/v2/policies/p1",
        vec![Reply::json(json!({"policyDefinition": {"name": "p1", "displayName": "p1", "environmentType": "AllEnvironments",
            "connectorGroups": [{"classification": "Confidential", "connectors": [{"id": "/providers/Microsoft.PowerApps/apis/shared_sql"}]}]}}))],
    );
    let client = support::client(&fake);
    let policies = client.policies().await.unwrap();
    assert_eq!(policies.iter().map(|p| p.policy_definition.name.as_str()).collect::<Vec<_>>(), ["p1", "p2"]);
    let policy = client.policy("p1").await.unwrap();
    assert_eq!(policy.policy_definition.connector_groups.unwrap()[0].classification, "Confidential");
}

#[tokio::test]
async fn skus_and_license_details_follow_odata_links() {
    let fake = Fake::start().await;
    let url = fake.url();
    fake.script(
        "/v1.0/subscribedSkus",
        vec![
            Reply::json(json!({"value": [{"id": "s1", "skuId": "c7df2760", "skuPartNumber": "ENTERPRISEPREMIUM", "consumedUnits": 14,
                "prepaidUnits": {"enabled": 25, "lockedOut": 0, "suspended": 0, "warning": 0},
                "servicePlans": [{"servicePlanId": "9c0dab89", "servicePlanName": "POWERAPPS_O365_P3", "provisioningStatus": "Success", "appliesTo": "User"}]}],
                "@odata.nextLink": format!("{url}/v1.0/subscribedSkus?$skiptoken=2")})),
            Reply::json(json!({"value": [{"id": "s2", "skuId": "f30db892"}]})),
        ],
    );
    fake.script(
        "/v1.0/users/u%201/licenseDetails",
        vec![Reply::json(json!({"value": [{"id": "l1", "skuId": "c7df2760", "servicePlans": []}]}))],
    );
    let client = support::client(&fake);
    let skus = client.subscribed_skus().await.unwrap();
    assert_eq!(skus.len(), 2);
    assert_eq!(skus[0].prepaid_units.as_ref().unwrap().enabled, 25);
    assert_eq!(skus[0].service_plans[0].service_plan_name.as_deref(), Some("POWERAPPS_O365_P3"));
    let licences = client.license_details("u 1").await.unwrap();
    assert_eq!(licences[0].sku_id, "c7df2760");
}
