//! The sign-in rate limit: after N failures within a window, per client address and per
//! username, sign-in answers 429 until the oldest failure leaves the window.
//!
//! Kept in memory, per process: a restart forgets it, and several replicas each count on
//! their own (docs/security.md says so). That is enough to turn password guessing from
//! thousands of tries a second into a handful per quarter hour.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries beyond this are pruned of expired failures before new ones are added, so a flood
/// of distinct usernames cannot grow the map without bound.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct SigninLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl SigninLimiter {
    pub fn new(max_failures: u32, window: Duration) -> SigninLimiter {
        SigninLimiter { max_failures: max_failures.max(1) as usize, window, failures: Mutex::new(HashMap::new()) }
    }

    /// The keys one attempt counts against: the client address and the username.
    pub fn keys(client: Option<&str>, username: &str) -> Vec<String> {
        let mut keys = vec![format!("user:{}", username.trim().to_lowercase())];
        if let Some(client) = client {
            keys.push(format!("ip:{client}"));
        }
        keys
    }

    /// How long to wait when any key is at its limit; `None` when the attempt may go ahead.
    pub fn blocked(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let mut failures = self.lock();
        keys.iter()
            .filter_map(|key| {
                let list = failures.get_mut(key)?;
                expire(list, now, self.window);
                let oldest = *list.front()?;
                (list.len() >= self.max_failures).then(|| self.window.saturating_sub(now.duration_since(oldest)))
            })
            .max()
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut failures = self.lock();
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, list| {
                expire(list, now, self.window);
                !list.is_empty()
            });
        }
        for key in keys {
            let list = failures.entry(key.clone()).or_default();
            expire(list, now, self.window);
            list.push_back(now);
        }
    }

    /// A successful sign-in clears the username's failures (not the address's: one good
    /// account must not reset guessing at others from the same place).
    pub fn record_success(&self, username: &str) {
        self.lock().remove(&format!("user:{}", username.trim().to_lowercase()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // A panic while holding the lock leaves counts that are still meaningful.
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn expire(list: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while list.front().is_some_and(|t| now.duration_since(*t) >= window) {
        list.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_passes() {
        let limiter = SigninLimiter::new(3, Duration::from_secs(900));
        let t0 = Instant::now();
        let keys = SigninLimiter::keys(Some("10.0.0.1"), "Ann");
        for i in 0..3 {
            assert_eq!(limiter.blocked(&keys, t0), None, "attempt {i}");
            limiter.record_failure(&keys, t0 + Duration::from_secs(i));
        }
        let wait = limiter.blocked(&keys, t0 + Duration::from_secs(10)).expect("blocked");
        assert_eq!(wait, Duration::from_secs(890));
        // Another username from the same address is blocked too; the same username elsewhere as well.
        assert!(limiter.blocked(&SigninLimiter::keys(Some("10.0.0.1"), "bob"), t0).is_some());
        assert!(limiter.blocked(&SigninLimiter::keys(Some("10.0.0.2"), "ann"), t0).is_some());
        assert!(limiter.blocked(&SigninLimiter::keys(Some("10.0.0.2"), "bob"), t0).is_none());
        assert_eq!(limiter.blocked(&keys, t0 + Duration::from_secs(901)), None, "the first failure left the window");
    }

    #[test]
    fn success_clears_the_username_only() {
        let limiter = SigninLimiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        limiter.record_failure(&SigninLimiter::keys(Some("ip"), "ann"), t0);
        limiter.record_success("ANN");
        assert!(limiter.blocked(&SigninLimiter::keys(None, "ann"), t0).is_none());
        assert!(limiter.blocked(&SigninLimiter::keys(Some("ip"), "zed"), t0).is_some());
    }
}
