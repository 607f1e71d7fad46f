//! Resources: apps, flows, agents and every other low-code artefact.
//!
//! The list takes every inventory filter (see docs/inventory.md) and answers JSON, or CSV with
//! `format=csv` (every matching row, streamed). Makers see only their own resources.

use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use steward_model::{Declaration, Governance, ImpactLevel, LifecycleStage, Resource, ResourceKind};
use steward_store::inventory::{ComplianceState, TierFilter};
use steward_store::{ResourceQuery, ResourceSort};

/// Query parameters of `GET /api/v1/resources`, the inventory page and its CSV, as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ResourceListParams {
    pub tenant: Option<String>,
    pub kind: Option<String>,
    pub environment: Option<String>,
    pub owner: Option<String>,
    pub department: Option<String>,
    pub connector: Option<String>,
    pub tier: Option<String>,
    pub criticality: Option<String>,
    pub compliance: Option<String>,
    pub stage: Option<String>,
    pub unused_days: Option<String>,
    pub used_within_days: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub include_deleted: Option<String>,
    /// `csv` for every matching row as CSV (the API's; the pages link to `/inventory.csv`).
    pub format: Option<String>,
}

/// The accepted spellings of `sort`, in the order the UI offers them.
pub const SORTS: &[(&str, ResourceSort, &str)] = &[
    ("name", ResourceSort::Name, "Name (A to Z)"),
    ("-created", ResourceSort::CreatedDesc, "Newest first"),
    ("-modified", ResourceSort::ModifiedDesc, "Recently modified"),
    ("-last_used", ResourceSort::LastUsedDesc, "Recently used"),
    ("kind", ResourceSort::Kind, "Kind"),
    ("environment", ResourceSort::Environment, "Environment"),
];

/// The spelling of a sort order in URLs.
pub fn sort_param(sort: ResourceSort) -> &'static str {
    SORTS.iter().find(|(_, s, _)| *s == sort).map(|(text, _, _)| *text).unwrap_or("name")
}

/// The last-use filters as sent: a number of days, counted back from the usage data's newest day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastUse {
    pub unused_days: Option<u32>,
    pub used_within_days: Option<u32>,
}

impl LastUse {
    pub fn is_empty(&self) -> bool {
        self.unused_days.is_none() && self.used_within_days.is_none()
    }

    /// Put the filters on `query`: the last `n` days are the `n` days ending on `today`.
    pub fn apply(&self, query: &mut ResourceQuery, today: NaiveDate) {
        let since =
            |n: u32| today.checked_sub_days(Days::new(u64::from(n).saturating_sub(1))).unwrap_or(NaiveDate::MIN);
        query.unused_since = self.unused_days.map(since);
        query.used_since = self.used_within_days.map(since);
    }
}

impl ResourceListParams {
    /// The query these parameters ask for, without the last-use filters (see [`query`]).
    pub fn to_query(&self) -> Result<ResourceQuery, ApiError> {
        Ok(ResourceQuery {
            tenant: params::text(&self.tenant),
            kind: params::one_of::<ResourceKind>("kind", &self.kind)?,
            environment: params::text(&self.environment),
            owner: params::text(&self.owner),
            q: params::text(&self.q),
            department: params::text(&self.department),
            connector: params::text(&self.connector),
            tier: params::one_of::<TierFilter>("tier", &self.tier)?,
            criticality: params::one_of::<ImpactLevel>("criticality", &self.criticality)?,
            compliance: params::one_of::<ComplianceState>("compliance", &self.compliance)?,
            stage: params::one_of::<LifecycleStage>("stage", &self.stage)?,
            include_deleted: params::flag("include_deleted", &self.include_deleted)?,
            sort: sort(&self.sort)?,
            limit: params::limit(&self.limit)?,
            cursor: params::cursor(&self.cursor)?,
            ..Default::default()
        })
    }

    pub fn last_use(&self) -> Result<LastUse, ApiError> {
        Ok(LastUse {
            unused_days: days("unused_days", &self.unused_days)?,
            used_within_days: days("used_within_days", &self.used_within_days)?,
        })
    }

    /// Whether the answer is CSV (`format=csv`) rather than JSON.
    pub fn wants_csv(&self) -> Result<bool, ApiError> {
        wants_csv(&self.format)
    }
}

/// `format=csv` or `format=json` (the default) of the inventory lists.
pub fn wants_csv(format: &Option<String>) -> Result<bool, ApiError> {
    match params::text(format).as_deref() {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ApiError::invalid("format", format!("parameter `format`: '{other}'; expected json or csv"))),
    }
}

