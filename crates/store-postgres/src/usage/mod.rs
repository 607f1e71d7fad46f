//! Usage rollups in PostgreSQL: the same tables and rules as the SQLite store (see
//! `steward_store::usage` for the design), with writes batched as arrays.

mod read;
mod write;

pub(crate) use read::*;
pub(crate) use write::*;

use crate::error::corrupt;
use chrono::NaiveDate;
use steward_store::Result;
use steward_store::usage::{day_from_number, day_number};

/// A day as stored (days since 1970-01-01).
pub(crate) fn day(d: NaiveDate) -> i64 {
    day_number(d)
}

/// A stored day for messages; out-of-range numbers are shown as numbers.
pub(crate) fn key_day(n: i64) -> String {
    day_from_number(n).map_or_else(|| format!("day {n}"), |d| d.to_string())
}

/// A stored day column back as a date.
pub(crate) fn stored_day(n: i64, what: &str) -> Result<NaiveDate> {
    day_from_number(n).ok_or_else(|| corrupt(what, format!("day number {n} is out of range")))
}
