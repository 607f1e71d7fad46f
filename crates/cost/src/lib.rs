//! Costs of a low-code estate and who pays them (issue #7, items 5–8).
//!
//! - [`catalogue`]: licence and capacity prices (built-in list prices, overridden by
//!   configuration and imports) and the mapping of Microsoft Graph SKUs to them;
//! - [`lines`]: the month's cost lines — licences held, capacity consumed, pay-as-you-go meters,
//!   CoE team and makers' time — each with the attributes allocation rules match on;
//! - [`allocate`]: cost centres, ordered rules, shared costs split by usage or head count, in
//!   integer minor units split by largest remainder so every split adds back to its total;
//! - [`report`]: showback/chargeback per cost centre and month, and the FOCUS-style CSV;
//! - [`budget`]: budget against actual and projection, and the alerts when one will be exceeded;
//! - [`forecast`]: licence and capacity consumption for the next 3 and 12 months;
//! - [`unused`]: licences assigned to people with no activity for 90 days;
//! - [`resources`]: the cost of each resource for a period (what ROI divides by);
//! - [`import`]: prices, assignments, budgets and people costs from CSV, row by row.

pub mod allocate;
pub mod budget;
pub mod catalogue;
pub mod config;
pub mod forecast;
pub mod import;
pub mod lines;
pub mod money;
pub mod period;
pub mod records;
pub mod report;
pub mod resources;
pub mod unused;

pub use catalogue::{Catalogue, ChargeCategory, Meter, PriceEntry};
pub use config::CostConfig;
pub use period::Period;
pub use resources::{ResourceCost, resource_costs};

use steward_store::StoreError;

/// What can go wrong computing costs. Each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("invalid period '{0}': write a month (2026-10), a quarter (2026-Q4) or a year (2026)")]
    Period(String),

    #[error("licence catalogue: {0}")]
    Catalogue(String),

    #[error("cost configuration: {0}")]
    Config(String),

    #[error("stored {kind} '{key}' is not valid ({reason}); import it again or delete it")]
    Record { kind: &'static str, key: String, reason: String },

    #[error("allocation: {0}")]
    Allocation(String),

    #[error("cannot read {what}: {reason}")]
    Input { what: String, reason: String },
}

pub type Result<T, E = CostError> = std::result::Result<T, E>;
