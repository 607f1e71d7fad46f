//! Steward's HTTP server: the JSON API under `/api/v1` and the server-rendered web UI.
//!
//! The layout follows crates.io and kanidm: handlers grouped by resource ([`api`] for JSON,
//! `web` for HTML), query parameters read into typed structs, one error type ([`ApiError`])
//! with one JSON shape, askama templates with typed contexts, and static assets embedded in
//! the binary under a content-versioned path so browsers may cache them for a year.

pub mod api;
pub mod audit;
pub mod auth;
pub mod catalog;
mod error;
pub mod estate_cache;
mod export;
mod inventory;
pub mod maturity;
pub mod metrics;
mod params;
pub mod queues;
pub mod routes;
mod security;
mod web;

pub use error::{ApiError, ErrorBody, ErrorDetail, ServerError};
pub use web::assets::STYLESHEET_PATH;

use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn steward_store::Store>,
    /// Serving the synthetic demo tenant: every page says so.
    pub demo: bool,
    /// Criticality rules, service levels, support matrix and RACI (`[governance]
    /// responsibility` in steward.toml), so that pages agree with the CLI and the policies.
    pub responsibility: Arc<steward_responsibility::Config>,
    /// Sessions, cookies, the sign-in rate limit and OpenID Connect (`[auth]`, `[server]`).
    pub auth: Arc<auth::AuthState>,
    /// Request counts and latencies for `/metrics`, and its token (`[server] metrics_token`).
    pub metrics: Arc<metrics::Metrics>,
    /// The app catalog's search index, shared by every clone of the state.
    pub catalog: Arc<catalog::CatalogIndex>,
    /// The review queues' count per user, for the navigation badge.
    pub queues: Arc<queues::badge::Badges>,
    /// Estate-wide counts kept briefly for the overview (see `estate_cache`).
    pub estate: Arc<estate_cache::EstateCache>,
    /// `[value]` hourly costs and `[cost]` for ROI (issue #7).
    pub value: Arc<api::value::ValueSettings>,
    /// Maturity models, `[assess]` and what the evidence reads (sync sources, responsibility file).
    pub maturity: Arc<maturity::MaturitySettings>,
}

impl AppState {
    /// A state with the shipped responsibility defaults.
    pub fn new(store: Arc<dyn steward_store::Store>, demo: bool) -> AppState {
        AppState {
            store,
            demo,
            responsibility: Arc::new(steward_responsibility::Config::defaults()),
            auth: Arc::new(auth::AuthState::default()),
            metrics: Arc::new(metrics::Metrics::new(None)),
            catalog: Arc::new(catalog::CatalogIndex::new()),
            queues: Arc::new(queues::badge::Badges::new()),
            estate: Arc::new(estate_cache::EstateCache::default()),
            value: Arc::new(api::value::ValueSettings::default()),
            maturity: Arc::new(maturity::MaturitySettings::default()),
        }
    }

    /// Use these maturity models and settings (`steward serve` loads `[assess]`).
    pub fn with_maturity(mut self, settings: maturity::MaturitySettings) -> AppState {
        self.maturity = Arc::new(settings);
        self
    }

    /// Use these hourly costs and cost settings (`steward serve` reads `[value]`).
    pub fn with_value(mut self, settings: api::value::ValueSettings) -> AppState {
        self.value = Arc::new(settings);
        self
    }

    /// Use a catalog index built already (`steward demo` builds it after seeding).
    pub fn with_catalog(mut self, index: steward_catalog::Catalog) -> AppState {
        self.catalog = Arc::new(catalog::CatalogIndex::with(index));
        self
    }

    /// Require `Authorization: Bearer <token>` on `/metrics` (none: public; firewall it).
    pub fn with_metrics_token(mut self, token: Option<String>) -> AppState {
        self.metrics = Arc::new(metrics::Metrics::new(token));
        self
    }
}

/// The whole application: API, web UI, static assets, security headers and request tracing.
pub fn router(state: AppState) -> Router {
    let (routes, endpoints) = routes::all().into_parts();
    let gate = auth::middleware::Gate {
        state: state.clone(),
        table: Arc::new(auth::middleware::AccessTable::new(&endpoints)),
    };
    let headers = security::Headers::new(state.auth.https());
    routes
        .fallback(web::errors::fallback)
        .method_not_allowed_fallback(web::errors::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(gate, auth::middleware::authenticate))
        // Axum's own rejections (bad path encoding, body too large) in the API's error shape.
        .layer(axum::middleware::from_fn(api::errors::json_errors))
        // Outside the gate, so that refusals are counted too.
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::map_response_with_state(headers, security::add_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve on an already-bound listener until `shutdown` resolves (graceful).
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| "an unknown address".into());
    tracing::info!(%addr, backend = state.store.backend(), demo = state.demo, "serving HTTP");
    // The catalog index is built now and follows the store (other replicas' changes too).
    let refresher = catalog::index::spawn_refresh(state.clone());
    let purger = auth::session::spawn_purge(state.clone());
    // The peer address feeds the sign-in rate limit.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    refresher.abort();
    purger.abort();
    served.map_err(|source| ServerError::Serve { addr, source })
}
