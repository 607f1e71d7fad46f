//! Secrets (the SMTP password, webhook URLs, signing keys) come only from the environment or
//! from files, never from steward.toml itself, and never reach a log: [`Secret`] prints as
//! `[redacted]`.

use crate::NotifyError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where a secret is read from: an environment variable or a file (its content, trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    pub env: Option<String>,
    pub file: Option<PathBuf>,
}

impl SecretRef {
    pub fn from_env(name: &str) -> SecretRef {
        SecretRef { env: Some(name.to_string()), file: None }
    }

    pub fn is_set(&self) -> bool {
        self.env.is_some() || self.file.is_some()
    }

    /// Read the secret; `what` names it in errors ("the SMTP password").
    pub fn load(&self, what: &str) -> Result<Secret, NotifyError> {
        let fail = |reason: String| NotifyError::Secret { what: what.to_string(), reason };
        let value = match (&self.env, &self.file) {
            (Some(_), Some(_)) => return Err(fail("give either `env` or `file`, not both".into())),
            (Some(var), None) => std::env::var(var)
                .map_err(|_| fail(format!("environment variable {var} is not set (or not UTF-8); export it")))?,
            (None, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
                fail(format!("cannot read {}: {e}; check the path and its permissions", path.display()))
            })?,
            (None, None) => {
                return Err(fail("not configured; name an environment variable (`env`) or a file (`file`)".into()));
            }
        };
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err(fail("is empty".into()));
        }
        Ok(Secret(value))
    }
}

/// A secret value. It prints as `[redacted]` in `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
    }

    #[test]
    fn secrets_come_from_files_trimmed_and_say_what_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\n").expect("write");
        let r = SecretRef { env: None, file: Some(path) };
        assert_eq!(r.load("the SMTP password").expect("load").expose(), "s3cret");
        let missing = SecretRef::from_env("STEWARD_TEST_SURELY_UNSET_VARIABLE").load("the SMTP password");
        let err = missing.expect_err("unset").to_string();
        assert!(err.contains("STEWARD_TEST_SURELY_UNSET_VARIABLE") && err.contains("SMTP password"), "{err}");
        assert!(SecretRef::default().load("x").is_err());
    }
}
