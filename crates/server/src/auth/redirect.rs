//! Where to go after signing in: only a path on this site, never another site (no open
//! redirect through `/signin?next=https://evil.example`).

/// `next` when it is a local path, `/` otherwise.
///
/// Accepted: starts with one `/` followed by something that is not `/` or `\` (browsers read
/// `//host` and `/\host` as another host), no control characters, no scheme.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

fn is_local(next: &str) -> bool {
    let bytes = next.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'))
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2048
}

/// Percent-encode a value for a query string.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/resources/r-1?tab=usage")), "/resources/r-1?tab=usage");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
            "evil",
            "",
            "/a\\b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
