//! Governance: policies and their versioned sets, violations, compliance runs and trends, and
//! exemptions. Everything here reads what `steward check` (or the evaluation after a sync)
//! recorded; the API never runs an evaluation itself. Exemptions are the one thing it writes:
//! they take effect at the next run, as with `steward exempt`.

use crate::AppState;
use crate::api::paging;
use crate::audit;
use crate::auth::Caller;
use crate::auth::scope::Visible;
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;
use steward_model::{Timestamp, UnknownValue};
use steward_policy::builtin::{BUILTIN_VERSION, builtin_set};
use steward_policy::facts::Subject;
use steward_policy::load::{SetDiff, diff};
use steward_policy::model::{Policy, PolicySet};
use steward_store::StoreError;
use steward_store::governance::{
    ComplianceRunInfo, Exemption, Level, LevelCounts, NewExemption, PolicyAdoption, PolicySetInfo, SubjectKind,
    TrendPoint, Violation, ViolationEvent, ViolationQuery, ViolationState,
};

/// Violations per page unless `limit` says otherwise.
pub const VIOLATION_PAGE: u32 = 50;
/// Runs listed unless `limit` says otherwise.
pub const RUNS_DEFAULT: u32 = 20;
/// Trend points unless `limit` says otherwise.
pub const TREND_DEFAULT: u32 = 30;

// ---- policy sets ----------------------------------------------------------------------------

/// Which set a policy list comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRef {
    pub version: String,
    /// `adopted` (the active, adopted set), `saved` (a saved version that is not active) or
    /// `builtin` (the built-in pack: active while nothing is adopted).
    pub origin: String,
    /// Whether evaluations use this set now.
    pub active: bool,
}

/// A set by name: none for the active set (the adopted one, else the built-in pack), `active`
/// likewise, `builtin` (or the pack's version label) for the pack, else a saved version.
/// Files are never read: the API only knows what was saved.
pub async fn load_set(state: &AppState, name: Option<&str>) -> Result<(PolicySet, SetRef), ApiError> {
    let store = state.store.as_ref();
    let name = name.map(str::trim).filter(|n| !n.is_empty() && *n != "active");
    let stored = match name {
        None => store.active_policy_set().await.map_err(|e| ApiError::store("reading the active policy set", e))?,
        Some(n) if n == "builtin" || n == BUILTIN_VERSION => {
            let adopted = store.policy_sets().await.map_err(|e| ApiError::store("listing policy sets", e))?;
            let set = builtin_set();
            let active = !adopted.iter().any(|s| s.active);
            return Ok((set.clone(), SetRef { version: set.version, origin: "builtin".into(), active }));
        }
        Some(n) => Some(
            store
                .policy_set(n)
                .await
                .map_err(|e| ApiError::store("reading a policy set", e))?
                .ok_or_else(|| set_not_found(n))?,
        ),
    };
    let Some(stored) = stored else {
        let set = builtin_set();
        return Ok((set.clone(), SetRef { version: set.version, origin: "builtin".into(), active: true }));
    };
    let set: PolicySet = serde_json::from_value(stored.content)
        .map_err(|e| ApiError::internal(format!("reading back policy set '{}'", stored.info.version), e))?;
    let origin = if stored.info.active { "adopted" } else { "saved" };
    Ok((set, SetRef { version: stored.info.version, origin: origin.into(), active: stored.info.active }))
}

fn set_not_found(name: &str) -> ApiError {
    ApiError::NotFound { what: "policy set", plural: "/api/v1/policy-sets (or use `builtin`)", id: name.into() }
}

fn policy_not_found(id: &str) -> ApiError {
    ApiError::NotFound { what: "policy", plural: "/api/v1/policies", id: id.into() }
}

/// `?set=NAME` (and, for the list, `limit` and `cursor`)
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetParams {
    pub set: Option<String>,
    /// Page size; the whole list when absent.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyList {
    pub set: SetRef,
    /// The policies of the set, by id: id, version, title, rationale, level, subject, scope,
    /// params, condition, remediation, effect, tracked, source.
    #[serde(flatten)]
    pub page: steward_model::Page<Policy>,
}

