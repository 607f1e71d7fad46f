//! Filtering the inventory: pick an environment and a kind, apply, and see only the matching
//! resources; the filters are in the URL, so the view can be shared.

use crate::app::{self, ADMIN};
use crate::driver;
use crate::fixtures::TENANT;
use crate::signin::sign_in;
use steward_model::ResourceKind;

#[tokio::test]
async fn filtering_by_environment_and_kind_shows_only_matching_rows() {
    let Some(browser) = driver::start("inventory").await else { return };
    let app = app::spawn().await;
    sign_in(&browser, &app, ADMIN, "/inventory").await;

    browser.select("#f-environment", "env-fin").await;
    browser.select("#f-kind", ResourceKind::CloudFlow.as_str()).await;
    browser.click("form.filters button[type=submit]").await;
    let url = browser
        .wait_for_url("the filtered inventory", |u| {
            let q = u.query().unwrap_or_default();
            q.contains("environment=env-fin") && q.contains("kind=cloud_flow")
        })
        .await;
    assert_eq!(url.path(), "/inventory");

    let mut expected: Vec<String> = app
        .estate
        .live()
        .filter(|r| r.environment_id == "env-fin" && r.kind == ResourceKind::CloudFlow && r.tenant_id == TENANT)
        .map(|r| r.display_name.clone())
        .collect();
    expected.sort();
    assert!(expected.len() >= 2, "the fixture has several flows in env-fin: {expected:?}");
    let rows = browser.find_all("#resources table.data tbody tr").await;
    let mut names = Vec::new();
    for row in &rows {
        let mut cells = Vec::new();
        for cell in row.find_all(fantoccini::Locator::Css("th, td")).await.expect("cells") {
            cells.push(cell.text().await.expect("cell text"));
        }
        assert_eq!(cells[1], ResourceKind::CloudFlow.label(), "every row is a cloud flow: {cells:?}");
        assert_eq!(cells[2], "Finance Production", "every row is in the environment picked: {cells:?}");
        names.push(cells[0].clone());
    }
    names.sort();
    assert_eq!(names, expected, "exactly the matching resources");
    // The form shows the filters it applied.
    let kind = browser.find("#f-kind").await.prop("value").await.expect("value");
    assert_eq!(kind.as_deref(), Some("cloud_flow"));
    browser.screenshot("inventory").await;

    // The URL is the view: opened afresh it lists the same rows.
    browser.goto(url.as_str()).await;
    assert_eq!(browser.find_all("#resources table.data tbody tr").await.len(), expected.len());
    browser.finish().await;
}
