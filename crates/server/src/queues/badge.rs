//! The count on the navigation's "Queues" item.
//!
//! Every page draws the navigation, and counting the queues takes several store reads, so the
//! count is kept per user for a short while. The queue page and every queue action count
//! afresh (and store the result); any other page shows the kept count and, when it is older
//! than [`MAX_AGE`] or missing, starts a count in the background for the next page. Any change
//! through the server (the audit trail) makes every kept count stale: a decision made from
//! another page (approving a catalog item on its own page) moves everyone's queues. So the
//! badge is exact on the queue page and after one's own decisions, and at most one page (or
//! [`MAX_AGE`], for changes made outside the server) behind elsewhere.

use crate::AppState;
use crate::auth::Caller;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use steward_model::Role;

/// How long a count is shown without counting again.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// Users kept at most; beyond it the oldest half is forgotten (a count is cheap to redo).
const MAX_USERS: usize = 10_000;

#[derive(Debug, Default)]
pub struct Badges {
    counts: Mutex<HashMap<String, (Instant, u64)>>,
    counting: Mutex<HashSet<String>>,
    /// Counts made before this moment are stale (see [`Badges::invalidate`]).
    changed_at: Mutex<Option<Instant>>,
}

impl Badges {
    pub fn new() -> Badges {
        Badges::default()
    }

    /// The last count of a user, however old, and whether it is still fresh.
    fn get(&self, user_id: &str) -> Option<(u64, bool)> {
        let changed_at = *self.changed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        counts
            .get(user_id)
            .map(|(at, n)| (*n, at.elapsed() < MAX_AGE && changed_at.is_none_or(|changed| *at > changed)))
    }

    /// Something changed that may move anyone's queues: every kept count is stale from now on.
    pub fn invalidate(&self) {
        *self.changed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
    }

    /// Keep a count just made.
    pub fn set(&self, user_id: &str, count: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if counts.len() >= MAX_USERS && !counts.contains_key(user_id) {
            let mut ages: Vec<Instant> = counts.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            counts.retain(|_, (at, _)| *at > cut);
        }
        counts.insert(user_id.to_string(), (Instant::now(), count));
    }

    /// Mark a background count as started; `false` when one is running already.
    fn start(&self, user_id: &str) -> bool {
        self.counting.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(user_id.to_string())
    }

    fn finish(&self, user_id: &str) {
        self.counting.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(user_id);
    }
}

/// The badge for `caller`'s navigation: the kept count (none when zero or unknown), counting
/// again in the background when it is stale. Viewers decide nothing and get no badge.
pub fn badge(state: &AppState, caller: &Caller) -> Option<u64> {
    if caller.role == Role::Viewer {
        return None;
    }
    let kept = state.queues.get(&caller.user_id);
    if !kept.is_some_and(|(_, fresh)| fresh) {
        recount(state, caller);
    }
    kept.map(|(n, _)| n).filter(|n| *n > 0)
}

fn recount(state: &AppState, caller: &Caller) {
    // Outside a runtime (a unit test rendering a page) there is nothing to count with.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    if !state.queues.start(&caller.user_id) {
        return;
    }
    let (state, caller) = (state.clone(), caller.clone());
    runtime.spawn(async move {
        if let Err(error) = super::collect(&state, &caller).await {
            tracing::warn!(%error, user = %caller.username, "counting the review queues for the badge failed");
        }
        state.queues.finish(&caller.user_id);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_user() {
        let badges = Badges::new();
        assert_eq!(badges.get("u1"), None);
        badges.set("u1", 3);
        assert_eq!(badges.get("u1"), Some((3, true)));
        assert_eq!(badges.get("u2"), None);
        assert!(badges.start("u1"));
        assert!(!badges.start("u1"), "one background count at a time");
        badges.finish("u1");
        assert!(badges.start("u1"));
    }

    #[test]
    fn a_change_makes_every_kept_count_stale_but_not_later_ones() {
        let badges = Badges::new();
        badges.set("u1", 3);
        badges.set("u2", 1);
        badges.invalidate();
        assert_eq!(badges.get("u1"), Some((3, false)), "kept, but to count again");
        assert_eq!(badges.get("u2"), Some((1, false)));
        std::thread::sleep(Duration::from_millis(2));
        badges.set("u1", 2);
        assert_eq!(badges.get("u1"), Some((2, true)), "a count after the change is fresh");
    }
}
