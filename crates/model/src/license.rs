//! Licences: what a tenant bought (a subscribed SKU) and who holds which.
//!
//! They are the base of licence cost and chargeback (who pays for premium connectors) and of
//! licence reviews (a leaver still holding a paid licence).

use serde::{Deserialize, Serialize};

/// A product the tenant subscribes to (Microsoft Graph `subscribedSku`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    pub tenant_id: String,
    /// The product's id (a GUID for Microsoft), the same in every tenant.
    pub sku_id: String,
    /// Readable product code: `POWERAPPS_PER_USER`, `FLOW_PER_USER`, `ENTERPRISEPACK`…
    pub sku_part_number: String,
    /// `Enabled`, `Warning`, `Suspended`, `Deleted`, `LockedOut`.
    #[serde(default)]
    pub capability_status: Option<String>,
    /// Seats bought and active.
    pub enabled_units: i64,
    /// Seats assigned.
    pub consumed_units: i64,
    /// Names of the service plans the product includes (`POWERAPPS_P2`, `FLOW_P2`…), sorted.
    #[serde(default)]
    pub service_plans: Vec<String>,
}

/// The licences one principal holds, by SKU id (sorted, no repeats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseAssignment {
    pub principal_id: String,
    pub sku_ids: Vec<String>,
}
