//! Windows of days, and the day usage views treat as "today".

use crate::UsageError;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use steward_store::Store;

/// Days `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    /// The `days` days that end on `to`.
    pub fn ending(to: NaiveDate, days: u32) -> Result<Window, UsageError> {
        if days == 0 {
            return Err(UsageError::Invalid("days must be at least 1".into()));
        }
        let from = to.checked_sub_days(Days::new(u64::from(days) - 1)).ok_or_else(|| {
            UsageError::Invalid(format!("a window of {days} days ending on {to} starts before the calendar does"))
        })?;
        Ok(Window { from, to })
    }

    /// The window a caller asked for: explicit `from`/`to`, or `days` (else `default_days`)
    /// ending on `to` (else `today`). Giving both `days` and `from` is refused rather than
    /// silently preferring one.
    pub fn resolve(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        days: Option<u32>,
        default_days: u32,
        today: NaiveDate,
    ) -> Result<Window, UsageError> {
        let to = to.unwrap_or(today);
        let window = match (from, days) {
            (Some(from), Some(days)) => {
                return Err(UsageError::Invalid(format!(
                    "both days ({days}) and from ({from}) name the start of the window; give only one of them"
                )));
            }
            (Some(from), None) => Window { from, to },
            (None, days) => Window::ending(to, days.unwrap_or(default_days))?,
        };
        if window.from > window.to {
            return Err(UsageError::Invalid(format!(
                "the window starts ({}) after it ends ({}); swap from and to",
                window.from, window.to
            )));
        }
        Ok(window)
    }

    /// How many days the window holds.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// The newest day with counted records (of one tenant, or of any), else today (UTC).
///
/// Usage views end their windows here rather than on the calendar's today so that an estate
/// imported from historic audit files shows its figures instead of empty recent windows.
pub async fn newest_day<S: Store + ?Sized>(store: &S, tenant_id: Option<&str>) -> Result<NaiveDate, UsageError> {
    let status = store.usage_status(tenant_id).await?;
    Ok(status.last_day.unwrap_or_else(|| chrono::Utc::now().date_naive()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn days_end_on_to_and_include_both_ends() {
        let w = Window::resolve(None, Some(d("2026-03-10")), Some(7), 30, d("2026-11-23")).ok();
        assert_eq!(w, Some(Window { from: d("2026-03-04"), to: d("2026-03-10") }));
        assert_eq!(w.map(|w| w.days()), Some(7));
        let default = Window::resolve(None, None, None, 30, d("2026-11-23")).ok();
        assert_eq!(default.map(|w| (w.from, w.to, w.days())), Some((d("2026-10-25"), d("2026-11-23"), 30)));
    }

    #[test]
    fn conflicting_or_reversed_windows_are_refused_with_the_values() {
        let both = Window::resolve(Some(d("2026-01-01")), None, Some(7), 30, d("2026-11-23"));
        let message = both.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("days (7)") && message.contains("2026-01-01"), "{message}");
        let reversed = Window::resolve(Some(d("2026-02-01")), Some(d("2026-01-01")), None, 30, d("2026-11-23"));
        assert!(reversed.err().map(|e| e.to_string()).unwrap_or_default().contains("swap"));
        assert!(Window::ending(d("2026-01-01"), 0).is_err());
    }
}
