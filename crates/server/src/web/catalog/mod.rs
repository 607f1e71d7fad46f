//! The app catalog's pages: the store front ([`store_front`]), an item ([`item`]) with its
//! forms ([`actions`]), proposing an item ([`new`]) and placeholder screenshots
//! ([`placeholders`]). The forms call the same operations as the API
//! (`crate::catalog::ops`), so both enforce the same rules and leave the same audit trail.

mod actions;
mod form;
mod item;
mod new;
mod placeholders;
mod store_front;
mod view;

use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/catalog", Access::Read, store_front::show)
        .get("/catalog/new", Access::Maker, new::show)
        .post("/catalog/new", Access::Maker, new::create)
        .get("/catalog/{id}", Access::Read, item::show)
        .post("/catalog/{id}/edit", Access::Maker, actions::edit)
        .post("/catalog/{id}/submit", Access::Maker, actions::submit)
        .post("/catalog/{id}/withdraw", Access::Maker, actions::withdraw)
        .post("/catalog/{id}/stage", Access::Maker, actions::stage)
        .post("/catalog/{id}/approve", Access::EnvAdmin, actions::approve)
        .post("/catalog/{id}/reject", Access::EnvAdmin, actions::reject)
        .post("/catalog/{id}/feature", Access::Admin, actions::feature)
        .post("/catalog/{id}/rate", Access::Rate, actions::rate)
        .post("/catalog/{id}/review", Access::Rate, actions::review)
        .post("/catalog/{id}/access", Access::Rate, actions::request_access)
        .post("/catalog/{id}/access/{request}/decide", Access::Maker, actions::decide_access)
        .get("/static/catalog/{file}", Access::Public, placeholders::serve)
}
