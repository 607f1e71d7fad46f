//! Resources: apps, flows, agents and every other low-code artefact.

use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use steward_model::{Declaration, Governance, Page, Resource, ResourceKind};
use steward_store::{ResourceQuery, ResourceSort};

/// Query parameters of `GET /api/v1/resources` and the resource table, as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResourceListParams {
    pub tenant: Option<String>,
    pub kind: Option<String>,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub include_deleted: Option<String>,
}

/// The accepted spellings of `sort`, in the order the UI offers them.
pub const SORTS: &[(&str, ResourceSort, &str)] = &[
    ("name", ResourceSort::Name, "Name (A to Z)"),
    ("-created", ResourceSort::CreatedDesc, "Newest first"),
    ("-modified", ResourceSort::ModifiedDesc, "Recently modified"),
];

/// The spelling of a sort order in URLs.
pub fn sort_param(sort: ResourceSort) -> &'static str {
    SORTS.iter().find(|(_, s, _)| *s == sort).map(|(text, _, _)| *text).unwrap_or("name")
}

impl ResourceListParams {
    pub fn to_query(&self) -> Result<ResourceQuery, ApiError> {
        Ok(ResourceQuery {
            tenant: params::text(&self.tenant),
            kind: params::one_of::<ResourceKind>("kind", &self.kind)?,
            environment: params::text(&self.environment),
            owner: params::text(&self.owner),
            q: params::text(&self.q),
            include_deleted: params::flag("include_deleted", &self.include_deleted)?,
            sort: sort(&self.sort)?,
            limit: params::limit(&self.limit)?,
            cursor: params::cursor(&self.cursor)?,
            ..Default::default()
        })
    }
}

fn sort(value: &Option<String>) -> Result<ResourceSort, ApiError> {
    let Some(v) = params::text(value) else { return Ok(ResourceSort::default()) };
    SORTS.iter().find(|(text, _, _)| *text == v).map(|(_, s, _)| *s).ok_or_else(|| {
        let accepted: Vec<&str> = SORTS.iter().map(|(text, _, _)| *text).collect();
        ApiError::invalid(
            "sort",
            format!("parameter `sort`: unknown order '{v}'; expected one of: {}", accepted.join(", ")),
        )
    })
}

/// A resource with the governance metadata declared for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDetail {
    pub resource: Resource,
    pub governance: Governance,
}

/// `GET /api/v1/resources`
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ResourceListParams>,
) -> Result<Json<Page<Resource>>, ApiError> {
    let mut query = p.to_query()?;
    caller.scope(&mut query);
    let page = state.store.list_resources(&query).await.map_err(|e| ApiError::store("listing resources", e))?;
    Ok(Json(page))
}

/// `GET /api/v1/resources/{id}`
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ResourceDetail>, ApiError> {
    find_for(&state, &caller, &id).await.map(Json)
}

/// A resource the caller may see. Another's resource is "not found" for a maker, so that
/// makers do not learn which ids exist.
pub async fn find_for(state: &AppState, caller: &Caller, id: &str) -> Result<ResourceDetail, ApiError> {
    let detail = find(state, id).await?;
    if caller.can_see(&detail.resource) { Ok(detail) } else { Err(not_found(id)) }
}

/// Refuse a resource id the caller may not see (the sub-resources of `/resources/{id}`). Only
/// makers are narrowed, so other roles cost no lookup.
pub async fn check_visible(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    if !caller.sees_only_own() {
        return Ok(());
    }
    let resource = state.store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?;
    match resource {
        Some(r) if caller.can_see(&r) => Ok(()),
        _ => Err(not_found(id)),
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound { what: "resource", plural: "/api/v1/resources", id: id.into() }
}

/// One resource with its governance, or a not-found error that says where to look.
pub async fn find(state: &AppState, id: &str) -> Result<ResourceDetail, ApiError> {
    let resource = state
        .store
        .get_resource(id)
        .await
        .map_err(|e| ApiError::store("reading a resource", e))?
        .ok_or_else(|| not_found(id))?;
    let governance =
        state.store.get_governance(id).await.map_err(|e| ApiError::store("reading governance metadata", e))?;
    Ok(ResourceDetail { resource, governance })
}

/// `GET /api/v1/resources/{id}/governance`: what is declared and computed.
pub async fn governance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Governance>, ApiError> {
    find_for(&state, &caller, &id).await.map(|d| Json(d.governance))
}

/// `PUT /api/v1/resources/{id}/governance`: replace what makers and the CoE declare (business
/// impact, justification, mitigation plan, support tier and steps…); the computed criticality
/// and the catalog state stay. Answers the whole record.
pub async fn declare(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Governance>, ApiError> {
    let declaration: Declaration = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be a JSON object with any of business_impact, support_tier, lifecycle_stage, \
             cost_centre, justification, mitigation_plan, handover_done, knowledge_transfer_done ({e})"
        ))
    })?;
    let detail = find_for(&state, &caller, &id).await?;
    caller.must_act_on(&detail.resource)?;
    let before = detail.governance;
    let mut governance = before.clone();
    governance.declare(declaration);
    state.store.set_governance(&id, &governance).await.map_err(|e| ApiError::store("saving governance metadata", e))?;
    let target = format!("resource:{id}");
    audit::record(&state, &caller, "governance.declare", target, audit::json(&before), audit::json(&governance)).await;
    Ok(Json(governance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sort_spelling_parses_and_round_trips() {
        for (text, order, _) in SORTS {
            let p = ResourceListParams { sort: Some((*text).into()), ..Default::default() };
            assert_eq!(p.to_query().ok().map(|q| q.sort), Some(*order));
            assert_eq!(sort_param(*order), *text);
        }
    }

    #[test]
    fn unknown_sort_lists_the_accepted_orders() {
        let p = ResourceListParams { sort: Some("size".into()), ..Default::default() };
        let message = p.to_query().expect_err("the value must be rejected").public_message();
        assert!(message.contains("`sort`") && message.contains("-modified"), "{message}");
    }

    #[test]
    fn empty_form_fields_mean_no_filter() {
        let p = ResourceListParams {
            kind: Some(String::new()),
            environment: Some(String::new()),
            owner: Some(" ".into()),
            q: Some(String::new()),
            sort: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(p.to_query().ok(), Some(ResourceQuery::default()));
    }
}
