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
    // Business value and costs have figures on the first visit (issue #7).
    let get = |path: &str| {
        let url = format!("{}{path}", served.base);
        let client = client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let value: serde_json::Value = get("/api/v1/value/report").await.json().await.unwrap();
    assert!(value["total"]["value"].as_i64() > Some(0), "actual value recorded: {}", value["total"]);
    assert!(value["total"]["potential"].as_i64() > Some(0), "potential value recorded: {}", value["total"]);
    let rows = value["resources"].as_array().unwrap();
    assert!(rows.len() >= 3, "several valued resources: {value}");
    assert!(rows.iter().any(|r| r["roi"]["state"] == "ratio"), "an ROI, not only n/a: {value}");
    let page = get("/value").await.text().await.unwrap();
    assert!(page.contains("×") && page.contains("Business units"), "the value page shows ROI figures");
    let units: serde_json::Value = get("/api/v1/value/business-units").await.json().await.unwrap();
    assert!(units.as_array().unwrap().iter().any(|u| u["assessments"].as_u64() >= Some(1)), "{units}");
    let costs: serde_json::Value = get("/api/v1/costs/report").await.json().await.unwrap();
    assert!(costs["billed_cost"].as_i64() > Some(0) && costs["centres"].as_array().unwrap().len() >= 3, "{costs}");
    let budgets: serde_json::Value = get("/api/v1/costs/budgets").await.json().await.unwrap();
    assert!(!budgets["alerts"].as_array().unwrap().is_empty(), "a budget alert: {budgets}");
    let forecasts: serde_json::Value = get("/api/v1/costs/forecasts").await.json().await.unwrap();
    assert!(forecasts.as_array().unwrap().iter().any(|f| f["history"].as_u64() >= Some(12)), "{forecasts}");
    let page = get("/costs").await.text().await.unwrap();
    assert!(page.contains("Center of Excellence") && page.contains("Budget alerts"), "chargeback and alerts");
    assert!(page.contains("In 3 months"), "forecasts shown");
    drop(served);

    let again = spawn_serving(steward().arg("demo").arg("--data-dir").arg(&data).args(["--addr", "127.0.0.1:0"]));
    assert!(again.stdout.iter().any(|l| l.contains("Reusing")), "second run reuses the data: {:?}", again.stdout);
    assert!(data.join("steward.db").exists());
}
