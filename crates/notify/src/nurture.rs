//! Nurture (issue #9 part 5): champions suggested from data, the community directory, and the
//! community-engagement figures the support maturity seed asks for at level 500.
//!
//! **Champion score** (as the CoE Starter Kit's "App Gurus": makers others rely on). Over the last
//! 30 days, for each maker still in the directory:
//! - *active resources*: resources they own with at least one use — 3 points each, at most 10
//!   counted (30 points);
//! - *breadth*: distinct connectors across the resources they own — 2 points each, at most 20
//!   counted (40 points);
//! - *reach*: users served — distinct people across their resources (someone who uses two of
//!   their resources counts once; see [`crate::reach`]) — 1 point per 10 users, at most 30 points.
//!
//! At most 100 points. Makers with no active resource are never suggested. Each suggestion comes
//! with its reasons in words, so the CoE can judge it.

use crate::NotifyError;
use crate::messages::all_makers;
use crate::reach::{self, ResourceReach};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use steward_model::Timestamp;
use steward_store::campaigns::TaskQuery;
use steward_store::exemption_requests::{ExemptionRequestQuery, RequestState};
use steward_store::{ResourceQuery, Store};

fn source(what: &'static str) -> impl Fn(steward_store::StoreError) -> NotifyError {
    move |e| NotifyError::Source { what, reason: e.to_string() }
}

/// One maker's figures over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakerFigures {
    pub active_resources: u64,
    pub connectors: u64,
    pub users_served: u64,
}

/// The score of some figures, out of 100 (see the module documentation).
pub fn champion_score(f: &MakerFigures) -> u32 {
    let active = f.active_resources.min(10) * 3;
    let breadth = f.connectors.min(20) * 2;
    let reach = (f.users_served / 10).min(30);
    u32::try_from(active + breadth + reach).unwrap_or(100)
}

