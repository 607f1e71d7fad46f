//! Steward's PostgreSQL store, for deployments with several server replicas.
//!
//! One [`PostgresStore`] holds a connection pool. Reads take any pooled connection; an
//! [`IngestTx`](steward_store::IngestTx) holds one connection with an open transaction until it
//! is committed or rolled back. Bulk upserts send one prepared `INSERT … SELECT FROM UNNEST(…)`
//! statement per batch, so a sync of tens of thousands of resources is a few dozen round trips.
//!
//! [`connect_with_schema`](PostgresStore::connect_with_schema) confines the store to one schema
//! (created when absent), which lets several deployments, or several tests, share a database.

mod auth;
mod campaigns;
mod catalog;
mod connect;
mod cost;
mod digest;
mod error;
mod exemption_requests;
mod governance;
mod ingest;
mod inventory;
mod jobs;
mod licenses;
mod maturity;
mod migrate;
mod notifications;
mod read;
mod rows;
mod success;
mod sync;
mod usage;
mod value;

use async_trait::async_trait;
use deadpool_postgres::Pool;
use steward_model::{Connector, DataPolicy, Environment, Governance, License, Page, Principal, Resource, Tenant};
use steward_store::catalog as cat;
use steward_store::exemption_requests as xr;
use steward_store::governance as gov;
use steward_store::usage::{BriefQuery, PruneCounts, ResourceBrief, RollupQuery, RollupRow, UsageSpan, UsageStatus};
use steward_store::{
    EnvironmentQuery, EnvironmentSummary, IngestTx, Overview, PrincipalQuery, ResourceQuery, Result, Store, StoreError,
};

pub use migrate::LATEST_VERSION;

/// A [`Store`] over a PostgreSQL connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// The schema every connection works in, when confined to one.
    schema: Option<String>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password, so only the schema is shown.
        f.debug_struct("PostgresStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connect to `postgres://…` or `postgresql://…` and work in the server's default schema.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let pool = connect::pool(url, None)?;
        connect::check(&pool, url).await?;
        Ok(PostgresStore { pool, schema: None })
    }

    /// Connect and work only in `schema` (lowercase letters, digits and `_`), creating it when
    /// absent; every pooled connection gets it as its `search_path`.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<PostgresStore> {
        connect::validate_schema(schema)?;
        let pool = connect::pool(url, Some(schema))?;
        connect::check(&pool, url).await?;
        connect::create_schema(&pool, schema).await?;
        Ok(PostgresStore { pool, schema: Some(schema.to_string()) })
    }

    /// The schema this store is confined to, if any.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Drop the schema this store is confined to, with everything in it. Used by tests and by
    /// `steward` tooling that creates throw-away schemas; does nothing for an unconfined store.
    pub async fn drop_schema(&self) -> Result<()> {
        let Some(schema) = &self.schema else { return Ok(()) };
        let client = error::client(&self.pool).await?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .map_err(|e| StoreError::backend(format!("dropping schema {schema}"), e))
    }

    /// The pool, for crate-internal modules.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<()> {
        migrate::run(&self.pool).await
    }

    async fn begin_ingest(&self) -> Result<Box<dyn IngestTx>> {
        Ok(Box::new(ingest::PgIngestTx::begin(&self.pool).await?))
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        read::list_tenants(self).await
    }

    async fn list_environments(&self, query: &EnvironmentQuery) -> Result<Page<EnvironmentSummary>> {
        read::list_environments(self, query).await
    }

    async fn get_environment(&self, id: &str) -> Result<Option<Environment>> {
        read::get_environment(self, id).await
    }

    async fn list_resources(&self, query: &ResourceQuery) -> Result<Page<Resource>> {
        read::list_resources(self, query).await
    }

    async fn get_resource(&self, id: &str) -> Result<Option<Resource>> {
        read::get_resource(self, id).await
    }

    async fn list_principals(&self, query: &PrincipalQuery) -> Result<Page<Principal>> {
        read::list_principals(self, query).await
    }

    async fn get_principal(&self, id: &str) -> Result<Option<Principal>> {
        read::get_principal(self, id).await
    }

    async fn list_connectors(&self, tenant_id: Option<&str>) -> Result<Vec<Connector>> {
        read::list_connectors(self, tenant_id).await
    }

    async fn list_data_policies(&self, tenant_id: Option<&str>) -> Result<Vec<DataPolicy>> {
        read::list_data_policies(self, tenant_id).await
    }

    async fn list_licenses(&self, tenant_id: Option<&str>) -> Result<Vec<License>> {
        licenses::list(&self.pool, tenant_id).await
    }

    async fn license_assignments(&self, principal_id: &str) -> Result<Vec<String>> {
        licenses::assignments(&self.pool, principal_id).await
    }

    async fn overview(&self, tenant_id: Option<&str>) -> Result<Overview> {
        read::overview(self, tenant_id).await
    }

    async fn get_governance(&self, resource_id: &str) -> Result<Governance> {
        read::get_governance(self, resource_id).await
    }

    async fn list_governance(&self, tenant_id: Option<&str>) -> Result<Vec<steward_model::ResourceGovernance>> {
        read::list_governance(self, tenant_id).await
    }

    async fn set_governance(&self, resource_id: &str, governance: &Governance) -> Result<()> {
        read::set_governance(self, resource_id, governance).await
    }

    async fn usage_rows(&self, query: &RollupQuery) -> Result<Vec<RollupRow>> {
        usage::usage_rows(self, query).await
    }

    async fn usage_actor_departments(&self, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>> {
        usage::usage_actor_departments(self, tenant_id).await
    }

    async fn usage_spans(&self, tenant_id: Option<&str>, resource_ids: Option<&[String]>) -> Result<Vec<UsageSpan>> {
        usage::usage_spans(self, tenant_id, resource_ids).await
    }

    async fn usage_status(&self, tenant_id: Option<&str>) -> Result<UsageStatus> {
        usage::usage_status(self, tenant_id).await
    }

    async fn prune_usage(
        &self,
        tenant_id: &str,
        raw_before: Option<chrono::NaiveDate>,
        rollups_before: Option<chrono::NaiveDate>,
    ) -> Result<PruneCounts> {
        usage::prune_usage(self, tenant_id, raw_before, rollups_before).await
    }

    async fn resource_briefs(&self, query: &BriefQuery) -> Result<Vec<ResourceBrief>> {
        usage::resource_briefs(self, query).await
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
        inventory::resource_statuses(self, resource_ids).await
    }

    async fn list_makers(
        &self,
        query: &steward_store::inventory::MakerQuery,
    ) -> Result<Page<steward_store::inventory::MakerSummary>> {
        inventory::list_makers(self, query).await
    }

    async fn connector_summaries(
        &self,
        tenant_id: Option<&str>,
    ) -> Result<Vec<steward_store::inventory::ConnectorSummary>> {
        inventory::connector_summaries(self, tenant_id).await
    }

    async fn content_digest(&self) -> Result<String> {
        digest::content_digest(&self.pool).await
    }

    async fn get_sync_state(&self, key: &str) -> Result<Option<serde_json::Value>> {
        sync::get_state(&self.pool, key).await
    }
}
