//! Credentials, in one place so that the command line and the server hash and check them the
//! same way:
//! - **passwords** as argon2id PHC strings with OWASP's parameters (19 MiB, 2 passes, 1 lane);
//!   a stored hash carries its own parameters, so raising them later keeps old hashes valid;
//! - **tokens** (session cookies, CSRF tokens, API tokens): 256 random bits, URL-safe base64;
//!   the store keeps only their SHA-256, so a copy of the database signs nobody in.

mod password;
mod token;

pub use password::{MIN_PASSWORD_CHARS, burn_password_time, check_new_password, hash_password, verify_password};
pub use token::{hash_token, new_token};

/// What can go wrong making a credential.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("the system random number generator failed ({0}); try again")]
    Random(String),
    #[error("hashing the password failed: {0}")]
    Hash(String),
}
