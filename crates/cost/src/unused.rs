//! Unused licences: assigned to someone with no activity (use or make) for `unused_after_days`
//! (90 by default), or to an account that is disabled or gone — each a monthly saving.
//!
//! Activity comes from the usage rollups' actor sets (tenant scope, per day), mapped to
//! principals by id or UPN. When the usage history does not reach back the whole window, the
//! list says so (`complete: false`): a person may simply not have been seen yet.

use crate::config::CostConfig;
use crate::lines::Inputs;
use crate::report::active_principals;
use crate::{Meter, Result};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use steward_store::Store;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedLicence {
    pub principal_id: String,
    pub display_name: String,
    pub upn: Option<String>,
    pub department: Option<String>,
    pub sku_part_number: String,
    pub entry_id: String,
    pub entry_name: String,
    /// The saving per month, in minor units.
    pub monthly_amount: i64,
    /// `no activity since …` or `account disabled or deleted`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedReport {
    /// First day of the window looked at.
    pub since: NaiveDate,
    pub until: NaiveDate,
    /// The usage history covers the whole window.
    pub complete: bool,
    pub currency: String,
    pub items: Vec<UnusedLicence>,
    pub monthly_total: i64,
}

pub async fn unused_licences(store: &dyn Store, config: &CostConfig, today: NaiveDate) -> Result<UnusedReport> {
    let inputs = Inputs::load(store, config).await?;
    unused_with(store, config, &inputs, today).await
}

pub async fn unused_with(
    store: &dyn Store,
    config: &CostConfig,
    inputs: &Inputs,
    today: NaiveDate,
) -> Result<UnusedReport> {
    let since = today - Duration::days(i64::from(config.unused_after_days));
    let actor_map: HashMap<u32, String> = store.usage_actor_principals(None).await?.into_iter().collect();
    let active = active_principals(store, since, today, &actor_map).await?;
    let status = store.usage_status(None).await?;
    let complete = status.first_day.is_some_and(|d| d <= since);
    let mut items = Vec::new();
    for h in &inputs.holders {
        let Some(entry) = inputs.catalogue.by_sku(&h.sku_part_number).filter(|e| e.meter == Meter::Assigned) else {
            continue;
        };
        let reason = if !h.active {
            "account disabled or deleted".to_string()
        } else if !active.contains(&h.principal_id) {
            format!("no activity since {since}")
        } else {
            continue;
        };
        items.push(UnusedLicence {
            principal_id: h.principal_id.clone(),
            display_name: h.display_name.clone(),
            upn: h.upn.clone(),
            department: h.department.clone(),
            sku_part_number: h.sku_part_number.clone(),
            entry_id: entry.id.clone(),
            entry_name: entry.name.clone(),
            monthly_amount: entry.price,
            reason,
        });
    }
    items.sort_by(|a, b| b.monthly_amount.cmp(&a.monthly_amount).then(a.principal_id.cmp(&b.principal_id)));
    Ok(UnusedReport {
        since,
        until: today,
        complete,
        currency: config.currency.clone(),
        monthly_total: items.iter().map(|i| i.monthly_amount).sum(),
        items,
    })
}
