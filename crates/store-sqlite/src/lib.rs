//! Steward's embedded default store: one SQLite file.
//!
//! - **One writer thread** owns the only write connection; writes queue in a channel and an
//!   ingest transaction ([`IngestTx`]) holds that thread until it commits, rolls back or is
//!   dropped. A write outside the transaction (such as [`Store::set_governance`]) issued while an
//!   ingest transaction is open waits for it, so never await one while holding an open
//!   transaction in the same task.
//! - **Readers** take a pooled connection on the blocking thread pool. In WAL mode they read the
//!   last committed state while an ingest transaction is open, each call in one read transaction
//!   so that a page and its `total` agree.
//! - **Migrations** are numbered SQL files under `migrations/`, embedded in the binary.
//! - **Digest**: see [`digest`] for the definition every backend shares.

pub mod digest;

mod auth;
mod bulk;
mod campaigns;
mod catalog;
mod checkpoint;
mod connection;
mod convert;
mod cost;
mod exemption_requests;
mod governance;
mod ingest;
mod inventory;
mod jobs;
mod licenses;
mod location;
mod maturity;
mod migrate;
mod notifications;
mod overview;
mod read;
mod success;
mod sync;
mod usage;
mod value;
mod write;
mod writer;

pub use migrate::LATEST_VERSION;

use async_trait::async_trait;
use connection::Role;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use steward_model::{Connector, DataPolicy, Environment, Governance, License, Page, Principal, Resource, Tenant};
use steward_store::catalog as cat;
use steward_store::exemption_requests as xr;
use steward_store::governance as gov;
use steward_store::{
    EnvironmentQuery, EnvironmentSummary, IngestTx, Overview, PrincipalQuery, ResourceQuery, Result, Store, StoreError,
};

/// Idle read connections kept for reuse; more are opened under load and closed afterwards.
const IDLE_READERS: usize = 4;