/// `GET /api/v1/policies?set=`
pub async fn policies(
    State(state): State<AppState>,
    Params(p): Params<SetParams>,
) -> Result<Json<PolicyList>, ApiError> {
    let (mut set, set_ref) = load_set(&state, p.set.as_deref()).await?;
    set.policies.sort_by(|a, b| a.id.cmp(&b.id));
    let page = paging::slice(set.policies, params::limit(&p.limit)?, params::cursor(&p.cursor)?.as_deref())?;
    Ok(Json(PolicyList { set: set_ref, page }))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDetail {
    pub set: SetRef,
    pub policy: Policy,
    /// Its live violations now (of every tenant).
    pub open: u64,
    pub exempted: u64,
}

/// `GET /api/v1/policies/{id}?set=`
pub async fn policy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(p): Params<SetParams>,
) -> Result<Json<PolicyDetail>, ApiError> {
    let (set, set_ref) = load_set(&state, p.set.as_deref()).await?;
    let policy = set.policies.into_iter().find(|p| p.id == id).ok_or_else(|| policy_not_found(&id))?;
    let summary =
        state.store.compliance_summary(None).await.map_err(|e| ApiError::store("reading the compliance summary", e))?;
    let (open, exempted) =
        summary.by_policy.iter().filter(|c| c.policy_id == id).fold((0, 0), |(o, x), c| (o + c.open, x + c.exempted));
    Ok(Json(PolicyDetail { set: set_ref, policy, open, exempted }))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySets {
    /// The adopted version; `null` while the built-in pack is in use.
    pub active: Option<String>,
    pub builtin_version: String,
    /// Saved versions, last saved first.
    pub versions: Vec<PolicySetInfo>,
    /// Adoptions, oldest first.
    pub adoptions: Vec<PolicyAdoption>,
}

/// `GET /api/v1/policy-sets`
pub async fn policy_sets(State(state): State<AppState>) -> Result<Json<PolicySets>, ApiError> {
    let versions = state.store.policy_sets().await.map_err(|e| ApiError::store("listing policy sets", e))?;
    let adoptions =
        state.store.policy_adoptions().await.map_err(|e| ApiError::store("reading the adoption history", e))?;
    Ok(Json(PolicySets {
        active: versions.iter().find(|v| v.active).map(|v| v.version.clone()),
        builtin_version: BUILTIN_VERSION.into(),
        versions,
        adoptions,
    }))
}

/// `GET /api/v1/policy-sets/{old}/diff/{new}`: added, removed and changed policies.
pub async fn policy_set_diff(
    State(state): State<AppState>,
    Path((old, new)): Path<(String, String)>,
) -> Result<Json<SetDiff>, ApiError> {
    let (old, _) = load_set(&state, Some(&old)).await?;
    let (new, _) = load_set(&state, Some(&new)).await?;
    Ok(Json(diff(&old, &new)))
}

// ---- violations -----------------------------------------------------------------------------

/// A violation with what its policy says in the active set (absent when the policy left it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViolationView {
    #[serde(flatten)]
    pub violation: Violation,
    pub policy_title: Option<String>,
    pub remediation: Option<String>,
}

/// Titles and remediation texts of the active set's policies, by id.
pub struct PolicyTexts(HashMap<String, (String, String)>);

impl PolicyTexts {
    pub fn of(set: &PolicySet) -> PolicyTexts {
        PolicyTexts(set.policies.iter().map(|p| (p.id.clone(), (p.title.clone(), p.remediation.clone()))).collect())
    }

    pub fn title(&self, policy_id: &str) -> Option<&str> {
        self.0.get(policy_id).map(|(t, _)| t.as_str())
    }

    pub fn view(&self, violation: Violation) -> ViolationView {
        let texts = self.0.get(&violation.policy_id);
        ViolationView {
            policy_title: texts.map(|(t, _)| t.clone()),
            remediation: texts.map(|(_, r)| r.clone()),
            violation,
        }
    }
}

/// Query parameters of `GET /api/v1/violations`, as sent. `state`, `policy` and `level` take
/// comma-separated lists; `state=all` (or none) means every state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ViolationParams {
    pub state: Option<String>,
    pub policy: Option<String>,
    pub resource: Option<String>,
    pub environment: Option<String>,
    pub tenant: Option<String>,
    pub level: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// The `next` of the previous page (instead of `offset`).
    pub cursor: Option<String>,
}

/// A comma-separated list of a closed set of values; blank means any.
pub fn list_of<T: FromStr<Err = UnknownValue>>(
    parameter: &'static str,
    value: &Option<String>,
) -> Result<Vec<T>, ApiError> {
    let Some(text) = params::text(value) else { return Ok(Vec::new()) };
    text.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<T>().map_err(|e| ApiError::invalid(parameter, format!("parameter `{parameter}`: {e}"))))
        .collect()
}

