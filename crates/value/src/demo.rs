//! Value records for `steward demo`: the most used resources of the last 30 days get an actual
//! or potential value with a short story, so the value pages and the ROI report have something
//! to show on the first visit. Once: nothing is added when any value record exists.

use crate::ValueError;
use chrono::Days;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::usage::{ResourceUsageQuery, UsageOrder, UsageReads};
use steward_store::value::{NewValueRecord, ValueFigures, ValueKind, ValueQuery, ValueStory};

/// Kind, hundredths of a minute per use and per week, cost avoided per year, the problem.
type Declared = (ValueKind, Option<i64>, Option<i64>, Option<i64>, &'static str);

/// What the demo declares, most used resource first.
const DECLARED: [Declared; 6] = [
    (ValueKind::Actual, Some(800), None, Some(1_200_000), "Requests re-typed from e-mails into a spreadsheet"),
    (ValueKind::Actual, Some(300), None, None, "Approvals chased by phone"),
    (ValueKind::Actual, None, Some(9000), None, "A weekly report assembled by hand"),
    (ValueKind::Potential, Some(1000), None, Some(500_000), "Site inspections on paper"),
    (ValueKind::Actual, Some(150), None, None, "Stock counts copied between two systems"),
    (ValueKind::Potential, None, Some(6000), None, "Onboarding checklists kept in e-mail"),
];

/// Record the demo's values; returns how many were recorded (0 when some exist already).
pub async fn seed(store: &dyn Store, now: Timestamp) -> Result<usize, ValueError> {
    if !store.value_records(&ValueQuery::default()).await?.is_empty() {
        return Ok(0);
    }
    let to = now.date_naive();
    let from = to.checked_sub_days(Days::new(30)).unwrap_or(to);
    let used = store
        .resource_usage(&ResourceUsageQuery {
            tenant_id: None,
            kinds: Vec::new(),
            environment_id: None,
            from,
            to,
            include_unused: false,
            order: UsageOrder::Uses,
            limit: Some(DECLARED.len()),
        })
        .await?;
    let mut recorded = 0;
    for (usage, (kind, per_use, per_week, avoided, problem)) in used.iter().zip(DECLARED) {
        let new = NewValueRecord {
            resource_id: usage.resource_id.clone(),
            kind,
            figures: ValueFigures {
                users_impacted: Some(u32::try_from(usage.unique_users).unwrap_or(u32::MAX).max(1)),
                centiminutes_per_use: per_use,
                centiminutes_per_week: per_week,
                cost_avoided_per_year: avoided,
                revenue_enabled_per_year: None,
                currency: "USD".into(),
            },
            story: ValueStory {
                problem: problem.into(),
                solution: format!("{} does it in one place", usage.display_name.clone().unwrap_or_default()),
                obstacles: String::new(),
                value: "Less re-typing, fewer errors".into(),
                next_steps: "Measure again next quarter".into(),
            },
            recorded_by: "demo".into(),
            recorded_at: now,
        };
        store.record_value(&new).await?;
        recorded += 1;
    }
    Ok(recorded)
}
