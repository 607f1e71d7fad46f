//! The client against real HTTP servers on 127.0.0.1 that speak the Microsoft wire shapes.

mod audit;
mod auth;
mod config;
mod inventory;
mod paging;
mod retry;
mod secrets;
mod support;
