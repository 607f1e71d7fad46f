//! The ALM decision for one solution, and the findings: resources above a criticality threshold
//! with no managed ALM.
//!
//! From the ALM seed's quick start: the ALM Accelerator (or another managed ALM approach) is a
//! good match when the solution's impact calls for it (critical or high business impact, used by
//! everyone, by leadership for decisions, by external users, or with compliance and auditing
//! needs) and the prerequisites are in place (an environment strategy, Azure DevOps for source
//! control and pipelines, the licences). The decision is:
//! - **in place** — the solution's assessment records that managed ALM is in place;
//! - **now** — the impact calls for it and every prerequisite is in place;
//! - **later** — the impact calls for it, but prerequisites are missing or not answered (listed);
//! - **not needed** — nothing in its impact calls for it yet.
//!
//! Where "ALM in place" is recorded: the answer to question [`ALM_IN_PLACE`] in the solution's
//! latest assessment (a Steward addition to the ALM model). Governance metadata has no such
//! field, and an answer has who, when, a comment and links, which a flag would not.

use crate::evidence::{EVERYONE_DEPARTMENTS, SolutionFacts};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use steward_model::ImpactLevel;
use steward_store::maturity::{Answer, AnswerValue, AssessmentQuery, ScopeKind};
use steward_store::{ResourceQuery, Store, StoreError};

/// The question whose answer records that managed ALM is in place for a solution.
pub const ALM_IN_PLACE: &str = "alm.in-place";

/// The quick-start prerequisites, as (question id, what it is).
pub const PREREQUISITES: &[(&str, &str)] = &[
    ("alm.prerequisites.environments", "an environment strategy for development, validation, test and production"),
    ("alm.prerequisites.devops", "Azure DevOps (or an integration with it) for source control and build pipelines"),
    ("alm.prerequisites.licences.devops", "Azure DevOps Basic (or above) licences for makers"),
    (
        "alm.prerequisites.licences.powerapps",
        "Per App or Per User Power Apps licences for the ALM Accelerator's maker app",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    InPlace,
    Now,
    Later,
    NotNeeded,
}

impl Fit {
    pub fn label(self) -> &'static str {
        match self {
            Fit::InPlace => "Managed ALM is in place",
            Fit::Now => "Fits now",
            Fit::Later => "Fits later, once the prerequisites are in place",
            Fit::NotNeeded => "Not needed yet",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Fit::InPlace => "in_place",
            Fit::Now => "now",
            Fit::Later => "later",
            Fit::NotNeeded => "not_needed",
        }
    }
}

/// A prerequisite that is not in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    pub question_id: String,
    pub what: String,
    /// `false`: answered no; `true`: not answered yet.
    pub unanswered: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlmDecision {
    pub resource_id: String,
    pub fit: Fit,
    /// What calls for managed ALM (empty when nothing does).
    pub needs: Vec<String>,
    /// Why the decision is what it is, in sentences.
    pub reasons: Vec<String>,
    pub missing: Vec<Missing>,
    /// The solution assessment the answers came from.
    pub assessment_id: Option<i64>,
}

fn rank(level: ImpactLevel) -> u8 {
    match level {
        ImpactLevel::NonCritical => 0,
        ImpactLevel::High => 1,
        ImpactLevel::Critical => 2,
    }
}

/// Whether a criticality is at or above the threshold.
pub fn at_or_above(level: ImpactLevel, threshold: ImpactLevel) -> bool {
    rank(level) >= rank(threshold)
}

fn yes(answers: &HashMap<&str, &Answer>, id: &str) -> Option<bool> {
    match answers.get(id).and_then(|a| a.value.as_ref()) {
        Some(AnswerValue::YesNo(b)) => Some(*b),
        Some(AnswerValue::Scale(n)) => Some(*n >= 4),
        Some(AnswerValue::Text(t)) => Some(!t.trim().is_empty()),
        _ => None,
    }
}

