//! The vocabulary every other Steward crate speaks.
//!
//! The model is platform-neutral: Power Platform is the first platform, but nothing here is
//! specific to it. Identifiers are the platform's own (GUIDs for Power Platform) and are
//! unique within one deployment; the `platform` field says where a record came from.
//!
//! Enumerations serialise as snake_case strings (`canvas_app`, `cloud_flow`, `non_critical`) and
//! parse from the same strings with [`std::str::FromStr`], so the API, the database and
//! configuration files all use one spelling.

mod auth;
mod enums;
pub mod format;
mod governance;
mod inventory;
mod license;
mod page;
mod principal;
mod usage;

pub use auth::*;
pub use enums::*;
pub use governance::*;
pub use inventory::*;
pub use license::*;
pub use page::*;
pub use principal::*;
pub use usage::*;

/// A point in time, always UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// The platform name used for Microsoft Power Platform records.
pub const POWER_PLATFORM: &str = "powerplatform";

/// A string did not name a known value of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{value}'; expected one of: {expected}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}
