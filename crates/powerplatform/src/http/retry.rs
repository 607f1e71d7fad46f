//! When to try again, and how long to wait first.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use ring::rand::{SecureRandom, SystemRandom};
use std::time::{Duration, SystemTime};

/// A `Retry-After` longer than this is treated as this: a wrong or hostile header must not
/// park a sync for hours.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// `Retry-After` as delta-seconds or an HTTP date; `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(seconds) = text.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = httpdate::parse_http_date(text).ok()?;
        at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Capped exponential backoff with full jitter: uniform in `[0, min(max, base·2^(attempt-1))]`.
pub(crate) fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let ceiling = base.saturating_mul(1u32 << exponent).min(max);
    let ceiling_micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
    if ceiling_micros == 0 {
        return Duration::ZERO;
    }
    Duration::from_micros(random_u64() % (ceiling_micros + 1))
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // The OS random source failing is not a reason to fail a request: fall back to the clock,
    // which still spreads clients that started at different instants.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        return u64::from(nanos);
    }
    u64::from_le_bytes(bytes)
}

/// A status that is worth another attempt, other than 429 and AF429 (handled with throttling).
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT || status.is_server_error()
}
