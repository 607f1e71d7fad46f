//! Walking one listing page by page: each page's records, the ids it saw and the link of the
//! next page commit in one transaction, and only the transaction of the last page may delete.

use crate::Ctx;
use crate::error::SyncError;
use crate::state::{ListingState, listing_key};
use std::future::Future;
use steward_model::{Connector, Environment, LicenseAssignment, Principal, Resource};
use steward_powerplatform::ApiError;
use steward_store::{Deletions, IngestTx, ListingScope, StoreError, UpsertCounts};

/// The normalised records of one page.
pub enum Records {
    Environments(Vec<Environment>),
    Resources(Vec<Resource>),
    Connectors(Vec<Connector>),
    /// Users, with the licences of those whose listing entry carried them.
    Principals(Vec<Principal>, Vec<LicenseAssignment>),
}

impl Records {
    fn ids(&self) -> Vec<String> {
        match self {
            Records::Environments(v) => v.iter().map(|r| r.id.clone()).collect(),
            Records::Resources(v) => v.iter().map(|r| r.id.clone()).collect(),
            Records::Connectors(v) => v.iter().map(|r| r.id.clone()).collect(),
            Records::Principals(v, _) => v.iter().map(|r| r.id.clone()).collect(),
        }
    }

    async fn write(self, tx: &mut dyn IngestTx) -> Result<UpsertCounts, StoreError> {
        match self {
            Records::Environments(v) => tx.upsert_environments(v).await,
            Records::Resources(v) => tx.upsert_resources(v).await,
            Records::Connectors(v) => tx.upsert_connectors(v).await,
            Records::Principals(v, licences) => {
                let counts = tx.upsert_principals(v).await?;
                if !licences.is_empty() {
                    tx.set_license_assignments(licences).await?;
                }
                Ok(counts)
            }
        }
    }
}

/// What a walk did.
#[derive(Debug, Default)]
pub struct Walked {
    pub counts: UpsertCounts,
    pub deletions: Deletions,
    pub pages: u64,
}

/// How a walk ended.
pub enum WalkError {
    /// The source failed; the listing stays incomplete (its checkpoint lets a later run go on).
    Api(ApiError),
    /// The store failed: the run cannot go on.
    Fatal(SyncError),
}

/// Walk the listing `name`. `fetch` gets the stored link of the page to fetch (`None`: the
/// first) and answers the page's records and the next link. With a `scope`, a walk that reaches
/// its end marks deleted whatever in the scope it did not see. Answers `None` when this run
/// already completed the listing.
pub async fn walk<F, Fut>(
    ctx: &Ctx,
    name: &str,
    scope: Option<ListingScope>,
    fetch: F,
) -> Result<Option<Walked>, WalkError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Records, Option<String>), ApiError>>,
{
    walk_with(ctx, name, scope, Resume::FromCheckpoint, fetch).await
}

/// Whether a walk may continue from this run's checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    FromCheckpoint,
    /// Start at the first page whatever was saved: for a listing whose pages' content the caller
    /// needs in full (the environment list), not only their effect on the store.
    Restart,
}

pub async fn walk_with<F, Fut>(
    ctx: &Ctx,
    name: &str,
    scope: Option<ListingScope>,
    resume: Resume,
    mut fetch: F,
) -> Result<Option<Walked>, WalkError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Records, Option<String>), ApiError>>,
{
    let key = listing_key(&ctx.source, name);
    let mut next = None;
    let mut resumed = false;
    if !ctx.options.dry_run
        && resume == Resume::FromCheckpoint
        && let Some(state) = ctx.load::<ListingState>(&key).await.map_err(WalkError::Fatal)?
        && state.run_id == ctx.run.run_id
    {
        if state.done {
            return Ok(None);
        }
        next = state.next;
        resumed = true;
    }
    let mut walked = Walked::default();
    // A dry run commits nothing, so the sightings of earlier pages are kept here and handed to
    // the store just before the last page's deletion check (which is rolled back too).
    let mut dry_seen: Vec<String> = Vec::new();
    let mut first = true;
    loop {
        let (records, following) = fetch(next.clone()).await.map_err(WalkError::Api)?;
        let ids = records.ids();
        let last = following.is_none();
        let store_err = |what: &str| {
            let source = ctx.source.clone();
            let what = format!("{what} of listing {name}");
            move |error| WalkError::Fatal(SyncError::Store { source_name: source, what, error })
        };
        let mut tx = ctx.store.begin_ingest().await.map_err(store_err("starting the transaction"))?;
        if first && !resumed {
            // Sightings left by an earlier walk that never completed must not protect records
            // that this walk does not see.
            tx.abandon_listing(name).await.map_err(store_err("clearing old sightings"))?;
        }
        walked.counts += records.write(tx.as_mut()).await.map_err(store_err("writing a page"))?;
        if ctx.options.dry_run {
            dry_seen.extend(ids);
            if last && scope.is_some() {
                tx.record_listing_seen(name, std::mem::take(&mut dry_seen))
                    .await
                    .map_err(store_err("recording sightings"))?;
            }
        } else {
            tx.record_listing_seen(name, ids).await.map_err(store_err("recording sightings"))?;
        }
        if last && let Some(scope) = &scope {
            walked.deletions =
                tx.complete_listing(name, scope, ctx.run.as_of).await.map_err(store_err("completing"))?;
        }
        if ctx.options.dry_run {
            tx.rollback().await.map_err(store_err("rolling back (dry run)"))?;
        } else {
            let state = ListingState { run_id: ctx.run.run_id.clone(), next: following.clone(), done: last };
            tx.put_sync_state(&key, serde_json::to_value(&state).unwrap_or_default())
                .await
                .map_err(store_err("saving the checkpoint"))?;
            tx.commit().await.map_err(store_err("committing a page"))?;
        }
        walked.pages += 1;
        first = false;
        if last {
            return Ok(Some(walked));
        }
        next = following;
    }
}
