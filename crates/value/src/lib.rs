//! Business value (issue #7, items 1–4): what makers declare about their resources, the value
//! that declaration is worth in a period given real usage, value assessments with the leading
//! questions of the adoption guidance, and ROI against the cost engine's figures.
//!
//! - [`compute`]: pure — a value record, uses and an hourly cost in, a value with its
//!   explanation out;
//! - [`gather`]: the store reads a computation needs (records, owners, daily rollups);
//! - [`roi`] and [`report`]: value over cost per resource, maker, environment, business unit and
//!   tenant, and the board's report in Markdown, HTML and JSON;
//! - [`assess`]: the questionnaire as data and scores per viability area;
//! - [`import`]: value records from CSV or JSON, row by row.
//!
//! How it all adds up is described in docs/value.md.

pub mod assess;
pub mod compute;
pub mod config;
pub mod demo;
pub mod engine_costs;
pub mod gather;
pub mod import;
pub mod money;
pub mod period;
pub mod report;
pub mod roi;

pub use config::{Rates, ValueConfig};
pub use period::ValuePeriod;

use std::collections::HashSet;
use steward_model::Timestamp;
use steward_store::usage::BriefQuery;
use steward_store::value::{NewValueRecord, ValueRecord};
use steward_store::{Store, StoreError};

/// What can go wrong computing or importing values.
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file, period or setting that cannot be used; the message says which and why.
    #[error("{0}")]
    Input(String),
}

/// What an import did: rows stored and rows refused, each with its place in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportOutcome {
    pub stored: Vec<(String, ValueRecord)>,
    pub rejected: Vec<import::RowError>,
}

/// Store the rows of a parsed file as records by `by` at `at`. Rows naming a resource the
/// inventory does not know, or refused by the store's checks, join the file's own refused rows;
/// the other rows are stored. `currency` fills rows that give no amount and no currency.
pub async fn store_import(
    store: &dyn Store,
    parsed: import::Parsed,
    currency: &str,
    by: &str,
    at: Timestamp,
) -> Result<ImportOutcome, ValueError> {
    let mut outcome = ImportOutcome { stored: Vec::new(), rejected: parsed.errors };
    let ids: Vec<String> = parsed.rows.iter().map(|r| r.resource_id.clone()).collect();
    let known: HashSet<String> = if ids.is_empty() {
        HashSet::new()
    } else {
        store
            .resource_briefs(&BriefQuery { ids: Some(ids), include_deleted: true, ..Default::default() })
            .await?
            .into_iter()
            .map(|b| b.id)
            .collect()
    };
    for row in parsed.rows {
        if !known.contains(&row.resource_id) {
            outcome.rejected.push(import::RowError {
                place: row.place,
                reason: format!("resource '{}' is not in the inventory; import or sync it first", row.resource_id),
            });
            continue;
        }
        let mut figures = row.figures;
        if figures.currency.is_empty() {
            figures.currency = currency.to_string();
        }
        let new = NewValueRecord {
            resource_id: row.resource_id,
            kind: row.kind,
            figures,
            story: row.story,
            recorded_by: by.to_string(),
            recorded_at: at,
        };
        match store.record_value(&new).await {
            Ok(record) => outcome.stored.push((row.place, record)),
            Err(StoreError::InvalidQuery(reason)) => {
                outcome.rejected.push(import::RowError { place: row.place, reason })
            }
            Err(e) => return Err(e.into()),
        }
    }
    outcome.rejected.sort_by_key(|e| place_order(&e.place));
    Ok(outcome)
}

/// `line 12` / `record 3` → 12 / 3, so refusals read in file order.
fn place_order(place: &str) -> u64 {
    place.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(u64::MAX)
}
