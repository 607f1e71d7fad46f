//! Sudden drops of busy resources: an app that hundreds open every day and then few do is
//! worth a look (broken after a change, a lost connection, a replacement nobody announced).

use super::Window;
use crate::UsageError;
use chrono::{Days, NaiveDate};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use steward_model::{ResourceKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::Store;
use steward_store::usage::{BriefQuery, ResourceBrief, RollupQuery};

/// When a drop counts as sudden.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DropParams {
    /// Days of the recent window, ending on the as-of day.
    pub recent_days: u32,
    /// Days of the baseline, right before the recent window.
    pub baseline_days: u32,
    /// Only resources averaging at least this many uses a day over the baseline are busy
    /// enough to judge (a drop from 2 uses to 0 is noise).
    pub min_baseline: f64,
    /// Flag when the recent daily average is below `(1 - drop) × baseline`.
    pub drop: f64,
}

impl Default for DropParams {
    fn default() -> Self {
        DropParams { recent_days: 7, baseline_days: 28, min_baseline: 10.0, drop: 0.5 }
    }
}

impl DropParams {
    /// Refuse parameters that would flag everything or nothing for a reason the caller did not mean.
    pub fn check(&self) -> Result<(), UsageError> {
        if self.recent_days == 0 || self.baseline_days == 0 {
            return Err(UsageError::Invalid(format!(
                "recent days ({}) and baseline days ({}) must both be at least 1",
                self.recent_days, self.baseline_days
            )));
        }
        if !(self.drop > 0.0 && self.drop <= 1.0) {
            return Err(UsageError::Invalid(format!(
                "drop must be a fraction above 0 and at most 1 (0.5 flags a halving), not {}",
                self.drop
            )));
        }
        if !(self.min_baseline.is_finite() && self.min_baseline >= 0.0) {
            return Err(UsageError::Invalid(format!(
                "min baseline must be a number of uses a day, 0 or more, not {}",
                self.min_baseline
            )));
        }
        Ok(())
    }
}

/// Figures of one flagged drop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DropFigures {
    /// Average daily uses over the baseline window.
    pub baseline: f64,
    /// Average daily uses over the recent window.
    pub recent: f64,
    /// How far the recent average fell below the baseline, in percent.
    pub drop_pct: f64,
}

/// Whether uses totalling `baseline_uses` over the baseline window and `recent_uses` over the
/// recent one make a sudden drop: a busy baseline (average at least `min_baseline`) and a
/// recent average strictly below `(1 - drop) × baseline`.
pub fn sudden_drop(baseline_uses: u64, recent_uses: u64, p: &DropParams) -> Option<DropFigures> {
    let baseline = baseline_uses as f64 / f64::from(p.baseline_days);
    let recent = recent_uses as f64 / f64::from(p.recent_days);
    // Compared as products of whole numbers so that a boundary case (exactly the minimum,
    // exactly half) is decided the same whatever the window lengths.
    let busy = is_busy(baseline_uses, p);
    let dropped = (recent_uses as f64) * f64::from(p.baseline_days)
        < (1.0 - p.drop) * (baseline_uses as f64) * f64::from(p.recent_days);
    (busy && baseline > 0.0 && dropped).then(|| DropFigures {
        baseline,
        recent,
        drop_pct: (1.0 - recent / baseline) * 100.0,
    })
}

/// Whether a baseline window's uses average at least `min_baseline` a day.
pub fn is_busy(baseline_uses: u64, p: &DropParams) -> bool {
    baseline_uses as f64 >= p.min_baseline * f64::from(p.baseline_days)
}

/// Which resources to check, as of which day.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyQuery {
    pub tenant_id: Option<String>,
    /// Empty for every kind.
    pub kinds: Vec<ResourceKind>,
    pub environment_id: Option<String>,
    /// The last day of the recent window.
    pub as_of: NaiveDate,
    pub params: DropParams,
}

/// A busy resource whose use fell suddenly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub resource_id: String,
    pub tenant_id: String,
    /// From the inventory; `None` for resources only the audit log knows.
    pub environment_id: Option<String>,
    pub kind: Option<ResourceKind>,
    pub display_name: Option<String>,
    /// Principal id of the primary owner.
    pub owner: Option<String>,
    pub baseline_uses: u64,
    pub recent_uses: u64,
    #[serde(flatten)]
    pub figures: DropFigures,
}

/// The drops found, with the windows they compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyReport {
    pub as_of: NaiveDate,
    pub params: DropParams,
    pub baseline: Window,
    pub recent: Window,
    /// Resources busy enough over the baseline to be judged.
    pub busy: usize,
    /// Largest drop first.
    pub items: Vec<Anomaly>,
}

