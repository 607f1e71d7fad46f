//! Query strings and the links built from them, plus the request's own base URL.
//!
//! Parsed by hand rather than with serde because OData names (`$top`, `$skiptoken`) are
//! matched without case by the real services, and next links must keep every parameter the
//! client sent.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::convert::Infallible;

/// Characters left readable in query values of the links we write (`$filter=environment%20eq%20'x'`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'$')
    .remove(b',')
    .remove(b'(')
    .remove(b')')
    .remove(b':');

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// The decoded query parameters of a request, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        Params(
            query
                .unwrap_or_default()
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// A parameter by name, without case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// This query with `name` set to `value` (replacing any), encoded.
    pub fn with(&self, name: &str, value: &str) -> String {
        let mut out = String::new();
        let kept = self.0.iter().filter(|(k, _)| !k.eq_ignore_ascii_case(name));
        for (k, v) in kept.map(|(k, v)| (k.as_str(), v.as_str())).chain([(name, value)]) {
            if !out.is_empty() {
                out.push('&');
            }
            out.extend(utf8_percent_encode(k, QUERY_VALUE));
            out.push('=');
            out.extend(utf8_percent_encode(v, QUERY_VALUE));
        }
        out
    }

    /// `{base}{path}?{this query with $skiptoken=token}`: the next page of the same request.
    pub fn next_link(&self, base: &str, path: &str, token: impl std::fmt::Display) -> String {
        format!("{base}{path}?{}", self.with("$skiptoken", &token.to_string()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Params::parse(parts.uri.query()))
    }
}

/// The request being answered, for links to its next page.
pub(crate) struct Here<'a> {
    pub params: &'a Params,
    pub base: &'a str,
    pub path: &'a str,
}

impl Here<'_> {
    pub fn next_link(&self, token: impl std::fmt::Display) -> String {
        self.params.next_link(self.base, self.path, token)
    }
}

/// `http://{Host}`: where the client reached us, for links that must come back here (next
/// links, Dataverse instance URLs, content URIs). Works whatever address the server binds.
#[derive(Debug, Clone)]
pub(crate) struct Base(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Base(base_of(&parts.headers)))
    }
}

pub(crate) fn base_of(headers: &axum::http::HeaderMap) -> String {
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_query_and_replace_the_token() {
        let p = Params::parse(Some("api-version=2016-11-01&%24top=250&$skiptoken=5&$filter=environment+eq+'x'"));
        assert_eq!(p.get("$TOP"), Some("250"));
        assert_eq!(p.get("$filter"), Some("environment eq 'x'"));
        let link = p.next_link("http://h:1", "/a", 9);
        assert_eq!(
            link,
            "http://h:1/a?api-version=2016-11-01&$top=250&$filter=environment%20eq%20%27x%27&$skiptoken=9"
        );
    }
}
