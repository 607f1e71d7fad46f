//! The value of one resource for one period, from its value record and its real usage. Pure:
//! every input is given, so the figures and their explanation can be tested line by line.
//!
//! - time saved per use: `uses × minutes per use ÷ 60 × hourly cost`;
//! - time saved per week, only where no per-use figure is given: `active weeks × minutes per
//!   week ÷ 60 × hourly cost` (an active week has at least one use);
//! - cost avoided and revenue enabled are yearly amounts, prorated: `amount × days ÷ 365`.
//!
//! Amounts are hundredths of the currency, rounded half away from zero once per line.

use crate::config::HourlyRate;
use crate::money::{format_hundredths, format_money, mul_div};
use crate::period::ValuePeriod;
use serde::{Deserialize, Serialize};
use steward_store::value::{ValueKind, ValueRecord};

/// What the usage rollups say about a resource in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageFacts {
    /// Launches, runs or sessions in the period.
    pub uses: u64,
    /// Calendar weeks (Monday to Sunday) with at least one use in the period.
    pub active_weeks: u64,
    /// Where the figures come from, for the explanation.
    pub source: String,
}

/// One input of a line, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub name: String,
    pub value: String,
    pub source: String,
}

/// One part of a computed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueLine {
    /// `time saved per use`, `time saved per week`, `cost avoided`, `revenue enabled`.
    pub name: String,
    /// Hundredths of the reporting currency.
    pub amount: i64,
    /// The formula with its numbers, e.g. `120 uses × 5.00 min ÷ 60 × 50.00 EUR/h = 500.00 EUR`.
    pub formula: String,
    pub inputs: Vec<Input>,
}

/// A resource's value for a period: the sum of its lines, each explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedValue {
    pub resource_id: String,
    pub kind: ValueKind,
    pub period: ValuePeriod,
    pub currency: String,
    /// Hundredths of `currency`.
    pub total: i64,
    /// Hundredths of a minute saved in the period.
    pub centiminutes_saved: i64,
    pub lines: Vec<ValueLine>,
    /// Figures of the record left out, and why.
    pub notes: Vec<String>,
}

fn minutes(centi: i64) -> String {
    format!("{} min", format_hundredths(centi))
}

fn recorded(record: &ValueRecord) -> String {
    format!(
        "{} value record revision {} by {} on {}",
        record.kind,
        record.revision,
        record.recorded_by,
        record.recorded_at.format("%Y-%m-%d")
    )
}

