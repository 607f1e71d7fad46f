//! Every fault mode is visible on the wire, deterministic, and leaves the data intact.

use super::*;
use std::time::{Duration, Instant};
use steward_fake_tenant::{Faults, RetryAfter};

async fn put_faults(f: &Fake, faults: &Faults) {
    let resp = f.http.put(f.url("/_fake/faults")).json(faults).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

fn default_apps(f: &Fake) -> String {
    f.url(&apps_path(&format!("Default-{}", f.run.tenant_id()), 250))
}

async fn statuses(f: &Fake, url: &str, token: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(f.get(url, token).await.status().as_u16());
    }
    out
}

#[tokio::test]
async fn throttling_is_deterministic_and_says_when_to_come_back() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let url = default_apps(&f);
    let faults = Faults {
        seed: 3,
        throttle_fraction: 0.4,
        max_consecutive: 0,
        routes: vec!["apps".to_string()],
        ..Faults::default()
    };
    put_faults(&f, &faults).await;
    let first = statuses(&f, &url, &pa, 40).await;
    put_faults(&f, &faults).await;
    let second = statuses(&f, &url, &pa, 40).await;
    assert_eq!(first, second, "the same requests meet the same faults");
    let throttled = first.iter().filter(|s| **s == 429).count();
    assert!((6..=28).contains(&throttled), "{throttled} of 40");
    assert!(first.iter().all(|s| *s == 200 || *s == 429));
    assert_eq!(f.run.stats().faults.throttled, 2 * throttled as u64);
    // Other routes are not named, so not faulted.
    assert_eq!(f.get(&f.url(ENVIRONMENTS), &pa).await.status(), StatusCode::OK);

    put_faults(
        &f,
        &Faults {
            throttle_fraction: 1.0,
            max_consecutive: 0,
            retry_after: RetryAfter::Seconds(7),
            ..Faults::default()
        },
    )
    .await;
    let resp = f.get(&url, &pa).await;
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(error_code(resp).await.1, "TooManyRequests");
    put_faults(
        &f,
        &Faults {
            throttle_fraction: 1.0,
            max_consecutive: 0,
            retry_after: RetryAfter::HttpDate(30),
            ..Faults::default()
        },
    )
    .await;
    let resp = f.get(&url, &pa).await;
    let date = resp.headers()["retry-after"].to_str().unwrap().to_string();
    let when = chrono::DateTime::parse_from_rfc2822(&date).unwrap_or_else(|e| panic!("{date}: {e}"));
    assert!(when.timestamp() > chrono::Utc::now().timestamp() + 20, "{date}");
}

#[tokio::test]
async fn a_retried_request_gets_the_right_answer() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let url = default_apps(&f);
    let clean = f.get(&url, &pa).await.bytes().await.unwrap();
    put_faults(
        &f,
        &Faults {
            seed: 11,
            throttle_fraction: 0.3,
            server_error_fraction: 0.3,
            truncate_fraction: 0.3,
            ..Faults::default()
        },
    )
    .await;
    for _ in 0..10 {
        let mut tries = 0;
        let body = loop {
            tries += 1;
            assert!(tries <= 10, "max_consecutive bounds the failures in a row");
            let resp = f.get(&url, &pa).await;
            if resp.status() != StatusCode::OK {
                continue;
            }
            let body = resp.bytes().await.unwrap();
            if serde_json::from_slice::<Value>(&body).is_ok() {
                break body;
            }
        };
        assert_eq!(body, clean);
    }
    let s = f.run.stats().faults;
    assert!(s.throttled + s.server_errors + s.truncated > 0, "{s:?}");
}

#[tokio::test]
async fn server_errors_come_in_bounded_streaks() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    put_faults(&f, &Faults { server_error_fraction: 1.0, max_consecutive: 2, ..Faults::default() }).await;
    let s = statuses(&f, &f.url(ENVIRONMENTS), &pa, 6).await;
    assert!(s[0] >= 500 && s[1] >= 500, "{s:?}");
    assert_eq!(s[2], 200);
    assert!(s[3] >= 500 && s[4] >= 500 && s[5] == 200, "{s:?}");
    assert_eq!(f.run.stats().faults.server_errors, 4);
}

#[tokio::test]
async fn slow_answers_arrive_late_but_whole() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    put_faults(&f, &Faults { slow_fraction: 1.0, slow_ms: 300, ..Faults::default() }).await;
    let started = Instant::now();
    let _: Value = f.get_json(&f.url(ENVIRONMENTS), &pa).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(f.run.stats().faults.slow, 1);
}

#[tokio::test]
async fn truncated_bodies_are_cut_json_with_a_matching_length() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let url = default_apps(&f);
    put_faults(&f, &Faults { truncate_fraction: 1.0, max_consecutive: 1, ..Faults::default() }).await;
    let resp = f.get(&url, &pa).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let length: usize = resp.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let body = resp.bytes().await.unwrap();
    assert_eq!(body.len(), length);
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    let whole: Value = f.get_json(&url, &pa).await;
    assert!(whole["value"].as_array().is_some());
    assert_eq!(f.run.stats().faults.truncated, 1);
}

#[tokio::test]
async fn environments_without_admin_rights_answer_403_on_apps_and_flows() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    let fl = f.token(audience::FLOW).await;
    let envs = f.walk(&f.url(ENVIRONMENTS), &pa, "nextLink").await.items;
    let victim = envs[1]["name"].as_str().unwrap().to_string();
    put_faults(&f, &Faults { forbidden_environments: vec![victim.clone()], ..Faults::default() }).await;
    let (status, code, _) = error_code(f.get(&f.url(&apps_path(&victim, 250)), &pa).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "Forbidden"));
    assert_eq!(f.get(&f.url(&flows_path(&victim, 250)), &fl).await.status(), StatusCode::FORBIDDEN);
    let other = envs[2]["name"].as_str().unwrap();
    assert_eq!(f.get(&f.url(&apps_path(other, 250)), &pa).await.status(), StatusCode::OK);
    assert_eq!(f.run.stats().faults.forbidden, 2);
}

#[tokio::test]
async fn above_the_rate_cap_requests_are_throttled() {
    let f = Fake::start(small()).await;
    let pa = f.powerapps().await;
    put_faults(&f, &Faults { max_requests_per_second: Some(5), ..Faults::default() }).await;
    let mut limited = None;
    for _ in 0..20 {
        let resp = f.get(&f.url(ENVIRONMENTS), &pa).await;
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp.headers()["retry-after"].to_str().unwrap().to_string());
        }
    }
    assert_eq!(limited.as_deref(), Some("1"));
    assert!(f.run.stats().faults.rate_limited >= 5);
}

#[tokio::test]
async fn unknown_fault_fields_are_refused() {
    let f = Fake::start(small()).await;
    let resp =
        f.http.put(f.url("/_fake/faults")).json(&serde_json::json!({"throttle_fraktion": 1.0})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let current: Faults = f.http.get(f.url("/_fake/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(current, Faults::default());
}
