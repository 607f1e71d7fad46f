//! The demo's review queues are not empty on the first visit: a catalog promotion campaign asks
//! the owners of succeeding pilots to move them on, and a maker has asked for an exemption from
//! one open violation. Done once: a store that has any campaign or exemption request is left
//! alone, so running the demo again adds nothing.

use anyhow::Context;
use steward_campaigns::CampaignKind;
use steward_campaigns::feed::{self, StartOptions};
use steward_store::Store;
use steward_store::campaigns::CampaignQuery;
use steward_store::exemption_requests::{ExemptionRequestQuery, NewExemptionRequest};
use steward_store::governance::{SubjectKind, ViolationQuery, ViolationState};

/// Who the demo's own actions are recorded as.
const DEMO_ADMIN: &str = "demo-admin";

pub async fn seed(store: &dyn Store, config: &steward_campaigns::CampaignConfig) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    if store.list_campaigns(&CampaignQuery::default()).await?.is_empty() {
        let options = StartOptions {
            kind: CampaignKind::Promotion,
            title: None,
            by: DEMO_ADMIN.into(),
            tenant: None,
            now,
            dry_run: false,
            limit: Some(10),
        };
        let report = feed::start(store, config, &options).await.context("cannot start the demo promotion campaign")?;
        if !report.added.is_empty() {
            println!("Campaign: {} catalog items proposed for their next stage.", report.added.len());
        }
    }
    if store.list_exemption_requests(&ExemptionRequestQuery::default()).await?.is_empty() {
        let open = ViolationQuery { states: vec![ViolationState::Open], limit: Some(50), ..Default::default() };
        let violation =
            store.list_violations(&open).await?.into_iter().find(|v| v.subject_kind == SubjectKind::Resource);
        if let Some(v) = violation {
            let request = NewExemptionRequest {
                policy_id: v.policy_id.clone(),
                subject_id: v.subject_id.clone(),
                environment_id: v.environment_id.clone(),
                reason: "Shared with the whole company on purpose: it is the staff directory.".into(),
                requested_by: DEMO_ADMIN.into(),
                requested_at: now,
                expires_at: Some(now + chrono::Duration::days(90)),
            };
            store.request_exemption(&request).await.context("cannot record the demo exemption request")?;
            println!("Exemption request: {} on {} waits for a decision.", v.policy_id, v.subject_id);
        }
    }
    Ok(())
}
