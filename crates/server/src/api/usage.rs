//! Usage analytics: the most used resources, trends, inactive resources, sudden drops, what the
//! usage store holds, and one resource's daily usage. The same questions and answers as
//! `steward usage …`; windows end on the newest counted day unless `to` (or `as_of`) says.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::scope::{Visible, sees_resource};
use crate::error::ApiError;
use crate::params::{self, Params};
use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use steward_model::{DailyUsage, ResourceKind, UsageMetric, UsagePeriod, UsageScope};
use steward_store::UsageReads;
use steward_store::usage::{ResourceUsageQuery, UsageOrder};
use steward_usage::UsageError;
use steward_usage::trends::{
    self, AnomalyQuery, AnomalyReport, DropParams, InactiveQuery, InactiveReport, StatusReport, TopReport, Trend,
    Window,
};

const TOP_DAYS: u32 = 30;
const TREND_DAYS: u32 = 90;
const RESOURCE_DAYS: u32 = 30;
const TOP_LIMIT: usize = 20;
/// Longest window, in days, a request may ask for: ten years of days is already more than
/// any retention keeps, and it bounds the work one request can cause.
const MAX_DAYS: u32 = 3660;

/// Query parameters of `GET /api/v1/usage/top`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TopParams {
    pub days: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
    /// One kind or several, comma-separated.
    pub kind: Option<String>,
    pub environment: Option<String>,
    pub tenant: Option<String>,
    /// `uses` (default) or `users`.
    pub by: Option<String>,
    pub limit: Option<String>,
}

/// `GET /api/v1/usage/top`; a maker's is the most used of their own resources.
pub async fn top(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<TopParams>,
) -> Result<Json<TopReport>, ApiError> {
    let tenant = params::text(&p.tenant);
    let order = match params::text(&p.by).as_deref() {
        None | Some("uses") => UsageOrder::Uses,
        Some("users") => UsageOrder::Users,
        Some(other) => {
            return Err(ApiError::invalid("by", format!("parameter `by` must be uses or users, not '{other}'")));
        }
    };
    let limit = count("limit", &p.limit, 1, steward_store::MAX_LIMIT)?.map_or(TOP_LIMIT, |n| n as usize);
    let w = window(&state, tenant.as_deref(), &p.days, &p.from, &p.to, &p.as_of, TOP_DAYS).await?;
    let query = ResourceUsageQuery {
        tenant_id: tenant,
        kinds: kinds(&p.kind)?,
        environment_id: params::text(&p.environment),
        from: w.from,
        to: w.to,
        include_unused: false,
        order,
        limit: Some(limit),
    };
    let visible = Visible::of(&state, &caller).await?;
    // A maker's top is cut after narrowing: every used resource is ranked, then theirs kept.
    let query = if visible.is_all() { query } else { ResourceUsageQuery { limit: None, ..query } };
    let mut report =
        trends::top(state.store.as_ref(), &query).await.map_err(|e| usage_error("reading top resources", e))?;
    visible.retain(&mut report.items, |u| Some(&u.resource_id));
    report.items.truncate(limit);
    Ok(Json(report))
}

/// Query parameters of `GET /api/v1/usage/trend`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrendParams {
    pub scope: Option<String>,
    pub id: Option<String>,
    pub period: Option<String>,
    pub metric: Option<String>,
    pub days: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
}

