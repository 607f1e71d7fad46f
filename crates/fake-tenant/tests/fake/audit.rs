//! The Office 365 Management Activity feed: subscriptions, windows, `NextPageUri` paging,
//! blobs, `PublisherIdentifier` accounting and the feed's untidiness as faults.

use super::*;
use std::collections::HashSet;
use steward_fake_tenant::Faults;
use steward_ingest::powerplatform::wire::audit::{AuditRecord, ContentItem};

struct Feed {
    root: String,
    publisher: String,
    token: String,
}

impl Feed {
    async fn new(f: &Fake) -> Feed {
        let tenant = f.run.tenant_id();
        Feed {
            root: f.url(&format!("/api/v1.0/{tenant}/activity/feed")),
            publisher: format!("PublisherIdentifier={tenant}"),
            token: f.token(audience::OFFICE_MANAGEMENT).await,
        }
    }

    async fn start(&self, f: &Fake) {
        let url = format!("{}/subscriptions/start?contentType=Audit.General&{}", self.root, self.publisher);
        let resp = f.http.post(url).bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!((body["contentType"].as_str(), body["status"].as_str()), (Some("Audit.General"), Some("enabled")));
    }

    fn content(&self, start: &str, end: &str) -> String {
        format!(
            "{}/subscriptions/content?contentType=Audit.General&startTime={start}&endTime={end}&{}",
            self.root, self.publisher
        )
    }

    /// Every content item of a window, following `NextPageUri` (adding `PublisherIdentifier`
    /// to each call, as clients must); also how many answers it took.
    async fn items(&self, f: &Fake, start: &str, end: &str) -> (Vec<ContentItem>, usize) {
        let mut out = Vec::new();
        let mut answers = 0;
        let mut url = Some(self.content(start, end));
        while let Some(u) = url.take() {
            let resp = f.get(&u, &self.token).await;
            assert_eq!(resp.status(), StatusCode::OK, "{u}");
            answers += 1;
            url = resp.headers().get("NextPageUri").map(|v| format!("{}&{}", v.to_str().unwrap(), self.publisher));
            out.extend(resp.json::<Vec<ContentItem>>().await.unwrap());
        }
        (out, answers)
    }

    async fn blob(&self, f: &Fake, item: &ContentItem) -> Vec<AuditRecord> {
        assert!(item.content_uri.starts_with(&f.run.base_url), "{}", item.content_uri);
        f.get_json(&format!("{}?{}", item.content_uri, self.publisher), &self.token).await
    }
}

fn medium(days: u32, page: usize) -> FakeConfig {
    let mut c = FakeConfig::new(Preset::Medium, 42);
    c.usage_days = Some(days);
    c.content_page_size = page;
    c
}

