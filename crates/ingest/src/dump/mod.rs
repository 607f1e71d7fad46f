//! Import of a tenant dump directory.
pub mod manifest;
