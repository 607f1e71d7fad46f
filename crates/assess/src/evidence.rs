//! Evidence from Steward's own data: questions a probe can answer are pre-filled, with what was
//! read shown beside the answer, and a person can override them.
//!
//! Each probe reads the store (and, for service levels, the responsibility configuration) and
//! returns whether the practice holds, a figure where one exists, a one-line summary (the answer
//! for text questions) and the evidence shown. A probe that cannot read what it needs says so in
//! the evidence and answers nothing, rather than guessing. Figures are organisation-wide, except
//! champions (narrowed to the business unit's department) and the solution probes.

use crate::model::{AnswerType, Model, Question};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use steward_model::{EnvironmentType, ImpactLevel, Timestamp};
use steward_store::campaigns::{CampaignQuery, CampaignState};
use steward_store::inventory::MakerQuery;
use steward_store::maturity::{AnswerSource, AnswerValue, NewAnswer, ScopeKind};
use steward_store::{EnvironmentQuery, ResourceQuery, Store, StoreError};

/// A data probe, named in a model's `evidence:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// The inventory was synced in the last 24 hours.
    Monitoring,
    /// Data (DLP) policies exist, and which environments they cover.
    DataPolicies,
    /// Resources sit in production and development/test environments, not only the default one.
    EnvironmentStrategy,
    /// Orphaned resources (every owner a leaver) are few or handled by a campaign.
    OrphanedResources,
    /// Oversharing is tracked by a policy.
    OversharedResources,
    /// Service levels and responsibilities are configured with named people.
    ServiceLevels,
    /// Value (ROI) records are being collected.
    RoiCollected,
    /// Active makers across departments.
    Champions,
    /// Campaigns run compliance requests and clean-ups automatically.
    AutomationCampaigns,
    /// A policy set is adopted and evaluated.
    PoliciesTracked,
    /// Criticality is computed from usage for the estate.
    CriticalityKnown,
    /// The solution's criticality is critical or high.
    Criticality,
    /// The solution is shared with everyone or used across many departments.
    AudienceEveryone,
    /// The solution has users from outside the tenant.
    AudienceExternal,
}

impl Probe {
    pub const ALL: &'static [Probe] = &[
        Probe::Monitoring,
        Probe::DataPolicies,
        Probe::EnvironmentStrategy,
        Probe::OrphanedResources,
        Probe::OversharedResources,
        Probe::ServiceLevels,
        Probe::RoiCollected,
        Probe::Champions,
        Probe::AutomationCampaigns,
        Probe::PoliciesTracked,
        Probe::CriticalityKnown,
        Probe::Criticality,
        Probe::AudienceEveryone,
        Probe::AudienceExternal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Probe::Monitoring => "monitoring",
            Probe::DataPolicies => "data_policies",
            Probe::EnvironmentStrategy => "environment_strategy",
            Probe::OrphanedResources => "orphaned_resources",
            Probe::OversharedResources => "overshared_resources",
            Probe::ServiceLevels => "service_levels",
            Probe::RoiCollected => "roi_collected",
            Probe::Champions => "champions",
            Probe::AutomationCampaigns => "automation_campaigns",
            Probe::PoliciesTracked => "policies_tracked",
            Probe::CriticalityKnown => "criticality_known",
            Probe::Criticality => "criticality",
            Probe::AudienceEveryone => "audience_everyone",
            Probe::AudienceExternal => "audience_external",
        }
    }

    pub fn parse(text: &str) -> Option<Probe> {
        Probe::ALL.iter().copied().find(|p| p.as_str() == text)
    }

    /// Whether the probe's answer fits a question of this type (a probe never picks a choice).
    pub fn answers(self, answer: AnswerType) -> bool {
        answer != AnswerType::Choice
    }

    /// Probes about one solution, answered only in solution assessments.
    pub fn is_solution(self) -> bool {
        matches!(self, Probe::Criticality | Probe::AudienceEveryone | Probe::AudienceExternal)
    }
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub probe: Probe,
    /// Whether the practice holds; `None` when the data does not tell.
    pub holds: Option<bool>,
    /// A count or share behind it, for number questions.
    pub figure: Option<f64>,
    /// One line: the answer for text questions.
    pub summary: String,
    /// What was read, in words, shown beside the answer.
    pub shown: String,
    /// The Steward page that shows the data.
    pub link: Option<String>,
}

