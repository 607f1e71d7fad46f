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
