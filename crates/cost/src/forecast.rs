//! Forecasts of monthly consumption (licences held, capacity GB, cost per cost centre).
//!
//! Method, chosen to be explainable on one page and robust on short histories:
//! - **trend**: ordinary least squares line through the monthly values;
//! - **seasonality** (24 months of history or more): the mean residual of each calendar month
//!   after the trend, centred so the twelve indices sum to zero (additive);
//! - **interval**: ±1.96 × the standard deviation of what trend and season leave unexplained,
//!   widened with the distance from the history's centre as a regression prediction interval is
//!   (`sqrt(1 + 1/n + (t − t̄)² / Σ(t − t̄)²)`), so about 95% of months should fall inside when
//!   the residuals are roughly normal. Forecasts and bounds never go below zero.
//! - fewer than 3 months: the last value, flat, with no interval (there is nothing to fit).

use crate::period::Period;
use chrono::Datelike;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPoint {
    pub month: Period,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub metric: String,
    /// `trend + seasonality`, `trend` or `flat`.
    pub method: String,
    /// Months of history used.
    pub history: usize,
    /// Change per month of the fitted trend.
    pub slope: f64,
    pub points: Vec<ForecastPoint>,
}

/// Forecast `horizon` months after the last month of `history` (months in order, no gaps
/// needed: positions come from the months themselves).
pub fn forecast(metric: &str, history: &[(Period, f64)], horizon: u32) -> Forecast {
    let mut h: Vec<(Period, f64)> = history.iter().filter(|(_, v)| v.is_finite()).copied().collect();
    h.sort_by_key(|(p, _)| *p);
    h.dedup_by_key(|(p, _)| *p);
    let Some(&(last_month, last_value)) = h.last() else {
        return Forecast { metric: metric.into(), method: "none".into(), history: 0, slope: 0.0, points: Vec::new() };
    };
    let index = |p: Period| f64::from(p.start.year() * 12 + p.start.month0() as i32);
    let n = h.len();
    let future: Vec<Period> = (1..=horizon).map(|k| last_month.plus_months(k)).collect();
    if n < 3 {
        let points = future
            .iter()
            .map(|m| ForecastPoint { month: *m, value: last_value, low: last_value, high: last_value })
            .collect();
        return Forecast { metric: metric.into(), method: "flat".into(), history: n, slope: 0.0, points };
    }
    let xs: Vec<f64> = h.iter().map(|(p, _)| index(*p)).collect();
    let ys: Vec<f64> = h.iter().map(|(_, v)| *v).collect();
    let nf = n as f64;
    let mx = xs.iter().sum::<f64>() / nf;
    let my = ys.iter().sum::<f64>() / nf;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let trend = |x: f64| my + slope * (x - mx);
    let seasonal = n >= 24;
    let mut season = [0.0f64; 12];
    if seasonal {
        let mut sums = [0.0f64; 12];
        let mut counts = [0u32; 12];
        for ((p, y), x) in h.iter().zip(&xs) {
            let m = p.start.month0() as usize;
            sums[m] += y - trend(*x);
            counts[m] += 1;
        }
        for m in 0..12 {
            season[m] = if counts[m] > 0 { sums[m] / f64::from(counts[m]) } else { 0.0 };
        }
        let mean = season.iter().sum::<f64>() / 12.0;
        for s in &mut season {
            *s -= mean;
        }
    }
    let fitted = |p: Period, x: f64| trend(x) + if seasonal { season[p.start.month0() as usize] } else { 0.0 };
    let params = if seasonal { 2.0 + 11.0 } else { 2.0 };
    let sse: f64 = h.iter().zip(&xs).map(|((p, y), x)| (y - fitted(*p, *x)).powi(2)).sum();
    let dof = (nf - params).max(1.0);
    let sigma = (sse / dof).sqrt();
    let points = future
        .iter()
        .map(|m| {
            let x = index(*m);
            let value = fitted(*m, x);
            let spread = if sxx > 0.0 { (1.0 + 1.0 / nf + (x - mx).powi(2) / sxx).sqrt() } else { 1.0 };
            let half = 1.96 * sigma * spread;
            ForecastPoint {
                month: *m,
                value: value.max(0.0),
                low: (value - half).max(0.0),
                high: (value + half).max(0.0),
            }
        })
        .collect();
    Forecast {
        metric: metric.into(),
        method: if seasonal { "trend + seasonality".into() } else { "trend".into() },
        history: n,
        slope,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: u32, f: impl Fn(u32) -> f64) -> Vec<(Period, f64)> {
        let start = Period::month(2024, 1).unwrap_or_else(|| panic!("month"));
        (0..n).map(|i| (start.plus_months(i), f(i))).collect()
    }

    #[test]
    fn a_straight_line_is_continued_with_a_tight_interval() {
        let f = forecast("licence:x", &series(12, |i| 100.0 + 5.0 * f64::from(i)), 3);
        assert_eq!(f.method, "trend");
        assert!((f.slope - 5.0).abs() < 1e-9);
        let p = &f.points[0];
        assert_eq!(p.month.to_string(), "2025-01");
        assert!((p.value - 160.0).abs() < 1e-6, "{p:?}");
        assert!(p.high - p.low < 1e-6, "no noise, no width");
    }

    #[test]
    fn seasonality_is_learnt_from_two_years() {
        // Trend 2/month plus +30 every December.
        let f = forecast(
            "capacity:Database",
            &series(36, |i| 50.0 + 2.0 * f64::from(i) + if i % 12 == 11 { 30.0 } else { 0.0 }),
            12,
        );
        assert_eq!(f.method, "trend + seasonality");
        let dec = f.points.iter().find(|p| p.month.to_string() == "2027-12").unwrap_or_else(|| panic!("december"));
        let nov = f.points.iter().find(|p| p.month.to_string() == "2027-11").unwrap_or_else(|| panic!("november"));
        assert!(dec.value - nov.value > 25.0, "December's bump is forecast: {dec:?} vs {nov:?}");
        assert!(dec.low <= dec.value && dec.value <= dec.high);
    }

    #[test]
    fn noise_widens_the_interval_and_it_grows_with_the_horizon() {
        let noisy = forecast("x", &series(18, |i| 100.0 + if i % 2 == 0 { 10.0 } else { -10.0 }), 12);
        let first = &noisy.points[0];
        let last = &noisy.points[11];
        assert!(first.high - first.low > 30.0);
        assert!(last.high - last.low > first.high - first.low);
        assert!(noisy.points.iter().all(|p| p.low >= 0.0));
    }

    #[test]
    fn short_or_empty_histories() {
        assert!(forecast("x", &[], 3).points.is_empty());
        let f = forecast("x", &series(2, |i| f64::from(i) + 7.0), 3);
        assert_eq!(f.method, "flat");
        assert!(f.points.iter().all(|p| p.value == 8.0));
    }
}