/// Why a maker scores, in words.
pub fn reasons(f: &MakerFigures) -> Vec<String> {
    let mut out = vec![format!(
        "{} resource{} used in the last 30 days",
        f.active_resources,
        if f.active_resources == 1 { "" } else { "s" }
    )];
    if f.connectors > 0 {
        out.push(format!("{} distinct connector{}", f.connectors, if f.connectors == 1 { "" } else { "s" }));
    }
    if f.users_served > 0 {
        out.push(format!("{} users served", f.users_served));
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Champion {
    pub principal_id: String,
    pub display_name: String,
    pub department: Option<String>,
    pub score: u32,
    pub figures: MakerFigures,
    pub reasons: Vec<String>,
}

/// Every maker's figures over the 30 days to `now`.
async fn figures(store: &dyn Store, now: Timestamp) -> Result<HashMap<String, MakerFigures>, NotifyError> {
    let to = now.date_naive();
    let from = to - Duration::days(29);
    let usage: HashMap<String, ResourceReach> =
        reach::resources(store, from, to).await?.into_iter().filter(|(_, r)| r.uses > 0).collect();
    let owner_of = reach::owners(store, usage.keys().cloned().collect()).await?;
    let people = reach::people_by_owner(&usage, &owner_of);
    let mut out: HashMap<String, MakerFigures> = HashMap::new();
    for owner in usage.keys().filter_map(|id| owner_of.get(id)) {
        let f = out.entry(owner.clone()).or_default();
        f.active_resources += 1;
        f.users_served = people.get(owner).copied().unwrap_or(0);
    }
    // Connectors: read the resources of makers with activity (only they can be suggested).
    for (owner, f) in out.iter_mut() {
        let mut connectors = BTreeSet::new();
        let mut cursor = None;
        loop {
            let page = store
                .list_resources(&ResourceQuery {
                    owner: Some(owner.clone()),
                    limit: Some(500),
                    cursor: cursor.clone(),
                    ..Default::default()
                })
                .await
                .map_err(source("resources"))?;
            for r in &page.items {
                connectors.extend(r.connection_references.iter().map(|c| c.connector_id.clone()));
            }
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        f.connectors = connectors.len() as u64;
    }
    Ok(out)
}

/// Suggested champions, best first, at most `limit`.
pub async fn champions(store: &dyn Store, now: Timestamp, limit: usize) -> Result<Vec<Champion>, NotifyError> {
    let figures = figures(store, now).await?;
    let makers = all_makers(store).await?;
    let mut out: Vec<Champion> = makers
        .into_iter()
        .filter(|m| !m.leaver)
        .filter_map(|m| {
            let f = figures.get(&m.principal.id)?.clone();
            (f.active_resources > 0).then(|| Champion {
                score: champion_score(&f),
                reasons: reasons(&f),
                principal_id: m.principal.id.clone(),
                display_name: m.principal.display_name.clone(),
                department: m.principal.department.clone(),
                figures: f,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.display_name.cmp(&b.display_name)));
    out.truncate(limit);
    Ok(out)
}

/// One maker in the community directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub principal_id: String,
    pub display_name: String,
    pub upn: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    pub resources: u64,
    pub skills: Vec<String>,
}

/// The makers' directory, by department then name, optionally narrowed to a department or a
/// skill (case-insensitive).
pub async fn directory(
    store: &dyn Store,
    department: Option<&str>,
    skill: Option<&str>,
) -> Result<BTreeMap<String, Vec<DirectoryEntry>>, NotifyError> {
    let skills: HashMap<String, Vec<String>> =
        store.list_maker_skills().await?.into_iter().map(|s| (s.principal_id, s.skills)).collect();
    let wanted_dept = department.map(str::to_lowercase).filter(|d| !d.is_empty());
    let wanted_skill = skill.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let mut out: BTreeMap<String, Vec<DirectoryEntry>> = BTreeMap::new();
    for m in all_makers(store).await?.into_iter().filter(|m| !m.leaver) {
        let dept = m.principal.department.clone();
        if wanted_dept.as_ref().is_some_and(|w| dept.as_deref().map(str::to_lowercase).as_ref() != Some(w)) {
            continue;
        }
        let s = skills.get(&m.principal.id).cloned().unwrap_or_default();
        if wanted_skill.as_ref().is_some_and(|w| !s.iter().any(|x| x.contains(w.as_str()))) {
            continue;
        }
        out.entry(dept.clone().unwrap_or_else(|| "(no department)".into())).or_default().push(DirectoryEntry {
            principal_id: m.principal.id.clone(),
            display_name: m.principal.display_name.clone(),
            upn: m.principal.upn.clone(),
            department: dept,
            job_title: m.principal.job_title.clone(),
            resources: m.resource_count,
            skills: s,
        });
    }
    for entries in out.values_mut() {
        entries.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    }
    Ok(out)
}

/// The community-engagement figures over the 30 days to `now`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub window_days: u32,
    /// Makers whose resources were used or changed in the window.
    pub active_makers: u64,
    /// Campaign tasks answered (closed) plus exemption and catalog access requests decided.
    pub answered_requests: u64,
    pub campaign_tasks_answered: u64,
    pub exemption_requests_decided: u64,
    pub access_requests_decided: u64,
    /// From the feedback form.
    pub feedback: steward_store::notifications::FeedbackSummary,
}

pub async fn engagement(store: &dyn Store, now: Timestamp) -> Result<Engagement, NotifyError> {
    let since = now - Duration::days(30);
    let since_day = since.date_naive();
    let active_makers = all_makers(store)
        .await?
        .iter()
        .filter(|m| !m.leaver && m.last_activity().is_some_and(|d| d >= since_day))
        .count() as u64;
    let campaign_tasks_answered = store
        .list_campaign_tasks(&TaskQuery { open: Some(false), ..Default::default() })
        .await
        .map_err(source("campaign tasks"))?
        .iter()
        .filter(|t| t.updated_at >= since)
        .count() as u64;
    let exemption_requests_decided = store
        .list_exemption_requests(&ExemptionRequestQuery::default())
        .await
        .map_err(source("exemption requests"))?
        .iter()
        .filter(|r| r.state != RequestState::Requested && r.decided_at.is_some_and(|d| d >= since))
        .count() as u64;
    let access_requests_decided = store
        .list_access_requests(&Default::default())
        .await
        .map_err(source("catalog access requests"))?
        .iter()
        .filter(|r| r.decided_at.is_some_and(|d| d >= since))
        .count() as u64;
    let answers = store.list_feedback(since).await?;
    Ok(Engagement {
        window_days: 30,
        active_makers,
        answered_requests: campaign_tasks_answered + exemption_requests_decided + access_requests_decided,
        campaign_tasks_answered,
        exemption_requests_decided,
        access_requests_decided,
        feedback: steward_store::notifications::FeedbackSummary::of(&answers),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_weighs_activity_breadth_and_reach_with_caps() {
        let f = |a, c, u| MakerFigures { active_resources: a, connectors: c, users_served: u };
        assert_eq!(champion_score(&f(1, 0, 0)), 3);
        assert_eq!(champion_score(&f(2, 5, 120)), 6 + 10 + 12);
        assert_eq!(champion_score(&f(50, 50, 5000)), 100, "capped at 100");
        assert!(champion_score(&f(1, 8, 0)) > champion_score(&f(3, 0, 0)), "breadth counts");
        assert_eq!(reasons(&f(1, 1, 0)), vec!["1 resource used in the last 30 days", "1 distinct connector"]);
    }
}
