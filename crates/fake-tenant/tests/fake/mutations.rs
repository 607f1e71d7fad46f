//! `POST /_fake/mutate` changes, deletes and adds exactly what it is asked, and every listing
//! shows it at once.

use super::*;
use std::collections::HashMap;
use steward_fake_tenant::{MutationReport, MutationRequest};

/// Every resource in every listing: id → (display name, last modified).
async fn everything(f: &Fake) -> HashMap<String, (String, String)> {
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    let dv = f.token(&f.run.base_url).await;
    let mut out = HashMap::new();
    let envs = f.walk(&f.url(ENVIRONMENTS), &pa, "nextLink").await.items;
    for env in &envs {
        let name = env["name"].as_str().unwrap();
        for (path, token) in [(apps_path(name, 100), &pa), (flows_path(name, 100), &fl)] {
            for item in f.walk(&f.url(&path), token, "nextLink").await.items {
                let p = &item["properties"];
                let entry = (
                    p["displayName"].as_str().unwrap().to_string(),
                    p["lastModifiedTime"].as_str().unwrap().to_string(),
                );
                out.insert(item["name"].as_str().unwrap().to_string(), entry);
            }
        }
        if let Some(api) = env.pointer("/properties/linkedEnvironmentMetadata/instanceApiUrl").and_then(Value::as_str) {
            for (entity, id) in [("bots", "botid"), ("workflows?$filter=category%20eq%206", "workflowid")] {
                for row in f.walk(&format!("{api}/api/data/v9.2/{entity}"), &dv, "@odata.nextLink").await.items {
                    let entry =
                        (row["name"].as_str().unwrap().to_string(), row["modifiedon"].as_str().unwrap().to_string());
                    out.insert(row[id].as_str().unwrap().to_string(), entry);
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn a_mutation_changes_exactly_the_requested_number() {
    let f = Fake::start(small()).await;
    let before = everything(&f).await;
    assert_eq!(before.len(), 300);
    let req = MutationRequest { changed_fraction: 0.05, deleted: 4, added: 3, seed: 1 };
    let resp = f.http.post(f.url("/_fake/mutate")).json(&req).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let report: MutationReport = resp.json().await.unwrap();
    assert_eq!(report.generation, 1);
    assert_eq!((report.changed.len(), report.deleted.len(), report.added.len()), (15, 4, 3)); // 5% of 296 = 14.8

    let after = everything(&f).await;
    assert_eq!(after.len(), 300 - 4 + 3);
    assert!(report.deleted.iter().all(|id| before.contains_key(id) && !after.contains_key(id)));
    assert!(report.added.iter().all(|id| !before.contains_key(id) && after.contains_key(id)));
    for id in &report.changed {
        let (old_name, old_time) = &before[id];
        let (new_name, new_time) = &after[id];
        assert_eq!(new_name, &format!("{old_name} (rev 1)"));
        assert!(new_time > old_time, "{id}: {old_time} -> {new_time}");
    }
    let untouched = after.iter().filter(|(id, v)| before.get(*id) == Some(*v)).count();
    assert_eq!(untouched, 300 - 4 - 15);
    assert_eq!(f.run.stats().generation, 1);
    let expected = f.run.expected_counts().unwrap();
    assert_eq!(expected.resources, 299);

    // Mutations accumulate, and the same request on the same generation picks the same items.
    let again = f.run.mutate(&req);
    assert_eq!(again.generation, 2);
    assert_eq!(everything(&f).await.len(), 299 - 4 + 3);
    let refused = f.http.post(f.url("/_fake/mutate")).json(&serde_json::json!({"changed": 1})).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_stored_next_link_resumes_after_deletions() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let default_env = format!("Default-{}", f.run.tenant_id());
    let first: Value = f.get_json(&f.url(&apps_path(&default_env, 20)), &pa).await;
    let next = first["nextLink"].as_str().unwrap().to_string();
    let seen: Vec<String> =
        first["value"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect();
    let before_rest = f.admin_ids(next.trim_start_matches(&f.run.base_url), &pa).await;
    f.run.mutate(&MutationRequest { deleted: 30, seed: 4, ..MutationRequest::default() });
    let after_rest = f.admin_ids(next.trim_start_matches(&f.run.base_url), &pa).await;
    // Nothing already seen comes back, and nothing not deleted is skipped.
    assert!(after_rest.iter().all(|id| !seen.contains(id)));
    assert!(after_rest.iter().all(|id| before_rest.contains(id)));
    let all_now = f.admin_ids(&apps_path(&default_env, 20), &pa).await;
    let survivors = before_rest.iter().filter(|id| all_now.contains(id)).count();
    assert_eq!(after_rest.len(), survivors);
}