impl Evidence {
    fn unknown(probe: Probe, shown: impl Into<String>) -> Evidence {
        let shown = shown.into();
        Evidence { probe, holds: None, figure: None, summary: shown.clone(), shown, link: None }
    }

    /// The answer this evidence gives to a question, if it gives one.
    pub fn answer_for(&self, question: &Question) -> Option<AnswerValue> {
        match question.answer {
            AnswerType::YesNo => self.holds.map(AnswerValue::YesNo),
            // A practice the data shows in place is "largely" in place (4): the data cannot tell
            // whether it is also reviewed, which is what 5 asks.
            AnswerType::Scale => self.holds.map(|h| AnswerValue::Scale(if h { 4 } else { 1 })),
            AnswerType::Number => self.figure.map(AnswerValue::Number),
            AnswerType::Text => self.holds.map(|_| AnswerValue::Text(self.summary.clone())),
            AnswerType::Choice => None,
        }
    }
}

/// A solution's facts, as the caller gathers them (the responsibility assessment's input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolutionFacts {
    pub resource_id: String,
    pub display_name: String,
    pub criticality: ImpactLevel,
    /// Why (the rule that set it).
    pub criticality_reason: String,
    pub users_30d: u64,
    pub departments_30d: u32,
    pub external_users_30d: u64,
    pub shared_with_everyone: bool,
    pub environment_type: EnvironmentType,
    pub in_solution: bool,
}

/// Departments a solution must reach in 30 days to count as used by everyone.
pub const EVERYONE_DEPARTMENTS: u32 = 5;
/// Departments with active makers for a champions network to be evidenced.
pub const CHAMPION_DEPARTMENTS: usize = 3;

/// Where the probes look.
#[derive(Debug, Clone)]
pub struct Context {
    pub now: Timestamp,
    /// The sync sources of the configuration (`[[sources]]` names).
    pub sources: Vec<String>,
    pub responsibility: steward_responsibility::Config,
    /// The responsibility file in use; `None` when the shipped defaults are.
    pub responsibility_file: Option<String>,
    pub scope: ScopeKind,
    pub scope_ref: Option<String>,
    pub solution: Option<SolutionFacts>,
}

/// Run every probe the models' questions name for this scope.
pub async fn gather(store: &dyn Store, models: &[&Model], ctx: &Context) -> Vec<Evidence> {
    let mut wanted: Vec<Probe> = models
        .iter()
        .flat_map(|m| m.questions())
        .filter(|(a, _)| a.applies_to(ctx.scope))
        .filter_map(|(_, q)| q.evidence)
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut out = Vec::with_capacity(wanted.len());
    for p in wanted {
        out.push(probe(store, p, ctx).await.unwrap_or_else(|e| {
            Evidence::unknown(p, format!("Steward could not read its data for this ({e}); answer it by hand"))
        }));
    }
    out
}

/// The answers the evidence gives, as pre-filled answers by `by` at `ctx.now`, for the questions
/// of the scope's areas that have none yet or whose answer came from evidence (an override is
/// never replaced).
pub fn prefill(
    models: &[&Model],
    evidence: &[Evidence],
    current: &[steward_store::maturity::Answer],
    scope: ScopeKind,
    by: &str,
    at: Timestamp,
) -> Vec<NewAnswer> {
    let mut out = Vec::new();
    for (area, q) in models.iter().flat_map(|m| m.questions()) {
        if !area.applies_to(scope) {
            continue;
        }
        let Some(e) = q.evidence.and_then(|p| evidence.iter().find(|e| e.probe == p)) else { continue };
        let existing = current.iter().find(|a| a.question_id == q.id);
        if existing.is_some_and(|a| a.source != AnswerSource::Evidence) {
            continue;
        }
        let Some(value) = e.answer_for(q) else { continue };
        out.push(NewAnswer {
            question_id: q.id.clone(),
            value: Some(value),
            source: AnswerSource::Evidence,
            evidence: Some(e.shown.clone()),
            comment: None,
            links: e.link.iter().cloned().collect(),
            by: by.to_string(),
            at,
        });
    }
    out
}

