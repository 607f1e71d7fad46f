//! Building request URLs, resuming from stored links, and printing URLs without secrets.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;

/// Query values keep the characters OData and Graph queries are usually written with
/// (`$expand=properties.capacity,properties.addons`), so URLs in logs stay readable.
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

/// A single path segment: environment names and ids must not be able to add segments.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub(crate) fn segment(value: &str) -> String {
    utf8_percent_encode(value, PATH_SEGMENT).to_string()
}

/// `{base}{path}?k=v&…` with every query value percent-encoded.
pub(crate) fn build(base: &str, path: &str, query: &[(&str, &str)]) -> Result<Url, url::ParseError> {
    let mut text = format!("{}{}", base.trim_end_matches('/'), path);
    for (i, (key, value)) in query.iter().enumerate() {
        text.push(if i == 0 { '?' } else { '&' });
        text.push_str(key);
        text.push('=');
        text.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    Url::parse(&text)
}

/// A link the service returned (or the caller stored as a checkpoint), resolved against
/// `base` and moved onto `base`'s origin. A bearer token for one service must never go to a
/// host the source was not configured for; services sometimes answer with links on an alias
/// host, and the path and query are what carry the position.
pub(crate) fn resume(base: &str, link: &str) -> Result<Url, url::ParseError> {
    let base = Url::parse(base)?;
    let mut url = base.join(link)?;
    if url.origin() != base.origin() {
        // Setting scheme, host and port on an http(s) URL from another http(s) URL cannot
        // fail; errors are ignored because the origin check below still guards the result.
        let _ = url.set_scheme(base.scheme());
        let _ = url.set_host(base.host_str());
        let _ = url.set_port(base.port());
    }
    if url.origin() != base.origin() {
        return Err(url::ParseError::InvalidDomainCharacter);
    }
    Ok(url)
}

/// Set `name=value` in the query, replacing an existing `name` (matched case-insensitively).
pub(crate) fn set_query_param(url: &mut Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut text = String::new();
    for (key, val) in kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain([(name, value)]) {
        if !text.is_empty() {
            text.push('&');
        }
        text.extend(utf8_percent_encode(key, QUERY_VALUE));
        text.push('=');
        text.extend(utf8_percent_encode(val, QUERY_VALUE));
    }
    url.set_query(Some(&text));
}

/// `scheme://host[:port]` of a URL, the key for per-host limits and statistics.
pub(crate) fn host_key(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => url.scheme().to_string(),
    }
}

/// Query parameters whose values are credentials (SAS signatures, tokens, secrets).
const SECRET_PARAMS: &[&str] = &[
    "sig",
    "signature",
    "code",
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "client_secret",
    "client_assertion",
    "password",
    "key",
    "api-key",
    "apikey",
];

/// The URL as it may appear in errors and logs: query kept, credential values replaced by `***`.
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if url.query_pairs().any(|(k, _)| is_secret_param(&k)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_param(&k) { "***".to_string() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        let mut text = String::new();
        for (k, v) in &pairs {
            if !text.is_empty() {
                text.push('&');
            }
            text.extend(utf8_percent_encode(k, QUERY_VALUE));
            text.push('=');
            if v == "***" {
                text.push_str("***");
            } else {
                text.extend(utf8_percent_encode(v, QUERY_VALUE));
            }
        }
        shown.set_query(Some(&text));
    }
    shown.to_string()
}

fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Redact a URL given as text, for inputs that did not even parse.
pub(crate) fn redact_text(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact(&url),
        // Without a parse we cannot tell credentials from the rest: keep only what precedes the query.
        Err(_) => match text.split_once('?') {
            Some((before, _)) => format!("{before}?…"),
            None => text.to_string(),
        },
    }
}