/// `state`: a list of states, `all` for every state.
pub fn states(value: &Option<String>) -> Result<Vec<ViolationState>, ApiError> {
    if params::text(value).is_some_and(|v| v.eq_ignore_ascii_case("all")) {
        return Ok(Vec::new());
    }
    list_of("state", value)
}

/// A position in a list: a whole number, 0 when absent.
pub fn offset(value: &Option<String>) -> Result<u64, ApiError> {
    let Some(v) = params::text(value) else { return Ok(0) };
    v.parse::<u64>().map_err(|_| {
        ApiError::invalid("offset", format!("parameter `offset` must be a whole number of rows to skip, not '{v}'"))
    })
}

impl ViolationParams {
    /// The store query (with one row more than the page, to tell whether another page follows)
    /// and the page size.
    pub fn to_query(&self, default_states: &[ViolationState]) -> Result<(ViolationQuery, u32), ApiError> {
        let limit = params::limit(&self.limit)?.unwrap_or(VIOLATION_PAGE);
        let states = match params::text(&self.state) {
            None => default_states.to_vec(),
            Some(_) => states(&self.state)?,
        };
        let query = ViolationQuery {
            states,
            policy_ids: params::text(&self.policy)
                .map(|v| v.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            subject_id: params::text(&self.resource),
            environment_id: params::text(&self.environment),
            tenant_id: params::text(&self.tenant),
            resources_among: None,
            levels: list_of::<Level>("level", &self.level)?,
            limit: Some(limit + 1),
            offset: match params::cursor(&self.cursor)? {
                Some(cursor) => paging::position(&cursor)? as u64,
                None => offset(&self.offset)?,
            },
        };
        Ok((query, limit))
    }
}

/// A page of violations. There is no total (counting every match of a filter is a scan); the
/// compliance summary has the counts per state, level and policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViolationPage {
    pub items: Vec<ViolationView>,
    pub offset: u64,
    pub limit: u32,
    /// The `offset` of the next page; `null` on the last page.
    pub next_offset: Option<u64>,
    /// The same position as a cursor, like every other list; `null` on the last page.
    pub next: Option<String>,
}

/// One page of violations matching `p` that `visible` lets the caller see, by id (opening order).
pub async fn violation_page(
    state: &AppState,
    p: &ViolationParams,
    default_states: &[ViolationState],
    texts: &PolicyTexts,
    visible: &Visible,
) -> Result<ViolationPage, ApiError> {
    let (mut query, limit) = p.to_query(default_states)?;
    let offset = query.offset;
    // A maker's own resources go into the query, so the database pages what they may see.
    query.resources_among = visible.own_ids();
    let mut rows = state.store.list_violations(&query).await.map_err(|e| ApiError::store("listing violations", e))?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_offset = more.then(|| offset + u64::from(limit));
    Ok(ViolationPage {
        next: next_offset.map(|o| paging::cursor_at(usize::try_from(o).unwrap_or(usize::MAX))),
        next_offset,
        offset,
        limit,
        items: rows.into_iter().map(|v| texts.view(v)).collect(),
    })
}

/// `GET /api/v1/violations?state=&policy=&resource=&environment=&tenant=&level=&limit=&offset=`;
/// makers get the violations of their own resources (and of environments).
pub async fn violations(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ViolationParams>,
) -> Result<Json<ViolationPage>, ApiError> {
    let (set, _) = load_set(&state, None).await?;
    let visible = Visible::of(&state, &caller).await?;
    violation_page(&state, &p, &[], &PolicyTexts::of(&set), &visible).await.map(Json)
}

/// The resource a violation names; `None` for a violation of an environment.
pub fn violation_resource(v: &Violation) -> Option<&str> {
    (v.subject_kind == SubjectKind::Resource).then_some(v.subject_id.as_str())
}

/// The resource an exemption names: its subject, unless its policy judges environments
/// (`environment_policies`: ids of the built-in pack's and the active set's environment
/// policies). A policy neither knows is taken to judge resources, so a maker sees less rather
/// than more.
pub fn exemption_resource<'a>(e: &'a Exemption, environment_policies: &HashSet<String>) -> Option<&'a str> {
    e.subject_id.as_deref().filter(|_| !environment_policies.contains(&e.policy_id))
}

