//! `steward.toml`: the one configuration file. Flags and `STEWARD_*` variables override it.

use anyhow::Context;
use serde::Deserialize;
use std::path::Path;

/// The default database: an embedded SQLite file in the working directory's data folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://steward-data/steward.db";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub server: ServerConfig,
    /// Sources are read by `steward sync` (a later command); accepted here so one file serves all.
    #[serde(default)]
    #[expect(dead_code, reason = "read by `steward sync`, which the connector issue adds")]
    pub sources: Vec<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub addr: Option<String>,
}

impl Config {
    /// Read the given file, or `./steward.toml` when it exists, or nothing.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (Path::new("steward.toml").to_path_buf(), false),
        };
        if !path.exists() {
            if required {
                anyhow::bail!("configuration file {} does not exist; create it or drop --config", path.display());
            }
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid configuration in {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        Ok(toml::from_str(text)?)
    }
}

/// The database URL to use, falling back to the embedded default.
pub fn database_url(url: Option<String>) -> String {
    url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_and_server_sections() {
        let c = Config::parse("[database]\nurl = \"postgres://x@y/z\"\n[server]\naddr = \"0.0.0.0:9000\"\n").unwrap();
        assert_eq!(c.database.url.as_deref(), Some("postgres://x@y/z"));
        assert_eq!(c.server.addr.as_deref(), Some("0.0.0.0:9000"));
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let err = Config::parse("[database]\nurll = \"x\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("urll"), "{err:#}");
    }

    #[test]
    fn default_is_embedded_sqlite() {
        assert!(database_url(None).starts_with("sqlite://"));
    }
}
