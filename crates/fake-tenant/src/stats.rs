//! Counters of what the fake tenant was asked and what it did, for tests to assert on.

use crate::route::Route;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the counters (`GET /_fake/stats`, [`crate::RunningFake::stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests by route name (`apps`, `flows`, `content_blob`, …), faulted ones included.
    /// Routes never called are absent.
    pub requests: BTreeMap<String, u64>,
    pub faults: FaultCounts,
    /// API requests answered 401 (no token, wrong audience, expired).
    pub unauthorized: u64,
    pub tokens_issued: u64,
    /// Office 365 Management calls without a `PublisherIdentifier` query parameter.
    pub calls_without_publisher_identifier: u64,
    /// Mutations applied so far (`POST /_fake/mutate`).
    pub generation: u64,
}

/// Faults injected, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultCounts {
    pub throttled: u64,
    pub af429: u64,
    pub server_errors: u64,
    pub slow: u64,
    pub truncated: u64,
    pub forbidden: u64,
    pub rate_limited: u64,
}

/// The live counters behind [`Stats`].
#[derive(Default)]
pub(crate) struct Counters {
    requests: [AtomicU64; Route::ALL.len()],
    pub throttled: AtomicU64,
    pub af429: AtomicU64,
    pub server_errors: AtomicU64,
    pub slow: AtomicU64,
    pub truncated: AtomicU64,
    pub forbidden: AtomicU64,
    pub rate_limited: AtomicU64,
    pub unauthorized: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub without_publisher: AtomicU64,
}

/// Add one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub fn request(&self, route: Route) {
        bump(&self.requests[route.index()]);
    }

    pub fn snapshot(&self, generation: u64) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            requests: Route::ALL
                .iter()
                .map(|r| (r.name().to_string(), get(&self.requests[r.index()])))
                .filter(|(_, n)| *n > 0)
                .collect(),
            faults: FaultCounts {
                throttled: get(&self.throttled),
                af429: get(&self.af429),
                server_errors: get(&self.server_errors),
                slow: get(&self.slow),
                truncated: get(&self.truncated),
                forbidden: get(&self.forbidden),
                rate_limited: get(&self.rate_limited),
            },
            unauthorized: get(&self.unauthorized),
            tokens_issued: get(&self.tokens_issued),
            calls_without_publisher_identifier: get(&self.without_publisher),
            generation,
        }
    }

    pub fn reset(&self) {
        let all = self.requests.iter().chain([
            &self.throttled,
            &self.af429,
            &self.server_errors,
            &self.slow,
            &self.truncated,
            &self.forbidden,
            &self.rate_limited,
            &self.unauthorized,
            &self.tokens_issued,
            &self.without_publisher,
        ]);
        for c in all {
            c.store(0, Ordering::Relaxed);
        }
    }
}
