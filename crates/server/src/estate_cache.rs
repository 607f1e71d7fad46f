//! Estate-wide figures that cost a pass over the whole store, kept for a short while.
//!
//! The overview's counts, the usage status and the compliance summary change only when data
//! arrives (import, sync, a compliance run) or someone changes something. Counting them again
//! for every page view made the overview the slowest page (about 45 ms of SQLite counting per
//! view on the medium bench tenant, BENCHMARKS.md "Web and API"). A figure is kept only when
//! computing it was slow, so small estates always read fresh figures; any change made through
//! this server drops everything kept (`invalidate`, called by the audit trail, which every write
//! passes), and writers outside it (the CLI, a sync) are seen after [`TTL`]: past it, readers
//! get the kept figure while a single background refresh counts again, so a busy overview never
//! has every reader recount at the same moment. The success candidates (every `new` detection
//! still firing) are kept the same way, before each reader's own narrowing.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use steward_store::governance::ComplianceSummary;
use steward_store::success::{Detection, DetectionQuery, DetectionState};
use steward_store::usage::UsageStatus;
use steward_store::{Overview, Store};

/// How long a kept figure is served as fresh after an outside write.
pub const TTL: Duration = Duration::from_secs(30);
/// Past [`TTL`] a kept figure is still served while one refresh runs in the background (so no
/// reader waits for a recount, and many readers never recount at once), up to this age; older
/// (the refresh keeps failing), readers compute it themselves.
pub const STALE_LIMIT: Duration = Duration::from_secs(300);
/// Figures computed faster than this are not worth keeping.
pub const SLOW: Duration = Duration::from_millis(20);

type Key = Option<String>;

/// One kind of figure per tenant filter (`None` = every tenant).
struct Recent<V> {
    entries: Mutex<HashMap<Key, (Instant, u64, V)>>,
    /// Tenant filters whose figure is being refreshed in the background.
    refreshing: Mutex<HashSet<Key>>,
}

/// A kept figure and whether it is past [`TTL`].
enum Kept<V> {
    Fresh(V),
    Stale(V),
}

impl<V: Clone> Recent<V> {
    fn new() -> Self {
        Recent { entries: Mutex::new(HashMap::new()), refreshing: Mutex::new(HashSet::new()) }
    }

    /// The figure kept for `tenant` at this generation (a change through the server drops it).
    fn get(&self, tenant: Option<&str>, generation: u64) -> Option<Kept<V>> {
        let entries = self.entries.lock().ok()?;
        let (at, kept_generation, value) = entries.get(&tenant.map(str::to_string))?;
        if *kept_generation != generation || at.elapsed() >= STALE_LIMIT {
            return None;
        }
        Some(if at.elapsed() < TTL { Kept::Fresh(value.clone()) } else { Kept::Stale(value.clone()) })
    }

    /// Keep a figure just computed if computing it was slow; a fast one replaces nothing and
    /// drops what was kept (it is cheaper to count again than to serve an old count).
    fn put(&self, tenant: Option<&str>, generation: u64, value: V, took: Duration) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if took < SLOW {
            entries.remove(&tenant.map(str::to_string));
        } else {
            entries.insert(tenant.map(str::to_string), (Instant::now(), generation, value));
        }
    }

    /// Claim the background refresh of `tenant`'s figure; `false` when one runs already.
    fn start_refresh(&self, tenant: Option<&str>) -> bool {
        self.refreshing.lock().is_ok_and(|mut r| r.insert(tenant.map(str::to_string)))
    }

    fn end_refresh(&self, tenant: Option<&str>) {
        if let Ok(mut r) = self.refreshing.lock() {
            r.remove(&tenant.map(str::to_string));
        }
    }
}

/// The kept figures of one server.
pub struct EstateCache {
    generation: AtomicU64,
    overview: Recent<Overview>,
    usage: Recent<UsageStatus>,
    compliance: Recent<ComplianceSummary>,
    candidates: Recent<Vec<Detection>>,
}

impl Default for EstateCache {
    fn default() -> Self {
        EstateCache {
            generation: AtomicU64::new(0),
            overview: Recent::new(),
            usage: Recent::new(),
            compliance: Recent::new(),
            candidates: Recent::new(),
        }
    }
}

/// Success candidates as the overview lists them: detections still `new` and firing.
async fn new_detections(store: &dyn Store, tenant: Option<&str>) -> steward_store::Result<Vec<Detection>> {
    let query = DetectionQuery {
        tenant_id: tenant.map(str::to_string),
        state: Some(DetectionState::New),
        active: Some(true),
        ..Default::default()
    };
    store.list_detections(&query).await
}

