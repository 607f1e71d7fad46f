//! A resource's history, newest first: what the inventory recorded (created, modified,
//! published, deleted), every change made through Steward (the audit trail), every violation
//! event, every campaign task step and every catalog stage move, merged into one list.

use crate::AppState;
use crate::api::resources::find_for;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use steward_model::{Resource, Timestamp};
use steward_store::auth::AuditQuery;
use steward_store::campaigns::TaskQuery;
use steward_store::catalog::CatalogQuery;

steward_model::string_enum!(
    /// Where a history entry comes from.
    Source, "history source" {
        /// The platform's own dates, as the inventory read them.
        Inventory => "inventory",
        /// A change made through Steward's UI, API or command line.
        Audit => "audit",
        /// A compliance run opened, exempted, reopened or resolved a violation.
        Violation => "violation",
        /// A campaign task about the resource moved.
        Campaign => "campaign",
        /// The resource's catalog item moved to another maturity stage.
        Catalog => "catalog",
    }
);

/// One thing that happened to a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub source: Source,
    /// What happened, dotted and stable: `inventory.created`, `governance.declare`,
    /// `violation.opened`, `campaign.answer`, `catalog.stage`.
    pub event: String,
    /// The same in words, for people.
    pub summary: String,
    /// Who did it, when known (a username, a principal id, `cli:…`).
    pub actor: Option<String>,
}

/// `GET /api/v1/resources/{id}/history`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceHistory {
    pub resource_id: String,
    /// Newest first.
    pub items: Vec<HistoryEntry>,
}

/// How many audit entries of one resource the history shows (the admin's audit page has all).
const AUDIT_LIMIT: u32 = 500;

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ResourceHistory>, ApiError> {
    let detail = find_for(&state, &caller, &id).await?;
    Ok(Json(ResourceHistory { resource_id: id, items: load(&state, &detail.resource).await? }))
}

/// Every entry about `resource`, newest first (entries at the same instant keep the order of
/// the sources above).
pub async fn load(state: &AppState, resource: &Resource) -> Result<Vec<HistoryEntry>, ApiError> {
    let id = &resource.id;
    let mut items = inventory_dates(resource);

    let audit = AuditQuery { target: Some(format!("resource:{id}")), limit: AUDIT_LIMIT, ..Default::default() };
    let entries = state.store.list_audit(&audit).await.map_err(|e| ApiError::store("reading the audit trail", e))?;
    items.extend(entries.into_iter().map(|e| HistoryEntry {
        at: e.at,
        source: Source::Audit,
        summary: format!("{} (via {})", e.action, e.via),
        event: e.action,
        actor: Some(e.actor),
    }));

    let events =
        state.store.violation_history(id).await.map_err(|e| ApiError::store("reading the violation history", e))?;
    items.extend(events.into_iter().map(|e| HistoryEntry {
        at: e.at,
        source: Source::Violation,
        event: format!("violation.{}", e.kind.as_str()),
        summary: match &e.note {
            Some(note) => format!("Policy {}: {} ({note})", e.policy_id, e.kind),
            None => format!("Policy {}: {}", e.policy_id, e.kind),
        },
        actor: None,
    }));

    let tasks = state
        .store
        .list_campaign_tasks(&TaskQuery { resource_id: Some(id.clone()), ..Default::default() })
        .await
        .map_err(|e| ApiError::store("reading campaign tasks", e))?;
    for task in tasks {
        let steps = state
            .store
            .campaign_task_history(task.id)
            .await
            .map_err(|e| ApiError::store("reading a campaign task's history", e))?;
        items.extend(steps.into_iter().map(|s| HistoryEntry {
            at: s.at,
            source: Source::Campaign,
            event: format!("campaign.{}", s.action),
            summary: match (&s.from_state, &s.note) {
                (Some(from), Some(note)) => {
                    format!("{} task {}: {from} → {} ({note})", task.kind, task.id, s.to_state)
                }
                (Some(from), None) => format!("{} task {}: {from} → {}", task.kind, task.id, s.to_state),
                (None, _) => format!("{} task {} opened, assigned to {}", task.kind, task.id, task.assignee),
            },
            actor: Some(s.actor),
        }));
    }

    let catalog = state
        .store
        .list_catalog_items(&CatalogQuery { resource_id: Some(id.clone()), ..Default::default() })
        .await
        .map_err(|e| ApiError::store("reading the resource's catalog item", e))?;
    for item in catalog.items {
        let moves = state.store.stage_history(item.id).await.map_err(|e| ApiError::store("reading stage moves", e))?;
        items.extend(moves.into_iter().map(|m| HistoryEntry {
            at: m.at,
            source: Source::Catalog,
            event: "catalog.stage".into(),
            summary: match m.from_stage {
                Some(from) => format!("Catalog item \"{}\": {from} → {}", item.fields.title, m.to_stage),
                None => format!("Catalog item \"{}\" created at stage {}", item.fields.title, m.to_stage),
            },
            actor: Some(m.by),
        }));
    }

    // Stable: entries of one instant keep the order the sources were read in.
    items.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(items)
}

/// The dates the platform reported, as entries.
fn inventory_dates(r: &Resource) -> Vec<HistoryEntry> {
    let entry = |at: Option<Timestamp>, event: &str, summary: String, actor: Option<String>| {
        at.map(|at| HistoryEntry { at, source: Source::Inventory, event: event.into(), summary, actor })
    };
    [
        entry(r.created_at, "inventory.created", format!("Created ({})", r.kind.label()), r.created_by.clone()),
        entry(r.published_at, "inventory.published", "Last published".into(), None),
        entry(r.modified_at, "inventory.modified", "Last modified".into(), None),
        entry(r.deleted_at, "inventory.deleted", "Deleted (a complete listing no longer had it)".into(), None),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_store::conformance::{at, resource};

    #[test]
    fn inventory_dates_become_entries_only_when_known() {
        let mut r = resource("t", "e", "r1", steward_model::ResourceKind::CanvasApp, "R");
        r.published_at = None;
        r.deleted_at = Some(at(2025, 1, 1, 0, 0, 0, 0));
        let events: Vec<String> = inventory_dates(&r).into_iter().map(|e| e.event).collect();
        assert_eq!(events, ["inventory.created", "inventory.modified", "inventory.deleted"]);
    }
}
