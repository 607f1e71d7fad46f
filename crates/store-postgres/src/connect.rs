//! Building the connection pool and confining it to one schema.

use crate::error::{client, db};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;
use steward_store::{Result, StoreError};
use tokio_postgres::NoTls;

/// Connections per store: enough for a server's concurrent reads plus one ingest.
const POOL_SIZE: usize = 16;

/// How long opening a connection may take before the caller hears that the server is unreachable.
const CREATE_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a caller waits for a free connection when all are busy; beyond this something
/// holds connections far too long, and an error says so rather than a request hanging.
const WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Parse the URL and build a pool; when `schema` is given every connection starts with it
/// as its `search_path` (a startup option, so no connection can ever miss it).
pub(crate) fn pool(url: &str, schema: Option<&str>) -> Result<Pool> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::UnsupportedUrl(redact(url)));
    }
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| StoreError::Open {
        url: redact(url),
        reason: format!("the URL does not parse ({e}); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"),
    })?;
    if let Some(schema) = schema {
        let option = format!("-c search_path={schema}");
        let options = match config.get_options() {
            Some(existing) if !existing.is_empty() => format!("{existing} {option}"),
            _ => option,
        };
        config.options(options);
    }
    if config.get_application_name().is_none() {
        config.application_name("steward");
    }
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(CREATE_TIMEOUT))
        .wait_timeout(Some(WAIT_TIMEOUT))
        .build()
        .map_err(|e| StoreError::Open { url: redact(url), reason: format!("cannot build the connection pool: {e}") })
}

/// Open one connection now, so that a wrong URL fails at start-up rather than at first use.
pub(crate) async fn check(pool: &Pool, url: &str) -> Result<()> {
    pool.get().await.map(drop).map_err(|e| StoreError::Open {
        url: redact(url),
        reason: format!("{e}; check that PostgreSQL is running, the URL is right and the user may log in"),
    })
}

/// Schema names go into SQL and into a startup option unquoted, so only plain lowercase
/// identifiers are accepted.
pub(crate) fn validate_schema(schema: &str) -> Result<()> {
    let mut chars = schema.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && schema.len() <= 63 {
        Ok(())
    } else {
        Err(StoreError::InvalidQuery(format!(
            "schema name '{schema}' is not allowed; use 1 to 63 lowercase letters, digits and '_', not starting with a digit"
        )))
    }
}

/// Create the schema when absent. Concurrent `CREATE SCHEMA IF NOT EXISTS` can still fail on
/// the catalog's unique index, so starters serialise on an advisory lock first.
pub(crate) async fn create_schema(pool: &Pool, schema: &str) -> Result<()> {
    let mut client = client(pool).await?;
    let context = format!("creating schema {schema}");
    let tx = client.transaction().await.map_err(db(&context))?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('steward:schema:' || $1::text))", &[&schema])
        .await
        .map_err(db(&context))?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")).await.map_err(db(&context))?;
    tx.commit().await.map_err(db(&context))
}

/// The URL without its password, for error messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_error_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(validate_schema("steward_test_1").is_ok());
        assert!(validate_schema("Public").is_err());
        assert!(validate_schema("1abc").is_err());
        assert!(validate_schema("a\"; drop").is_err());
        assert!(validate_schema("").is_err());
    }

    #[test]
    fn other_schemes_are_refused_with_the_supported_ones_named() {
        let err = pool("mysql://h/db", None).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("postgres://"), "{err}");
    }
}
