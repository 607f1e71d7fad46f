//! Open the store named by a URL: the scheme picks the backend.

use anyhow::Context;
use std::sync::Arc;
use steward_store::{Store, StoreError};

/// Open and migrate the store at `url` (`sqlite://…`, `postgres://…`, or a bare file path).
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(steward_store_postgres::PostgresStore::connect(url).await?)
    } else if url.starts_with("sqlite:") || !url.contains("://") {
        Arc::new(steward_store_sqlite::SqliteStore::open(url)?)
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_string()).into());
    };
    store.migrate().await.with_context(|| format!("cannot prepare the database at {}", redact(url)))?;
    Ok(store)
}

/// A URL fit for messages and logs: any password is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://bob:s3cret@db/x"), "postgres://bob:***@db/x");
        assert_eq!(redact("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }
}
