//! The period a value is computed for: a month (`2026-10`), a quarter (`2026-Q4`), a year
//! (`2026`) or a range of days (`2026-10-01..2026-10-15`, both days included).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Days `[from, to]`, both included, with how the period was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValuePeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// As written by whoever asked (`2026-Q4`), for titles and explanations.
    pub label: String,
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

impl ValuePeriod {
    /// The calendar month containing `day`.
    pub fn month_of(day: NaiveDate) -> ValuePeriod {
        let from = day.with_day(1).unwrap_or(day);
        let to = month_end(day.year(), day.month()).unwrap_or(day);
        ValuePeriod { from, to, label: format!("{:04}-{:02}", day.year(), day.month()) }
    }

    /// Parse a period as written on the command line, in a URL or a config file.
    pub fn parse(text: &str) -> Result<ValuePeriod, String> {
        let t = text.trim();
        let bad = || {
            format!(
                "'{t}' is not a period; write a month (2026-10), a quarter (2026-Q4), a year (2026) or a range of \
                 days (2026-10-01..2026-10-15)"
            )
        };
        if let Some((a, b)) = t.split_once("..") {
            let from = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            let to = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            if from > to {
                return Err(format!("the period '{t}' ends before it starts; give the earlier day first"));
            }
            return Ok(ValuePeriod { from, to, label: format!("{from}..{to}") });
        }
        let year = |s: &str| -> Result<i32, String> {
            if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        if let Some((y, rest)) = t.split_once('-') {
            let y = year(y)?;
            if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                let q: u32 = q.parse().map_err(|_| bad())?;
                if !(1..=4).contains(&q) {
                    return Err(bad());
                }
                let from = NaiveDate::from_ymd_opt(y, 3 * q - 2, 1).ok_or_else(bad)?;
                let to = month_end(y, 3 * q).ok_or_else(bad)?;
                return Ok(ValuePeriod { from, to, label: format!("{y:04}-Q{q}") });
            }
            if rest.len() != 2 {
                return Err(bad());
            }
            let m: u32 = rest.parse().map_err(|_| bad())?;
            let from = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
            return Ok(ValuePeriod::month_of(from));
        }
        let y = year(t)?;
        let from = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?;
        let to = NaiveDate::from_ymd_opt(y, 12, 31).ok_or_else(bad)?;
        Ok(ValuePeriod { from, to, label: format!("{y:04}") })
    }

    /// Days in the period, both ends included.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

impl fmt::Display for ValuePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn parses_every_form() {
        let p = ValuePeriod::parse("2026-10").expect("month");
        assert_eq!((p.from, p.to, p.days()), (d(2026, 10, 1), d(2026, 10, 31), 31));
        let p = ValuePeriod::parse("2024-02").expect("leap month");
        assert_eq!(p.to, d(2024, 2, 29));
        let p = ValuePeriod::parse("2026-Q4").expect("quarter");
        assert_eq!((p.from, p.to, p.days()), (d(2026, 10, 1), d(2026, 12, 31), 92));
        let p = ValuePeriod::parse("2026").expect("year");
        assert_eq!(p.days(), 365);
        let p = ValuePeriod::parse("2026-10-01..2026-10-15").expect("range");
        assert_eq!((p.days(), p.label.as_str()), (15, "2026-10-01..2026-10-15"));
    }

    #[test]
    fn refuses_what_is_not_a_period() {
        for bad in
            ["", "26", "2026-13", "2026-Q5", "2026-Q0", "2026-1", "2026-10-15..2026-10-01", "soon", "2026-10-40..x"]
        {
            assert!(ValuePeriod::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