macro_rules! cached {
    ($(#[$doc:meta])* $name:ident, $field:ident, $type:ty, |$store:ident, $tenant:ident| $read:expr) => {
        $(#[$doc])*
        pub async fn $name(
            self: &Arc<Self>,
            store: &Arc<dyn Store>,
            tenant: Option<&str>,
        ) -> steward_store::Result<$type> {
            let generation = self.generation.load(Ordering::Acquire);
            match self.$field.get(tenant, generation) {
                Some(Kept::Fresh(value)) => return Ok(value),
                Some(Kept::Stale(value)) => {
                    if self.$field.start_refresh(tenant) {
                        let (cache, store, key) = (self.clone(), store.clone(), tenant.map(str::to_string));
                        tokio::spawn(async move {
                            let tenant = key.as_deref();
                            let started = Instant::now();
                            let ($store, $tenant) = (store.as_ref(), tenant);
                            match $read.await {
                                Ok(value) => cache.$field.put(tenant, generation, value, started.elapsed()),
                                Err(error) => tracing::warn!(%error, "refreshing a kept estate figure failed"),
                            }
                            cache.$field.end_refresh(tenant);
                        });
                    }
                    return Ok(value);
                }
                None => {}
            }
            let started = Instant::now();
            let ($store, $tenant) = (store.as_ref(), tenant);
            let value = $read.await?;
            self.$field.put(tenant, generation, value.clone(), started.elapsed());
            Ok(value)
        }
    };
}

impl EstateCache {
    cached!(overview, overview, Overview, |store, tenant| store.overview(tenant));
    cached!(usage_status, usage, UsageStatus, |store, tenant| store.usage_status(tenant));
    cached!(compliance_summary, compliance, ComplianceSummary, |store, tenant| store.compliance_summary(tenant));
    cached!(
        /// Every success candidate (`new`, still firing) of the tenant filter; the caller narrows
        /// them to what its reader may see.
        candidates, candidates, Vec<Detection>, |store, tenant| new_detections(store, tenant)
    );

    /// Forget every kept figure: something changed through this server.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_figures_are_kept_until_invalidated_and_fast_ones_never() {
        let recent: Recent<u32> = Recent::new();
        recent.put(None, 0, 1, Duration::from_millis(1));
        assert!(recent.get(None, 0).is_none(), "a fast figure is not kept");
        recent.put(Some("t"), 0, 2, SLOW);
        assert!(matches!(recent.get(Some("t"), 0), Some(Kept::Fresh(2))));
        assert!(recent.get(None, 0).is_none(), "kept per tenant filter");
        assert!(recent.get(Some("t"), 1).is_none(), "a change through the server drops it");
    }

    #[test]
    fn an_old_figure_is_served_stale_while_one_refresh_runs() {
        let recent: Recent<u32> = Recent::new();
        let old = Instant::now().checked_sub(TTL + Duration::from_secs(1)).expect("a machine up for a minute");
        recent.entries.lock().expect("lock").insert(None, (old, 0, 7));
        assert!(matches!(recent.get(None, 0), Some(Kept::Stale(7))));
        assert!(recent.start_refresh(None));
        assert!(!recent.start_refresh(None), "one refresh at a time");
        recent.end_refresh(None);
        let ancient = Instant::now().checked_sub(STALE_LIMIT).expect("a machine up for five minutes");
        recent.entries.lock().expect("lock").insert(None, (ancient, 0, 7));
        assert!(recent.get(None, 0).is_none(), "too old to serve: readers compute it");
    }

    #[tokio::test]
    async fn readers_get_the_kept_figure_then_the_refreshed_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store =
            steward_store_sqlite::SqliteStore::open(&dir.path().join("s.db").display().to_string()).expect("open");
        store.migrate().await.expect("migrate");
        let store: Arc<dyn Store> = Arc::new(store);
        let cache = Arc::new(EstateCache::default());
        let mut kept = store.overview(None).await.expect("overview");
        kept.principals = 4242; // what a count long ago said
        let old = Instant::now().checked_sub(TTL + Duration::from_secs(1)).expect("a machine up for a minute");
        cache.overview.entries.lock().expect("lock").insert(None, (old, 0, kept));
        let first = cache.overview(&store, None).await.expect("overview");
        assert_eq!(first.principals, 4242, "a stale figure is answered at once");
        for _ in 0..200 {
            if cache.overview.refreshing.lock().expect("lock").is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The refresh was fast (an empty store), so nothing is kept and readers count afresh.
        let second = cache.overview(&store, None).await.expect("overview");
        assert_eq!(second.principals, 0);
    }
}
