use crate::support::{spawn_serving, steward};

#[tokio::test]
async fn demo_serves_the_synthetic_tenant_and_reuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let served = spawn_serving(steward().arg("demo").arg("--data-dir").arg(&data).args(["--addr", "127.0.0.1:0"]));
    assert!(served.stdout.iter().any(|l| l.contains("Generating")), "first run generates: {:?}", served.stdout);

    let client = reqwest::Client::new();
    let health = client.get(format!("{}/healthz", served.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let resources: serde_json::Value =
        client.get(format!("{}/api/v1/resources?limit=5", served.base)).send().await.unwrap().json().await.unwrap();
    assert!(resources["total"].as_u64().unwrap() >= 200, "{resources}");
    assert_eq!(resources["items"].as_array().unwrap().len(), 5);
    let page = client.get(format!("{}/", served.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Demo data"), "the demo is clearly marked");
    // The review queues hold something to decide: catalog promotions and an exemption request.
    let queues: serde_json::Value =
        client.get(format!("{}/api/v1/queues", served.base)).send().await.unwrap().json().await.unwrap();
    assert!(queues["exemption_requests"].as_u64() >= Some(1), "an exemption request to decide: {queues}");
    let campaigns: serde_json::Value =
        client.get(format!("{}/api/v1/campaigns", served.base)).send().await.unwrap().json().await.unwrap();
    assert!(campaigns.to_string().contains("\"promotion\""), "a promotion campaign: {campaigns}");
    drop(served);

    let again = spawn_serving(steward().arg("demo").arg("--data-dir").arg(&data).args(["--addr", "127.0.0.1:0"]));
    assert!(again.stdout.iter().any(|l| l.contains("Reusing")), "second run reuses the data: {:?}", again.stdout);
    assert!(data.join("steward.db").exists());
}
