//! Maturity assessments as living data (issue #8).
//!
//! - **Models as data** ([`load`], [`model`]): the CoE ALM maturity model, the support strategy
//!   maturity levels, the program management practices and the Power CAT adoption maturity model,
//!   as YAML files shipped in `models/` and extendable from a directory (`[assess] models_dir`).
//! - **Scoring** ([`score`]): a score and a level per area, with the reasons, the gaps to the next
//!   level and the actions (training, workshops, Steward pages) that help.
//! - **Evidence** ([`evidence`]): questions Steward can answer from its own data are pre-filled,
//!   with what was read, and can be overridden.
//! - **ALM decision** ([`alm`]): whether managed ALM fits a solution now, later or not yet, and the
//!   findings: critical resources without it.
//! - **Reports** ([`report`], [`html`]): JSON, a printable page, progress and comparisons.
//!
//! Storage is `steward_store::maturity`; this crate holds the meaning and the rules.
//! docs/maturity.md is the user's description.

pub mod alm;
mod config;
pub mod evidence;
pub mod html;
pub mod load;
pub mod model;
pub mod report;
pub mod score;
pub mod service;

pub use config::AssessConfig;
pub use load::{LoadError, ModelError, Models};
