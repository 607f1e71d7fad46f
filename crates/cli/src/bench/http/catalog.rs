//! The catalog of the search scenario: the catalog crate's synthetic listed items (the ones
//! `steward bench catalog` times in-process), indexed straight into the search index without
//! the store, in batches so that memory stays bounded; and search URLs as people make them.

use steward_catalog::Catalog;
use steward_catalog::synthetic::{self, Rng};

/// Items generated and committed per batch (~100 MB of items at a time).
const BATCH: usize = 100_000;

/// An index holding `items` synthetic listed items.
pub fn build(items: usize, seed: u64) -> anyhow::Result<Catalog> {
    let catalog = Catalog::new()?;
    let mut first = 1usize;
    while first <= items {
        let count = BATCH.min(items + 1 - first);
        let batch: Vec<_> = synthetic::items(first as i64, count, seed).collect();
        catalog.apply(&batch)?;
        first += count;
    }
    Ok(catalog)
}

/// Query strings of `GET /api/v1/catalog/search` as the store front makes them: common and rare
/// words, two words, a phrase, an exclusion, a field, no text at all; most with one or two
/// facet filters whose values items have.
pub fn queries(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed.wrapping_add(17));
    (0..count)
        .map(|_| {
            let (a, b) = (rng.pick_skewed(synthetic::WORDS), rng.pick(synthetic::WORDS));
            let text = match rng.below(7) {
                0 => a.to_string(),
                1 => format!("{a} {b}"),
                2 => b.to_string(),
                3 => format!("\"{a} {b}\""),
                4 => format!("{a} -{b}"),
                5 => format!("title:{b}"),
                _ => String::new(),
            };
            let mut params = vec![format!("q={}", encode(&text))];
            let kind = ["app", "flow", "agent", "ai_model"][rng.below(4)];
            match rng.below(5) {
                0 if !text.is_empty() => {}
                0 | 1 => params.push(format!("kind={kind}")),
                2 => params.push(format!("department={}", encode(rng.pick(synthetic::DEPARTMENTS)))),
                3 => {
                    params.push(format!("kind={kind}"));
                    params.push(format!("stage={}", ["pilot", "production"][rng.below(2)]));
                }
                _ => params.push(format!("tag={}", encode(rng.pick(synthetic::TAGS)))),
            }
            params.join("&")
        })
        .collect()
}

/// Percent-encode a query value (everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_holds_every_item_and_finds_them_by_word() {
        let catalog = build(500, 1).expect("build");
        assert_eq!(catalog.stats().expect("stats").documents, 500);
        let all = catalog.search(&steward_catalog::SearchQuery::default()).expect("search");
        assert_eq!(all.total, 500);
        let word = steward_catalog::SearchQuery::text(synthetic::WORDS[0]);
        let some = catalog.search(&word).expect("search");
        assert!(some.total > 0 && some.total < 500, "the commonest word matches some items: {}", some.total);
    }

    #[test]
    fn queries_vary_and_always_narrow_something() {
        let q = queries(300, 1);
        let distinct: std::collections::HashSet<&String> = q.iter().collect();
        assert!(distinct.len() > 150, "{} distinct queries", distinct.len());
        assert!(q.iter().any(|q| q.contains("&kind=")) && q.iter().any(|q| q.contains("&tag=")));
        // A query without text carries a filter: "everything" is the browse page, not a search.
        assert!(q.iter().filter(|q| q.starts_with("q=&") || *q == "q=").all(|q| q.contains('&')));
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("\"a b\" -c"), "%22a%20b%22%20-c");
        assert_eq!(encode("Customer Service"), "Customer%20Service");
    }
}
