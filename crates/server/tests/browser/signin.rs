//! Signing in with a local account: a page that needs a user sends the browser to the sign-in
//! form, a wrong password is refused with a message, the right one lands where it started.

use crate::app::{self, ADMIN, App, PASSWORD};
use crate::driver::{self, Browser};

/// Sign in through the form, starting from `path`; returns on the page `path` names.
pub async fn sign_in(browser: &Browser, app: &App, username: &str, path: &str) {
    browser.goto(&app.url(path)).await;
    browser.wait_for_url("the sign-in page", |u| u.path() == "/signin").await;
    browser.fill("#signin-username", username).await;
    browser.fill("#signin-password", PASSWORD).await;
    browser.click(".signin-form button[type=submit]").await;
    let wanted = path.split('?').next().unwrap_or(path).to_string();
    browser.wait_for_url(path, |u| u.path() == wanted).await;
    browser.find(".account-name").await;
}

#[tokio::test]
async fn signing_in_refuses_a_wrong_password_then_returns_to_the_page_asked_for() {
    let Some(browser) = driver::start("signin").await else { return };
    let app = app::spawn().await;

    browser.goto(&app.url("/compliance")).await;
    let at = browser.wait_for_url("the sign-in page", |u| u.path() == "/signin").await;
    assert!(at.query().unwrap_or_default().contains("next="), "the sign-in page remembers where to go: {at}");
    browser.fill("#signin-username", ADMIN).await;
    browser.fill("#signin-password", "not the password at all").await;
    browser.click(".signin-form button[type=submit]").await;
    let error = browser.text(".form-error").await;
    assert!(!error.is_empty(), "a refused sign-in says so");
    assert_eq!(browser.find("#signin-username").await.prop("value").await.unwrap().as_deref(), Some(ADMIN));
    browser.screenshot("signin").await;

    browser.fill("#signin-password", PASSWORD).await;
    browser.click(".signin-form button[type=submit]").await;
    browser.wait_for_url("/compliance", |u| u.path() == "/compliance").await;
    assert_eq!(browser.text(".account-name").await, "Ada Admin");
    assert!(!browser.text("h1").await.is_empty(), "the page asked for is shown");
    browser.screenshot("signed-in").await;

    // Signing out ends the session: the next page asks again.
    browser.click(".account-box button[type=submit]").await;
    browser.goto(&app.url("/")).await;
    browser.wait_for_url("the sign-in page", |u| u.path() == "/signin").await;
    browser.finish().await;
}
