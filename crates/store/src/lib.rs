//! The storage boundary of Steward.
//!
//! [`Store`] is implemented by `steward-store-sqlite` (the embedded default, one file) and
//! `steward-store-postgres` (larger deployments, several replicas). Engines and the server only
//! ever see `Arc<dyn Store>`. Every backend runs the same [`conformance`] suite, so behaviour
//! that one backend shows and the other does not is a bug in the backend, not in the caller.
//!
//! Writes from sources go through an [`IngestTx`]: one database transaction that the caller
//! commits at the end of an import or sync page, so a failed import leaves the database as it
//! was before the import started.

pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod cost;
mod cursor;
mod error;
pub mod exemption_requests;
pub mod governance;
pub mod inventory;
pub mod jobs;
pub mod maturity;
pub mod notifications;
mod query;
pub mod success;
mod sync;
pub mod usage;
pub mod value;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use cursor::Cursor;
pub use error::{Result, StoreError};
pub use query::*;
pub use sync::{Deletions, ListingScope};
pub use usage::UsageReads;

use async_trait::async_trait;
use steward_model::{
    Connector, DataPolicy, Environment, Governance, License, LicenseAssignment, Page, Principal, Resource, Tenant,
    UsageEvent,
};

/// Everything Steward keeps. Implementations must be safe to share between tasks.
///
/// Newer parts of the boundary are traits of their own, one per domain, which `Store` requires:
/// [`jobs::JobStore`], [`notifications::NotificationStore`], [`value::ValueStore`],
/// [`cost::CostStore`], [`maturity::MaturityStore`]. Their methods are called on `dyn Store`
/// like any other; a backend implements each in the module of the same name.
#[async_trait]
pub trait Store:
    jobs::JobStore
    + notifications::NotificationStore
    + value::ValueStore
    + cost::CostStore
    + maturity::MaturityStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`, for logs and `/readyz`.
    fn backend(&self) -> &'static str;

    /// Bring the schema up to date. Idempotent; safe to call at every start.
    async fn migrate(&self) -> Result<()>;

    /// Start a write transaction for bulk ingestion.
    async fn begin_ingest(&self) -> Result<Box<dyn IngestTx>>;

    // ---- inventory reads -------------------------------------------------------------------

    async fn list_tenants(&self) -> Result<Vec<Tenant>>;

    async fn list_environments(&self, query: &EnvironmentQuery) -> Result<Page<EnvironmentSummary>>;

    async fn get_environment(&self, id: &str) -> Result<Option<Environment>>;

    async fn list_resources(&self, query: &ResourceQuery) -> Result<Page<Resource>>;

    async fn get_resource(&self, id: &str) -> Result<Option<Resource>>;

    async fn list_principals(&self, query: &PrincipalQuery) -> Result<Page<Principal>>;

    async fn get_principal(&self, id: &str) -> Result<Option<Principal>>;

    async fn list_connectors(&self, tenant_id: Option<&str>) -> Result<Vec<Connector>>;

    async fn list_data_policies(&self, tenant_id: Option<&str>) -> Result<Vec<DataPolicy>>;

    /// Licences the tenant (or every tenant) subscribes to, by SKU part number.
    async fn list_licenses(&self, tenant_id: Option<&str>) -> Result<Vec<License>>;

    /// SKU ids of the licences a principal holds, sorted; empty when none are known.
    async fn license_assignments(&self, principal_id: &str) -> Result<Vec<String>>;

    /// Totals for dashboards: counts by kind and environment, makers, active users.
    async fn overview(&self, tenant_id: Option<&str>) -> Result<Overview>;

    // ---- governance metadata ----------------------------------------------------------------

    /// Governance metadata of a resource; empty when nothing was declared.
    async fn get_governance(&self, resource_id: &str) -> Result<Governance>;

    /// The governance metadata of every resource that has some (of one tenant when given), in
    /// one read: policy evaluation needs it for every resource at once.
    async fn list_governance(&self, tenant_id: Option<&str>) -> Result<Vec<steward_model::ResourceGovernance>>;

    /// Replace the governance metadata of an existing resource.
    /// Fails with [`StoreError::NotFound`] when the resource does not exist.
    async fn set_governance(&self, resource_id: &str, governance: &Governance) -> Result<()>;

    // ---- usage (row level; see [`usage::UsageReads`] for figures) ---------------------------

    /// Stored rollup rows matching the query, in no particular order.
    async fn usage_rows(&self, query: &usage::RollupQuery) -> Result<Vec<usage::RollupRow>>;

    /// The department of every interned actor whose principal has one (by principal id or UPN).
    async fn usage_actor_departments(&self, tenant_id: Option<&str>) -> Result<Vec<(u32, String)>>;

    /// First and last day of use per resource; only the listed resources when `resource_ids` is given.
    async fn usage_spans(
        &self,
        tenant_id: Option<&str>,
        resource_ids: Option<&[String]>,
    ) -> Result<Vec<usage::UsageSpan>>;

    /// What the usage store holds.
    async fn usage_status(&self, tenant_id: Option<&str>) -> Result<usage::UsageStatus>;

    /// Retention: drop the ledgers of days before `raw_before` (sealing them: later records for
    /// those days are refused) and rollup rows of periods that end before `rollups_before`.
    async fn prune_usage(
        &self,
        tenant_id: &str,
        raw_before: Option<chrono::NaiveDate>,
        rollups_before: Option<chrono::NaiveDate>,
    ) -> Result<usage::PruneCounts>;

    /// The few inventory fields usage views show, for the matching resources.
    async fn resource_briefs(&self, query: &usage::BriefQuery) -> Result<Vec<usage::ResourceBrief>>;

    // ---- success detection ----------------------------------------------------------------

    /// Record one evaluation in one transaction: save its rule set (when given) as the active
    /// version, insert first detections as `new`, refresh detections that fire again (keeping
    /// their state: a dismissed one stays dismissed), and mark active detections that did not
    /// fire as inactive. A rule set whose version is not newer than every saved one is refused
    /// and nothing is written.
    async fn record_success_evaluation(&self, evaluation: &success::SuccessEvaluation)
    -> Result<success::RecordCounts>;

    /// Saved rule sets, newest version first.
    async fn success_rule_sets(&self) -> Result<Vec<success::StoredRuleSet>>;

    /// Detections matching the query, by id.
    async fn list_detections(&self, query: &success::DetectionQuery) -> Result<Vec<success::Detection>>;

    async fn get_detection(&self, id: i64) -> Result<Option<success::Detection>>;

    /// Move a detection to another review state and add the move to its history. Fails with
    /// [`StoreError::NotFound`] for an unknown id and [`StoreError::InvalidQuery`] for a move
    /// [`success::DetectionState::check_move`] refuses.
    async fn set_detection_state(&self, id: i64, change: &success::StateChange) -> Result<success::Detection>;

    /// The history of a detection, oldest first; empty for an unknown id.
    async fn detection_history(&self, id: i64) -> Result<Vec<success::DetectionTransition>>;

    // ---- governance -------------------------------------------------------------------------

    /// Save a policy set version, without adopting it. Versions are immutable: saving a saved
    /// version again with the same digest writes nothing ([`governance::SaveOutcome::AlreadySaved`]);
    /// with another digest it fails with [`StoreError::InvalidQuery`], asking for a new label.
    async fn save_policy_set(&self, set: &governance::NewPolicySet) -> Result<governance::SaveOutcome>;

    /// Make a saved version the one active set and append the change to the adoption history.
    /// Returns the new history entry, or `None` when the version already was the active set
    /// (nothing is written). Fails with [`StoreError::NotFound`] for a version never saved.
    async fn adopt_policy_set(
        &self,
        version: &str,
        by: &str,
        at: steward_model::Timestamp,
    ) -> Result<Option<governance::PolicyAdoption>>;

    /// Saved policy sets without their content, last saved first.
    async fn policy_sets(&self) -> Result<Vec<governance::PolicySetInfo>>;

    /// One saved policy set with its content.
    async fn policy_set(&self, version: &str) -> Result<Option<governance::StoredPolicySet>>;

    /// The adopted policy set with its content; `None` until one is adopted.
    async fn active_policy_set(&self) -> Result<Option<governance::StoredPolicySet>>;

    /// The adoption history, oldest first.
    async fn policy_adoptions(&self) -> Result<Vec<governance::PolicyAdoption>>;

    /// Record one compliance evaluation in one transaction, against the live violations:
    /// a finding without a live violation opens a new episode (`open`, or `exempted` when it
    /// carries an exemption); a finding on a live one refreshes last seen and evidence without
    /// an event, and moves it between `open` and `exempted` as its exemption comes and goes
    /// (events `exempted`, `reopened`); live violations of an evaluated policy (of the run's
    /// tenant, when it names one) without a finding resolve; violations of other policies are
    /// left alone. Also records the run with its counts and the live counts per evaluated
    /// policy (for trends). An inconsistent run (see [`governance::ComplianceRun::check`], or an
    /// unknown exemption) fails with [`StoreError::InvalidQuery`] and writes nothing.
    async fn record_compliance(&self, run: &governance::ComplianceRun) -> Result<governance::ComplianceCounts>;

    /// Violations matching the query, by id.
    async fn list_violations(&self, query: &governance::ViolationQuery) -> Result<Vec<governance::Violation>>;

    /// The events of every violation of a subject (every episode, every policy), oldest first
    /// (within one run, the events of different violations come in no promised order).
    async fn violation_history(&self, subject_id: &str) -> Result<Vec<governance::ViolationEvent>>;

    /// The last `limit` compliance runs, newest first.
    async fn compliance_runs(&self, limit: u32) -> Result<Vec<governance::ComplianceRunInfo>>;

    /// Live violations after each of the last `limit` runs, oldest first (for a chart): of one
    /// policy (runs that evaluated it), or with `None` the run's totals over every policy.
    async fn compliance_trend(&self, policy_id: Option<&str>, limit: u32) -> Result<Vec<governance::TrendPoint>>;

    /// Live violations now, by level and by policy, of one tenant or of all.
    async fn compliance_summary(&self, tenant_id: Option<&str>) -> Result<governance::ComplianceSummary>;

    /// (policy id, subject id, environment id) of every `open` violation (exempted ones are
    /// not open), in no particular order: what a dry run compares its findings with.
    async fn open_violation_keys(&self, tenant_id: Option<&str>) -> Result<Vec<(String, String, String)>>;

    /// Grant an exemption; a missing reason, approver or scope fails with
    /// [`StoreError::InvalidQuery`] saying what is missing.
    async fn add_exemption(&self, exemption: &governance::NewExemption) -> Result<governance::Exemption>;

    /// Revoke an exemption from `at` on. Violations it covers reopen at the next run (the caller
    /// stops passing it). [`StoreError::NotFound`] for an unknown id, [`StoreError::InvalidQuery`]
    /// when already revoked.
    async fn revoke_exemption(&self, id: i64, by: &str, at: steward_model::Timestamp) -> Result<governance::Exemption>;

    /// Exemptions by id; revoked ones only when asked (expired ones are always listed).
    async fn list_exemptions(&self, include_revoked: bool) -> Result<Vec<governance::Exemption>>;

    /// Exemptions in force at `at` ([`governance::Exemption::is_active`]), by id.
    async fn active_exemptions(&self, at: steward_model::Timestamp) -> Result<Vec<governance::Exemption>>;

    // ---- exemption requests (see [`exemption_requests`]) -----------------------------------

    /// Record a request for an exemption, `requested`. A missing field fails with
    /// [`StoreError::InvalidQuery`]; a second open request for the same policy and subject with
    /// [`StoreError::Conflict`] naming the first.
    async fn request_exemption(
        &self,
        request: &exemption_requests::NewExemptionRequest,
    ) -> Result<exemption_requests::ExemptionRequest>;

    /// One request; `None` for an unknown id.
    async fn get_exemption_request(&self, id: i64) -> Result<Option<exemption_requests::ExemptionRequest>>;

    /// Requests matching the query, by id.
    async fn list_exemption_requests(
        &self,
        query: &exemption_requests::ExemptionRequestQuery,
    ) -> Result<Vec<exemption_requests::ExemptionRequest>>;

    /// Approve (granting [`exemption_requests::exemption_for`] in the same transaction) or
    /// decline a request that is still `requested`; a decided one is answered
    /// [`exemption_requests::DecisionOutcome::Stale`] and nothing is written.
    /// [`StoreError::NotFound`] for an unknown id, [`StoreError::InvalidQuery`] for a decision
    /// [`exemption_requests::RequestDecision::check`] or the exemption's own check refuses.
    async fn decide_exemption_request(
        &self,
        id: i64,
        decision: &exemption_requests::RequestDecision,
    ) -> Result<exemption_requests::DecisionOutcome>;

    // ---- campaigns --------------------------------------------------------------------------

    /// Create an open campaign with its configuration snapshot. A missing kind, title or
    /// creator fails with [`StoreError::InvalidQuery`].
    async fn create_campaign(&self, campaign: &campaigns::NewCampaign) -> Result<campaigns::Campaign>;

    /// One campaign with its task counts; `None` for an unknown id.
    async fn get_campaign(&self, id: i64) -> Result<Option<campaigns::Campaign>>;

    /// Campaigns matching the query, by id.
    async fn list_campaigns(&self, query: &campaigns::CampaignQuery) -> Result<Vec<campaigns::Campaign>>;

    /// Close a campaign: it takes no more tasks. [`StoreError::NotFound`] for an unknown id,
    /// [`StoreError::InvalidQuery`] when it is closed already or still has open tasks.
    async fn close_campaign(&self, id: i64, by: &str, at: steward_model::Timestamp) -> Result<campaigns::Campaign>;

    /// Add tasks to an open campaign in one transaction, each with the opening entry of its
    /// history. A task for a resource that already has an open task of the same kind (in any
    /// campaign, or earlier in the batch) is skipped and reported. A closed campaign, or a task
    /// of another kind than the campaign's, fails with [`StoreError::InvalidQuery`] and adds
    /// nothing; an unknown campaign with [`StoreError::NotFound`].
    async fn add_campaign_tasks(&self, campaign_id: i64, tasks: &[campaigns::NewTask])
    -> Result<campaigns::AddedTasks>;

    /// One task; `None` for an unknown id.
    async fn get_campaign_task(&self, id: i64) -> Result<Option<campaigns::CampaignTask>>;

    /// Tasks matching the query (by campaign, kind, assignee, state, resource, open, due
    /// before), by id.
    async fn list_campaign_tasks(&self, query: &campaigns::TaskQuery) -> Result<Vec<campaigns::CampaignTask>>;

    /// Apply one move of a task and add it to the history, in one transaction, only if the
    /// stored task is still in the move's expected state (and has its expected update time,
    /// when given); otherwise write nothing and answer [`campaigns::TransitionOutcome::Stale`]
    /// with the task as it is. [`StoreError::NotFound`] for an unknown id.
    async fn apply_task_transition(
        &self,
        id: i64,
        transition: &campaigns::TaskTransition,
    ) -> Result<campaigns::TransitionOutcome>;

    /// The history of a task, oldest first (its opening first); empty for an unknown id.
    async fn campaign_task_history(&self, id: i64) -> Result<Vec<campaigns::CampaignTaskEvent>>;

    // ---- accounts, sessions, tokens, audit trail ---------------------------------------------

    /// Create a user. [`StoreError::Conflict`] when the username (case-insensitively) or the
    /// OIDC (issuer, subject) is taken; [`StoreError::InvalidQuery`] for a user
    /// [`auth::User::check`] refuses.
    async fn create_user(&self, user: &auth::User) -> Result<()>;

    /// Replace every field of the user with `user.id` (except `created_at`).
    /// [`StoreError::NotFound`] when missing, [`StoreError::Conflict`] as for `create_user`.
    async fn update_user(&self, user: &auth::User) -> Result<()>;

    async fn get_user(&self, id: &str) -> Result<Option<auth::User>>;

    /// The user with this username, compared case-insensitively.
    async fn user_by_username(&self, username: &str) -> Result<Option<auth::User>>;

    async fn user_by_oidc(&self, issuer: &str, subject: &str) -> Result<Option<auth::User>>;

    /// Every user, by username.
    async fn list_users(&self) -> Result<Vec<auth::User>>;

    /// Store a new session. [`StoreError::NotFound`] when its user does not exist.
    async fn create_session(&self, session: &auth::Session) -> Result<()>;

    /// The session with this id hash, expired or not (the caller compares `expires_at`).
    async fn get_session(&self, id_hash: &str) -> Result<Option<auth::Session>>;

    /// Record activity on a session and move its expiry; nothing happens for an unknown one.
    async fn touch_session(
        &self,
        id_hash: &str,
        last_seen_at: steward_model::Timestamp,
        expires_at: steward_model::Timestamp,
    ) -> Result<()>;

    /// Sign a session out; nothing happens for an unknown one.
    async fn delete_session(&self, id_hash: &str) -> Result<()>;

    /// Sign a user out everywhere; returns how many sessions ended.
    async fn delete_user_sessions(&self, user_id: &str) -> Result<u64>;

    /// Delete sessions whose `expires_at` is at or before `now`; returns how many.
    async fn purge_expired_sessions(&self, now: steward_model::Timestamp) -> Result<u64>;

    /// Store a token. [`StoreError::Conflict`] when its id or hash is taken,
    /// [`StoreError::NotFound`] when its user does not exist.
    async fn create_api_token(&self, token: &auth::ApiToken) -> Result<()>;

    /// The token with this hash, revoked or expired or not (see [`auth::ApiToken::is_usable`]).
    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<auth::ApiToken>>;

    /// The token with this hash and its user, read together: what every API request needs
    /// (the server's auth middleware). `None` when either is missing. Backends may answer both
    /// in one round trip; this default reads them one after the other.
    async fn api_token_and_user(&self, token_hash: &str) -> Result<Option<(auth::ApiToken, auth::User)>> {
        let Some(token) = self.api_token_by_hash(token_hash).await? else { return Ok(None) };
        Ok(self.get_user(&token.user_id).await?.map(|user| (token, user)))
    }

    /// Tokens of one user, or of everyone, by creation time then id.
    async fn list_api_tokens(&self, user_id: Option<&str>) -> Result<Vec<auth::ApiToken>>;

    /// Revoke a token as of `at` and return it. Revoking a revoked token keeps the first time.
    /// [`StoreError::NotFound`] when missing.
    async fn revoke_api_token(&self, id: &str, at: steward_model::Timestamp) -> Result<auth::ApiToken>;

    /// Record that a token was used at `at`; nothing happens for an unknown one.
    async fn touch_api_token(&self, id: &str, at: steward_model::Timestamp) -> Result<()>;

    /// Append to the audit trail; returns the id the store assigned (`entry.id` is ignored).
    async fn append_audit(&self, entry: &auth::AuditEntry) -> Result<i64>;

    /// Audit entries matching the query, newest (highest id) first; see [`auth::AuditQuery`].
    async fn list_audit(&self, query: &auth::AuditQuery) -> Result<Vec<auth::AuditEntry>>;

    // ---- catalog ----------------------------------------------------------------------------

    /// Create a catalog item as a `draft`, with the first entry of its stage and publication
    /// histories. Fields are normalised ([`catalog::ItemFields::normalized`]); a blank title,
    /// platform or creator, or a resource that already has an item, fails with
    /// [`StoreError::InvalidQuery`].
    async fn create_catalog_item(&self, item: &catalog::NewCatalogItem) -> Result<catalog::CatalogItem>;

    /// One item with its rating summary; `None` for an unknown id.
    async fn get_catalog_item(&self, id: i64) -> Result<Option<catalog::CatalogItem>>;

    /// Items matching the query, by id, a page at a time; `total` counts every match.
    async fn list_catalog_items(&self, query: &catalog::CatalogQuery) -> Result<Page<catalog::CatalogItem>>;

    /// Items written after change number `since`, in change order, at most `limit`: what a
    /// search index reads to follow the catalog (the last item's `seq` is the next `since`).
    async fn catalog_changes(&self, since: i64, limit: u32) -> Result<Vec<catalog::CatalogItem>>;

    /// Replace an item's fields (not its stage or state), if it still has the edit's expected
    /// change number when one is given; otherwise write nothing and answer
    /// [`catalog::Outcome::Stale`]. [`StoreError::NotFound`] for an unknown id.
    async fn update_catalog_item(
        &self,
        id: i64,
        edit: &catalog::CatalogEdit,
    ) -> Result<catalog::Outcome<catalog::CatalogItem>>;

    /// Apply one publication step and add it to the history, in one transaction, only if the
    /// item is still in the step's expected state; otherwise write nothing and answer
    /// [`catalog::Outcome::Stale`]. The workflow's rules are `steward-catalog`'s.
    async fn apply_publication_step(
        &self,
        id: i64,
        step: &catalog::PublicationStep,
    ) -> Result<catalog::Outcome<catalog::CatalogItem>>;

    /// The publication history of an item, oldest first; empty for an unknown id.
    async fn publication_history(&self, id: i64) -> Result<Vec<catalog::PublicationEvent>>;

    /// Move an item's maturity stage and add the move to the history, in one transaction,
    /// only if it is still at the move's expected stage; otherwise [`catalog::Outcome::Stale`].
    async fn apply_stage_move(
        &self,
        id: i64,
        stage_move: &catalog::StageMove,
    ) -> Result<catalog::Outcome<catalog::CatalogItem>>;

    /// The stage history of an item, oldest first; empty for an unknown id.
    async fn stage_history(&self, id: i64) -> Result<Vec<catalog::StageEvent>>;

    /// Set `user`'s rating of an item (1–5; a second rating replaces the first) and answer the
    /// item's new summary. [`StoreError::NotFound`] for an unknown item.
    async fn rate_catalog_item(
        &self,
        item_id: i64,
        user: &str,
        stars: u8,
        at: steward_model::Timestamp,
    ) -> Result<catalog::RatingSummary>;

    /// Every rating of an item, by user.
    async fn catalog_ratings(&self, item_id: i64) -> Result<Vec<catalog::Rating>>;

    /// Add a review. [`StoreError::NotFound`] for an unknown item.
    async fn add_catalog_review(&self, review: &catalog::NewReview) -> Result<catalog::Review>;

    /// The reviews of an item, newest first.
    async fn catalog_reviews(&self, item_id: i64) -> Result<Vec<catalog::Review>>;

    /// Request access to an item. A user with an open request for the item fails with
    /// [`StoreError::InvalidQuery`]; an unknown item with [`StoreError::NotFound`].
    async fn request_catalog_access(&self, request: &catalog::NewAccessRequest) -> Result<catalog::AccessRequest>;

    /// Grant or decline a request that is still `requested`; a decided one is answered
    /// [`catalog::Outcome::Stale`] unchanged. [`StoreError::NotFound`] for an unknown id.
    async fn decide_access_request(
        &self,
        id: i64,
        decision: &catalog::AccessDecision,
    ) -> Result<catalog::Outcome<catalog::AccessRequest>>;

    /// Access requests matching the query (by item, requester, state), by id.
    async fn list_access_requests(&self, query: &catalog::AccessQuery) -> Result<Vec<catalog::AccessRequest>>;

    // ---- inventory status and summaries -----------------------------------------------------

    /// The stored status of each listed resource that has one (written by compliance runs, see
    /// [`inventory`]), in no particular order; resources without one are left out.
    async fn resource_statuses(&self, resource_ids: &[String]) -> Result<Vec<inventory::ResourceStatus>>;

    /// Makers (principals owning at least one live resource) matching the query, by
    /// lowercased display name then id, a page at a time; `total` counts every match.
    async fn list_makers(&self, query: &inventory::MakerQuery) -> Result<Page<inventory::MakerSummary>>;

    /// Every connector (of one tenant, or of all) with the number of live resources using it, by id.
    async fn connector_summaries(&self, tenant_id: Option<&str>) -> Result<Vec<inventory::ConnectorSummary>>;

    // ---- integrity --------------------------------------------------------------------------

    /// A digest of the whole inventory and usage content, independent of insertion order and
    /// of bookkeeping columns (first seen, last seen). Two stores holding the same data give
    /// the same digest; used to prove that interrupted and uninterrupted runs converge.
    async fn content_digest(&self) -> Result<String>;

    // ---- sync bookkeeping ---------------------------------------------------------------------

    /// The state a sync engine saved under `key` with [`IngestTx::put_sync_state`], if any.
    async fn get_sync_state(&self, key: &str) -> Result<Option<serde_json::Value>>;
}

/// One write transaction. Dropping it without [`IngestTx::commit`] rolls back.
///
/// Upserts compare a content hash so that re-importing identical data writes nothing and
/// reports every row as unchanged. Governance metadata is never touched by ingestion.
#[async_trait]
pub trait IngestTx: Send {
    async fn upsert_tenants(&mut self, items: Vec<Tenant>) -> Result<UpsertCounts>;
    async fn upsert_environments(&mut self, items: Vec<Environment>) -> Result<UpsertCounts>;
    async fn upsert_connectors(&mut self, items: Vec<Connector>) -> Result<UpsertCounts>;
    async fn upsert_data_policies(&mut self, items: Vec<DataPolicy>) -> Result<UpsertCounts>;
    async fn upsert_principals(&mut self, items: Vec<Principal>) -> Result<UpsertCounts>;
    async fn upsert_resources(&mut self, items: Vec<Resource>) -> Result<UpsertCounts>;
    /// Subscribed SKUs, keyed by tenant and SKU id.
    async fn upsert_licenses(&mut self, items: Vec<License>) -> Result<UpsertCounts>;
    /// Replace the licences each listed principal holds; a principal whose set is the same
    /// counts as unchanged.
    async fn set_license_assignments(&mut self, items: Vec<LicenseAssignment>) -> Result<UpsertCounts>;

    /// What the ledger of a tenant-day holds. Inside the transaction, so that a concurrent
    /// writer of the same day waits (PostgreSQL locks the row; SQLite has one writer).
    async fn usage_ledger(&mut self, tenant_id: &str, day: chrono::NaiveDate) -> Result<usage::DayLedger>;

    /// Add a delta from [`usage::Aggregator::take`]: extend the ledgers, add uses, merge actor
    /// sets, widen spans.
    async fn apply_usage(&mut self, delta: usage::UsageDelta) -> Result<()>;

    /// Environment and maker of each listed resource the inventory knows.
    async fn resource_scopes(&mut self, resource_ids: &[String]) -> Result<Vec<usage::ResourceScopes>>;

    /// Count usage events, ignoring records already seen (the audit feed repeats records) and
    /// records for sealed days, and bring the rollups they touch up to date. Every new record
    /// enters the ledger; uses and maker actions are counted in rollups.
    /// Returns how many events were counted (uses and maker actions).
    async fn insert_usage_events(&mut self, items: Vec<UsageEvent>) -> Result<u64> {
        Ok(self.count_usage_events(items).await?.counted)
    }

    /// [`IngestTx::insert_usage_events`], answering what became of the records: counted,
    /// repeated, sealed, or seen but counted in no rollup.
    async fn count_usage_events(&mut self, items: Vec<UsageEvent>) -> Result<usage::AggregateStats> {
        Ok(self.count_usage_events_each(items).await?.0)
    }

    /// [`IngestTx::count_usage_events`], with the outcome of each record in input order (what
    /// the raw archive needs: the records seen for the first time).
    async fn count_usage_events_each(
        &mut self,
        items: Vec<UsageEvent>,
    ) -> Result<(usage::AggregateStats, Vec<usage::Outcome>)> {
        let mut tenants: Vec<&str> = items.iter().map(|e| e.tenant_id.as_str()).collect();
        tenants.sort_unstable();
        tenants.dedup();
        let mut stats = usage::AggregateStats::default();
        let mut outcomes = vec![usage::Outcome::NotCounted; items.len()];
        for tenant in tenants {
            let positions: Vec<usize> = (0..items.len()).filter(|i| items[*i].tenant_id == tenant).collect();
            let mut days: Vec<chrono::NaiveDate> =
                positions.iter().map(|i| items[*i].occurred_at.date_naive()).collect();
            days.sort_unstable();
            days.dedup();
            let mut ledgers = std::collections::HashMap::new();
            for day in days {
                ledgers.insert(day, self.usage_ledger(tenant, day).await?);
            }
            let mut aggregator = usage::Aggregator::new(tenant);
            let answered = usage::aggregate_events(&mut aggregator, positions.iter().map(|i| &items[*i]), |day| {
                ledgers.remove(&day).unwrap_or(usage::DayLedger::Open(Vec::new()))
            });
            for (i, outcome) in positions.iter().zip(answered) {
                outcomes[*i] = outcome;
            }
            let open = aggregator.open_days();
            usage::write_days(self, &mut aggregator, &open).await?;
            stats += aggregator.stats();
        }
        Ok((stats, outcomes))
    }

    /// Save a sync engine's state (checkpoint, watermarks) under `key`, replacing what was
    /// there. It commits with this transaction's data, so the two never disagree.
    async fn put_sync_state(&mut self, key: &str, value: serde_json::Value) -> Result<()>;

    /// Remember that the listing named `listing` saw these ids (environment or resource ids,
    /// as the scope says). Repeats are harmless.
    async fn record_listing_seen(&mut self, listing: &str, ids: Vec<String>) -> Result<()>;

    /// The listing named `listing` walked its collection to the end: mark deleted, as of `at`,
    /// every live record in `scope` it did not see, then forget what it saw. Call it only after
    /// a complete, successful walk; this is the one place ingestion deletes anything.
    async fn complete_listing(
        &mut self,
        listing: &str,
        scope: &ListingScope,
        at: steward_model::Timestamp,
    ) -> Result<Deletions>;

    /// Forget what the listing named `listing` saw, without deleting anything (a walk that
    /// failed, or a `--full` run starting over).
    async fn abandon_listing(&mut self, listing: &str) -> Result<()>;

    async fn commit(self: Box<Self>) -> Result<()>;
    async fn rollback(self: Box<Self>) -> Result<()>;
}

/// What an upsert did, row by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpsertCounts {
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
}

impl UpsertCounts {
    pub fn total(&self) -> u64 {
        self.added + self.changed + self.unchanged
    }
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, rhs: Self) {
        self.added += rhs.added;
        self.changed += rhs.changed;
        self.unchanged += rhs.unchanged;
    }
}

/// A stable 64-bit content hash of a serialisable record, as 16 hex digits.
/// Backends store it beside each row to skip writes of unchanged data.
pub fn content_hash<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own model types cannot fail (no maps with non-string keys).
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}
