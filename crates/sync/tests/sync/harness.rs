//! A fake tenant, a fresh SQLite store and a client configured for both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use steward_fake_tenant::{FakeConfig, Faults, MutationReport, MutationRequest, RunningFake};
use steward_ingest::synthetic::Preset;
use steward_model::Timestamp;
use steward_powerplatform::{ClientOptions, PowerPlatformClient, SourceSettings};
use steward_store::{IngestTx, ResourceQuery, Store, auth, catalog, governance, success, usage};
use steward_sync::{SyncError, SyncOptions, SyncReport};

pub fn as_of() -> Timestamp {
    chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z").unwrap().with_timezone(&chrono::Utc)
}

pub fn fake_config(preset: Preset) -> FakeConfig {
    let mut c = FakeConfig::new(preset, 42);
    c.content_page_size = 20;
    c.usage_days = Some(5);
    c
}

pub struct Harness {
    pub fake: RunningFake,
    pub store: Arc<dyn Store>,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

pub struct Target {
    pub id: String,
    pub name: String,
}

impl Harness {
    pub async fn start(config: FakeConfig) -> Harness {
        let fake = steward_fake_tenant::spawn(config).await.expect("fake tenant");
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("steward.db");
        let store: Arc<dyn Store> = Arc::new(steward_store_sqlite::SqliteStore::open(db.to_str().unwrap()).unwrap());
        store.migrate().await.unwrap();
        Harness { fake, store, dir, http: reqwest::Client::new() }
    }

    fn client(&self, secret: &str) -> Arc<PowerPlatformClient> {
        std::fs::write(self.dir.path().join("secret.txt"), secret).unwrap();
        let text = steward_fake_tenant::steward_toml("fake", &self.fake.tenant_id(), &self.fake.base_url, "secret.txt");
        #[derive(serde::Deserialize)]
        struct File {
            sources: Vec<SourceSettings>,
        }
        let settings = toml::from_str::<File>(&text).unwrap().sources.remove(0);
        let resolved = settings.resolve(self.dir.path()).unwrap();
        let options = ClientOptions {
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(20),
            ..ClientOptions::default()
        };
        Arc::new(PowerPlatformClient::new(resolved, options).unwrap())
    }

    fn options(&self, options: SyncOptions) -> SyncOptions {
        SyncOptions { as_of: Some(as_of()), environment_concurrency: 4, ..options }
    }

    pub async fn sync(&self, options: SyncOptions) -> SyncReport {
        self.try_sync(self.client(steward_fake_tenant::DEFAULT_CLIENT_SECRET), options).await.expect("sync")
    }

    async fn try_sync(&self, client: Arc<PowerPlatformClient>, options: SyncOptions) -> Result<SyncReport, SyncError> {
        let tenant = self.fake.tenant_id();
        steward_sync::sync_powerplatform(
            self.store.clone(),
            client,
            "fake",
            &tenant,
            self.options(options),
            Arc::new(steward_ingest::NoProgress),
        )
        .await
    }

    pub async fn sync_with_secret(&self, secret: &str) -> SyncError {
        self.try_sync(self.client(secret), SyncOptions::default()).await.expect_err("a wrong secret must fail")
    }

    /// Run a sync over a store that stops accepting writes after `writes` transactions begin,
    /// as a kill would stop it. Answers the report when the run got to its end anyway.
    pub async fn sync_killed_after(&self, writes: u64) -> Option<SyncReport> {
        let counting: Arc<dyn Store> = Arc::new(KillSwitch { inner: self.store.clone(), left: AtomicU64::new(writes) });
        let client = self.client(steward_fake_tenant::DEFAULT_CLIENT_SECRET);
        let tenant = self.fake.tenant_id();
        let outcome = steward_sync::sync_powerplatform(
            counting,
            client,
            "fake",
            &tenant,
            self.options(SyncOptions::default()),
            Arc::new(steward_ingest::NoProgress),
        )
        .await;
        outcome.ok()
    }

