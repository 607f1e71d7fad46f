//! Opaque keyset cursors: the sort key and id of the last item of a page, base64url-encoded.

use crate::{Result, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// Position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort column's value of the last item, rendered as text (timestamps as RFC 3339,
    /// numbers as decimal) so that both backends can compare it.
    #[serde(rename = "k")]
    pub key: Option<String>,
    /// The id of the last item, the tie-breaker.
    #[serde(rename = "i")]
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Result<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| StoreError::InvalidCursor(text.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor(text.to_string()))
    }

    /// The key of a two-column order (kind then name), as a JSON array so that either part may
    /// hold any character.
    pub fn pair_key(first: &str, second: &str) -> String {
        serde_json::json!([first, second]).to_string()
    }

    /// The two parts of this cursor's [`Cursor::pair_key`]; `text` is the cursor as sent, for
    /// the error.
    pub fn pair(&self, text: &str) -> Result<(String, String)> {
        self.key
            .as_deref()
            .and_then(|k| serde_json::from_str::<(String, String)>(k).ok())
            .ok_or_else(|| StoreError::InvalidCursor(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor { key: Some("Invoice app".into()), id: "abc".into() };
        assert_eq!(Cursor::decode(&c.encode()).ok(), Some(c));
        assert!(matches!(Cursor::decode("not a cursor!"), Err(StoreError::InvalidCursor(_))));
        assert!(matches!(Cursor::decode("bm90IGpzb24"), Err(StoreError::InvalidCursor(_))));
    }

    #[test]
    fn pair_keys_keep_any_character() {
        let c = Cursor { key: Some(Cursor::pair_key("canvas_app", "a \"b\"\n,c")), id: "x".into() };
        assert_eq!(c.pair("t").ok(), Some(("canvas_app".into(), "a \"b\"\n,c".into())));
        let plain = Cursor { key: Some("name".into()), id: "x".into() };
        assert!(matches!(plain.pair("t"), Err(StoreError::InvalidCursor(_))));
    }
}