/// `GET /api/v1/usage/trend`; a resource's trend is "not found" for a maker who may not see it.
pub async fn trend(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<TrendParams>,
) -> Result<Json<Trend>, ApiError> {
    let scope = params::one_of::<UsageScope>("scope", &p.scope)?.unwrap_or(UsageScope::Tenant);
    let period = params::one_of::<UsagePeriod>("period", &p.period)?.unwrap_or(UsagePeriod::Day);
    let metric = params::one_of::<UsageMetric>("metric", &p.metric)?.unwrap_or(UsageMetric::Use);
    let id = params::text(&p.id);
    if id.is_none() && scope != UsageScope::Tenant {
        return Err(ApiError::invalid(
            "id",
            format!("parameter `id` is required for scope {scope}: name the {scope} whose trend you want"),
        ));
    }
    if scope == UsageScope::Resource
        && let Some(id) = &id
        && !sees_resource(&state, &caller, id).await?
    {
        return Err(ApiError::NotFound { what: "resource", plural: "/api/v1/resources", id: id.clone() });
    }
    let tenant = if scope == UsageScope::Tenant { id.as_deref() } else { None };
    let w = window(&state, tenant, &p.days, &p.from, &p.to, &p.as_of, TREND_DAYS).await?;
    trends::trend(state.store.as_ref(), scope, id.as_deref(), period, metric, w.from, w.to)
        .await
        .map(Json)
        .map_err(|e| usage_error("reading a usage trend", e))
}

/// Query parameters of `GET /api/v1/usage/inactive`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InactiveParams {
    pub days: Option<String>,
    pub never_used: Option<String>,
    pub grace_days: Option<String>,
    pub as_of: Option<String>,
    pub kind: Option<String>,
    pub environment: Option<String>,
    pub tenant: Option<String>,
    pub limit: Option<String>,
}

/// `GET /api/v1/usage/inactive`; a maker's lists their own resources.
pub async fn inactive(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<InactiveParams>,
) -> Result<Json<InactiveReport>, ApiError> {
    let tenant = params::text(&p.tenant);
    let mut query = InactiveQuery {
        kinds: kinds(&p.kind)?,
        environment_id: params::text(&p.environment),
        days: count("days", &p.days, 1, MAX_DAYS)?.unwrap_or(InactiveQuery::DEFAULT_DAYS),
        never_used: params::flag("never_used", &p.never_used)?,
        grace_days: count("grace_days", &p.grace_days, 0, MAX_DAYS)?.unwrap_or(InactiveQuery::DEFAULT_GRACE_DAYS),
        limit: count("limit", &p.limit, 1, steward_store::MAX_LIMIT)?.map(|n| n as usize),
        as_of: as_of(&state, tenant.as_deref(), &p.as_of).await?,
        tenant_id: tenant,
    };
    let visible = Visible::of(&state, &caller).await?;
    let limit = query.limit;
    if !visible.is_all() {
        // Narrowed before the limit, so that `total` and the rows are the maker's.
        query.limit = None;
    }
    let mut report = trends::inactive(state.store.as_ref(), &query)
        .await
        .map_err(|e| usage_error("listing inactive resources", e))?;
    if !visible.is_all() {
        visible.retain(&mut report.items, |r| Some(&r.resource_id));
        report.total = report.items.len();
        report.items.truncate(limit.unwrap_or(usize::MAX));
    }
    Ok(Json(report))
}

/// Query parameters of `GET /api/v1/usage/anomalies`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnomalyParams {
    pub as_of: Option<String>,
    pub recent_days: Option<String>,
    pub baseline_days: Option<String>,
    pub min_baseline: Option<String>,
    pub drop: Option<String>,
    pub kind: Option<String>,
    pub environment: Option<String>,
    pub tenant: Option<String>,
}

/// `GET /api/v1/usage/anomalies`; a maker's lists drops of their own resources (`busy` still
/// counts every resource judged).
pub async fn anomalies(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<AnomalyParams>,
) -> Result<Json<AnomalyReport>, ApiError> {
    let defaults = DropParams::default();
    let params = DropParams {
        recent_days: count("recent_days", &p.recent_days, 1, MAX_DAYS)?.unwrap_or(defaults.recent_days),
        baseline_days: count("baseline_days", &p.baseline_days, 1, MAX_DAYS)?.unwrap_or(defaults.baseline_days),
        min_baseline: number("min_baseline", &p.min_baseline)?.unwrap_or(defaults.min_baseline),
        drop: number("drop", &p.drop)?.unwrap_or(defaults.drop),
    };
    params.check().map_err(|e| usage_error("checking drop parameters", e))?;
    let tenant = params::text(&p.tenant);
    let query = AnomalyQuery {
        kinds: kinds(&p.kind)?,
        environment_id: params::text(&p.environment),
        as_of: as_of(&state, tenant.as_deref(), &p.as_of).await?,
        tenant_id: tenant,
        params,
    };
    let mut report =
        trends::anomalies(state.store.as_ref(), &query).await.map_err(|e| usage_error("looking for usage drops", e))?;
    Visible::of(&state, &caller).await?.retain(&mut report.items, |a| Some(&a.resource_id));
    Ok(Json(report))
}

