//! Conversions between model values and column values, both ways.

use chrono::TimeZone;
use rusqlite::Row;
use rusqlite::types::FromSql;
use steward_model::Timestamp;
use steward_store::StoreError;

/// A day as stored: days since 1970-01-01 (UTC).
pub fn day_from_number(n: i64) -> Result<chrono::NaiveDate, StoreError> {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(n)))
        .ok_or_else(|| corrupt("usage_daily.day", format!("{n} is not a day number")))
}

pub fn date_to_number(d: chrono::NaiveDate) -> i64 {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).map_or(0, |epoch| (d - epoch).num_days())
}

pub fn millis(t: &Option<Timestamp>) -> Option<i64> {
    t.as_ref().map(Timestamp::timestamp_millis)
}

/// The sort value of an optional date for "newest first, missing last": see the resources table.
pub fn desc_sort_key(t: &Option<Timestamp>) -> i64 {
    t.as_ref().map_or(i64::MAX, |t| -t.timestamp_millis())
}

pub fn timestamp(ms: i64, what: &str) -> Result<Timestamp, StoreError> {
    chrono::Utc.timestamp_millis_opt(ms).single().ok_or_else(|| corrupt(what, format!("{ms} is not a timestamp")))
}

pub fn opt_timestamp(ms: Option<i64>, what: &str) -> Result<Option<Timestamp>, StoreError> {
    ms.map(|ms| timestamp(ms, what)).transpose()
}

pub fn corrupt(what: impl Into<String>, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into(), reason: reason.into() }
}

/// A column of a result row, with the table and column named on failure.
pub fn col<T: FromSql>(row: &Row<'_>, idx: usize, what: &str) -> Result<T, StoreError> {
    row.get(idx).map_err(|e| corrupt(what, e.to_string()))
}

/// A column holding one of the model's string enumerations.
pub fn enum_col<T: std::str::FromStr<Err = steward_model::UnknownValue>>(
    row: &Row<'_>,
    idx: usize,
    what: &str,
) -> Result<T, StoreError> {
    let text: String = col(row, idx, what)?;
    text.parse().map_err(|e: steward_model::UnknownValue| corrupt(what, e.to_string()))
}

pub fn opt_enum_col<T: std::str::FromStr<Err = steward_model::UnknownValue>>(
    row: &Row<'_>,
    idx: usize,
    what: &str,
) -> Result<Option<T>, StoreError> {
    let text: Option<String> = col(row, idx, what)?;
    text.map(|t| t.parse().map_err(|e: steward_model::UnknownValue| corrupt(what, e.to_string()))).transpose()
}

/// A JSON column decoded into a model part.
pub fn json_col<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize, what: &str) -> Result<T, StoreError> {
    let text: String = col(row, idx, what)?;
    serde_json::from_str(&text).map_err(|e| corrupt(what, e.to_string()))
}

/// JSON text of a model part. Our model types always serialise.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

pub fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
