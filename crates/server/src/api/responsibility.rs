//! Who answers for a resource: criticality with its reasons, service level, support risk
//! profile with next steps, and the RACI matrix with names (`steward_responsibility::assess`).
//!
//! The configuration is the server's (`[governance] responsibility` in steward.toml, else the
//! shipped defaults); `steward responsibility` on the command line reads the same facts and the
//! same file the same way, so both answer alike.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use chrono::{Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use steward_model::{Environment, EnvironmentType, Governance, Resource, UsageMetric, UsagePeriod, UsageScope};
use steward_responsibility::{Input, Person, Responsibility, assess};
use steward_store::usage::RollupQuery;

/// The usage window the assessment reads, ending today (UTC).
const WINDOW_DAYS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsibilityView {
    pub resource_id: String,
    /// The last day of the 30-day usage window.
    pub as_of: NaiveDate,
    /// The facts the assessment read.
    pub input: Input,
    pub responsibility: Responsibility,
}

/// `GET /api/v1/resources/{id}/responsibility`
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ResponsibilityView>, ApiError> {
    let resource = state
        .store
        .get_resource(&id)
        .await
        .map_err(|e| ApiError::store("reading a resource", e))?
        .filter(|r| caller.can_see(r))
        .ok_or_else(|| ApiError::NotFound { what: "resource", plural: "/api/v1/resources", id: id.clone() })?;
    let governance =
        state.store.get_governance(&id).await.map_err(|e| ApiError::store("reading governance metadata", e))?;
    assess_resource(&state, &resource, &governance).await.map(Json)
}

/// The assessment of a resource already read, with the server's responsibility configuration.
pub async fn assess_resource(
    state: &AppState,
    resource: &Resource,
    governance: &Governance,
) -> Result<ResponsibilityView, ApiError> {
    let today = Utc::now().date_naive();
    let input = input(state, resource, governance, today).await?;
    let responsibility = assess(&input, &state.responsibility);
    Ok(ResponsibilityView { resource_id: resource.id.clone(), as_of: today, input, responsibility })
}

/// What the assessment needs: inventory, declared governance, the 30 days of use ending on
/// `day`, and the owners' names.
pub async fn input(
    state: &AppState,
    resource: &Resource,
    governance: &Governance,
    day: NaiveDate,
) -> Result<Input, ApiError> {
    let store = state.store.as_ref();
    let environment = store
        .get_environment(&resource.environment_id)
        .await
        .map_err(|e| ApiError::store("reading the resource's environment", e))?
        // An environment the inventory lost: assessed as an unknown type, never refused.
        .unwrap_or_else(|| unknown_environment(resource));
    let mut input = Input::from_model(resource, &environment, governance);

    // This resource's daily rows only (not the tenant's), then their users put together.
    let rows = store
        .usage_rows(&RollupQuery {
            tenant_id: None,
            scope: UsageScope::Resource,
            scope_ids: Some(vec![resource.id.clone()]),
            period: UsagePeriod::Day,
            metric: UsageMetric::Use,
            from: day.checked_sub_days(Days::new(WINDOW_DAYS - 1)).unwrap_or(NaiveDate::MIN),
            to: day,
        })
        .await
        .map_err(|e| ApiError::store("reading the resource's usage", e))?;
    let actors: HashSet<u32> = rows.iter().flat_map(|r| r.actors.iter().copied()).collect();
    input.uses_30d = rows.iter().map(|r| r.uses).sum();
    input.users_30d = actors.len() as u64;
    input.active_days_30d = rows.iter().filter(|r| r.uses > 0).count() as u32;
    if !actors.is_empty() {
        // Departments compare ignoring case, as the usage figures count them.
        let departments: HashMap<u32, String> = store
            .usage_actor_departments(None)
            .await
            .map_err(|e| ApiError::store("reading the users' departments", e))?
            .into_iter()
            .collect();
        let reached: HashSet<String> =
            actors.iter().filter_map(|a| departments.get(a)).map(|d| d.to_lowercase()).collect();
        input.departments_30d = reached.len() as u32;
    }

    let mut owners = Vec::with_capacity(input.owners.len());
    for o in &input.owners {
        let name = match store.get_principal(&o.id).await.map_err(|e| ApiError::store("reading a principal", e))? {
            Some(p) if !p.display_name.trim().is_empty() => p.display_name,
            Some(p) => p.upn.unwrap_or_default(),
            None => String::new(),
        };
        owners.push(Person::new(o.id.clone(), name));
    }
    input.owners = owners;
    Ok(input)
}

fn unknown_environment(resource: &Resource) -> Environment {
    Environment {
        id: resource.environment_id.clone(),
        tenant_id: resource.tenant_id.clone(),
        platform: resource.platform.clone(),
        display_name: resource.environment_id.clone(),
        description: None,
        environment_type: EnvironmentType::Other,
        region: None,
        managed: false,
        has_dataverse: false,
        dataverse_url: None,
        environment_group: None,
        business_area: None,
        state: None,
        created_at: None,
        modified_at: None,
        created_by: None,
        capacity: Vec::new(),
        addons: Vec::new(),
        deleted_at: None,
    }
}
