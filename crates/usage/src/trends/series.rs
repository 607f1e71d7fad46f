//! Series of one scope: uses and users per period with gaps filled, moving averages, growth.

use crate::UsageError;
use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_model::{PeriodUsage, UsageMetric, UsagePeriod, UsageScope};
use steward_store::usage::PeriodQuery;
use steward_store::{Store, UsageReads};

/// The growth windows every trend reports, in days.
pub const GROWTH_DAYS: [usize; 3] = [7, 30, 90];
/// The moving-average windows of daily trends, in days.
const SHORT_AVERAGE: usize = 7;
const LONG_AVERAGE: usize = 30;

/// One period of a trend. Periods without a rollup row are present with zeros.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// First day of the period.
    pub start: NaiveDate,
    /// Uses (metric `use`) or maker actions (metric `make`) in the period.
    pub uses: u64,
    /// Distinct users (or makers) in the period: DAU, WAU or MAU.
    pub users: u64,
    /// Means over the 7 and 30 days ending on this day (daily trends only: weekly and monthly
    /// rows are already smoothed, and their distinct users cannot be averaged from days).
    pub uses_avg_7: Option<f64>,
    pub uses_avg_30: Option<f64>,
    pub users_avg_7: Option<f64>,
    pub users_avg_30: Option<f64>,
}

/// Uses of the last N days against the N days before, in percent; `None` when the earlier
/// window had no use (growth from nothing is not a percentage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    pub days_7: Option<f64>,
    pub days_30: Option<f64>,
    pub days_90: Option<f64>,
}

/// The trend of one scope over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub scope: UsageScope,
    /// `None` only for the tenant scope over every tenant.
    pub scope_id: Option<String>,
    pub period: UsagePeriod,
    pub metric: UsageMetric,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Uses over the window's days (a first week or month that starts earlier counts from `from`).
    pub uses: u64,
    /// Growth of daily uses over the windows ending on `to`.
    pub growth: Growth,
    pub points: Vec<TrendPoint>,
}

/// The mean of each run of `window` values ending at each index; `None` where fewer than
/// `window` values precede (a short mean would look like a drop or a spike).
pub fn moving_average(values: &[u64], window: usize) -> Vec<Option<f64>> {
    if window == 0 {
        return vec![None; values.len()];
    }
    let mut out = Vec::with_capacity(values.len());
    let mut sum: u64 = 0;
    for (i, v) in values.iter().enumerate() {
        sum += v;
        if i >= window {
            sum -= values[i - window];
        }
        out.push((i + 1 >= window).then(|| sum as f64 / window as f64));
    }
    out
}

/// Sum of the last `days` values against the `days` before them, in percent. `None` when the
/// series is shorter than both windows or the earlier window sums to zero.
pub fn growth(values: &[u64], days: usize) -> Option<f64> {
    if days == 0 || values.len() < 2 * days {
        return None;
    }
    let split = values.len() - days;
    let recent: u64 = values[split..].iter().sum();
    let earlier: u64 = values[split - days..split].iter().sum();
    (earlier > 0).then(|| (recent as f64 - earlier as f64) / earlier as f64 * 100.0)
}

/// Every period from the one holding `from` to the one holding `to`, with the given
/// `(start, uses, users)` rows added up per start (rows of several tenants) and zeros where
/// no row exists.
pub fn fill_periods(
    period: UsagePeriod,
    from: NaiveDate,
    to: NaiveDate,
    rows: &[(NaiveDate, u64, u64)],
) -> Vec<(NaiveDate, u64, u64)> {
    let mut by_start: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    for &(start, uses, users) in rows {
        let e = by_start.entry(start).or_default();
        e.0 += uses;
        e.1 += users;
    }
    let mut out = Vec::new();
    let mut start = period.start_of(from);
    while start <= to {
        let (uses, users) = by_start.get(&start).copied().unwrap_or_default();
        out.push((start, uses, users));
        let next = match period {
            UsagePeriod::Day => start.checked_add_days(Days::new(1)),
            UsagePeriod::Week => start.checked_add_days(Days::new(7)),
            UsagePeriod::Month => start.checked_add_months(Months::new(1)),
        };
        match next {
            Some(n) => start = n,
            None => break,
        }
    }
    out
}

/// Days of history read before the window: enough for the 30-day mean of its first day, and
/// for the 90-day growth (90 days against the 90 before) at its last.
const MEAN_HISTORY_DAYS: u64 = LONG_AVERAGE as u64 - 1;
const GROWTH_HISTORY_DAYS: u64 = 2 * 90 - 1;

