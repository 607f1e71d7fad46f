//! HTTP tests: the real server on 127.0.0.1:0 against a fresh SQLite file per test, spoken to
//! with reqwest like any client. One binary for every module, because linking is the slow part.

mod access;
mod api;
mod auth;
mod campaigns;
mod catalog;
mod contract;
mod costs;
mod fixtures;
mod governance;
mod health;
mod inventory;
mod jobs;
mod maturity;
mod notifications;
mod oidc;
mod queues;
mod report;
mod scoping;
mod success;
mod support;
mod usage;
mod value;
mod web;
