//! What Steward says and to whom: each builder reads the store and answers [`Outgoing`]
//! messages with their idempotency parts (subject and period), so running a builder twice for
//! the same period queues nothing new.

use crate::NotifyConfig;
use crate::NotifyError;
use crate::dispatch::{Outgoing, Recipient};
use chrono::{Datelike, Duration};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use steward_model::Timestamp;
use steward_policy::model::PolicySet;
use steward_report::Month;
use steward_store::Store;
use steward_store::auth::User;
use steward_store::campaigns::TaskQuery;
use steward_store::governance::{ViolationQuery, ViolationState};
use steward_store::inventory::MakerQuery;
use steward_store::notifications::MessageKind;
use steward_store::success::{DetectionQuery, DetectionState};
use steward_value::Rates;

pub use crate::maker_summary::maker_summaries;

pub(crate) fn source(what: &'static str) -> impl Fn(steward_store::StoreError) -> NotifyError {
    move |e| NotifyError::Source { what, reason: e.to_string() }
}

/// `2026-W48`: the ISO week, the period of weekly messages.
pub fn iso_week(t: Timestamp) -> String {
    let w = t.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// "+3", "-1", "±0".
fn delta(change: i64) -> String {
    match change {
        0 => "±0".into(),
        n if n > 0 => format!("+{n}"),
        n => n.to_string(),
    }
}

/// How to reach principals: the Steward user who is them (by username), or the principal itself
/// by its UPN.
pub struct People {
    users_by_principal: HashMap<String, User>,
}

impl People {
    pub async fn load(store: &dyn Store) -> Result<People, NotifyError> {
        let users = store.list_users().await.map_err(source("users"))?;
        Ok(People {
            users_by_principal: users.into_iter().filter_map(|u| u.principal_id.clone().map(|p| (p, u))).collect(),
        })
    }

    pub async fn recipient(&self, store: &dyn Store, principal_id: &str) -> Result<Option<Recipient>, NotifyError> {
        if let Some(u) = self.users_by_principal.get(principal_id) {
            return Ok(Some(Recipient {
                key: u.username.clone(),
                name: u.display_name.clone(),
                email: u.email.clone(),
            }));
        }
        let Some(p) = store.get_principal(principal_id).await.map_err(source("principals"))? else {
            return Ok(None);
        };
        Ok(Some(Recipient {
            key: format!("principal:{}", p.id),
            name: p.display_name.clone(),
            email: p.upn.clone().filter(|u| u.contains('@')),
        }))
    }
}

/// The board's recipients from `[notify] board`: usernames, e-mail addresses or teams.
pub async fn board_recipients(store: &dyn Store, config: &NotifyConfig) -> Result<Vec<Recipient>, NotifyError> {
    let mut out = Vec::new();
    for entry in &config.board {
        if let Some(team) = entry.strip_prefix("team:") {
            out.push(Recipient::team(team));
        } else if entry.contains('@') {
            out.push(Recipient { key: entry.clone(), name: entry.clone(), email: Some(entry.clone()) });
        } else if let Some(u) = store.user_by_username(entry).await.map_err(source("users"))? {
            out.push(Recipient { key: u.username.clone(), name: u.display_name.clone(), email: u.email.clone() });
        } else {
            tracing::warn!(username = %entry, "[notify] board names an unknown user; skipped");
        }
    }
    Ok(out)
}

/// The weekly governance board digest: this month's board report so far, as e-mail.
pub async fn board_digest(
    store: &dyn Store,
    config: &NotifyConfig,
    now: Timestamp,
) -> Result<Vec<Outgoing>, NotifyError> {
    let recipients = board_recipients(store, config).await?;
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let month = Month::of(now.date_naive());
    let report = steward_report::gather(store, month, None)
        .await
        .map_err(|e| NotifyError::Source { what: "board report", reason: e.to_string() })?;
    let titles = rule_titles(store).await;
    let candidates = steward_report::success_candidates(store, month, None, &titles)
        .await
        .map_err(|e| NotifyError::Source { what: "board report", reason: e.to_string() })?;
    let report = report.with_success(candidates.clone());
    let open = store
        .list_violations(&ViolationQuery { states: vec![ViolationState::Open], ..Default::default() })
        .await
        .map_err(source("violations"))?
        .len();
    let fragment = steward_report::render_html_fragment(&report)
        .map_err(|e| NotifyError::Source { what: "board report", reason: e.to_string() })?;
    let change = |c: &steward_report::Change| json!({"current": c.current, "delta": delta(c.change)});
    let t = &report.totals;
    let report_url = format!("{}/reports/board?period={month}", config.base_url);
    let context = json!({
        "period": month.long_label(),
        "as_of": now.format("%Y-%m-%d").to_string(),
        "totals": {
            "resources": change(&t.resources),
            "makers": change(&t.makers),
            "active_users": change(&t.active_users),
            "environments": change(&t.environments),
        },
        "compliance": {"open": open},
        "candidates": candidates.iter().map(|c| json!({
            "display_name": c.display_name, "figures": c.figures, "rule_title": c.rule_title,
        })).collect::<Vec<_>>(),
        "report_html": fragment,
        "report_url": report_url,
        "facts": [
            {"name": "Resources", "value": format!("{} ({})", t.resources.current, delta(t.resources.change))},
            {"name": "Makers", "value": format!("{} ({})", t.makers.current, delta(t.makers.change))},
            {"name": "Monthly active users", "value": format!("{} ({})", t.active_users.current, delta(t.active_users.change))},
            {"name": "Open violations", "value": open.to_string()},
        ],
        "actions": [{"label": "Open the board report", "url": report_url}],
    });
    Ok(recipients
        .into_iter()
        .map(|recipient| Outgoing {
            kind: MessageKind::BoardDigest,
            recipient,
            subject_key: "board".into(),
            period: iso_week(now),
            context: context.clone(),
        })
        .collect())
}

async fn rule_titles(store: &dyn Store) -> HashMap<String, String> {
    match steward_success::active_rules(store).await {
        Ok(active) => active.rules.rules.into_iter().map(|r| (r.id, r.title)).collect(),
        Err(error) => {
            tracing::warn!(%error, "success rule titles unavailable; candidates show rule ids");
            HashMap::new()
        }
    }
}

/// New success candidates (first detected within the look-back, still `new`) to the board, once
/// a week.
pub async fn success_candidates(
    store: &dyn Store,
    config: &NotifyConfig,
    now: Timestamp,
) -> Result<Vec<Outgoing>, NotifyError> {
    let since = now - Duration::days(i64::from(config.lookback_days));
    let fresh: HashSet<String> = store
        .list_detections(&DetectionQuery { state: Some(DetectionState::New), active: Some(true), ..Default::default() })
        .await
        .map_err(source("success detections"))?
        .into_iter()
        .filter(|d| d.first_detected_at >= since)
        .map(|d| d.resource_id)
        .collect();
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let month = Month::of(now.date_naive());
    let titles = rule_titles(store).await;
    let candidates: Vec<_> = steward_report::success_candidates(store, month, None, &titles)
        .await
        .map_err(|e| NotifyError::Source { what: "success candidates", reason: e.to_string() })?
        .into_iter()
        .filter(|c| fresh.contains(&c.resource_id))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let review_url = format!("{}/queues", config.base_url);
    let context = json!({
        "period": month.long_label(),
        "candidates": candidates.iter().map(|c| json!({
            "display_name": c.display_name, "figures": c.figures, "rule_title": c.rule_title,
            "url": format!("{}/resources/{}", config.base_url, c.resource_id),
        })).collect::<Vec<_>>(),
        "review_url": review_url,
        "actions": [{"label": "Review the candidates", "url": review_url}],
    });
    Ok(board_recipients(store, config)
        .await?
        .into_iter()
        .map(|recipient| Outgoing {
            kind: MessageKind::SuccessCandidates,
            recipient,
            subject_key: "board".into(),
            period: iso_week(now),
            context: context.clone(),
        })
        .collect())
}

/// Violations opened within the look-back, each to its resource's primary owner once, with the
/// policy's remediation text.
pub async fn violations(
    store: &dyn Store,
    config: &NotifyConfig,
    now: Timestamp,
) -> Result<Vec<Outgoing>, NotifyError> {
    let since = now - Duration::days(i64::from(config.lookback_days));
    let open: Vec<_> = store
        .list_violations(&ViolationQuery { states: vec![ViolationState::Open], ..Default::default() })
        .await
        .map_err(source("violations"))?
        .into_iter()
        .filter(|v| v.opened_at >= since)
        .collect();
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let set: Option<PolicySet> = store
        .active_policy_set()
        .await
        .map_err(source("policies"))?
        .and_then(|s| serde_json::from_value(s.content).ok());
    let people = People::load(store).await?;
    let mut out = Vec::new();
    for v in open {
        let Some(resource) = store.get_resource(&v.subject_id).await.map_err(source("resources"))? else {
            continue; // an environment policy: no single owner to tell
        };
        let Some(owner) = resource.primary_owner() else { continue };
        let Some(recipient) = people.recipient(store, owner).await? else { continue };
        let policy = set.as_ref().and_then(|s| s.get(&v.policy_id));
        let url = format!("{}/resources/{}", config.base_url, resource.id);
        let title = policy.map_or_else(|| v.policy_id.clone(), |p| p.title.clone());
        out.push(Outgoing {
            kind: MessageKind::Violation,
            recipient,
            subject_key: format!("{}/{}", v.subject_id, v.policy_id),
            period: format!("opened-{}", v.opened_at.timestamp()),
            context: json!({
                "resource": {"name": resource.display_name, "kind": resource.kind.as_str().replace('_', " "), "url": url},
                "policy": {
                    "title": title,
                    "level": v.level.as_str(),
                    "rationale": policy.map(|p| p.rationale.clone()).unwrap_or_default(),
                },
                "remediation": policy.map_or_else(|| "See the policy in Steward.".to_string(), |p| p.remediation.clone()),
                "opened_at": v.opened_at.format("%Y-%m-%d").to_string(),
                "facts": [{"name": "Policy", "value": title}, {"name": "Level", "value": v.level.as_str()}],
                "actions": [{"label": "Open in Steward", "url": url}],
            }),
        });
    }
    Ok(out)
}

/// Campaign steps taken within the look-back (a request, a reminder, an escalation to the
/// owner's manager), each to the task's assignee once.
pub async fn campaign_steps(
    store: &dyn Store,
    config: &NotifyConfig,
    now: Timestamp,
) -> Result<Vec<Outgoing>, NotifyError> {
    let since = now - Duration::days(i64::from(config.lookback_days));
    let tasks = store
        .list_campaign_tasks(&TaskQuery { open: Some(true), ..Default::default() })
        .await
        .map_err(source("campaign tasks"))?;
    let people = People::load(store).await?;
    let mut out = Vec::new();
    for task in tasks.into_iter().filter(|t| t.updated_at >= since) {
        let history = store.campaign_task_history(task.id).await.map_err(source("campaign tasks"))?;
        let Some(event) =
            history.iter().rev().find(|e| e.at >= since && matches!(e.action.as_str(), "open" | "remind" | "escalate"))
        else {
            continue;
        };
        let step = match event.action.as_str() {
            "remind" => "reminder",
            "escalate" => "escalation",
            _ => "request",
        };
        let Some(recipient) = people.recipient(store, &task.assignee).await? else { continue };
        let resource = store.get_resource(&task.resource_id).await.map_err(source("resources"))?;
        let owner_name = match resource.as_ref().and_then(|r| r.primary_owner().map(str::to_string)) {
            Some(owner) => store.get_principal(&owner).await.map_err(source("principals"))?.map(|p| p.display_name),
            None => None,
        };
        let url = format!("{}/queues", config.base_url);
        let title = task_title(&task.kind);
        out.push(Outgoing {
            kind: MessageKind::CampaignStep,
            recipient,
            subject_key: format!("task-{}", task.id),
            period: format!("{}@{}", event.action, event.at.timestamp_millis()),
            context: json!({
                "step": step,
                "owner_name": owner_name.unwrap_or_else(|| "The owner".into()),
                "task": {
                    "title": title,
                    "resource_name": resource.map_or_else(|| task.resource_id.clone(), |r| r.display_name),
                    "due_at": task.due_at.map(|d| d.format("%Y-%m-%d").to_string()),
                    "url": url,
                },
                "actions": [{"label": "Answer in Steward", "url": url}],
            }),
        });
    }
    Ok(out)
}

fn task_title(kind: &str) -> String {
    match kind {
        "compliance" => "Fix a compliance finding or ask for an exemption".into(),
        "inactivity" => "Keep or retire an unused resource".into(),
        "orphaned" => "Take over a resource whose owner left".into(),
        "quarantine" => "Resolve a quarantined resource".into(),
        "promotion" => "Confirm a resource for promotion".into(),
        other => format!("Answer a {other} request"),
    }
}

/// Makers seen for the first time get a welcome with the training links and the community
/// channel. The first run records the estate as it is (unless `welcome_existing_makers`).
pub async fn welcome(store: &dyn Store, config: &NotifyConfig, now: Timestamp) -> Result<Vec<Outgoing>, NotifyError> {
    let makers = all_makers(store).await?;
    let first_run = store.seen_makers_count().await? == 0;
    let ids: Vec<String> = makers.iter().map(|m| m.principal.id.clone()).collect();
    let new: HashSet<String> = store.mark_makers_seen(&ids, now).await?.into_iter().collect();
    if first_run && !config.welcome_existing_makers {
        return Ok(Vec::new());
    }
    let people = People::load(store).await?;
    let mut out = Vec::new();
    for m in makers.iter().filter(|m| new.contains(&m.principal.id) && !m.leaver) {
        let Some(recipient) = people.recipient(store, &m.principal.id).await? else { continue };
        let first = store
            .list_resources(&steward_store::ResourceQuery {
                owner: Some(m.principal.id.clone()),
                limit: Some(1),
                ..Default::default()
            })
            .await
            .map_err(source("resources"))?
            .items
            .into_iter()
            .next();
        out.push(Outgoing {
            kind: MessageKind::Welcome,
            recipient,
            subject_key: m.principal.id.clone(),
            period: "once".into(),
            context: json!({
                "first_resource": first.as_ref().map_or_else(|| "app".to_string(), |r| r.display_name.clone()),
                "first_resource_kind": first.as_ref().map_or_else(|| "resource".to_string(), |r| r.kind.as_str().replace('_', " ")),
                "training_links": config.training_links,
                "community_channel": config.community_channel,
                "my_url": format!("{}/inventory", config.base_url),
                "actions": config.training_links.iter().map(|l| json!({"label": l.label, "url": l.url})).collect::<Vec<_>>(),
            }),
        });
    }
    Ok(out)
}

pub(crate) async fn all_makers(store: &dyn Store) -> Result<Vec<steward_store::inventory::MakerSummary>, NotifyError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_makers(&MakerQuery { limit: Some(500), cursor: cursor.clone(), ..Default::default() })
            .await
            .map_err(source("makers"))?;
        out.extend(page.items);
        match page.next {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The builder of a kind.
pub async fn build(
    kind: MessageKind,
    store: &dyn Store,
    config: &NotifyConfig,
    value: &Rates,
    now: Timestamp,
) -> Result<Vec<Outgoing>, NotifyError> {
    match kind {
        MessageKind::BoardDigest => board_digest(store, config, now).await,
        MessageKind::SuccessCandidates => success_candidates(store, config, now).await,
        MessageKind::Violation => violations(store, config, now).await,
        MessageKind::CampaignStep => campaign_steps(store, config, now).await,
        MessageKind::Welcome => welcome(store, config, now).await,
        MessageKind::MakerSummary => maker_summaries(store, config, value, now).await,
        MessageKind::Test => Ok(Vec::new()),
    }
}
