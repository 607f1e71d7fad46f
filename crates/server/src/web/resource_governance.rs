//! The governance part of a resource's page: who answers for it and how fast (criticality with
//! its reasons, service level, support risk profile with next steps, RACI with names), and what
//! compliance recorded (open violations with their remediation, exemptions, the history).

use crate::AppState;
use crate::api::governance::{self, ExemptionView, ResourceViolations, ViolationView};
use crate::api::responsibility;
use crate::error::ApiError;
use crate::web::compliance::{level_class, level_label, state_label};
use crate::web::format;
use crate::web::links::Href;
use std::collections::HashMap;
use steward_model::{Governance, ImpactLevel, Resource};
use steward_responsibility::{Role, tier_label};
use steward_store::governance::EventKind;

/// Everything the resource page shows about governance.
#[derive(Debug, Clone)]
pub struct ResourceGovernance {
    pub criticality: CriticalityView,
    pub service: ServiceView,
    pub support: SupportView,
    pub raci: RaciView,
    pub violations: Vec<ViolationCard>,
    pub exemptions: Vec<ExemptionRow>,
    pub history: Vec<HistoryRow>,
    /// Resolved episodes, for the history's heading.
    pub resolved: usize,
}

#[derive(Debug, Clone)]
pub struct CriticalityView {
    pub level: &'static str,
    pub level_class: &'static str,
    pub usage_level: &'static str,
    pub declared: &'static str,
    pub decided_by: String,
    pub reasons: Vec<ReasonRow>,
    pub as_of: String,
    pub usage: String,
}

#[derive(Debug, Clone)]
pub struct ReasonRow {
    pub text: String,
    pub level: &'static str,
    pub decisive: bool,
}

#[derive(Debug, Clone)]
pub struct ServiceView {
    pub response: String,
    pub coverage: &'static str,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct SupportView {
    pub profile: &'static str,
    pub required: &'static str,
    pub meets: bool,
    pub declared: &'static str,
    pub why: Vec<String>,
    pub steps: Vec<StepRow>,
}

#[derive(Debug, Clone)]
pub struct StepRow {
    pub text: String,
    pub because: String,
    pub toward: &'static str,
    pub needed: bool,
}

#[derive(Debug, Clone)]
pub struct RaciView {
    pub level: &'static str,
    pub roles: Vec<RoleRow>,
    pub heads: Vec<&'static str>,
    pub activities: Vec<ActivityRow>,
}

#[derive(Debug, Clone)]
pub struct RoleRow {
    pub label: String,
    pub summary: String,
    pub named: bool,
}

#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub title: String,
    pub cells: Vec<RaciCell>,
}

#[derive(Debug, Clone)]
pub struct RaciCell {
    pub assignment: &'static str,
    pub who: String,
}

#[derive(Debug, Clone)]
pub struct ViolationCard {
    pub policy: String,
    pub policy_id: String,
    pub policy_href: String,
    pub level: &'static str,
    pub level_class: &'static str,
    pub state: &'static str,
    pub state_class: &'static str,
    pub opened: String,
    pub last_seen: String,
    pub remediation: String,
    /// The facts the condition read: "resource.shared_users = 25".
    pub evidence: Vec<String>,
    pub exemption: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ExemptionRow {
    pub id: i64,
    pub policy: String,
    pub scope: String,
    pub reason: String,
    pub approved_by: String,
    pub status: String,
    pub status_class: &'static str,
    pub expires: String,
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub at: String,
    pub policy: String,
    pub event: &'static str,
    pub event_class: &'static str,
    pub note: String,
}

pub fn impact_label(level: ImpactLevel) -> &'static str {
    match level {
        ImpactLevel::Critical => "Critical",
        ImpactLevel::High => "High",
        ImpactLevel::NonCritical => "Non-critical",
    }
}

fn impact_class(level: ImpactLevel) -> &'static str {
    match level {
        ImpactLevel::Critical => "badge badge-bad",
        ImpactLevel::High => "badge badge-warn",
        ImpactLevel::NonCritical => "badge badge-muted",
    }
}

fn event_label(kind: EventKind) -> (&'static str, &'static str) {
    match kind {
        EventKind::Opened => ("Opened", "badge badge-bad"),
        EventKind::Exempted => ("Exempted", "badge badge-muted"),
        EventKind::Reopened => ("Reopened", "badge badge-warn"),
        EventKind::Resolved => ("Resolved", "badge badge-ok"),
    }
}

