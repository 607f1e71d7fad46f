//! Searching the catalog: words find the items that mention them, a facet narrows the results,
//! and the URL carries both, so a search can be shared.

use crate::app::{self, LISTED, SUBMITTED, VIEWER};
use crate::driver;
use crate::signin::sign_in;

#[tokio::test]
async fn a_search_with_a_facet_finds_the_expected_item() {
    let Some(browser) = driver::start("catalog-search").await else { return };
    let app = app::spawn().await;
    sign_in(&browser, &app, VIEWER, "/catalog").await;

    browser.fill("#catalog-q", "expense").await;
    browser.click(".catalog-search button[type=submit]").await;
    let url =
        browser.wait_for_url("a search for expense", |u| u.query().is_some_and(|q| q.contains("q=expense"))).await;
    let expected: Vec<&str> =
        LISTED.iter().map(|(t, ..)| *t).filter(|t| t.to_lowercase().contains("expense")).collect();
    let mut titles = card_titles(&browser).await;
    titles.sort();
    let mut wanted: Vec<String> = expected.iter().map(|t| t.to_string()).collect();
    wanted.sort();
    assert_eq!(titles, wanted, "the words find exactly the items that mention them ({url})");

    // The kind facet: "Flow" narrows to the one flow, and keeps the words.
    browser.click(".catalog-facets a.facet-link[href*='kind=flow']").await;
    let url = browser.wait_for_url("the flow facet", |u| u.query().is_some_and(|q| q.contains("kind=flow"))).await;
    assert!(url.query().unwrap_or_default().contains("q=expense"), "the words stay: {url}");
    assert_eq!(card_titles(&browser).await, ["Expense report reminders"]);
    assert!(browser.text("#result-count").await.starts_with("1 "), "one result");
    let selected = browser.text(".catalog-facets a.facet-selected").await;
    assert!(selected.contains("Flow") || selected.contains("flow"), "the facet shows as selected: {selected}");
    // The item waiting for approval is nowhere in the results.
    assert!(!browser.page_text().await.contains(SUBMITTED));
    browser.screenshot("catalog-search").await;

    // The shared URL shows the same results in a fresh visit.
    browser.goto(url.as_str()).await;
    assert_eq!(card_titles(&browser).await, ["Expense report reminders"]);
    browser.finish().await;
}

async fn card_titles(browser: &driver::Browser) -> Vec<String> {
    browser.find(".catalog-results").await;
    let mut titles = Vec::new();
    for card in browser.find_all(".catalog-results .catalog-card-title").await {
        titles.push(card.text().await.expect("a card title"));
    }
    titles
}