/// Sudden drops of busy resources as of `q.as_of`, from one read of the daily rows of every
/// resource (not one query per resource). Deleted resources are left out: their drop has an
/// explanation.
pub async fn anomalies<S: Store + ?Sized>(store: &S, q: &AnomalyQuery) -> Result<AnomalyReport, UsageError> {
    let p = q.params;
    p.check()?;
    let recent = Window::ending(q.as_of, p.recent_days)?;
    let baseline_end = recent.from.checked_sub_days(Days::new(1)).ok_or_else(|| {
        UsageError::Invalid(format!("no baseline fits before {}: choose a later as-of day", recent.from))
    })?;
    let baseline = Window::ending(baseline_end, p.baseline_days)?;
    let rows = store
        .usage_rows(&RollupQuery {
            tenant_id: q.tenant_id.clone(),
            scope: UsageScope::Resource,
            scope_ids: None,
            period: UsagePeriod::Day,
            metric: UsageMetric::Use,
            from: baseline.from,
            to: recent.to,
        })
        .await?;
    // (tenant, baseline uses, recent uses) per resource.
    let mut sums: FxHashMap<String, (String, u64, u64)> = FxHashMap::default();
    for r in rows {
        let e = sums.entry(r.scope_id).or_insert_with(|| (r.tenant_id, 0, 0));
        if r.start >= recent.from {
            e.2 += r.uses;
        } else {
            e.1 += r.uses;
        }
    }
    let busy = sums.values().filter(|(_, b, _)| *b > 0 && is_busy(*b, &p)).count();
    let flagged: Vec<(String, String, u64, u64, DropFigures)> = sums
        .into_iter()
        .filter_map(|(id, (tenant, b, r))| sudden_drop(b, r, &p).map(|f| (id, tenant, b, r, f)))
        .collect();
    let briefs: HashMap<String, ResourceBrief> = if flagged.is_empty() {
        HashMap::new()
    } else {
        let ids = flagged.iter().map(|f| f.0.clone()).collect();
        let query = BriefQuery { ids: Some(ids), include_deleted: true, ..Default::default() };
        store.resource_briefs(&query).await?.into_iter().map(|b| (b.id.clone(), b)).collect()
    };
    let filtered = !q.kinds.is_empty() || q.environment_id.is_some();
    let mut items: Vec<Anomaly> = flagged
        .into_iter()
        .filter(|(id, ..)| match briefs.get(id) {
            Some(b) => {
                b.deleted_at.is_none()
                    && (q.kinds.is_empty() || q.kinds.contains(&b.kind))
                    && q.environment_id.as_deref().is_none_or(|e| e == b.environment_id)
            }
            // Resources only the audit log knows have no kind or environment to filter on.
            None => !filtered,
        })
        .map(|(id, tenant_id, baseline_uses, recent_uses, figures)| {
            let brief = briefs.get(&id);
            Anomaly {
                tenant_id,
                environment_id: brief.map(|b| b.environment_id.clone()),
                kind: brief.map(|b| b.kind),
                display_name: brief.map(|b| b.display_name.clone()),
                owner: brief.and_then(|b| b.owner.clone()),
                baseline_uses,
                recent_uses,
                figures,
                resource_id: id,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.figures
            .drop_pct
            .total_cmp(&a.figures.drop_pct)
            .then(b.baseline_uses.cmp(&a.baseline_uses))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    Ok(AnomalyReport { as_of: q.as_of, params: p, baseline, recent, busy, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: DropParams = DropParams { recent_days: 7, baseline_days: 28, min_baseline: 10.0, drop: 0.5 };

    #[test]
    fn a_drop_to_exactly_half_is_not_flagged_and_just_below_is() {
        // Baseline 10/day (280 over 28 days); half of it is 5/day (35 over 7 days).
        assert_eq!(sudden_drop(280, 35, &P), None);
        let f = sudden_drop(280, 34, &P).map(|f| (f.baseline, f.recent));
        assert_eq!(f, Some((10.0, 34.0 / 7.0)));
    }

    #[test]
    fn a_baseline_of_exactly_the_minimum_is_busy_and_just_below_is_not() {
        assert!(sudden_drop(280, 0, &P).is_some());
        assert_eq!(sudden_drop(279, 0, &P), None);
        let quiet = DropParams { min_baseline: 0.0, ..P };
        assert_eq!(sudden_drop(0, 0, &quiet), None, "no baseline, nothing to drop from");
    }

    #[test]
    fn drop_percent_compares_the_daily_averages() {
        let f = sudden_drop(560, 14, &P);
        // 20/day before, 2/day now.
        assert_eq!(f.map(|f| (f.baseline, f.recent)), Some((20.0, 2.0)));
        assert!(f.is_some_and(|f| (f.drop_pct - 90.0).abs() < 1e-9), "{f:?}");
        assert_eq!(sudden_drop(560, 600, &P), None, "growth is not a drop");
    }

    #[test]
    fn the_drop_threshold_follows_the_parameter() {
        let steep = DropParams { drop: 0.8, ..P };
        // 20/day → 5/day is a 75 % drop: flagged at 0.5, not at 0.8.
        assert!(sudden_drop(560, 35, &P).is_some());
        assert_eq!(sudden_drop(560, 35, &steep), None);
        assert!(sudden_drop(560, 27, &steep).is_some());
    }

    #[test]
    fn parameters_that_make_no_sense_are_refused() {
        assert!(P.check().is_ok());
        assert!(DropParams { drop: 0.0, ..P }.check().is_err());
        assert!(DropParams { drop: 1.5, ..P }.check().is_err());
        assert!(DropParams { drop: f64::NAN, ..P }.check().is_err());
        assert!(DropParams { recent_days: 0, ..P }.check().is_err());
        assert!(DropParams { min_baseline: -1.0, ..P }.check().is_err());
        assert_eq!(DropParams::default(), P);
    }
}
