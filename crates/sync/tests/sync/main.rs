//! The sync engine against a fake tenant on 127.0.0.1 speaking the real wire formats: every
//! behaviour the issue names, checked on the store the engine wrote (a real SQLite file).

// Test helpers may unwrap: a failure is a failed test, with the panic saying where.
#![allow(clippy::unwrap_used)]

mod harness;

use harness::{Harness, as_of, fake_config, resource_count};
use steward_fake_tenant::{Faults, RetryAfter};
use steward_ingest::synthetic::Preset;
use steward_sync::SyncOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_takes_everything_and_a_second_run_writes_nothing() {
    let h = Harness::start(fake_config(Preset::Small)).await;
    let report = h.sync(SyncOptions::default()).await;
    assert!(report.errors.is_empty(), "a fault-free sync has no errors: {:?}", report.errors);
    let expected = h.fake.expected_counts().unwrap();
    assert_eq!(report.environments.added, expected.environments, "every environment added");
    assert_eq!(report.resources().added, expected.resources, "every resource added: {report:?}");
    assert_eq!(resource_count(&h.store).await, expected.resources, "the store holds them");
    assert_eq!(report.principals.added, expected.users, "every user");
    assert!(report.usage.records_new > 0, "audit records ingested");
    // The fake serves fewer days than the feed keeps (7), so a first run reads every record.
    assert_eq!(report.usage.records_new, expected.audit_counted, "every distinct countable audit record, once");
    assert_eq!(h.fake.stats().calls_without_publisher_identifier, 0, "PublisherIdentifier on every O365 call");

    let again = h.sync(SyncOptions::default()).await;
    let r = again.resources();
    assert_eq!((r.added, r.changed, r.unchanged), (0, 0, expected.resources), "nothing changed: {again:?}");
    assert_eq!(again.resources_deleted(), 0);
    assert_eq!(again.usage.records_new, 0, "the watermark skips what was read");
    assert!(!again.resumed, "a finished run is not resumed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_run_reports_exactly_what_changed() {
    let h = Harness::start(fake_config(Preset::Small)).await;
    h.sync(SyncOptions::default()).await;
    let mutation = h.mutate(0.02, 5, 7).await;
    let report = h.sync(SyncOptions::default()).await;
    let r = report.resources();
    assert_eq!(r.added, mutation.added.len() as u64, "added: {report:?}");
    assert_eq!(r.changed, mutation.changed.len() as u64, "changed");
    assert_eq!(report.resources_deleted(), mutation.deleted.len() as u64, "deleted");
    for id in &mutation.deleted {
        let stored = h.store.get_resource(id).await.unwrap().expect("a deleted resource is kept, marked");
        assert_eq!(stored.deleted_at, Some(as_of()), "{id} marked deleted as of the run");
    }
    for id in &mutation.added {
        assert!(h.store.get_resource(id).await.unwrap().is_some(), "{id} added");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_environment_is_reported_and_nothing_in_it_is_deleted() {
    let h = Harness::start(fake_config(Preset::Small)).await;
    h.sync(SyncOptions::default()).await;
    let victim = h.busiest_environment().await;
    let before = h.live_in(&victim.id).await;
    assert!(before > 0);
    h.set_faults(Faults { forbidden_environments: vec![victim.name.clone()], ..Faults::default() }).await;
    let report = h.sync(SyncOptions::default()).await;
    assert!(
        report.errors.iter().any(|e| e.permission && e.scope.contains(&victim.name)),
        "the 403 is reported as a permission problem: {:?}",
        report.errors
    );
    assert_eq!(h.live_in(&victim.id).await, before, "a 403 listing deletes nothing");
    assert!(!report.per_environment[&victim.id].incomplete.is_empty());
    let others_complete =
        report.per_environment.iter().filter(|(id, _)| **id != victim.id).all(|(_, e)| e.incomplete.is_empty());
    assert!(others_complete, "one failing environment does not stop the others");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_retried_and_the_result_is_the_same() {
    let clean = Harness::start(fake_config(Preset::Small)).await;
    clean.sync(SyncOptions::default()).await;

    let mut config = fake_config(Preset::Small);
    config.faults = Faults {
        seed: 11,
        throttle_fraction: 0.15,
        retry_after: RetryAfter::Seconds(0),
        af429_fraction: 0.2,
        server_error_fraction: 0.1,
        truncate_fraction: 0.1,
        audit_cross_blob_duplicates: 0.3,
        audit_out_of_order: true,
        ..Faults::default()
    };
    let faulty = Harness::start(config).await;
    let report = faulty.sync(SyncOptions::default()).await;
    assert!(report.errors.is_empty(), "every fault is retried: {:?}", report.errors);
    assert!(report.throttled > 0 && report.retries > 0, "faults were met: {report:?}");
    let f = faulty.fake.stats().faults;
    assert!(f.throttled > 0 && f.af429 > 0 && f.server_errors > 0 && f.truncated > 0, "{f:?}");
    assert_eq!(clean.digest().await, faulty.digest().await, "faults change nothing in the result");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_any_point_resumes_and_converges() {
    // Reference: one uninterrupted run after a mutation.
    let reference = Harness::start(fake_config(Preset::Small)).await;
    reference.sync(SyncOptions::default()).await;
    reference.mutate(0.05, 9, 4).await;
    reference.sync(SyncOptions::default()).await;

    let interrupted = Harness::start(fake_config(Preset::Small)).await;
    interrupted.sync(SyncOptions::default()).await;
    interrupted.mutate(0.05, 9, 4).await;
    // Stop the run after a growing number of transactions: each stop drops the run at a
    // different point (environments, users, an environment's listings, the audit feed…), like
    // kill -9. Every later run must resume the interrupted one, until one gets to the end.
    let mut kills = 0;
    let mut finished = None;
    for after_writes in [1u64, 2, 3, 4, 6, 8, 11, 15, 20, 30, 45, 70, 100, 150, 250, 400] {
        match interrupted.sync_killed_after(after_writes).await {
            None => kills += 1,
            Some(report) => {
                finished = Some(report);
                break;
            }
        }
    }
    assert!(kills >= 4, "the run must actually have been interrupted several times, was {kills}");
    let last = match finished {
        Some(r) => r,
        None => interrupted.sync(SyncOptions::default()).await,
    };
    assert!(last.resumed, "the run after a kill resumes the interrupted one");
    assert!(last.errors.is_empty(), "{:?}", last.errors);
    assert_eq!(interrupted.digest().await, reference.digest().await, "resumed runs converge to the same state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_changes_and_writes_nothing() {
    let h = Harness::start(fake_config(Preset::Small)).await;
    h.sync(SyncOptions::default()).await;
    let mutation = h.mutate(0.01, 3, 2).await;
    let before = h.digest().await;
    let report = h.sync(SyncOptions { dry_run: true, ..SyncOptions::default() }).await;
    assert_eq!(h.digest().await, before, "a dry run writes nothing");
    assert_eq!(report.resources().added, mutation.added.len() as u64);
    assert_eq!(report.resources().changed, mutation.changed.len() as u64);
    assert_eq!(report.resources_deleted(), mutation.deleted.len() as u64, "deletions are foreseen too");
    let real = h.sync(SyncOptions::default()).await;
    assert_eq!(real.resources_deleted(), mutation.deleted.len() as u64, "and then happen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_clearly_and_never_shows_the_secret() {
    let h = Harness::start(fake_config(Preset::Small)).await;
    let err = h.sync_with_secret("not-the-secret-xyzzy").await;
    let text = err.to_string();
    assert!(text.contains("environments"), "says what failed: {text}");
    assert!(!text.contains("not-the-secret-xyzzy"), "the secret never appears: {text}");
    assert_eq!(resource_count(&h.store).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_come_from_the_inventory_api_when_the_tenant_has_it_and_from_dataverse_otherwise() {
    let fast = Harness::start(fake_config(Preset::Small)).await;
    let report = fast.sync(SyncOptions::default()).await;
    let expected = fast.fake.expected_counts().unwrap();
    assert!(expected.agents > 0, "the small tenant has agents");
    let via_api = report.agents_from_inventory_api.expect("the fake tenant has the inventory API");
    assert_eq!(via_api.added, expected.agents, "every agent, tenant-wide, in one listing");
    assert_eq!(fast.fake.stats().requests.get("bots"), None, "no per-environment Dataverse agent calls");

    let mut config = fake_config(Preset::Small);
    config.inventory_api = false;
    let slow = Harness::start(config).await;
    let report = slow.sync(SyncOptions::default()).await;
    assert!(report.errors.is_empty(), "a tenant without the API is normal: {:?}", report.errors);
    assert_eq!(report.agents_from_inventory_api, None);
    assert!(slow.fake.stats().requests.get("bots").copied().unwrap_or(0) > 0, "agents from Dataverse");
    let agents = |h: &Harness| {
        let store = h.store.clone();
        async move {
            let q = steward_store::ResourceQuery {
                kind: Some(steward_model::ResourceKind::Agent),
                limit: Some(1),
                ..Default::default()
            };
            store.list_resources(&q).await.unwrap().total
        }
    };
    assert_eq!(agents(&fast).await, expected.agents);
    assert_eq!(agents(&slow).await, expected.agents, "both paths find the same agents");

    // A deleted agent is proved gone by the tenant-wide listing.
    let mutation = fast.mutate(0.0, 40, 0).await;
    let report = fast.sync(SyncOptions::default()).await;
    assert_eq!(report.resources_deleted(), mutation.deleted.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_archive_keeps_each_record_the_store_saw_first() {
    let h = Harness::start(fake_config(Preset::Small)).await;
    let root = tempfile::tempdir().unwrap();
    let options = SyncOptions { archive: Some(root.path().to_path_buf()), ..Default::default() };
    let report = h.sync(options.clone()).await;
    let status = h.store.usage_status(None).await.unwrap();
    assert!(report.usage.archived_rows > 0, "{:?}", report.usage);
    assert_eq!(report.usage.archived_rows, status.records, "one archived row per record in the ledger");
    let parts = steward_usage_archive::partitions(root.path()).unwrap();
    assert!(!parts.is_empty(), "day partitions were written");
    assert!(parts.iter().all(|p| p.tenant_id == h.fake.tenant_id()), "partitioned by the source's tenant");
    let again = h.sync(SyncOptions { full: true, ..options }).await;
    assert!(again.usage.records_read > 0, "a full run reads the feed again");
    assert_eq!(again.usage.archived_rows, 0, "records seen before are not archived again");
}
