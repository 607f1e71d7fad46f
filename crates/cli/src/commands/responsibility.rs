//! `steward responsibility RESOURCE`: who answers for one resource and how fast — criticality
//! with its reasons, service level, support profile with next steps, RACI with names.

use super::check::{responsibility_config, today};
use crate::config::Config;
use anyhow::Context;
use chrono::{Days, NaiveDate};
use steward_responsibility::{Input, Person, Responsibility, Role, assess, tier_label};
use steward_store::usage::{ResourceUsageQuery, UsageOrder};
use steward_store::{Store, UsageReads};

#[derive(Debug, clap::Args)]
#[command(after_help = "The rules, service levels, support profiles and the RACI matrix are data: \
    `[governance] responsibility = \"FILE\"` in steward.toml overrides the shipped defaults \
    (docs/responsibility.md).")]
pub struct Args {
    /// The resource id.
    resource: String,
    /// The last day of the 30-day usage window (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The assessment's input from the store: inventory, declared governance, the 30 days of usage
/// ending on `day`, owners' names.
pub async fn input(store: &dyn Store, resource_id: &str, day: NaiveDate) -> anyhow::Result<(Input, String)> {
    let Some(resource) = store.get_resource(resource_id).await? else {
        anyhow::bail!(
            "no resource '{resource_id}' in the database; `steward usage top` and `steward violations` show \
             resource ids"
        );
    };
    let Some(environment) = store.get_environment(&resource.environment_id).await? else {
        anyhow::bail!(
            "resource '{resource_id}' is in environment '{}', which the database does not hold; import or sync \
             the tenant again",
            resource.environment_id
        );
    };
    let governance = store.get_governance(resource_id).await?;
    let mut input = Input::from_model(&resource, &environment, &governance);

    let query = ResourceUsageQuery {
        tenant_id: Some(resource.tenant_id.clone()),
        kinds: vec![resource.kind],
        environment_id: Some(resource.environment_id.clone()),
        from: day.checked_sub_days(Days::new(29)).unwrap_or(NaiveDate::MIN),
        to: day,
        include_unused: false,
        order: UsageOrder::Uses,
        limit: None,
    };
    let usage = store.resource_usage(&query).await.context("cannot read the resource's usage")?;
    if let Some(u) = usage.into_iter().find(|u| u.resource_id == resource_id) {
        input.users_30d = u.unique_users;
        input.uses_30d = u.uses;
        input.active_days_30d = u32::try_from(u.active_days).unwrap_or(u32::MAX);
        input.departments_30d = u32::try_from(u.departments).unwrap_or(u32::MAX);
    }

    let mut owners = Vec::with_capacity(input.owners.len());
    for o in &input.owners {
        let name = match store.get_principal(&o.id).await? {
            Some(p) if !p.display_name.trim().is_empty() => p.display_name,
            Some(p) => p.upn.unwrap_or_default(),
            None => String::new(),
        };
        owners.push(Person::new(o.id.clone(), name));
    }
    input.owners = owners;
    let mut title =
        format!("{} ({}, {}) in {}", resource.display_name, resource.id, resource.kind, environment.display_name);
    if resource.deleted_at.is_some() {
        title.push_str(" — deleted");
    }
    Ok((input, title))
}

pub async fn run(args: Args, config: &Config, db_url: &str) -> anyhow::Result<()> {
    let responsibility = responsibility_config(config)?;
    let store = crate::db::open(db_url).await?;
    let day = args.as_of.unwrap_or_else(today);
    let (input, title) = input(store.as_ref(), &args.resource, day).await?;
    let r = assess(&input, &responsibility);
    if args.json {
        let out =
            serde_json::json!({ "resource_id": args.resource, "as_of": day, "input": input, "responsibility": r });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print(&title, day, &r);
    }
    Ok(())
}

fn print(title: &str, day: NaiveDate, r: &Responsibility) {
    println!("{title}");
    let declared = r.declared_impact.map_or_else(|| "none".to_string(), |d| d.to_string());
    println!(
        "criticality: {} (decided by {}; usage alone: {}; declared impact: {declared}; 30 days to {day})",
        r.criticality, r.decided_by, r.usage_level
    );
    for reason in &r.reasons {
        let mark = if reason.decisive { "*" } else { "-" };
        println!("  {mark} {} ({}): {}", reason.rule, reason.level, reason.text);
    }
    let s = &r.service_level;
    println!("service level: {}", s.coverage.label());
    println!("  {}", s.response);
    if !s.description.is_empty() {
        println!("  {}", s.description);
    }
    let p = &r.support_profile;
    let needs = if p.meets_required {
        format!("meets what a {} resource needs ({})", r.criticality, tier_label(p.required))
    } else {
        format!("a {} resource needs {}", r.criticality, tier_label(p.required))
    };
    println!("support profile: {}; {needs}", tier_label(p.profile));
    for why in &p.why {
        println!("  - {why}");
    }
    if !r.next_steps.is_empty() {
        println!("next steps:");
        for step in &r.next_steps {
            let needed = if step.needed { "needed" } else { "to move up" };
            println!("  - {} ({needed}, toward {}; {})", step.text, tier_label(step.toward), step.because);
        }
    }
    println!("responsibilities ({} level):", r.raci.level);
    for h in &r.raci.roles {
        println!("  {:<20} {}", h.label, h.summary);
    }
    if !r.raci.activities.is_empty() {
        let width = r.raci.activities.iter().map(|a| a.title.chars().count()).max().unwrap_or(8).max(8);
        let heads: Vec<&str> = Role::ALL.iter().map(|role| role.label()).collect();
        println!(
            "  {:<width$}  {}",
            "ACTIVITY",
            heads.iter().map(|h| format!("{h:<20}")).collect::<String>().trim_end()
        );
        for a in &r.raci.activities {
            let cells: String = a.cells.iter().map(|c| format!("{:<20}", c.assignment.as_str())).collect();
            println!("  {:<width$}  {}", a.title, cells.trim_end());
        }
    }
}