/// One probe.
pub async fn probe(store: &dyn Store, p: Probe, ctx: &Context) -> Result<Evidence, StoreError> {
    Ok(match p {
        Probe::Monitoring => monitoring(store, ctx).await?,
        Probe::DataPolicies => data_policies(store).await?,
        Probe::EnvironmentStrategy => environment_strategy(store).await?,
        Probe::OrphanedResources => orphaned(store).await?,
        Probe::OversharedResources => overshared(store).await?,
        Probe::ServiceLevels => service_levels(ctx),
        Probe::RoiCollected => roi(store).await?,
        Probe::Champions => champions(store, ctx).await?,
        Probe::AutomationCampaigns => automation(store).await?,
        Probe::PoliciesTracked => policies_tracked(store).await?,
        Probe::CriticalityKnown => criticality_known(store).await?,
        Probe::Criticality | Probe::AudienceEveryone | Probe::AudienceExternal => solution(p, ctx),
    })
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// What a sync run saves under `{source}/run` (steward-sync's `RunState`), the fields read here.
#[derive(Deserialize)]
struct RunState {
    as_of: Timestamp,
    #[serde(default)]
    finished: bool,
}

async fn monitoring(store: &dyn Store, ctx: &Context) -> Result<Evidence, StoreError> {
    let p = Probe::Monitoring;
    let since = ctx.now - Duration::hours(24);
    let mut lines = Vec::new();
    let mut fresh = false;
    for source in &ctx.sources {
        match store.get_sync_state(&format!("{source}/run")).await? {
            None => lines.push(format!("source {source}: never synced")),
            Some(v) => match serde_json::from_value::<RunState>(v) {
                Ok(run) => {
                    let recent = run.as_of >= since;
                    fresh |= recent && run.finished;
                    lines.push(format!(
                        "source {source}: last run {} ({}){}",
                        run.as_of.format("%Y-%m-%d %H:%M UTC"),
                        if run.finished { "finished" } else { "not finished" },
                        if recent { "" } else { ", more than 24 hours ago" }
                    ));
                }
                Err(_) => lines.push(format!("source {source}: its sync state is not readable")),
            },
        }
    }
    let overview = store.overview(None).await?;
    let usage = store.usage_status(None).await?;
    let inventory = format!(
        "the inventory holds {} resources in {} environments; usage data runs to {}",
        overview.resources,
        overview.environments,
        usage.last_day.map_or_else(|| "no day yet".to_string(), |d| d.to_string())
    );
    let shown = if ctx.sources.is_empty() {
        format!(
            "No sync source is configured (steward.toml [[sources]]), so the inventory is only as fresh as its last \
             import; {inventory}."
        )
    } else {
        format!("{}; {inventory}.", lines.join("; "))
    };
    Ok(Evidence {
        probe: p,
        holds: Some(fresh),
        figure: Some(overview.resources as f64),
        summary: if fresh {
            "Steward syncs the inventory and usage automatically (last sync within 24 hours)".into()
        } else {
            "No automatic inventory sync in the last 24 hours".into()
        },
        shown,
        link: Some("/inventory".into()),
    })
}

async fn all_environments(store: &dyn Store) -> Result<Vec<steward_store::EnvironmentSummary>, StoreError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_environments(&EnvironmentQuery { limit: Some(500), cursor: cursor.clone(), ..Default::default() })
            .await?;
        out.extend(page.items);
        match page.next {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => return Ok(out),
        }
    }
}