/// Ids of the policies that judge environments, of the built-in pack and of `active`.
pub fn environment_policies(active: &PolicySet) -> HashSet<String> {
    builtin_set()
        .policies
        .iter()
        .chain(&active.policies)
        .filter(|p| p.subject == Subject::Environment)
        .map(|p| p.id.clone())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceViolations {
    pub resource_id: String,
    /// Live violations: `open` and `exempted`.
    pub current: Vec<ViolationView>,
    /// Episodes that resolved, most recent first.
    pub resolved: Vec<ViolationView>,
    /// Every event of every episode, oldest first.
    pub history: Vec<ViolationEvent>,
    /// Exemptions naming the resource or covering its environment, revoked ones included.
    pub exemptions: Vec<ExemptionView>,
}

/// Everything governance recorded about one resource; `None` for an unknown resource.
pub async fn resource_violations(state: &AppState, id: &str) -> Result<Option<ResourceViolations>, ApiError> {
    let Some(resource) = state.store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?
    else {
        return Ok(None);
    };
    let (set, _) = load_set(state, None).await?;
    let texts = PolicyTexts::of(&set);
    let query = ViolationQuery { subject_id: Some(id.to_string()), ..Default::default() };
    let all = state.store.list_violations(&query).await.map_err(|e| ApiError::store("listing violations", e))?;
    let (mut resolved, current): (Vec<Violation>, Vec<Violation>) =
        all.into_iter().partition(|v| v.state == ViolationState::Resolved);
    resolved.sort_by(|a, b| b.resolved_at.cmp(&a.resolved_at).then(b.id.cmp(&a.id)));
    let history =
        state.store.violation_history(id).await.map_err(|e| ApiError::store("reading the violation history", e))?;
    let now = Utc::now();
    let exemptions = state
        .store
        .list_exemptions(true)
        .await
        .map_err(|e| ApiError::store("listing exemptions", e))?
        .into_iter()
        .filter(|e| match (&e.subject_id, &e.environment_id) {
            (Some(subject), env) => subject == id && env.as_ref().is_none_or(|env| *env == resource.environment_id),
            (None, Some(env)) => *env == resource.environment_id,
            (None, None) => false,
        })
        .map(|e| ExemptionView::of(e, now))
        .collect();
    Ok(Some(ResourceViolations {
        resource_id: id.to_string(),
        current: current.into_iter().map(|v| texts.view(v)).collect(),
        resolved: resolved.into_iter().map(|v| texts.view(v)).collect(),
        history,
        exemptions,
    }))
}

/// `GET /api/v1/resources/{id}/violations`
pub async fn for_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ResourceViolations>, ApiError> {
    crate::api::resources::check_visible(&state, &caller, &id).await?;
    resource_violations(&state, &id).await?.map(Json).ok_or_else(|| ApiError::NotFound {
        what: "resource",
        plural: "/api/v1/resources",
        id,
    })
}

// ---- compliance -----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub policy_id: String,
    /// From the active set; `null` for a policy no longer in it.
    pub title: Option<String>,
    pub level: Level,
    pub open: u64,
    pub exempted: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryView {
    pub policy_set: SetRef,
    pub open: u64,
    pub exempted: u64,
    pub open_by_level: LevelCounts,
    /// Distinct subjects with at least one open `must` violation.
    pub subjects_with_open_must: u64,
    /// Exemptions in force now.
    pub active_exemptions: u64,
    /// Policies with live violations, most open first.
    pub by_policy: Vec<PolicySummary>,
    /// The latest run; `null` before the first `steward check`.
    pub last_run: Option<ComplianceRunInfo>,
}

/// `?tenant=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TenantParams {
    pub tenant: Option<String>,
}

/// Where compliance stands now, of one tenant or of all.
pub async fn summary_of(state: &AppState, tenant: Option<&str>) -> Result<SummaryView, ApiError> {
    let (set, set_ref) = load_set(state, None).await?;
    let texts = PolicyTexts::of(&set);
    let store = state.store.as_ref();
    let s = store.compliance_summary(tenant).await.map_err(|e| ApiError::store("reading the compliance summary", e))?;
    let last_run =
        store.compliance_runs(1).await.map_err(|e| ApiError::store("listing compliance runs", e))?.into_iter().next();
    let active_exemptions =
        store.active_exemptions(Utc::now()).await.map_err(|e| ApiError::store("listing exemptions", e))?.len() as u64;
    Ok(SummaryView {
        policy_set: set_ref,
        open: s.open,
        exempted: s.exempted,
        open_by_level: s.open_by_level,
        subjects_with_open_must: s.subjects_with_open_must,
        active_exemptions,
        by_policy: s
            .by_policy
            .into_iter()
            .map(|p| PolicySummary {
                title: texts.title(&p.policy_id).map(str::to_string),
                policy_id: p.policy_id,
                level: p.level,
                open: p.open,
                exempted: p.exempted,
            })
            .collect(),
        last_run,
    })
}

