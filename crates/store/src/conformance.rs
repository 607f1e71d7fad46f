//! The behaviour every [`Store`](crate::Store) backend must show, as executable cases.
//!
//! A backend runs the whole suite with one line in an integration test:
//!
//! ```ignore
//! async fn make_store() -> Option<std::sync::Arc<dyn steward_store::Store>> { /* fresh, empty, migrated */ }
//! steward_store::conformance_tests!(make_store);
//! ```
//!
//! Each `case_*` function is self-contained and panics with a message that names the broken rule.
//!
//! Semantics the cases pin down (both backends must agree, so they are written here once):
//! - Lists of resources, environments and principals are ordered and paged by a keyset: the
//!   resource sort key, then `id` ascending. `Name` sorts by the lowercased display name compared
//!   bytewise (PostgreSQL: `COLLATE "C"`); the date sorts put missing dates last.
//!   Environments and principals are ordered by lowercased display name, then id.
//! - `total` counts every match of the filters, whatever the cursor.
//! - The owner filter matches a principal id exactly or a UPN of a known principal case-insensitively.
//! - `q` is a literal, case-insensitive substring (`%` and `_` are not wildcards).
//! - Deleted resources are hidden from lists, counts and overview figures unless `include_deleted`.
//! - Makers are distinct owner ids of non-deleted resources; `makers_only` uses the same rule.
//! - The actor of a usage event is its principal id, else its lowercased UPN; events without
//!   either count as uses but not as users. A day appears in `daily_usage` only with at least one
//!   use (launch, run, session).
//! - Orphaned: a non-deleted resource with at least one owner, every owner a known principal that
//!   is a leaver. Overview `principals` counts principals not deleted.
//! - `active_users_30d`: distinct actors of use events in `(newest - 30 days, newest]`, where newest
//!   is the newest event of any kind in scope.

mod bench_governance;
mod cases_auth;
mod cases_campaigns;
mod cases_catalog;
mod cases_cost;
mod cases_digest;
mod cases_exemption_requests;
mod cases_governance;
mod cases_inventory;
mod cases_inventory_filters;
mod cases_jobs;
mod cases_licenses;
mod cases_lists;
mod cases_maturity;
mod cases_notifications;
mod cases_rollups;
mod cases_success;
mod cases_sync;
mod cases_usage;
mod cases_value;
mod fixtures;

pub use bench_governance::measure_compliance_recording;
pub use cases_auth::*;
pub use cases_campaigns::*;
pub use cases_catalog::*;
pub use cases_cost::*;
pub use cases_digest::*;
pub use cases_exemption_requests::*;
pub use cases_governance::*;
pub use cases_inventory::*;
pub use cases_inventory_filters::*;
pub use cases_jobs::*;
pub use cases_licenses::*;
pub use cases_lists::*;
pub use cases_maturity::*;
pub use cases_notifications::*;
pub use cases_rollups::*;
pub use cases_success::*;
pub use cases_sync::*;
pub use cases_usage::*;
pub use cases_value::*;
pub use fixtures::*;

use crate::{IngestTx, Store, UpsertCounts};
use std::sync::Arc;
use steward_model::{Connector, DataPolicy, Environment, Principal, Resource, Tenant, UsageEvent};

/// Everything one ingest writes, in the order a sync would write it.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub tenants: Vec<Tenant>,
    pub environments: Vec<Environment>,
    pub connectors: Vec<Connector>,
    pub data_policies: Vec<DataPolicy>,
    pub principals: Vec<Principal>,
    pub resources: Vec<Resource>,
    pub events: Vec<UsageEvent>,
}

/// Counts of one [`load_into`] call per table, plus new events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub tenants: UpsertCounts,
    pub environments: UpsertCounts,
    pub connectors: UpsertCounts,
    pub data_policies: UpsertCounts,
    pub principals: UpsertCounts,
    pub resources: UpsertCounts,
    pub new_events: u64,
}

/// Write a dataset through an open transaction (without committing).
pub async fn load_into(tx: &mut dyn IngestTx, data: &Dataset) -> LoadCounts {
    LoadCounts {
        tenants: tx.upsert_tenants(data.tenants.clone()).await.unwrap_or_else(|e| panic!("upsert_tenants: {e}")),
        environments: tx
            .upsert_environments(data.environments.clone())
            .await
            .unwrap_or_else(|e| panic!("upsert_environments: {e}")),
        connectors: tx
            .upsert_connectors(data.connectors.clone())
            .await
            .unwrap_or_else(|e| panic!("upsert_connectors: {e}")),
        data_policies: tx
            .upsert_data_policies(data.data_policies.clone())
            .await
            .unwrap_or_else(|e| panic!("upsert_data_policies: {e}")),
        principals: tx
            .upsert_principals(data.principals.clone())
            .await
            .unwrap_or_else(|e| panic!("upsert_principals: {e}")),
        resources: tx
            .upsert_resources(data.resources.clone())
            .await
            .unwrap_or_else(|e| panic!("upsert_resources: {e}")),
        new_events: tx
            .insert_usage_events(data.events.clone())
            .await
            .unwrap_or_else(|e| panic!("insert_usage_events: {e}")),
    }
}

/// Write a dataset in one committed transaction.
pub async fn load(store: &Arc<dyn Store>, data: &Dataset) -> LoadCounts {
    let mut tx = store.begin_ingest().await.unwrap_or_else(|e| panic!("begin_ingest: {e}"));
    let counts = load_into(tx.as_mut(), data).await;
    tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
    counts
}

