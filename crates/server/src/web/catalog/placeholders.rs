//! `GET /static/catalog/{kind}.svg`: a placeholder screenshot per item kind. The demo's seeded
//! items point here, so the catalog shows pictures without any outside address (the
//! Content-Security-Policy allows images from this server only).

use crate::error::ApiError;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use steward_catalog::ItemKind;

/// A mock window: title bar, a header band in the kind's colour, a few content blocks and the
/// kind's name. Fixed colours: an `<img>` does not see the page's colour scheme.
pub fn svg(kind: ItemKind) -> String {
    let (accent, soft) = match kind {
        ItemKind::App => ("#0b5cad", "#e3eefa"),
        ItemKind::Flow => ("#1a7f4b", "#dff3e4"),
        ItemKind::Agent => ("#6f42c1", "#ece3fb"),
        ItemKind::AiModel => ("#b35900", "#fff1cc"),
        ItemKind::Solution => ("#24527a", "#e6eef5"),
        ItemKind::Connector => ("#8a1f1a", "#fde2e1"),
        ItemKind::Site => ("#0e7490", "#dff4f8"),
        ItemKind::Other => ("#57606a", "#eceff2"),
    };
    let label = kind.label();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 400" role="img" aria-label="{label} placeholder">
<rect width="640" height="400" rx="16" fill="{soft}"/>
<rect x="24" y="24" width="592" height="352" rx="10" fill="#ffffff" stroke="#d8dee4"/>
<rect x="24" y="24" width="592" height="36" rx="10" fill="{accent}"/>
<circle cx="48" cy="42" r="6" fill="#ffffff" opacity="0.8"/><circle cx="68" cy="42" r="6" fill="#ffffff" opacity="0.6"/>
<rect x="56" y="92" width="220" height="18" rx="4" fill="{accent}" opacity="0.85"/>
<rect x="56" y="126" width="340" height="12" rx="4" fill="#d8dee4"/>
<rect x="56" y="148" width="300" height="12" rx="4" fill="#d8dee4"/>
<rect x="56" y="188" width="160" height="110" rx="8" fill="{soft}"/>
<rect x="236" y="188" width="160" height="110" rx="8" fill="{soft}"/>
<rect x="416" y="92" width="168" height="206" rx="8" fill="{soft}"/>
<text x="320" y="348" text-anchor="middle" font-family="system-ui, sans-serif" font-size="22" font-weight="600" fill="{accent}">{label}</text>
</svg>"##
    )
}

pub async fn serve(Path(file): Path<String>) -> Response {
    let kind = file.strip_suffix(".svg").and_then(|k| k.parse::<ItemKind>().ok());
    match kind {
        Some(kind) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
            ],
            svg(kind),
        )
            .into_response(),
        None => ApiError::NoRoute(format!("/static/catalog/{file}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_picture_naming_it() {
        for kind in ItemKind::ALL {
            let svg = svg(*kind);
            assert!(svg.starts_with("<svg") && svg.contains(kind.label()), "{kind}");
        }
    }
}
