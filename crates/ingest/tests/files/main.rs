//! File imports (Purview audit exports, CoE Starter Kit tables, Steward's own format) into a
//! real SQLite store, from the small realistic samples in `data/`. One test binary (link time);
//! modules by source.

// Helpers here are test code like the tests themselves (clippy.toml lets tests unwrap): a
// panic is how they report a broken precondition.
#![allow(clippy::unwrap_used)]

mod coe_kit;
mod errors;
mod fuzz;
mod purview;
mod steward;
mod support;