pub async fn load(
    state: &AppState,
    resource: &Resource,
    governance: &Governance,
) -> Result<ResourceGovernance, ApiError> {
    let assessed = responsibility::assess_resource(state, resource, governance).await?;
    let recorded = governance::resource_violations(state, &resource.id).await?.unwrap_or_else(|| ResourceViolations {
        resource_id: resource.id.clone(),
        current: Vec::new(),
        resolved: Vec::new(),
        history: Vec::new(),
        exemptions: Vec::new(),
    });
    let r = &assessed.responsibility;
    let input = &assessed.input;

    let criticality = CriticalityView {
        level: impact_label(r.criticality),
        level_class: impact_class(r.criticality),
        usage_level: impact_label(r.usage_level),
        declared: r.declared_impact.map_or("Not declared", impact_label),
        decided_by: match r.decided_by.as_str() {
            steward_responsibility::DECLARED => "the declared business impact".to_string(),
            steward_responsibility::DEFAULT => "the default (no rule matched)".to_string(),
            rule => format!("rule {rule}"),
        },
        reasons: r
            .reasons
            .iter()
            .map(|x| ReasonRow { text: x.text.clone(), level: impact_label(x.level), decisive: x.decisive })
            .collect(),
        as_of: assessed.as_of.to_string(),
        usage: format!(
            "{} uses by {} users from {} departments on {} days",
            format::count(input.uses_30d),
            format::count(input.users_30d),
            input.departments_30d,
            input.active_days_30d
        ),
    };
    let s = &r.service_level;
    let service =
        ServiceView { response: s.response.clone(), coverage: s.coverage.label(), description: s.description.clone() };
    let p = &r.support_profile;
    let support = SupportView {
        profile: tier_label(p.profile),
        required: tier_label(p.required),
        meets: p.meets_required,
        declared: p.declared.map_or("Not declared", tier_label),
        why: p.why.clone(),
        steps: r
            .next_steps
            .iter()
            .map(|n| StepRow {
                text: n.text.clone(),
                because: n.because.clone(),
                toward: tier_label(n.toward),
                needed: n.needed,
            })
            .collect(),
    };
    let raci = RaciView {
        level: impact_label(r.raci.level),
        roles: r
            .raci
            .roles
            .iter()
            .map(|h| RoleRow { label: h.label.clone(), summary: h.summary.clone(), named: h.named })
            .collect(),
        heads: Role::ALL.iter().map(|role| role.label()).collect(),
        activities: r
            .raci
            .activities
            .iter()
            .map(|a| ActivityRow {
                title: a.title.clone(),
                cells: a
                    .cells
                    .iter()
                    .map(|c| RaciCell { assignment: c.assignment.as_str(), who: c.who.clone() })
                    .collect(),
            })
            .collect(),
    };

    let titles: HashMap<String, String> = recorded
        .current
        .iter()
        .chain(&recorded.resolved)
        .filter_map(|v| v.policy_title.clone().map(|t| (v.violation.policy_id.clone(), t)))
        .collect();
    let title = |id: &str| titles.get(id).cloned().unwrap_or_else(|| id.to_string());
    let violations = recorded.current.iter().map(card).collect();
    let exemptions = recorded.exemptions.iter().map(|e| exemption_row(e, &title(&e.exemption.policy_id))).collect();
    let history = recorded
        .history
        .iter()
        .rev()
        .map(|e| {
            let (event, event_class) = event_label(e.kind);
            HistoryRow {
                at: format::date_time(Some(e.at)),
                policy: title(&e.policy_id),
                event,
                event_class,
                note: e.note.clone().unwrap_or_default(),
            }
        })
        .collect();
    Ok(ResourceGovernance {
        criticality,
        service,
        support,
        raci,
        violations,
        exemptions,
        history,
        resolved: recorded.resolved.len(),
    })
}

fn card(v: &ViolationView) -> ViolationCard {
    let x = &v.violation;
    let (state, state_class) = state_label(x.state);
    let evidence = match &x.evidence {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k} = \"{s}\""),
                other => format!("{k} = {other}"),
            })
            .collect(),
        _ => Vec::new(),
    };
    ViolationCard {
        policy: v.policy_title.clone().unwrap_or_else(|| x.policy_id.clone()),
        policy_id: x.policy_id.clone(),
        policy_href: Href::new("/compliance").param("policy", Some(&x.policy_id)).fragment("violations").build(),
        level: level_label(x.level),
        level_class: level_class(x.level),
        state,
        state_class,
        opened: format::date_time(Some(x.opened_at)),
        last_seen: format::date_time(Some(x.last_seen_at)),
        remediation: v
            .remediation
            .clone()
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| "The policy is no longer in the active set; ask the CoE team.".into()),
        evidence,
        exemption: x.exemption_id.map(|id| format!("exemption #{id}")),
    }
}

fn exemption_row(e: &ExemptionView, policy: &str) -> ExemptionRow {
    let x = &e.exemption;
    ExemptionRow {
        id: x.id,
        policy: policy.to_string(),
        scope: match (&x.subject_id, &x.environment_id) {
            (Some(_), _) => "this resource".into(),
            (None, Some(_)) => "every subject in its environment".into(),
            (None, None) => "—".into(),
        },
        reason: x.reason.clone(),
        approved_by: x.approved_by.clone(),
        status_class: match e.status.as_str() {
            "active" => "badge badge-ok",
            "revoked" => "badge badge-bad",
            _ => "badge badge-muted",
        },
        status: format::humanize(&e.status),
        expires: x.expires_at.map(|t| format::date_time(Some(t))).unwrap_or_else(|| "never".into()),
    }
}