/// The decision for a solution from its facts and the answers of its latest assessment (empty
/// when it has none). `threshold` is the criticality from which managed ALM is called for.
pub fn decide(
    facts: &SolutionFacts,
    answers: &[Answer],
    assessment_id: Option<i64>,
    threshold: ImpactLevel,
) -> AlmDecision {
    let by_id: HashMap<&str, &Answer> = answers.iter().map(|a| (a.question_id.as_str(), a)).collect();
    let mut needs = Vec::new();
    if at_or_above(facts.criticality, threshold) {
        needs.push(format!("its criticality is {} ({})", word(facts.criticality), facts.criticality_reason));
    } else if yes(&by_id, "alm.impact.critical") == Some(true) {
        needs.push("its assessment classifies it as critical or high business impact".into());
    }
    if facts.shared_with_everyone || facts.departments_30d >= EVERYONE_DEPARTMENTS {
        needs.push(format!(
            "it reaches the whole organisation (shared with everyone: {}, {} departments used it in 30 days)",
            if facts.shared_with_everyone { "yes" } else { "no" },
            facts.departments_30d
        ));
    } else if yes(&by_id, "alm.impact.audience.everyone") == Some(true) {
        needs.push("it is a productivity application used by everyone".into());
    }
    if yes(&by_id, "alm.impact.audience.leadership") == Some(true) {
        needs.push("senior leadership uses it to make business impact decisions".into());
    }
    if facts.external_users_30d > 0 {
        needs.push(format!("{} external users used it in 30 days", facts.external_users_30d));
    } else if yes(&by_id, "alm.impact.audience.external") == Some(true) {
        needs.push("partners or customers rely on it".into());
    }
    if yes(&by_id, "alm.impact.compliance.requirements") == Some(true)
        || yes(&by_id, "alm.impact.compliance.tracking") == Some(true)
    {
        needs.push("it has compliance and auditing needs".into());
    }

    let missing: Vec<Missing> = PREREQUISITES
        .iter()
        .filter_map(|(id, what)| match yes(&by_id, id) {
            Some(true) => None,
            answer => {
                Some(Missing { question_id: id.to_string(), what: what.to_string(), unanswered: answer.is_none() })
            }
        })
        .collect();

    let mut reasons = Vec::new();
    let fit = if yes(&by_id, ALM_IN_PLACE) == Some(true) {
        reasons.push(
            "its assessment records that it is managed with the ALM Accelerator or another managed ALM approach".into(),
        );
        Fit::InPlace
    } else if needs.is_empty() {
        reasons.push(format!(
            "nothing in its impact calls for managed ALM: its criticality is {}, below the {} threshold, and no wide, \
             leadership or external audience or compliance need is known",
            word(facts.criticality),
            word(threshold)
        ));
        reasons.push(
            "solutions moved between environments by the maker (or Power Platform pipelines) are enough; decide again \
             when its use grows"
                .into(),
        );
        Fit::NotNeeded
    } else if missing.is_empty() {
        reasons.push(format!("managed ALM is called for because {}", needs.join("; ")));
        reasons.push("every prerequisite is in place".into());
        Fit::Now
    } else {
        reasons.push(format!("managed ALM is called for because {}", needs.join("; ")));
        let (no, unknown): (Vec<&Missing>, Vec<&Missing>) = missing.iter().partition(|m| !m.unanswered);
        if !no.is_empty() {
            reasons.push(format!("missing: {}", no.iter().map(|m| m.what.as_str()).collect::<Vec<_>>().join("; ")));
        }
        if !unknown.is_empty() {
            reasons.push(format!(
                "not answered yet: {}",
                unknown.iter().map(|m| m.what.as_str()).collect::<Vec<_>>().join("; ")
            ));
        }
        Fit::Later
    };
    AlmDecision { resource_id: facts.resource_id.clone(), fit, needs, reasons, missing, assessment_id }
}

fn word(level: ImpactLevel) -> &'static str {
    match level {
        ImpactLevel::Critical => "critical",
        ImpactLevel::High => "high",
        ImpactLevel::NonCritical => "non-critical",
    }
}

/// A resource above the threshold without managed ALM recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub resource_id: String,
    pub display_name: String,
    pub kind: steward_model::ResourceKind,
    pub environment_id: String,
    pub owner_id: Option<String>,
    pub criticality: ImpactLevel,
    /// The latest solution assessment of the resource, if any.
    pub assessment_id: Option<i64>,
    /// "no solution assessment", "answered no", "not answered".
    pub state: String,
}

/// The latest solution assessment per resource id with its answers.
pub async fn latest_solution_answers(store: &dyn Store) -> Result<HashMap<String, (i64, Vec<Answer>)>, StoreError> {
    let assessments =
        store.list_assessments(&AssessmentQuery { scope: Some(ScopeKind::Solution), ..Default::default() }).await?;
    let mut latest: HashMap<String, i64> = HashMap::new();
    for a in &assessments {
        if let Some(r) = &a.scope_ref {
            // Listed by id, so a later id is a later assessment.
            latest.insert(r.clone(), a.id);
        }
    }
    let mut out = HashMap::new();
    for (resource, id) in latest {
        let answers = store.assessment_answers(id).await?;
        out.insert(resource, (id, answers));
    }
    Ok(out)
}

/// Resources with a computed criticality at or above `threshold` whose latest solution
/// assessment does not record managed ALM, most critical first, then by name; at most `limit`
/// per criticality level (the page says when the list is cut). `owned_by` narrows to a maker's own.
pub async fn findings(
    store: &dyn Store,
    threshold: ImpactLevel,
    owned_by: Option<&str>,
    limit: u32,
) -> Result<Vec<Finding>, StoreError> {
    let recorded = latest_solution_answers(store).await?;
    let mut out = Vec::new();
    for level in [ImpactLevel::Critical, ImpactLevel::High, ImpactLevel::NonCritical] {
        if !at_or_above(level, threshold) {
            continue;
        }
        let page = store
            .list_resources(&ResourceQuery {
                criticality: Some(level),
                owned_by: owned_by.map(str::to_string),
                limit: Some(limit),
                ..Default::default()
            })
            .await?;
        for r in page.items {
            let latest = recorded.get(&r.id);
            let state = match latest {
                None => "no solution assessment".to_string(),
                Some((_, answers)) => {
                    match answers.iter().find(|a| a.question_id == ALM_IN_PLACE).and_then(|a| a.value.as_ref()) {
                        Some(AnswerValue::YesNo(true)) => continue,
                        Some(_) => "answered no".to_string(),
                        None => "not answered".to_string(),
                    }
                }
            };
            out.push(Finding {
                resource_id: r.id.clone(),
                display_name: r.display_name.clone(),
                kind: r.kind,
                environment_id: r.environment_id.clone(),
                owner_id: r.owners.first().map(|o| o.principal_id.clone()),
                criticality: level,
                assessment_id: latest.map(|(id, _)| *id),
                state,
            });
        }
    }
    Ok(out)
}