/// A number of days from 1 to 36500 (a hundred years).
fn days(parameter: &'static str, value: &Option<String>) -> Result<Option<u32>, ApiError> {
    let Some(v) = params::text(value) else { return Ok(None) };
    match v.parse::<u32>() {
        Ok(n) if (1..=36_500).contains(&n) => Ok(Some(n)),
        _ => Err(ApiError::invalid(
            parameter,
            format!("parameter `{parameter}` must be a whole number of days from 1 to 36500, not '{v}'"),
        )),
    }
}

/// The day the last-use filters count back from: the newest day with counted usage (as every
/// usage view, docs/usage.md), else today.
pub async fn usage_today(state: &AppState, tenant: Option<&str>) -> Result<NaiveDate, ApiError> {
    let status = state.store.usage_status(tenant).await.map_err(|e| ApiError::store("reading the usage status", e))?;
    Ok(status.last_day.unwrap_or_else(|| chrono::Utc::now().date_naive()))
}

/// The store query for a caller: every filter resolved, and a maker narrowed to their own
/// resources ([`Caller::scope`]).
pub async fn query(state: &AppState, caller: &Caller, p: &ResourceListParams) -> Result<ResourceQuery, ApiError> {
    let mut query = p.to_query()?;
    let last_use = p.last_use()?;
    if !last_use.is_empty() {
        let today = usage_today(state, query.tenant.as_deref()).await?;
        last_use.apply(&mut query, today);
    }
    caller.scope(&mut query);
    Ok(query)
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

/// `GET /api/v1/resources`: a page as JSON, or with `format=csv` every matching row as CSV.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ResourceListParams>,
) -> Result<Response, ApiError> {
    let wants_csv = p.wants_csv()?;
    let query = query(&state, &caller, &p).await?;
    if wants_csv {
        return crate::inventory::export(&state, query).await;
    }
    let page = state.store.list_resources(&query).await.map_err(|e| ApiError::store("listing resources", e))?;
    Ok(Json(page).into_response())
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
        let blank = Some(String::new());
        let p = ResourceListParams {
            kind: blank.clone(),
            environment: blank.clone(),
            owner: Some(" ".into()),
            department: blank.clone(),
            connector: blank.clone(),
            tier: blank.clone(),
            criticality: blank.clone(),
            compliance: blank.clone(),
            stage: blank.clone(),
            unused_days: blank.clone(),
            used_within_days: blank.clone(),
            q: blank.clone(),
            sort: blank.clone(),
            format: blank,
            ..Default::default()
        };
        assert_eq!(p.to_query().ok(), Some(ResourceQuery::default()));
        assert_eq!(p.last_use().ok(), Some(LastUse::default()));
        assert_eq!(p.wants_csv().ok(), Some(false));
    }

    #[test]
    fn every_new_filter_parses_and_bad_values_name_the_parameter() {
        let p = ResourceListParams {
            department: Some("Finance".into()),
            connector: Some("shared_sql".into()),
            tier: Some("premium".into()),
            criticality: Some("critical".into()),
            compliance: Some("violating_must".into()),
            stage: Some("pilot".into()),
            format: Some("csv".into()),
            ..Default::default()
        };
        let q = p.to_query().unwrap_or_default();
        assert_eq!(q.tier, Some(TierFilter::Premium));
        assert_eq!(q.criticality, Some(ImpactLevel::Critical));
        assert_eq!(q.compliance, Some(ComplianceState::ViolatingMust));
        assert_eq!(q.stage, Some(LifecycleStage::Pilot));
        assert_eq!(p.wants_csv().ok(), Some(true));
        for (field, p) in [
            ("tier", ResourceListParams { tier: Some("gold".into()), ..Default::default() }),
            ("compliance", ResourceListParams { compliance: Some("green".into()), ..Default::default() }),
            ("stage", ResourceListParams { stage: Some("beta".into()), ..Default::default() }),
        ] {
            let message = p.to_query().expect_err("rejected").public_message();
            assert!(message.contains(&format!("`{field}`")), "{message}");
        }
        let bad = ResourceListParams { unused_days: Some("0".into()), ..Default::default() };
        assert!(bad.last_use().expect_err("rejected").public_message().contains("`unused_days`"));
        let bad = ResourceListParams { format: Some("xml".into()), ..Default::default() };
        assert!(bad.wants_csv().is_err());
    }

    #[test]
    fn last_use_counts_today_as_the_first_day() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        let mut q = ResourceQuery::default();
        LastUse { unused_days: Some(30), used_within_days: Some(1) }.apply(&mut q, today);
        assert_eq!(q.unused_since, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(q.used_since, Some(today));
    }
}
