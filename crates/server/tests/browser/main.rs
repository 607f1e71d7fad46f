//! Browser tests: what a person does in headless Chromium (Debian's `chromium` and
//! `chromium-driver`) against the real server: sign in, search the catalog, filter the
//! inventory, open a resource, approve a publication. Each flow saves a screenshot to
//! target/browser-screenshots/<flow>.png. One binary, because linking is the slow part.

mod app;
mod catalog;
mod driver;
#[allow(dead_code)] // the HTTP tests' estate; the flows read only part of it
#[path = "../http/fixtures.rs"]
mod fixtures;
mod inventory;
mod publication;
mod resource;
mod signin;
