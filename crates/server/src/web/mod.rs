//! The server-rendered web UI: one module per page, askama templates with typed contexts
//! in `templates/`, a shared layout (`base.html`) and partials.

mod account;
mod admin;
pub mod assets;
mod catalog;
mod charts;
mod compliance;
mod connectors;
mod cost;
mod environments;
pub mod errors;
mod format;
mod inventory;
mod jobs;
mod links;
mod makers;
mod maturity;
mod notifications;
mod overview;
mod queues;
mod report;
mod resource_governance;
mod resource_table;
mod resources;
mod value;

use crate::AppState;
use crate::auth::{Caller, Via};
use crate::error::ApiError;
use crate::routes::{Access, Routes};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};

pub fn routes() -> Routes {
    Routes::new()
        .get("/", Access::Read, overview::show)
        .get("/environments", Access::Read, environments::list)
        // The inventory (issue #6): every filter in the URL, each list with its CSV export.
        .get("/inventory", Access::Read, inventory::show)
        .get("/inventory.csv", Access::Read, inventory::csv)
        .get("/environments.csv", Access::Read, environments::csv)
        .get("/makers", Access::Read, makers::list)
        .get("/makers.csv", Access::Read, makers::csv)
        .get("/connectors", Access::Read, connectors::list)
        .get("/connectors.csv", Access::Read, connectors::csv)
        .get("/compliance", Access::Read, compliance::show)
        .get("/resources/{id}", Access::Read, resources::show)
        // The board report's JSON sits beside its page: one module, one way to read the parameters.
        .get("/reports/board", Access::Read, report::page)
        .get("/api/v1/reports/board", Access::Read, report::json)
        .get("/static/{file}", Access::Public, assets::serve)
        // The app catalog (issue #6): store front, items and their forms, placeholder screenshots.
        .merge(catalog::routes())
        // Accounts (issue #6): my tokens; users and the audit trail for admins.
        .get("/account", Access::Read, account::show)
        .post("/account/tokens", Access::Rate, account::create_token)
        .post("/account/tokens/{id}/revoke", Access::Rate, account::revoke_token)
        .get("/admin/users", Access::Admin, admin::users)
        .post("/admin/users", Access::Admin, admin::create_user)
        .post("/admin/users/{id}", Access::Admin, admin::update_user)
        .get("/admin/audit", Access::Admin, admin::audit)
        // Jobs (issue #9): schedules, runs, run now, requeue.
        .merge(jobs::routes())
        // Review queues (issue #6): what waits for the signed-in user, with the decisions inline.
        .get("/queues", Access::Read, queues::show)
        .post("/queues/detections/{id}", Access::Admin, queues::review_detection)
        .post("/queues/publications/{id}/approve", Access::EnvAdmin, queues::approve_publication)
        .post("/queues/publications/{id}/reject", Access::EnvAdmin, queues::reject_publication)
        .post("/queues/exemption-requests/{id}/approve", Access::EnvAdmin, queues::approve_exemption)
        .post("/queues/exemption-requests/{id}/decline", Access::EnvAdmin, queues::decline_exemption)
        .post("/queues/tasks/{id}/answer", Access::Maker, queues::answer_task)
        // Business value (issue #7): value and ROI pages, the resource page's value forms.
        .merge(value::routes())
        .merge(cost::routes())
        // Maturity assessments (issue #8): list, report, answer forms, comparison, ALM findings.
        .merge(maturity::routes())
        // Notifications and the community (issue #9): deliveries, my notifications, directory, feedback.
        .merge(notifications::routes())
}

/// Which part of the site a page belongs to, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Catalog,
    Overview,
    Inventory,
    Environments,
    Makers,
    Connectors,
    Compliance,
    Reports,
    Queues,
    Value,
    Costs,
    Maturity,
    Users,
    Audit,
    Jobs,
    Deliveries,
    Community,
    Account,
}

