//! Compliance: policies evaluated over the stored estate.
//!
//! A run reads the estate from the store ([`gather`]), builds the policy facts, evaluates the
//! active policy set (or a candidate, for a dry run), applies exemptions and records violations
//! with their history ([`run`]). [`impact`] answers "what would adopting this set change";
//! [`sarif`] renders results for code-scanning tools.

mod error;
pub mod gather;
pub mod impact;
pub mod run;
pub mod sarif;

pub use error::{ComplianceError, Result};