/// The store's digest, panicking with context on error.
pub async fn digest(store: &Arc<dyn Store>) -> String {
    store.content_digest().await.unwrap_or_else(|e| panic!("content_digest: {e}"))
}

/// Generates one `#[tokio::test]` per conformance case for a backend.
///
/// `$make` names an `async fn() -> Option<Arc<dyn Store>>` returning a fresh, empty, migrated
/// store, or `None` when the backend is not available (each test then prints `SKIPPED` and passes).
/// The calling crate needs `tokio` with the `macros` and `rt-multi-thread` features.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@single $make;
            case_migrate_twice_and_unknown_ids,
            case_upsert_counts_tenants,
            case_upsert_counts_environments,
            case_upsert_counts_connectors,
            case_upsert_counts_data_policies,
            case_upsert_counts_principals,
            case_upsert_counts_resources,
            case_upsert_same_batch_twice_in_one_tx,
            case_round_trip_resource,
            case_round_trip_environment,
            case_round_trip_principal_connector_policy,
            case_governance_round_trip_and_survives_reingest,
            case_list_resources_filters,
            case_list_resources_owner_change,
            case_list_resources_deleted_hidden,
            case_list_resources_paging_every_sort,
            case_list_resources_paging_with_filter,
            case_list_resources_garbage_cursor,
            case_list_environments,
            case_list_principals,
            case_inventory_filters_alone_and_combined,
            case_inventory_filters_page_in_every_order,
            case_inventory_statuses_follow_runs,
            case_inventory_makers,
            case_inventory_connector_summaries,
            case_rollback_explicit,
            case_rollback_on_drop,
            case_usage_dedup_and_rollups,
            case_usage_second_tx_updates_day,
            case_usage_periods_scopes_and_makers,
            case_usage_resource_windows,
            case_usage_split_batches_match_one_batch,
            case_usage_retention_seals_days,
            case_overview,
            case_digest_detects_changes,
            case_digest_matches_definition,
            case_sync_state_commits_with_data,
            case_complete_listing_deletes_unseen_in_scope,
            case_deleted_resource_reappears,
            case_abandoned_or_rolled_back_listing_deletes_nothing,
            case_environment_listing_deletes_environment_and_resources,
            case_principal_listing_deletes_leavers,
            case_tenant_wide_listing_deletes_across_environments,
            case_licenses_round_trip_and_counts,
            case_license_assignments_replace,
            case_success_rule_sets_are_versioned,
            case_success_detections_record_and_keep_review_state,
            case_governance_policy_sets_are_immutable_and_one_is_active,
            case_governance_every_violation_transition,
            case_governance_tenant_scoped_runs,
            case_governance_refused_runs_write_nothing,
            case_governance_exemptions,
            case_governance_runs_trends_summary_and_lists,
            case_governance_big_run_twice,
            case_exemption_requests_round_trip_and_one_open,
            case_exemption_requests_decisions_check_the_state,
            case_exemption_requests_race,
            case_campaigns_create_list_and_close,
            case_campaign_tasks_skip_open_duplicates,
            case_campaign_task_transitions_check_the_expected_state,
            case_campaign_task_transitions_race,
            case_campaign_tasks_list_filters,
            case_jobs_dedupe_priorities_and_due_times,
            case_jobs_only_the_current_lease_finishes_a_job,
            case_jobs_retry_dead_letter_requeue_and_cancel,
            case_jobs_release_kinds_and_expiry_out_of_attempts,
            case_jobs_concurrent_claims_take_each_job_once,
            case_jobs_schedules_fire_once_per_slot,
            case_catalog_items_round_trip_and_edit,
            case_catalog_lists_filter_and_page,
            case_catalog_steps_and_moves_check_the_expected_state,
            case_catalog_steps_race,
            case_catalog_ratings_reviews_and_access,
            case_auth_users_unique_and_case_insensitive,
            case_auth_sessions_expire_and_end,
            case_auth_api_tokens_revoke_and_touch,
            case_auth_audit_pages_newest_first_with_filters,
            case_maturity_assessments_round_trip_and_checks,
            case_maturity_answers_replace_with_history,
            case_maturity_completed_assessments_take_no_answers,
            case_value_records_revisions_and_history,
            case_value_records_refused_write_nothing,
            case_value_records_race,
            case_value_assessments_append_newest_first,
            case_notification_preferences_and_destinations,
            case_deliveries_once_per_key,
            case_deliveries_claims_attempts_and_retries,
            case_deliveries_concurrent_claims_share_nothing,
            case_feedback_skills_and_seen_makers,
            case_cost_records_put_replace_delete,
            case_cost_licence_holders_and_actor_principals,
        );
        $crate::conformance_tests!(@pair $make;
            case_digest_independent_of_insertion_order,
        );
    };
    (@single $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                match $make().await {
                    Some(store) => $crate::conformance::$case(store).await,
                    None => eprintln!("SKIPPED: {}: backend not available", stringify!($case)),
                }
            }
        )*
    };
    (@pair $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                match ($make().await, $make().await) {
                    (Some(first), Some(second)) => $crate::conformance::$case(first, second).await,
                    _ => eprintln!("SKIPPED: {}: backend not available", stringify!($case)),
                }
            }
        )*
    };
}