fn names(list: &[String], at_most: usize) -> String {
    let mut shown: Vec<String> = list.iter().take(at_most).cloned().collect();
    if list.len() > at_most {
        shown.push(format!("and {} more", list.len() - at_most));
    }
    shown.join(", ")
}

async fn data_policies(store: &dyn Store) -> Result<Evidence, StoreError> {
    let policies = store.list_data_policies(None).await?;
    let environments = all_environments(store).await?;
    let covered: Vec<&steward_store::EnvironmentSummary> =
        environments.iter().filter(|e| policies.iter().any(|p| p.covers(&e.environment.id))).collect();
    let uncovered: Vec<String> = environments
        .iter()
        .filter(|e| !policies.iter().any(|p| p.covers(&e.environment.id)))
        .map(|e| e.environment.display_name.clone())
        .collect();
    let default_covered = environments
        .iter()
        .filter(|e| e.environment.environment_type == EnvironmentType::Default)
        .all(|e| policies.iter().any(|p| p.covers(&e.environment.id)));
    let policy_names: Vec<String> = policies.iter().map(|p| p.display_name.clone()).collect();
    let holds = !policies.is_empty() && default_covered;
    let summary = if policies.is_empty() {
        "No data policy is in place".to_string()
    } else {
        format!(
            "{} data policies ({}) cover {} of {} environments{}",
            policies.len(),
            names(&policy_names, 5),
            covered.len(),
            environments.len(),
            if uncovered.is_empty() { String::new() } else { format!("; not covered: {}", names(&uncovered, 5)) }
        )
    };
    let shown = format!("{summary}; the default environment is covered: {}.", yes_no(default_covered));
    Ok(Evidence {
        probe: Probe::DataPolicies,
        holds: Some(holds),
        figure: Some(share(covered.len() as u64, environments.len() as u64)),
        summary,
        shown,
        link: Some("/environments".into()),
    })
}

async fn environment_strategy(store: &dyn Store) -> Result<Evidence, StoreError> {
    let environments = all_environments(store).await?;
    let mut by_role: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for e in &environments {
        let role = match e.environment.environment_type {
            EnvironmentType::Production => "production",
            EnvironmentType::Sandbox | EnvironmentType::Developer => "development/test",
            EnvironmentType::Default => "default",
            _ => "other (trial, Teams)",
        };
        let entry = by_role.entry(role).or_default();
        entry.0 += 1;
        entry.1 += e.resource_count;
    }
    let total: u64 = by_role.values().map(|(_, r)| r).sum();
    let count = |role: &str| by_role.get(role).copied().unwrap_or((0, 0));
    let (prod_envs, prod_res) = count("production");
    let (dev_envs, dev_res) = count("development/test");
    let holds = prod_envs > 0 && dev_envs > 0;
    let parts: Vec<String> = by_role
        .iter()
        .map(|(role, (envs, res))| format!("{role}: {envs} environments, {} of resources", percent(share(*res, total))))
        .collect();
    let summary = format!(
        "{} of resources in production and {} in development/test environments",
        percent(share(prod_res, total)),
        percent(share(dev_res, total))
    );
    Ok(Evidence {
        probe: Probe::EnvironmentStrategy,
        holds: Some(holds),
        figure: Some(share(prod_res + dev_res, total)),
        summary,
        shown: format!(
            "{} resources in {} environments — {}. Dedicated production and development/test environments exist: {}.",
            total,
            environments.len(),
            parts.join("; "),
            yes_no(holds)
        ),
        link: Some("/environments".into()),
    })
}