/// Query parameters of `GET /api/v1/usage/status`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusParams {
    pub tenant: Option<String>,
}

/// `GET /api/v1/usage/status`
pub async fn status(
    State(state): State<AppState>,
    Params(p): Params<StatusParams>,
) -> Result<Json<StatusReport>, ApiError> {
    let tenant = params::text(&p.tenant);
    trends::status(state.store.as_ref(), tenant.as_deref())
        .await
        .map(Json)
        .map_err(|e| usage_error("reading the usage status", e))
}

/// Query parameters of `GET /api/v1/resources/{id}/usage`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceUsageParams {
    pub days: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
}

/// One resource's daily usage over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDailyUsage {
    pub resource_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Uses over the window.
    pub uses: u64,
    /// Days of the window with at least one use.
    pub active_days: u64,
    /// Every day of the window, oldest first; days without use have zeros.
    pub days: Vec<DailyUsage>,
}

/// `GET /api/v1/resources/{id}/usage`
pub async fn resource(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Params(p): Params<ResourceUsageParams>,
) -> Result<Json<ResourceDailyUsage>, ApiError> {
    crate::api::resources::check_visible(&state, &caller, &id).await?;
    let store = state.store.as_ref();
    let known = store.get_resource(&id).await.map_err(|e| ApiError::store("reading a resource", e))?.is_some()
        || !store
            .usage_spans(None, Some(std::slice::from_ref(&id)))
            .await
            .map_err(|e| ApiError::store("reading usage spans", e))?
            .is_empty();
    if !known {
        return Err(ApiError::NotFound { what: "resource", plural: "/api/v1/resources", id });
    }
    let w = window(&state, None, &p.days, &p.from, &p.to, &p.as_of, RESOURCE_DAYS).await?;
    let used = store.daily_usage(&id, w.from, w.to).await.map_err(|e| ApiError::store("reading daily usage", e))?;
    let mut used = used.into_iter().peekable();
    let days: Vec<DailyUsage> = w
        .from
        .iter_days()
        .take_while(|d| *d <= w.to)
        .map(|day| match used.next_if(|u| u.day == day) {
            Some(u) => u,
            None => DailyUsage { resource_id: id.clone(), day, uses: 0, unique_users: 0, departments: 0 },
        })
        .collect();
    Ok(Json(ResourceDailyUsage {
        uses: days.iter().map(|d| d.uses).sum(),
        active_days: days.iter().filter(|d| d.uses > 0).count() as u64,
        resource_id: id,
        from: w.from,
        to: w.to,
        days,
    }))
}

/// The window a request names; `to` and `as_of` are two spellings of its last day.
async fn window(
    state: &AppState,
    tenant: Option<&str>,
    days: &Option<String>,
    from: &Option<String>,
    to: &Option<String>,
    as_of_value: &Option<String>,
    default_days: u32,
) -> Result<Window, ApiError> {
    let days = count("days", days, 1, MAX_DAYS)?;
    let from = date("from", from)?;
    let to = match (date("to", to)?, date("as_of", as_of_value)?) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "to",
                "parameters `to` and `as_of` both name the last day; send one of them",
            ));
        }
        (to, as_of) => to.or(as_of),
    };
    let today = match to {
        Some(to) => to,
        None => newest(state, tenant).await?,
    };
    let w = Window::resolve(from, to, days, default_days, today).map_err(|e| usage_error("reading a window", e))?;
    if w.days() > i64::from(MAX_DAYS) {
        return Err(ApiError::invalid(
            "from",
            format!("the window {} to {} is longer than {MAX_DAYS} days; ask for a shorter one", w.from, w.to),
        ));
    }
    Ok(w)
}

