//! Every listing of the small tenant, walked page by page, adds up to the plan.

use super::*;
use std::collections::{BTreeMap, HashSet};
use steward_ingest::powerplatform::wire::{bap, dataverse, flow, graph, powerapps};

fn unique(ids: &[String]) -> usize {
    ids.iter().collect::<HashSet<_>>().len()
}

#[tokio::test]
async fn every_listing_of_the_small_tenant_adds_up_to_the_plan() {
    let f = Fake::start(small()).await;
    let expected = f.run.expected_counts().expect("counts");
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    // Dataverse's audience is the instance origin, which the fake rewrote to itself.
    let dv = f.token(&f.run.base_url).await;

    let envs: Vec<bap::Environment> = typed(&f.walk(&f.url(ENVIRONMENTS), &pa, "nextLink").await.items);
    assert_eq!(envs.len() as u64, expected.environments);
    let (mut canvas, mut model, mut flows, mut bots, mut desktop, mut pages) = (0u64, 0, 0, 0, 0, 0);
    let mut all_ids = Vec::new();
    for env in &envs {
        // Pages of 40 so that most environments need several.
        let apps_walk = f.walk(&f.url(&apps_path(&env.name, 40)), &pa, "nextLink").await;
        pages += apps_walk.urls.len();
        for app in typed::<powerapps::App>(&apps_walk.items) {
            assert_eq!(app.properties.environment.name, env.name);
            match app.app_type.as_deref() {
                Some("ModelDrivenApp") => model += 1,
                _ => canvas += 1,
            }
            all_ids.push(app.name);
        }
        let flows_walk = f.walk(&f.url(&flows_path(&env.name, 40)), &fl, "nextLink").await;
        pages += flows_walk.urls.len();
        for fw in typed::<flow::Flow>(&flows_walk.items) {
            assert_eq!(fw.properties.environment.name, env.name);
            flows += 1;
            all_ids.push(fw.name);
        }
        let Some(api) = env.properties.linked_environment_metadata.as_ref().and_then(|l| l.instance_api_url.clone())
        else {
            continue;
        };
        assert!(api.starts_with(&format!("{}/dataverse/", f.run.base_url)), "{api}");
        let b = f.walk(&format!("{api}/api/data/v9.2/bots"), &dv, "@odata.nextLink").await;
        for bot in typed::<dataverse::Bot>(&b.items) {
            bots += 1;
            all_ids.push(bot.botid);
        }
        let w =
            f.walk(&format!("{api}/api/data/v9.2/workflows?$filter=category%20eq%206"), &dv, "@odata.nextLink").await;
        for wf in typed::<dataverse::Workflow>(&w.items) {
            assert_eq!(wf.category, 6);
            desktop += 1;
            all_ids.push(wf.workflowid);
        }
    }
    assert!(pages > 2 * envs.len(), "some lists need several pages ({pages})");
    assert_eq!(
        (canvas, model, flows, bots, desktop),
        (
            expected.canvas_apps,
            expected.model_driven_apps,
            expected.cloud_flows,
            expected.agents,
            expected.desktop_flows
        )
    );
    assert_eq!(all_ids.len() as u64, expected.resources);
    assert_eq!(unique(&all_ids), all_ids.len(), "no resource is listed twice");

    let mut catalogue = HashSet::new();
    let mut custom = 0;
    for env in &envs {
        let filter = format!(
            "/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&showApisWithToS=true&$filter=environment%20eq%20%27{}%27",
            env.name
        );
        let seen: Vec<powerapps::Api> = typed(&f.walk(&f.url(&filter), &pa, "nextLink").await.items);
        catalogue.extend(seen.into_iter().map(|a| a.name));
        let own = format!(
            "/providers/Microsoft.PowerApps/scopes/admin/environments/{}/apis?api-version=2017-05-01",
            env.name
        );
        let own: Value = f.get_json(&f.url(&own), &pa).await;
        custom += own["value"].as_array().map_or(0, Vec::len) as u64;
    }
    assert_eq!(catalogue.len() as u64, expected.connectors);
    assert_eq!(custom, expected.custom_connectors);

    let list: bap::PolicyList = f.get_json(&f.url("/providers/PowerPlatform.Governance/v2/policies"), &pa).await;
    assert_eq!(list.value.len() as u64, expected.data_policies);
    for p in &list.value {
        assert!(p.policy_definition.connector_groups.is_none());
        let one: bap::PolicyEnvelope = f
            .get_json(
                &f.url(&format!("/providers/PowerPlatform.Governance/v2/policies/{}", p.policy_definition.name)),
                &pa,
            )
            .await;
        assert!(one.policy_definition.connector_groups.is_some_and(|g| !g.is_empty()));
    }

    let gr = f.token(audience::GRAPH).await;
    let users = f.walk(&f.url(&format!("{USERS}&$top=40")), &gr, "@odata.nextLink").await;
    assert_eq!(users.urls.len(), 4, "150 users in pages of 40");
    let users: Vec<graph::User> = typed(&users.items);
    assert_eq!(users.len() as u64, expected.users);
    assert_eq!(unique(&users.iter().map(|u| u.id.clone()).collect::<Vec<_>>()), users.len());
}

