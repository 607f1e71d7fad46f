//! Signatures of generic webhooks: HMAC-SHA256 over `<timestamp>.<body>`.
//!
//! Every request carries
//! - `X-Steward-Timestamp`: seconds since the Unix epoch when it was signed;
//! - `X-Steward-Signature`: `v1=` and the lowercase hex HMAC-SHA256, keyed with the webhook's
//!   secret, of the timestamp, a dot, and the exact body bytes;
//! - `X-Steward-Delivery`: the delivery id (the same on every retry of one delivery).
//!
//! A receiver verifies by recomputing the HMAC over the timestamp header, `.`, and the raw body
//! as received (before any JSON parsing), comparing in constant time, and refusing timestamps
//! more than five minutes from its clock (a replayed request). See docs/notifications.md.

use ring::hmac;

pub const TIMESTAMP_HEADER: &str = "X-Steward-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Steward-Signature";
pub const DELIVERY_HEADER: &str = "X-Steward-Delivery";

/// The signature header's value for a body signed at `timestamp`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// What a receiver does: check the signature (constant time) and the timestamp's freshness.
pub fn verify(secret: &[u8], timestamp: &str, body: &[u8], header: &str, now: i64, tolerance_secs: i64) -> bool {
    let Ok(ts) = timestamp.parse::<i64>() else { return false };
    if (now - ts).abs() > tolerance_secs {
        return false;
    }
    let Some(hex) = header.strip_prefix("v1=") else { return false };
    let Some(tag) = decode_hex(hex) else { return false };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut message = ts.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    hmac::verify(&key, &message, &tag).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" — here split as
        // timestamp "what do ya want for nothing?" cannot be a number, so check our own framing
        // against ring directly instead.
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let expected: String = hmac::sign(&key, b"1700000000.{}").as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(signature(b"k", 1_700_000_000, b"{}"), format!("v1={expected}"));
    }

    #[test]
    fn verify_accepts_the_signature_and_refuses_changes_and_replays() {
        let sig = signature(b"secret", 1000, b"{\"a\":1}");
        assert!(verify(b"secret", "1000", b"{\"a\":1}", &sig, 1100, 300));
        assert!(!verify(b"other", "1000", b"{\"a\":1}", &sig, 1100, 300), "wrong key");
        assert!(!verify(b"secret", "1000", b"{\"a\":2}", &sig, 1100, 300), "changed body");
        assert!(!verify(b"secret", "1001", b"{\"a\":1}", &sig, 1100, 300), "changed timestamp");
        assert!(!verify(b"secret", "1000", b"{\"a\":1}", &sig, 2000, 300), "too old");
        assert!(!verify(b"secret", "1000", b"{\"a\":1}", "v1=zz", 1100, 300), "garbage");
    }
}
