//! `steward demo`, business value and costs (issue #7): `/value` and `/costs` have figures on
//! the first visit. Value records (potential and actual) go on the most used resources; their
//! owners' departments become cost centres with allocation rules, a CoE team split by head
//! count, makers' time spent on the valued resources (so each has a cost and an ROI), Power Apps
//! licences for those makers, budgets (one tight enough to raise an alert) and a year of monthly
//! consumption snapshots for the forecasts. The web pages use the demo's hourly costs per
//! department ([`settings`]). Everything is added once: nothing when cost centres exist.

use anyhow::Context;
use chrono::NaiveDate;
use std::collections::BTreeSet;
use steward_cost::records::{
    self, AllocationRule, Budget, CostCentre, ImportedAssignment, PeopleCost, PeopleKind, RuleBasis, SplitBasis,
};
use steward_cost::{CostConfig, Period, budget, report};
use steward_model::Timestamp;
use steward_server::api::value::ValueSettings;
use steward_store::Store;
use steward_store::value::{AssessmentAnswer, AssessmentSubject, NewValueAssessment, ValueQuery};
use steward_value::assess::Questionnaire;
use steward_value::gather::{ResourceFacts, resource_facts};

/// Months of consumption history recorded before this one: a year, so forecasts have a trend.
const HISTORY_MONTHS: u32 = 12;

/// Hourly costs per department for the demo's value pages (`[value]` for a real installation).
const DEPARTMENT_RATES: [(&str, &str); 4] =
    [("Finance", "65.00"), ("Sales", "55.00"), ("IT", "70.00"), ("Operations", "45.00")];

/// `[value]` and `[cost]` as the demo serves them: USD, 50.00 an hour by default, more or less
/// in some departments, so the explanations show where a rate came from.
pub fn settings() -> anyhow::Result<ValueSettings> {
    let mut value = steward_value::ValueConfig::default();
    for (department, rate) in DEPARTMENT_RATES {
        value
            .hourly_cost_by_department
            .insert(department.into(), steward_value::config::ConfigAmount::Text(rate.into()));
    }
    ValueSettings::from_config(&value, CostConfig::default()).map_err(|e| anyhow::anyhow!("demo [value]: {e}"))
}

