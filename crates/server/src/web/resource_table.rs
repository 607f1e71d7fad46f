//! The filterable, sortable, paginated table of resources (the inventory page). Its whole
//! state lives in the URL query, so any view can be bookmarked or shared, and every link it
//! renders (sort headers, pages, the CSV export) carries the filters along.
//!
//! Paging is by keyset cursor, which only goes forward; "Previous" works because each page link
//! also carries the cursors of the pages before it (`back`, a short stack), so no server state
//! is needed.

use crate::AppState;
use crate::api::resources::{self as api, ResourceListParams, SORTS, sort_param};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::inventory::{self, Line, Names};
use crate::params;
use crate::web::format;
use crate::web::links::{self, Href};
use crate::web::resource_governance::impact_label;
use steward_model::{ImpactLevel, LifecycleStage, ResourceKind, ResourceState};
use steward_store::inventory::{ComplianceState, TierFilter};
use steward_store::{ResourceQuery, ResourceSort};

/// The page the table sits on, its CSV twin, and the element links jump to.
pub const PATH: &str = "/inventory";
pub const CSV_PATH: &str = "/inventory.csv";
const ANCHOR: &str = "resources";
/// Pages "Previous" can walk back before it returns to the first page.
const BACK_DEPTH: usize = 20;

#[derive(Debug, Clone)]
pub struct ResourceTable {
    pub filters: FilterForm,
    pub rows: Vec<ResourceRow>,
    pub total: String,
    pub total_is_zero: bool,
    pub next_href: Option<String>,
    pub previous_href: Option<String>,
    /// Shown when the table is past its first page.
    pub first_href: Option<String>,
    /// Shown when any filter is set.
    pub clear_href: Option<String>,
    /// Every matching row as CSV, with the same filters and order.
    pub csv_href: String,
    pub sort_name: SortHeader,
    pub sort_kind: SortHeader,
    pub sort_environment: SortHeader,
    pub sort_last_used: SortHeader,
    pub sort_modified: SortHeader,
}

#[derive(Debug, Clone)]
pub struct FilterForm {
    pub action: &'static str,
    /// Carried as a hidden field so the form never drops the tenant.
    pub tenant: Option<String>,
    pub kinds: Vec<SelectOption>,
    pub environments: Vec<SelectOption>,
    pub connectors: Vec<SelectOption>,
    pub tiers: Vec<SelectOption>,
    pub criticalities: Vec<SelectOption>,
    pub compliance: Vec<SelectOption>,
    pub stages: Vec<SelectOption>,
    pub sorts: Vec<SelectOption>,
    pub owner: String,
    pub department: String,
    pub q: String,
    pub unused_days: String,
    pub used_within_days: String,
    pub include_deleted: bool,
    /// Set when a maker sees only their own resources: the page says so.
    pub own_only: bool,
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
    pub criticality: &'static str,
    pub criticality_class: &'static str,
    pub compliance: &'static str,
    pub compliance_class: &'static str,
    pub last_used: String,
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

pub fn compliance_class(state: ComplianceState) -> &'static str {
    match state {
        ComplianceState::ViolatingMust => "badge badge-bad",
        ComplianceState::ViolatingShould => "badge badge-warn",
        ComplianceState::ViolatingCould | ComplianceState::Exempt | ComplianceState::NotEvaluated => {
            "badge badge-muted"
        }
        ComplianceState::Compliant => "badge badge-ok",
    }
}

pub fn criticality_class(level: Option<ImpactLevel>) -> &'static str {
    match level {
        Some(ImpactLevel::Critical) => "badge badge-bad",
        Some(ImpactLevel::High) => "badge badge-warn",
        Some(ImpactLevel::NonCritical) | None => "badge badge-muted",
    }
}

/// The cursors of the pages before this one, oldest first (`None`: the first page), from the
/// `back` parameter: `~` before each cursor, nothing after it for the first page.
pub fn back_stack(back: Option<&str>) -> Result<Vec<Option<String>>, ApiError> {
    let Some(back) = back.filter(|b| !b.is_empty()) else { return Ok(Vec::new()) };
    back.split('~')
        .skip(1)
        .map(|c| if c.is_empty() { Ok(None) } else { params::cursor(&Some(c.to_string())).map_err(|_| bad_back()) })
        .collect()
}

fn bad_back() -> ApiError {
    ApiError::invalid("back", "parameter `back` is not a list of page cursors; start again from the first page")
}

fn join_back(stack: &[Option<String>]) -> Option<String> {
    if stack.is_empty() {
        return None;
    }
    Some(stack.iter().map(|c| format!("~{}", c.as_deref().unwrap_or(""))).collect())
}

