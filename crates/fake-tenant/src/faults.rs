//! Deciding, request by request, which fault (if any) an answer gets.
//!
//! Each route has a request counter; request k on route r draws its fault from
//! `(faults.seed, r, k)`, so a test that sends the same requests in the same order meets the
//! same faults. Replacing the faults resets the counters.

use crate::config::{Faults, RetryAfter};
use crate::hash::unit;
use crate::route::{Family, Route};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Verdict {
    /// Answer it, perhaps late, perhaps cut short (the share of the body to keep).
    Serve { delay_ms: Option<u64>, truncate: Option<f64> },
    /// Refuse it without looking at it.
    Refuse(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Refusal {
    Throttled(RetryAfter),
    Af429,
    ServerError(u16),
    RateLimited,
}

/// Independent draws per request, one per kind of fault.
mod draw {
    pub const THROTTLE: u64 = 1;
    pub const AF429: u64 = 2;
    pub const SERVER_ERROR: u64 = 3;
    pub const SERVER_STATUS: u64 = 4;
    pub const TRUNCATE: u64 = 5;
    pub const TRUNCATE_AT: u64 = 6;
    pub const SLOW: u64 = 7;
}

pub(crate) struct FaultEngine {
    config: RwLock<Arc<Faults>>,
    counters: [AtomicU64; Route::ALL.len()],
    consecutive: [AtomicU32; Route::ALL.len()],
    /// (wall-clock second, API requests seen in it) for the requests-per-second cap.
    window: Mutex<(u64, u32)>,
}

impl FaultEngine {
    pub fn new(faults: Faults) -> Self {
        FaultEngine {
            config: RwLock::new(Arc::new(faults)),
            counters: Default::default(),
            consecutive: Default::default(),
            window: Mutex::new((0, 0)),
        }
    }

    pub fn current(&self) -> Arc<Faults> {
        match self.config.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replace the faults and start every route's counter again from zero.
    pub fn replace(&self, faults: Faults) {
        match self.config.write() {
            Ok(mut g) => *g = Arc::new(faults),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(faults),
        }
        for c in &self.counters {
            c.store(0, Ordering::Relaxed);
        }
        for c in &self.consecutive {
            c.store(0, Ordering::Relaxed);
        }
    }

    pub fn decide(&self, route: Route) -> Verdict {
        let f = self.current();
        let k = self.counters[route.index()].fetch_add(1, Ordering::Relaxed);
        if route.family() == Family::Control {
            return Verdict::Serve { delay_ms: None, truncate: None };
        }
        if route != Route::Token
            && let Some(cap) = f.max_requests_per_second
            && self.over_cap(cap)
        {
            return Verdict::Refuse(Refusal::RateLimited);
        }
        if !applies(&f, route) {
            return Verdict::Serve { delay_ms: None, truncate: None };
        }
        let roll = |what: u64| unit(f.seed, route.index() as u64, k, what);
        let streak = &self.consecutive[route.index()];
        let allowed = f.max_consecutive == 0 || streak.load(Ordering::Relaxed) < f.max_consecutive;
        let mut refusal = None;
        let mut truncate = None;
        if allowed {
            if roll(draw::THROTTLE) < f.throttle_fraction {
                refusal = Some(Refusal::Throttled(f.retry_after));
            } else if route.family() == Family::OfficeManagement && roll(draw::AF429) < f.af429_fraction {
                refusal = Some(Refusal::Af429);
            } else if roll(draw::SERVER_ERROR) < f.server_error_fraction {
                let status = [500, 502, 503, 504][(roll(draw::SERVER_STATUS) * 4.0) as usize % 4];
                refusal = Some(Refusal::ServerError(status));
            } else if roll(draw::TRUNCATE) < f.truncate_fraction {
                truncate = Some(roll(draw::TRUNCATE_AT));
            }
        }
        if refusal.is_some() || truncate.is_some() {
            streak.fetch_add(1, Ordering::Relaxed);
        } else {
            streak.store(0, Ordering::Relaxed);
        }
        match refusal {
            Some(r) => Verdict::Refuse(r),
            None => {
                let delay_ms = (f.slow_ms > 0 && roll(draw::SLOW) < f.slow_fraction).then_some(f.slow_ms);
                Verdict::Serve { delay_ms, truncate }
            }
        }
    }

    fn over_cap(&self, cap: u32) -> bool {
        let second = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        let mut w = match self.window.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if w.0 != second {
            *w = (second, 0);
        }
        w.1 += 1;
        w.1 > cap
    }
}

fn applies(f: &Faults, route: Route) -> bool {
    let named = f.routes.iter().any(|r| r == route.name());
    if route == Route::Token { named } else { f.routes.is_empty() || named }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(engine: &FaultEngine, route: Route, n: usize) -> Vec<Verdict> {
        (0..n).map(|_| engine.decide(route)).collect()
    }

    #[test]
    fn the_same_requests_meet_the_same_faults() {
        let faults = Faults { seed: 3, throttle_fraction: 0.3, server_error_fraction: 0.2, ..Faults::default() };
        let a = FaultEngine::new(faults.clone());
        let first = run(&a, Route::Apps, 200);
        a.replace(faults);
        assert_eq!(first, run(&a, Route::Apps, 200));
        let refused = first.iter().filter(|v| matches!(v, Verdict::Refuse(_))).count();
        assert!((40..=140).contains(&refused), "{refused}");
    }

    #[test]
    fn streaks_of_faults_are_bounded() {
        let faults = Faults { throttle_fraction: 1.0, max_consecutive: 2, ..Faults::default() };
        let e = FaultEngine::new(faults);
        let v = run(&e, Route::Flows, 6);
        let refused: Vec<bool> = v.iter().map(|v| matches!(v, Verdict::Refuse(_))).collect();
        assert_eq!(refused, [true, true, false, true, true, false]);
    }

    #[test]
    fn faults_only_hit_the_named_routes_and_never_the_token_endpoint_unasked() {
        let faults =
            Faults { throttle_fraction: 1.0, max_consecutive: 0, routes: vec!["apps".into()], ..Faults::default() };
        let e = FaultEngine::new(faults);
        assert!(matches!(e.decide(Route::Apps), Verdict::Refuse(_)));
        assert!(matches!(e.decide(Route::Flows), Verdict::Serve { .. }));
        e.replace(Faults { throttle_fraction: 1.0, ..Faults::default() });
        assert!(matches!(e.decide(Route::Token), Verdict::Serve { .. }));
        assert!(matches!(e.decide(Route::Control), Verdict::Serve { .. }));
    }
}
