//! Where Steward's data comes from, and how it gets into a [`steward_store::Store`].
//!
//! - [`powerplatform`]: serde types for the real Microsoft wire formats (BAP, Power Apps, Flow,
//!   Dataverse, Graph, Office 365 Management Activity) and their normalisation into
//!   `steward_model`. The HTTP connector and the directory importer share them, so a field
//!   that parses here parses everywhere.
//! - [`synthetic`]: a deterministic synthetic tenant written in those exact wire formats.
//! - [`dump`]: imports such a directory ("tenant dump") into a store in one transaction.
//! - [`files`]: imports usage and inventory from files: Purview audit-log exports, CoE Starter
//!   Kit table exports, and Steward's own format for other low-code platforms.

pub mod dump;
mod error;
pub mod files;
pub mod powerplatform;
pub mod progress;
pub mod synthetic;

pub use error::IngestError;
pub use progress::{NoProgress, Progress};