    pub async fn mutate(&self, changed_fraction: f64, deleted: u64, added: u64) -> MutationReport {
        let req = MutationRequest { changed_fraction, deleted, added, seed: 5 };
        self.http
            .post(format!("{}/_fake/mutate", self.fake.base_url))
            .json(&req)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn set_faults(&self, faults: Faults) {
        self.http
            .put(format!("{}/_fake/faults", self.fake.base_url))
            .json(&faults)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    pub async fn digest(&self) -> String {
        self.store.content_digest().await.unwrap()
    }

    /// The environment with the most live resources.
    pub async fn busiest_environment(&self) -> Target {
        let page = self
            .store
            .list_environments(&steward_store::EnvironmentQuery { limit: Some(1000), ..Default::default() })
            .await
            .unwrap();
        let best = page.items.into_iter().max_by_key(|e| e.resource_count).expect("environments");
        let name = self.fake.environment_name(&best.environment.id).expect("the fake knows it");
        Target { id: best.environment.id, name }
    }

    pub async fn live_in(&self, environment_id: &str) -> u64 {
        let q = ResourceQuery { environment: Some(environment_id.to_string()), limit: Some(1), ..Default::default() };
        self.store.list_resources(&q).await.unwrap().total
    }
}

pub async fn resource_count(store: &Arc<dyn Store>) -> u64 {
    store.list_resources(&ResourceQuery { limit: Some(1), ..Default::default() }).await.unwrap().total
}

/// A store whose transactions fail to commit once a budget of commits is spent: the state on
/// disk is then exactly what a `kill -9` at that moment leaves (SQLite rolls back the rest).
struct KillSwitch {
    inner: Arc<dyn Store>,
    left: AtomicU64,
}

#[async_trait::async_trait]
impl Store for KillSwitch {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn migrate(&self) -> steward_store::Result<()> {
        self.inner.migrate().await
    }
    async fn begin_ingest(&self) -> steward_store::Result<Box<dyn IngestTx>> {
        if self.left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1)).is_err() {
            return Err(steward_store::StoreError::Closed("killed".into()));
        }
        self.inner.begin_ingest().await
    }
    async fn list_tenants(&self) -> steward_store::Result<Vec<steward_model::Tenant>> {
        self.inner.list_tenants().await
    }
    async fn list_environments(
        &self,
        q: &steward_store::EnvironmentQuery,
    ) -> steward_store::Result<steward_model::Page<steward_store::EnvironmentSummary>> {
        self.inner.list_environments(q).await
    }
    async fn get_environment(&self, id: &str) -> steward_store::Result<Option<steward_model::Environment>> {
        self.inner.get_environment(id).await
    }
    async fn list_resources(
        &self,
        q: &ResourceQuery,
    ) -> steward_store::Result<steward_model::Page<steward_model::Resource>> {
        self.inner.list_resources(q).await
    }
    async fn get_resource(&self, id: &str) -> steward_store::Result<Option<steward_model::Resource>> {
        self.inner.get_resource(id).await
    }
    async fn list_principals(
        &self,
        q: &steward_store::PrincipalQuery,
    ) -> steward_store::Result<steward_model::Page<steward_model::Principal>> {
        self.inner.list_principals(q).await
    }
    async fn get_principal(&self, id: &str) -> steward_store::Result<Option<steward_model::Principal>> {
        self.inner.get_principal(id).await
    }
    async fn list_connectors(&self, t: Option<&str>) -> steward_store::Result<Vec<steward_model::Connector>> {
        self.inner.list_connectors(t).await
    }
    async fn list_data_policies(&self, t: Option<&str>) -> steward_store::Result<Vec<steward_model::DataPolicy>> {
        self.inner.list_data_policies(t).await
    }
    async fn overview(&self, t: Option<&str>) -> steward_store::Result<steward_store::Overview> {
        self.inner.overview(t).await
    }
    async fn get_governance(&self, id: &str) -> steward_store::Result<steward_model::Governance> {
        self.inner.get_governance(id).await
    }
    async fn list_governance(&self, t: Option<&str>) -> steward_store::Result<Vec<steward_model::ResourceGovernance>> {
        self.inner.list_governance(t).await
    }
    async fn set_governance(&self, id: &str, g: &steward_model::Governance) -> steward_store::Result<()> {
        self.inner.set_governance(id, g).await
    }
    async fn usage_rows(&self, q: &usage::RollupQuery) -> steward_store::Result<Vec<usage::RollupRow>> {
        self.inner.usage_rows(q).await
    }
    async fn usage_actor_departments(&self, t: Option<&str>) -> steward_store::Result<Vec<(u32, String)>> {
        self.inner.usage_actor_departments(t).await
    }
    async fn usage_spans(
        &self,
        t: Option<&str>,
        ids: Option<&[String]>,
    ) -> steward_store::Result<Vec<usage::UsageSpan>> {
        self.inner.usage_spans(t, ids).await
    }
    async fn usage_status(&self, t: Option<&str>) -> steward_store::Result<usage::UsageStatus> {
        self.inner.usage_status(t).await
    }
    async fn prune_usage(
        &self,
        t: &str,
        raw: Option<chrono::NaiveDate>,
        rollups: Option<chrono::NaiveDate>,
    ) -> steward_store::Result<usage::PruneCounts> {
        self.inner.prune_usage(t, raw, rollups).await
    }
    async fn resource_briefs(&self, q: &usage::BriefQuery) -> steward_store::Result<Vec<usage::ResourceBrief>> {
        self.inner.resource_briefs(q).await
    }
    async fn record_success_evaluation(
        &self,
        e: &success::SuccessEvaluation,
    ) -> steward_store::Result<success::RecordCounts> {
        self.inner.record_success_evaluation(e).await
    }
    async fn success_rule_sets(&self) -> steward_store::Result<Vec<success::StoredRuleSet>> {
        self.inner.success_rule_sets().await
    }
    async fn list_detections(&self, q: &success::DetectionQuery) -> steward_store::Result<Vec<success::Detection>> {
        self.inner.list_detections(q).await
    }
    async fn get_detection(&self, id: i64) -> steward_store::Result<Option<success::Detection>> {
        self.inner.get_detection(id).await
    }
    async fn set_detection_state(
        &self,
        id: i64,
        change: &success::StateChange,
    ) -> steward_store::Result<success::Detection> {
        self.inner.set_detection_state(id, change).await
    }
    async fn detection_history(&self, id: i64) -> steward_store::Result<Vec<success::DetectionTransition>> {
        self.inner.detection_history(id).await
    }
    // ---- governance ----
    async fn save_policy_set(&self, s: &governance::NewPolicySet) -> steward_store::Result<governance::SaveOutcome> {
        self.inner.save_policy_set(s).await
    }
    async fn adopt_policy_set(
        &self,
        version: &str,
        by: &str,
        at: Timestamp,
    ) -> steward_store::Result<Option<governance::PolicyAdoption>> {
        self.inner.adopt_policy_set(version, by, at).await
    }
    async fn policy_sets(&self) -> steward_store::Result<Vec<governance::PolicySetInfo>> {
        self.inner.policy_sets().await
    }
    async fn policy_set(&self, version: &str) -> steward_store::Result<Option<governance::StoredPolicySet>> {
        self.inner.policy_set(version).await
    }
    async fn active_policy_set(&self) -> steward_store::Result<Option<governance::StoredPolicySet>> {
        self.inner.active_policy_set().await
    }
    async fn policy_adoptions(&self) -> steward_store::Result<Vec<governance::PolicyAdoption>> {
        self.inner.policy_adoptions().await
    }
    async fn record_compliance(
        &self,
        r: &governance::ComplianceRun,
    ) -> steward_store::Result<governance::ComplianceCounts> {
        self.inner.record_compliance(r).await
    }
    async fn list_violations(
        &self,
        q: &governance::ViolationQuery,
    ) -> steward_store::Result<Vec<governance::Violation>> {
        self.inner.list_violations(q).await
    }
    async fn violation_history(&self, subject_id: &str) -> steward_store::Result<Vec<governance::ViolationEvent>> {
        self.inner.violation_history(subject_id).await
    }
    async fn compliance_runs(&self, limit: u32) -> steward_store::Result<Vec<governance::ComplianceRunInfo>> {
        self.inner.compliance_runs(limit).await
    }
    async fn compliance_trend(
        &self,
        policy_id: Option<&str>,
        limit: u32,
    ) -> steward_store::Result<Vec<governance::TrendPoint>> {
        self.inner.compliance_trend(policy_id, limit).await
    }
    async fn compliance_summary(&self, t: Option<&str>) -> steward_store::Result<governance::ComplianceSummary> {
        self.inner.compliance_summary(t).await
    }
    async fn open_violation_keys(&self, t: Option<&str>) -> steward_store::Result<Vec<(String, String, String)>> {
        self.inner.open_violation_keys(t).await
    }
    async fn add_exemption(&self, e: &governance::NewExemption) -> steward_store::Result<governance::Exemption> {
        self.inner.add_exemption(e).await
    }
    async fn revoke_exemption(&self, id: i64, by: &str, at: Timestamp) -> steward_store::Result<governance::Exemption> {
        self.inner.revoke_exemption(id, by, at).await
    }
    async fn list_exemptions(&self, include_revoked: bool) -> steward_store::Result<Vec<governance::Exemption>> {
        self.inner.list_exemptions(include_revoked).await
    }
    async fn active_exemptions(&self, at: Timestamp) -> steward_store::Result<Vec<governance::Exemption>> {
        self.inner.active_exemptions(at).await
    }
    // ---- exemption requests ----
    async fn request_exemption(
        &self,
        r: &steward_store::exemption_requests::NewExemptionRequest,
    ) -> steward_store::Result<steward_store::exemption_requests::ExemptionRequest> {
        self.inner.request_exemption(r).await
    }
    async fn get_exemption_request(
        &self,
        id: i64,
    ) -> steward_store::Result<Option<steward_store::exemption_requests::ExemptionRequest>> {
        self.inner.get_exemption_request(id).await
    }
    async fn list_exemption_requests(
        &self,
        q: &steward_store::exemption_requests::ExemptionRequestQuery,
    ) -> steward_store::Result<Vec<steward_store::exemption_requests::ExemptionRequest>> {
        self.inner.list_exemption_requests(q).await
    }
    async fn decide_exemption_request(
        &self,
        id: i64,
        d: &steward_store::exemption_requests::RequestDecision,
    ) -> steward_store::Result<steward_store::exemption_requests::DecisionOutcome> {
        self.inner.decide_exemption_request(id, d).await
    }
    // ---- campaigns ----
    async fn create_campaign(
        &self,
        c: &steward_store::campaigns::NewCampaign,
    ) -> steward_store::Result<steward_store::campaigns::Campaign> {
        self.inner.create_campaign(c).await
    }
    async fn get_campaign(&self, id: i64) -> steward_store::Result<Option<steward_store::campaigns::Campaign>> {
        self.inner.get_campaign(id).await
    }
    async fn list_campaigns(
        &self,
        q: &steward_store::campaigns::CampaignQuery,
    ) -> steward_store::Result<Vec<steward_store::campaigns::Campaign>> {
        self.inner.list_campaigns(q).await
    }
    async fn close_campaign(
        &self,
        id: i64,
        by: &str,
        at: Timestamp,
    ) -> steward_store::Result<steward_store::campaigns::Campaign> {
        self.inner.close_campaign(id, by, at).await
    }
    async fn add_campaign_tasks(
        &self,
        id: i64,
        tasks: &[steward_store::campaigns::NewTask],
    ) -> steward_store::Result<steward_store::campaigns::AddedTasks> {
        self.inner.add_campaign_tasks(id, tasks).await
    }
    async fn get_campaign_task(
        &self,
        id: i64,
    ) -> steward_store::Result<Option<steward_store::campaigns::CampaignTask>> {
        self.inner.get_campaign_task(id).await
    }
    async fn list_campaign_tasks(
        &self,
        q: &steward_store::campaigns::TaskQuery,
    ) -> steward_store::Result<Vec<steward_store::campaigns::CampaignTask>> {
        self.inner.list_campaign_tasks(q).await
    }
    async fn apply_task_transition(
        &self,
        id: i64,
        t: &steward_store::campaigns::TaskTransition,
    ) -> steward_store::Result<steward_store::campaigns::TransitionOutcome> {
        self.inner.apply_task_transition(id, t).await
    }
    async fn campaign_task_history(
        &self,
        id: i64,
    ) -> steward_store::Result<Vec<steward_store::campaigns::CampaignTaskEvent>> {
        self.inner.campaign_task_history(id).await
    }
    // ---- accounts, sessions, tokens, audit trail ----
    async fn create_user(&self, u: &auth::User) -> steward_store::Result<()> {
        self.inner.create_user(u).await
    }
    async fn update_user(&self, u: &auth::User) -> steward_store::Result<()> {
        self.inner.update_user(u).await
    }
    async fn get_user(&self, id: &str) -> steward_store::Result<Option<auth::User>> {
        self.inner.get_user(id).await
    }
    async fn user_by_username(&self, name: &str) -> steward_store::Result<Option<auth::User>> {
        self.inner.user_by_username(name).await
    }
    async fn user_by_oidc(&self, issuer: &str, subject: &str) -> steward_store::Result<Option<auth::User>> {
        self.inner.user_by_oidc(issuer, subject).await
    }
    async fn list_users(&self) -> steward_store::Result<Vec<auth::User>> {
        self.inner.list_users().await
    }
    async fn create_session(&self, s: &auth::Session) -> steward_store::Result<()> {
        self.inner.create_session(s).await
    }
    async fn get_session(&self, id_hash: &str) -> steward_store::Result<Option<auth::Session>> {
        self.inner.get_session(id_hash).await
    }
    async fn touch_session(&self, id_hash: &str, seen: Timestamp, expires: Timestamp) -> steward_store::Result<()> {
        self.inner.touch_session(id_hash, seen, expires).await
    }
    async fn delete_session(&self, id_hash: &str) -> steward_store::Result<()> {
        self.inner.delete_session(id_hash).await
    }
    async fn delete_user_sessions(&self, user_id: &str) -> steward_store::Result<u64> {
        self.inner.delete_user_sessions(user_id).await
    }
    async fn purge_expired_sessions(&self, now: Timestamp) -> steward_store::Result<u64> {
        self.inner.purge_expired_sessions(now).await
    }
    async fn create_api_token(&self, t: &auth::ApiToken) -> steward_store::Result<()> {
        self.inner.create_api_token(t).await
    }
    async fn api_token_by_hash(&self, hash: &str) -> steward_store::Result<Option<auth::ApiToken>> {
        self.inner.api_token_by_hash(hash).await
    }
    async fn list_api_tokens(&self, user_id: Option<&str>) -> steward_store::Result<Vec<auth::ApiToken>> {
        self.inner.list_api_tokens(user_id).await
    }
    async fn revoke_api_token(&self, id: &str, at: Timestamp) -> steward_store::Result<auth::ApiToken> {
        self.inner.revoke_api_token(id, at).await
    }
    async fn touch_api_token(&self, id: &str, at: Timestamp) -> steward_store::Result<()> {
        self.inner.touch_api_token(id, at).await
    }
    async fn append_audit(&self, e: &auth::AuditEntry) -> steward_store::Result<i64> {
        self.inner.append_audit(e).await
    }
    async fn list_audit(&self, q: &auth::AuditQuery) -> steward_store::Result<Vec<auth::AuditEntry>> {
        self.inner.list_audit(q).await
    }
    // ---- catalog ----
    async fn create_catalog_item(&self, i: &catalog::NewCatalogItem) -> steward_store::Result<catalog::CatalogItem> {
        self.inner.create_catalog_item(i).await
    }
    async fn get_catalog_item(&self, id: i64) -> steward_store::Result<Option<catalog::CatalogItem>> {
        self.inner.get_catalog_item(id).await
    }
    async fn list_catalog_items(
        &self,
        q: &catalog::CatalogQuery,
    ) -> steward_store::Result<steward_model::Page<catalog::CatalogItem>> {
        self.inner.list_catalog_items(q).await
    }
    async fn catalog_changes(&self, since: i64, limit: u32) -> steward_store::Result<Vec<catalog::CatalogItem>> {
        self.inner.catalog_changes(since, limit).await
    }
    async fn update_catalog_item(
        &self,
        id: i64,
        e: &catalog::CatalogEdit,
    ) -> steward_store::Result<catalog::Outcome<catalog::CatalogItem>> {
        self.inner.update_catalog_item(id, e).await
    }
    async fn apply_publication_step(
        &self,
        id: i64,
        s: &catalog::PublicationStep,
    ) -> steward_store::Result<catalog::Outcome<catalog::CatalogItem>> {
        self.inner.apply_publication_step(id, s).await
    }
    async fn publication_history(&self, id: i64) -> steward_store::Result<Vec<catalog::PublicationEvent>> {
        self.inner.publication_history(id).await
    }
    async fn apply_stage_move(
        &self,
        id: i64,
        m: &catalog::StageMove,
    ) -> steward_store::Result<catalog::Outcome<catalog::CatalogItem>> {
        self.inner.apply_stage_move(id, m).await
    }
    async fn stage_history(&self, id: i64) -> steward_store::Result<Vec<catalog::StageEvent>> {
        self.inner.stage_history(id).await
    }
    async fn rate_catalog_item(
        &self,
        id: i64,
        user: &str,
        stars: u8,
        at: Timestamp,
    ) -> steward_store::Result<catalog::RatingSummary> {
        self.inner.rate_catalog_item(id, user, stars, at).await
    }
    async fn catalog_ratings(&self, id: i64) -> steward_store::Result<Vec<catalog::Rating>> {
        self.inner.catalog_ratings(id).await
    }
    async fn add_catalog_review(&self, r: &catalog::NewReview) -> steward_store::Result<catalog::Review> {
        self.inner.add_catalog_review(r).await
    }
    async fn catalog_reviews(&self, id: i64) -> steward_store::Result<Vec<catalog::Review>> {
        self.inner.catalog_reviews(id).await
    }
    async fn request_catalog_access(
        &self,
        r: &catalog::NewAccessRequest,
    ) -> steward_store::Result<catalog::AccessRequest> {
        self.inner.request_catalog_access(r).await
    }
    async fn decide_access_request(
        &self,
        id: i64,
        d: &catalog::AccessDecision,
    ) -> steward_store::Result<catalog::Outcome<catalog::AccessRequest>> {
        self.inner.decide_access_request(id, d).await
    }
    async fn list_access_requests(
        &self,
        q: &catalog::AccessQuery,
    ) -> steward_store::Result<Vec<catalog::AccessRequest>> {
        self.inner.list_access_requests(q).await
    }
    async fn resource_statuses(
        &self,
        ids: &[String],
    ) -> steward_store::Result<Vec<steward_store::inventory::ResourceStatus>> {
        self.inner.resource_statuses(ids).await
    }
    async fn list_makers(
        &self,
        q: &steward_store::inventory::MakerQuery,
    ) -> steward_store::Result<steward_model::Page<steward_store::inventory::MakerSummary>> {
        self.inner.list_makers(q).await
    }
    async fn connector_summaries(
        &self,
        tenant: Option<&str>,
    ) -> steward_store::Result<Vec<steward_store::inventory::ConnectorSummary>> {
        self.inner.connector_summaries(tenant).await
    }
    async fn content_digest(&self) -> steward_store::Result<String> {
        self.inner.content_digest().await
    }
    async fn get_sync_state(&self, key: &str) -> steward_store::Result<Option<serde_json::Value>> {
        self.inner.get_sync_state(key).await
    }
    async fn list_licenses(&self, t: Option<&str>) -> steward_store::Result<Vec<steward_model::License>> {
        self.inner.list_licenses(t).await
    }
    async fn license_assignments(&self, id: &str) -> steward_store::Result<Vec<String>> {
        self.inner.license_assignments(id).await
    }
}

// The per-domain parts of the store boundary; each method delegates to the wrapped store.
#[async_trait::async_trait]
impl steward_store::jobs::JobStore for KillSwitch {
    async fn enqueue_job(
        &self,
        job: &steward_store::jobs::NewJob,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<steward_store::jobs::Enqueued> {
        self.inner.enqueue_job(job, now).await
    }
    async fn get_job(&self, id: steward_store::jobs::JobId) -> steward_store::Result<Option<steward_store::jobs::Job>> {
        self.inner.get_job(id).await
    }
    async fn list_jobs(
        &self,
        query: &steward_store::jobs::JobQuery,
    ) -> steward_store::Result<Vec<steward_store::jobs::Job>> {
        self.inner.list_jobs(query).await
    }
    async fn job_counts(&self) -> steward_store::Result<steward_store::jobs::JobCounts> {
        self.inner.job_counts().await
    }
    async fn claim_jobs(
        &self,
        request: &steward_store::jobs::ClaimRequest,
    ) -> steward_store::Result<Vec<steward_store::jobs::ClaimedJob>> {
        self.inner.claim_jobs(request).await
    }
    async fn heartbeat_job(
        &self,
        lease: &steward_store::jobs::Lease,
        until: steward_model::Timestamp,
    ) -> steward_store::Result<bool> {
        self.inner.heartbeat_job(lease, until).await
    }
    async fn complete_job(
        &self,
        lease: &steward_store::jobs::Lease,
        summary: Option<&str>,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<bool> {
        self.inner.complete_job(lease, summary, now).await
    }
    async fn fail_job(
        &self,
        lease: &steward_store::jobs::Lease,
        failure: &steward_store::jobs::JobFailure,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<steward_store::jobs::FailOutcome> {
        self.inner.fail_job(lease, failure, now).await
    }
    async fn release_job(
        &self,
        lease: &steward_store::jobs::Lease,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<bool> {
        self.inner.release_job(lease, now).await
    }
    async fn cancel_job(
        &self,
        id: steward_store::jobs::JobId,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<bool> {
        self.inner.cancel_job(id, now).await
    }
    async fn requeue_job(
        &self,
        id: steward_store::jobs::JobId,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<bool> {
        self.inner.requeue_job(id, now).await
    }
    async fn list_job_runs(
        &self,
        query: &steward_store::jobs::RunQuery,
    ) -> steward_store::Result<Vec<steward_store::jobs::JobRun>> {
        self.inner.list_job_runs(query).await
    }
    async fn prune_jobs(&self, before: steward_model::Timestamp) -> steward_store::Result<u64> {
        self.inner.prune_jobs(before).await
    }
    async fn put_schedules(
        &self,
        schedules: &[steward_store::jobs::ScheduleSpec],
        now: steward_model::Timestamp,
    ) -> steward_store::Result<()> {
        self.inner.put_schedules(schedules, now).await
    }
    async fn list_schedules(&self) -> steward_store::Result<Vec<steward_store::jobs::Schedule>> {
        self.inner.list_schedules().await
    }
    async fn get_schedule(&self, name: &str) -> steward_store::Result<Option<steward_store::jobs::Schedule>> {
        self.inner.get_schedule(name).await
    }
    async fn fire_schedule(
        &self,
        name: &str,
        slot: steward_model::Timestamp,
        next_at: Option<steward_model::Timestamp>,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<steward_store::jobs::FireOutcome> {
        self.inner.fire_schedule(name, slot, next_at, now).await
    }
}
#[async_trait::async_trait]
impl steward_store::notifications::NotificationStore for KillSwitch {
    async fn set_notification_preference(
        &self,
        p: &steward_store::notifications::Preference,
    ) -> steward_store::Result<()> {
        self.inner.set_notification_preference(p).await
    }
    async fn notification_preferences(
        &self,
        r: &str,
    ) -> steward_store::Result<Vec<steward_store::notifications::Preference>> {
        self.inner.notification_preferences(r).await
    }
    async fn set_notification_destination(
        &self,
        d: &steward_store::notifications::Destination,
    ) -> steward_store::Result<()> {
        self.inner.set_notification_destination(d).await
    }
    async fn remove_notification_destination(
        &self,
        r: &str,
        c: steward_store::notifications::ChannelKind,
    ) -> steward_store::Result<bool> {
        self.inner.remove_notification_destination(r, c).await
    }
    async fn notification_destinations(
        &self,
        r: &str,
    ) -> steward_store::Result<Vec<steward_store::notifications::Destination>> {
        self.inner.notification_destinations(r).await
    }
    async fn enqueue_delivery(
        &self,
        d: &steward_store::notifications::NewDelivery,
    ) -> steward_store::Result<steward_store::notifications::Enqueued> {
        self.inner.enqueue_delivery(d).await
    }
    async fn claim_deliveries(
        &self,
        now: steward_model::Timestamp,
        lease: steward_model::Timestamp,
        limit: u32,
    ) -> steward_store::Result<Vec<steward_store::notifications::Delivery>> {
        self.inner.claim_deliveries(now, lease, limit).await
    }
    async fn finish_delivery(
        &self,
        id: i64,
        a: &steward_store::notifications::Attempt,
    ) -> steward_store::Result<steward_store::notifications::Delivery> {
        self.inner.finish_delivery(id, a).await
    }
    async fn retry_delivery(
        &self,
        id: i64,
        now: steward_model::Timestamp,
    ) -> steward_store::Result<steward_store::notifications::Delivery> {
        self.inner.retry_delivery(id, now).await
    }
    async fn get_delivery(&self, id: i64) -> steward_store::Result<Option<steward_store::notifications::Delivery>> {
        self.inner.get_delivery(id).await
    }
    async fn list_deliveries(
        &self,
        q: &steward_store::notifications::DeliveryQuery,
    ) -> steward_store::Result<Vec<steward_store::notifications::Delivery>> {
        self.inner.list_deliveries(q).await
    }
    async fn delivery_counts(&self) -> steward_store::Result<Vec<(steward_store::notifications::DeliveryStatus, u64)>> {
        self.inner.delivery_counts().await
    }
    async fn record_feedback(
        &self,
        f: &steward_store::notifications::NewFeedback,
    ) -> steward_store::Result<steward_store::notifications::Feedback> {
        self.inner.record_feedback(f).await
    }
    async fn list_feedback(
        &self,
        since: steward_model::Timestamp,
    ) -> steward_store::Result<Vec<steward_store::notifications::Feedback>> {
        self.inner.list_feedback(since).await
    }
    async fn set_maker_skills(
        &self,
        p: &str,
        s: &[String],
        at: steward_model::Timestamp,
    ) -> steward_store::Result<steward_store::notifications::MakerSkills> {
        self.inner.set_maker_skills(p, s, at).await
    }
    async fn list_maker_skills(&self) -> steward_store::Result<Vec<steward_store::notifications::MakerSkills>> {
        self.inner.list_maker_skills().await
    }
    async fn mark_makers_seen(
        &self,
        ids: &[String],
        at: steward_model::Timestamp,
    ) -> steward_store::Result<Vec<String>> {
        self.inner.mark_makers_seen(ids, at).await
    }
    async fn seen_makers_count(&self) -> steward_store::Result<u64> {
        self.inner.seen_makers_count().await
    }
}
#[async_trait::async_trait]
impl steward_store::value::ValueStore for KillSwitch {
    async fn record_value(
        &self,
        r: &steward_store::value::NewValueRecord,
    ) -> steward_store::Result<steward_store::value::ValueRecord> {
        self.inner.record_value(r).await
    }
    async fn value_records(
        &self,
        q: &steward_store::value::ValueQuery,
    ) -> steward_store::Result<Vec<steward_store::value::ValueRecord>> {
        self.inner.value_records(q).await
    }
    async fn value_history(&self, id: &str) -> steward_store::Result<Vec<steward_store::value::ValueRecord>> {
        self.inner.value_history(id).await
    }
    async fn record_value_assessment(
        &self,
        a: &steward_store::value::NewValueAssessment,
    ) -> steward_store::Result<steward_store::value::ValueAssessment> {
        self.inner.record_value_assessment(a).await
    }
    async fn value_assessments(
        &self,
        q: &steward_store::value::AssessmentQuery,
    ) -> steward_store::Result<Vec<steward_store::value::ValueAssessment>> {
        self.inner.value_assessments(q).await
    }
}
#[async_trait::async_trait]
impl steward_store::cost::CostStore for KillSwitch {
    async fn put_cost_records(
        &self,
        kind: steward_store::cost::CostRecordKind,
        records: &[steward_store::cost::CostRecord],
    ) -> steward_store::Result<u64> {
        self.inner.put_cost_records(kind, records).await
    }
    async fn replace_cost_records(
        &self,
        kind: steward_store::cost::CostRecordKind,
        records: &[steward_store::cost::CostRecord],
    ) -> steward_store::Result<u64> {
        self.inner.replace_cost_records(kind, records).await
    }
    async fn delete_cost_record(
        &self,
        kind: steward_store::cost::CostRecordKind,
        key: &str,
    ) -> steward_store::Result<bool> {
        self.inner.delete_cost_record(kind, key).await
    }
    async fn cost_records(
        &self,
        kind: steward_store::cost::CostRecordKind,
    ) -> steward_store::Result<Vec<steward_store::cost::CostRecord>> {
        self.inner.cost_records(kind).await
    }
    async fn licence_holders(
        &self,
        tenant_id: Option<&str>,
    ) -> steward_store::Result<Vec<steward_store::cost::LicenceHolder>> {
        self.inner.licence_holders(tenant_id).await
    }
    async fn usage_actor_principals(&self, tenant_id: Option<&str>) -> steward_store::Result<Vec<(u32, String)>> {
        self.inner.usage_actor_principals(tenant_id).await
    }
}
#[async_trait::async_trait]
impl steward_store::maturity::MaturityStore for KillSwitch {
    async fn create_assessment(
        &self,
        a: &steward_store::maturity::NewAssessment,
    ) -> steward_store::Result<steward_store::maturity::Assessment> {
        self.inner.create_assessment(a).await
    }
    async fn get_assessment(&self, id: i64) -> steward_store::Result<Option<steward_store::maturity::Assessment>> {
        self.inner.get_assessment(id).await
    }
    async fn list_assessments(
        &self,
        q: &steward_store::maturity::AssessmentQuery,
    ) -> steward_store::Result<Vec<steward_store::maturity::Assessment>> {
        self.inner.list_assessments(q).await
    }
    async fn record_answers(
        &self,
        id: i64,
        answers: &[steward_store::maturity::NewAnswer],
    ) -> steward_store::Result<steward_store::maturity::RecordedAnswers> {
        self.inner.record_answers(id, answers).await
    }
    async fn assessment_answers(&self, id: i64) -> steward_store::Result<Vec<steward_store::maturity::Answer>> {
        self.inner.assessment_answers(id).await
    }
    async fn answer_history(&self, id: i64) -> steward_store::Result<Vec<steward_store::maturity::AnswerEvent>> {
        self.inner.answer_history(id).await
    }
    async fn complete_assessment(
        &self,
        id: i64,
        by: &str,
        at: steward_model::Timestamp,
    ) -> steward_store::Result<steward_store::maturity::Assessment> {
        self.inner.complete_assessment(id, by, at).await
    }
}
