//! Reading policy files and policy sets.
//!
//! A CoE team keeps its policies as YAML files in git (the format is documented in
//! `docs/policies.md`). A **policy set** is a directory of such files, or one file, with an
//! optional `set.yaml` naming the set's version, whether it builds on the built-in pack, and
//! per-policy overrides. Loading never stops at the first problem: every error names the file,
//! the line and column, and what to do, and a bad policy is left out while the others load.
//!
//! - [`load_set`] / [`load_file`] / [`parse_policies`]: reading;
//! - [`diff`]: what changed between two sets (`steward policy diff v2 v3`);
//! - [`digest`]: a stable fingerprint of a set's content, for the store.

mod diff;
mod digest;
mod node;
mod policy;
mod position;
mod set;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;

pub use diff::{FieldChange, PolicyChange, SetDiff, diff};
pub use digest::digest;
pub use set::{SET_FILE, load_set};

use crate::cel::Params;
use crate::facts::Subject;
use crate::model::Policy;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// Policy files larger than this are refused: policies are small, and a huge file is a mistake
/// (a data export saved with the wrong extension) that should not be read into memory.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What went wrong, for callers that sort or count problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadErrorKind {
    /// The file or directory could not be read.
    Io,
    /// Not YAML: the whole file is skipped.
    Syntax,
    /// A policy entry breaks the format (missing or unknown key, wrong value).
    Invalid,
    /// The condition does not compile against the fact schema.
    Condition,
    /// The id is already used in the set.
    Duplicate,
    /// `set.yaml` is wrong (unknown key, override of a policy the set does not have, …).
    Set,
}

/// One problem found while loading, with where it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadError {
    /// The file, as the caller named it (joined with the set's directory).
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// The policy concerned, when its id could be read.
    pub policy_id: Option<String>,
    pub kind: LoadErrorKind,
    /// The problem and what to do about it.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": ")?;
        if let Some(id) = &self.policy_id {
            write!(f, "policy `{id}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

/// Reads the policies of one YAML text. `file` names it in errors and in each policy's source.
/// Valid policies are returned even when others in the text are not.
pub fn parse_policies(file: &str, text: &str) -> (Vec<Policy>, Vec<LoadError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (loaded, errors) = policy::read_policies(file, file, text);
    (loaded.into_iter().map(|l| l.policy).collect(), errors)
}

/// Reads one policy file (without any set semantics: no `set.yaml`, no duplicate check).
pub fn load_file(path: impl AsRef<Path>) -> (Vec<Policy>, Vec<LoadError>) {
    let path = path.as_ref();
    let file = path.display().to_string();
    match read_text(path) {
        Ok(text) => parse_policies(&file, &text),
        Err(message) => (Vec::new(), vec![io_error(&file, message)]),
    }
}

fn io_error(file: &str, message: String) -> LoadError {
    LoadError { file: file.to_string(), line: 0, column: 0, policy_id: None, kind: LoadErrorKind::Io, message }
}

/// The file's text, or why it cannot be used (too big, unreadable, not UTF-8).
fn read_text(path: &Path) -> Result<String, String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {} bytes; policy files are limited to {MAX_FILE_BYTES} bytes (is it \
             really a policy file?)",
            metadata.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(format!("the file is not UTF-8 text (invalid byte on line {line}); save it as UTF-8"))
        }
    }
}

/// Type-checks a condition against the fact schema for its subject and params (the program
/// itself is compiled again by the evaluator, from the set).
pub(crate) fn compile_condition(
    condition: &str,
    subject: Subject,
    params: &Params,
) -> Result<(), crate::cel::CompileError> {
    crate::cel::compile(condition, subject, params).map(|_| ())
}
