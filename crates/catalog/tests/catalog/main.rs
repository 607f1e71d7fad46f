//! The catalog against a real SQLite store: workflow, lifecycle, search index, seeding.
//! One test binary (link time); one module per part.

mod common;
mod lifecycle;
mod publication;
mod search;
mod seed;
