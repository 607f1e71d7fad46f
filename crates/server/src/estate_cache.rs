//! Estate-wide figures that cost a pass over the whole store, kept for a short while.
//!
//! The overview's counts, the usage status and the compliance summary change only when data
//! arrives (import, sync, a compliance run) or someone changes something. Counting them again
//! for every page view made the overview the slowest page (about 45 ms of SQLite counting per
//! view on the medium bench tenant, BENCHMARKS.md "Web and API"). A figure is kept only when
//! computing it was slow, so small estates always read fresh figures; any change made through
//! this server drops everything kept (`invalidate`, called by the audit trail, which every write
//! passes), and writers outside it (the CLI, a sync) are seen after at most [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use steward_store::governance::ComplianceSummary;
use steward_store::usage::UsageStatus;
use steward_store::{Overview, Store};

/// How long a kept figure may be served to readers after an outside write.
pub const TTL: Duration = Duration::from_secs(30);
/// Figures computed faster than this are not worth keeping.
pub const SLOW: Duration = Duration::from_millis(20);

/// One kind of figure per tenant filter (`None` = every tenant).
struct Recent<V> {
    entries: Mutex<HashMap<Option<String>, (Instant, u64, V)>>,
}

impl<V: Clone> Recent<V> {
    fn new() -> Self {
        Recent { entries: Mutex::new(HashMap::new()) }
    }

    fn get(&self, tenant: Option<&str>, generation: u64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (at, kept_generation, value) = entries.get(&tenant.map(str::to_string))?;
        (*kept_generation == generation && at.elapsed() < TTL).then(|| value.clone())
    }

    fn put(&self, tenant: Option<&str>, generation: u64, value: V, took: Duration) {
        if took < SLOW {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(tenant.map(str::to_string), (Instant::now(), generation, value));
        }
    }
}

/// The kept figures of one server.
pub struct EstateCache {
    generation: AtomicU64,
    overview: Recent<Overview>,
    usage: Recent<UsageStatus>,
    compliance: Recent<ComplianceSummary>,
}

impl Default for EstateCache {
    fn default() -> Self {
        EstateCache {
            generation: AtomicU64::new(0),
            overview: Recent::new(),
            usage: Recent::new(),
            compliance: Recent::new(),
        }
    }
}

macro_rules! cached {
    ($name:ident, $field:ident, $type:ty) => {
        pub async fn $name(&self, store: &dyn Store, tenant: Option<&str>) -> steward_store::Result<$type> {
            let generation = self.generation.load(Ordering::Acquire);
            if let Some(value) = self.$field.get(tenant, generation) {
                return Ok(value);
            }
            let started = Instant::now();
            let value = store.$name(tenant).await?;
            self.$field.put(tenant, generation, value.clone(), started.elapsed());
            Ok(value)
        }
    };
}

impl EstateCache {
    cached!(overview, overview, Overview);
    cached!(usage_status, usage, UsageStatus);
    cached!(compliance_summary, compliance, ComplianceSummary);

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
        assert_eq!(recent.get(None, 0), None, "a fast figure is not kept");
        recent.put(Some("t"), 0, 2, SLOW);
        assert_eq!(recent.get(Some("t"), 0), Some(2));
        assert_eq!(recent.get(None, 0), None, "kept per tenant filter");
        assert_eq!(recent.get(Some("t"), 1), None, "a change through the server drops it");
    }
}
