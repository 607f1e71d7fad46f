//! `GET /resources/{id}`: everything Steward knows about one resource.

use crate::AppState;
use crate::api::history::{self, HistoryEntry, Source};
use crate::api::resources::{self as api, ResourceDetail};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::web::charts::{ColumnChart, DayValue};
use crate::web::links;
use crate::web::resource_governance::{self, ResourceGovernance};
use crate::web::resource_table::state_class;
use crate::web::{Layout, format, respond};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{Days, NaiveDate, Utc};
use std::collections::HashMap;
use steward_model::{ConnectorTier, Governance, Principal, ShareTarget};
use steward_store::UsageReads;
use steward_store::catalog::{CatalogItem, CatalogQuery};

/// The usage chart covers this many days.
const USAGE_DAYS: u64 = 30;
/// How far back to look for the latest use when the last 30 days were quiet.
const LOOKBACK_DAYS: u64 = 365;

#[derive(Template)]
#[template(path = "resource.html")]
pub struct ResourcePage {
    layout: Layout,
    name: String,
    kind: &'static str,
    state: String,
    state_class: &'static str,
    description: Option<String>,
    deleted: Option<String>,
    quarantined: bool,
    facts: Vec<Fact>,
    owners: Vec<OwnerRow>,
    shared_with_everyone: bool,
    shared_users: u32,
    shared_groups: u32,
    shares: Vec<ShareRow>,
    connectors: Vec<ConnectorRow>,
    governance: Vec<Fact>,
    governance_declared: bool,
    usage: ColumnChart,
    usage_window: String,
    attributes: Vec<Attribute>,
    /// Criticality, service level, support profile, RACI, violations, exemptions, history.
    gov: ResourceGovernance,
    /// Everything that happened to it, newest first (inventory dates, audit trail, violations,
    /// campaign tasks, catalog stage moves).
    history: Vec<HistoryRow>,
    /// Business value (issue #7): records, computed value with its explanation, ROI, forms.
    value: crate::web::value::ValueSection,
    value_id: String,
    /// Whether managed ALM fits it (issue #8); absent when it could not be worked out.
    alm: Option<steward_assess::alm::AlmDecision>,
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub at: String,
    pub source: String,
    pub source_class: &'static str,
    pub summary: String,
    pub actor: String,
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OwnerRow {
    pub name: String,
    pub upn: String,
    pub department: String,
    pub role: String,
    pub known: bool,
    pub leaver: bool,
}

#[derive(Debug, Clone)]
pub struct ShareRow {
    pub target: String,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct ConnectorRow {
    pub name: String,
    pub id: String,
    pub tier: String,
    pub tier_class: &'static str,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub key: String,
    pub value: String,
}

pub async fn show(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let page = build(&state, &caller, &id).await;
    respond(&state, page)
}

async fn build(state: &AppState, caller: &Caller, id: &str) -> Result<ResourcePage, ApiError> {
    let ResourceDetail { resource: r, governance } = api::find_for(state, caller, id).await?;

    // Owners, sharers and the creator, each looked up once.
    let mut people: HashMap<String, Option<Principal>> = HashMap::new();
    let ids = r
        .owners
        .iter()
        .map(|o| o.principal_id.as_str())
        .chain(r.sharing.iter().map(|s| s.principal_id.as_str()))
        .chain(r.created_by.as_deref())
        .filter(|id| !id.is_empty());
    for pid in ids {
        if !people.contains_key(pid) {
            let principal =
                state.store.get_principal(pid).await.map_err(|e| ApiError::store("reading a principal", e))?;
            people.insert(pid.to_string(), principal);
        }
    }
    let known = |pid: &str| people.get(pid).and_then(|p| p.as_ref());
    let name_of = |pid: &str| known(pid).map(|p| p.display_name.clone()).unwrap_or_else(|| pid.to_string());

    let environment = state
        .store
        .get_environment(&r.environment_id)
        .await
        .map_err(|e| ApiError::store("reading the resource's environment", e))?;

    let mut facts = vec![
        Fact {
            label: "Environment",
            value: environment.map(|e| e.display_name).unwrap_or_else(|| r.environment_id.clone()),
            href: Some(links::resources_in_environment(&r.environment_id)),
        },
        fact("Platform", r.platform.clone()),
        fact("Id", r.id.clone()),
        fact("Created", format::date_time(r.created_at)),
        fact("Modified", format::date_time(r.modified_at)),
        fact("Published", format::date_time(r.published_at)),
    ];
    if let Some(creator) = r.created_by.as_deref() {
        facts.push(fact("Created by", name_of(creator)));
    }
    if let Some(solution) = &r.solution_id {
        facts.push(fact("Solution", solution.clone()));
    }

    let owners = r
        .owners
        .iter()
        .map(|o| {
            let p = known(&o.principal_id);
            OwnerRow {
                name: name_of(&o.principal_id),
                upn: p.and_then(|p| p.upn.clone()).unwrap_or_default(),
                department: p.and_then(|p| p.department.clone()).unwrap_or_else(|| "—".into()),
                role: format::humanize(o.role.as_str()),
                known: p.is_some(),
                leaver: p.is_some_and(Principal::is_leaver),
            }
        })
        .collect();

    let shares = r
        .sharing
        .iter()
        .map(|s| ShareRow {
            target: format::humanize(s.target.as_str()),
            name: if s.target == ShareTarget::Everyone {
                "Everyone in the tenant".into()
            } else {
                name_of(&s.principal_id)
            },
            role: format::humanize(s.role.as_str()),
        })
        .collect();

    let connectors = r
        .connection_references
        .iter()
        .map(|c| ConnectorRow {
            name: c.display_name.clone(),
            id: c.connector_id.clone(),
            tier: format::humanize(c.tier.as_str()),
            tier_class: match c.tier {
                ConnectorTier::Standard => "badge badge-muted",
                ConnectorTier::Premium => "badge badge-premium",
                ConnectorTier::Custom => "badge badge-warn",
            },
        })
        .collect();

    let attributes = r
        .attributes
        .iter()
        .map(|(key, value)| Attribute {
            key: key.clone(),
            value: match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        })
        .collect();

    facts.push(compliance_fact(state, &r.id).await?);
    let history = history::load(state, &r).await?.into_iter().map(history_row).collect();
    let (usage, usage_window) = usage_chart(state, &r.id).await?;
    let gov = resource_governance::load(state, &r, &governance).await?;
    let value = crate::web::value::section(state, caller, &r).await?;
    // An extra beside the page's own facts: a failure leaves the panel out (it is logged).
    let alm = crate::maturity::alm_decision(state, &r).await.inspect_err(|e| e.log()).ok();

    Ok(ResourcePage {
        layout: Layout::new(state, caller, r.display_name.clone(), None),
        kind: r.kind.label(),
        state: format::humanize(r.state.as_str()),
        state_class: state_class(r.state),
        description: r.description.clone().filter(|d| !d.trim().is_empty()),
        deleted: r.deleted_at.map(|d| format::date_time(Some(d))),
        quarantined: r.quarantined,
        facts,
        owners,
        shared_with_everyone: r.shared_with_everyone,
        shared_users: r.shared_users,
        shared_groups: r.shared_groups,
        shares,
        connectors,
        governance_declared: !governance.is_empty(),
        governance: with_catalog_listing(
            with_computed_criticality(governance_facts(&governance), &gov),
            catalog_listing(state, &r.id).await?,
        ),
        usage,
        usage_window,
        attributes,
        gov,
        history,
        value,
        value_id: links::encode(&r.id),
        alm,
        name: r.display_name,
    })
}

/// Where the resource stood at the last compliance run that evaluated it.
async fn compliance_fact(state: &AppState, id: &str) -> Result<Fact, ApiError> {
    let status = state
        .store
        .resource_statuses(&[id.to_string()])
        .await
        .map_err(|e| ApiError::store("reading the resource's status", e))?
        .pop();
    let value = match status {
        None => "Not evaluated yet".to_string(),
        Some(s) => format!(
            "{} ({} must, {} should, {} could open; {} exempted) at the run of {}",
            s.compliance.label(),
            s.open.must,
            s.open.should,
            s.open.could,
            s.exempted,
            format::date_time(Some(s.computed_at))
        ),
    };
    Ok(Fact { label: "Compliance", value, href: Some("#violations".into()) })
}

fn history_row(e: HistoryEntry) -> HistoryRow {
    let source_class = match e.source {
        Source::Inventory => "badge badge-muted",
        Source::Audit => "badge badge-kind",
        Source::Violation => "badge badge-bad",
        Source::Campaign => "badge badge-warn",
        Source::Catalog => "badge badge-ok",
    };
    HistoryRow {
        at: format::date_time(Some(e.at)),
        source: format::humanize(e.source.as_str()),
        source_class,
        summary: e.summary,
        actor: e.actor.unwrap_or_default(),
    }
}

fn fact(label: &'static str, value: String) -> Fact {
    Fact { label, value, href: None }
}

/// Nothing stores criticality (it is computed from usage on demand): show the computed level
/// where the stored one is missing, and say where it comes from.
fn with_computed_criticality(mut facts: Vec<Fact>, gov: &ResourceGovernance) -> Vec<Fact> {
    for f in facts.iter_mut().filter(|f| f.label == "Criticality" && f.value == "Not computed") {
        f.value = format!("{} (computed now)", gov.criticality.level);
        f.href = Some("#responsibility".into());
    }
    facts
}

/// The newest catalog item made from this resource, if any.
async fn catalog_listing(state: &AppState, resource_id: &str) -> Result<Option<CatalogItem>, ApiError> {
    let query = CatalogQuery { resource_id: Some(resource_id.to_string()), limit: Some(50), ..Default::default() };
    let page = state.store.list_catalog_items(&query).await.map_err(|e| ApiError::store("reading catalog items", e))?;
    Ok(page.items.into_iter().max_by_key(|i| i.id))
}

/// The catalog is where publication and the lifecycle are decided; an imported declaration
/// (the CoE kit's fields) is only what someone once wrote down. When the resource has a
/// catalog item, its state and stage win, linked to the item, and a differing declaration
/// is shown beside them so the drift is visible.
fn with_catalog_listing(mut facts: Vec<Fact>, item: Option<CatalogItem>) -> Vec<Fact> {
    let Some(item) = item else { return facts };
    for f in facts.iter_mut() {
        let listed = match f.label {
            "Catalog state" => item.state.as_str(),
            "Lifecycle stage" => item.stage.as_str(),
            _ => continue,
        };
        let declared = std::mem::take(&mut f.value);
        f.value = if declared == "Not declared" || declared == format::humanize(listed) {
            format!("{} (catalog)", format::humanize(listed))
        } else {
            format!("{} (catalog; declared: {declared})", format::humanize(listed))
        };
        f.href = Some(format!("/catalog/{}", item.id));
    }
    facts
}

fn governance_facts(g: &Governance) -> Vec<Fact> {
    let declared = |v: Option<&str>| v.map(format::humanize).unwrap_or_else(|| "Not declared".into());
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "Not declared".into());
    vec![
        fact("Business impact", declared(g.business_impact.map(|v| v.as_str()))),
        fact(
            "Criticality",
            g.criticality.map(|v| format::humanize(v.as_str())).unwrap_or_else(|| "Not computed".into()),
        ),
        fact("Support tier", declared(g.support_tier.map(|v| v.as_str()))),
        fact("Lifecycle stage", declared(g.lifecycle_stage.map(|v| v.as_str()))),
        fact("Catalog state", declared(g.catalog_state.map(|v| v.as_str()))),
        fact("Cost centre", text(&g.cost_centre)),
        fact("Justification", text(&g.justification)),
        fact("Mitigation plan", text(&g.mitigation_plan)),
    ]
}

/// The last 30 days of use. When those were quiet but the resource was used within the
/// year (a demo tenant frozen in time, an app used seasonally), the chart shows the 30 days
/// up to the latest use instead of an empty window, and says so.
async fn usage_chart(state: &AppState, id: &str) -> Result<(ColumnChart, String), ApiError> {
    let today = Utc::now().date_naive();
    let since = today.checked_sub_days(Days::new(LOOKBACK_DAYS)).unwrap_or(today);
    let daily =
        state.store.daily_usage(id, since, today).await.map_err(|e| ApiError::store("reading daily usage", e))?;
    let recent_start = window_start(today);
    let end = match daily.iter().map(|d| d.day).max() {
        Some(latest) if latest < recent_start => latest,
        _ => today,
    };
    let start = window_start(end);
    let by_day: HashMap<NaiveDate, (u64, u64)> = daily.iter().map(|d| (d.day, (d.uses, d.unique_users))).collect();
    let days: Vec<DayValue> = start
        .iter_days()
        .take_while(|d| *d <= end)
        .map(|day| {
            let (uses, users) = by_day.get(&day).copied().unwrap_or((0, 0));
            DayValue { day, uses, users }
        })
        .collect();
    let window = if end == today {
        format!("Last {USAGE_DAYS} days, {start} to {end}")
    } else {
        format!(
            "No use in the last {USAGE_DAYS} days; showing the {USAGE_DAYS} days up to the latest use, {start} to {end}"
        )
    };
    Ok((ColumnChart::daily("chart-usage", "Daily uses", &days), window))
}

fn window_start(end: NaiveDate) -> NaiveDate {
    end.checked_sub_days(Days::new(USAGE_DAYS - 1)).unwrap_or(end)
}
