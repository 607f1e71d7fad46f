//! Inventory rows as the pages and the CSV export show them: a resource with the names behind
//! its ids (environment, primary owner), its stored status (criticality, service level,
//! compliance) and its last day of use. One builder for both, so the table on screen and the
//! file people download say the same thing.

use crate::AppState;
use crate::error::ApiError;
use crate::export::{self, Chunk, EXPORT_PAGE};
use axum::response::Response;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use steward_model::{ConnectorTier, Principal, Resource};
use steward_store::inventory::{ComplianceState, ResourceStatus};
use steward_store::{EnvironmentQuery, MAX_LIMIT, PrincipalQuery, ResourceQuery};

/// One resource with everything a row shows.
#[derive(Debug, Clone)]
pub struct Line {
    pub resource: Resource,
    pub environment: Option<String>,
    /// The first owner, when the directory knows them.
    pub owner: Option<Principal>,
    pub status: Option<ResourceStatus>,
    pub last_used: Option<NaiveDate>,
}

impl Line {
    pub fn compliance(&self) -> ComplianceState {
        self.status.as_ref().map_or(ComplianceState::NotEvaluated, |s| s.compliance)
    }

    pub fn environment_name(&self) -> &str {
        self.environment.as_deref().unwrap_or(&self.resource.environment_id)
    }

    pub fn owner_name(&self) -> Option<&str> {
        match (&self.owner, self.resource.primary_owner()) {
            (Some(p), _) => Some(&p.display_name),
            (None, id) => id,
        }
    }
}

/// Names looked up for rows: environments and principals, each read once per export or page.
#[derive(Default)]
pub struct Names {
    environments: HashMap<String, String>,
    /// Live environments (id, name) by name, for the environment filter.
    live: Vec<(String, String)>,
    principals: HashMap<String, Option<Principal>>,
    /// Every principal was loaded: a missing id is unknown, no need to ask the store.
    all_principals: bool,
}

impl Names {
    /// Every environment name (a tenant's, or all), for a page or an export.
    pub async fn environments(state: &AppState, tenant: Option<&str>) -> Result<Names, ApiError> {
        let mut names = Names::default();
        let mut query = EnvironmentQuery {
            tenant: tenant.map(str::to_string),
            include_deleted: true,
            limit: Some(MAX_LIMIT),
            ..Default::default()
        };
        loop {
            let page = state
                .store
                .list_environments(&query)
                .await
                .map_err(|e| ApiError::store("listing environment names", e))?;
            for s in page.items {
                let e = s.environment;
                if e.deleted_at.is_none() {
                    names.live.push((e.id.clone(), e.display_name.clone()));
                }
                names.environments.insert(e.id, e.display_name);
            }
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => return Ok(names),
            }
        }
    }

    /// Live environments (id, name), by name.
    pub fn live_environments(&self) -> &[(String, String)] {
        &self.live
    }

    /// Load every principal up front: an export of many pages then asks the store once per
    /// thousand principals instead of once per owner.
    pub async fn with_all_principals(mut self, state: &AppState, tenant: Option<&str>) -> Result<Names, ApiError> {
        let mut query =
            PrincipalQuery { tenant: tenant.map(str::to_string), limit: Some(MAX_LIMIT), ..Default::default() };
        loop {
            let page =
                state.store.list_principals(&query).await.map_err(|e| ApiError::store("listing principals", e))?;
            for p in page.items {
                self.principals.insert(p.id.clone(), Some(p));
            }
            match page.next {
                Some(next) => query.cursor = Some(next),
                None => break,
            }
        }
        self.all_principals = true;
        Ok(self)
    }

    async fn principal(&mut self, state: &AppState, id: &str) -> Result<Option<Principal>, ApiError> {
        if let Some(known) = self.principals.get(id) {
            return Ok(known.clone());
        }
        if self.all_principals {
            return Ok(None);
        }
        let found = state.store.get_principal(id).await.map_err(|e| ApiError::store("reading an owner", e))?;
        self.principals.insert(id.to_string(), found.clone());
        Ok(found)
    }
}

