//! A catalog search as a query string, both ways: `q`, one parameter per facet (repeated for
//! several values: `kind=app&kind=flow`), `featured`, `hero`, `page`, `per_page`. The store
//! front and `GET /api/v1/catalog/search` read the same parameters, so a page's URL and an API
//! call say the same thing.

use crate::error::ApiError;
use steward_catalog::{Facet, MAX_PER_PAGE, SearchQuery};

/// The deepest page a search may ask for (relevance beyond it is noise).
pub const MAX_PAGE: usize = 1_000;

/// Read a query string (without the `?`); unknown parameters are ignored, blank values mean
/// "no filter", as HTML forms send them.
pub fn parse(query: Option<&str>) -> Result<SearchQuery, ApiError> {
    let mut q = SearchQuery::default();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match name.as_ref() {
            "q" => q.text = value.to_string(),
            "page" => q.page = number("page", value, MAX_PAGE)?,
            "per_page" => q.per_page = number("per_page", value, MAX_PER_PAGE)?,
            "featured" => q.featured_only = flag("featured", value)?,
            "hero" => q.hero_only = flag("hero", value)?,
            other => {
                if let Ok(facet) = other.parse::<Facet>() {
                    let pair = (facet, value.to_string());
                    if !q.filters.contains(&pair) {
                        q.filters.push(pair);
                    }
                }
            }
        }
    }
    Ok(q)
}

fn number(parameter: &'static str, value: &str, max: usize) -> Result<usize, ApiError> {
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid(
            parameter,
            format!("parameter `{parameter}` must be a whole number from 1 to {max}, not '{value}'"),
        )),
    }
}

fn flag(parameter: &'static str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ApiError::invalid(parameter, format!("parameter `{parameter}` must be true or false, not '{value}'"))),
    }
}

/// The parameters of a search, in a stable order (text, facets, switches, paging), skipping
/// defaults: what links on the store front carry.
pub fn pairs(q: &SearchQuery) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    if !q.text.trim().is_empty() {
        out.push(("q", q.text.trim().to_string()));
    }
    for facet in Facet::ALL {
        for (f, value) in &q.filters {
            if f == facet {
                out.push((facet.as_str(), value.clone()));
            }
        }
    }
    if q.featured_only {
        out.push(("featured", "true".into()));
    }
    if q.hero_only {
        out.push(("hero", "true".into()));
    }
    if q.page > 1 {
        out.push(("page", q.page.to_string()));
    }
    if q.per_page > 0 {
        out.push(("per_page", q.per_page.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_repeat_and_blank_values_are_ignored() {
        let q =
            parse(Some("q=expense+report&kind=app&kind=flow&tag=&department=Finance&page=2&junk=1")).expect("valid");
        assert_eq!(q.text, "expense report");
        assert_eq!(
            q.filters,
            [
                (Facet::Kind, "app".to_string()),
                (Facet::Kind, "flow".to_string()),
                (Facet::Department, "Finance".into())
            ]
        );
        assert_eq!(q.page, 2);
        let text = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs(&q)).finish();
        let again = parse(Some(&text)).expect("round trip");
        assert_eq!(again, q);
    }

    #[test]
    fn paging_is_checked() {
        assert!(parse(Some("page=0")).is_err());
        assert!(parse(Some("per_page=1000")).is_err());
        assert!(parse(Some("featured=maybe")).is_err());
        assert!(parse(Some("featured=on")).expect("checkbox").featured_only);
    }
}
