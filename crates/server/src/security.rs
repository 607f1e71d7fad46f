//! Security headers on every response, including errors and static files.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Only our own stylesheet, images and forms; no script at all, no framing. Charts are
/// inline SVG styled through classes, so no inline style is needed either.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// No page needs a camera, a microphone, the location or payment.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// One year, the value HSTS preload lists ask for; sent only when Steward is reached over https
/// (`[server] public_url`), since over plain http a browser ignores it anyway.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// What the header layer needs to know about the deployment.
#[derive(Debug, Clone, Copy)]
pub struct Headers {
    hsts: bool,
}

impl Headers {
    pub fn new(https: bool) -> Headers {
        Headers { hsts: https }
    }
}

/// Response middleware (`axum::middleware::map_response_with_state`).
pub async fn add_headers(State(config): State<Headers>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert("permissions-policy", HeaderValue::from_static(PERMISSIONS_POLICY));
    if config.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    response
}