/// `GET /api/v1/compliance/summary?tenant=`
pub async fn summary(
    State(state): State<AppState>,
    Params(p): Params<TenantParams>,
) -> Result<Json<SummaryView>, ApiError> {
    summary_of(&state, params::text(&p.tenant).as_deref()).await.map(Json)
}

/// `?limit=&cursor=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunParams {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Runs, newest first, in the one list shape.
pub type RunList = steward_model::Page<ComplianceRunInfo>;

/// `GET /api/v1/compliance/runs?limit=`
pub async fn runs(State(state): State<AppState>, Params(p): Params<RunParams>) -> Result<Json<RunList>, ApiError> {
    let limit = params::limit(&p.limit)?.unwrap_or(RUNS_DEFAULT);
    // Runs are few (one per evaluation), so the page is cut from all of them and `total` is exact.
    let items =
        state.store.compliance_runs(u32::MAX).await.map_err(|e| ApiError::store("listing compliance runs", e))?;
    Ok(Json(paging::slice(items, Some(limit), params::cursor(&p.cursor)?.as_deref())?))
}

/// `?policy=&limit=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrendParams {
    pub policy: Option<String>,
    pub limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    /// The policy, or `null` for the runs' totals over every policy.
    pub policy: Option<String>,
    /// Live violations after each run, oldest first.
    pub points: Vec<TrendPoint>,
}

/// Live violations after each of the last `limit` runs, of one policy or of all.
pub async fn trend_of(state: &AppState, policy: Option<&str>, limit: u32) -> Result<Vec<TrendPoint>, ApiError> {
    state.store.compliance_trend(policy, limit).await.map_err(|e| ApiError::store("reading the compliance trend", e))
}

/// `GET /api/v1/compliance/trend?policy=&limit=`
pub async fn trend(State(state): State<AppState>, Params(p): Params<TrendParams>) -> Result<Json<Trend>, ApiError> {
    let limit = params::limit(&p.limit)?.unwrap_or(TREND_DEFAULT);
    let policy = params::text(&p.policy);
    let points = trend_of(&state, policy.as_deref(), limit).await?;
    if let Some(id) = &policy
        && points.is_empty()
    {
        // No run evaluated it: known (not evaluated yet) or a typo.
        let (set, _) = load_set(&state, None).await?;
        if set.get(id).is_none() {
            return Err(policy_not_found(id));
        }
    }
    Ok(Json(Trend { policy, points }))
}

// ---- exemptions -----------------------------------------------------------------------------

/// An exemption with where it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionView {
    #[serde(flatten)]
    pub exemption: Exemption,
    /// `active`, `expired`, `revoked` or `pending` (granted with a start in the future).
    pub status: String,
}

impl ExemptionView {
    pub fn of(exemption: Exemption, now: Timestamp) -> ExemptionView {
        let status = if exemption.revoked_at.is_some_and(|r| r <= now) {
            "revoked"
        } else if exemption.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else if exemption.created_at > now {
            "pending"
        } else {
            "active"
        };
        ExemptionView { exemption, status: status.into() }
    }
}

/// `?all=&policy=&resource=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExemptionParams {
    /// `true`: revoked exemptions too.
    pub all: Option<String>,
    pub policy: Option<String>,
    pub resource: Option<String>,
    /// Page size; the whole list when absent.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Exemptions, by id, in the one list shape.
pub type ExemptionList = steward_model::Page<ExemptionView>;

/// `GET /api/v1/exemptions?all=&policy=&resource=`: not revoked (expired ones included) unless `all=true`.
/// Makers get the exemptions of their own resources and those naming no resource.
pub async fn exemptions(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ExemptionParams>,
) -> Result<Json<ExemptionList>, ApiError> {
    let all = params::flag("all", &p.all)?;
    let policy = params::text(&p.policy);
    let resource = params::text(&p.resource);
    let now = Utc::now();
    let mut found: Vec<Exemption> = state
        .store
        .list_exemptions(all)
        .await
        .map_err(|e| ApiError::store("listing exemptions", e))?
        .into_iter()
        .filter(|e| policy.as_ref().is_none_or(|p| *p == e.policy_id))
        .filter(|e| resource.as_ref().is_none_or(|r| e.subject_id.as_ref() == Some(r)))
        .collect();
    let visible = Visible::of(&state, &caller).await?;
    if !visible.is_all() {
        let environment_policies = environment_policies(&load_set(&state, None).await?.0);
        visible.retain(&mut found, |e| exemption_resource(e, &environment_policies));
    }
    let items: Vec<ExemptionView> = found.into_iter().map(|e| ExemptionView::of(e, now)).collect();
    Ok(Json(paging::slice(items, params::limit(&p.limit)?, params::cursor(&p.cursor)?.as_deref())?))
}

