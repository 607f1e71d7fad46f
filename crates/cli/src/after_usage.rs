//! What runs after new usage lands (an audit import or a sync): retention, then success
//! detection as of the newest counted day, so detections follow the data.

use crate::config::Config;
use std::sync::Arc;
use steward_store::Store;

#[derive(Debug, serde::Serialize)]
pub struct AfterUsage {
    pub retention: steward_usage::retention::RetentionReport,
    /// `None` when nothing is counted yet.
    pub success: Option<steward_success::EvaluationSummary>,
}

pub async fn run(store: &Arc<dyn Store>, config: &Config, tenants: &[String]) -> anyhow::Result<AfterUsage> {
    let mut tenants = tenants.to_vec();
    tenants.extend(store.list_tenants().await?.into_iter().map(|t| t.id));
    tenants.sort();
    tenants.dedup();
    let today = chrono::Utc::now().date_naive();
    let archive = config.archive_dir();
    let retention =
        steward_usage::retention::apply(store.as_ref(), &config.usage.retention(), archive.as_ref(), &tenants, today)
            .await?;
    let success = match store.usage_status(None).await?.last_day {
        Some(as_of) => Some(steward_success::evaluate_and_record(store.as_ref(), as_of).await?),
        None => None,
    };
    Ok(AfterUsage { retention, success })
}

pub fn print(after: &AfterUsage) {
    let r = &after.retention;
    if r.ledger_days + r.rollup_rows + r.archive_partitions > 0 {
        println!(
            "retention: {} ledger days sealed, {} rollup rows and {} archive partitions removed",
            r.ledger_days, r.rollup_rows, r.archive_partitions
        );
    }
    if let Some(s) = &after.success {
        println!(
            "success detection as of {}: {} rule firings, {} new candidates (`steward success list`)",
            s.as_of, s.findings, s.added
        );
    }
}
