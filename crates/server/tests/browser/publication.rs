//! Approving a publication: an admin finds the maker's submitted item in the review queue,
//! opens it, sees the checklist pass, approves it, and the item is listed and searchable.

use crate::app::{self, ADMIN, SUBMITTED};
use crate::driver;
use crate::signin::sign_in;
use steward_store::auth::AuditQuery;

#[tokio::test]
async fn an_admin_approves_a_submitted_item_and_it_becomes_searchable() {
    let Some(browser) = driver::start("publication").await else { return };
    let app = app::spawn().await;
    let id = app.submitted;
    sign_in(&browser, &app, ADMIN, "/queues").await;

    // The queue lists the submitted item; its title leads to the item.
    let queue = browser.text("#publications").await;
    assert!(queue.contains(SUBMITTED), "the queue lists the submitted item: {queue}");
    browser.click(&format!("#publications a[href=\"/catalog/{id}\"]")).await;
    browser.wait_for_url("the item page", |u| u.path() == format!("/catalog/{id}")).await;
    assert_eq!(browser.text("h1").await, SUBMITTED);
    assert!(browser.text(".subtitle").await.contains("Waiting for approval"));
    assert!(browser.page_text().await.contains("The checklist passes."));

    browser.click(&format!("form[action=\"/catalog/{id}/approve\"] button[type=submit]")).await;
    browser.wait_for_url("the item after approval", |u| u.path() == format!("/catalog/{id}")).await;
    // The approval redirects to the same page: wait for the new one to say so.
    browser.wait_for_text(".subtitle", "Listed").await;
    assert!(
        browser.find_all(&format!("form[action=\"/catalog/{id}/approve\"]")).await.is_empty(),
        "nothing to approve"
    );
    browser.screenshot("publication").await;

    // Listed means searchable, and the queue is empty again.
    browser.goto(&app.url("/catalog?q=onboarding")).await;
    let titles = browser.text(".catalog-results").await;
    assert!(titles.contains(SUBMITTED), "the approved item is found: {titles}");
    browser.goto(&app.url("/queues")).await;
    assert!(!browser.page_text().await.contains(SUBMITTED), "the queue no longer lists it");

    // The store agrees, and the audit trail names the admin.
    let item = app.store.get_catalog_item(id).await.expect("read").expect("the item");
    assert_eq!(item.state, steward_catalog::PublicationState::Listed);
    let query = AuditQuery { action_prefix: Some("catalog.approve".into()), ..AuditQuery::default() };
    let entries = app.store.list_audit(&query).await.expect("read the audit trail");
    assert!(entries.iter().any(|e| e.actor == ADMIN && e.via == "ui"), "the approval is audited: {entries:?}");
    browser.finish().await;
}
