//! Where the database file is: `sqlite://path`, `sqlite:path` or a bare path.

use std::path::PathBuf;
use steward_store::StoreError;

/// The file a URL or path names, with its parent directory created.
pub fn database_file(url_or_path: &str) -> Result<PathBuf, StoreError> {
    let path =
        url_or_path.strip_prefix("sqlite://").or_else(|| url_or_path.strip_prefix("sqlite:")).unwrap_or(url_or_path);
    // Query strings (`?mode=rwc`) are a habit from other SQLite URLs; Steward has no options there.
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return Err(StoreError::Open {
            url: url_or_path.to_string(),
            reason: "no file path given; use sqlite://PATH, e.g. sqlite://steward.db".into(),
        });
    }
    if path.contains("://") {
        return Err(StoreError::UnsupportedUrl(url_or_path.to_string()));
    }
    let path = PathBuf::from(path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
            url: url_or_path.to_string(),
            reason: format!("cannot create directory {}: {e}; check the path and its permissions", parent.display()),
        })?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_spellings() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let base = dir.path().join("a/b/steward.db");
        let text = base.display().to_string();
        for spelling in [format!("sqlite://{text}"), format!("sqlite:{text}"), text.clone()] {
            assert_eq!(database_file(&spelling).ok(), Some(base.clone()), "{spelling}");
        }
        assert!(base.parent().is_some_and(|p| p.is_dir()), "parent directory is created");
    }

    #[test]
    fn refuses_other_schemes_and_empty_paths() {
        assert!(matches!(database_file("mysql://x/y"), Err(StoreError::UnsupportedUrl(_))));
        assert!(matches!(database_file("sqlite://"), Err(StoreError::Open { .. })));
    }
}
