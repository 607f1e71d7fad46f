//! What the engine saves in the store between pages, so a killed run resumes where it stopped.
//!
//! Every piece of state is written in the same transaction as the data it describes: a page's
//! resources and the listing's next link commit together or not at all. Concurrent environment
//! walks therefore each own their keys; nothing is a shared document that two transactions
//! could overwrite with each other's half-finished progress.

use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

/// One run of one source. A run that did not reach its end is resumed by the next run (unless
/// `--full`), keeping its id and its `as_of` time so that resumed and uninterrupted runs write
/// the same deletion times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub run_id: String,
    /// The time the run's deletions and usage window end are stamped with.
    pub as_of: Timestamp,
    pub full: bool,
    pub finished: bool,
    /// The environments to walk, fixed once the environment listing completed.
    #[serde(default)]
    pub environments: Option<Vec<EnvironmentTarget>>,
}

/// An environment as the per-environment listings need it: the API name (case kept, the
/// services are case-sensitive in paths), Steward's id, and the Dataverse Web API address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentTarget {
    pub name: String,
    pub id: String,
    pub display_name: String,
    pub instance_api_url: Option<String>,
}

/// Progress of one listing within a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingState {
    pub run_id: String,
    /// The link of the next page to fetch; `None` with `done` when the walk completed.
    pub next: Option<String>,
    pub done: bool,
}

/// Where the audit feed was read up to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageState {
    /// Content created before this time has been ingested.
    pub watermark: Option<Timestamp>,
    /// A window being read: its bounds and the link of its next content page.
    #[serde(default)]
    pub window: Option<WindowState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowState {
    pub start: Timestamp,
    pub end: Timestamp,
    pub next: Option<String>,
}

pub fn run_key(source: &str) -> String {
    format!("{source}/run")
}

pub fn listing_key(source: &str, listing: &str) -> String {
    format!("{source}/listing/{listing}")
}

pub fn usage_key(source: &str) -> String {
    format!("{source}/usage")
}
