//! Usage analytics: Office 365 audit records streamed into the store's rollups, and the trends
//! read from them.
//!
//! - [`parse`] reads one audit record (any of the three Power Platform shapes) from a line of
//!   JSON, borrowing its fields, without building the whole record.
//! - [`import`] streams a file of records (JSON lines or JSON arrays) through parser threads
//!   into the store's [`steward_store::usage::Aggregator`], a few days at a time, so memory
//!   stays bounded whatever the file's size.
//! - [`retention`] drops old ledgers (sealing their days), rollup rows and archive partitions.
//! - [`trends`] computes growth, moving averages, anomaly flags and unused resources.

mod error;
pub mod import;
pub mod parse;
pub mod retention;
pub mod rollup;
pub mod scan;
pub mod trends;

pub use error::UsageError;
pub use import::{ImportOptions, ImportReport, import_audit_file, looks_like_audit_file};
