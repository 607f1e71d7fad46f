//! Charge periods: a month, a quarter or a year, written `2026-10`, `2026-Q4`, `2026`.

use crate::CostError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar period `[start, end)`. Costs are monthly; longer periods are sums of months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    pub start: NaiveDate,
    /// Exclusive end.
    pub end: NaiveDate,
}

/// The first day of the month after `day`'s month.
fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

impl Period {
    /// The month containing `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        let start = day.with_day(1).unwrap_or(day);
        Period { start, end: next_month(start) }
    }

    pub fn month(year: i32, month: u32) -> Option<Period> {
        NaiveDate::from_ymd_opt(year, month, 1).map(Period::month_of)
    }

    /// Whether this is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        self.start.day() == 1 && next_month(self.start) == self.end
    }

    /// The months this period covers, in order.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut m = Period::month_of(self.start);
        while m.start < self.end {
            out.push(m);
            m = Period::month_of(m.end);
        }
        out
    }

    /// The month before this period starts.
    pub fn previous_month(&self) -> Period {
        Period::month_of(self.start.pred_opt().unwrap_or(self.start))
    }

    /// The month `n` months after this period's first month.
    pub fn plus_months(&self, n: u32) -> Period {
        let mut m = Period::month_of(self.start);
        for _ in 0..n {
            m = Period::month_of(m.end);
        }
        m
    }

    /// The quarter containing this period's start.
    pub fn quarter(&self) -> Period {
        let q0 = (self.start.month() - 1) / 3 * 3 + 1;
        let start = NaiveDate::from_ymd_opt(self.start.year(), q0, 1).unwrap_or(self.start);
        Period { start, end: Period::month_of(start).plus_months(2).end }
    }

    /// The calendar year containing this period's start.
    pub fn year(&self) -> Period {
        let start = NaiveDate::from_ymd_opt(self.start.year(), 1, 1).unwrap_or(self.start);
        let end = NaiveDate::from_ymd_opt(self.start.year() + 1, 1, 1).unwrap_or(NaiveDate::MAX);
        Period { start, end }
    }
}

impl std::str::FromStr for Period {
    type Err = CostError;

    fn from_str(s: &str) -> Result<Self, CostError> {
        let bad = || CostError::Period(s.to_string());
        let t = s.trim();
        let year_of = |y: &str| -> Result<i32, CostError> {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            y.parse().map_err(|_| bad())
        };
        match t.split_once('-') {
            None => {
                let y = year_of(t)?;
                let start = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?;
                Ok(Period { start, end: NaiveDate::from_ymd_opt(y + 1, 1, 1).ok_or_else(bad)? })
            }
            Some((y, rest)) => {
                let y = year_of(y)?;
                if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                    let q: u32 = match q {
                        "1" => 1,
                        "2" => 2,
                        "3" => 3,
                        "4" => 4,
                        _ => return Err(bad()),
                    };
                    Ok(Period::month(y, (q - 1) * 3 + 1).ok_or_else(bad)?.quarter())
                } else {
                    if rest.len() != 2 || !rest.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad());
                    }
                    let m: u32 = rest.parse().map_err(|_| bad())?;
                    Period::month(y, m).ok_or_else(bad)
                }
            }
        }
    }
}

impl TryFrom<String> for Period {
    type Error = CostError;
    fn try_from(s: String) -> Result<Self, CostError> {
        s.parse()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_month() {
            write!(f, "{:04}-{:02}", self.start.year(), self.start.month())
        } else if *self == self.quarter() {
            write!(f, "{:04}-Q{}", self.start.year(), (self.start.month() - 1) / 3 + 1)
        } else if *self == self.year() {
            write!(f, "{:04}", self.start.year())
        } else {
            write!(f, "{}..{}", self.start, self.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_months_quarters_years() {
        for s in ["2026-10", "2026-Q4", "2026", "2026-01", "2026-12"] {
            let p: Period = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.to_string(), s);
        }
        let q: Period = "2026-Q4".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.months().len(), 3);
        assert_eq!(q.end, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default());
        let y: Period = "2026".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(y.months().len(), 12);
    }

    #[test]
    fn refuses_what_is_not_a_period() {
        for s in ["", "26-10", "2026-13", "2026-00", "2026-Q5", "2026-1", "abcd", "2026-10-01", "2026-Q"] {
            assert!(s.parse::<Period>().is_err(), "{s} should be refused");
        }
    }
}
