//! The licence catalogue: what each licence, meter and capacity costs per month.
//!
//! Three layers, later ones winning: the built-in list prices (`catalogue.toml`, shipped in the
//! binary), `[[cost.prices]]` in steward.toml, and prices imported with
//! `steward cost prices import` (kept in the store). An override names an entry by `id` and
//! changes only the fields it gives; an override with a new `id` adds an entry and must give
//! every field.

use crate::{CostError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

steward_model::string_enum!(
    /// How a charge is billed, as FOCUS `ChargeCategory` says.
    ChargeCategory, "charge category" {
        /// Bought ahead (licences, packs): FOCUS `Purchase`.
        Purchase => "purchase",
        /// Metered (pay-as-you-go, capacity consumed): FOCUS `Usage`.
        Usage => "usage",
    }
);

impl ChargeCategory {
    /// The FOCUS spelling.
    pub fn focus(self) -> &'static str {
        match self {
            ChargeCategory::Purchase => "Purchase",
            ChargeCategory::Usage => "Usage",
        }
    }
}

steward_model::string_enum!(
    /// How an entry's quantity is counted.
    Meter, "meter" {
        /// Seats held (Microsoft Graph licence assignments or imported assignments).
        Assigned => "assigned",
        /// Gigabytes of environment capacity of the entry's `capacity_type`.
        CapacityGb => "capacity_gb",
        /// Distinct users of an app in a pay-as-you-go environment in the month.
        ActiveUsers => "active_users",
        /// Flow runs in a pay-as-you-go environment in the month.
        Runs => "runs",
        /// Agent messages in a pay-as-you-go environment in the month.
        Messages => "messages",
        /// Quantities that only imports give.
        Units => "units",
    }
);

/// One priced item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceEntry {
    pub id: String,
    pub name: String,
    /// FOCUS `ServiceName`: Power Apps, Power Automate, Copilot Studio, Dataverse…
    pub service: String,
    pub category: ChargeCategory,
    pub meter: Meter,
    /// The unit the price is per (user, bot, GB, run…), per month.
    pub unit: String,
    /// Price per unit per month in minor units of `currency`.
    pub price: i64,
    pub currency: String,
    /// For `capacity_gb`: the environment capacity type (`Database`, `File`, `Log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_type: Option<String>,
    /// Microsoft Graph SKU part numbers that this entry prices.
    #[serde(default)]
    pub skus: Vec<String>,
}

/// A change to one entry; fields left out keep the entry's value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverride {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub category: Option<ChargeCategory>,
    #[serde(default)]
    pub meter: Option<Meter>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub price: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub capacity_type: Option<String>,
    #[serde(default)]
    pub skus: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct BuiltIn {
    entry: Vec<BuiltInEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuiltInEntry {
    id: String,
    name: String,
    service: String,
    category: ChargeCategory,
    meter: Meter,
    unit: String,
    price: i64,
    #[serde(default)]
    capacity_type: Option<String>,
    #[serde(default)]
    skus: Vec<String>,
}

/// The prices in force: entries by id, and SKU part numbers to entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    entries: BTreeMap<String, PriceEntry>,
}

const BUILT_IN: &str = include_str!("catalogue.toml");

impl Catalogue {
    /// The catalogue shipped with Steward (USD list prices).
    pub fn builtin() -> Result<Catalogue> {
        let parsed: BuiltIn =
            toml::from_str(BUILT_IN).map_err(|e| CostError::Catalogue(format!("the built-in catalogue: {e}")))?;
        let entries = parsed
            .entry
            .into_iter()
            .map(|e| {
                let entry = PriceEntry {
                    id: e.id,
                    name: e.name,
                    service: e.service,
                    category: e.category,
                    meter: e.meter,
                    unit: e.unit,
                    price: e.price,
                    currency: "USD".into(),
                    capacity_type: e.capacity_type,
                    skus: e.skus,
                };
                (entry.id.clone(), entry)
            })
            .collect();
        Ok(Catalogue { entries })
    }

