//! What `steward generate` writes and what the fake serves are the same tenant: page for page,
//! item for item (only the Dataverse API URL differs, pointing at the fake).

use super::*;
use std::path::Path;
use steward_ingest::synthetic::{GenerateOptions, generate};

fn pages(dir: &Path) -> Vec<Vec<Value>> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => return Vec::new(),
    };
    files.sort();
    files
        .iter()
        .map(|p| {
            let page: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            page["value"].as_array().unwrap().clone()
        })
        .collect()
}

/// The served pages' items, page by page.
async fn served(f: &Fake, first: &str, token: &str, next_key: &str) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let mut url = Some(first.to_string());
    while let Some(u) = url.take() {
        let page: Value = f.get_json(&u, token).await;
        out.push(page["value"].as_array().unwrap().clone());
        url = page.get(next_key).and_then(Value::as_str).map(str::to_string);
    }
    out
}

fn ids(pages: &[Vec<Value>], key: &str) -> Vec<String> {
    pages.iter().flatten().map(|v| v[key].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn served_pages_hold_what_generate_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = GenerateOptions::new(Preset::Small, 42);
    opts.usage_days = Some(0);
    generate(&opts, dir.path(), &steward_ingest::NoProgress).expect("generate");
    let root = dir.path();

    let mut config = small();
    config.usage_days = Some(0);
    let f = Fake::start(config).await;
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    let dv = f.token(&f.run.base_url).await;

    let mut envs = served(&f, &f.url(ENVIRONMENTS), &pa, "nextLink").await;
    let dumped_envs = pages(&root.join("bap/environments"));
    // The only difference: Dataverse API URLs point at the fake. Put the dump's back.
    let mut api_urls = Vec::new();
    for (page, dumped) in envs.iter_mut().zip(&dumped_envs) {
        for (env, d) in page.iter_mut().zip(dumped) {
            let path = "/properties/linkedEnvironmentMetadata/instanceApiUrl";
            let name = env["name"].as_str().unwrap().to_string();
            if let Some(url) = env.pointer_mut(path) {
                api_urls.push((name, url.as_str().unwrap().to_string()));
                *url = d.pointer(path).cloned().unwrap();
            }
        }
    }
    assert_eq!(envs, dumped_envs);

    let mut resources = 0;
    for env in ids(&envs, "name") {
        let apps = served(&f, &f.url(&apps_path(&env, 250)), &pa, "nextLink").await;
        assert_eq!(apps, pages(&root.join(format!("powerapps/environments/{env}/apps"))), "apps of {env}");
        let flows = served(&f, &f.url(&flows_path(&env, 250)), &fl, "nextLink").await;
        assert_eq!(flows, pages(&root.join(format!("flow/environments/{env}/flows"))), "flows of {env}");
        resources += ids(&apps, "name").len() + ids(&flows, "name").len();
        if let Some((_, api)) = api_urls.iter().find(|(name, _)| *name == env) {
            let bots = served(&f, &format!("{api}/api/data/v9.2/bots"), &dv, "@odata.nextLink").await;
            assert_eq!(bots, pages(&root.join(format!("dataverse/{env}/bots"))), "bots of {env}");
            let wf = format!("{api}/api/data/v9.2/workflows?$filter=category%20eq%206");
            let workflows = served(&f, &wf, &dv, "@odata.nextLink").await;
            assert_eq!(workflows, pages(&root.join(format!("dataverse/{env}/workflows"))), "workflows of {env}");
            resources += ids(&bots, "botid").len() + ids(&workflows, "workflowid").len();
        }
    }
    assert_eq!(resources, 300);

    let catalogue =
        served(&f, &f.url("/providers/Microsoft.PowerApps/apis?api-version=2019-05-01"), &pa, "nextLink").await;
    assert_eq!(catalogue, pages(&root.join("powerapps/apis")));

    let list: Value = f.get_json(&f.url("/providers/PowerPlatform.Governance/v2/policies"), &pa).await;
    let dumped: Value = serde_json::from_slice(&std::fs::read(root.join("bap/policies.json")).unwrap()).unwrap();
    assert_eq!(list, dumped);
    for p in list["value"].as_array().unwrap() {
        let name = p["policyDefinition"]["name"].as_str().unwrap();
        let one: Value =
            f.get_json(&f.url(&format!("/providers/PowerPlatform.Governance/v2/policies/{name}")), &pa).await;
        let file = root.join(format!("bap/policies/{name}.json"));
        assert_eq!(one, serde_json::from_slice::<Value>(&std::fs::read(file).unwrap()).unwrap());
    }

    let gr = f.token(audience::GRAPH).await;
    let users = served(&f, &f.url(&format!("{USERS}&$top=999")), &gr, "@odata.nextLink").await;
    assert_eq!(users, pages(&root.join("graph/users")));
}

#[tokio::test]
async fn served_audit_blobs_are_the_dump_s_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = GenerateOptions::new(Preset::Small, 42);
    opts.usage_days = Some(2);
    generate(&opts, dir.path(), &steward_ingest::NoProgress).expect("generate");
    let mut config = small();
    config.usage_days = Some(2);
    let f = Fake::start(config).await;
    let o365 = f.token(audience::OFFICE_MANAGEMENT).await;
    let tenant = f.run.tenant_id();
    let feed = f.url(&format!("/api/v1.0/{tenant}/activity/feed"));
    let publisher = format!("PublisherIdentifier={tenant}");
    let start = f
        .http
        .post(format!("{feed}/subscriptions/start?contentType=Audit.General&{publisher}"))
        .bearer_auth(&o365)
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::OK);
    for day in ["2026-10-31", "2026-11-01"] {
        let list = format!(
            "{feed}/subscriptions/content?contentType=Audit.General&startTime={day}T00:00:00&endTime={day}T23:59:59&{publisher}"
        );
        let items: Vec<Value> = f.get_json(&list, &o365).await;
        let dumped: Vec<Value> = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("audit/Audit.General/content-{day}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(items.len(), dumped.len());
        for (item, d) in items.iter().zip(&dumped) {
            assert_eq!(item["contentId"], d["contentId"]);
            assert_eq!(item["contentCreated"], d["contentCreated"]);
            let uri = item["contentUri"].as_str().unwrap();
            assert!(uri.starts_with(&f.run.base_url), "{uri}");
            let body = f.get(&format!("{uri}?{publisher}"), &o365).await.bytes().await.unwrap();
            let file = dir.path().join(format!("audit/Audit.General/{day}/{}.json", d["contentId"].as_str().unwrap()));
            assert!(body.as_ref() == std::fs::read(file).unwrap().as_slice(), "blob {uri} differs from the dump");
        }
    }
}
