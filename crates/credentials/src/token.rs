//! Random tokens and their hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

/// A fresh random token (256 bits, 43 URL-safe characters) and its [`hash_token`]. Give the
/// first to the user once; keep only the second.
///
/// # Panics
/// When the operating system's random number generator fails, which leaves nothing safe to
/// hand out (ring reports this only when the kernel's generator is unavailable).
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("the system random number generator failed");
    let plain = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&plain);
    (plain, hash)
}

/// SHA-256 of a token as 64 lowercase hex digits: what the store keeps and looks up.
pub fn hash_token(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed_with_sha256() {
        let (a, a_hash) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{a}");
        assert_eq!(a_hash, hash_token(&a));
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