/// A [`Store`] in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: writer::Writer,
    readers: Arc<Readers>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Open (creating when absent) the database at `sqlite://PATH`, `sqlite:PATH` or a bare path.
    /// Call [`Store::migrate`] before use.
    pub fn open(url_or_path: &str) -> Result<SqliteStore> {
        let path = location::database_file(url_or_path)?;
        let conn = connection::open(&path, Role::Writer)?;
        let checkpointer = checkpoint::Checkpointer::spawn(path.clone()).map_err(|e| StoreError::Open {
            url: url_or_path.to_string(),
            reason: format!("cannot start the checkpoint thread: {e}"),
        })?;
        let writer = writer::Writer::spawn(conn, checkpointer)?;
        Ok(SqliteStore {
            readers: Arc::new(Readers { path: path.clone(), idle: Mutex::new(Vec::new()) }),
            path,
            writer,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the database (0 when never migrated).
    pub async fn schema_version(&self) -> Result<u32> {
        self.read(migrate::current_version).await
    }

    /// Run `f` on a pooled read connection inside one read transaction, off the async threads.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.take()?;
            conn.execute_batch("BEGIN").map_err(|e| StoreError::backend("starting a read transaction", e))?;
            let result = f(&conn);
            // Ending a read-only transaction cannot lose anything; a failure here only means
            // the connection is unusable, so it is not returned to the pool.
            if conn.execute_batch("COMMIT").is_ok() {
                readers.give_back(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::backend("running a database read", e))?
    }
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn take(&self) -> Result<Connection> {
        let idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => connection::open(&self.path, Role::Reader),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<()> {
        self.writer.run(migrate::migrate).await
    }

    async fn begin_ingest(&self) -> Result<Box<dyn IngestTx>> {
        let session = self.writer.begin_session().await?;
        Ok(Box::new(ingest::SqliteIngestTx::new(session)))
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        self.read(read::list_tenants).await
    }

    async fn list_environments(&self, query: &EnvironmentQuery) -> Result<Page<EnvironmentSummary>> {
        let query = query.clone();
        self.read(move |conn| read::list_environments(conn, &query)).await
    }

    async fn get_environment(&self, id: &str) -> Result<Option<Environment>> {
        let id = id.to_string();
        self.read(move |conn| read::get_environment(conn, &id)).await
    }

    async fn list_resources(&self, query: &ResourceQuery) -> Result<Page<Resource>> {
        let query = query.clone();
        self.read(move |conn| read::list_resources(conn, &query)).await
    }

    async fn get_resource(&self, id: &str) -> Result<Option<Resource>> {
        let id = id.to_string();
        self.read(move |conn| read::get_resource(conn, &id)).await
    }

    async fn list_principals(&self, query: &PrincipalQuery) -> Result<Page<Principal>> {
        let query = query.clone();
        self.read(move |conn| read::list_principals(conn, &query)).await
    }

    async fn get_principal(&self, id: &str) -> Result<Option<Principal>> {
        let id = id.to_string();
        self.read(move |conn| read::get_principal(conn, &id)).await
    }

    async fn list_connectors(&self, tenant_id: Option<&str>) -> Result<Vec<Connector>> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| read::list_connectors(conn, tenant.as_deref())).await
    }

    async fn list_data_policies(&self, tenant_id: Option<&str>) -> Result<Vec<DataPolicy>> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| read::list_data_policies(conn, tenant.as_deref())).await
    }

    async fn list_licenses(&self, tenant_id: Option<&str>) -> Result<Vec<License>> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| licenses::list(conn, tenant.as_deref())).await
    }

    async fn license_assignments(&self, principal_id: &str) -> Result<Vec<String>> {
        let id = principal_id.to_string();
        self.read(move |conn| licenses::assignments(conn, &id)).await
    }

    async fn overview(&self, tenant_id: Option<&str>) -> Result<Overview> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| overview::overview(conn, tenant.as_deref())).await
    }

    async fn get_governance(&self, resource_id: &str) -> Result<Governance> {
        let id = resource_id.to_string();
        self.read(move |conn| read::get_governance(conn, &id)).await
    }

    async fn list_governance(&self, tenant_id: Option<&str>) -> Result<Vec<steward_model::ResourceGovernance>> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| read::list_governance(conn, tenant.as_deref())).await
    }

    async fn set_governance(&self, resource_id: &str, governance: &Governance) -> Result<()> {
        let (id, governance) = (resource_id.to_string(), governance.clone());
        self.writer
            .run(move |conn| read::set_governance(conn, &id, &governance, chrono::Utc::now().timestamp_millis()))
            .await
    }

    async fn usage_rows(
        &self,
        query: &steward_store::usage::RollupQuery,
    ) -> Result<Vec<steward_store::usage::RollupRow>> {
        let query = query.clone();
        self.read(move |conn| usage::rows(conn, &query)).await
    }

    async fn usage_actor_departments(&self, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| usage::actor_departments(conn, tenant.as_deref())).await
    }

    async fn usage_spans(
        &self,
        tenant_id: Option<&str>,
        ids: Option<&[String]>,
    ) -> Result<Vec<steward_store::usage::UsageSpan>> {
        let (tenant, ids) = (tenant_id.map(str::to_string), ids.map(<[String]>::to_vec));
        self.read(move |conn| usage::spans(conn, tenant.as_deref(), ids.as_deref())).await
    }

    async fn usage_status(&self, tenant_id: Option<&str>) -> Result<steward_store::usage::UsageStatus> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| usage::status(conn, tenant.as_deref())).await
    }

    async fn prune_usage(
        &self,
        tenant_id: &str,
        raw_before: Option<chrono::NaiveDate>,
        rollups_before: Option<chrono::NaiveDate>,
    ) -> Result<steward_store::usage::PruneCounts> {
        let tenant = tenant_id.to_string();
        self.writer
            .run(move |conn| {
                let tx = conn.transaction().map_err(|e| StoreError::backend("starting the usage prune", e))?;
                let counts = usage::prune(&tx, &tenant, raw_before, rollups_before)?;
                tx.commit().map_err(|e| StoreError::backend("committing the usage prune", e))?;
                Ok(counts)
            })
            .await
    }

    async fn resource_briefs(
        &self,
        query: &steward_store::usage::BriefQuery,
    ) -> Result<Vec<steward_store::usage::ResourceBrief>> {
        let query = query.clone();
        self.read(move |conn| usage::briefs(conn, &query)).await
    }

    async fn record_success_evaluation(
        &self,
        evaluation: &steward_store::success::SuccessEvaluation,
    ) -> Result<steward_store::success::RecordCounts> {
        success::record_evaluation(self, evaluation).await
    }

    async fn success_rule_sets(&self) -> Result<Vec<steward_store::success::StoredRuleSet>> {
        success::rule_sets(self).await
    }

    async fn list_detections(
        &self,
        query: &steward_store::success::DetectionQuery,
    ) -> Result<Vec<steward_store::success::Detection>> {
        success::list(self, query).await
    }

    async fn get_detection(&self, id: i64) -> Result<Option<steward_store::success::Detection>> {
        success::get(self, id).await
    }

    async fn set_detection_state(
        &self,
        id: i64,
        change: &steward_store::success::StateChange,
    ) -> Result<steward_store::success::Detection> {
        success::set_state(self, id, change).await
    }

    async fn detection_history(&self, id: i64) -> Result<Vec<steward_store::success::DetectionTransition>> {
        success::history(self, id).await
    }

    // ---- governance ----

    async fn save_policy_set(&self, set: &gov::NewPolicySet) -> Result<gov::SaveOutcome> {
        governance::save_policy_set(self, set).await
    }

    async fn adopt_policy_set(
        &self,
        version: &str,
        by: &str,
        at: steward_model::Timestamp,
    ) -> Result<Option<gov::PolicyAdoption>> {
        governance::adopt_policy_set(self, version, by, at).await
    }

    async fn policy_sets(&self) -> Result<Vec<gov::PolicySetInfo>> {
        governance::policy_sets(self).await
    }

    async fn policy_set(&self, version: &str) -> Result<Option<gov::StoredPolicySet>> {
        governance::policy_set(self, Some(version)).await
    }

    async fn active_policy_set(&self) -> Result<Option<gov::StoredPolicySet>> {
        governance::policy_set(self, None).await
    }

    async fn policy_adoptions(&self) -> Result<Vec<gov::PolicyAdoption>> {
        governance::policy_adoptions(self).await
    }

    async fn record_compliance(&self, run: &gov::ComplianceRun) -> Result<gov::ComplianceCounts> {
        governance::record_compliance(self, run).await
    }

    async fn list_violations(&self, query: &gov::ViolationQuery) -> Result<Vec<gov::Violation>> {
        governance::list_violations(self, query).await
    }

    async fn violation_history(&self, subject_id: &str) -> Result<Vec<gov::ViolationEvent>> {
        governance::violation_history(self, subject_id).await
    }

    async fn compliance_runs(&self, limit: u32) -> Result<Vec<gov::ComplianceRunInfo>> {
        governance::compliance_runs(self, limit).await
    }

    async fn compliance_trend(&self, policy_id: Option<&str>, limit: u32) -> Result<Vec<gov::TrendPoint>> {
        governance::compliance_trend(self, policy_id, limit).await
    }

    async fn compliance_summary(&self, tenant_id: Option<&str>) -> Result<gov::ComplianceSummary> {
        governance::compliance_summary(self, tenant_id).await
    }

    async fn open_violation_keys(&self, tenant_id: Option<&str>) -> Result<Vec<(String, String, String)>> {
        governance::open_violation_keys(self, tenant_id).await
    }

    async fn add_exemption(&self, exemption: &gov::NewExemption) -> Result<gov::Exemption> {
        governance::add_exemption(self, exemption).await
    }

    async fn revoke_exemption(&self, id: i64, by: &str, at: steward_model::Timestamp) -> Result<gov::Exemption> {
        governance::revoke_exemption(self, id, by, at).await
    }

    async fn list_exemptions(&self, include_revoked: bool) -> Result<Vec<gov::Exemption>> {
        governance::list_exemptions(self, include_revoked).await
    }

    async fn active_exemptions(&self, at: steward_model::Timestamp) -> Result<Vec<gov::Exemption>> {
        governance::active_exemptions(self, at).await
    }

    // ---- exemption requests ----

    async fn request_exemption(&self, r: &xr::NewExemptionRequest) -> Result<xr::ExemptionRequest> {
        exemption_requests::request(self, r).await
    }

    async fn get_exemption_request(&self, id: i64) -> Result<Option<xr::ExemptionRequest>> {
        exemption_requests::get(self, id).await
    }

    async fn list_exemption_requests(&self, q: &xr::ExemptionRequestQuery) -> Result<Vec<xr::ExemptionRequest>> {
        exemption_requests::list(self, q).await
    }

    async fn decide_exemption_request(&self, id: i64, d: &xr::RequestDecision) -> Result<xr::DecisionOutcome> {
        exemption_requests::decide(self, id, d).await
    }

    // ---- campaigns ----

    async fn create_campaign(
        &self,
        c: &steward_store::campaigns::NewCampaign,
    ) -> Result<steward_store::campaigns::Campaign> {
        campaigns::create(self, c).await
    }

    async fn get_campaign(&self, id: i64) -> Result<Option<steward_store::campaigns::Campaign>> {
        campaigns::get(self, id).await
    }

    async fn list_campaigns(
        &self,
        q: &steward_store::campaigns::CampaignQuery,
    ) -> Result<Vec<steward_store::campaigns::Campaign>> {
        campaigns::list(self, q).await
    }

    async fn close_campaign(
        &self,
        id: i64,
        by: &str,
        at: steward_model::Timestamp,
    ) -> Result<steward_store::campaigns::Campaign> {
        campaigns::close(self, id, by, at).await
    }

    async fn add_campaign_tasks(
        &self,
        campaign_id: i64,
        tasks: &[steward_store::campaigns::NewTask],
    ) -> Result<steward_store::campaigns::AddedTasks> {
        campaigns::add_tasks(self, campaign_id, tasks).await
    }

    async fn get_campaign_task(&self, id: i64) -> Result<Option<steward_store::campaigns::CampaignTask>> {
        campaigns::get_task(self, id).await
    }

    async fn list_campaign_tasks(
        &self,
        q: &steward_store::campaigns::TaskQuery,
    ) -> Result<Vec<steward_store::campaigns::CampaignTask>> {
        campaigns::list_tasks(self, q).await
    }

    async fn apply_task_transition(
        &self,
        id: i64,
        t: &steward_store::campaigns::TaskTransition,
    ) -> Result<steward_store::campaigns::TransitionOutcome> {
        campaigns::apply_transition(self, id, t).await
    }

    async fn campaign_task_history(&self, id: i64) -> Result<Vec<steward_store::campaigns::CampaignTaskEvent>> {
        campaigns::history(self, id).await
    }

    // ---- accounts, sessions, tokens, audit trail ----

    async fn create_user(&self, user: &steward_store::auth::User) -> Result<()> {
        auth::create_user(self, user).await
    }

    async fn update_user(&self, user: &steward_store::auth::User) -> Result<()> {
        auth::update_user(self, user).await
    }

    async fn get_user(&self, id: &str) -> Result<Option<steward_store::auth::User>> {
        auth::get_user(self, id).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<steward_store::auth::User>> {
        auth::user_by_username(self, username).await
    }

    async fn user_by_oidc(&self, issuer: &str, subject: &str) -> Result<Option<steward_store::auth::User>> {
        auth::user_by_oidc(self, issuer, subject).await
    }

    async fn list_users(&self) -> Result<Vec<steward_store::auth::User>> {
        auth::list_users(self).await
    }

    async fn create_session(&self, session: &steward_store::auth::Session) -> Result<()> {
        auth::create_session(self, session).await
    }

    async fn get_session(&self, id_hash: &str) -> Result<Option<steward_store::auth::Session>> {
        auth::get_session(self, id_hash).await
    }

    async fn touch_session(
        &self,
        id_hash: &str,
        last_seen_at: steward_model::Timestamp,
        expires_at: steward_model::Timestamp,
    ) -> Result<()> {
        auth::touch_session(self, id_hash, last_seen_at, expires_at).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        auth::delete_session(self, id_hash).await
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        auth::delete_user_sessions(self, user_id).await
    }

    async fn purge_expired_sessions(&self, now: steward_model::Timestamp) -> Result<u64> {
        auth::purge_expired_sessions(self, now).await
    }

    async fn create_api_token(&self, token: &steward_store::auth::ApiToken) -> Result<()> {
        auth::create_api_token(self, token).await
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<steward_store::auth::ApiToken>> {
        auth::api_token_by_hash(self, token_hash).await
    }

    async fn api_token_and_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(steward_store::auth::ApiToken, steward_store::auth::User)>> {
        auth::api_token_and_user(self, token_hash).await
    }

    async fn list_api_tokens(&self, user_id: Option<&str>) -> Result<Vec<steward_store::auth::ApiToken>> {
        auth::list_api_tokens(self, user_id).await
    }

    async fn revoke_api_token(&self, id: &str, at: steward_model::Timestamp) -> Result<steward_store::auth::ApiToken> {
        auth::revoke_api_token(self, id, at).await
    }

    async fn touch_api_token(&self, id: &str, at: steward_model::Timestamp) -> Result<()> {
        auth::touch_api_token(self, id, at).await
    }

    async fn append_audit(&self, entry: &steward_store::auth::AuditEntry) -> Result<i64> {
        auth::append_audit(self, entry).await
    }

    async fn list_audit(
        &self,
        query: &steward_store::auth::AuditQuery,
    ) -> Result<Vec<steward_store::auth::AuditEntry>> {
        auth::list_audit(self, query).await
    }

    // ---- catalog ----

    async fn create_catalog_item(&self, item: &cat::NewCatalogItem) -> Result<cat::CatalogItem> {
        catalog::create(self, item).await
    }

    async fn get_catalog_item(&self, id: i64) -> Result<Option<cat::CatalogItem>> {
        catalog::get(self, id).await
    }

    async fn list_catalog_items(&self, query: &cat::CatalogQuery) -> Result<Page<cat::CatalogItem>> {
        catalog::list(self, query).await
    }

    async fn catalog_changes(&self, since: i64, limit: u32) -> Result<Vec<cat::CatalogItem>> {
        catalog::changes(self, since, limit).await
    }

    async fn update_catalog_item(&self, id: i64, edit: &cat::CatalogEdit) -> Result<cat::Outcome<cat::CatalogItem>> {
        catalog::update(self, id, edit).await
    }

    async fn apply_publication_step(
        &self,
        id: i64,
        step: &cat::PublicationStep,
    ) -> Result<cat::Outcome<cat::CatalogItem>> {
        catalog::apply_step(self, id, step).await
    }

    async fn publication_history(&self, id: i64) -> Result<Vec<cat::PublicationEvent>> {
        catalog::publication_history(self, id).await
    }

    async fn apply_stage_move(&self, id: i64, m: &cat::StageMove) -> Result<cat::Outcome<cat::CatalogItem>> {
        catalog::apply_move(self, id, m).await
    }

    async fn stage_history(&self, id: i64) -> Result<Vec<cat::StageEvent>> {
        catalog::stage_history(self, id).await
    }

    async fn rate_catalog_item(
        &self,
        item_id: i64,
        user: &str,
        stars: u8,
        at: steward_model::Timestamp,
    ) -> Result<cat::RatingSummary> {
        catalog::rate(self, item_id, user, stars, at).await
    }

    async fn catalog_ratings(&self, item_id: i64) -> Result<Vec<cat::Rating>> {
        catalog::ratings(self, item_id).await
    }

    async fn add_catalog_review(&self, review: &cat::NewReview) -> Result<cat::Review> {
        catalog::add_review(self, review).await
    }

    async fn catalog_reviews(&self, item_id: i64) -> Result<Vec<cat::Review>> {
        catalog::reviews(self, item_id).await
    }

    async fn request_catalog_access(&self, request: &cat::NewAccessRequest) -> Result<cat::AccessRequest> {
        catalog::request_access(self, request).await
    }

    async fn decide_access_request(
        &self,
        id: i64,
        decision: &cat::AccessDecision,
    ) -> Result<cat::Outcome<cat::AccessRequest>> {
        catalog::decide_access(self, id, decision).await
    }

    async fn list_access_requests(&self, query: &cat::AccessQuery) -> Result<Vec<cat::AccessRequest>> {
        catalog::list_access(self, query).await
    }

    async fn resource_statuses(
        &self,
        resource_ids: &[String],
    ) -> Result<Vec<steward_store::inventory::ResourceStatus>> {
        let ids = resource_ids.to_vec();
        self.read(move |conn| inventory::resource_statuses(conn, &ids)).await
    }

    async fn list_makers(
        &self,
        query: &steward_store::inventory::MakerQuery,
    ) -> Result<Page<steward_store::inventory::MakerSummary>> {
        let query = query.clone();
        self.read(move |conn| inventory::list_makers(conn, &query)).await
    }

    async fn connector_summaries(
        &self,
        tenant_id: Option<&str>,
    ) -> Result<Vec<steward_store::inventory::ConnectorSummary>> {
        let tenant = tenant_id.map(str::to_string);
        self.read(move |conn| inventory::connector_summaries(conn, tenant.as_deref())).await
    }

    async fn content_digest(&self) -> Result<String> {
        self.read(digest::content_digest).await
    }

    async fn get_sync_state(&self, key: &str) -> Result<Option<serde_json::Value>> {
        let key = key.to_string();
        self.read(move |conn| sync::get_state(conn, &key)).await
    }
}
