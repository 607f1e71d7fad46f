//! One module per subcommand.

pub mod demo;
pub mod fake_tenant;
pub mod generate;
pub mod import;
pub mod migrate;
pub mod report;
pub mod serve;
pub mod success;
pub mod sync;
pub mod usage;
