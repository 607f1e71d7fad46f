//! `GET /catalog/new?resource=<id>`: a maker proposes an item for one of their own resources
//! (without `resource`, for something outside the inventory, such as an AI model). The form is
//! filled from the resource: name, kind, platform, description, owners and department.
//! `POST /catalog/new` creates the draft and opens its page, where the checklist says what is
//! still missing before it can be submitted.

use super::form::{FormData, ItemForm};
use crate::AppState;
use crate::auth::Caller;
use crate::catalog::access;
use crate::catalog::input::NewItemInput;
use crate::catalog::{Failure, ops};
use crate::error::ApiError;
use crate::web::{Layout, Section};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use steward_catalog::{ItemFields, ItemKind};
use steward_model::LifecycleStage;

#[derive(Template)]
#[template(path = "catalog_new.html")]
pub struct NewPage {
    layout: Layout,
    resource_id: String,
    resource_name: String,
    form: ItemForm,
    stages: Vec<(&'static str, &'static str)>,
    stage: String,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewParams {
    resource: Option<String>,
}

pub async fn show(State(state): State<AppState>, caller: Caller, Query(p): Query<NewParams>) -> Response {
    let page = async {
        let resource = crate::params::text(&p.resource);
        let (form, name) = match &resource {
            Some(id) => prefill(&state, &caller, id).await?,
            None => (ItemForm::of(&ItemFields::new(ItemKind::App, "power_platform", "")), String::new()),
        };
        Ok(NewPage {
            layout: Layout::new(&state, &caller, "Propose a catalog item", Some(Section::Catalog)),
            resource_id: resource.unwrap_or_default(),
            resource_name: name,
            form,
            stages: stages(),
            stage: LifecycleStage::Idea.as_str().into(),
            problem: None,
        })
    }
    .await;
    render(&state, StatusCode::OK, page)
}

fn stages() -> Vec<(&'static str, &'static str)> {
    LifecycleStage::ALL
        .iter()
        .filter(|s| **s != LifecycleStage::Retired)
        .map(|s| (s.as_str(), super::view::stage_label(*s)))
        .collect()
}

fn render(state: &AppState, status: StatusCode, page: Result<NewPage, ApiError>) -> Response {
    match page.and_then(|p| p.render().map_err(|e| ApiError::internal("rendering a page", e))) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => crate::web::errors::page(state, error),
    }
}

/// The form filled from the resource the caller may act on.
async fn prefill(state: &AppState, caller: &Caller, id: &str) -> Result<(ItemForm, String), ApiError> {
    let store = state.store.as_ref();
    let resource = store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?;
    let resource =
        resource.ok_or_else(|| ApiError::NotFound { what: "resource", plural: "resources", id: id.into() })?;
    caller.must_act_on(&resource)?;
    let mut fields = ItemFields::new(ItemKind::of_resource(resource.kind), &resource.platform, &resource.display_name);
    fields.summary = resource.description.clone().unwrap_or_default();
    let owners: Vec<&str> = resource.owners.iter().map(|o| o.principal_id.as_str()).collect();
    fields.owner = owners.first().map(|o| o.to_string()).or_else(|| Some(access::identity(caller)));
    fields.backup_owner = owners.iter().find(|o| Some(**o) != fields.owner.as_deref()).map(|o| o.to_string());
    if let Some(owner) = &fields.owner
        && let Some(p) = store.get_principal(owner).await.map_err(|e| ApiError::store("reading a principal", e))?
    {
        fields.department = p.department;
    }
    let form = ItemForm::of(&fields).with_names(&mut super::view::People::new(state)).await?;
    Ok((form, resource.display_name))
}

/// `POST /catalog/new`
pub async fn create(State(state): State<AppState>, caller: Caller, Form(d): Form<FormData>) -> Response {
    let result = async {
        let input = NewItemInput {
            resource_id: crate::params::text(&Some(d.resource_id.clone())),
            stage: d.stage()?,
            note: crate::params::text(&Some(d.note.clone())),
            item: d.input()?,
        };
        ops::create(&state, &caller, input).await
    }
    .await;
    match result {
        Ok(item) => Redirect::to(&format!("/catalog/{}?done=created", item.id)).into_response(),
        Err(Failure::Api(e @ (ApiError::Forbidden(_) | ApiError::Internal { .. }))) => {
            crate::web::errors::page(&state, e)
        }
        Err(failure) => {
            let status = match &failure {
                Failure::Api(e) => e.status(),
                Failure::Checklist(_) => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let page = Ok(NewPage {
                layout: Layout::new(&state, &caller, "Propose a catalog item", Some(Section::Catalog)),
                resource_id: d.resource_id.clone(),
                resource_name: String::new(),
                form: ItemForm::sent(&d),
                stages: stages(),
                stage: d.stage.clone(),
                problem: Some(failure.message()),
            });
            render(&state, status, page)
        }
    }
}
