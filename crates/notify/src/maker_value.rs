//! The value part of the monthly maker summary: what each resource was worth in the month,
//! computed by `steward-value` from its value records and the month's real uses (docs/value.md),
//! and a maker's total.
//!
//! The actual value (from an *actual* record: what was measured) is the figure; the potential
//! value (from a *potential* record: what was expected) is shown apart and never added to it, as
//! in the ROI report. A maker with neither gets a hint with the link to record one.

use crate::NotifyError;
use serde_json::{Value, json};
use std::collections::HashMap;
use steward_report::Month;
use steward_store::Store;
use steward_store::value::ValueQuery;
use steward_value::gather::{ResourceValue, resource_values};
use steward_value::money::{format_hundredths, format_money};
use steward_value::{Rates, ValuePeriod};

/// Every computed value of one month, by resource id.
pub struct MonthValues {
    currency: String,
    by_resource: HashMap<String, ResourceValue>,
}

/// One maker's value over their resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakerValue {
    pub currency: String,
    /// Sum of the actual values, in hundredths; `None` when no resource has an actual record.
    pub actual: Option<i64>,
    /// Sum of the potential values, in hundredths; `None` when no resource has a potential record.
    pub potential: Option<i64>,
    /// Resources with an actual record.
    pub valued: usize,
}

fn add(sum: Option<i64>, amount: Option<i64>) -> Option<i64> {
    match (sum, amount) {
        (s, None) => s,
        (None, Some(a)) => Some(a),
        (Some(s), Some(a)) => Some(s.saturating_add(a)),
    }
}

impl MonthValues {
    /// Compute the month's value of every resource with a current value record. All records are
    /// read at once: there are far fewer of them than resources, and one read serves every maker.
    pub async fn load(store: &dyn Store, rates: &Rates, month: Month) -> Result<MonthValues, NotifyError> {
        let period = ValuePeriod::month_of(month.first_day());
        let values = resource_values(store, rates, &period, &ValueQuery::default())
            .await
            .map_err(|e| NotifyError::Source { what: "value", reason: e.to_string() })?;
        Ok(MonthValues {
            currency: rates.currency.clone(),
            by_resource: values.into_iter().map(|v| (v.facts.resource_id.clone(), v)).collect(),
        })
    }

    fn money(&self, amount: Option<i64>) -> Value {
        amount.map_or(Value::Null, |a| Value::String(format_money(a, &self.currency)))
    }

    /// One resource's values for the summary's list: `actual` and `potential` as money text, or
    /// null without such a record.
    pub fn resource(&self, resource_id: &str) -> Value {
        let v = self.by_resource.get(resource_id);
        json!({
            "actual": self.money(v.and_then(|v| v.actual.as_ref()).map(|c| c.total)),
            "potential": self.money(v.and_then(|v| v.potential.as_ref()).map(|c| c.total)),
        })
    }

    /// A maker's totals over the resources they own.
    pub fn maker<'a>(&self, resource_ids: impl IntoIterator<Item = &'a str>) -> MakerValue {
        let mut out = MakerValue { currency: self.currency.clone(), actual: None, potential: None, valued: 0 };
        for v in resource_ids.into_iter().filter_map(|id| self.by_resource.get(id)) {
            let actual = v.actual.as_ref().map(|c| c.total);
            out.valued += usize::from(actual.is_some());
            out.actual = add(out.actual, actual);
            out.potential = add(out.potential, v.potential.as_ref().map(|c| c.total));
        }
        out
    }
}

impl MakerValue {
    /// Whether any of the maker's resources has a value record.
    pub fn recorded(&self) -> bool {
        self.actual.is_some() || self.potential.is_some()
    }

    /// The line of chat cards' fact sets.
    pub fn fact(&self) -> String {
        match (self.actual, self.potential) {
            (Some(a), _) => format_money(a, &self.currency),
            (None, Some(p)) => format!("expected {}", format_money(p, &self.currency)),
            (None, None) => "no value recorded".into(),
        }
    }

    /// The `value` object of the template context. `record_url` is where to record a value,
    /// `report_url` the month's value report with every figure explained.
    pub fn context(&self, record_url: &str, report_url: &str) -> Value {
        let money = |a: Option<i64>| a.map(|a| format_money(a, &self.currency));
        json!({
            "recorded": self.recorded(),
            "actual": money(self.actual),
            "potential": money(self.potential),
            // The plain decimal, for webhook receivers and templates that format it themselves.
            "actual_amount": self.actual.map(format_hundredths),
            "currency": self.currency,
            "valued_resources": self.valued,
            "summary": self.fact(),
            "record_url": record_url,
            "report_url": report_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(actual: Option<i64>, potential: Option<i64>) -> MakerValue {
        MakerValue { currency: "EUR".into(), actual, potential, valued: usize::from(actual.is_some()) }
    }

    #[test]
    fn actual_first_potential_apart_and_a_hint_without_either() {
        assert_eq!(value(Some(123_450), Some(5)).fact(), "1,234.50 EUR");
        assert_eq!(value(None, Some(12_000)).fact(), "expected 120.00 EUR");
        assert_eq!(value(None, None).fact(), "no value recorded");
        assert!(!value(None, None).recorded());
        let c = value(Some(0), None).context("https://s/value", "https://s/value/roi");
        assert_eq!(c["recorded"], true, "a record worth 0 this month is still a record");
        assert_eq!(c["actual"], "0.00 EUR");
        assert_eq!(c["actual_amount"], "0.00");
        assert_eq!(c["potential"], Value::Null);
    }

    #[test]
    fn sums_keep_none_apart_from_zero() {
        assert_eq!(add(None, None), None);
        assert_eq!(add(None, Some(0)), Some(0));
        assert_eq!(add(Some(5), None), Some(5));
        assert_eq!(add(Some(5), Some(7)), Some(12));
        assert_eq!(add(Some(i64::MAX), Some(1)), Some(i64::MAX));
    }
}
