//! Measure generation and import outside the test harness (release build):
//!
//! ```text
//! cargo run --release -p steward-ingest --example measure -- generate medium 90 /tmp/medium
//! cargo run --release -p steward-ingest --example measure -- import /tmp/medium /tmp/medium.db
//! cargo run --release -p steward-ingest --example measure -- stream large
//! ```
//! Peak memory: run under `/usr/bin/time -v`.

use std::path::Path;
use std::time::Instant;
use steward_ingest::NoProgress;
use steward_ingest::dump::{ImportOptions, import_dir};
use steward_ingest::synthetic::{GenerateOptions, stream_tenant};
use steward_store::Store;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", preset, days, out] => {
            let mut opts = GenerateOptions::new(preset.parse()?, 42);
            opts.usage_days = Some(days.parse()?);
            let start = Instant::now();
            let report = steward_ingest::synthetic::generate(&opts, Path::new(out), &NoProgress)?;
            let secs = start.elapsed().as_secs_f64();
            println!("{}", serde_json::to_string(&report)?);
            println!(
                "generate: {secs:.1} s, {:.0} audit records/s, {:.1} MB/s",
                report.audit_records as f64 / secs,
                report.bytes as f64 / secs / 1e6
            );
        }
        ["import", dir, db] => {
            let store = steward_store_sqlite::SqliteStore::open(db)?;
            store.migrate().await?;
            let start = Instant::now();
            let report = import_dir(&store, Path::new(dir), &ImportOptions::default(), &NoProgress).await?;
            let secs = start.elapsed().as_secs_f64();
            println!("{}", serde_json::to_string(&report)?);
            println!(
                "import: {secs:.1} s, {:.0} resources+principals/s overall, {:.0} usage events/s overall",
                (report.resources.total() + report.principals.total()) as f64 / secs,
                report.usage_records_read as f64 / secs
            );
        }
        ["parse", dir] => {
            let start = Instant::now();
            let report = import_dir(&null::NullStore, Path::new(dir), &ImportOptions::default(), &NoProgress).await?;
            let secs = start.elapsed().as_secs_f64();
            println!("{}", serde_json::to_string(&report)?);
            println!(
                "parse only: {secs:.1} s, {:.0} usage events/s, {} files",
                report.usage_records_read as f64 / secs,
                report.files
            );
        }
        ["stream", preset] => {
            let opts = GenerateOptions::new(preset.parse()?, 42);
            let start = Instant::now();
            let n = stream_tenant(&opts).count();
            let secs = start.elapsed().as_secs_f64();
            println!("stream: {n} items in {secs:.1} s ({:.0} items/s)", n as f64 / secs);
        }
        _ => eprintln!("usage: measure generate PRESET DAYS OUT | import DIR DB | parse DIR | stream PRESET"),
    }
    Ok(())
}

/// A store that accepts every write and keeps nothing: measures the reader alone.
mod null {
    use async_trait::async_trait;
    use steward_model::*;
    use steward_store::*;

    pub struct NullStore;

    fn none<T>() -> Result<T> {
        Err(StoreError::InvalidQuery("the null store keeps nothing".into()))
    }

    fn added(n: usize) -> Result<UpsertCounts> {
        Ok(UpsertCounts { added: n as u64, ..Default::default() })
    }

