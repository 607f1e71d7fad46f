//! Calendar months, the unit a board report covers.

use crate::ReportError;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use steward_model::Timestamp;

/// One calendar month, written `YYYY-MM` everywhere outside Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    /// 1 to 12.
    month: u32,
}

impl Month {
    /// `None` unless `month` is 1 to 12 and the year has four digits.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1970..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// The month a day falls in.
    pub fn of(day: NaiveDate) -> Month {
        Month { year: day.year(), month: day.month() }
    }

    /// The last complete month before `today`: what a report defaults to.
    pub fn last_complete(today: NaiveDate) -> Month {
        Month::of(today).minus(1)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        // Valid by construction: month is 1..=12 and the year in range.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        self.plus(1).first_day().pred_opt().unwrap_or_default()
    }

    /// The first instant after the month (midnight UTC of the next month's first day): inventory
    /// "at the end of the month" is what existed just before it.
    pub fn end(self) -> Timestamp {
        Utc.from_utc_datetime(&self.plus(1).first_day().and_time(chrono::NaiveTime::MIN))
    }

    /// `n` months earlier.
    pub fn minus(self, n: u32) -> Month {
        self.shift(-i64::from(n))
    }

    /// `n` months later.
    pub fn plus(self, n: u32) -> Month {
        self.shift(i64::from(n))
    }

    fn shift(self, by: i64) -> Month {
        let index = i64::from(self.year) * 12 + i64::from(self.month - 1) + by;
        let year = i32::try_from(index.div_euclid(12)).unwrap_or(self.year);
        Month { year, month: index.rem_euclid(12) as u32 + 1 }
    }

    /// The `count` months ending with this one, oldest first.
    pub fn window(self, count: u32) -> Vec<Month> {
        (0..count).rev().map(|back| self.minus(back)).collect()
    }

    /// `October 2026`, for titles.
    pub fn long_label(self) -> String {
        self.first_day().format("%B %Y").to_string()
    }

    /// `Oct '26`, for chart axes where twelve labels must fit side by side.
    pub fn short_label(self) -> String {
        self.first_day().format("%b '%y").to_string()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || ReportError::InvalidPeriod { value: s.to_string() };
        let (year, month) = s.trim().split_once('-').ok_or_else(invalid)?;
        if year.len() != 4 || month.len() != 2 || !(year.bytes().chain(month.bytes()).all(|b| b.is_ascii_digit())) {
            return Err(invalid());
        }
        let year = year.parse().map_err(|_| invalid())?;
        let month = month.parse().map_err(|_| invalid())?;
        Month::new(year, month).ok_or_else(invalid)
    }
}

impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Month {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn parses_and_prints_yyyy_mm() {
        let oct = m("2026-10");
        assert_eq!((oct.year(), oct.month()), (2026, 10));
        assert_eq!(oct.to_string(), "2026-10");
        assert_eq!(oct.first_day(), NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
        assert_eq!(oct.last_day(), NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
        assert_eq!(m("2024-02").last_day(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(oct.long_label(), "October 2026");
        assert_eq!(oct.short_label(), "Oct '26");
    }

    #[test]
    fn rejects_anything_but_a_month_and_says_how_to_write_one() {
        for bad in ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "october", "", "2026-10-01", "+202-10"] {
            let err = bad.parse::<Month>().expect_err(bad).to_string();
            assert!(err.contains("YYYY-MM") && err.contains("2026-10"), "{bad}: {err}");
        }
    }

    #[test]
    fn shifts_across_year_boundaries() {
        assert_eq!(m("2026-01").minus(1), m("2025-12"));
        assert_eq!(m("2025-12").plus(1), m("2026-01"));
        assert_eq!(m("2026-10").minus(22), m("2024-12"));
        let window = m("2026-03").window(12);
        assert_eq!(window.len(), 12);
        assert_eq!(window[0], m("2025-04"));
        assert_eq!(window[11], m("2026-03"));
        assert_eq!(Month::last_complete(NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()), m("2025-12"));
        assert_eq!(m("2026-10").end(), Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn serialises_as_its_text() {
        let json = serde_json::to_string(&m("2026-10")).unwrap();
        assert_eq!(json, "\"2026-10\"");
        assert_eq!(serde_json::from_str::<Month>(&json).unwrap(), m("2026-10"));
        assert!(serde_json::from_str::<Month>("\"2026-99\"").is_err());
    }
}