/// What the shared layout needs from every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub demo: bool,
    pub stylesheet: &'static str,
    pub version: &'static str,
    pub nav: Vec<NavItem>,
    /// Links beside the signed-in user (my account; users and the audit trail for admins),
    /// kept out of the main navigation so that it fits on one line.
    pub account_links: Vec<NavItem>,
    /// Who is signed in (absent on the sign-in page and errors met before signing in).
    pub user: Option<SignedIn>,
    /// The session's CSRF token: every POST form carries it as hidden field `csrf`.
    pub csrf: String,
}

/// The header's account box.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub display_name: String,
    pub username: String,
    pub role: &'static str,
    /// The demo admin cannot sign out (nobody signed in).
    pub can_sign_out: bool,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// A count beside the label (the review queues' items).
    pub badge: Option<u64>,
}

impl Layout {
    pub fn new(state: &AppState, caller: &Caller, title: impl Into<String>, section: Option<Section>) -> Layout {
        let mut layout = Layout::public(state, title);
        let item = |href, label, s| NavItem { href, label, current: section == Some(s), badge: None };
        layout.nav = vec![
            item("/", "Overview", Section::Overview),
            item("/catalog", "Catalog", Section::Catalog),
            item("/inventory", "Inventory", Section::Inventory),
            item("/environments", "Environments", Section::Environments),
            item("/makers", "Makers", Section::Makers),
            item("/connectors", "Connectors", Section::Connectors),
            item("/compliance", "Compliance", Section::Compliance),
            item("/reports/board", "Board report", Section::Reports),
            NavItem { badge: crate::queues::badge::badge(state, caller), ..item("/queues", "Queues", Section::Queues) },
            item("/value", "Value", Section::Value),
            item("/costs", "Costs", Section::Costs),
            item("/maturity", "Maturity", Section::Maturity),
            item("/community", "Community", Section::Community),
        ];
        // Makers and the board come for the catalog first; admins for the overview.
        if matches!(caller.role, steward_model::Role::Maker | steward_model::Role::Viewer) {
            layout.nav.swap(0, 1);
        }
        if caller.via != Via::Demo {
            layout.account_links.push(item("/account", "Account", Section::Account));
        }
        if caller.is_admin() {
            layout.account_links.push(item("/admin/users", "Users", Section::Users));
            layout.account_links.push(item("/admin/audit", "Audit trail", Section::Audit));
            layout.account_links.push(item("/admin/jobs", "Jobs", Section::Jobs));
            layout.account_links.push(item("/admin/deliveries", "Deliveries", Section::Deliveries));
        }
        layout.user = Some(SignedIn {
            display_name: caller.display_name.clone(),
            username: caller.username.clone(),
            role: caller.role.as_str(),
            can_sign_out: caller.via == Via::Session,
        });
        layout.csrf = caller.csrf.clone().unwrap_or_default();
        layout
    }

    /// Show `count` on the "Queues" item (a page that has just counted the queues).
    pub fn set_queue_badge(&mut self, count: u64) {
        for item in self.nav.iter_mut().filter(|i| i.href == "/queues") {
            item.badge = (count > 0).then_some(count);
        }
    }

    /// The layout of a page nobody needs to be signed in for: no navigation, no account box.
    pub fn public(state: &AppState, title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            demo: state.demo,
            stylesheet: assets::STYLESHEET_PATH.as_str(),
            version: env!("CARGO_PKG_VERSION"),
            nav: Vec::new(),
            account_links: Vec::new(),
            user: None,
            csrf: String::new(),
        }
    }
}

/// Render a page, or the error page when building it failed.
pub fn respond<T: Template>(state: &AppState, page: Result<T, ApiError>) -> Response {
    match page.and_then(|p| p.render().map_err(|e| ApiError::internal("rendering a page", e))) {
        Ok(html) => Html(html).into_response(),
        Err(error) => errors::page(state, error),
    }
}
