//! The `[value]` section of steward.toml: the reporting currency and what an hour of work
//! costs, by default and per department or country of the resource's owner.
//!
//! ```toml
//! [value]
//! currency = "USD"
//! hourly_cost = "50.00"
//! [value.hourly_cost_by_department]
//! Finance = "65.00"
//! [value.hourly_cost_by_country]
//! US = 70
//! ```

use crate::money::{format_money, parse_hundredths};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An amount as written in the config: `"65.00"`, `65` or `65.5`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConfigAmount {
    Text(String),
    Integer(i64),
    Float(f64),
}

impl ConfigAmount {
    fn hundredths(&self, what: &str) -> Result<i64, String> {
        match self {
            ConfigAmount::Text(t) => parse_hundredths(t, what),
            ConfigAmount::Integer(i) => parse_hundredths(&i.to_string(), what),
            // Written by a person in a config file; its decimal text is what they meant.
            ConfigAmount::Float(f) => parse_hundredths(&f.to_string(), what),
        }
    }
}

/// `[value]` as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValueConfig {
    /// ISO 4217 code every computed value is reported in.
    pub currency: String,
    /// What an hour of an employee's time costs where no department or country rate applies.
    pub hourly_cost: ConfigAmount,
    pub hourly_cost_by_department: BTreeMap<String, ConfigAmount>,
    pub hourly_cost_by_country: BTreeMap<String, ConfigAmount>,
}

impl Default for ValueConfig {
    fn default() -> Self {
        ValueConfig {
            // The cost engine's default, so that ROI divides like by like out of the box.
            currency: "USD".into(),
            hourly_cost: ConfigAmount::Text("50.00".into()),
            hourly_cost_by_department: BTreeMap::new(),
            hourly_cost_by_country: BTreeMap::new(),
        }
    }
}

/// Which rate applied to a resource, and why: shown with every computed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyRate {
    /// Hundredths of the reporting currency per hour.
    pub amount: i64,
    /// `department Finance (value.hourly_cost_by_department)`, `country FR (…)` or `default (value.hourly_cost)`.
    pub source: String,
}

/// [`ValueConfig`] checked once: amounts in hundredths, department and country keys
/// compared without case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub currency: String,
    pub default: i64,
    pub by_department: BTreeMap<String, (String, i64)>,
    pub by_country: BTreeMap<String, (String, i64)>,
}

impl ValueConfig {
    /// Check the section, naming the key at fault.
    pub fn rates(&self) -> Result<Rates, String> {
        let currency = self.currency.trim();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("value.currency must be a three-letter ISO 4217 code such as EUR (got '{currency}')"));
        }
        let table =
            |map: &BTreeMap<String, ConfigAmount>, key: &str| -> Result<BTreeMap<String, (String, i64)>, String> {
                map.iter()
                    .map(|(name, amount)| {
                        let v = amount.hundredths(&format!("value.{key}.{name}"))?;
                        Ok((name.trim().to_lowercase(), (name.clone(), v)))
                    })
                    .collect()
            };
        Ok(Rates {
            currency: currency.to_string(),
            default: self.hourly_cost.hundredths("value.hourly_cost")?,
            by_department: table(&self.hourly_cost_by_department, "hourly_cost_by_department")?,
            by_country: table(&self.hourly_cost_by_country, "hourly_cost_by_country")?,
        })
    }
}

impl Rates {
    /// The rate for an owner in `department` and `country`: the department's if configured,
    /// else the country's, else the default.
    pub fn for_owner(&self, department: Option<&str>, country: Option<&str>) -> HourlyRate {
        let look = |map: &BTreeMap<String, (String, i64)>, key: Option<&str>| {
            key.and_then(|k| map.get(&k.trim().to_lowercase())).cloned()
        };
        if let Some((name, amount)) = look(&self.by_department, department) {
            return HourlyRate {
                amount,
                source: format!(
                    "department {name} (value.hourly_cost_by_department): {}/h",
                    format_money(amount, &self.currency)
                ),
            };
        }
        if let Some((name, amount)) = look(&self.by_country, country) {
            return HourlyRate {
                amount,
                source: format!(
                    "country {name} (value.hourly_cost_by_country): {}/h",
                    format_money(amount, &self.currency)
                ),
            };
        }
        HourlyRate {
            amount: self.default,
            source: format!("default (value.hourly_cost): {}/h", format_money(self.default, &self.currency)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_then_country_then_default() {
        let config: ValueConfig = toml::from_str(
            "currency = \"EUR\"\nhourly_cost = 50\n[hourly_cost_by_department]\nFinance = \"65.50\"\n\
             [hourly_cost_by_country]\nUS = 70.25\n",
        )
        .expect("config");
        let rates = config.rates().expect("rates");
        assert_eq!(rates.for_owner(Some("finance"), Some("US")).amount, 6550);
        assert!(rates.for_owner(Some("Finance"), None).source.starts_with("department Finance"));
        assert_eq!(rates.for_owner(Some("Sales"), Some("us")).amount, 7025);
        assert_eq!(rates.for_owner(None, None).amount, 5000);
        assert!(rates.for_owner(None, Some("FR")).source.starts_with("default"));
    }

    #[test]
    fn bad_amounts_name_their_key() {
        let config: ValueConfig =
            toml::from_str("[hourly_cost_by_department]\nFinance = \"lots\"\n").expect("config parses");
        let err = config.rates().expect_err("refused");
        assert!(err.contains("value.hourly_cost_by_department.Finance"), "{err}");
        let config: ValueConfig = toml::from_str("currency = \"euro\"").expect("parses");
        assert!(config.rates().is_err());
        assert!(toml::from_str::<ValueConfig>("hourly = 3").is_err(), "unknown keys are refused");
    }
}
