//! End-to-end tests of the `steward` binary, run as a user would run it.
//! One test binary (link time); modules by command.

mod accounts;
mod assess;
mod audit_import;
mod bench_usage;
mod campaigns;
mod cost;
mod demo;
mod exemption_requests;
mod file_imports;
mod governance;
mod import;
mod jobs;
mod notify;
mod pipes;
mod report;
mod serve;
mod success;
mod support;
mod sync;
mod usage;
mod value;
