//! The raw audit archive: every audit record Steward imports, written as Parquet partitioned
//! by tenant and day (`<root>/tenant_id=<tenant>/day=<YYYY-MM-DD>/part-….parquet`), so that
//! DuckDB, Spark, Fabric or Databricks can query years of events that the store keeps only as
//! rollups. See `docs/usage-archive.md`.
//!
//! - [`writer`]: [`ArchiveWriter`] streams records into part files with bounded memory; files
//!   appear atomically when complete.
//! - [`catalog`]: [`partitions`] lists what is archived, [`prune`] applies retention.
//! - [`bench`]: a synthetic load for throughput figures.

pub mod bench;
pub mod catalog;
mod error;
mod layout;
pub mod schema;
pub mod writer;

pub use catalog::{Partition, PruneReport, partitions, prune};
pub use error::ArchiveError;
pub use schema::{COLUMNS, archive_schema};
pub use writer::{ArchiveConfig, ArchiveReport, ArchiveWriter, RawRecord};