/// Compute `record`'s value for `period` from `usage`, at `rate`, in `currency`.
pub fn compute(
    record: &ValueRecord,
    usage: &UsageFacts,
    rate: &HourlyRate,
    period: &ValuePeriod,
    currency: &str,
) -> ComputedValue {
    let f = &record.figures;
    let source = recorded(record);
    let rate_text = format!("{}/h", format_money(rate.amount, currency));
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    let mut centiminutes_saved = 0i64;

    if let Some(per_use) = f.centiminutes_per_use {
        let saved = i64::try_from(u128::from(usage.uses) * u128::try_from(per_use).unwrap_or(0)).unwrap_or(i64::MAX);
        // uses × (per_use/100) min ÷ 60 × (rate/100) currency, in hundredths: uses·per_use·rate / 6000.
        let amount = mul_div(i128::from(usage.uses) * i128::from(per_use), i128::from(rate.amount), 6000);
        centiminutes_saved = centiminutes_saved.saturating_add(saved);
        lines.push(ValueLine {
            name: "time saved per use".into(),
            amount,
            formula: format!(
                "{} uses × {} ÷ 60 × {rate_text} = {}",
                usage.uses,
                minutes(per_use),
                format_money(amount, currency)
            ),
            inputs: vec![
                Input { name: "uses".into(), value: usage.uses.to_string(), source: usage.source.clone() },
                Input { name: "minutes saved per use".into(), value: minutes(per_use), source: source.clone() },
                Input { name: "hourly cost".into(), value: rate_text.clone(), source: rate.source.clone() },
            ],
        });
        if f.centiminutes_per_week.is_some() {
            notes.push(
                "minutes saved per week left out: the per-use figure, measured against real uses, is used instead"
                    .into(),
            );
        }
    } else if let Some(per_week) = f.centiminutes_per_week {
        let saved =
            i64::try_from(u128::from(usage.active_weeks) * u128::try_from(per_week).unwrap_or(0)).unwrap_or(i64::MAX);
        let amount = mul_div(i128::from(usage.active_weeks) * i128::from(per_week), i128::from(rate.amount), 6000);
        centiminutes_saved = centiminutes_saved.saturating_add(saved);
        lines.push(ValueLine {
            name: "time saved per week".into(),
            amount,
            formula: format!(
                "{} active weeks × {} ÷ 60 × {rate_text} = {}",
                usage.active_weeks,
                minutes(per_week),
                format_money(amount, currency)
            ),
            inputs: vec![
                Input {
                    name: "active weeks (weeks with at least one use)".into(),
                    value: usage.active_weeks.to_string(),
                    source: usage.source.clone(),
                },
                Input { name: "minutes saved per week".into(), value: minutes(per_week), source: source.clone() },
                Input { name: "hourly cost".into(), value: rate_text.clone(), source: rate.source.clone() },
            ],
        });
    }

    let days = period.days();
    let yearly = [("cost avoided", f.cost_avoided_per_year), ("revenue enabled", f.revenue_enabled_per_year)];
    for (name, amount) in yearly {
        let Some(per_year) = amount else { continue };
        if f.currency.trim() != currency {
            notes.push(format!(
                "{name} ({}) left out: recorded in {}, reported in {currency}; record it in {currency}",
                format_money(per_year, f.currency.trim()),
                f.currency.trim()
            ));
            continue;
        }
        let share = mul_div(i128::from(per_year), i128::from(days), 365);
        lines.push(ValueLine {
            name: name.into(),
            amount: share,
            formula: format!(
                "{} per year × {days} days ÷ 365 = {}",
                format_money(per_year, currency),
                format_money(share, currency)
            ),
            inputs: vec![
                Input {
                    name: format!("{name} per year"),
                    value: format_money(per_year, currency),
                    source: source.clone(),
                },
                Input {
                    name: "days in the period".into(),
                    value: days.to_string(),
                    source: format!("period {period}"),
                },
            ],
        });
    }
    if lines.is_empty() {
        notes.push(
            "the record has no time saved, cost avoided or revenue enabled figure to compute a value from".into(),
        );
    }
    let total = lines.iter().fold(0i64, |acc, l| acc.saturating_add(l.amount));
    ComputedValue {
        resource_id: record.resource_id.clone(),
        kind: record.kind,
        period: period.clone(),
        currency: currency.to_string(),
        total,
        centiminutes_saved,
        lines,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_store::value::{ValueFigures, ValueStory};

    fn record(per_use: Option<i64>, per_week: Option<i64>, avoided: Option<i64>, currency: &str) -> ValueRecord {
        ValueRecord {
            resource_id: "app-1".into(),
            kind: ValueKind::Actual,
            revision: 3,
            figures: ValueFigures {
                users_impacted: Some(12),
                centiminutes_per_use: per_use,
                centiminutes_per_week: per_week,
                cost_avoided_per_year: avoided,
                revenue_enabled_per_year: None,
                currency: currency.into(),
            },
            story: ValueStory::default(),
            recorded_by: "mia".into(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn october() -> ValuePeriod {
        ValuePeriod::parse("2026-10").unwrap_or_else(|e| panic!("{e}"))
    }

    fn usage(uses: u64, weeks: u64) -> UsageFacts {
        UsageFacts { uses, active_weeks: weeks, source: "usage rollups".into() }
    }

    fn rate(amount: i64) -> HourlyRate {
        HourlyRate { amount, source: "default".into() }
    }

    #[test]
    fn per_use_value_is_uses_times_minutes_times_rate() {
        // 120 uses × 5 min = 600 min = 10 h × 50.00 = 500.00
        let v = compute(&record(Some(500), None, None, "EUR"), &usage(120, 4), &rate(5000), &october(), "EUR");
        assert_eq!(v.total, 50_000);
        assert_eq!(v.centiminutes_saved, 60_000);
        assert_eq!(v.lines.len(), 1);
        assert_eq!(v.lines[0].formula, "120 uses × 5.00 min ÷ 60 × 50.00 EUR/h = 500.00 EUR");
        assert_eq!(v.lines[0].inputs[0].source, "usage rollups");
        assert!(v.lines[0].inputs[1].source.contains("revision 3 by mia"));
    }

    #[test]
    fn weekly_figure_only_without_a_per_use_one() {
        // 3 active weeks × 90 min = 270 min = 4.5 h × 60.00 = 270.00
        let v = compute(&record(None, Some(9000), None, "EUR"), &usage(500, 3), &rate(6000), &october(), "EUR");
        assert_eq!(v.total, 27_000);
        assert_eq!(v.lines[0].name, "time saved per week");
        let both = compute(&record(Some(100), Some(9000), None, "EUR"), &usage(60, 3), &rate(6000), &october(), "EUR");
        assert_eq!(both.total, 6000, "60 uses × 1 min = 1 h × 60.00; the weekly figure is not added");
        assert_eq!(both.notes.len(), 1);
    }

    #[test]
    fn yearly_amounts_are_prorated_and_other_currencies_left_out() {
        // 3,650.00 per year × 31 days ÷ 365 = 310.00
        let v = compute(&record(None, None, Some(365_000), "EUR"), &usage(0, 0), &rate(5000), &october(), "EUR");
        assert_eq!(v.total, 31_000);
        assert_eq!(v.lines[0].formula, "3,650.00 EUR per year × 31 days ÷ 365 = 310.00 EUR");
        let usd = compute(&record(None, None, Some(365_000), "USD"), &usage(0, 0), &rate(5000), &october(), "EUR");
        assert_eq!(usd.total, 0);
        assert!(usd.notes[0].contains("recorded in USD"), "{:?}", usd.notes);
    }

    #[test]
    fn no_use_no_time_value_and_rounding_once_per_line() {
        let v = compute(&record(Some(500), None, None, "EUR"), &usage(0, 0), &rate(5000), &october(), "EUR");
        assert_eq!(v.total, 0);
        // 1 use × 0.01 min ÷ 60 × 50.00 = 0.0083 → 0.01 (rounded half away from zero: 0.83 hundredths)
        let tiny = compute(&record(Some(1), None, None, "EUR"), &usage(1, 1), &rate(5000), &october(), "EUR");
        assert_eq!(tiny.total, 1);
        let empty = compute(&record(None, None, None, "EUR"), &usage(10, 1), &rate(5000), &october(), "EUR");
        assert_eq!(empty.total, 0);
        assert!(!empty.notes.is_empty());
    }
}
