//! Timestamps as the Microsoft APIs write them.
//!
//! Inventory APIs write RFC 3339 with a `Z` (`2020-07-08T12:28:37.957179Z`); the audit feed
//! writes UTC without an offset (`2026-05-19T13:17:34`). Both parsers accept both spellings,
//! and a bad timestamp is a serde error so that it carries the file's line and column.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserializer, Serializer, de};
use steward_model::Timestamp;

/// Parse either spelling; offsets are converted to UTC.
pub fn parse(text: &str) -> Option<Timestamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

struct TimestampVisitor;

impl de::Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a timestamp like 2026-05-19T13:17:34Z")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        parse(v).ok_or_else(|| E::custom(format!("'{v}' is not a timestamp like 2026-05-19T13:17:34Z")))
    }
}

struct OptionalVisitor;

impl<'de> de::Visitor<'de> for OptionalVisitor {
    type Value = Option<Timestamp>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a timestamp like 2026-05-19T13:17:34Z or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(TimestampVisitor).map(Some)
    }
}

/// RFC 3339 with `Z`, whole seconds: `2020-07-08T12:28:37Z`. Optional; `null` when absent.
pub mod iso {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        d.deserialize_option(OptionalVisitor)
    }
}

/// The audit feed's `CreationTime`: UTC without offset, required.
pub mod audit {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&value.format("%Y-%m-%dT%H:%M:%S"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_str(TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse_to_the_same_instant() {
        let a = parse("2026-05-19T13:17:34");
        let b = parse("2026-05-19T13:17:34Z");
        let c = parse("2026-05-19T15:17:34+02:00");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(parse("2020-10-22T04:38:17.8550157Z").map(|t| t.timestamp()), Some(1_603_341_497));
        assert_eq!(parse("yesterday"), None);
    }
}
