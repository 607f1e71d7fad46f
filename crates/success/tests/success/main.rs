//! Success detection tests: rule files, evaluation on a real SQLite store, rule changes.
//! One binary for every module, because linking is the slow part.

#![allow(clippy::unwrap_used)]

mod evaluate;
mod plan;
mod rules;
mod support;
