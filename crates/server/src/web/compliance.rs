//! `GET /compliance`: where policy compliance stands — figures by level, open violations per
//! policy, the trend over the recorded runs, the violation list (filters in the URL, paged),
//! recent runs and the exemptions in force. Readable without JavaScript.

use crate::AppState;
use crate::api::governance::{
    self as api, ExemptionView, PolicyTexts, SummaryView, TREND_DEFAULT, ViolationParams, ViolationView,
};
use crate::auth::Caller;
use crate::auth::scope::Visible;
use crate::error::ApiError;
use crate::params;
use crate::web::charts::{ColumnChart, ColumnValue};
use crate::web::links::{self, Href};
use crate::web::overview::Figure;
use crate::web::resource_table::SelectOption;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use chrono::Utc;
use std::collections::HashMap;
use steward_model::Timestamp;
use steward_policy::model::PolicySet;
use steward_store::governance::{ComplianceRunInfo, Level, SubjectKind, TrendPoint, ViolationState};
use steward_store::usage::BriefQuery;

/// Runs listed under "Recent runs".
const RECENT_RUNS: u32 = 10;

#[derive(Template)]
#[template(path = "compliance.html")]
pub struct CompliancePage {
    layout: Layout,
    set_label: String,
    last_run: Option<String>,
    figures: Vec<Figure>,
    trend: Option<ColumnChart>,
    trend_caption: String,
    policies: Vec<PolicyRow>,
    filters: Filters,
    violations: Vec<ViolationRow>,
    violations_caption: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    runs: Vec<RunRow>,
    exemptions: Vec<ExemptionRow>,
}

#[derive(Debug, Clone)]
pub struct Filters {
    pub tenant: Option<String>,
    pub policies: Vec<SelectOption>,
    pub levels: Vec<SelectOption>,
    pub states: Vec<SelectOption>,
    pub clear_href: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub id: String,
    pub title: String,
    pub href: String,
    pub level: &'static str,
    pub level_class: &'static str,
    pub subject: &'static str,
    pub tracked: bool,
    pub open: String,
    pub exempted: String,
    pub has_open: bool,
    /// Live violations of a policy the active set no longer holds.
    pub retired: bool,
}

#[derive(Debug, Clone)]
pub struct ViolationRow {
    pub subject: String,
    pub subject_href: Option<String>,
    pub subject_kind: &'static str,
    pub policy: String,
    pub policy_href: String,
    pub level: &'static str,
    pub level_class: &'static str,
    pub state: &'static str,
    pub state_class: &'static str,
    pub environment: String,
    pub opened: String,
    pub last_seen: String,
    pub resolved: String,
    pub exemption: String,
}

#[derive(Debug, Clone)]
pub struct RunRow {
    pub at: String,
    pub set: String,
    pub tenant: String,
    pub subjects: String,
    pub policies: String,
    pub opened: String,
    pub resolved: String,
    pub exempted: String,
    pub reopened: String,
    pub open_after: String,
    pub exempted_after: String,
}

#[derive(Debug, Clone)]
pub struct ExemptionRow {
    pub id: i64,
    pub policy: String,
    pub applies_to: String,
    pub applies_href: Option<String>,
    pub reason: String,
    pub approved_by: String,
    pub since: String,
    pub expires: String,
}

pub async fn show(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Must => "Must",
        Level::Should => "Should",
        Level::Could => "Could",
    }
}

pub fn level_class(level: Level) -> &'static str {
    match level {
        Level::Must => "badge badge-bad",
        Level::Should => "badge badge-warn",
        Level::Could => "badge badge-muted",
    }
}

pub fn state_label(state: ViolationState) -> (&'static str, &'static str) {
    match state {
        ViolationState::Open => ("Open", "badge badge-bad"),
        ViolationState::Exempted => ("Exempted", "badge badge-muted"),
        ViolationState::Resolved => ("Resolved", "badge badge-ok"),
    }
}

