//! `manifest.json`: what a tenant dump holds. Written last by the generator, so a dump whose
//! generation was interrupted has none and is refused.

use crate::IngestError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "steward-tenant-dump";
pub const VERSION: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub preset: String,
    pub seed: u64,
    pub tenant: ManifestTenant,
    pub end_date: NaiveDate,
    pub usage_days: u32,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestTenant {
    pub id: String,
    pub display_name: String,
    pub domain: String,
}

/// What the dump holds. `audit_records` counts every record written, duplicates included;
/// `audit_duplicates` how many of them repeat an earlier record's `Id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub environments: u64,
    pub connectors: u64,
    pub data_policies: u64,
    pub principals: u64,
    pub resources: u64,
    pub canvas_apps: u64,
    pub model_driven_apps: u64,
    pub cloud_flows: u64,
    pub desktop_flows: u64,
    pub agents: u64,
    pub audit_records: u64,
    pub audit_duplicates: u64,
    pub audit_blobs: u64,
}

/// Read and check `dir/manifest.json`.
pub fn read(dir: &Path) -> Result<Manifest, IngestError> {
    let path = dir.join(FILE_NAME);
    let bytes = std::fs::read(&path).map_err(|e| IngestError::Manifest {
        path: path.clone(),
        problem: format!(
            "cannot read the manifest ({e}); {} is not a complete tenant dump; run `steward generate` into an empty directory and import that",
            dir.display()
        ),
    })?;
    // Check the format and version before the shape, so that a future version says so
    // instead of complaining about a field.
    let head: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| IngestError::parse(&path, &e))?;
    let format = head.get("format").and_then(|f| f.as_str()).unwrap_or_default();
    if format != FORMAT {
        return Err(IngestError::Manifest {
            path,
            problem: format!(
                "format is '{format}', expected '{FORMAT}'; this directory was not written by `steward generate`"
            ),
        });
    }
    let version = head.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(VERSION) {
        return Err(IngestError::Manifest {
            path,
            problem: format!(
                "tenant dump version {version} is not supported (this Steward reads version {VERSION}); regenerate it with this Steward or upgrade Steward"
            ),
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| IngestError::parse(&path, &e))
}