/// The table of resources the caller may see (a maker: their own).
pub async fn load(
    state: &AppState,
    caller: &Caller,
    p: &ResourceListParams,
    back: Option<&str>,
) -> Result<ResourceTable, ApiError> {
    let query = api::query(state, caller, p).await?;
    let back = back_stack(back)?;
    let page = state.store.list_resources(&query).await.map_err(|e| ApiError::store("listing resources", e))?;
    let mut names = Names::environments(state, query.tenant.as_deref()).await?;
    let lines = inventory::lines(state, page.items, &mut names).await?;
    let rows = lines.iter().map(row).collect();
    // Names only: the counts of the connectors page would cost a pass over every resource.
    let mut connectors = state
        .store
        .list_connectors(query.tenant.as_deref())
        .await
        .map_err(|e| ApiError::store("listing connectors for the filter", e))?;
    connectors.sort_by_key(|c| (c.display_name.to_lowercase(), c.id.clone()));

    let link = Link { p, query: &query };
    let option = |value: &str, label: &str, selected: bool| SelectOption {
        value: value.to_string(),
        label: label.to_string(),
        selected,
    };
    let filters = FilterForm {
        action: PATH,
        tenant: query.tenant.clone(),
        kinds: ResourceKind::ALL.iter().map(|k| option(k.as_str(), k.label(), query.kind == Some(*k))).collect(),
        environments: names
            .live_environments()
            .iter()
            .map(|(id, name)| option(id, name, query.environment.as_deref() == Some(id.as_str())))
            .collect(),
        connectors: connectors
            .iter()
            .map(|c| {
                let label = format!("{} ({})", c.display_name, c.tier);
                option(&c.id, &label, query.connector.as_deref() == Some(c.id.as_str()))
            })
            .collect(),
        tiers: [(TierFilter::Premium, "Uses a premium or custom connector"), (TierFilter::Standard, "Standard only")]
            .iter()
            .map(|(t, label)| option(t.as_str(), label, query.tier == Some(*t)))
            .collect(),
        criticalities: ImpactLevel::ALL
            .iter()
            .map(|c| option(c.as_str(), impact_label(*c), query.criticality == Some(*c)))
            .collect(),
        compliance: ComplianceState::ALL
            .iter()
            .map(|c| option(c.as_str(), c.label(), query.compliance == Some(*c)))
            .collect(),
        stages: LifecycleStage::ALL
            .iter()
            .map(|s| option(s.as_str(), &format::humanize(s.as_str()), query.stage == Some(*s)))
            .collect(),
        sorts: SORTS.iter().map(|(value, order, label)| option(value, label, query.sort == *order)).collect(),
        owner: query.owner.clone().unwrap_or_default(),
        department: query.department.clone().unwrap_or_default(),
        q: query.q.clone().unwrap_or_default(),
        unused_days: params::text(&p.unused_days).unwrap_or_default(),
        used_within_days: params::text(&p.used_within_days).unwrap_or_default(),
        include_deleted: query.include_deleted,
        own_only: caller.sees_only_own(),
    };

    // Forward: this page's cursor joins the stack; back: the top of the stack is the cursor.
    let mut forward = back.clone();
    forward.push(query.cursor.clone());
    let start = forward.len().saturating_sub(BACK_DEPTH);
    let forward = &forward[start..];
    let previous_href =
        back.split_last().map(|(top, rest)| link.page(query.sort, top.as_deref(), join_back(rest).as_deref()));

    Ok(ResourceTable {
        filters,
        rows,
        total: format::count(page.total),
        total_is_zero: page.total == 0,
        next_href: page.next.as_deref().map(|next| link.page(query.sort, Some(next), join_back(forward).as_deref())),
        previous_href,
        first_href: query.cursor.as_ref().map(|_| link.page(query.sort, None, None)),
        clear_href: link
            .any_filter()
            .then(|| Href::new(PATH).param("tenant", query.tenant.as_deref()).fragment(ANCHOR).build()),
        csv_href: link.csv(),
        sort_name: sort_header(&link, ResourceSort::Name, "ascending"),
        sort_kind: sort_header(&link, ResourceSort::Kind, "ascending"),
        sort_environment: sort_header(&link, ResourceSort::Environment, "ascending"),
        sort_last_used: sort_header(&link, ResourceSort::LastUsedDesc, "descending"),
        sort_modified: sort_header(&link, ResourceSort::ModifiedDesc, "descending"),
    })
}

fn row(line: &Line) -> ResourceRow {
    let r = &line.resource;
    let criticality = line.status.as_ref().and_then(|s| s.criticality);
    let compliance = line.compliance();
    ResourceRow {
        href: links::resource(&r.id),
        name: r.display_name.clone(),
        kind: r.kind.label(),
        environment: line.environment_name().to_string(),
        environment_href: links::resources_in_environment(&r.environment_id),
        owner: line.owner_name().map(str::to_string).unwrap_or_else(|| "—".into()),
        state: format::humanize(r.state.as_str()),
        state_class: state_class(r.state),
        criticality: criticality.map_or("—", impact_label),
        criticality_class: criticality_class(criticality),
        compliance: compliance.label(),
        compliance_class: compliance_class(compliance),
        last_used: line.last_used.map(|d| d.to_string()).unwrap_or_else(|| "Never".into()),
        modified: format::date(r.modified_at),
        deleted: r.deleted_at.is_some(),
    }
}

