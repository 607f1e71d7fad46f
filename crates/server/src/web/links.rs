//! Building hrefs: filters live in the URL so that any view can be bookmarked and shared.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the unreserved characters of RFC 3986.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// A path with a query string, skipping absent and blank values.
#[derive(Debug, Clone)]
pub struct Href {
    path: String,
    pairs: Vec<(&'static str, String)>,
    fragment: Option<&'static str>,
}

impl Href {
    pub fn new(path: impl Into<String>) -> Self {
        Href { path: path.into(), pairs: Vec::new(), fragment: None }
    }

    pub fn param(mut self, name: &'static str, value: Option<&str>) -> Self {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.pairs.push((name, v.to_string()));
        }
        self
    }

    /// Jump to an element of the page, e.g. the table the link filters.
    pub fn fragment(mut self, id: &'static str) -> Self {
        self.fragment = Some(id);
        self
    }

    pub fn build(&self) -> String {
        let mut out = self.path.clone();
        for (i, (name, value)) in self.pairs.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(name);
            out.push('=');
            out.push_str(&encode(value));
        }
        if let Some(id) = self.fragment {
            out.push('#');
            out.push_str(id);
        }
        out
    }
}

/// The detail page of a resource.
pub fn resource(id: &str) -> String {
    format!("/resources/{}", encode(id))
}

/// The inventory filtered to one environment.
pub fn resources_in_environment(id: &str) -> String {
    Href::new("/inventory").param("environment", Some(id)).fragment("resources").build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_are_left_out_and_the_rest_encoded() {
        let href = Href::new("/").param("kind", Some("canvas_app")).param("q", Some("")).param("owner", None);
        assert_eq!(href.build(), "/?kind=canvas_app");
        let href = Href::new("/").param("q", Some("a&b=c d/é")).fragment("resources");
        assert_eq!(href.build(), "/?q=a%26b%3Dc%20d%2F%C3%A9#resources");
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        assert_eq!(resource("../admin?x"), "/resources/..%2Fadmin%3Fx");
    }
}