/// Open violations of a built-in policy, and whether an adopted set or a run tracks it.
async fn policy_status(store: &dyn Store, policy_id: &str) -> Result<(bool, u64), StoreError> {
    let summary = store.compliance_summary(None).await?;
    let open: u64 = summary.by_policy.iter().filter(|p| p.policy_id == policy_id).map(|p| p.open).sum();
    let adopted = store
        .active_policy_set()
        .await?
        .is_some_and(|set| set.content.to_string().contains(&format!("\"{policy_id}\"")));
    Ok((adopted || open > 0, open))
}

async fn orphaned(store: &dyn Store) -> Result<Evidence, StoreError> {
    let overview = store.overview(None).await?;
    let (tracked, open) = policy_status(store, "orphaned-resource").await?;
    let campaigns = store.list_campaigns(&CampaignQuery { kind: Some("orphaned".into()), state: None }).await?;
    let holds = overview.orphaned_resources == 0 || !campaigns.is_empty();
    let summary = format!(
        "{} orphaned resources (every owner a leaver); {} orphaned-resource campaigns",
        overview.orphaned_resources,
        campaigns.len()
    );
    Ok(Evidence {
        probe: Probe::OrphanedResources,
        holds: Some(holds),
        figure: Some(overview.orphaned_resources as f64),
        shown: format!("{summary}; policy orphaned-resource tracked: {} ({open} open violations).", yes_no(tracked)),
        summary,
        link: Some("/queues".into()),
    })
}

async fn overshared(store: &dyn Store) -> Result<Evidence, StoreError> {
    let (tracked, open) = policy_status(store, "overshared-app").await?;
    let (orphans_tracked, orphans) = policy_status(store, "orphaned-resource").await?;
    let (unused_tracked, unused) = policy_status(store, "unused-resource").await?;
    let holds = tracked && orphans_tracked && unused_tracked;
    let summary =
        format!("Overshared apps: {open} open violations; orphaned resources: {orphans}; unused resources: {unused}");
    Ok(Evidence {
        probe: Probe::OversharedResources,
        holds: Some(holds),
        figure: Some(open as f64),
        shown: format!(
            "{summary}. Tracked by a policy — overshared-app: {}, orphaned-resource: {}, unused-resource: {}.",
            yes_no(tracked),
            yes_no(orphans_tracked),
            yes_no(unused_tracked)
        ),
        summary,
        link: Some("/compliance".into()),
    })
}

fn service_levels(ctx: &Context) -> Evidence {
    let config = &ctx.responsibility;
    let levels = [&config.service_levels.critical, &config.service_levels.high, &config.service_levels.non_critical];
    let described: Vec<String> = levels.iter().map(|s| format!("{}: {}", level_word(s.level), s.response)).collect();
    let team = &config.platform_team;
    let named_admins = config.environment_admins.values().filter(|v| !v.is_empty()).count();
    let own_file = ctx.responsibility_file.is_some();
    let holds = own_file && !team.members.is_empty() && named_admins > 0;
    let summary = format!("Service levels — {}", described.join("; "));
    Evidence {
        probe: Probe::ServiceLevels,
        holds: Some(holds),
        figure: Some(named_admins as f64),
        shown: format!(
            "{summary}. Configuration: {}. Platform team '{}' with {} members; environment admins named for {} \
             environments or groups.",
            ctx.responsibility_file.as_deref().map_or_else(
                || "the shipped defaults (no `[governance] responsibility` file), not your own".to_string(),
                |f| format!("from {f}")
            ),
            team.name,
            team.members.len(),
            named_admins
        ),
        summary,
        link: Some("/inventory".into()),
    }
}

fn level_word(level: ImpactLevel) -> &'static str {
    match level {
        ImpactLevel::Critical => "critical",
        ImpactLevel::High => "high",
        ImpactLevel::NonCritical => "non-critical",
    }
}