fn policy_href(id: &str, tenant: Option<&str>) -> String {
    Href::new("/compliance").param("policy", Some(id)).param("tenant", tenant).fragment("violations").build()
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<CompliancePage, ApiError> {
    let p: ViolationParams = params::decode(uri)?;
    let tenant = params::text(&p.tenant);
    let (set, _) = api::load_set(state, None).await?;
    let texts = PolicyTexts::of(&set);
    let summary = api::summary_of(state, tenant.as_deref()).await?;

    // Makers see the violations and exemptions of their own resources; the figures, the
    // policies table and the runs are counts, the same for everyone.
    let visible = Visible::of(state, caller).await?;
    // The list shows open violations unless the URL asks for other states.
    let page = api::violation_page(state, &p, &[ViolationState::Open], &texts, &visible).await?;
    let policy = params::text(&p.policy);
    let trend = api::trend_of(state, policy.as_deref().filter(|p| !p.contains(',')), TREND_DEFAULT).await?;
    let runs =
        state.store.compliance_runs(RECENT_RUNS).await.map_err(|e| ApiError::store("listing compliance runs", e))?;
    let now = Utc::now();
    let mut active = state.store.active_exemptions(now).await.map_err(|e| ApiError::store("listing exemptions", e))?;
    let environment_policies = api::environment_policies(&set);
    visible.retain(&mut active, |e| api::exemption_resource(e, &environment_policies));
    let exemptions: Vec<ExemptionView> = active.into_iter().map(|e| ExemptionView::of(e, now)).collect();

    let names = Names::load(state, &page.items, &exemptions).await?;
    let link = |offset: u64| {
        let offset = offset.to_string();
        Href::new("/compliance")
            .param("policy", params::text(&p.policy).as_deref())
            .param("level", params::text(&p.level).as_deref())
            .param("state", params::text(&p.state).as_deref())
            .param("resource", params::text(&p.resource).as_deref())
            .param("environment", params::text(&p.environment).as_deref())
            .param("tenant", tenant.as_deref())
            .param("limit", params::text(&p.limit).as_deref())
            .param("offset", (offset != "0").then_some(offset.as_str()))
            .fragment("violations")
            .build()
    };
    let prev_href = (page.offset > 0).then(|| link(page.offset.saturating_sub(u64::from(page.limit))));
    let next_href = page.next_offset.map(link);
    let shown = page.items.len() as u64;
    let violations_caption = if shown == 0 {
        String::new()
    } else {
        format!("Rows {} to {}", format::count(page.offset + 1), format::count(page.offset + shown))
    };

    let (trend_chart, trend_caption) = trend_chart(&trend, policy.as_deref(), &texts);
    let set_label = match summary.policy_set.origin.as_str() {
        "builtin" => format!("{} (the built-in pack; nothing adopted yet)", summary.policy_set.version),
        _ => format!("{} (adopted)", summary.policy_set.version),
    };
    Ok(CompliancePage {
        layout: Layout::new(state, caller, "Compliance", Some(Section::Compliance)),
        last_run: summary.last_run.as_ref().map(describe_run),
        figures: figures(&summary),
        policies: policy_rows(&set, &summary, tenant.as_deref()),
        filters: filters(&p, &set, tenant.clone()),
        violations: page.items.iter().map(|v| violation_row(v, &names, tenant.as_deref())).collect(),
        violations_caption,
        prev_href,
        next_href,
        runs: runs.iter().map(run_row).collect(),
        exemptions: exemptions.iter().map(|e| exemption_row(e, &texts, &names)).collect(),
        trend: trend_chart,
        trend_caption,
        set_label,
    })
}

fn describe_run(r: &ComplianceRunInfo) -> String {
    format!(
        "{}: {} subjects, {} policies of set {}{}",
        format::date_time(Some(r.at)),
        format::count(r.subjects_evaluated),
        format::count(r.policies_evaluated),
        r.policy_set_version,
        r.tenant_id.as_deref().map(|t| format!(", tenant {t}")).unwrap_or_default()
    )
}

fn figures(s: &SummaryView) -> Vec<Figure> {
    let figure = |label, value: u64, hint, alert| Figure { label, value: format::count(value), hint, alert };
    vec![
        figure("Open violations", s.open, "every level, every policy", false),
        figure("Must", s.open_by_level.must, "open violations of must policies", s.open_by_level.must > 0),
        figure("Should", s.open_by_level.should, "open violations of should policies", false),
        figure("Could", s.open_by_level.could, "open violations of could policies", false),
        figure("Exempted", s.exempted, "violations under an exemption", false),
        figure(
            "Subjects failing a must",
            s.subjects_with_open_must,
            "resources or environments with an open must violation",
            s.subjects_with_open_must > 0,
        ),
        figure("Active exemptions", s.active_exemptions, "granted, not expired, not revoked", false),
    ]
}

fn trend_chart(points: &[TrendPoint], policy: Option<&str>, texts: &PolicyTexts) -> (Option<ColumnChart>, String) {
    let title = match policy {
        Some(id) => format!("Open violations per run: {}", texts.title(id).unwrap_or(id)),
        None => "Open violations per run".to_string(),
    };
    if points.is_empty() {
        return (None, title);
    }
    let values: Vec<ColumnValue> = points
        .iter()
        .map(|t| ColumnValue {
            label: t.at.format("%d %b").to_string(),
            value: t.open,
            tooltip: format!(
                "{}: {} open, {} exempted (set {})",
                format::date_time(Some(t.at)),
                format::count(t.open),
                format::count(t.exempted),
                t.policy_set_version
            ),
        })
        .collect();
    let (first, last) = (points[0].open, points[points.len() - 1].open);
    let runs = |n: usize| if n == 1 { "1 run".to_string() } else { format!("{} runs", format::count(n as u64)) };
    let description = format!(
        "{}; {} open after the first, {} after the last",
        runs(points.len()),
        format::count(first),
        format::count(last)
    );
    let caption = format!("the last {}", runs(points.len()));
    (Some(ColumnChart::series("chart-compliance", &title, description, &values)), caption)
}

/// The active set's policies with their live violations (zero included), and policies no
/// longer in the set that still have some; most open first.
fn policy_rows(set: &PolicySet, summary: &SummaryView, tenant: Option<&str>) -> Vec<PolicyRow> {
    let mut live: HashMap<&str, (u64, u64, Level)> = HashMap::new();
    for p in &summary.by_policy {
        let e = live.entry(p.policy_id.as_str()).or_insert((0, 0, p.level));
        e.0 += p.open;
        e.1 += p.exempted;
    }
    let level = |l: steward_policy::model::Level| match l {
        steward_policy::model::Level::Must => Level::Must,
        steward_policy::model::Level::Should => Level::Should,
        steward_policy::model::Level::Could => Level::Could,
    };
    let row = |id: &str, title: &str, l: Level, subject: &'static str, tracked: bool, retired: bool| {
        let (open, exempted, _) = live.get(id).copied().unwrap_or((0, 0, l));
        PolicyRow {
            id: id.to_string(),
            title: title.to_string(),
            href: policy_href(id, tenant),
            level: level_label(l),
            level_class: level_class(l),
            subject,
            tracked,
            open: format::count(open),
            exempted: format::count(exempted),
            has_open: open > 0,
            retired,
        }
    };
    let mut rows: Vec<(u64, Level, PolicyRow)> = set
        .policies
        .iter()
        .map(|p| {
            let subject = match p.subject {
                steward_policy::facts::Subject::Resource => "Resource",
                steward_policy::facts::Subject::Environment => "Environment",
            };
            let open = live.get(p.id.as_str()).map_or(0, |l| l.0);
            (open, level(p.level), row(&p.id, &p.title, level(p.level), subject, p.tracked, false))
        })
        .collect();
    for (id, (open, _, l)) in &live {
        if set.get(id).is_none() {
            rows.push((*open, *l, row(id, id, *l, "—", false, true)));
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then_with(|| a.2.id.cmp(&b.2.id)));
    rows.into_iter().map(|(_, _, r)| r).collect()
}

fn options(values: impl Iterator<Item = (String, String)>, selected: &[String]) -> Vec<SelectOption> {
    values.map(|(value, label)| SelectOption { selected: selected.contains(&value), value, label }).collect()
}

fn filters(p: &ViolationParams, set: &PolicySet, tenant: Option<String>) -> Filters {
    let chosen = |v: &Option<String>| -> Vec<String> {
        params::text(v).map(|t| t.split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default()
    };
    let mut policies: Vec<(String, String)> =
        set.policies.iter().map(|p| (p.id.clone(), format!("{} ({})", p.title, p.id))).collect();
    policies.sort();
    let levels = Level::ALL.iter().map(|l| (l.as_str().to_string(), level_label(*l).to_string()));
    let state = chosen(&p.state);
    let state = if state.is_empty() { vec!["open".to_string()] } else { state };
    let states = [("open", "Open"), ("exempted", "Exempted"), ("resolved", "Resolved"), ("all", "Every state")]
        .into_iter()
        .map(|(v, l)| (v.to_string(), l.to_string()));
    let filtered = [&p.policy, &p.level, &p.state, &p.resource, &p.environment, &p.offset]
        .iter()
        .any(|v| params::text(v).is_some());
    Filters {
        policies: options(policies.into_iter(), &chosen(&p.policy)),
        levels: options(levels, &chosen(&p.level)),
        states: options(states, &state),
        clear_href: filtered
            .then(|| Href::new("/compliance").param("tenant", tenant.as_deref()).fragment("violations").build()),
        tenant,
    }
}

/// Display names of the subjects and environments a page shows, each read once.
struct Names {
    resources: HashMap<String, String>,
    environments: HashMap<String, String>,
}

impl Names {
    async fn load(
        state: &AppState,
        violations: &[ViolationView],
        exemptions: &[ExemptionView],
    ) -> Result<Names, ApiError> {
        let mut resource_ids: Vec<String> = violations
            .iter()
            .filter(|v| v.violation.subject_kind == SubjectKind::Resource)
            .map(|v| v.violation.subject_id.clone())
            .chain(exemptions.iter().filter_map(|e| e.exemption.subject_id.clone()))
            .collect();
        resource_ids.sort();
        resource_ids.dedup();
        let resources = if resource_ids.is_empty() {
            HashMap::new()
        } else {
            state
                .store
                .resource_briefs(&BriefQuery { ids: Some(resource_ids), include_deleted: true, ..Default::default() })
                .await
                .map_err(|e| ApiError::store("reading resource names", e))?
                .into_iter()
                .map(|b| (b.id, b.display_name))
                .collect()
        };
        let mut environments = HashMap::new();
        let env_ids = violations
            .iter()
            .map(|v| v.violation.environment_id.clone())
            .chain(exemptions.iter().filter_map(|e| e.exemption.environment_id.clone()))
            .chain(exemptions.iter().filter_map(|e| e.exemption.subject_id.clone()));
        for id in env_ids {
            if id.is_empty() || environments.contains_key(&id) || resources.contains_key(&id) {
                continue;
            }
            let env =
                state.store.get_environment(&id).await.map_err(|e| ApiError::store("reading an environment", e))?;
            if let Some(env) = env {
                environments.insert(id, env.display_name);
            }
        }
        Ok(Names { resources, environments })
    }

    fn environment(&self, id: &str) -> String {
        self.environments.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
}

fn violation_row(v: &ViolationView, names: &Names, tenant: Option<&str>) -> ViolationRow {
    let x = &v.violation;
    let (subject, subject_href, subject_kind) = match x.subject_kind {
        SubjectKind::Resource => (
            names.resources.get(&x.subject_id).cloned().unwrap_or_else(|| x.subject_id.clone()),
            Some(links::resource(&x.subject_id)),
            "Resource",
        ),
        SubjectKind::Environment => {
            (names.environment(&x.subject_id), Some(links::resources_in_environment(&x.subject_id)), "Environment")
        }
    };
    let (state, state_class) = state_label(x.state);
    ViolationRow {
        subject,
        subject_href,
        subject_kind,
        policy: v.policy_title.clone().unwrap_or_else(|| x.policy_id.clone()),
        policy_href: policy_href(&x.policy_id, tenant),
        level: level_label(x.level),
        level_class: level_class(x.level),
        state,
        state_class,
        environment: names.environment(&x.environment_id),
        opened: format::date_time(Some(x.opened_at)),
        last_seen: format::date_time(Some(x.last_seen_at)),
        resolved: format::date_time(x.resolved_at),
        exemption: x.exemption_id.map(|id| format!("#{id}")).unwrap_or_else(|| "—".into()),
    }
}

fn run_row(r: &ComplianceRunInfo) -> RunRow {
    let c = &r.counts;
    RunRow {
        at: format::date_time(Some(r.at)),
        set: r.policy_set_version.clone(),
        tenant: r.tenant_id.clone().unwrap_or_else(|| "all".into()),
        subjects: format::count(r.subjects_evaluated),
        policies: format::count(r.policies_evaluated),
        opened: format::count(c.opened),
        resolved: format::count(c.resolved),
        exempted: format::count(c.exempted),
        reopened: format::count(c.reopened),
        open_after: format::count(c.open_total),
        exempted_after: format::count(c.exempted_total),
    }
}

fn expires(t: Option<Timestamp>) -> String {
    t.map(|t| format::date_time(Some(t))).unwrap_or_else(|| "never".into())
}

fn exemption_row(e: &ExemptionView, texts: &PolicyTexts, names: &Names) -> ExemptionRow {
    let x = &e.exemption;
    let (applies_to, applies_href) = match (&x.subject_id, &x.environment_id) {
        (Some(subject), _) => match names.resources.get(subject) {
            Some(name) => (name.clone(), Some(links::resource(subject))),
            None => (names.environment(subject), None),
        },
        (None, Some(env)) => (format!("every subject in {}", names.environment(env)), None),
        (None, None) => ("—".into(), None),
    };
    ExemptionRow {
        id: x.id,
        policy: texts.title(&x.policy_id).map(str::to_string).unwrap_or_else(|| x.policy_id.clone()),
        applies_to,
        applies_href,
        reason: x.reason.clone(),
        approved_by: x.approved_by.clone(),
        since: format::date(Some(x.created_at)),
        expires: expires(x.expires_at),
    }
}
