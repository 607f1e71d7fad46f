//! `steward exempt …`: grant, list and revoke exemptions, and the request flow (ask, list the
//! requests, approve or decline). An exemption takes a violation out of the open ones from the
//! next check on, until it expires or is revoked; then the violation opens again (`reopened`
//! in its history). Request decisions land in the audit trail like the web's.

use crate::commands::accounts;
use anyhow::Context;
use chrono::{Days, NaiveDate, TimeZone};
use std::collections::BTreeMap;
use steward_compliance::run::active_set;
use steward_model::Timestamp;
use steward_policy::builtin::builtin_set;
use steward_policy::facts::Subject;
use steward_policy::model::PolicySet;
use steward_store::Store;
use steward_store::exemption_requests::{
    DecisionOutcome, ExemptionRequest, ExemptionRequestQuery, NewExemptionRequest, RequestDecision, RequestState,
};
use steward_store::governance::{Exemption, NewExemption};

const EXEMPT_HELP: &str = "\
An exemption covers one policy for one resource (--resource) or for every subject in one
environment (--environment; for an environment policy, that environment). It applies from
the next `steward check` (or sync): the violation moves to `exempted`. When it expires or is
revoked, the next check opens the violation again.

Requests: `exempt request` records what someone asks for (the environment's admins decide in
the web UI's review queues, or here with `exempt approve|decline`); approving grants the
exemption with the decider as approver. Guide: docs/compliance.md.";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = EXEMPT_HELP)]
pub enum ExemptCommand {
    /// Grant an exemption, with a reason, an approver and (preferably) an expiry.
    #[command(group(clap::ArgGroup::new("subject").required(true).args(["resource", "environment"])))]
    #[command(group(clap::ArgGroup::new("until").args(["expires", "for_"])))]
    Add {
        /// The policy id.
        #[arg(long, value_name = "ID")]
        policy: String,
        /// The resource exempted.
        #[arg(long, value_name = "ID")]
        resource: Option<String>,
        /// Every subject of the policy in this environment (or the environment itself).
        #[arg(long, value_name = "ID")]
        environment: Option<String>,
        /// Why the policy does not apply here.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Who approved it.
        #[arg(long, value_name = "NAME")]
        approver: String,
        /// Who asked for it (default: the approver).
        #[arg(long, value_name = "NAME")]
        requested_by: Option<String>,
        /// The last day it applies (it ends at the end of that day, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: Option<NaiveDate>,
        /// How long it applies from now: 30d, 12w.
        #[arg(long = "for", id = "for_", value_name = "DURATION", value_parser = parse_duration)]
        for_: Option<u32>,
    },
    /// List exemptions (revoked ones with --all).
    List {
        /// Also revoked exemptions.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an exemption: its violations open again at the next check.
    Revoke {
        /// The exemption id (`steward exempt list` shows it).
        id: i64,
        /// Who revokes it.
        #[arg(long, value_name = "NAME", env = "USER", default_value = "steward-cli")]
        by: String,
    },
    /// Ask for an exemption of one policy for one resource; an admin of its environment decides.
    #[command(group(clap::ArgGroup::new("until").args(["expires", "for_"])))]
    Request {
        /// The policy id.
        #[arg(long, value_name = "ID")]
        policy: String,
        /// The resource (for an environment policy, the environment).
        #[arg(long, value_name = "ID")]
        resource: String,
        /// Why the policy should not apply here.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Who asks (default: `cli:` and your operating-system user).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// The last day it should apply (it ends at the end of that day, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: Option<NaiveDate>,
        /// How long it should apply: 30d, 12w.
        #[arg(long = "for", id = "for_", value_name = "DURATION", value_parser = parse_duration)]
        for_: Option<u32>,
    },
    /// List exemption requests (waiting ones unless --state says otherwise).
    Requests {
        /// requested, approved, declined or all.
        #[arg(long, value_name = "STATE", default_value = "requested")]
        state: String,
        /// Only requests in this environment.
        #[arg(long, value_name = "ID")]
        environment: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a request: grants the exemption, with you as approver.
    #[command(group(clap::ArgGroup::new("until").args(["expires", "for_"])))]
    Approve {
        /// The request id (`steward exempt requests` shows it).
        id: i64,
        /// Who approves (default: `cli:` and your operating-system user).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// A note for the requester.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Grant until the end of this day instead of the requested expiry.
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: Option<NaiveDate>,
        /// Or grant for this long from now: 30d, 12w.
        #[arg(long = "for", id = "for_", value_name = "DURATION", value_parser = parse_duration)]
        for_: Option<u32>,
    },
    /// Decline a request, saying why.
    Decline {
        /// The request id.
        id: i64,
        /// Who declines (default: `cli:` and your operating-system user).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// Why; the requester reads it.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

/// `30d` or `12w` → days.
fn parse_duration(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not a duration; write days or weeks: 30d, 12w");
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: u32 = number.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" => Some(n),
        "w" => n.checked_mul(7),
        _ => None,
    }
    .ok_or_else(bad)?;
    if days == 0 {
        return Err("a duration of 0 days would expire at once; give at least 1d".into());
    }
    Ok(days)
}

/// When an exemption ends: the end of the `expires` day (UTC), or `days` from `now`.
fn expiry(now: Timestamp, expires: Option<NaiveDate>, days: Option<u32>) -> anyhow::Result<Option<Timestamp>> {
    match (expires, days) {
        (Some(day), _) => {
            let next = day
                .checked_add_days(Days::new(1))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| chrono::Utc.from_utc_datetime(&t))
                .with_context(|| format!("{day} is out of range"))?;
            if next <= now {
                anyhow::bail!("--expires {day} is in the past; give a later day");
            }
            Ok(Some(next))
        }
        (None, Some(days)) => {
            Ok(Some(now.checked_add_days(Days::new(u64::from(days))).context("the duration is out of range")?))
        }
        (None, None) => Ok(None),
    }
}

/// Every policy Steward knows of, with what it judges: the active set, the built-in pack,
/// every saved version.
async fn known_policies(store: &dyn Store) -> anyhow::Result<BTreeMap<String, Subject>> {
    let mut known: BTreeMap<String, Subject> = builtin_set().policies.into_iter().map(|p| (p.id, p.subject)).collect();
    known.extend(active_set(store).await?.0.policies.into_iter().map(|p| (p.id, p.subject)));
    for info in store.policy_sets().await? {
        if let Some(stored) = store.policy_set(&info.version).await?
            && let Ok(set) = serde_json::from_value::<PolicySet>(stored.content)
        {
            for p in set.policies {
                known.entry(p.id).or_insert(p.subject);
            }
        }
    }
    Ok(known)
}

pub async fn run(cmd: ExemptCommand, db_url: &str) -> anyhow::Result<()> {
    let store = crate::db::open(db_url).await?;
    let store = store.as_ref();
    match cmd {
        ExemptCommand::Add { policy, resource, environment, reason, approver, requested_by, expires, for_ } => {
            let now = chrono::Utc::now();
            let known = known_policies(store).await?;
            if !known.contains_key(&policy) {
                anyhow::bail!(
                    "no policy '{policy}' in the active set, the built-in pack or any saved version; \
                     `steward policy list` lists the ids"
                );
            }
            let subject_name = match (&resource, &environment) {
                (Some(r), _) => match store.get_resource(r).await? {
                    Some(res) => format!("resource {} ({r})", res.display_name),
                    None => anyhow::bail!(
                        "no resource '{r}' in the database; `steward violations --policy {policy}` lists the \
                         resources in violation"
                    ),
                },
                (None, Some(e)) => match store.get_environment(e).await? {
                    Some(env) => format!("every subject in environment {} ({e})", env.display_name),
                    None => anyhow::bail!("no environment '{e}' in the database"),
                },
                (None, None) => anyhow::bail!("give --resource or --environment"),
            };
            let expires_at = expiry(now, expires, for_)?;
            let new = NewExemption {
                policy_id: policy.clone(),
                subject_id: resource,
                environment_id: environment,
                reason,
                requested_by: requested_by.unwrap_or_else(|| approver.clone()),
                approved_by: approver,
                expires_at,
                at: now,
            };
            let e = store.add_exemption(&new).await.context("the exemption was not granted")?;
            println!(
                "exemption {} granted: policy {policy} for {subject_name}, approved by {}, {}; it applies from the \
                 next `steward check`",
                e.id,
                e.approved_by,
                until(&e)
            );
            if e.expires_at.is_none() {
                eprintln!("note: this exemption never expires; give --expires or --for to have it reviewed");
            }
        }
        ExemptCommand::List { all, json } => {
            let list = store.list_exemptions(all).await.context("cannot list the exemptions")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("no exemptions{}", if all { "" } else { " in force (--all lists revoked ones too)" });
                return Ok(());
            }
            let now = chrono::Utc::now();
            println!(
                "{:>5}  {:<8} {:<40} {:<40} {:<16} {:<12} REASON",
                "ID", "STATE", "POLICY", "SUBJECT", "APPROVED BY", "UNTIL"
            );
            for e in &list {
                let state = if e.revoked_at.is_some_and(|r| r <= now) {
                    "revoked"
                } else if e.expires_at.is_some_and(|x| x <= now) {
                    "expired"
                } else {
                    "active"
                };
                let subject = match (&e.subject_id, &e.environment_id) {
                    (Some(s), _) => s.clone(),
                    (None, Some(env)) => format!("environment {env}"),
                    (None, None) => String::new(),
                };
                let end = e.expires_at.map_or_else(|| "never".to_string(), |t| last_day(t).to_string());
                println!(
                    "{:>5}  {:<8} {:<40} {:<40} {:<16} {:<12} {}",
                    e.id, state, e.policy_id, subject, e.approved_by, end, e.reason
                );
            }
        }
        ExemptCommand::Revoke { id, by } => {
            let e = store
                .revoke_exemption(id, &by, chrono::Utc::now())
                .await
                .with_context(|| format!("exemption {id} was not revoked (`steward exempt list --all` lists them)"))?;
            println!(
                "exemption {} (policy {}) revoked by {by}; its violations open again at the next `steward check`",
                e.id, e.policy_id
            );
        }
        ExemptCommand::Request { policy, resource, reason, by, expires, for_ } => {
            let now = chrono::Utc::now();
            let Some(subject) = known_policies(store).await?.get(&policy).copied() else {
                anyhow::bail!(
                    "no policy '{policy}' in the active set, the built-in pack or any saved version; \
                     `steward policy list` lists the ids"
                );
            };
            let environment_id = match subject {
                Subject::Resource => match store.get_resource(&resource).await? {
                    Some(r) => r.environment_id,
                    None => anyhow::bail!("no resource '{resource}'; policy {policy} judges resources"),
                },
                Subject::Environment => match store.get_environment(&resource).await? {
                    Some(e) => e.id,
                    None => anyhow::bail!("no environment '{resource}'; policy {policy} judges environments"),
                },
            };
            let new = NewExemptionRequest {
                policy_id: policy,
                subject_id: resource,
                environment_id,
                reason,
                requested_by: by.unwrap_or_else(accounts::actor),
                requested_at: now,
                expires_at: expiry(now, expires, for_)?,
            };
            let r = store.request_exemption(&new).await.context("the exemption request was not recorded")?;
            accounts::record(store, "exemption_request.create", target(r.id), None, serde_json::to_value(&r).ok())
                .await?;
            println!(
                "exemption request {} recorded: policy {} for {} ({}), asked by {}; an admin of environment {} \
                 decides (`steward exempt approve {}` or the review queues at /queues)",
                r.id,
                r.policy_id,
                r.subject_id,
                until_requested(&r),
                r.requested_by,
                r.environment_id,
                r.id
            );
        }
        ExemptCommand::Requests { state, environment, json } => {
            let state = match state.trim() {
                "all" => None,
                s => Some(s.parse::<RequestState>().map_err(|e| anyhow::anyhow!("--state: {e}, or all"))?),
            };
            let query = ExemptionRequestQuery {
                state,
                environment_ids: environment.map(|e| vec![e]),
                ..ExemptionRequestQuery::default()
            };
            let list = store.list_exemption_requests(&query).await.context("cannot list the exemption requests")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!(
                    "no exemption requests{}",
                    if state.is_some() { " in that state (--state all lists every one)" } else { "" }
                );
                return Ok(());
            }
            println!(
                "{:>5}  {:<9} {:<36} {:<24} {:<14} {:<16} {:<12} REASON",
                "ID", "STATE", "POLICY", "RESOURCE", "ENVIRONMENT", "ASKED BY", "UNTIL"
            );
            for r in &list {
                let end = r.expires_at.map_or_else(|| "never".to_string(), |t| last_day(t).to_string());
                println!(
                    "{:>5}  {:<9} {:<36} {:<24} {:<14} {:<16} {:<12} {}",
                    r.id, r.state, r.policy_id, r.subject_id, r.environment_id, r.requested_by, end, r.reason
                );
            }
        }
        ExemptCommand::Approve { id, by, note, expires, for_ } => {
            let now = chrono::Utc::now();
            let decision = RequestDecision {
                state: RequestState::Approved,
                by: by.unwrap_or_else(accounts::actor),
                at: now,
                note,
                expires_at: expiry(now, expires, for_)?,
            };
            let (request, exemption) = decide(store, id, &decision).await?;
            let e = exemption.context("an approval grants an exemption; the store answered none")?;
            println!(
                "exemption request {id} approved by {}: exemption {} granted for policy {} on {}, {}; it applies \
                 from the next `steward check`",
                decision.by,
                e.id,
                e.policy_id,
                request.subject_id,
                until(&e)
            );
        }
        ExemptCommand::Decline { id, by, reason } => {
            let decision = RequestDecision {
                state: RequestState::Declined,
                by: by.unwrap_or_else(accounts::actor),
                at: chrono::Utc::now(),
                note: Some(reason),
                expires_at: None,
            };
            decide(store, id, &decision).await?;
            println!("exemption request {id} declined by {}", decision.by);
        }
    }
    Ok(())
}

fn target(id: i64) -> String {
    format!("exemption_request:{id}")
}

/// Decide a request and record the decision (and the exemption granted) in the audit trail.
/// A request someone decided meanwhile is an error that says by whom.
async fn decide(
    store: &dyn Store,
    id: i64,
    decision: &RequestDecision,
) -> anyhow::Result<(ExemptionRequest, Option<Exemption>)> {
    let before = store
        .get_exemption_request(id)
        .await?
        .with_context(|| format!("no exemption request {id}; `steward exempt requests --state all` lists them"))?;
    let outcome = store
        .decide_exemption_request(id, decision)
        .await
        .with_context(|| format!("exemption request {id} was not decided"))?;
    match outcome {
        DecisionOutcome::Stale { request } => anyhow::bail!(
            "exemption request {id} is {} already (by {}); nothing was changed",
            request.state,
            request.decided_by.as_deref().unwrap_or("someone else")
        ),
        DecisionOutcome::Decided { request, exemption } => {
            let action = match decision.state {
                RequestState::Approved => "exemption_request.approve",
                _ => "exemption_request.decline",
            };
            let (before, after) = (serde_json::to_value(&before).ok(), serde_json::to_value(&request).ok());
            accounts::record(store, action, target(id), before, after).await?;
            let exemption = exemption.map(|e| *e);
            if let Some(e) = &exemption {
                let granted = serde_json::to_value(e).ok();
                accounts::record(store, "exemption.add", format!("exemption:{}", e.id), None, granted).await?;
            }
            Ok((request, exemption))
        }
    }
}

fn until_requested(r: &ExemptionRequest) -> String {
    match r.expires_at {
        Some(t) => format!("until {}", last_day(t)),
        None => "without expiry".to_string(),
    }
}

/// The last day an exemption applies (it ends at midnight after it).
fn last_day(expires_at: Timestamp) -> NaiveDate {
    let day = expires_at.date_naive();
    if expires_at == chrono::Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default()) {
        day.pred_opt().unwrap_or(day)
    } else {
        day
    }
}

