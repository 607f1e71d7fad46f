//! steward-assess: models, parser robustness, scoring, the ALM decision, evidence on a real
//! SQLite store, and the shared operations. One test binary (link time).

mod alm;
mod evidence;
mod models;
mod parser;
mod scoring;
mod service;