/// The body of `POST /api/v1/exemptions`. Fields are optional here so that a missing one is
/// reported by name, like the CLI does.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionBody {
    pub policy_id: Option<String>,
    /// The resource (or, for an environment policy, the environment) exempted.
    #[serde(alias = "resource_id")]
    pub subject_id: Option<String>,
    /// Every subject of the policy in this environment (or, with `subject_id`, only there).
    pub environment_id: Option<String>,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    /// Defaults to `approved_by`.
    pub requested_by: Option<String>,
    /// The last day it applies (`YYYY-MM-DD`, to the end of that day UTC) or an RFC 3339 time.
    pub expires_at: Option<String>,
    /// Or: it applies for this many days from now.
    pub for_days: Option<u32>,
}

const EXEMPTION_SHAPE: &str = "{\"policy_id\": \"ID\", \"subject_id\": \"RESOURCE\" or \"environment_id\": \"ENV\", \
     \"reason\": \"…\", \"approved_by\": \"NAME\", \"requested_by\": \"NAME\", \"expires_at\": \"YYYY-MM-DD\" or \"for_days\": N}";

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn expiry(body: &ExemptionBody, now: Timestamp) -> Result<Option<Timestamp>, ApiError> {
    parse_expiry(&body.expires_at, body.for_days, now)
}

/// An expiry as the API takes it: `expires_at` (a day, to its end UTC, or an RFC 3339 time) or
/// `for_days` from `now`; neither means none. Exemption requests read theirs the same way.
pub(crate) fn parse_expiry(
    expires_at: &Option<String>,
    for_days: Option<u32>,
    now: Timestamp,
) -> Result<Option<Timestamp>, ApiError> {
    match (given(expires_at), for_days) {
        (Some(_), Some(_)) => Err(ApiError::invalid("expires_at", "give `expires_at` or `for_days`, not both")),
        (Some(text), None) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&text) {
                return Ok(Some(t.with_timezone(&Utc)));
            }
            let day: NaiveDate = text.parse().map_err(|_| {
                ApiError::invalid(
                    "expires_at",
                    format!("`expires_at`: '{text}' is neither a day (YYYY-MM-DD) nor an RFC 3339 time"),
                )
            })?;
            // A day means "until the end of that day", as `steward exempt add --expires`.
            let end = day
                .checked_add_days(Days::new(1))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| Utc.from_utc_datetime(&t))
                .ok_or_else(|| ApiError::invalid("expires_at", format!("`expires_at`: {day} is out of range")))?;
            Ok(Some(end))
        }
        (None, Some(0)) => Err(ApiError::invalid("for_days", "`for_days` must be at least 1")),
        (None, Some(days)) => now
            .checked_add_days(Days::new(u64::from(days)))
            .map(Some)
            .ok_or_else(|| ApiError::invalid("for_days", "`for_days` is out of range")),
        (None, None) => Ok(None),
    }
}

/// Every policy id Steward knows: the active set, the built-in pack, every saved version (as
/// `steward exempt add` accepts them: an exemption may be granted ahead of an adoption).
pub(crate) async fn known_policies(state: &AppState) -> Result<HashMap<String, Subject>, ApiError> {
    let mut known: HashMap<String, Subject> = builtin_set().policies.into_iter().map(|p| (p.id, p.subject)).collect();
    let (active, _) = load_set(state, None).await?;
    known.extend(active.policies.into_iter().map(|p| (p.id, p.subject)));
    for info in state.store.policy_sets().await.map_err(|e| ApiError::store("listing policy sets", e))? {
        let stored =
            state.store.policy_set(&info.version).await.map_err(|e| ApiError::store("reading a policy set", e))?;
        if let Some(set) = stored.and_then(|s| serde_json::from_value::<PolicySet>(s.content).ok()) {
            for p in set.policies {
                known.entry(p.id).or_insert(p.subject);
            }
        }
    }
    Ok(known)
}

