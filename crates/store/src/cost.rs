//! Licence catalogue, assignments imported, cost centres, budgets and allocation rules (issue #7).
//!
//! A part of the storage boundary kept in its own trait so that its methods, types and backend
//! implementations live together; [`crate::Store`] requires it, so `Arc<dyn Store>` reaches them.
//!
//! The cost records (price overrides, imported assignments, cost centres, budgets, allocation
//! rules, people costs, monthly consumption) are few (hundreds, not millions), always read whole
//! per kind, and their shape follows the catalogue, which changes with Microsoft's price list. So
//! the backends keep them as one keyed JSON document per record, and `steward-cost` owns the
//! typed forms and validates every document it reads back. Both backends store and order them
//! identically (by kind, then key bytewise), which the conformance cases pin down.

use crate::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

steward_model::string_enum!(
    /// The kinds of cost record; each kind is its own key space.
    CostRecordKind, "cost record kind" {
        /// A catalogue price that overrides the built-in list price (key: catalogue entry id).
        Price => "price",
        /// A licence assignment imported from CSV (key: principal and entry).
        Assignment => "assignment",
        /// A cost centre (key: its id).
        CostCentre => "cost_centre",
        /// A budget of one cost centre for one month, quarter or year (key: centre and period).
        Budget => "budget",
        /// One allocation rule (key: its position, zero-padded, so key order is evaluation order).
        Rule => "rule",
        /// A people cost: a CoE team member or makers' time (key: its id).
        People => "people",
        /// A month's consumption of one metric (key: metric and month).
        Consumption => "consumption",
    }
);

/// One stored cost record: a key unique within its kind and a JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostRecord {
    pub key: String,
    pub body: serde_json::Value,
    /// When the record was last written (set by the caller, stored as given to the millisecond).
    pub updated_at: Timestamp,
}

/// One licence one principal holds, with what the cost engine needs to place its cost: the
/// product's part number (mapped to the catalogue) and the holder's department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceHolder {
    pub tenant_id: String,
    pub principal_id: String,
    pub display_name: String,
    pub upn: Option<String>,
    pub department: Option<String>,
    /// Account enabled and not deleted from the directory.
    pub active: bool,
    pub sku_id: String,
    pub sku_part_number: String,
}

#[async_trait]
pub trait CostStore: Send + Sync {
    /// Insert or replace records of `kind` by key, in one transaction. Answers how many were written.
    async fn put_cost_records(&self, kind: CostRecordKind, records: &[CostRecord]) -> Result<u64>;

    /// Replace every record of `kind` with `records`, in one transaction (allocation rules are an
    /// ordered set: a shorter list must not leave old rules behind).
    async fn replace_cost_records(&self, kind: CostRecordKind, records: &[CostRecord]) -> Result<u64>;

    /// Delete one record; answers whether it existed.
    async fn delete_cost_record(&self, kind: CostRecordKind, key: &str) -> Result<bool>;

    /// Every record of `kind`, by key (bytewise).
    async fn cost_records(&self, kind: CostRecordKind) -> Result<Vec<CostRecord>>;

    /// Every licence held by a known principal, with the product's part number, ordered by
    /// principal id then SKU id. `tenant_id` narrows to one tenant.
    async fn licence_holders(&self, tenant_id: Option<&str>) -> Result<Vec<LicenceHolder>>;

    /// The principal id behind every interned usage actor that is a known principal (by id or
    /// by UPN), so that actor sets in usage rollups can be read as people.
    async fn usage_actor_principals(&self, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>>;
}