    #[async_trait]
    impl Store for NullStore {
        fn backend(&self) -> &'static str {
            "null"
        }
        async fn migrate(&self) -> Result<()> {
            Ok(())
        }
        async fn begin_ingest(&self) -> Result<Box<dyn IngestTx>> {
            Ok(Box::new(NullTx))
        }
        async fn list_tenants(&self) -> Result<Vec<Tenant>> {
            none()
        }
        async fn list_environments(&self, _: &EnvironmentQuery) -> Result<Page<EnvironmentSummary>> {
            none()
        }
        async fn get_environment(&self, _: &str) -> Result<Option<Environment>> {
            none()
        }
        async fn list_resources(&self, _: &ResourceQuery) -> Result<Page<Resource>> {
            none()
        }
        async fn get_resource(&self, _: &str) -> Result<Option<Resource>> {
            none()
        }
        async fn list_principals(&self, _: &PrincipalQuery) -> Result<Page<Principal>> {
            none()
        }
        async fn get_principal(&self, _: &str) -> Result<Option<Principal>> {
            none()
        }
        async fn list_connectors(&self, _: Option<&str>) -> Result<Vec<Connector>> {
            none()
        }
        async fn list_data_policies(&self, _: Option<&str>) -> Result<Vec<DataPolicy>> {
            none()
        }
        async fn overview(&self, _: Option<&str>) -> Result<Overview> {
            none()
        }
        async fn get_governance(&self, _: &str) -> Result<Governance> {
            none()
        }
        async fn list_governance(&self, _: Option<&str>) -> Result<Vec<steward_model::ResourceGovernance>> {
            none()
        }
        async fn set_governance(&self, _: &str, _: &Governance) -> Result<()> {
            none()
        }
        async fn usage_rows(&self, _: &usage::RollupQuery) -> Result<Vec<usage::RollupRow>> {
            none()
        }
        async fn usage_actor_departments(&self, _: Option<&str>) -> Result<Vec<(u32, String)>> {
            none()
        }
        async fn usage_spans(&self, _: Option<&str>, _: Option<&[String]>) -> Result<Vec<usage::UsageSpan>> {
            none()
        }
        async fn usage_status(&self, _: Option<&str>) -> Result<usage::UsageStatus> {
            none()
        }
        async fn prune_usage(
            &self,
            _: &str,
            _: Option<chrono::NaiveDate>,
            _: Option<chrono::NaiveDate>,
        ) -> Result<usage::PruneCounts> {
            none()
        }
        async fn resource_briefs(&self, _: &usage::BriefQuery) -> Result<Vec<usage::ResourceBrief>> {
            none()
        }
        // ---- accounts, sessions, tokens, audit trail ----
        async fn create_user(&self, _: &auth::User) -> Result<()> {
            none()
        }
        async fn update_user(&self, _: &auth::User) -> Result<()> {
            none()
        }
        async fn get_user(&self, _: &str) -> Result<Option<auth::User>> {
            Ok(None)
        }
        async fn user_by_username(&self, _: &str) -> Result<Option<auth::User>> {
            Ok(None)
        }
        async fn user_by_oidc(&self, _: &str, _: &str) -> Result<Option<auth::User>> {
            Ok(None)
        }
        async fn list_users(&self) -> Result<Vec<auth::User>> {
            Ok(Vec::new())
        }
        async fn create_session(&self, _: &auth::Session) -> Result<()> {
            none()
        }
        async fn get_session(&self, _: &str) -> Result<Option<auth::Session>> {
            Ok(None)
        }
        async fn touch_session(&self, _: &str, _: Timestamp, _: Timestamp) -> Result<()> {
            Ok(())
        }
        async fn delete_session(&self, _: &str) -> Result<()> {
            Ok(())
        }
        async fn delete_user_sessions(&self, _: &str) -> Result<u64> {
            Ok(0)
        }
        async fn purge_expired_sessions(&self, _: Timestamp) -> Result<u64> {
            Ok(0)
        }
        async fn create_api_token(&self, _: &auth::ApiToken) -> Result<()> {
            none()
        }
        async fn api_token_by_hash(&self, _: &str) -> Result<Option<auth::ApiToken>> {
            Ok(None)
        }
        async fn list_api_tokens(&self, _: Option<&str>) -> Result<Vec<auth::ApiToken>> {
            Ok(Vec::new())
        }
        async fn revoke_api_token(&self, _: &str, _: Timestamp) -> Result<auth::ApiToken> {
            none()
        }
        async fn touch_api_token(&self, _: &str, _: Timestamp) -> Result<()> {
            Ok(())
        }
        async fn append_audit(&self, _: &auth::AuditEntry) -> Result<i64> {
            Ok(0)
        }
        async fn list_audit(&self, _: &auth::AuditQuery) -> Result<Vec<auth::AuditEntry>> {
            Ok(Vec::new())
        }
        async fn content_digest(&self) -> Result<String> {
            none()
        }
        async fn get_sync_state(&self, _: &str) -> Result<Option<serde_json::Value>> {
            Ok(None)
        }
        async fn list_licenses(&self, _: Option<&str>) -> Result<Vec<steward_model::License>> {
            Ok(Vec::new())
        }
        async fn license_assignments(&self, _: &str) -> Result<Vec<String>> {
            Ok(Vec::new())
        }
        async fn record_success_evaluation(&self, _: &success::SuccessEvaluation) -> Result<success::RecordCounts> {
            none()
        }
        async fn success_rule_sets(&self) -> Result<Vec<success::StoredRuleSet>> {
            none()
        }
        async fn list_detections(&self, _: &success::DetectionQuery) -> Result<Vec<success::Detection>> {
            none()
        }
        async fn get_detection(&self, _: i64) -> Result<Option<success::Detection>> {
            none()
        }
        async fn set_detection_state(&self, _: i64, _: &success::StateChange) -> Result<success::Detection> {
            none()
        }
        async fn detection_history(&self, _: i64) -> Result<Vec<success::DetectionTransition>> {
            none()
        }
        // ---- governance ----
        async fn save_policy_set(&self, _: &governance::NewPolicySet) -> Result<governance::SaveOutcome> {
            none()
        }
        async fn adopt_policy_set(&self, _: &str, _: &str, _: Timestamp) -> Result<Option<governance::PolicyAdoption>> {
            none()
        }
        async fn policy_sets(&self) -> Result<Vec<governance::PolicySetInfo>> {
            none()
        }
        async fn policy_set(&self, _: &str) -> Result<Option<governance::StoredPolicySet>> {
            none()
        }
        async fn active_policy_set(&self) -> Result<Option<governance::StoredPolicySet>> {
            none()
        }
        async fn policy_adoptions(&self) -> Result<Vec<governance::PolicyAdoption>> {
            none()
        }
        async fn record_compliance(&self, _: &governance::ComplianceRun) -> Result<governance::ComplianceCounts> {
            none()
        }
        async fn list_violations(&self, _: &governance::ViolationQuery) -> Result<Vec<governance::Violation>> {
            none()
        }
        async fn violation_history(&self, _: &str) -> Result<Vec<governance::ViolationEvent>> {
            none()
        }
        async fn compliance_runs(&self, _: u32) -> Result<Vec<governance::ComplianceRunInfo>> {
            none()
        }
        async fn compliance_trend(&self, _: Option<&str>, _: u32) -> Result<Vec<governance::TrendPoint>> {
            none()
        }
        async fn compliance_summary(&self, _: Option<&str>) -> Result<governance::ComplianceSummary> {
            none()
        }
        async fn open_violation_keys(&self, _: Option<&str>) -> Result<Vec<(String, String, String)>> {
            none()
        }
        async fn add_exemption(&self, _: &governance::NewExemption) -> Result<governance::Exemption> {
            none()
        }
        async fn revoke_exemption(&self, _: i64, _: &str, _: Timestamp) -> Result<governance::Exemption> {
            none()
        }
        async fn list_exemptions(&self, _: bool) -> Result<Vec<governance::Exemption>> {
            none()
        }
        async fn active_exemptions(&self, _: Timestamp) -> Result<Vec<governance::Exemption>> {
            none()
        }
        // ---- exemption requests ----
        async fn request_exemption(
            &self,
            _: &exemption_requests::NewExemptionRequest,
        ) -> Result<exemption_requests::ExemptionRequest> {
            none()
        }
        async fn get_exemption_request(&self, _: i64) -> Result<Option<exemption_requests::ExemptionRequest>> {
            none()
        }
        async fn list_exemption_requests(
            &self,
            _: &exemption_requests::ExemptionRequestQuery,
        ) -> Result<Vec<exemption_requests::ExemptionRequest>> {
            none()
        }
        async fn decide_exemption_request(
            &self,
            _: i64,
            _: &exemption_requests::RequestDecision,
        ) -> Result<exemption_requests::DecisionOutcome> {
            none()
        }
        // ---- campaigns ----
        async fn create_campaign(&self, _: &campaigns::NewCampaign) -> Result<campaigns::Campaign> {
            none()
        }
        async fn get_campaign(&self, _: i64) -> Result<Option<campaigns::Campaign>> {
            none()
        }
        async fn list_campaigns(&self, _: &campaigns::CampaignQuery) -> Result<Vec<campaigns::Campaign>> {
            none()
        }
        async fn close_campaign(&self, _: i64, _: &str, _: Timestamp) -> Result<campaigns::Campaign> {
            none()
        }
        async fn add_campaign_tasks(&self, _: i64, _: &[campaigns::NewTask]) -> Result<campaigns::AddedTasks> {
            none()
        }
        async fn get_campaign_task(&self, _: i64) -> Result<Option<campaigns::CampaignTask>> {
            none()
        }
        async fn list_campaign_tasks(&self, _: &campaigns::TaskQuery) -> Result<Vec<campaigns::CampaignTask>> {
            none()
        }
        async fn apply_task_transition(
            &self,
            _: i64,
            _: &campaigns::TaskTransition,
        ) -> Result<campaigns::TransitionOutcome> {
            none()
        }
        async fn campaign_task_history(&self, _: i64) -> Result<Vec<campaigns::CampaignTaskEvent>> {
            none()
        }
        // ---- catalog ----
        async fn create_catalog_item(&self, _: &catalog::NewCatalogItem) -> Result<catalog::CatalogItem> {
            none()
        }
        async fn get_catalog_item(&self, _: i64) -> Result<Option<catalog::CatalogItem>> {
            none()
        }
        async fn list_catalog_items(&self, _: &catalog::CatalogQuery) -> Result<Page<catalog::CatalogItem>> {
            none()
        }
        async fn catalog_changes(&self, _: i64, _: u32) -> Result<Vec<catalog::CatalogItem>> {
            none()
        }
        async fn update_catalog_item(
            &self,
            _: i64,
            _: &catalog::CatalogEdit,
        ) -> Result<catalog::Outcome<catalog::CatalogItem>> {
            none()
        }
        async fn apply_publication_step(
            &self,
            _: i64,
            _: &catalog::PublicationStep,
        ) -> Result<catalog::Outcome<catalog::CatalogItem>> {
            none()
        }
        async fn publication_history(&self, _: i64) -> Result<Vec<catalog::PublicationEvent>> {
            none()
        }
        async fn apply_stage_move(
            &self,
            _: i64,
            _: &catalog::StageMove,
        ) -> Result<catalog::Outcome<catalog::CatalogItem>> {
            none()
        }
        async fn stage_history(&self, _: i64) -> Result<Vec<catalog::StageEvent>> {
            none()
        }
        async fn rate_catalog_item(&self, _: i64, _: &str, _: u8, _: Timestamp) -> Result<catalog::RatingSummary> {
            none()
        }
        async fn catalog_ratings(&self, _: i64) -> Result<Vec<catalog::Rating>> {
            none()
        }
        async fn add_catalog_review(&self, _: &catalog::NewReview) -> Result<catalog::Review> {
            none()
        }
        async fn catalog_reviews(&self, _: i64) -> Result<Vec<catalog::Review>> {
            none()
        }
        async fn request_catalog_access(&self, _: &catalog::NewAccessRequest) -> Result<catalog::AccessRequest> {
            none()
        }
        async fn decide_access_request(
            &self,
            _: i64,
            _: &catalog::AccessDecision,
        ) -> Result<catalog::Outcome<catalog::AccessRequest>> {
            none()
        }
        async fn list_access_requests(&self, _: &catalog::AccessQuery) -> Result<Vec<catalog::AccessRequest>> {
            none()
        }
        async fn resource_statuses(&self, _: &[String]) -> Result<Vec<steward_store::inventory::ResourceStatus>> {
            none()
        }
        async fn list_makers(
            &self,
            _: &steward_store::inventory::MakerQuery,
        ) -> Result<Page<steward_store::inventory::MakerSummary>> {
            none()
        }
        async fn connector_summaries(
            &self,
            _: Option<&str>,
        ) -> Result<Vec<steward_store::inventory::ConnectorSummary>> {
            none()
        }
    }

    struct NullTx;

    #[async_trait]
    impl IngestTx for NullTx {
        async fn upsert_tenants(&mut self, items: Vec<Tenant>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn upsert_environments(&mut self, items: Vec<Environment>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn upsert_connectors(&mut self, items: Vec<Connector>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn upsert_data_policies(&mut self, items: Vec<DataPolicy>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn upsert_principals(&mut self, items: Vec<Principal>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn upsert_resources(&mut self, items: Vec<Resource>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn insert_usage_events(&mut self, items: Vec<UsageEvent>) -> Result<u64> {
            Ok(items.len() as u64)
        }
        async fn usage_ledger(&mut self, _: &str, _: chrono::NaiveDate) -> Result<usage::DayLedger> {
            Ok(usage::DayLedger::Open(Vec::new()))
        }
        async fn apply_usage(&mut self, _: usage::UsageDelta) -> Result<()> {
            Ok(())
        }
        async fn resource_scopes(&mut self, _: &[String]) -> Result<Vec<usage::ResourceScopes>> {
            Ok(Vec::new())
        }
        async fn upsert_licenses(&mut self, items: Vec<steward_model::License>) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn set_license_assignments(
            &mut self,
            items: Vec<steward_model::LicenseAssignment>,
        ) -> Result<UpsertCounts> {
            added(items.len())
        }
        async fn put_sync_state(&mut self, _: &str, _: serde_json::Value) -> Result<()> {
            Ok(())
        }
        async fn record_listing_seen(&mut self, _: &str, _: Vec<String>) -> Result<()> {
            Ok(())
        }
        async fn complete_listing(
            &mut self,
            _: &str,
            _: &steward_store::ListingScope,
            _: steward_model::Timestamp,
        ) -> Result<steward_store::Deletions> {
            Ok(Default::default())
        }
        async fn abandon_listing(&mut self, _: &str) -> Result<()> {
            Ok(())
        }
        async fn commit(self: Box<Self>) -> Result<()> {
            Ok(())
        }
        async fn rollback(self: Box<Self>) -> Result<()> {
            Ok(())
        }
    }

    // The per-domain parts of the store boundary; each method answers `none()`.
    #[async_trait]
    impl jobs::JobStore for NullStore {
        async fn enqueue_job(&self, _: &jobs::NewJob, _: Timestamp) -> Result<jobs::Enqueued> {
            none()
        }
        async fn get_job(&self, _: jobs::JobId) -> Result<Option<jobs::Job>> {
            none()
        }
        async fn list_jobs(&self, _: &jobs::JobQuery) -> Result<Vec<jobs::Job>> {
            none()
        }
        async fn job_counts(&self) -> Result<jobs::JobCounts> {
            none()
        }
        async fn claim_jobs(&self, _: &jobs::ClaimRequest) -> Result<Vec<jobs::ClaimedJob>> {
            none()
        }
        async fn heartbeat_job(&self, _: &jobs::Lease, _: Timestamp) -> Result<bool> {
            none()
        }
        async fn complete_job(&self, _: &jobs::Lease, _: Option<&str>, _: Timestamp) -> Result<bool> {
            none()
        }
        async fn fail_job(&self, _: &jobs::Lease, _: &jobs::JobFailure, _: Timestamp) -> Result<jobs::FailOutcome> {
            none()
        }
        async fn release_job(&self, _: &jobs::Lease, _: Timestamp) -> Result<bool> {
            none()
        }
        async fn cancel_job(&self, _: jobs::JobId, _: Timestamp) -> Result<bool> {
            none()
        }
        async fn requeue_job(&self, _: jobs::JobId, _: Timestamp) -> Result<bool> {
            none()
        }
        async fn list_job_runs(&self, _: &jobs::RunQuery) -> Result<Vec<jobs::JobRun>> {
            none()
        }
        async fn prune_jobs(&self, _: Timestamp) -> Result<u64> {
            none()
        }
        async fn put_schedules(&self, _: &[jobs::ScheduleSpec], _: Timestamp) -> Result<()> {
            none()
        }
        async fn list_schedules(&self) -> Result<Vec<jobs::Schedule>> {
            none()
        }
        async fn get_schedule(&self, _: &str) -> Result<Option<jobs::Schedule>> {
            none()
        }
        async fn fire_schedule(
            &self,
            _: &str,
            _: Timestamp,
            _: Option<Timestamp>,
            _: Timestamp,
        ) -> Result<jobs::FireOutcome> {
            none()
        }
    }
    #[async_trait]
    impl notifications::NotificationStore for NullStore {
        async fn set_notification_preference(&self, _: &notifications::Preference) -> Result<()> {
            none()
        }
        async fn notification_preferences(&self, _: &str) -> Result<Vec<notifications::Preference>> {
            none()
        }
        async fn set_notification_destination(&self, _: &notifications::Destination) -> Result<()> {
            none()
        }
        async fn remove_notification_destination(&self, _: &str, _: notifications::ChannelKind) -> Result<bool> {
            none()
        }
        async fn notification_destinations(&self, _: &str) -> Result<Vec<notifications::Destination>> {
            none()
        }
        async fn enqueue_delivery(&self, _: &notifications::NewDelivery) -> Result<notifications::Enqueued> {
            none()
        }
        async fn claim_deliveries(
            &self,
            _: steward_model::Timestamp,
            _: steward_model::Timestamp,
            _: u32,
        ) -> Result<Vec<notifications::Delivery>> {
            none()
        }
        async fn finish_delivery(&self, _: i64, _: &notifications::Attempt) -> Result<notifications::Delivery> {
            none()
        }
        async fn retry_delivery(&self, _: i64, _: steward_model::Timestamp) -> Result<notifications::Delivery> {
            none()
        }
        async fn get_delivery(&self, _: i64) -> Result<Option<notifications::Delivery>> {
            none()
        }
        async fn list_deliveries(&self, _: &notifications::DeliveryQuery) -> Result<Vec<notifications::Delivery>> {
            none()
        }
        async fn delivery_counts(&self) -> Result<Vec<(notifications::DeliveryStatus, u64)>> {
            none()
        }
        async fn record_feedback(&self, _: &notifications::NewFeedback) -> Result<notifications::Feedback> {
            none()
        }
        async fn list_feedback(&self, _: steward_model::Timestamp) -> Result<Vec<notifications::Feedback>> {
            none()
        }
        async fn set_maker_skills(
            &self,
            _: &str,
            _: &[String],
            _: steward_model::Timestamp,
        ) -> Result<notifications::MakerSkills> {
            none()
        }
        async fn list_maker_skills(&self) -> Result<Vec<notifications::MakerSkills>> {
            none()
        }
        async fn mark_makers_seen(&self, _: &[String], _: steward_model::Timestamp) -> Result<Vec<String>> {
            none()
        }
        async fn seen_makers_count(&self) -> Result<u64> {
            none()
        }
    }
    #[async_trait]
    impl value::ValueStore for NullStore {
        async fn record_value(&self, _: &value::NewValueRecord) -> Result<value::ValueRecord> {
            none()
        }
        async fn value_records(&self, _: &value::ValueQuery) -> Result<Vec<value::ValueRecord>> {
            none()
        }
        async fn value_history(&self, _: &str) -> Result<Vec<value::ValueRecord>> {
            none()
        }
        async fn record_value_assessment(&self, _: &value::NewValueAssessment) -> Result<value::ValueAssessment> {
            none()
        }
        async fn value_assessments(&self, _: &value::AssessmentQuery) -> Result<Vec<value::ValueAssessment>> {
            none()
        }
    }
    #[async_trait]
    impl cost::CostStore for NullStore {
        async fn put_cost_records(&self, _: cost::CostRecordKind, _: &[cost::CostRecord]) -> Result<u64> {
            none()
        }
        async fn replace_cost_records(&self, _: cost::CostRecordKind, _: &[cost::CostRecord]) -> Result<u64> {
            none()
        }
        async fn delete_cost_record(&self, _: cost::CostRecordKind, _: &str) -> Result<bool> {
            none()
        }
        async fn cost_records(&self, _: cost::CostRecordKind) -> Result<Vec<cost::CostRecord>> {
            none()
        }
        async fn licence_holders(&self, _: Option<&str>) -> Result<Vec<cost::LicenceHolder>> {
            none()
        }
        async fn usage_actor_principals(&self, _: Option<&str>) -> Result<Vec<(u32, String)>> {
            none()
        }
    }
    #[async_trait]
    impl maturity::MaturityStore for NullStore {
        async fn create_assessment(&self, _: &maturity::NewAssessment) -> Result<maturity::Assessment> {
            none()
        }
        async fn get_assessment(&self, _: i64) -> Result<Option<maturity::Assessment>> {
            none()
        }
        async fn list_assessments(&self, _: &maturity::AssessmentQuery) -> Result<Vec<maturity::Assessment>> {
            none()
        }
        async fn record_answers(&self, _: i64, _: &[maturity::NewAnswer]) -> Result<maturity::RecordedAnswers> {
            none()
        }
        async fn assessment_answers(&self, _: i64) -> Result<Vec<maturity::Answer>> {
            none()
        }
        async fn answer_history(&self, _: i64) -> Result<Vec<maturity::AnswerEvent>> {
            none()
        }
        async fn complete_assessment(
            &self,
            _: i64,
            _: &str,
            _: steward_model::Timestamp,
        ) -> Result<maturity::Assessment> {
            none()
        }
    }
}
