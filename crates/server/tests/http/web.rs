//! The web UI: pages, links that carry filters, escaping, errors, assets and headers.

use crate::fixtures::{RICH, SCRIPT_NAME, TENANT};
use crate::support::{header, hrefs, spawn_app, spawn_demo_app};
use reqwest::StatusCode;
use steward_model::ResourceKind;

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[tokio::test]
async fn overview_page_shows_figures_and_charts_and_the_inventory_its_table() {
    let app = spawn_app().await;
    let (status, html) = app.html(&format!("/?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK);
    let live = app.estate.live().count();
    for label in
        ["Environments", "Resources", "Makers", "Principals", "Orphaned", "Usage events", "Active users (30 days)"]
    {
        assert!(html.contains(label), "figure {label} missing");
    }
    assert!(html.contains(&format!("\">{live}</a>")), "resource count {live} shown, linked");
    assert!(html.contains(&format!("<span class=\"figure-value\">{}</span>", app.estate.events.len())));
    // Server-side charts (kinds, environments, weekly users), no script anywhere.
    assert_eq!(count(&html, "<svg class=\"chart-svg\""), 3);
    assert!(html.contains("Resources by kind") && html.contains("Finance Production"));
    assert!(!html.contains("<script"), "the page carries no script");
    // The inventory: header cells and one row per resource of the first page (50 by default).
    let (status, html) = app.html(&format!("/inventory?tenant={TENANT}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<th scope=\"col\" aria-sort=\"ascending\">"));
    assert_eq!(count(&html, "<th scope=\"row\"><a href=\"/resources/"), live.min(50));
    assert!(html.contains("href=\"/resources/r-01\""));
    assert!(html.contains(">Alice Ng<"), "owner names are shown");
    // The filter form has labelled controls.
    for id in ["f-kind", "f-environment", "f-owner", "f-q", "f-sort"] {
        assert!(html.contains(&format!("<label for=\"{id}\"")), "label for {id}");
    }
}

#[tokio::test]
async fn filters_survive_in_the_next_page_link_and_pages_do_not_overlap() {
    let app = spawn_app().await;
    let (status, html) = app.html("/inventory?kind=cloud_flow&q=&sort=-modified&limit=3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<option value=\"cloud_flow\" selected>"), "the selected kind is kept in the form");
    let next = hrefs(&html).into_iter().find(|h| h.contains("cursor=")).expect("a next-page link");
    assert!(next.starts_with("/inventory?"), "{next}");
    assert!(next.contains("kind=cloud_flow"), "{next}");
    assert!(next.contains("sort=-modified"), "{next}");
    assert!(next.contains("limit=3"), "{next}");
    assert!(!next.contains("q="), "blank filters are left out: {next}");

    let rows =
        |html: &str| -> Vec<String> { hrefs(html).into_iter().filter(|h| h.starts_with("/resources/")).collect() };
    let first_rows = rows(&html);
    assert_eq!(first_rows.len(), 3);
    let (status, page_two) = app.html(&next).await;
    assert_eq!(status, StatusCode::OK);
    let second_rows = rows(&page_two);
    assert!(!second_rows.is_empty());
    assert!(second_rows.iter().all(|r| !first_rows.contains(r)), "{first_rows:?} / {second_rows:?}");
    assert!(page_two.contains("First page"));

    // Every row on both pages is a cloud flow.
    let flows: Vec<String> = app
        .estate
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::CloudFlow)
        .map(|r| format!("/resources/{}", r.id))
        .collect();
    assert!(first_rows.iter().chain(&second_rows).all(|r| flows.contains(r)));
}

#[tokio::test]
async fn sort_headers_and_chart_bars_link_to_filtered_views() {
    let app = spawn_app().await;
    let (_, html) = app.html("/inventory?environment=env-sales&owner=p-bob").await;
    let links = hrefs(&html);
    let by_modified = links.iter().find(|h| h.contains("sort=-modified")).expect("a modified sort header");
    assert!(by_modified.contains("environment=env-sales") && by_modified.contains("owner=p-bob"), "{by_modified}");
    let (_, html) = app.html("/").await;
    assert!(hrefs(&html).iter().any(|h| h == "/inventory?kind=cloud_flow#resources"), "bars link to the inventory");
}

#[tokio::test]
async fn names_from_outside_are_escaped() {
    let app = spawn_app().await;
    let (_, html) = app.html(&format!("/inventory?q={}", "%3Cscript")).await;
    assert!(!html.contains(SCRIPT_NAME), "raw markup leaked into the page");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    // The search text itself is echoed into the form, escaped.
    assert!(!html.contains("value=\"<script\""));

    let (status, detail) = app.html("/resources/r-29").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!detail.contains(SCRIPT_NAME));
}

