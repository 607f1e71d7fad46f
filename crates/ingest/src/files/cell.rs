//! Values as spreadsheets and exports write them: timestamps in several spellings, booleans
//! as `True`/`Yes`/`1`, GUIDs with or without braces, lists in one cell. Each parser answers
//! `None` for text it does not recognise so that the caller can say which column held it.

use crate::powerplatform::wire::time;
use chrono::{NaiveDate, NaiveDateTime, SecondsFormat};
use steward_model::Timestamp;

/// What [`timestamp`] accepts, for error messages.
pub(crate) const TIMESTAMP_FORMATS: &str =
    "2026-05-19T13:17:34Z (RFC 3339), 2026-05-19 13:17:34, 2026-05-19 or 5/19/2026 1:17:34 PM (UTC)";

/// Spellings without an offset, all read as UTC. Dataverse and Purview write UTC; the US
/// month/day order is what the CoE Starter Kit's en-US Excel exports use.
const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
];

const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%m/%d/%Y"];

/// A timestamp in any spelling of [`TIMESTAMP_FORMATS`]; surrounding blanks are ignored
/// (Purview writes `"2026-01-24T06:54:24.0000000Z "`).
pub(crate) fn timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Some(t) = time::parse(text) {
        return Some(t);
    }
    for format in NAIVE_FORMATS {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    for format in DATE_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(text, format) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    None
}

/// Strict RFC 3339 (`2026-05-19T13:17:34Z`, `2026-05-19T15:17:34+02:00`), for Steward's own
/// format where a script controls the spelling and ambiguity helps nobody.
pub(crate) fn rfc3339(text: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&chrono::Utc))
}

/// How the audit feed spells `CreationTime` (UTC, no offset), for patching records.
pub(crate) fn audit_spelling(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true).trim_end_matches('Z').to_string()
}

/// `true`/`false`, `yes`/`no`, `1`/`0`, `y`/`n` in any case.
pub(crate) fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// A count; spreadsheets sometimes write whole numbers as `12.0`.
pub(crate) fn count(text: &str) -> Option<u32> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u32>() {
        return Some(n);
    }
    let f = text.parse::<f64>().ok()?;
    (f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f)).then_some(f as u32)
}

/// A GUID, lowercased and without braces; `None` for anything else (Excel exports write the
/// related row's name in lookup columns, which must not be taken for an id).
pub(crate) fn guid(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    shaped.then(|| text.to_ascii_lowercase())
}

/// The non-empty, trimmed items of a `separator`-separated cell.
pub(crate) fn list(text: &str, separator: char) -> impl Iterator<Item = &str> {
    text.split(separator).map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_accepted_spelling_agree() {
        let expected = timestamp("2026-05-19T13:17:34Z");
        assert!(expected.is_some());
        for text in [
            "2026-05-19T13:17:34",
            "2026-05-19T13:17:34.0000000Z ",
            "2026-05-19T15:17:34+02:00",
            "2026-05-19 13:17:34",
            "5/19/2026 1:17:34 PM",
            "05/19/2026 13:17:34",
        ] {
            assert_eq!(timestamp(text), expected, "{text}");
        }
        assert_eq!(timestamp("2026-05-19").map(|t| t.to_rfc3339()), Some("2026-05-19T00:00:00+00:00".into()));
        assert_eq!(timestamp("19.05.2026"), None);
        assert_eq!(timestamp(""), None);
    }

    #[test]
    fn rfc3339_is_strict() {
        assert!(rfc3339("2026-05-19T13:17:34Z").is_some());
        assert!(rfc3339("2026-05-19 13:17:34").is_none());
        assert!(rfc3339("2026-05-19T13:17:34").is_none());
    }

    #[test]
    fn audit_spelling_round_trips() {
        let t = timestamp("2026-05-19T13:17:34Z");
        assert_eq!(t.map(audit_spelling).as_deref(), Some("2026-05-19T13:17:34"));
    }

    #[test]
    fn booleans_counts_guids_lists() {
        assert_eq!(boolean("True"), Some(true));
        assert_eq!(boolean(" no "), Some(false));
        assert_eq!(boolean("maybe"), None);
        assert_eq!(count("12"), Some(12));
        assert_eq!(count("12.0"), Some(12));
        assert_eq!(count("-1"), None);
        assert_eq!(count("1.5"), None);
        assert_eq!(
            guid("{6C39E97C-6DDD-4A37-AFD4-494A605925CF}").as_deref(),
            Some("6c39e97c-6ddd-4a37-afd4-494a605925cf")
        );
        assert_eq!(guid("Jane Doe"), None);
        assert_eq!(guid("6c39e97c-6ddd-4a37-afd4-494a605925c"), None);
        assert_eq!(list(" a; ;b ;", ';').collect::<Vec<_>>(), vec!["a", "b"]);
    }
}
