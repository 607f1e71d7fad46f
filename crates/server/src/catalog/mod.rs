//! The app catalog's share of the server (issue #6 item 4): the search index kept in step with
//! the store ([`CatalogIndex`]), who may do what to an item ([`access`]), what makers send
//! ([`input`]), and the operations the API and the pages share ([`ops`]): each checks the
//! caller, applies the workflow and lifecycle of `steward-catalog`, records the change in the
//! audit trail and refreshes the index.

pub mod access;
mod failure;
pub mod index;
pub mod input;
pub mod ops;
pub mod query;

pub use failure::{Failure, checklist_message};
pub use index::CatalogIndex;
