//! Per-host state: the concurrency limit and the counters behind [`ClientStats`].

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;

/// Counters of HTTP work. `calls` counts requests put on the wire (each attempt, token
/// requests included); `throttled` the 429 and AF429 answers among them; `retries` the
/// attempts repeated after a retryable failure; `failures` the requests that ended in an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub calls: u64,
    pub throttled: u64,
    pub retries: u64,
    pub failures: u64,
}

/// [`Stats`] for the whole client and per host (`host` or `host:port`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientStats {
    pub overall: Stats,
    pub hosts: BTreeMap<String, Stats>,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    calls: AtomicU64,
    throttled: AtomicU64,
    retries: AtomicU64,
    failures: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Call,
    Throttled,
    Retry,
    Failure,
}

impl Counters {
    fn bump(&self, counter: Counter) {
        let cell = match counter {
            Counter::Call => &self.calls,
            Counter::Throttled => &self.throttled,
            Counter::Retry => &self.retries,
            Counter::Failure => &self.failures,
        };
        cell.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Stats {
        Stats {
            calls: self.calls.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Host {
    pub(crate) limit: Semaphore,
    counters: Counters,
}

/// Every host this client has talked to, created on first use.
#[derive(Debug)]
pub(crate) struct Hosts {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    overall: Counters,
}

impl Hosts {
    pub(crate) fn new(per_host: usize) -> Self {
        Self { per_host, hosts: Mutex::new(HashMap::new()), overall: Counters::default() }
    }

    pub(crate) fn get(&self, key: &str) -> Arc<Host> {
        // A panic while holding this lock cannot leave the map half-updated; keep going.
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(Host { limit: Semaphore::new(self.per_host), counters: Counters::default() }))
            .clone()
    }

    pub(crate) fn bump(&self, host: &Host, counter: Counter) {
        host.counters.bump(counter);
        self.overall.bump(counter);
    }

    pub(crate) fn snapshot(&self) -> ClientStats {
        let hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        ClientStats {
            overall: self.overall.snapshot(),
            hosts: hosts.iter().map(|(k, h)| (k.clone(), h.counters.snapshot())).collect(),
        }
    }
}
