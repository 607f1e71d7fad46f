//! The filterable, sortable, paginated table of resources. Its whole state lives in the
//! URL query, so any view can be bookmarked or shared, and every link it renders (sort
//! headers, next page) carries the filters along.

use crate::AppState;
use crate::api::resources::{ResourceListParams, SORTS, sort_param};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::web::format;
use crate::web::links::{self, Href};
use std::collections::HashMap;
use steward_model::{ResourceKind, ResourceState};
use steward_store::{EnvironmentQuery, MAX_LIMIT, ResourceQuery, ResourceSort};

/// The page the table sits on and the element it jumps to.
const PATH: &str = "/";
const ANCHOR: &str = "resources";

#[derive(Debug, Clone)]
pub struct ResourceTable {
    pub filters: FilterForm,
    pub rows: Vec<ResourceRow>,
    pub total: String,
    pub total_is_zero: bool,
    pub next_href: Option<String>,
    /// Shown when the table is past its first page.
    pub first_href: Option<String>,
    /// Shown when any filter is set.
    pub clear_href: Option<String>,
    pub sort_name: SortHeader,
    pub sort_created: SortHeader,
    pub sort_modified: SortHeader,
}

#[derive(Debug, Clone)]
pub struct FilterForm {
    pub action: &'static str,
    /// Carried as a hidden field so the form never drops the tenant.
    pub tenant: Option<String>,
    pub kinds: Vec<SelectOption>,
    pub environments: Vec<SelectOption>,
    pub sorts: Vec<SelectOption>,
    pub owner: String,
    pub q: String,
    pub include_deleted: bool,
}

#[derive(Debug, Clone)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone)]
pub struct SortHeader {
    pub href: String,
    /// `aria-sort` value: `ascending`, `descending` or `none`.
    pub aria_sort: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct ResourceRow {
    pub href: String,
    pub name: String,
    pub kind: &'static str,
    pub environment: String,
    pub environment_href: String,
    pub owner: String,
    pub state: String,
    pub state_class: &'static str,
    pub created: String,
    pub modified: String,
    pub deleted: bool,
}

/// CSS class of a state badge: green for running, grey for drafts, red for trouble.
pub fn state_class(state: ResourceState) -> &'static str {
    match state {
        ResourceState::Active => "badge badge-ok",
        ResourceState::Draft | ResourceState::Unknown => "badge badge-muted",
        ResourceState::Stopped => "badge badge-warn",
        ResourceState::Suspended => "badge badge-bad",
    }
}

