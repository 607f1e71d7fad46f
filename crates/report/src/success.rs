//! Success candidates for a report, read from the detections success detection recorded.
//!
//! The rules (and so their titles) belong to `steward-success`; callers pass the titles in, so
//! this crate depends on the store's record of detections only.

use crate::format::count;
use crate::{Month, ReportError, SuccessCandidate};
use std::collections::HashMap;
use steward_store::Store;
use steward_store::success::{Detection, DetectionQuery, DetectionState};
use steward_store::usage::BriefQuery;

/// Detections a board should see for `period`: not dismissed, with a window that overlaps the
/// month. Promoted first, then reviewed, then new; by name within each.
/// `rule_titles` maps rule ids to titles; a rule missing from it is shown by its id.
pub async fn success_candidates(
    store: &dyn Store,
    period: Month,
    tenant_id: Option<&str>,
    rule_titles: &HashMap<String, String>,
) -> Result<Vec<SuccessCandidate>, ReportError> {
    let detections = store
        .list_detections(&DetectionQuery { tenant_id: tenant_id.map(str::to_string), ..Default::default() })
        .await
        .map_err(ReportError::store("listing success detections"))?;
    let wanted: Vec<Detection> = detections
        .into_iter()
        .filter(|d| d.state != DetectionState::Dismissed)
        .filter(|d| d.window_from <= period.last_day() && d.window_to >= period.first_day())
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = wanted.iter().map(|d| d.resource_id.clone()).collect();
    let names: HashMap<String, String> = store
        .resource_briefs(&BriefQuery { ids: Some(ids), include_deleted: true, ..Default::default() })
        .await
        .map_err(ReportError::store("reading the names of success candidates"))?
        .into_iter()
        .map(|b| (b.id, b.display_name))
        .collect();
    let mut out: Vec<(u8, SuccessCandidate)> = wanted
        .into_iter()
        .map(|d| {
            let rank = match d.state {
                DetectionState::Promoted => 0,
                DetectionState::Reviewed => 1,
                _ => 2,
            };
            let state = if d.active { d.state.to_string() } else { format!("{} (no longer fires)", d.state) };
            let candidate = SuccessCandidate {
                display_name: names.get(&d.resource_id).cloned().unwrap_or_else(|| d.resource_id.clone()),
                kind: d.kind,
                rule_title: rule_titles.get(&d.rule_id).cloned().unwrap_or_else(|| d.rule_id.clone()),
                figures: figures_text(&d.figures),
                state,
                rule_id: d.rule_id,
                resource_id: d.resource_id,
            };
            (rank, candidate)
        })
        .collect();
    out.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.display_name.to_lowercase().cmp(&b.1.display_name.to_lowercase()))
            .then_with(|| (&a.1.resource_id, &a.1.rule_id).cmp(&(&b.1.resource_id, &b.1.rule_id)))
    });
    Ok(out.into_iter().map(|(_, c)| c).collect())
}

/// `{"unique_users": 412, "departments": 9}` → `unique users 412, departments 9`.
fn figures_text(figures: &serde_json::Value) -> String {
    let Some(map) = figures.as_object() else { return figures.to_string() };
    map.iter()
        .map(|(metric, value)| {
            let value = match value.as_u64() {
                Some(n) => count(n),
                None => value.as_f64().map_or_else(|| value.to_string(), |f| format!("{f:.1}")),
            };
            format!("{} {value}", metric.replace('_', " "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_words_with_grouped_counts() {
        let text = figures_text(&serde_json::json!({"unique_users": 1412, "growth": 1.5, "departments": 9}));
        assert_eq!(text, "departments 9, growth 1.5, unique users 1,412");
    }
}