#[tokio::test]
async fn content_exists_only_after_subscribing_and_windows_are_checked() {
    let f = Fake::start(small()).await;
    let feed = Feed::new(&f).await;
    let day = feed.content("2026-11-01T00:00", "2026-11-02T00:00");
    let (status, code, _) = error_code(f.get(&day, &feed.token).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "AF20022"));
    feed.start(&f).await;
    let list: Value = f.get_json(&format!("{}/subscriptions/list?{}", feed.root, feed.publisher), &feed.token).await;
    assert_eq!(list[0]["contentType"], "Audit.General");
    let (items, _) = feed.items(&f, "2026-11-01T00:00", "2026-11-02T00:00").await;
    assert_eq!(items.len(), 1, "the small tenant writes one blob a day");

    let too_long = feed.content("2026-10-31T00:00:00", "2026-11-01T00:00:01");
    let (status, code, message) = error_code(f.get(&too_long, &feed.token).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "AF20055"));
    assert!(message.contains("24 hours"), "{message}");
    let one_sided = format!(
        "{}/subscriptions/content?contentType=Audit.General&startTime=2026-11-01&{}",
        feed.root, feed.publisher
    );
    assert_eq!(error_code(f.get(&one_sided, &feed.token).await).await.1, "AF20055");
    // Other audiences may not read the feed.
    let graph = f.token(audience::GRAPH).await;
    assert_eq!(f.get(&day, &graph).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_record_is_served_across_pages_and_blobs() {
    let f = Fake::start(medium(2, 2)).await;
    let expected = f.run.expected_counts().unwrap();
    let feed = Feed::new(&f).await;
    feed.start(&f).await;
    let mut items = Vec::new();
    for (start, end) in [("2026-10-31", "2026-11-01"), ("2026-11-01", "2026-11-02")] {
        let (day, answers) = feed.items(&f, start, end).await;
        assert!(day.len() > 2, "{}", day.len());
        assert_eq!(answers, day.len().div_ceil(2), "two items per answer, NextPageUri for the rest");
        items.extend(day);
    }
    assert_eq!(items.len() as u64, expected.audit_blobs);
    let mut records = 0u64;
    let mut ids = HashSet::new();
    for item in &items {
        for r in feed.blob(&f, item).await {
            records += 1;
            ids.insert(r.id);
        }
    }
    assert_eq!(records, expected.audit_records);
    assert_eq!(ids.len() as u64, expected.audit_distinct);
    assert_eq!(f.run.stats().calls_without_publisher_identifier, 0);
    let bare = format!("{}/subscriptions/list", feed.root);
    let _: Value = f.get_json(&bare, &feed.token).await;
    assert_eq!(f.run.stats().calls_without_publisher_identifier, 1);
}

#[tokio::test]
async fn the_feed_can_repeat_records_across_blobs_and_lose_their_order() {
    let f = Fake::start(medium(1, 100)).await;
    let expected = f.run.expected_counts().unwrap();
    let feed = Feed::new(&f).await;
    feed.start(&f).await;
    let (tidy, _) = feed.items(&f, "2026-11-01", "2026-11-02").await;
    let first: Vec<String> = feed.blob(&f, &tidy[0]).await.into_iter().map(|r| r.id).collect();
    let second: HashSet<String> = feed.blob(&f, &tidy[1]).await.into_iter().map(|r| r.id).collect();

    let faults = Faults { audit_cross_blob_duplicates: 0.05, audit_out_of_order: true, ..Faults::default() };
    f.http.put(f.url("/_fake/faults")).json(&faults).send().await.unwrap();
    let (messy, _) = feed.items(&f, "2026-11-01", "2026-11-02").await;
    let reversed: Vec<String> = tidy.iter().rev().map(|i| i.content_id.clone()).collect();
    assert_eq!(messy.iter().map(|i| i.content_id.clone()).collect::<Vec<_>>(), reversed);
    let blob0 = messy.iter().find(|i| i.content_id == tidy[0].content_id).unwrap();
    let served: Vec<String> = feed.blob(&f, blob0).await.into_iter().map(|r| r.id).collect();
    let repeated = served.iter().filter(|id| second.contains(*id)).count();
    assert!(repeated >= second.len() / 20, "{repeated} of the next blob's records repeated");
    assert_eq!(served.len(), first.len() + repeated);
    assert_ne!(served[..first.len()], first[..], "records are no longer in their order");

    let mut ids = HashSet::new();
    for item in &messy {
        ids.extend(feed.blob(&f, item).await.into_iter().map(|r| r.id));
    }
    assert_eq!(ids.len() as u64, expected.audit_distinct, "repeats add no new records");
}

#[tokio::test]
async fn the_o365_throttle_is_a_403_af429() {
    let f = Fake::start(small()).await;
    let feed = Feed::new(&f).await;
    feed.start(&f).await;
    let faults = Faults { af429_fraction: 1.0, max_consecutive: 0, ..Faults::default() };
    f.http.put(f.url("/_fake/faults")).json(&faults).send().await.unwrap();
    let (status, code, message) = error_code(f.get(&feed.content("2026-11-01", "2026-11-02"), &feed.token).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "AF429"));
    assert!(message.starts_with("Too many requests. Method=ListContent, PublisherId="), "{message}");
    assert!(message.ends_with(&f.run.tenant_id()), "{message}");
    assert_eq!(f.run.stats().faults.af429, 1);
}
