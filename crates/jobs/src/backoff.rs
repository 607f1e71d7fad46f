//! Retry delays: exponential with full jitter, capped.

use std::time::Duration;

/// `base * 2^(attempt-1)`, capped at `max`, then a random point in its upper half, so that jobs
/// that failed together (a database restart) do not all come back in the same second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_secs(30), max: Duration::from_secs(60 * 60) }
    }
}

impl Backoff {
    /// The delay before the attempt after `attempt` (1 = the first attempt failed).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, random_unit())
    }

    /// [`delay`](Self::delay) with the random point given (0.0 ..= 1.0), for tests.
    pub fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1u32 << exp).min(self.max);
        let half = full / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A uniform number in 0.0 ..= 1.0 from the v4 UUID generator (the OS's random source).
fn random_unit() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_per_attempt_up_to_the_cap_and_jitters_in_the_upper_half() {
        let b = Backoff { base: Duration::from_secs(10), max: Duration::from_secs(100) };
        assert_eq!(b.delay_with(1, 1.0), Duration::from_secs(10));
        assert_eq!(b.delay_with(1, 0.0), Duration::from_secs(5));
        assert_eq!(b.delay_with(2, 1.0), Duration::from_secs(20));
        assert_eq!(b.delay_with(3, 1.0), Duration::from_secs(40));
        assert_eq!(b.delay_with(5, 1.0), Duration::from_secs(100));
        assert_eq!(b.delay_with(500, 0.0), Duration::from_secs(50));
        for _ in 0..100 {
            let d = b.delay(2);
            assert!(d >= Duration::from_secs(10) && d <= Duration::from_secs(20), "{d:?}");
        }
    }
}
