//! Cross-site request forgery: a browser sends the session cookie with any request, even one
//! another site makes it send. Two checks stop that for every POST/PUT/DELETE:
//!
//! 1. the request must not come from another origin (`Origin`, or `Sec-Fetch-Site` when a
//!    browser sends no `Origin`);
//! 2. a cookie-authenticated request must carry the session's CSRF token: header
//!    `X-CSRF-Token`, or form field `csrf` in a urlencoded form (the layout puts it in every
//!    form), or query parameter `csrf` for a multipart form.
//!
//! Requests with an API token are exempt from the token: browsers never add a bearer token
//! on their own.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use subtle::ConstantTimeEq;

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf";

/// Forms are small; a body beyond this is not a form we render.
const FORM_LIMIT: usize = 1024 * 1024;

/// Whether the method changes something (and so needs the checks).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuse a request made by another site. `own_origin` is the configured public URL's
/// origin (`https://steward.example.com`); without one, the request's own `Host` is the
/// reference.
pub fn check_origin(headers: &HeaderMap, own_origin: Option<&str>) -> Result<(), ApiError> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let same = match own_origin {
            Some(own) => origin.eq_ignore_ascii_case(own),
            None => {
                let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
                // Without a configured public URL the scheme is unknown (TLS may end at a proxy):
                // compare the authority only.
                let authority = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
                !host.is_empty() && authority.eq_ignore_ascii_case(host)
            }
        };
        if !same {
            return Err(cross_site(origin));
        }
        return Ok(());
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") | Some("same-site") => Err(cross_site("another site")),
        _ => Ok(()),
    }
}

fn cross_site(origin: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "this request came from {origin}, not from Steward's own pages; changes are accepted only from Steward \
         itself (or with an API token)"
    ))
}

/// Check the CSRF token of a cookie-authenticated request and hand the request back (its
/// body read and restored when the token was in a form).
pub async fn check_token(request: Request, expected: &str) -> Result<Request, ApiError> {
    if let Some(sent) = request.headers().get(HEADER) {
        return if matches(sent.as_bytes(), expected) { Ok(request) } else { Err(wrong()) };
    }
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if content_type.starts_with("multipart/form-data") {
        let sent = request.uri().query().and_then(|q| field(q.as_bytes()));
        return match sent {
            Some(sent) if matches(sent.as_bytes(), expected) => Ok(request),
            Some(_) => Err(wrong()),
            None => Err(missing()),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(missing());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest(format!("the form is larger than {} KiB", FORM_LIMIT / 1024)))?;
    match field(&bytes) {
        Some(sent) if matches(sent.as_bytes(), expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Some(_) => Err(wrong()),
        None => Err(missing()),
    }
}

fn field(urlencoded: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(urlencoded).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned())
}

/// Constant time, so that the comparison does not tell how much of a guess was right.
pub fn matches(sent: &[u8], expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.ct_eq(expected.as_bytes()))
}

fn missing() -> ApiError {
    ApiError::Forbidden(
        "this change needs the CSRF token of your session: reload the page and submit the form again (API clients \
         send header X-CSRF-Token, from GET /api/v1/me, or use an API token)"
            .into(),
    )
}

fn wrong() -> ApiError {
    ApiError::Forbidden(
        "the CSRF token does not match your session (it may be from an older sign-in): reload the page and submit \
         the form again"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origins_are_compared_with_the_host_or_the_public_url() {
        assert!(
            check_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]), None).is_ok()
        );
        assert!(
            check_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://evil.example")]), None).is_err()
        );
        assert!(check_origin(&headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]), None).is_err());
        let own = Some("https://steward.example.com");
        assert!(check_origin(&headers(&[("origin", "https://steward.example.com")]), own).is_ok());
        assert!(check_origin(&headers(&[("origin", "http://steward.example.com")]), own).is_err());
        assert!(check_origin(&headers(&[("sec-fetch-site", "cross-site")]), own).is_err());
        assert!(check_origin(&headers(&[("sec-fetch-site", "same-origin")]), own).is_ok());
        assert!(check_origin(&headers(&[]), own).is_ok(), "non-browser clients send neither");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(matches(b"abc", "abc"));
        assert!(!matches(b"ab", "abc"));
        assert!(!matches(b"", ""), "an empty expected token never matches");
    }

    #[tokio::test]
    async fn form_fields_are_found_and_the_body_kept() {
        let request = Request::builder()
            .method("POST")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("a=1&csrf=t%2Bk&b=2"))
            .expect("request");
        let request = check_token(request, "t+k").await.expect("token accepted");
        let body = axum::body::to_bytes(request.into_body(), 1024).await.expect("body");
        assert_eq!(&body[..], b"a=1&csrf=t%2Bk&b=2");
        let request = Request::builder()
            .method("POST")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("csrf=nope"))
            .expect("request");
        assert!(check_token(request, "t+k").await.is_err());
    }
}
