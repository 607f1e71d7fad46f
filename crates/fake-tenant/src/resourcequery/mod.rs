//! The Power Platform inventory API (`POST /resourcequery/resources/query`): a query over every
//! environment, app, cloud flow and agent of the tenant, as rows of
//! `{"name", "type", "location", "tenantId", "properties": {…}}`.
//!
//! Desktop flows are not inventory types and are not rows. Row order is environments then
//! resources in plan order unless the query sorts. Matching rows are computed once per query
//! (and mutation generation) and kept in a small cache, so paging with skip tokens costs only
//! the rows served.

mod eval;
mod parse;
mod rows;

pub(crate) use eval::{Cache, answer};
pub(crate) use parse::parse;