#[tokio::test]
async fn dataverse_pages_follow_the_prefer_header() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let dv = f.token(&f.run.base_url).await;
    let envs: Vec<bap::Environment> = typed(&f.walk(&f.url(ENVIRONMENTS), &pa, "nextLink").await.items);
    let api = envs[0].properties.linked_environment_metadata.as_ref().and_then(|l| l.instance_api_url.clone()).unwrap();
    let url = format!("{api}/api/data/v9.2/bots");
    let all: Value = f.get_json(&url, &dv).await;
    let total = all["value"].as_array().unwrap().len();
    assert!(total > 3, "{total}");
    let resp = f.http.get(&url).bearer_auth(&dv).header("Prefer", "odata.maxpagesize=3").send().await.unwrap();
    let page: Value = resp.json().await.unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
    assert!(page["@odata.context"].as_str().unwrap().ends_with("$metadata#bots"));
    assert!(page["@odata.nextLink"].as_str().is_some());
    let other: Value = f.get_json(&format!("{api}/api/data/v9.2/workflows?$filter=category eq 5"), &dv).await;
    assert_eq!(other["value"], serde_json::json!([]));
}

#[tokio::test]
async fn licences_add_up_between_skus_and_users() {
    let f = Fake::start(small()).await;
    let expected = f.run.expected_counts().unwrap();
    let gr = f.token(audience::GRAPH).await;
    let skus: Value = f.get_json(&f.url("/v1.0/subscribedSkus"), &gr).await;
    let consumed: BTreeMap<String, u64> = skus["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["skuPartNumber"].as_str().unwrap().to_string(), s["consumedUnits"].as_u64().unwrap()))
        .collect();
    assert_eq!(consumed, expected.licenses);
    assert!(consumed.contains_key("POWERAPPS_PER_USER") && consumed.contains_key("ENTERPRISEPACK"));
    let users: Vec<graph::User> =
        typed(&f.walk(&f.url(&format!("{USERS}&$top=999")), &gr, "@odata.nextLink").await.items);
    let mut held: BTreeMap<String, u64> = BTreeMap::new();
    for u in &users {
        let details: Value = f.get_json(&f.url(&format!("/v1.0/users/{}/licenseDetails", u.id)), &gr).await;
        for d in details["value"].as_array().unwrap() {
            assert!(d["servicePlans"].as_array().is_some_and(|p| !p.is_empty()));
            *held.entry(d["skuPartNumber"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    assert_eq!(held.values().sum::<u64>(), consumed.values().sum::<u64>());
    assert_eq!(held.into_iter().filter(|(_, n)| *n > 0).count(), consumed.values().filter(|n| **n > 0).count());
    let resp = f.get(&f.url("/v1.0/users/nobody@nowhere/licenseDetails"), &gr).await;
    assert_eq!(error_code(resp).await.1, "Request_ResourceNotFound");
}

#[tokio::test]
async fn malformed_requests_get_the_services_errors() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let no_version = f.get(&f.url("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"), &pa).await;
    assert_eq!(error_code(no_version).await.1, "MissingApiVersionParameter");
    let (status, code, _) = error_code(f.get(&f.url(&apps_path("no-such-env", 250)), &pa).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "EnvironmentNotFound"));
    let (status, code, _) = error_code(f.get(&f.url("/providers/Nothing/here"), &pa).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "NotFound"));
    let bad_token = f.get(&f.url(&format!("{}&$skiptoken=xyz", ENVIRONMENTS)), &pa).await;
    assert_eq!(bad_token.status(), StatusCode::BAD_REQUEST);
}