/// The trend of one scope: a point per period of `[from, to]`, moving averages (daily
/// periods) and growth over 7, 30 and 90 days ending on `to`.
///
/// `scope_id` may be left out only for the tenant scope (every tenant added up: tenants
/// share no users). Two reads: the daily rows (with the history the means and growth need)
/// and, for weeks and months, those periods' rows, whose distinct users cannot be derived
/// from days.
pub async fn trend<S: Store + ?Sized>(
    store: &S,
    scope: UsageScope,
    scope_id: Option<&str>,
    period: UsagePeriod,
    metric: UsageMetric,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Trend, UsageError> {
    if from > to {
        return Err(UsageError::Invalid(format!("the window starts ({from}) after it ends ({to}); swap from and to")));
    }
    if scope_id.is_none() && scope != UsageScope::Tenant {
        return Err(UsageError::Invalid(format!(
            "a trend of scope {scope} needs the id of one {scope} (--id, or id= in the API): environments, \
             resources and makers share users, so they cannot be added up"
        )));
    }
    let history_from =
        [from.checked_sub_days(Days::new(MEAN_HISTORY_DAYS)), to.checked_sub_days(Days::new(GROWTH_HISTORY_DAYS))]
            .into_iter()
            .flatten()
            .chain([from])
            .min()
            .unwrap_or(from);
    let read = |period, from, to| PeriodQuery {
        tenant_id: None,
        scope,
        scope_id: scope_id.map(str::to_string),
        period,
        metric,
        from,
        to,
    };
    let daily = store.period_usage(&read(UsagePeriod::Day, history_from, to)).await?;
    let daily = fill_periods(UsagePeriod::Day, history_from, to, &triples(&daily));
    let uses: Vec<u64> = daily.iter().map(|d| d.1).collect();
    let users: Vec<u64> = daily.iter().map(|d| d.2).collect();
    let growth = Growth {
        days_7: growth(&uses, GROWTH_DAYS[0]),
        days_30: growth(&uses, GROWTH_DAYS[1]),
        days_90: growth(&uses, GROWTH_DAYS[2]),
    };
    let points: Vec<TrendPoint> = if period == UsagePeriod::Day {
        let averages = [
            moving_average(&uses, SHORT_AVERAGE),
            moving_average(&uses, LONG_AVERAGE),
            moving_average(&users, SHORT_AVERAGE),
            moving_average(&users, LONG_AVERAGE),
        ];
        daily
            .iter()
            .enumerate()
            .filter(|(_, d)| d.0 >= from)
            .map(|(i, &(start, uses, users))| TrendPoint {
                start,
                uses,
                users,
                uses_avg_7: averages[0][i],
                uses_avg_30: averages[1][i],
                users_avg_7: averages[2][i],
                users_avg_30: averages[3][i],
            })
            .collect()
    } else {
        let rows = store.period_usage(&read(period, from, to)).await?;
        fill_periods(period, from, to, &triples(&rows))
            .into_iter()
            .map(|(start, uses, users)| TrendPoint {
                start,
                uses,
                users,
                uses_avg_7: None,
                uses_avg_30: None,
                users_avg_7: None,
                users_avg_30: None,
            })
            .collect()
    };
    Ok(Trend {
        scope,
        scope_id: scope_id.map(str::to_string),
        period,
        metric,
        from,
        to,
        // From the days, not the points: the first week or month may start before `from`.
        uses: daily.iter().filter(|d| d.0 >= from).map(|d| d.1).sum(),
        growth,
        points,
    })
}

fn triples(rows: &[PeriodUsage]) -> Vec<(NaiveDate, u64, u64)> {
    rows.iter().map(|r| (r.start, r.uses, r.users)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn moving_average_needs_a_full_window_and_slides() {
        let values = [1, 2, 3, 4, 5, 6];
        let avg = moving_average(&values, 3);
        assert_eq!(avg[..2], [None, None]);
        // Each mean is computed independently of the running sum it came from.
        for i in 2..values.len() {
            let expected = values[i - 2..=i].iter().sum::<u64>() as f64 / 3.0;
            assert_eq!(avg[i], Some(expected), "index {i}");
        }
        assert_eq!(moving_average(&values, 1), values.iter().map(|v| Some(*v as f64)).collect::<Vec<_>>());
        assert!(moving_average(&values, 7).iter().all(Option::is_none));
        assert!(moving_average(&values, 0).iter().all(Option::is_none));
    }

    #[test]
    fn growth_compares_the_last_window_with_the_one_before() {
        // 7 days of 10 then 7 days of 15: +50 %.
        let mut values = vec![10; 7];
        values.extend([15; 7]);
        assert_eq!(growth(&values, 7), Some(50.0));
        // Only the last 2×N values count: older history does not change it.
        let mut longer = vec![1000; 5];
        longer.extend(&values);
        assert_eq!(growth(&longer, 7), Some(50.0));
        // A drop to nothing is -100 %.
        let mut gone = vec![4; 7];
        gone.extend([0; 7]);
        assert_eq!(growth(&gone, 7), Some(-100.0));
    }

    #[test]
    fn growth_from_nothing_or_without_enough_history_is_none() {
        let mut from_zero = vec![0; 7];
        from_zero.extend([5; 7]);
        assert_eq!(growth(&from_zero, 7), None);
        assert_eq!(growth(&[1; 13], 7), None, "13 days cannot hold two 7-day windows");
        assert!(growth(&[1; 14], 7).is_some());
        assert_eq!(growth(&[1; 14], 0), None);
    }

    #[test]
    fn fill_periods_adds_rows_per_start_and_fills_gaps_with_zero() {
        let rows = [(d("2026-01-02"), 3, 1), (d("2026-01-02"), 4, 2), (d("2026-01-04"), 1, 1)];
        let filled = fill_periods(UsagePeriod::Day, d("2026-01-01"), d("2026-01-04"), &rows);
        assert_eq!(
            filled,
            vec![(d("2026-01-01"), 0, 0), (d("2026-01-02"), 7, 3), (d("2026-01-03"), 0, 0), (d("2026-01-04"), 1, 1)]
        );
    }

    #[test]
    fn fill_periods_walks_iso_weeks_and_months_from_the_period_holding_from() {
        // 2026-01-01 is a Thursday: its week starts on Monday 2025-12-29.
        let weeks = fill_periods(UsagePeriod::Week, d("2026-01-01"), d("2026-01-12"), &[]);
        let starts: Vec<NaiveDate> = weeks.iter().map(|w| w.0).collect();
        assert_eq!(starts, vec![d("2025-12-29"), d("2026-01-05"), d("2026-01-12")]);
        let months = fill_periods(UsagePeriod::Month, d("2026-01-31"), d("2026-03-01"), &[(d("2026-02-01"), 9, 2)]);
        assert_eq!(months, vec![(d("2026-01-01"), 0, 0), (d("2026-02-01"), 9, 2), (d("2026-03-01"), 0, 0)]);
    }
}
