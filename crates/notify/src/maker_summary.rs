//! The monthly summary to each maker (issue #9 item 4): their resources' usage, value and
//! compliance over the last complete month.
//!
//! - usage: uses and users per resource from the usage rollups, and the people reached across
//!   all the maker's resources counted once each ([`crate::reach`]);
//! - value: the month's actual value from real usage, per resource and in total, the potential
//!   value apart, or a hint to record one ([`crate::maker_value`]);
//! - compliance: open violations per resource.

use crate::dispatch::Outgoing;
use crate::maker_value::MonthValues;
use crate::messages::{People, source};
use crate::{NotifyConfig, NotifyError, reach};
use serde_json::{Value, json};
use std::collections::HashMap;
use steward_model::{ResourceUsage, Timestamp};
use steward_report::Month;
use steward_store::Store;
use steward_store::governance::{ViolationQuery, ViolationState};
use steward_store::notifications::MessageKind;
use steward_store::usage::{ResourceUsageQuery, UsageOrder, UsageReads};
use steward_value::Rates;

/// Resources listed one by one in a summary; the totals cover them all.
const LISTED: usize = 10;

/// Each maker's summary of the last complete month before `now`, at the value `rates`.
pub async fn maker_summaries(
    store: &dyn Store,
    config: &NotifyConfig,
    rates: &Rates,
    now: Timestamp,
) -> Result<Vec<Outgoing>, NotifyError> {
    let month = Month::last_complete(now.date_naive());
    let usage = store
        .resource_usage(&ResourceUsageQuery {
            tenant_id: None,
            kinds: Vec::new(),
            environment_id: None,
            from: month.first_day(),
            to: month.last_day(),
            include_unused: true,
            order: UsageOrder::Uses,
            limit: None,
        })
        .await
        .map_err(source("usage"))?;
    let violations = open_violations_by_resource(store).await?;
    let owner_of: HashMap<String, String> =
        usage.iter().filter_map(|u| u.owner.clone().map(|o| (u.resource_id.clone(), o))).collect();
    let people =
        reach::people_by_owner(&reach::resources(store, month.first_day(), month.last_day()).await?, &owner_of);
    let values = MonthValues::load(store, rates, month).await?;

    let mut by_owner: HashMap<&str, Vec<&ResourceUsage>> = HashMap::new();
    for u in &usage {
        if let Some(owner) = &u.owner {
            by_owner.entry(owner.as_str()).or_default().push(u);
        }
    }
    let mut owners: Vec<_> = by_owner.into_iter().collect();
    owners.sort_by(|a, b| a.0.cmp(b.0));
    let directory = People::load(store).await?;
    let mut out = Vec::new();
    for (owner, resources) in owners {
        let Some(recipient) = directory.recipient(store, owner).await? else { continue };
        let users = people.get(owner).copied().unwrap_or(0);
        let summary = Summary { config, month, values: &values, violations: &violations };
        out.push(Outgoing {
            kind: MessageKind::MakerSummary,
            recipient,
            subject_key: owner.to_string(),
            period: month.to_string(),
            context: summary.context(&resources, users),
        });
    }
    Ok(out)
}

async fn open_violations_by_resource(store: &dyn Store) -> Result<HashMap<String, u64>, NotifyError> {
    let open = store
        .list_violations(&ViolationQuery { states: vec![ViolationState::Open], ..Default::default() })
        .await
        .map_err(source("violations"))?;
    let mut out: HashMap<String, u64> = HashMap::new();
    for v in open {
        *out.entry(v.subject_id).or_default() += 1;
    }
    Ok(out)
}

/// What every maker's summary of one month is built from.
struct Summary<'a> {
    config: &'a NotifyConfig,
    month: Month,
    values: &'a MonthValues,
    violations: &'a HashMap<String, u64>,
}

impl Summary<'_> {
    /// The template context of one maker: `resources` ordered by uses, `users` the distinct
    /// people across them.
    fn context(&self, resources: &[&ResourceUsage], users: u64) -> Value {
        let base = &self.config.base_url;
        let uses: u64 = resources.iter().map(|r| r.uses).sum();
        let violations = |r: &ResourceUsage| self.violations.get(&r.resource_id).copied().unwrap_or(0);
        let with_violations = resources.iter().filter(|r| violations(r) > 0).count();
        let value = self.values.maker(resources.iter().map(|r| r.resource_id.as_str()));
        let record_url = format!("{base}/value");
        let report_url = format!("{base}/value/roi?period={}", self.month);
        let my_url = format!("{base}/inventory");
        let top: Vec<Value> = resources
            .iter()
            .take(LISTED)
            .map(|r| {
                json!({
                    "name": r.display_name.clone().unwrap_or_else(|| r.resource_id.clone()),
                    "uses": r.uses,
                    "users": r.unique_users,
                    "violations": violations(r),
                    "value": self.values.resource(&r.resource_id),
                })
            })
            .collect();
        let value_action = if value.recorded() {
            json!({"label": "How the value is computed", "url": report_url})
        } else {
            json!({"label": "Record the value of a resource", "url": record_url})
        };
        json!({
            "month": self.month.long_label(),
            "resources": resources.len(),
            "uses": uses,
            "users": users,
            "open_violations": with_violations,
            "top": top,
            "value": value.context(&record_url, &report_url),
            "my_url": my_url,
            "facts": [
                {"name": "Resources", "value": resources.len().to_string()},
                {"name": "Uses", "value": uses.to_string()},
                {"name": "People reached", "value": users.to_string()},
                {"name": "Value", "value": value.fact()},
                {"name": "With open violations", "value": with_violations.to_string()},
            ],
            "actions": [{"label": "Your resources in Steward", "url": my_url}, value_action],
        })
    }
}
