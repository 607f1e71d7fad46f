//! Policies as code.
//!
//! A CoE team keeps its maker and admin policies as YAML files in git ([`load`]); each has a
//! CEL condition over the **facts** Steward knows about a resource or an environment
//! ([`facts`]). Conditions are compiled once, type-checked against the fact schema, into a
//! small tree evaluated without allocation ([`cel`]), because the whole built-in pack must run
//! over a million resources in seconds. The `cel` crate's parser reads the expressions, and its
//! interpreter is the reference the compiled form is tested against.

pub mod bench;
pub mod builtin;
pub mod cel;
pub mod evaluate;
pub mod facts;
pub mod load;
pub mod model;
