//! One page of a listing and the string that leads to the next one.
//!
//! The four paging styles Microsoft uses all end up in [`Page::next`], a plain string the
//! caller can store as a checkpoint and hand back later to resume:
//!
//! - `nextLink` in the body (BAP, Power Apps, Flow) and `@odata.nextLink` (Graph, Dataverse):
//!   `next` is that URL;
//! - `NextPageUri` response header (Office 365 Management Activity API): `next` is that URL;
//! - `skipToken` in the body (Power Platform resource query, where the next page is the same
//!   POST with `Options.SkipToken`): `next` is the skip token itself, valid only with the
//!   same table and clauses.
//!
//! Links are moved onto the configured endpoint's origin before use, so a stored or returned
//! link can never send a token to another host.

use crate::error::ApiError;
use crate::http::Request;
use crate::urls;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// Items of one page, and the position of the next page (`None` on the last page).
/// An empty page with a `next` is normal: keep going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

/// A page whose next position is a link (body `nextLink`, `@odata.nextLink` or `NextPageUri`).
pub(crate) fn linked<T>(items: Vec<T>, link: Option<String>, base: &str, req: &Request) -> Result<Page<T>, ApiError> {
    let Some(link) = link.filter(|l| !l.trim().is_empty()) else {
        return Ok(Page { items, next: None });
    };
    let next = urls::resume(base, link.trim()).map_err(|_| ApiError::InvalidBody {
        method: req.shown_method(),
        url: req.shown_url(),
        detail: format!("the next-page link `{}` is not a URL", urls::redact_text(&link)),
    })?;
    // A service that links a page to itself would keep a caller paging forever.
    if next == req.url {
        return Err(ApiError::InvalidBody {
            method: req.shown_method(),
            url: req.shown_url(),
            detail: "the next-page link points back at this same page".into(),
        });
    }
    Ok(Page { items, next: Some(next.to_string()) })
}

/// A page whose next position is a skip token for the same query.
pub(crate) fn skip_token<T>(
    items: Vec<T>,
    token: Option<String>,
    req: &Request,
    previous: Option<&str>,
) -> Result<Page<T>, ApiError> {
    let next = token.filter(|t| !t.is_empty());
    if next.is_some() && next.as_deref() == previous {
        return Err(ApiError::InvalidBody {
            method: req.shown_method(),
            url: req.shown_url(),
            detail: "the service returned the same skip token again".into(),
        });
    }
    Ok(Page { items, next })
}

/// The O365 `NextPageUri` header. Header names are case-insensitive (CoE reads `nextpageuri`);
/// the troubleshooting docs spell it `NextPageUrl`, so that is accepted too.
pub(crate) fn next_page_header(headers: &HeaderMap) -> Option<String> {
    ["nextpageuri", "nextpageurl"]
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
