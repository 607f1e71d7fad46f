//! Password hashes: argon2id, PHC strings.

use crate::CredentialsError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::OnceLock;

/// The shortest password [`check_new_password`] accepts (OWASP ASVS: at least 12 characters,
/// and no composition rules).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
const MEMORY_KIB: u32 = 19_456;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Result<Argon2<'static>, CredentialsError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| CredentialsError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Refuse a password too weak to set (length only: rules beyond length make passwords worse).
pub fn check_new_password(password: &str) -> Result<(), CredentialsError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CredentialsError::TooShort);
    }
    Ok(())
}

/// Hash a password with a fresh random salt; the result is a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`). Slow on purpose (tens of milliseconds):
/// call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, CredentialsError> {
    let mut salt = [0u8; 16];
    SystemRandom::new().fill(&mut salt).map_err(|e| CredentialsError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| CredentialsError::Hash(e.to_string()))?;
    let hash =
        argon2()?.hash_password(password.as_bytes(), &salt).map_err(|e| CredentialsError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches. Uses the
/// parameters stored in the hash, not today's.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Spend the time a [`verify_password`] takes, for a user who does not exist or has no
/// password, so that sign-in time does not tell which usernames exist.
pub fn burn_password_time(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash_password("steward: no such user").ok()) {
        let _ = verify_password(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse batterY", &phc));
        assert!(!verify_password("", &phc));
        let again = hash_password("correct horse battery").unwrap();
        assert_ne!(phc, again, "every hash has its own salt");
        assert!(verify_password("correct horse battery", &again));
    }

    #[test]
    fn malformed_hashes_never_match() {
        for phc in ["", "plain text", "$argon2id$v=19$m=19456,t=2,p=1$", "$2b$12$abcdefghijklmnopqrstuv"] {
            assert!(!verify_password("anything", phc), "{phc:?}");
        }
        burn_password_time("anything");
    }

    #[test]
    fn new_passwords_need_twelve_characters() {
        assert!(matches!(check_new_password("elevenchars"), Err(CredentialsError::TooShort)));
        assert!(check_new_password("éèêëàâäôöüûù").is_ok(), "characters, not bytes");
        assert!(check_new_password("éèêëàâ").is_err(), "12 bytes are 6 characters here");
        assert!(check_new_password("twelve chars").is_ok());
    }
}