/// The rows of a page of resources: two reads for the statuses and last uses of the whole page.
pub async fn lines(state: &AppState, resources: Vec<Resource>, names: &mut Names) -> Result<Vec<Line>, ApiError> {
    let ids: Vec<String> = resources.iter().map(|r| r.id.clone()).collect();
    let mut statuses: HashMap<String, ResourceStatus> = state
        .store
        .resource_statuses(&ids)
        .await
        .map_err(|e| ApiError::store("reading resource statuses", e))?
        .into_iter()
        .map(|s| (s.resource_id.clone(), s))
        .collect();
    let last_used: HashMap<String, NaiveDate> = if ids.is_empty() {
        HashMap::new()
    } else {
        state
            .store
            .usage_spans(None, Some(&ids))
            .await
            .map_err(|e| ApiError::store("reading last uses", e))?
            .into_iter()
            .map(|s| (s.resource_id, s.last))
            .collect()
    };
    let mut out = Vec::with_capacity(resources.len());
    for resource in resources {
        let owner = match resource.primary_owner() {
            Some(id) => names.principal(state, id).await?,
            None => None,
        };
        out.push(Line {
            environment: names.environments.get(&resource.environment_id).cloned(),
            owner,
            status: statuses.remove(&resource.id),
            last_used: last_used.get(&resource.id).copied(),
            resource,
        });
    }
    Ok(out)
}

/// The columns of the resource CSV, in order.
pub const CSV_HEADER: &[&str] = &[
    "id",
    "name",
    "kind",
    "environment_id",
    "environment",
    "tenant_id",
    "state",
    "owner",
    "owner_upn",
    "owner_department",
    "owners",
    "created_by",
    "created_at",
    "modified_at",
    "last_used",
    "criticality",
    "service_level",
    "compliance",
    "open_must",
    "open_should",
    "open_could",
    "exempted",
    "status_computed_at",
    "connectors",
    "premium",
    "shared_users",
    "shared_groups",
    "shared_with_everyone",
    "deleted_at",
];

fn time(t: Option<steward_model::Timestamp>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default()
}

impl Line {
    /// The record of [`CSV_HEADER`]: machine-readable values (ids, snake_case, RFC 3339).
    pub fn csv_record(&self) -> Vec<String> {
        let r = &self.resource;
        let s = self.status.as_ref();
        let owner = self.owner.as_ref();
        let n = |f: fn(&ResourceStatus) -> u64| s.map(|s| f(s).to_string()).unwrap_or_default();
        vec![
            r.id.clone(),
            r.display_name.clone(),
            r.kind.as_str().to_string(),
            r.environment_id.clone(),
            self.environment.clone().unwrap_or_default(),
            r.tenant_id.clone(),
            r.state.as_str().to_string(),
            owner.map(|p| p.display_name.clone()).or_else(|| r.primary_owner().map(str::to_string)).unwrap_or_default(),
            owner.and_then(|p| p.upn.clone()).unwrap_or_default(),
            owner.and_then(|p| p.department.clone()).unwrap_or_default(),
            r.owners.iter().map(|o| o.principal_id.as_str()).collect::<Vec<_>>().join(";"),
            r.created_by.clone().unwrap_or_default(),
            time(r.created_at),
            time(r.modified_at),
            self.last_used.map(|d| d.to_string()).unwrap_or_default(),
            s.and_then(|s| s.criticality).map(|c| c.as_str().to_string()).unwrap_or_default(),
            s.and_then(|s| s.service_level.clone()).unwrap_or_default(),
            self.compliance().as_str().to_string(),
            n(|s| s.open.must),
            n(|s| s.open.should),
            n(|s| s.open.could),
            n(|s| s.exempted),
            time(s.map(|s| s.computed_at)),
            r.connection_references.iter().map(|c| c.connector_id.as_str()).collect::<Vec<_>>().join(";"),
            r.connection_references.iter().any(|c| c.tier != ConnectorTier::Standard).to_string(),
            r.shared_users.to_string(),
            r.shared_groups.to_string(),
            r.shared_with_everyone.to_string(),
            time(r.deleted_at),
        ]
    }
}

/// Every resource matching `query` (its cursor and limit ignored) as a streamed CSV file.
pub async fn export(state: &AppState, query: ResourceQuery) -> Result<Response, ApiError> {
    let tenant = query.tenant.clone();
    let names =
        Names::environments(state, tenant.as_deref()).await?.with_all_principals(state, tenant.as_deref()).await?;
    let names = Arc::new(tokio::sync::Mutex::new(names));
    let start = ResourceQuery { cursor: None, limit: Some(EXPORT_PAGE), ..query };
    let state = state.clone();
    export::stream("inventory", CSV_HEADER, start, move |query: ResourceQuery| {
        let (state, names) = (state.clone(), names.clone());
        async move {
            let page =
                state.store.list_resources(&query).await.map_err(|e| ApiError::store("exporting resources", e))?;
            let mut names = names.lock().await;
            let rows = lines(&state, page.items, &mut names).await?.iter().map(Line::csv_record).collect();
            Ok(Chunk { rows, next: page.next.map(|next| ResourceQuery { cursor: Some(next), ..query }) })
        }
    })
    .await
}