#[tokio::test]
async fn resource_detail_shows_owners_sharing_connectors_governance_and_usage() {
    let app = spawn_app().await;
    let (status, html) = app.html(&format!("/resources/{RICH}")).await;
    assert_eq!(status, StatusCode::OK);
    let rich = app.estate.resources.iter().find(|r| r.id == RICH).expect("fixture has RICH");
    assert!(html.contains(&format!("<h1>{}</h1>", rich.display_name)));
    // Owners with names and departments; Carol has left.
    assert!(html.contains("Alice Ng") && html.contains("Finance"));
    assert!(html.contains("Carol Diaz") && html.contains(">Left<"));
    // Sharing.
    assert!(html.contains("Shared with everyone") && html.contains("Dave Kim") && html.contains("12 users"));
    // Connectors with tier.
    assert!(html.contains("SQL Server") && html.contains(">Premium<") && html.contains("shared_sharepointonline"));
    // Governance and attributes.
    assert!(html.contains("CC-1001") && html.contains("Fall back to the paper form") && html.contains(">High<"));
    assert!(html.contains("appPlanClassification"));
    // The usage chart: 30 columns, ten launches in the window.
    assert_eq!(count(&html, "<rect class=\"column\""), 30);
    assert!(html.contains("10 uses in 30 days"), "usage summary");
    assert!(html.contains("Finance Production"), "environment name");
}

#[tokio::test]
async fn unknown_pages_and_ids_are_html_404s() {
    let app = spawn_app().await;
    let (status, html) = app.html("/resources/r-bogus").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("r-bogus") && html.contains("Not found"));
    let (status, _) = app.html("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, html) = app.html("/inventory?kind=spreadsheet").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("canvas_app"), "the error page lists the kinds");
}

#[tokio::test]
async fn environments_page_lists_environments_with_links() {
    let app = spawn_app().await;
    let (status, html) = app.html("/environments").await;
    assert_eq!(status, StatusCode::OK);
    for env in &app.estate.environments {
        assert!(html.contains(&env.display_name), "{} missing", env.display_name);
    }
    assert!(hrefs(&html).contains(&"/inventory?environment=env-fin#resources".to_string()));
    assert!(html.contains("aria-current=\"page\">Environments"));
    let (_, html) = app.html("/environments?q=sales").await;
    assert!(html.contains("Sales Sandbox") && !html.contains("Finance Production"));
}

#[tokio::test]
async fn demo_banner_only_in_demo_mode() {
    let demo = spawn_demo_app().await;
    let (_, html) = demo.html("/").await;
    assert!(html.contains("Demo data: synthetic tenant"));
    let (_, html) = demo.html("/environments").await;
    assert!(html.contains("Demo data: synthetic tenant"));

    let app = spawn_app().await;
    let (_, html) = app.html("/").await;
    assert!(!html.contains("Demo data"));
}

#[tokio::test]
async fn stylesheet_is_embedded_versioned_and_cached() {
    let app = spawn_app().await;
    let (_, html) = app.html("/").await;
    let css =
        hrefs(&html).into_iter().find(|h| h.starts_with("/static/steward.") && h.ends_with(".css")).expect("link");
    let response = app.get(&css).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("text/css"));
    assert!(header(&response, "cache-control").contains("max-age=31536000"));
    assert!(response.text().await.unwrap_or_default().contains(".figures"));
    assert_eq!(app.get("/static/steward.0.0.0-deadbeef.css").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn security_headers_on_every_kind_of_response() {
    let app = spawn_app().await;
    for path in ["/", "/api/v1/resources", "/healthz", "/resources/r-bogus", "/api/v1/resources?kind=x", "/nowhere"] {
        let response = app.get(path).await;
        assert_eq!(header(&response, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&response, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&response, "referrer-policy"), "same-origin", "{path}");
        let csp = header(&response, "content-security-policy");
        assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn a_resource_without_use_says_so_instead_of_drawing_an_empty_chart() {
    let app = spawn_app().await;
    let (status, html) = app.html("/resources/r-02").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No recorded use in this window."));
    assert_eq!(count(&html, "<rect class=\"column\""), 0);
    let r02 = app.estate.resources.iter().find(|r| r.id == "r-02").expect("fixture has r-02");
    let owner =
        r02.primary_owner().and_then(|id| app.estate.principals.iter().find(|p| p.id == id)).expect("known owner");
    assert!(html.contains(&owner.display_name), "owner name shown");
    assert!(html.contains(owner.department.as_deref().unwrap_or("?")), "owner department shown");
}