/// `POST /api/v1/exemptions` (JSON): grant an exemption; 201 with it. It applies from the next
/// compliance run on.
pub async fn add_exemption(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<ExemptionView>), ApiError> {
    let body: ExemptionBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON {EXEMPTION_SHAPE} ({e})")))?;
    let now = Utc::now();
    let policy_id = given(&body.policy_id).unwrap_or_default();
    let approved_by = given(&body.approved_by).unwrap_or_default();
    let exemption = NewExemption {
        subject_id: given(&body.subject_id),
        environment_id: given(&body.environment_id),
        reason: given(&body.reason).unwrap_or_default(),
        // The approver asked for it unless someone else is named; without an approver the
        // check below names the approver as what is missing.
        requested_by: given(&body.requested_by)
            .or_else(|| Some(approved_by.clone()).filter(|a| !a.is_empty()))
            .unwrap_or_else(|| "api".into()),
        approved_by,
        expires_at: expiry(&body, now)?,
        at: now,
        policy_id,
    };
    // The store's own check, first, so that the message names what is missing.
    exemption.check().map_err(validation)?;

    let known = known_policies(&state).await?;
    let Some(subject) = known.get(&exemption.policy_id).copied() else {
        let ids: BTreeSet<&str> = known.keys().map(String::as_str).collect();
        let list: Vec<&str> = ids.into_iter().take(20).collect();
        return Err(ApiError::invalid(
            "policy_id",
            format!(
                "no policy '{}' in the active set, the built-in pack or any saved version; known ids include: {}",
                exemption.policy_id,
                list.join(", ")
            ),
        ));
    };
    let store = state.store.as_ref();
    exemption_scope_allowed(
        &state,
        &caller,
        subject,
        exemption.subject_id.as_deref(),
        exemption.environment_id.as_deref(),
    )
    .await?;
    if let Some(id) = &exemption.subject_id {
        let exists = match subject {
            Subject::Resource => {
                store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?.is_some()
            }
            Subject::Environment => {
                store.get_environment(id).await.map_err(|e| ApiError::store("reading an environment", e))?.is_some()
            }
        };
        if !exists {
            let what = if subject == Subject::Resource { "resource" } else { "environment" };
            return Err(ApiError::invalid(
                "subject_id",
                format!("`subject_id`: no {what} '{id}'; policy '{}' judges {what}s", exemption.policy_id),
            ));
        }
    }
    if let Some(env) = &exemption.environment_id
        && store.get_environment(env).await.map_err(|e| ApiError::store("reading an environment", e))?.is_none()
    {
        return Err(ApiError::invalid("environment_id", format!("`environment_id`: no environment '{env}'")));
    }
    let saved = store.add_exemption(&exemption).await.map_err(validation)?;
    let target = format!("exemption:{}", saved.id);
    audit::record(&state, &caller, "exemption.add", target, None, audit::json(&saved)).await;
    Ok((StatusCode::CREATED, Json(ExemptionView::of(saved, now))))
}

/// Environment admins grant and revoke exemptions only inside their environments: for a
/// resource, its environment; for an environment subject, that environment; for a policy-wide
/// exemption, the environment it is limited to. Tenant-wide exemptions are for platform admins.
async fn exemption_scope_allowed(
    state: &AppState,
    caller: &Caller,
    subject: Subject,
    subject_id: Option<&str>,
    environment_id: Option<&str>,
) -> Result<(), ApiError> {
    if caller.is_admin() {
        return Ok(());
    }
    if let Some(env) = environment_id {
        caller.must_administer(env)?;
    }
    match (subject, subject_id) {
        (Subject::Resource, Some(id)) => {
            let resource = state.store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))?;
            // An unknown resource is refused later with its own message.
            if let Some(r) = resource {
                caller.must_administer(&r.environment_id)?;
            }
            Ok(())
        }
        (Subject::Environment, Some(id)) => caller.must_administer(id),
        (_, None) if environment_id.is_some() => Ok(()),
        (_, None) => Err(ApiError::Forbidden(
            "an exemption for every subject in every environment needs a platform admin; name the resource or the \
             environment it applies to"
                .into(),
        )),
    }
}

/// A refusal of the store's checks: the caller's mistake, with the store's words.
fn validation(e: StoreError) -> ApiError {
    match e {
        StoreError::InvalidQuery(message) => ApiError::BadRequest(message),
        other => ApiError::store("granting an exemption", other),
    }
}

/// The body of `POST /api/v1/exemptions/{id}/revoke`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub by: String,
}

