//! Random values and their hashes (session ids, CSRF tokens, API tokens) and password hashes:
//! one implementation, shared with the command line (`steward-credentials`).

pub use steward_credentials::{
    MIN_PASSWORD_CHARS, burn_password_time, hash_password, hash_token, new_token, verify_password,
};

/// An API token and its SHA-256: the same kind of random value as a session id.
pub fn new_api_token() -> (String, String) {
    new_token()
}
