//! Paging for lists the handler holds whole (detections, campaigns, tasks, exemptions,
//! policies, runs), so that they answer like the store's keyset-paged lists:
//! `{"items": [...], "total": N, "next": cursor or null}`.
//!
//! The cursor is the store's opaque cursor carrying the position of the next item, so a cursor
//! from another list is refused the same way everywhere. Without `limit` the whole list is one
//! page, as these lists answered before they paged.

use crate::error::{ApiError, invalid_cursor};
use serde::Serialize;
use steward_model::Page;
use steward_store::Cursor;

/// One page of `items`, starting where `cursor` says (checked by `params::cursor`).
pub fn slice<T: Serialize>(items: Vec<T>, limit: Option<u32>, cursor: Option<&str>) -> Result<Page<T>, ApiError> {
    let start = match cursor {
        Some(text) => position(text)?,
        None => 0,
    };
    let total = items.len();
    let end = match limit {
        Some(n) => start.saturating_add(n as usize).min(total),
        None => total,
    };
    let next = (end < total).then(|| cursor_at(end));
    let items: Vec<T> = items.into_iter().skip(start).take(end.saturating_sub(start)).collect();
    Ok(Page { items, total: total as u64, next })
}

/// The cursor naming the item at `position`.
pub fn cursor_at(position: usize) -> String {
    Cursor { key: None, id: position.to_string() }.encode()
}

/// The position a cursor of [`cursor_at`] names.
pub fn position(text: &str) -> Result<usize, ApiError> {
    let cursor = Cursor::decode(text).map_err(|_| invalid_cursor())?;
    match cursor.key {
        None => cursor.id.parse().map_err(|_| invalid_cursor()),
        Some(_) => Err(invalid_cursor()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_visit_every_item_once() {
        let items: Vec<u32> = (0..7).collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = slice(items.clone(), Some(3), cursor.as_deref()).unwrap();
            assert_eq!(page.total, 7);
            seen.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn no_limit_is_the_whole_list_and_foreign_cursors_are_refused() {
        let page = slice(vec![1, 2, 3], None, None).unwrap();
        assert_eq!((page.items.len(), page.next), (3, None));
        let keyset = Cursor { key: Some("name".into()), id: "r1".into() }.encode();
        assert!(slice(vec![1], Some(1), Some(&keyset)).is_err());
        assert!(slice(vec![1], Some(1), Some("garbage!")).is_err());
        let past_the_end = slice(vec![1, 2], Some(5), Some(&cursor_at(9))).unwrap();
        assert!(past_the_end.items.is_empty() && past_the_end.next.is_none());
    }
}
