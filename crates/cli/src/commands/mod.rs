//! One module per subcommand.

pub mod accounts;
pub mod campaign;
pub mod check;
pub mod demo;
pub mod exempt;
pub mod fake_tenant;
pub mod generate;
pub mod import;
pub mod migrate;
pub mod policy;
pub mod report;
pub mod resource;
pub mod responsibility;
pub mod serve;
pub mod success;
pub mod sync;
pub mod token;
pub mod usage;
pub mod user;
pub mod violations;