/// Links to this table with the same filters (as sent, so the last-use windows stay relative).
struct Link<'a> {
    p: &'a ResourceListParams,
    query: &'a ResourceQuery,
}

impl Link<'_> {
    fn any_filter(&self) -> bool {
        let q = self.query;
        q.kind.is_some()
            || q.environment.is_some()
            || q.owner.is_some()
            || q.q.is_some()
            || q.department.is_some()
            || q.connector.is_some()
            || q.tier.is_some()
            || q.criticality.is_some()
            || q.compliance.is_some()
            || q.stage.is_some()
            || q.unused_since.is_some()
            || q.used_since.is_some()
            || q.include_deleted
    }

    fn page(&self, sort: ResourceSort, cursor: Option<&str>, back: Option<&str>) -> String {
        self.href(PATH, sort, cursor, back, true)
    }

    /// The export of this view: every matching row, so no page size or position.
    fn csv(&self) -> String {
        self.href(CSV_PATH, self.query.sort, None, None, false)
    }

    /// `anchor`: a page link (with its page size, jumping to the table), else the export.
    fn href(&self, path: &str, sort: ResourceSort, cursor: Option<&str>, back: Option<&str>, anchor: bool) -> String {
        let q = self.query;
        let limit = q.limit.filter(|_| anchor).map(|l| l.to_string());
        let href = Href::new(path)
            .param("tenant", q.tenant.as_deref())
            .param("kind", q.kind.map(|k| k.as_str()))
            .param("environment", q.environment.as_deref())
            .param("owner", q.owner.as_deref())
            .param("department", q.department.as_deref())
            .param("connector", q.connector.as_deref())
            .param("tier", q.tier.map(|t| t.as_str()))
            .param("criticality", q.criticality.map(|c| c.as_str()))
            .param("compliance", q.compliance.map(|c| c.as_str()))
            .param("stage", q.stage.map(|s| s.as_str()))
            .param("unused_days", self.p.unused_days.as_deref())
            .param("used_within_days", self.p.used_within_days.as_deref())
            .param("q", q.q.as_deref())
            .param("include_deleted", q.include_deleted.then_some("true"))
            .param("sort", (sort != ResourceSort::default()).then(|| sort_param(sort)))
            .param("limit", limit.as_deref())
            .param("cursor", cursor)
            .param("back", back);
        if anchor { href.fragment(ANCHOR).build() } else { href.build() }
    }
}

/// A column header link: switching the order starts again at the first page.
fn sort_header(link: &Link<'_>, order: ResourceSort, direction: &'static str) -> SortHeader {
    let active = link.query.sort == order;
    SortHeader { href: link.page(order, None, None), aria_sort: if active { direction } else { "none" }, active }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link_for(p: &ResourceListParams) -> String {
        let query = p.to_query().unwrap_or_default();
        Link { p, query: &query }.page(query.sort, Some("abc"), Some("~~def"))
    }

    #[test]
    fn links_keep_every_filter_and_drop_defaults() {
        let p = ResourceListParams {
            kind: Some("cloud_flow".into()),
            environment: Some("env 1".into()),
            department: Some("R&D".into()),
            connector: Some("shared_sql".into()),
            tier: Some("premium".into()),
            criticality: Some("high".into()),
            compliance: Some("violating_must".into()),
            stage: Some("pilot".into()),
            unused_days: Some("30".into()),
            used_within_days: Some("90".into()),
            q: Some("pay".into()),
            sort: Some("-last_used".into()),
            limit: Some("10".into()),
            ..Default::default()
        };
        assert_eq!(
            link_for(&p),
            "/inventory?kind=cloud_flow&environment=env%201&department=R%26D&connector=shared_sql&tier=premium\
             &criticality=high&compliance=violating_must&stage=pilot&unused_days=30&used_within_days=90&q=pay\
             &sort=-last_used&limit=10&cursor=abc&back=~~def#resources"
        );
        let plain = ResourceListParams::default();
        let query = ResourceQuery::default();
        assert_eq!(Link { p: &plain, query: &query }.page(ResourceSort::Name, None, None), "/inventory#resources");
    }

    #[test]
    fn only_the_active_sort_header_is_marked() {
        let p = ResourceListParams::default();
        let query = ResourceQuery { sort: ResourceSort::Kind, ..Default::default() };
        let link = Link { p: &p, query: &query };
        assert_eq!(sort_header(&link, ResourceSort::Kind, "ascending").aria_sort, "ascending");
        assert_eq!(sort_header(&link, ResourceSort::Name, "ascending").aria_sort, "none");
    }

    #[test]
    fn the_back_stack_round_trips_and_refuses_garbage() {
        let c = steward_store::Cursor { key: Some("x".into()), id: "1".into() }.encode();
        let stack = vec![None, Some(c.clone())];
        let text = join_back(&stack).unwrap_or_default();
        assert_eq!(text, format!("~~{c}"));
        assert_eq!(back_stack(Some(&text)).ok(), Some(stack));
        assert_eq!(back_stack(None).ok(), Some(vec![]));
        assert!(back_stack(Some("~not a cursor!")).is_err());
    }
}
