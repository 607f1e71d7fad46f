use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong while generating or importing a tenant. Every message names the file or
/// input concerned and what to do about it.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error(
        "cannot read {path}: {source}; check that the path exists and is a complete tenant dump written by `steward generate`"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}; check free disk space and permissions")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}:{line}:{column}: {problem}; re-run `steward generate` or re-export the file")]
    Parse { path: PathBuf, line: usize, column: usize, problem: String },

    #[error("{path}: {problem}")]
    Manifest { path: PathBuf, problem: String },

    #[error("cannot generate into {path}: {problem}")]
    OutputNotEmpty { path: PathBuf, problem: String },

    #[error("the store failed while {context}: {source}; the import was rolled back, nothing was kept")]
    Store {
        context: String,
        #[source]
        source: steward_store::StoreError,
    },

    #[error("the file reader of the import stopped unexpectedly ({0}); re-run the import")]
    Reader(String),
}

impl IngestError {
    /// A JSON syntax or shape error in `path`, with serde_json's line and column.
    pub fn parse(path: impl Into<PathBuf>, err: &serde_json::Error) -> Self {
        IngestError::Parse { path: path.into(), line: err.line(), column: err.column(), problem: describe(err) }
    }

    pub(crate) fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IngestError::Read { path: path.into(), source }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IngestError::Write { path: path.into(), source }
    }

    pub(crate) fn store(context: impl Into<String>, source: steward_store::StoreError) -> Self {
        IngestError::Store { context: context.into(), source }
    }
}

/// serde_json's message without its trailing " at line L column C" (we print our own).
fn describe(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let problem = match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    match err.classify() {
        serde_json::error::Category::Eof => format!("the file ends too early, it looks truncated ({problem})"),
        serde_json::error::Category::Syntax => format!("invalid JSON ({problem})"),
        serde_json::error::Category::Data => format!("unexpected content ({problem})"),
        serde_json::error::Category::Io => problem,
    }
}
