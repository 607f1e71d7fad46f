//! What can go wrong in success detection, each error naming its input and what to do.

use steward_store::StoreError;

/// One thing wrong with a rule set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// The rule it is in, when the rule has a usable id.
    pub rule: Option<String>,
    /// 1-based TOML line, where the parser knows it.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, "rule '{rule}': ")?;
        }
        f.write_str(&self.message)
    }
}

/// A rule set that was refused, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{origin} is not a valid success rule set, so nothing was changed:\n{}\nfix these and try again \
     (docs/success-detection.md describes the format)",
    problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
)]
pub struct RulesError {
    /// The file or request the rules came from.
    pub origin: String,
    pub problems: Vec<Problem>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuccessError {
    #[error(transparent)]
    Rules(#[from] RulesError),

    /// The board's rule sets are versioned; a new one must be newer than the one in use.
    #[error(
        "rule set version {version} is not newer than the rule set in use (version {current}); \
         set `version = {}` or higher and try again",
        current + 1
    )]
    StaleVersion { version: u32, current: u32 },

    /// A saved rule set that this build no longer accepts (e.g. after an upgrade).
    #[error(
        "the saved rule set version {version} is no longer valid: {error}; save a corrected rule set with \
         `steward success rules set FILE --apply`"
    )]
    StoredRulesInvalid { version: u32, error: RulesError },

    #[error("{context}: {source}")]
    Store {
        context: String,
        #[source]
        source: StoreError,
    },
}

impl SuccessError {
    pub(crate) fn store(context: &str) -> impl FnOnce(StoreError) -> SuccessError + '_ {
        move |source| SuccessError::Store { context: context.to_string(), source }
    }
}

pub type Result<T, E = SuccessError> = std::result::Result<T, E>;
