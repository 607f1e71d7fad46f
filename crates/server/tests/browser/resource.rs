//! Opening a resource from a list: its page names the owners (with the leaver marked) and the
//! criticality with where it comes from.

use crate::app::{self, VIEWER};
use crate::driver;
use crate::fixtures::RICH;
use crate::signin::sign_in;

#[tokio::test]
async fn a_resource_page_shows_its_owners_and_criticality() {
    let Some(browser) = driver::start("resource").await else { return };
    let app = app::spawn().await;
    sign_in(&browser, &app, VIEWER, "/inventory").await;

    // Find it by name in the inventory, then open it.
    let rich = app.estate.resources.iter().find(|r| r.id == RICH).expect("the rich resource");
    browser.fill("#f-q", &rich.display_name).await;
    browser.click("form.filters button[type=submit]").await;
    browser.wait_for_url("the inventory searched by name", |u| u.query().is_some_and(|q| q.contains("q="))).await;
    browser.click(&format!("#resources a[href=\"/resources/{RICH}\"]")).await;
    browser.wait_for_url("the resource page", |u| u.path() == format!("/resources/{RICH}")).await;
    assert_eq!(browser.text("h1").await, rich.display_name);

    let owners = browser.text("section[aria-labelledby=owners-title]").await;
    assert!(owners.contains("Alice Ng"), "the owner is named: {owners}");
    assert!(owners.contains("Carol Diaz") && owners.contains("Left"), "the co-owner who left is marked: {owners}");
    let criticality = browser.text("#crit-title").await;
    assert_eq!(criticality, "Criticality");
    let section = browser.text("section[aria-labelledby=crit-title]").await;
    // The fixture declares a high business impact, which decides the level.
    assert!(section.contains("High"), "criticality from the declared impact: {section}");
    assert!(section.contains("Declared impact"), "{section}");
    browser.screenshot("resource").await;
    browser.finish().await;
}
