//! Licences: the tenant's subscribed SKUs (Graph `subscribedSkus`) and, from the users
//! listing's `assignedLicenses`, who holds which.

use steward_ingest::powerplatform::wire::graph;
use steward_model::{License, LicenseAssignment};
use steward_powerplatform::types::SubscribedSku;

pub fn license(sku: SubscribedSku, tenant_id: &str) -> License {
    let mut service_plans: Vec<String> = sku.service_plans.into_iter().filter_map(|p| p.service_plan_name).collect();
    service_plans.sort();
    service_plans.dedup();
    License {
        tenant_id: tenant_id.to_string(),
        sku_id: sku.sku_id.to_ascii_lowercase(),
        sku_part_number: sku.sku_part_number.unwrap_or_default(),
        capability_status: sku.capability_status,
        enabled_units: sku.prepaid_units.map_or(0, |p| p.enabled),
        consumed_units: sku.consumed_units,
        service_plans,
    }
}

/// The user's licences, when the listing carried them.
pub fn assignment(user: &graph::User) -> Option<LicenseAssignment> {
    let assigned = user.assigned_licenses.as_ref()?;
    Some(LicenseAssignment {
        principal_id: user.id.to_ascii_lowercase(),
        sku_ids: assigned.iter().map(|a| a.sku_id.to_ascii_lowercase()).collect(),
    })
}
