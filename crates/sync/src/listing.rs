//! Walking one listing page by page: each page's records, the ids it saw and the link of the
//! next page commit in one transaction, and only the transaction of the last page may delete.

use crate::Ctx;
use crate::error::SyncError;
use crate::state::{ListingState, listing_key};
use crate::writer::Op;
use std::future::Future;
use steward_model::{Connector, Environment, LicenseAssignment, Principal, Resource};
use steward_powerplatform::ApiError;
use steward_store::{Deletions, ListingScope, UpsertCounts};

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
}

/// Pages of one listing queued for writing before the walk waits for the oldest.
const PAGES_IN_FLIGHT: usize = 64;

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
    // the store with the last page, whose deletion check is rolled back too.
    let mut dry_seen: Vec<String> = Vec::new();
    let mut first = true;
    let mut in_flight: std::collections::VecDeque<crate::writer::Pending> = std::collections::VecDeque::new();
    loop {
        let fetched = fetch(next.clone()).await;
        let (records, following) = match fetched {
            Ok(page) => page,
            Err(e) => {
                // Pages already queued still get written (with their checkpoints); wait for
                // them so that the listing's saved link is where the walk stopped.
                for pending in in_flight {
                    let _ = pending.wait().await;
                }
                return Err(WalkError::Api(e));
            }
        };
        let ids = records.ids();
        let last = following.is_none();
        let seen = if ctx.options.dry_run {
            dry_seen.extend(ids);
            (last && scope.is_some()).then(|| std::mem::take(&mut dry_seen))
        } else {
            Some(ids)
        };
        let state = (!ctx.options.dry_run).then(|| {
            let state = ListingState { run_id: ctx.run.run_id.clone(), next: following.clone(), done: last };
            (key.clone(), serde_json::to_value(&state).unwrap_or_default())
        });
        let op = Op::Page {
            listing: name.to_string(),
            // Sightings left by an earlier walk that never completed must not protect records
            // that this walk does not see.
            abandon_first: first && !resumed,
            records,
            seen,
            complete: if last { scope.clone().map(|s| (s, ctx.run.as_of)) } else { None },
            state,
        };
        let fatal = |error| {
            WalkError::Fatal(SyncError::Store {
                source_name: ctx.source.clone(),
                what: format!("writing a page of listing {name}"),
                error,
            })
        };
        // The next page is fetched while this one waits in the writer's queue: the writer
        // then always has pages to commit together.
        in_flight.push_back(ctx.writer.enqueue(op).await.map_err(fatal)?);
        while in_flight.len() > PAGES_IN_FLIGHT || (last && !in_flight.is_empty()) {
            if let Some(pending) = in_flight.pop_front() {
                let outcome = pending.wait().await.map_err(fatal)?;
                walked.counts += outcome.counts;
                walked.deletions += outcome.deletions;
            }
        }
        walked.pages += 1;
        first = false;
        if last {
            return Ok(Some(walked));
        }
        next = following;
    }
}
