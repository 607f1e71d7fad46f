//! How file imports report bad input. Every error is an [`IngestError`]: a problem at a place
//! in a file is [`IngestError::Parse`] (`path:line:column: problem`), a problem with a whole
//! file or directory is [`IngestError::Manifest`] (`path: problem`). Problem texts say what is
//! wrong and, where re-exporting is not the fix, what to do instead.

use crate::IngestError;
use std::path::Path;

/// A problem at `line`:`column` (both 1-based) of `path`.
pub(crate) fn at(path: &Path, line: u64, column: u64, problem: impl Into<String>) -> IngestError {
    IngestError::Parse {
        path: path.to_path_buf(),
        line: usize::try_from(line).unwrap_or(usize::MAX),
        column: usize::try_from(column).unwrap_or(usize::MAX),
        problem: problem.into(),
    }
}

/// A problem with a whole file or directory (wrong shape, missing column, unknown format).
pub(crate) fn file(path: &Path, problem: impl Into<String>) -> IngestError {
    IngestError::Manifest { path: path.to_path_buf(), problem: problem.into() }
}

/// `path` could not be opened or read.
pub(crate) fn unreadable(path: &Path, err: &std::io::Error) -> IngestError {
    file(path, format!("cannot read it ({err}); check that the path exists and that Steward may read it"))
}

/// serde_json's message for `err` without its trailing " at line L column C", phrased for a
/// user: the caller adds where the JSON sits and what to do.
pub(crate) fn json_problem(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let detail = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text.as_str(),
    };
    match err.classify() {
        serde_json::error::Category::Eof => format!("the JSON ends too early, it looks truncated ({detail})"),
        serde_json::error::Category::Syntax => format!("invalid JSON ({detail})"),
        serde_json::error::Category::Data => format!("unexpected content ({detail})"),
        serde_json::error::Category::Io => detail.to_string(),
    }
}
