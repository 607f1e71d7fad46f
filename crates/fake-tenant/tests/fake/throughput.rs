//! How fast the fake serves inventory pages (printed, not asserted):
//! `cargo test --release -p steward-fake-tenant --test fake -- --ignored --nocapture throughput`.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Walkers fetching environments at once, as a sync does.
const WALKERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
async fn throughput_of_serving_every_app_and_flow_page_of_medium() {
    let mut config = FakeConfig::new(Preset::Medium, 42);
    config.usage_days = Some(0);
    let f = Arc::new(Fake::start(config).await);
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    let envs: Vec<String> = f
        .walk(&f.url(ENVIRONMENTS), &pa, "nextLink")
        .await
        .items
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    let (pages, bytes, items) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WALKERS {
        let mine: Vec<String> = envs.iter().skip(w).step_by(WALKERS).cloned().collect();
        let (f, pa, fl) = (f.clone(), pa.clone(), fl.clone());
        let (pages, bytes, items) = (pages.clone(), bytes.clone(), items.clone());
        tasks.push(tokio::spawn(async move {
            for env in mine {
                for (first, token) in [(apps_path(&env, 250), &pa), (flows_path(&env, 250), &fl)] {
                    let mut url = Some(f.url(&first));
                    while let Some(u) = url.take() {
                        let body = f.get(&u, token).await.bytes().await.unwrap();
                        let page: Value = serde_json::from_slice(&body).unwrap();
                        pages.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                        items.fetch_add(page["value"].as_array().unwrap().len() as u64, Ordering::Relaxed);
                        url = page["nextLink"].as_str().map(str::to_string);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let (pages, bytes, items) =
        (pages.load(Ordering::Relaxed), bytes.load(Ordering::Relaxed), items.load(Ordering::Relaxed));
    println!(
        "medium apps+flows: {pages} pages, {items} items, {:.1} MB in {secs:.2} s: {:.0} pages/s, {:.1} MB/s, {:.0} items/s \
         (client parsing included, {WALKERS} walkers)",
        bytes as f64 / 1e6,
        pages as f64 / secs,
        bytes as f64 / 1e6 / secs,
        items as f64 / secs
    );
}

/// Peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Items of a list, counted page by page without keeping them (the client's memory stays small).
async fn count_items(f: &Fake, path: &str, token: &str) -> u64 {
    let mut n = 0;
    let mut url = Some(f.url(path));
    while let Some(u) = url.take() {
        let page: Value = f.get_json(&u, token).await;
        n += page["value"].as_array().map_or(0, Vec::len) as u64;
        url = page["nextLink"].as_str().map(str::to_string);
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --release --ignored --nocapture"]
async fn memory_of_serving_the_large_preset() {
    let started = Instant::now();
    let mut config = FakeConfig::new(Preset::Large, 42);
    config.usage_days = Some(1);
    let f = Fake::start(config).await;
    let planned = started.elapsed().as_secs_f64();
    let after_start = peak_rss_mib().unwrap_or_default();
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    // The default environment holds 60% of the resources: its lists are the longest.
    let default_env = format!("Default-{}", f.run.tenant_id());
    let walk_started = Instant::now();
    let apps = count_items(&f, &apps_path(&default_env, 250), &pa).await;
    let flows = count_items(&f, &flows_path(&default_env, 250), &fl).await;
    let walked = walk_started.elapsed().as_secs_f64();
    // An inventory query over every flow keeps its matching rows cached.
    let pp = f.token(audience::POWERPLATFORM).await;
    let body = serde_json::json!({"TableName": "PowerPlatformResources", "Clauses": [
        {"$type": "where", "FieldName": "type", "Operator": "==", "Values": ["'microsoft.powerautomate/cloudflows'"]}],
        "Options": {"Top": 1000}});
    let query_started = Instant::now();
    let resp = f
        .http
        .post(f.url("/resourcequery/resources/query?api-version=2024-10-01"))
        .bearer_auth(&pp)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let page: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{page}");
    let queried = query_started.elapsed().as_secs_f64();
    let mutate_started = Instant::now();
    f.run.mutate(&steward_fake_tenant::MutationRequest { changed_fraction: 0.01, deleted: 1000, added: 1000, seed: 1 });
    let mutated = mutate_started.elapsed().as_secs_f64();
    println!(
        "large: planned in {planned:.2} s ({after_start:.0} MiB); default environment {apps} apps + {flows} flows walked in \
         {walked:.1} s; inventory query over {} flows in {queried:.2} s; 1% mutation in {mutated:.2} s; peak RSS {:.0} MiB (client included)",
        page["totalRecords"],
        peak_rss_mib().unwrap_or_default()
    );
}