/// Seed the demo's values and costs as of `now`.
pub async fn seed(store: &dyn Store, now: Timestamp) -> anyhow::Result<()> {
    let values = steward_value::demo::seed(store, now).await.context("cannot seed the demo's value records")?;
    if !records::cost_centres(store).await?.is_empty() {
        return Ok(());
    }
    let valued: Vec<String> = store
        .value_records(&ValueQuery::default())
        .await?
        .into_iter()
        .map(|r| r.resource_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if valued.is_empty() {
        // No usage to put a value on (an empty tenant): nothing to cost either.
        return Ok(());
    }
    let facts: Vec<ResourceFacts> = resource_facts(store, &valued).await?.into_values().collect();
    let config = CostConfig::default();
    let today = now.date_naive();

    let centres = cost_centres(&facts);
    records::put_cost_centres(store, &centres, now).await?;
    records::set_rules(store, &rules(&facts, &centres), now).await?;
    records::put_people(store, &people(&facts, today), now).await?;
    records::put_assignments(store, &licences(&facts), now).await?;
    // A year of monthly consumption, the oldest first, then this month.
    let mut months = vec![Period::month_of(today)];
    for _ in 0..HISTORY_MONTHS {
        let previous = months.last().map_or(Period::month_of(today), Period::previous_month);
        months.push(previous);
    }
    for month in months.iter().rev() {
        let day = if month.start <= today && today < month.end { today } else { month.start };
        budget::record_month(store, &config, day, now).await?;
    }
    let current = report::chargeback(store, &config, Period::month_of(today)).await?;
    records::put_budgets(store, &budgets(&current, today), now).await?;
    assess_a_business_unit(store, &facts, now).await?;
    println!(
        "Value and costs: {values} value records, {} cost centres, {} months of consumption, budgets for {}.",
        centres.len(),
        months.len(),
        Period::month_of(today).year()
    );
    Ok(())
}

/// `Human Resources` → `cc-human-resources`.
fn centre_id(department: &str) -> String {
    let slug: String =
        department.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("cc-{}", slug.trim_matches('-'))
}

fn departments(facts: &[ResourceFacts]) -> BTreeSet<String> {
    facts.iter().filter_map(|f| f.department.clone()).filter(|d| !d.trim().is_empty()).collect()
}

/// One cost centre per department owning a valued resource, and the CoE's own.
fn cost_centres(facts: &[ResourceFacts]) -> Vec<CostCentre> {
    let mut out: Vec<CostCentre> = departments(facts)
        .into_iter()
        .map(|d| CostCentre {
            id: centre_id(&d),
            name: d.clone(),
            owner: Some(format!("Head of {d}")),
            head_count: None,
        })
        .collect();
    out.push(CostCentre {
        id: "cc-coe".into(),
        name: "Center of Excellence".into(),
        owner: Some("CoE lead".into()),
        head_count: None,
    });
    out
}

/// Each department's costs to its centre; the CoE team shared by head count between the
/// departments; anything else (capacity of shared environments) by usage.
fn rules(facts: &[ResourceFacts], centres: &[CostCentre]) -> Vec<AllocationRule> {
    let departments: Vec<String> = departments(facts).into_iter().collect();
    let mut out: Vec<AllocationRule> = departments
        .iter()
        .map(|d| AllocationRule {
            by: RuleBasis::Department,
            value: d.clone(),
            cost_centre: Some(centre_id(d)),
            split: None,
            among: Vec::new(),
        })
        .collect();
    let among: Vec<String> = centres.iter().map(|c| c.id.clone()).filter(|id| id != "cc-coe").collect();
    out.push(AllocationRule {
        by: RuleBasis::Service,
        value: "CoE team".into(),
        cost_centre: None,
        split: Some(if among.is_empty() { SplitBasis::Even } else { SplitBasis::HeadCount }),
        among: among.clone(),
    });
    out.push(AllocationRule {
        by: RuleBasis::Any,
        value: String::new(),
        cost_centre: None,
        split: Some(SplitBasis::Usage),
        among,
    });
    out
}

/// The CoE team every month, and makers' time on each valued resource month by month (a little
/// more each month, so the cost forecasts have a trend).
fn people(facts: &[ResourceFacts], today: NaiveDate) -> Vec<PeopleCost> {
    let mut out = vec![
        PeopleCost {
            id: "demo-coe-lead".into(),
            kind: PeopleKind::CoeTeam,
            name: "CoE lead".into(),
            month: None,
            quantity: 1.0,
            rate: Some(900_000),
            principal_id: None,
            department: None,
            resource_id: None,
            // Placed directly; the developer's half-time is shared by the rules.
            cost_centre: Some("cc-coe".into()),
        },
        PeopleCost {
            id: "demo-coe-developer".into(),
            kind: PeopleKind::CoeTeam,
            name: "CoE developer".into(),
            month: None,
            quantity: 0.5,
            rate: Some(700_000),
            principal_id: None,
            department: None,
            resource_id: None,
            cost_centre: None,
        },
    ];
    let mut month = Period::month_of(today);
    for back in 0..=HISTORY_MONTHS {
        for (i, f) in facts.iter().enumerate() {
            // 4 to 9 hours a month, growing by half an hour a month towards today.
            let hours = 4.0 + (i % 6) as f64 + f64::from(HISTORY_MONTHS - back) * 0.5;
            out.push(PeopleCost {
                id: format!("demo-maker-{}-{month}", f.resource_id),
                kind: PeopleKind::MakerTime,
                name: format!("Makers' time on {}", f.name()),
                month: Some(month),
                quantity: hours,
                rate: None,
                principal_id: f.owner_id.clone(),
                department: f.department.clone(),
                resource_id: Some(f.resource_id.clone()),
                cost_centre: None,
            });
        }
        month = month.previous_month();
    }
    out
}

/// A Power Apps Premium licence for each maker of a valued resource, and per-app passes in the
/// environment of the first one.
fn licences(facts: &[ResourceFacts]) -> Vec<ImportedAssignment> {
    let mut out: Vec<ImportedAssignment> = facts
        .iter()
        .filter_map(|f| f.owner_id.clone().map(|owner| (owner, f.department.clone())))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .map(|(principal, department)| ImportedAssignment {
            principal,
            entry_id: "power_apps_premium".into(),
            quantity: 1.0,
            environment_id: None,
            department,
        })
        .collect();
    if let Some(env) = facts.iter().find_map(|f| f.environment_id.clone()) {
        out.push(ImportedAssignment {
            principal: String::new(),
            entry_id: "power_apps_per_app".into(),
            quantity: 25.0,
            environment_id: Some(env),
            department: None,
        });
    }
    out
}

/// A year's budget for every centre with room to spare, and a month budget for the centre that
/// spends most, set just under what it spends so `/costs` shows an alert.
fn budgets(current: &report::Chargeback, today: NaiveDate) -> Vec<Budget> {
    let month = Period::month_of(today);
    let biggest = current.centres.iter().max_by_key(|c| c.billed_cost).map(|c| c.cost_centre.clone());
    let mut out = Vec::new();
    for c in &current.centres {
        out.push(Budget {
            cost_centre: c.cost_centre.clone(),
            period: month.year(),
            amount: c.billed_cost.saturating_mul(15),
            currency: current.currency.clone(),
        });
        if biggest.as_ref() == Some(&c.cost_centre) && c.billed_cost > 0 {
            out.push(Budget {
                cost_centre: c.cost_centre.clone(),
                period: month,
                amount: c.billed_cost * 9 / 10,
                currency: current.currency.clone(),
            });
        }
    }
    out
}

/// One value assessment of the business unit owning the most valued resources.
async fn assess_a_business_unit(store: &dyn Store, facts: &[ResourceFacts], now: Timestamp) -> anyhow::Result<()> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in facts.iter().filter_map(|f| f.department.as_deref()) {
        *counts.entry(d).or_default() += 1;
    }
    let Some((unit, _)) = counts.into_iter().max_by_key(|(name, n)| (*n, std::cmp::Reverse(*name))) else {
        return Ok(());
    };
    let questionnaire = Questionnaire::builtin().map_err(|e| anyhow::anyhow!(e))?;
    let answers: Vec<AssessmentAnswer> = questionnaire
        .areas
        .iter()
        .flat_map(|a| a.questions.iter())
        .enumerate()
        .map(|(i, q)| AssessmentAnswer {
            question_id: q.id.clone(),
            score: [4, 3, 5, 2, 4][i % 5],
            note: if i == 0 {
                "Demo answer: the unit's goals name the apps it relies on".into()
            } else {
                String::new()
            },
        })
        .collect();
    store
        .record_value_assessment(&NewValueAssessment {
            subject: AssessmentSubject::BusinessUnit,
            subject_id: unit.to_string(),
            questionnaire: questionnaire.version.clone(),
            answers,
            assessed_by: "demo".into(),
            assessed_at: now,
        })
        .await?;
    Ok(())
}