async fn roi(store: &dyn Store) -> Result<Evidence, StoreError> {
    let records = store.value_records(&steward_store::value::ValueQuery::default()).await?;
    let resources: HashSet<&str> = records.iter().map(|r| r.resource_id.as_str()).collect();
    let makers: HashSet<&str> = records.iter().map(|r| r.recorded_by.as_str()).collect();
    let latest = records.iter().map(|r| r.recorded_at).max();
    let summary = if records.is_empty() {
        "No value (ROI) record has been collected".to_string()
    } else {
        format!("{} value records for {} resources, from {} people", records.len(), resources.len(), makers.len())
    };
    Ok(Evidence {
        probe: Probe::RoiCollected,
        holds: Some(!records.is_empty()),
        figure: Some(resources.len() as f64),
        shown: format!(
            "{summary}{}.",
            latest.map_or_else(String::new, |t| format!("; the latest recorded {}", t.format("%Y-%m-%d")))
        ),
        summary,
        link: None,
    })
}

async fn champions(store: &dyn Store, ctx: &Context) -> Result<Evidence, StoreError> {
    let department = match ctx.scope {
        ScopeKind::BusinessUnit => ctx.scope_ref.clone(),
        _ => None,
    };
    let since = (ctx.now - Duration::days(30)).date_naive();
    let mut by_department: BTreeMap<String, u64> = BTreeMap::new();
    let mut active = 0u64;
    let mut cursor = None;
    loop {
        let page = store
            .list_makers(&MakerQuery {
                department: department.clone(),
                limit: Some(500),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await?;
        for m in &page.items {
            if m.leaver || m.last_activity().is_none_or(|d| d < since) {
                continue;
            }
            active += 1;
            let d = m.principal.department.clone().unwrap_or_default();
            let d = if d.trim().is_empty() { "(no department)".to_string() } else { d.trim().to_string() };
            *by_department.entry(d).or_default() += 1;
        }
        match page.next {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    let departments = by_department.keys().filter(|d| d.as_str() != "(no department)").count();
    let holds = match &department {
        Some(_) => active >= CHAMPION_DEPARTMENTS as u64,
        None => departments >= CHAMPION_DEPARTMENTS,
    };
    let mut top: Vec<(&String, &u64)> = by_department.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = top.iter().take(6).map(|(d, n)| format!("{d} {n}")).collect();
    let summary = match &department {
        Some(d) => format!("{active} active makers in {d} in the last 30 days"),
        None => format!("{active} active makers in {departments} departments in the last 30 days"),
    };
    Ok(Evidence {
        probe: Probe::Champions,
        holds: Some(holds),
        figure: Some(active as f64),
        shown: format!(
            "{summary}{}. Steward counts a champions network as evidenced with active makers in at least {} {}.",
            if list.is_empty() { String::new() } else { format!(" ({})", list.join(", ")) },
            CHAMPION_DEPARTMENTS,
            if department.is_some() { "people" } else { "departments" }
        ),
        summary,
        link: Some("/makers".into()),
    })
}

async fn automation(store: &dyn Store) -> Result<Evidence, StoreError> {
    let campaigns = store.list_campaigns(&CampaignQuery::default()).await?;
    let open: Vec<_> = campaigns.iter().filter(|c| c.state == CampaignState::Open).collect();
    let mut kinds: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for c in &open {
        let e = kinds.entry(c.kind.as_str()).or_default();
        e.0 += 1;
        e.1 += c.open_tasks;
    }
    let compliance_running = kinds.contains_key("compliance");
    let list: Vec<String> = kinds.iter().map(|(k, (n, tasks))| format!("{k}: {n} open ({tasks} open tasks)")).collect();
    let summary = if open.is_empty() {
        "No campaign is running".to_string()
    } else {
        format!("{} campaigns running — {}", open.len(), list.join("; "))
    };
    Ok(Evidence {
        probe: Probe::AutomationCampaigns,
        holds: Some(compliance_running),
        figure: Some(open.len() as f64),
        shown: format!(
            "{summary}. {} campaigns in all. Compliance requests are sent, reminded and escalated automatically: {}.",
            campaigns.len(),
            yes_no(compliance_running)
        ),
        summary,
        link: Some("/queues".into()),
    })
}

async fn policies_tracked(store: &dyn Store) -> Result<Evidence, StoreError> {
    let active = store.active_policy_set().await?;
    let runs = store.compliance_runs(1).await?;
    let last = runs.first();
    let holds = last.is_some();
    let summary = match (&active, last) {
        (Some(set), Some(run)) => format!(
            "Policy set {} adopted; last evaluated {} over {} resources",
            set.info.version,
            run.at.format("%Y-%m-%d"),
            run.subjects_evaluated
        ),
        (None, Some(run)) => format!(
            "No policy set adopted; the built-in policies were last evaluated {} over {} resources",
            run.at.format("%Y-%m-%d"),
            run.subjects_evaluated
        ),
        (Some(set), None) => format!("Policy set {} adopted but never evaluated", set.info.version),
        (None, None) => "No policy is tracked".to_string(),
    };
    Ok(Evidence {
        probe: Probe::PoliciesTracked,
        holds: Some(holds),
        figure: last.map(|r| r.findings as f64),
        shown: format!("{summary}."),
        summary,
        link: Some("/compliance".into()),
    })
}

async fn criticality_known(store: &dyn Store) -> Result<Evidence, StoreError> {
    let mut counts = Vec::new();
    for level in [ImpactLevel::Critical, ImpactLevel::High, ImpactLevel::NonCritical] {
        let page = store
            .list_resources(&ResourceQuery { criticality: Some(level), limit: Some(1), ..Default::default() })
            .await?;
        counts.push((level, page.total));
    }
    let known: u64 = counts.iter().map(|(_, n)| n).sum();
    let critical = counts.iter().filter(|(l, _)| *l != ImpactLevel::NonCritical).map(|(_, n)| n).sum::<u64>();
    let summary = format!(
        "Criticality computed from usage for {known} resources: {}",
        counts.iter().map(|(l, n)| format!("{} {n}", level_word(*l))).collect::<Vec<_>>().join(", ")
    );
    Ok(Evidence {
        probe: Probe::CriticalityKnown,
        holds: Some(known > 0),
        figure: Some(critical as f64),
        shown: format!("{summary}."),
        summary,
        link: Some("/inventory?criticality=critical".into()),
    })
}

fn solution(p: Probe, ctx: &Context) -> Evidence {
    let Some(s) = &ctx.solution else {
        return Evidence::unknown(p, "Only a solution assessment reads this from the solution's data");
    };
    let link = Some(format!("/resources/{}", s.resource_id));
    match p {
        Probe::Criticality => {
            let holds = matches!(s.criticality, ImpactLevel::Critical | ImpactLevel::High);
            let summary = format!("{} is {} ({})", s.display_name, level_word(s.criticality), s.criticality_reason);
            Evidence { probe: p, holds: Some(holds), figure: None, shown: format!("{summary}."), summary, link }
        }
        Probe::AudienceEveryone => {
            let holds = s.shared_with_everyone || s.departments_30d >= EVERYONE_DEPARTMENTS;
            let summary = format!(
                "Shared with everyone: {}; used by {} people from {} departments in 30 days",
                yes_no(s.shared_with_everyone),
                s.users_30d,
                s.departments_30d
            );
            Evidence {
                probe: p,
                holds: Some(holds),
                figure: Some(f64::from(s.departments_30d)),
                shown: format!(
                    "{summary}. Steward counts it as used by everyone when shared with everyone or used from {} \
                     departments or more.",
                    EVERYONE_DEPARTMENTS
                ),
                summary,
                link,
            }
        }
        _ => {
            let holds = s.external_users_30d > 0;
            let summary = format!("{} users from outside the tenant in 30 days", s.external_users_30d);
            Evidence {
                probe: p,
                holds: Some(holds),
                figure: Some(s.external_users_30d as f64),
                shown: format!("{summary}."),
                summary,
                link,
            }
        }
    }
}

/// `now` for callers that have no clock of their own.
pub fn now() -> Timestamp {
    Utc::now()
}
