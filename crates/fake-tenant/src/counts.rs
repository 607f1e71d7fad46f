//! What a complete sync of the fake tenant should end up with.

use crate::inventory::Inventory;
use crate::licenses::SKUS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_ingest::synthetic::SyntheticTenant;
use steward_model::ResourceKind;

/// Counts of everything the fake tenant serves. Resource counts reflect the mutations applied
/// so far; audit counts are the plan's (faults that repeat records across blobs add no
/// distinct records).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedCounts {
    pub environments: u64,
    pub dataverse_environments: u64,
    /// Connector catalogue entries: standard, premium and custom.
    pub connectors: u64,
    pub custom_connectors: u64,
    pub data_policies: u64,
    pub users: u64,
    pub resources: u64,
    pub canvas_apps: u64,
    pub model_driven_apps: u64,
    pub cloud_flows: u64,
    pub desktop_flows: u64,
    pub agents: u64,
    pub audit_days: u64,
    pub audit_blobs: u64,
    /// Records served across all blobs, the feed's own repeats included.
    pub audit_records: u64,
    pub audit_duplicates: u64,
    /// Distinct record ids: `audit_records - audit_duplicates`.
    pub audit_distinct: u64,
    /// Distinct records the usage rollups count (uses and maker actions).
    pub audit_counted: u64,
    /// Licences held, by SKU part number.
    pub licenses: BTreeMap<String, u64>,
}

/// Audit totals of the plan: (blobs, records, duplicates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AuditTotals {
    pub blobs: u64,
    pub records: u64,
    pub duplicates: u64,
    pub uncounted: u64,
}

/// Count every audit record by generating every blob once, days spread over the cores
/// (seconds for `medium`'s 90 days; pick a few usage days for `large`).
pub(crate) fn audit_totals(tenant: &SyntheticTenant) -> std::io::Result<AuditTotals> {
    let days = u64::from(tenant.usage_days());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || -> std::io::Result<AuditTotals> {
                    let mut t = AuditTotals::default();
                    for d in (w..days).step_by(workers as usize) {
                        let day = tenant.day(d);
                        for b in 0..day.blobs {
                            let blob = tenant.write_blob(&day, b, &mut std::io::sink())?;
                            t.blobs += 1;
                            t.records += blob.written;
                            t.duplicates += blob.duplicates;
                            t.uncounted += blob.uncounted;
                        }
                    }
                    Ok(t)
                })
            })
            .collect();
        let mut total = AuditTotals::default();
        for h in handles {
            let t = h.join().map_err(|_| std::io::Error::other("an audit counting thread panicked"))??;
            total.blobs += t.blobs;
            total.records += t.records;
            total.duplicates += t.duplicates;
            total.uncounted += t.uncounted;
        }
        Ok(total)
    })
}

pub(crate) fn expected(
    tenant: &SyntheticTenant,
    inv: &Inventory,
    connectors: u64,
    custom_connectors: u64,
    policies: u64,
    licences: &[u64],
    audit: AuditTotals,
) -> ExpectedCounts {
    let mut c = ExpectedCounts {
        environments: tenant.environments().len() as u64,
        dataverse_environments: tenant.environments().iter().filter(|e| e.has_dataverse).count() as u64,
        connectors,
        custom_connectors,
        data_policies: policies,
        users: tenant.user_count(),
        audit_days: u64::from(tenant.usage_days()),
        audit_blobs: audit.blobs,
        audit_records: audit.records,
        audit_duplicates: audit.duplicates,
        audit_distinct: audit.records - audit.duplicates,
        audit_counted: audit.records - audit.duplicates - audit.uncounted,
        licenses: SKUS.iter().zip(licences).map(|(s, n)| (s.part_number.to_string(), *n)).collect(),
        ..ExpectedCounts::default()
    };
    for g in (0..inv.total()).filter(|g| inv.is_live(*g)) {
        c.resources += 1;
        match tenant.resource_kind(inv.template(g)) {
            ResourceKind::ModelDrivenApp => c.model_driven_apps += 1,
            ResourceKind::CloudFlow => c.cloud_flows += 1,
            ResourceKind::DesktopFlow => c.desktop_flows += 1,
            ResourceKind::Agent => c.agents += 1,
            _ => c.canvas_apps += 1,
        }
    }
    c
}