async fn as_of(state: &AppState, tenant: Option<&str>, value: &Option<String>) -> Result<NaiveDate, ApiError> {
    match date("as_of", value)? {
        Some(d) => Ok(d),
        None => newest(state, tenant).await,
    }
}

async fn newest(state: &AppState, tenant: Option<&str>) -> Result<NaiveDate, ApiError> {
    trends::newest_day(state.store.as_ref(), tenant).await.map_err(|e| usage_error("reading the usage status", e))
}

fn usage_error(context: &str, error: UsageError) -> ApiError {
    match error {
        UsageError::Invalid(message) => ApiError::BadRequest(message),
        UsageError::Store(e) => ApiError::store(context, e),
        other => ApiError::internal(context, other),
    }
}

/// A day, `YYYY-MM-DD`.
fn date(parameter: &'static str, value: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    params::text(value)
        .map(|v| {
            v.parse::<NaiveDate>().map_err(|_| {
                ApiError::invalid(parameter, format!("parameter `{parameter}` must be a day as YYYY-MM-DD, not '{v}'"))
            })
        })
        .transpose()
}

/// A whole number in `[min, max]`.
fn count(parameter: &'static str, value: &Option<String>, min: u32, max: u32) -> Result<Option<u32>, ApiError> {
    let Some(v) = params::text(value) else { return Ok(None) };
    match v.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(ApiError::invalid(
            parameter,
            format!("parameter `{parameter}` must be a whole number from {min} to {max}, not '{v}'"),
        )),
    }
}

/// A finite decimal number.
fn number(parameter: &'static str, value: &Option<String>) -> Result<Option<f64>, ApiError> {
    let Some(v) = params::text(value) else { return Ok(None) };
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(ApiError::invalid(parameter, format!("parameter `{parameter}` must be a number, not '{v}'"))),
    }
}

/// `kind=canvas_app,cloud_flow`: one value, comma-separated, since the query string takes each
/// parameter once.
fn kinds(value: &Option<String>) -> Result<Vec<ResourceKind>, ApiError> {
    let Some(v) = params::text(value) else { return Ok(Vec::new()) };
    v.split(',')
        .map(|k| params::one_of::<ResourceKind>("kind", &Some(k.to_string())))
        .filter_map(Result::transpose)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn kinds_are_comma_separated_and_each_is_checked() {
        assert_eq!(
            kinds(&some("canvas_app, cloud_flow")).ok(),
            Some(vec![ResourceKind::CanvasApp, ResourceKind::CloudFlow])
        );
        assert_eq!(kinds(&some("")).ok(), Some(vec![]));
        let message = kinds(&some("canvas_app,sheet")).err().map(|e| e.public_message()).unwrap_or_default();
        assert!(message.contains("`kind`") && message.contains("sheet"), "{message}");
    }

    #[test]
    fn dates_and_numbers_name_the_parameter() {
        assert_eq!(date("from", &some("2026-02-03")).ok(), Some("2026-02-03".parse().ok()));
        let message = date("from", &some("03/02/2026")).err().map(|e| e.public_message()).unwrap_or_default();
        assert!(message.contains("`from`") && message.contains("YYYY-MM-DD"), "{message}");
        assert!(count("days", &some("0"), 1, 10).is_err());
        assert_eq!(count("days", &some("10"), 1, 10).ok(), Some(Some(10)));
        assert!(number("drop", &some("NaN")).is_err());
        assert_eq!(number("drop", &some("0.25")).ok(), Some(Some(0.25)));
    }
}
