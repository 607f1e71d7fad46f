//! Prometheus metrics at `/metrics` (OpenMetrics text), recorded by one middleware.
//!
//! Labels stay bounded: the route is the registered pattern (`/api/v1/resources/{id}`), never
//! the raw path, and anything that matched no route counts as `unmatched`; the status is its
//! class (`2xx`…`5xx`). Recording costs two atomic updates and two family lookups per request,
//! so it stays out of the way of the API's throughput goal.

use crate::AppState;
use crate::error::{ErrorBody, ErrorDetail};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What Prometheus servers ask for and get.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of requests no route matched (404s of unknown paths).
pub const UNMATCHED: &str = "unmatched";

/// Latency buckets, in seconds: sub-millisecond API reads up to slow report pages.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: &'static str,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BackendLabels {
    backend: &'static str,
}

/// The metrics of one server, and who may read them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    store_up: Family<BackendLabels, Gauge>,
    /// The registered route patterns, so that labels borrow `'static` strings.
    routes: HashSet<&'static str>,
    /// `[server] metrics_token`: when set, `/metrics` needs `Authorization: Bearer <token>`.
    token: Option<String>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").field("token", &self.token.as_ref().map(|_| "***")).finish_non_exhaustive()
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

impl Metrics {
    pub fn new(token: Option<String>) -> Metrics {
        let mut registry = Registry::default();
        // The conventional unprefixed name, so that standard dashboards find it.
        let started = Gauge::<f64, AtomicU64>::default();
        started.set(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or_default());
        registry.register("process_start_time_seconds", "When the server started, in Unix seconds", started);

        let steward = registry.sub_registry_with_prefix("steward");
        let requests = Family::<RequestLabels, Counter>::default();
        steward.register(
            "http_requests",
            "HTTP requests answered, by method, matched route and status class",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        steward.register_with_unit(
            "http_request_duration",
            "Time to answer a request, by method and matched route",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        let in_flight = Gauge::default();
        steward.register("http_requests_in_flight", "Requests being answered now", in_flight.clone());
        let store_up = Family::<BackendLabels, Gauge>::default();
        steward.register(
            "store_up",
            "1 when the store answered the last readiness probe (or scrape), else 0",
            store_up.clone(),
        );
        steward.register("build", "The running version", Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]));

        let routes = crate::routes::endpoints().into_iter().map(|e| e.path).collect();
        let token = token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        Metrics { registry, requests, latency, in_flight, store_up, routes, token }
    }

    /// Record whether the store answered a probe.
    pub fn store_up(&self, backend: &'static str, up: bool) {
        self.store_up.get_or_create(&BackendLabels { backend }).set(i64::from(up));
    }

    /// The metrics as OpenMetrics text.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::with_capacity(8 * 1024);
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    fn route(&self, matched: Option<&MatchedPath>) -> &'static str {
        matched.and_then(|m| self.routes.get(m.as_str()).copied()).unwrap_or(UNMATCHED)
    }

    fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else { return true };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        constant_time_eq(given.as_bytes(), token.as_bytes())
    }
}

/// Equal without an early exit, so the time taken tells nothing about how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Counts a request in flight until dropped, also when the client goes away mid-answer.
struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Middleware (`axum::middleware::from_fn_with_state`): count, time and label every request.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = state.metrics.clone();
    let method = method_label(request.method());
    let route = metrics.route(request.extensions().get::<MatchedPath>());
    metrics.in_flight.inc();
    let _guard = InFlight(&metrics.in_flight);
    let start = Instant::now();
    let response = next.run(request).await;
    metrics.latency.get_or_create(&RouteLabels { method, route }).observe(start.elapsed().as_secs_f64());
    metrics.requests.get_or_create(&RequestLabels { method, route, status: status_class(response.status()) }).inc();
    response
}

/// `GET /metrics`: probes the store (as `/readyz` does), then answers every metric.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.metrics.allows(&headers) {
        let body = ErrorBody {
            error: ErrorDetail {
                code: "unauthenticated".into(),
                message: "/metrics needs the metrics token: send `Authorization: Bearer <[server] metrics_token>`"
                    .into(),
            },
        };
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    // The gauge is what the probe saw; its error response is not ours to answer here.
    let _ = crate::api::health::probe(&state).await;
    match state.metrics.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))], text).into_response(),
        Err(e) => crate::ApiError::internal("encoding the metrics", e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_bounded() {
        let metrics = Metrics::new(None);
        assert_eq!(metrics.route(None), UNMATCHED);
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }

    #[test]
    fn the_token_is_compared_whole() {
        let metrics = Metrics::new(Some(" s3cret ".into()));
        let mut headers = HeaderMap::new();
        assert!(!metrics.allows(&headers));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer s3cre"));
        assert!(!metrics.allows(&headers));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer s3cret"));
        assert!(metrics.allows(&headers));
        assert!(Metrics::new(Some("  ".into())).allows(&HeaderMap::new()), "a blank token means no token");
    }

    #[test]
    fn the_text_names_every_metric() {
        let metrics = Metrics::new(None);
        metrics.store_up("sqlite", true);
        let text = metrics.encode().unwrap();
        for name in [
            "steward_http_requests_in_flight",
            "steward_store_up{backend=\"sqlite\"} 1",
            "steward_build_info{version=",
            "\nprocess_start_time_seconds ",
            "# EOF",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