    /// Apply overrides in order. An unknown id adds an entry (every field but `skus`,
    /// `capacity_type` and `currency` required).
    pub fn apply(&mut self, overrides: &[PriceOverride], default_currency: &str) -> Result<()> {
        for o in overrides {
            check_override(o)?;
            match self.entries.get_mut(&o.id) {
                Some(e) => {
                    if let Some(v) = &o.name {
                        e.name = v.clone();
                    }
                    if let Some(v) = &o.service {
                        e.service = v.clone();
                    }
                    if let Some(v) = o.category {
                        e.category = v;
                    }
                    if let Some(v) = o.meter {
                        e.meter = v;
                    }
                    if let Some(v) = &o.unit {
                        e.unit = v.clone();
                    }
                    if let Some(v) = o.price {
                        e.price = v;
                        // A price given without a currency is in the deployment's currency.
                        e.currency = o.currency.clone().unwrap_or_else(|| default_currency.to_string());
                    } else if let Some(c) = &o.currency {
                        e.currency = c.clone();
                    }
                    if let Some(v) = &o.capacity_type {
                        e.capacity_type = Some(v.clone());
                    }
                    if let Some(v) = &o.skus {
                        e.skus = v.clone();
                    }
                }
                None => {
                    let missing = |f: &str| {
                        CostError::Catalogue(format!(
                            "price '{}' is not in the catalogue, so it is a new entry and needs '{f}'",
                            o.id
                        ))
                    };
                    let entry = PriceEntry {
                        id: o.id.clone(),
                        name: o.name.clone().ok_or_else(|| missing("name"))?,
                        service: o.service.clone().ok_or_else(|| missing("service"))?,
                        category: o.category.ok_or_else(|| missing("category"))?,
                        meter: o.meter.ok_or_else(|| missing("meter"))?,
                        unit: o.unit.clone().ok_or_else(|| missing("unit"))?,
                        price: o.price.ok_or_else(|| missing("price"))?,
                        currency: o.currency.clone().unwrap_or_else(|| default_currency.to_string()),
                        capacity_type: o.capacity_type.clone(),
                        skus: o.skus.clone().unwrap_or_default(),
                    };
                    if entry.meter == Meter::CapacityGb && entry.capacity_type.is_none() {
                        return Err(missing("capacity_type"));
                    }
                    self.entries.insert(entry.id.clone(), entry);
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&PriceEntry> {
        self.entries.get(id)
    }

    /// Every entry, by id.
    pub fn entries(&self) -> impl Iterator<Item = &PriceEntry> {
        self.entries.values()
    }

    /// The entry a Microsoft Graph SKU part number maps to (case-insensitive).
    pub fn by_sku(&self, part_number: &str) -> Option<&PriceEntry> {
        self.entries.values().find(|e| e.skus.iter().any(|s| s.eq_ignore_ascii_case(part_number)))
    }

    /// The entry that prices capacity of `capacity_type` (case-insensitive).
    pub fn by_capacity(&self, capacity_type: &str) -> Option<&PriceEntry> {
        self.entries.values().find(|e| {
            e.meter == Meter::CapacityGb
                && e.capacity_type.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(capacity_type))
        })
    }

    /// The first entry with this meter (pay-as-you-go meters have one entry each).
    pub fn by_meter(&self, meter: Meter) -> Option<&PriceEntry> {
        self.entries.values().find(|e| e.meter == meter)
    }
}

/// An override is refused when a value it gives cannot be a price.
pub fn check_override(o: &PriceOverride) -> Result<()> {
    let bad = |why: String| CostError::Catalogue(format!("price '{}': {why}", o.id));
    if o.id.trim().is_empty() || o.id.len() > 100 || o.id.chars().any(|c| c.is_control() || c == ',') {
        return Err(CostError::Catalogue(format!(
            "price id '{}' must be 1–100 characters without commas or control characters",
            o.id
        )));
    }
    if let Some(p) = o.price
        && !(0..=1_000_000_000_000).contains(&p)
    {
        return Err(bad(format!("{p} is not a price between 0 and 10,000,000,000.00")));
    }
    if let Some(c) = &o.currency
        && !(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(bad(format!("currency '{c}' is not an ISO 4217 code such as USD or EUR")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_maps_graph_skus_and_capacity() -> Result<()> {
        let c = Catalogue::builtin()?;
        assert_eq!(c.by_sku("powerapps_per_user").map(|e| e.id.as_str()), Some("power_apps_premium"));
        assert_eq!(c.by_sku("FLOW_PER_USER").map(|e| e.price), Some(1500));
        assert!(c.by_sku("ENTERPRISEPACK").is_none(), "Office is not priced here");
        assert_eq!(c.by_capacity("database").map(|e| e.price), Some(4000));
        assert!(c.entries().all(|e| e.currency == "USD" && e.price >= 0));
        Ok(())
    }

    #[test]
    fn overrides_change_fields_and_add_entries() -> Result<()> {
        let mut c = Catalogue::builtin()?;
        c.apply(
            &[
                PriceOverride { id: "power_apps_premium".into(), price: Some(1200), ..Default::default() },
                PriceOverride {
                    id: "desktop_flows".into(),
                    name: Some("RPA bot".into()),
                    service: Some("Power Automate".into()),
                    category: Some(ChargeCategory::Purchase),
                    meter: Some(Meter::Assigned),
                    unit: Some("bot".into()),
                    price: Some(9900),
                    skus: Some(vec!["MY_RPA".into()]),
                    ..Default::default()
                },
            ],
            "EUR",
        )?;
        let e = c.get("power_apps_premium").ok_or_else(|| CostError::Catalogue("gone".into()))?;
        assert_eq!((e.price, e.currency.as_str(), e.name.as_str()), (1200, "EUR", "Power Apps Premium (per user)"));
        assert_eq!(c.by_sku("my_rpa").map(|e| e.price), Some(9900));
        let err = c.apply(&[PriceOverride { id: "new".into(), price: Some(1), ..Default::default() }], "USD");
        assert!(err.is_err_and(|e| e.to_string().contains("needs 'name'")));
        let err = c.apply(&[PriceOverride { id: "x".into(), price: Some(-1), ..Default::default() }], "USD");
        assert!(err.is_err());
        Ok(())
    }
}
