//! `[cost]` in steward.toml.

use crate::catalogue::{Catalogue, PriceOverride, check_override};
use crate::records::PeopleCost;
use crate::{CostError, Result};
use serde::{Deserialize, Serialize};

/// How costs are priced and placed. Every field has a default, so an empty `[cost]` (or none)
/// gives list prices in USD, unplaced costs in the cost centre `unallocated`, and no people costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostConfig {
    /// ISO 4217 code every report is in. Built-in prices are USD: with another currency,
    /// override the prices you use (a report refuses to add up two currencies).
    pub currency: String,
    /// Where a cost goes when no allocation rule matches it.
    pub default_cost_centre: String,
    /// Price overrides and extra catalogue entries (see docs/costs.md).
    pub prices: Vec<PriceOverride>,
    /// The CoE team: each member's FTE and full-time monthly cost.
    pub team: Vec<PeopleCost>,
    /// Makers' time: cost of one hour, in minor units, for imported hours without a rate.
    pub maker_hour_rate: i64,
    /// Environments billed pay-as-you-go (linked to an Azure subscription), by id: their apps'
    /// active users, flow runs and agent messages are charged at the meters' prices.
    pub payg_environments: Vec<String>,
    /// A licence is unused when its holder did nothing for this many days.
    pub unused_after_days: u32,
    /// Alert when the projection reaches this percentage of a budget.
    pub alert_at_percent: u32,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig {
            currency: "USD".into(),
            default_cost_centre: "unallocated".into(),
            prices: Vec::new(),
            team: Vec::new(),
            maker_hour_rate: 5000,
            payg_environments: Vec::new(),
            unused_after_days: 90,
            alert_at_percent: 100,
        }
    }
}

impl CostConfig {
    /// Refuse a configuration that cannot price anything sensibly, naming the field.
    pub fn check(&self) -> Result<()> {
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(CostError::Config(format!(
                "currency '{}' is not an ISO 4217 code such as USD or EUR",
                self.currency
            )));
        }
        if self.default_cost_centre.trim().is_empty() {
            return Err(CostError::Config("default_cost_centre must name a cost centre".into()));
        }
        for p in &self.prices {
            check_override(p)?;
        }
        for m in &self.team {
            m.check().map_err(|e| CostError::Config(format!("team member '{}': {e}", m.id)))?;
        }
        if self.maker_hour_rate < 0 {
            return Err(CostError::Config("maker_hour_rate cannot be negative".into()));
        }
        if self.unused_after_days == 0 {
            return Err(CostError::Config("unused_after_days must be at least 1".into()));
        }
        Ok(())
    }

    /// The built-in catalogue with this configuration's overrides, then `imported` ones.
    pub fn catalogue(&self, imported: &[PriceOverride]) -> Result<Catalogue> {
        let mut c = Catalogue::builtin()?;
        c.apply(&self.prices, &self.currency)?;
        c.apply(imported, &self.currency)?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cost_section() -> Result<()> {
        let c: CostConfig = toml::from_str(
            r#"
            currency = "EUR"
            default_cost_centre = "it"
            payg_environments = ["env-1"]
            [[prices]]
            id = "power_apps_premium"
            price = 1870
            [[team]]
            id = "lead"
            kind = "coe_team"
            name = "CoE lead"
            quantity = 1.0
            rate = 950000
            "#,
        )
        .map_err(|e| CostError::Config(e.to_string()))?;
        c.check()?;
        let cat = c.catalogue(&[])?;
        assert_eq!(cat.get("power_apps_premium").map(|e| (e.price, e.currency.as_str())), Some((1870, "EUR")));
        assert_eq!(c.team.len(), 1);
        let bad: CostConfig = toml::from_str("currency = \"euro\"").map_err(|e| CostError::Config(e.to_string()))?;
        assert!(bad.check().is_err());
        assert!(toml::from_str::<CostConfig>("curency = \"EUR\"").is_err(), "typos are refused");
        Ok(())
    }
}