/// The table of resources the caller may see (a maker: their own).
pub async fn load(state: &AppState, caller: &Caller, params: &ResourceListParams) -> Result<ResourceTable, ApiError> {
    let mut query = params.to_query()?;
    caller.scope(&mut query);
    let page = state.store.list_resources(&query).await.map_err(|e| ApiError::store("listing resources", e))?;

    // One query for every environment name the select and the rows need. A tenant with
    // more than MAX_LIMIT environments shows ids for the rest.
    let environments = state
        .store
        .list_environments(&EnvironmentQuery {
            tenant: query.tenant.clone(),
            limit: Some(MAX_LIMIT),
            ..Default::default()
        })
        .await
        .map_err(|e| ApiError::store("listing environments for the filter", e))?;
    let env_names: HashMap<&str, &str> =
        environments.items.iter().map(|e| (e.environment.id.as_str(), e.environment.display_name.as_str())).collect();

    let mut owner_names: HashMap<String, String> = HashMap::new();
    for owner in page.items.iter().filter_map(|r| r.primary_owner()) {
        if owner_names.contains_key(owner) {
            continue;
        }
        let principal = state.store.get_principal(owner).await.map_err(|e| ApiError::store("reading an owner", e))?;
        owner_names.insert(owner.to_string(), principal.map(|p| p.display_name).unwrap_or_else(|| owner.to_string()));
    }

    let rows = page
        .items
        .iter()
        .map(|r| ResourceRow {
            href: links::resource(&r.id),
            name: r.display_name.clone(),
            kind: r.kind.label(),
            environment: env_names
                .get(r.environment_id.as_str())
                .map(|n| n.to_string())
                .unwrap_or(r.environment_id.clone()),
            environment_href: links::resources_in_environment(&r.environment_id),
            owner: r.primary_owner().and_then(|o| owner_names.get(o)).cloned().unwrap_or_else(|| "—".into()),
            state: format::humanize(r.state.as_str()),
            state_class: state_class(r.state),
            created: format::date(r.created_at),
            modified: format::date(r.modified_at),
            deleted: r.deleted_at.is_some(),
        })
        .collect();

    let filters = FilterForm {
        action: PATH,
        tenant: query.tenant.clone(),
        kinds: ResourceKind::ALL
            .iter()
            .map(|k| SelectOption {
                value: k.as_str().into(),
                label: k.label().into(),
                selected: query.kind == Some(*k),
            })
            .collect(),
        environments: environments
            .items
            .iter()
            .map(|e| SelectOption {
                value: e.environment.id.clone(),
                label: e.environment.display_name.clone(),
                selected: query.environment.as_deref() == Some(e.environment.id.as_str()),
            })
            .collect(),
        sorts: SORTS
            .iter()
            .map(|(value, order, label)| SelectOption {
                value: (*value).into(),
                label: (*label).into(),
                selected: query.sort == *order,
            })
            .collect(),
        owner: query.owner.clone().unwrap_or_default(),
        q: query.q.clone().unwrap_or_default(),
        include_deleted: query.include_deleted,
    };

    let filtered = query.kind.is_some()
        || query.environment.is_some()
        || query.owner.is_some()
        || query.q.is_some()
        || query.include_deleted;

    Ok(ResourceTable {
        filters,
        rows,
        total: format::count(page.total),
        total_is_zero: page.total == 0,
        next_href: page.next.as_deref().map(|next| with_filters(&query, query.sort, Some(next))),
        first_href: query.cursor.as_ref().map(|_| with_filters(&query, query.sort, None)),
        clear_href: filtered.then(|| Href::new(PATH).param("tenant", query.tenant.as_deref()).fragment(ANCHOR).build()),
        sort_name: sort_header(&query, ResourceSort::Name, "ascending"),
        sort_created: sort_header(&query, ResourceSort::CreatedDesc, "descending"),
        sort_modified: sort_header(&query, ResourceSort::ModifiedDesc, "descending"),
    })
}

/// A link to this table with the same filters, the given order and page.
fn with_filters(query: &ResourceQuery, sort: ResourceSort, cursor: Option<&str>) -> String {
    let limit = query.limit.map(|l| l.to_string());
    Href::new(PATH)
        .param("tenant", query.tenant.as_deref())
        .param("kind", query.kind.map(|k| k.as_str()))
        .param("environment", query.environment.as_deref())
        .param("owner", query.owner.as_deref())
        .param("q", query.q.as_deref())
        .param("include_deleted", query.include_deleted.then_some("true"))
        .param("sort", (sort != ResourceSort::default()).then(|| sort_param(sort)))
        .param("limit", limit.as_deref())
        .param("cursor", cursor)
        .fragment(ANCHOR)
        .build()
}

/// A column header link: switching the order starts again at the first page.
fn sort_header(query: &ResourceQuery, order: ResourceSort, direction: &'static str) -> SortHeader {
    let active = query.sort == order;
    SortHeader { href: with_filters(query, order, None), aria_sort: if active { direction } else { "none" }, active }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_every_filter_and_drop_defaults() {
        let query = ResourceQuery {
            kind: Some(ResourceKind::CloudFlow),
            environment: Some("env 1".into()),
            q: Some("pay".into()),
            sort: ResourceSort::ModifiedDesc,
            limit: Some(10),
            ..Default::default()
        };
        assert_eq!(
            with_filters(&query, query.sort, Some("abc")),
            "/?kind=cloud_flow&environment=env%201&q=pay&sort=-modified&limit=10&cursor=abc#resources"
        );
        assert_eq!(with_filters(&ResourceQuery::default(), ResourceSort::Name, None), "/#resources");
    }

    #[test]
    fn only_the_active_sort_header_is_marked() {
        let query = ResourceQuery { sort: ResourceSort::CreatedDesc, ..Default::default() };
        assert_eq!(sort_header(&query, ResourceSort::CreatedDesc, "descending").aria_sort, "descending");
        assert_eq!(sort_header(&query, ResourceSort::Name, "ascending").aria_sort, "none");
    }
}
