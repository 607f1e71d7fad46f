//! Static assets embedded in the binary, served under a content-versioned name so that
//! browsers can cache them for a year and still see a new stylesheet after an upgrade.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

use crate::error::ApiError;

const STYLESHEET: &str = include_str!("../../static/steward.css");

/// FNV-1a: enough to tell two stylesheets apart, and computable at compile time.
const fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

const STYLESHEET_HASH: u64 = fingerprint(STYLESHEET.as_bytes());

/// File name of the stylesheet: `steward.<crate version>-<content hash>.css`.
static STYLESHEET_FILE: LazyLock<String> =
    LazyLock::new(|| format!("steward.{}-{:08x}.css", env!("CARGO_PKG_VERSION"), STYLESHEET_HASH as u32));

/// The URL path of the stylesheet, e.g. `/static/steward.0.1.0-1a2b3c4d.css`.
pub static STYLESHEET_PATH: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *STYLESHEET_FILE));

/// `GET /static/{file}`
pub async fn serve(Path(file): Path<String>) -> Response {
    if file == *STYLESHEET_FILE {
        (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            STYLESHEET,
        )
            .into_response()
    } else {
        ApiError::NoRoute(format!("/static/{file}")).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheet_name_carries_version_and_content_hash() {
        assert!(STYLESHEET_PATH.starts_with(concat!("/static/steward.", env!("CARGO_PKG_VERSION"), "-")));
        assert!(STYLESHEET_PATH.ends_with(".css"));
        assert_ne!(fingerprint(b"a{}"), fingerprint(b"b{}"));
    }
}