fn until(e: &Exemption) -> String {
    match e.expires_at {
        Some(t) => format!("until {} (end of day, UTC)", last_day(t)),
        None => "without expiry".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("valid")
    }

    #[test]
    fn durations_are_days_or_weeks() {
        assert_eq!(parse_duration("30d"), Ok(30));
        assert_eq!(parse_duration("2w"), Ok(14));
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("30").unwrap_err().contains("30d, 12w"));
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("3m").is_err());
    }

    #[test]
    fn expiry_is_the_end_of_the_day_given() {
        let now = t(2026, 11, 23, 18);
        let day = NaiveDate::from_ymd_opt(2026, 12, 31);
        let end = expiry(now, day, None).unwrap().unwrap();
        assert_eq!(end, t(2027, 1, 1, 0));
        assert_eq!(last_day(end), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(expiry(now, None, Some(30)).unwrap(), Some(t(2026, 12, 23, 18)));
        assert_eq!(last_day(t(2026, 12, 23, 18)), NaiveDate::from_ymd_opt(2026, 12, 23).unwrap());
        assert!(expiry(now, NaiveDate::from_ymd_opt(2026, 11, 22), None).is_err(), "in the past");
        assert!(expiry(now, NaiveDate::from_ymd_opt(2026, 11, 23), None).is_ok(), "today: until tonight");
        assert_eq!(expiry(now, None, None).unwrap(), None);
    }
}