/// `POST /api/v1/exemptions/{id}/revoke` (JSON `{"by": "NAME"}`): the violations it covers
/// reopen at the next run.
pub async fn revoke_exemption(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ExemptionView>, ApiError> {
    let not_found = || ApiError::NotFound { what: "exemption", plural: "/api/v1/exemptions?all=true", id: id.clone() };
    let number: i64 = id.parse().map_err(|_| not_found())?;
    let body: RevokeBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON {{\"by\": \"NAME\"}} ({e})")))?;
    let by = body.by.trim();
    if by.is_empty() {
        return Err(ApiError::invalid("by", "`by` must name who revokes the exemption"));
    }
    let now = Utc::now();
    let all = state.store.list_exemptions(true).await.map_err(|e| ApiError::store("listing exemptions", e))?;
    let before = all.into_iter().find(|e| e.id == number).ok_or_else(not_found)?;
    if !caller.is_admin() {
        let known = known_policies(&state).await?;
        let subject = known.get(&before.policy_id).copied().unwrap_or(Subject::Resource);
        exemption_scope_allowed(
            &state,
            &caller,
            subject,
            before.subject_id.as_deref(),
            before.environment_id.as_deref(),
        )
        .await?;
    }
    match state.store.revoke_exemption(number, by, now).await {
        Ok(e) => {
            let target = format!("exemption:{number}");
            audit::record(&state, &caller, "exemption.revoke", target, audit::json(&before), audit::json(&e)).await;
            Ok(Json(ExemptionView::of(e, now)))
        }
        Err(StoreError::NotFound { .. }) => Err(not_found()),
        Err(StoreError::InvalidQuery(message)) => Err(ApiError::BadRequest(message)),
        Err(e) => Err(ApiError::store("revoking an exemption", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn states_and_levels_read_lists_and_all() {
        assert_eq!(states(&some("open, exempted")).ok(), Some(vec![ViolationState::Open, ViolationState::Exempted]));
        assert_eq!(states(&some("ALL")).ok(), Some(vec![]));
        let err = states(&some("closed")).expect_err("unknown state");
        assert!(err.public_message().contains("`state`") && err.public_message().contains("resolved"));
        assert_eq!(list_of::<Level>("level", &some("must,could")).ok(), Some(vec![Level::Must, Level::Could]));
        assert!(offset(&some("-1")).is_err());
        assert_eq!(offset(&some("")).ok(), Some(0));
    }

    #[test]
    fn a_page_asks_one_row_more_and_defaults_apply_without_state() {
        let p = ViolationParams { limit: some("10"), offset: some("20"), ..Default::default() };
        let (q, limit) = p.to_query(&[ViolationState::Open]).expect("valid");
        assert_eq!((q.limit, q.offset, limit), (Some(11), 20, 10));
        assert_eq!(q.states, [ViolationState::Open]);
        let p = ViolationParams { state: some("all"), policy: some("a, b"), ..Default::default() };
        let (q, _) = p.to_query(&[ViolationState::Open]).expect("valid");
        assert!(q.states.is_empty());
        assert_eq!(q.policy_ids, ["a", "b"]);
    }

    #[test]
    fn expiry_reads_days_times_and_durations() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single().expect("valid time");
        let body = |expires: Option<&str>, days: Option<u32>| ExemptionBody {
            expires_at: expires.map(str::to_string),
            for_days: days,
            ..Default::default()
        };
        let end_of_day = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single();
        assert_eq!(expiry(&body(Some("2026-11-30"), None), now).ok(), Some(end_of_day));
        assert_eq!(
            expiry(&body(Some("2026-12-01T00:00:00Z"), None), now).ok(),
            Some(end_of_day),
            "RFC 3339 times are taken as they are"
        );
        assert_eq!(expiry(&body(None, Some(8)), now).ok(), Some(end_of_day.map(|t| t + chrono::Duration::hours(10))));
        assert!(expiry(&body(Some("soon"), None), now).is_err());
        assert!(expiry(&body(Some("2026-11-30"), Some(3)), now).is_err());
        assert_eq!(expiry(&body(None, None), now).ok(), Some(None));
    }

    #[test]
    fn exemption_status_follows_time() {
        let at = |h| Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).single().expect("valid time");
        let e = Exemption {
            id: 1,
            policy_id: "p".into(),
            subject_id: Some("r".into()),
            environment_id: None,
            reason: "r".into(),
            requested_by: "a".into(),
            approved_by: "b".into(),
            created_at: at(2),
            expires_at: Some(at(8)),
            revoked_at: None,
            revoked_by: None,
        };
        assert_eq!(ExemptionView::of(e.clone(), at(1)).status, "pending");
        assert_eq!(ExemptionView::of(e.clone(), at(3)).status, "active");
        assert_eq!(ExemptionView::of(e.clone(), at(9)).status, "expired");
        let revoked = Exemption { revoked_at: Some(at(4)), ..e };
        assert_eq!(ExemptionView::of(revoked, at(5)).status, "revoked");
    }
}
