//! `steward.toml`: the one configuration file. Flags and `STEWARD_*` variables override it.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The default database: an embedded SQLite file in the working directory's data folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://steward-data/steward.db";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub usage: UsageConfig,
    #[serde(default)]
    pub governance: GovernanceConfig,
    /// `[assess]`: maturity models directory and the ALM criticality threshold (docs/maturity.md).
    #[serde(default)]
    pub assess: steward_assess::AssessConfig,
    /// `[auth]`: sessions, the sign-in rate limit, OpenID Connect (docs/security.md).
    #[serde(default)]
    pub auth: steward_server::auth::AuthSettings,
    /// `[campaigns]`: durations, the platform team, write actions (docs/campaigns.md).
    #[serde(default)]
    pub campaigns: steward_campaigns::CampaignConfig,
    /// `[value]`: reporting currency and hourly costs for business value (docs/value.md).
    #[serde(default)]
    pub value: steward_value::ValueConfig,
    /// `[cost]`: currency, prices, CoE team, pay-as-you-go environments, alerts (docs/costs.md).
    #[serde(default)]
    pub cost: steward_cost::CostConfig,
    /// `[jobs]`: the job worker (docs/jobs.md).
    #[serde(default)]
    pub jobs: steward_jobs::JobsConfig,
    /// `[[schedules]]`: cron schedules over the shipped defaults (docs/jobs.md).
    #[serde(default)]
    pub schedules: Vec<steward_jobs::ScheduleConfig>,
    /// `[notify]`: e-mail, Teams, Slack and webhooks; the board's recipients (docs/notifications.md).
    #[serde(default)]
    pub notify: steward_notify::NotifyConfig,
    /// `[[sources]]`, read by `steward sync`; each is checked by its own connector's settings type.
    #[serde(default)]
    pub sources: Vec<toml::Value>,
    /// The directory of the configuration file: relative secret and certificate files are
    /// resolved from here.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// A configured source, checked against its type's settings.
#[derive(Debug)]
pub enum Source {
    PowerPlatform(steward_powerplatform::SourceSettings),
}

impl Source {
    pub fn name(&self) -> &str {
        match self {
            Source::PowerPlatform(s) => &s.name,
        }
    }
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
    /// When set, `/metrics` answers only `Authorization: Bearer <metrics_token>`
    /// (`STEWARD_METRICS_TOKEN` overrides it; docs/api.md).
    pub metrics_token: Option<String>,
    /// The URL people reach Steward at, e.g. `https://steward.example.com`: HSTS is sent when
    /// it is https, and cross-site requests are recognised against it (docs/security.md).
    pub public_url: Option<String>,
    /// Send the session cookie without `Secure`: only for plain http on a host other than
    /// localhost (docs/security.md).
    #[serde(default)]
    pub insecure_cookies: bool,
    /// Behind a reverse proxy: read the client address for the sign-in rate limit from
    /// `X-Forwarded-For`.
    #[serde(default)]
    pub trust_forwarded_for: bool,
}

/// `[usage]`: the raw archive and retention (docs/usage.md).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageConfig {
    /// Write every audit record seen for the first time to a Parquet archive here (relative to
    /// the configuration file's directory).
    pub archive_dir: Option<PathBuf>,
    /// Days of ledger (de-duplication) and raw archive to keep; default 90, 0 keeps everything.
    pub raw_retention_days: Option<u32>,
    /// Days of rollup rows to keep; by default everything.
    pub rollup_retention_days: Option<u32>,
}

/// `[governance]`: policies and responsibility (docs/compliance.md, docs/responsibility.md).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceConfig {
    /// The responsibility configuration (criticality rules, service levels, RACI), relative to
    /// the configuration file's directory; the shipped defaults when absent.
    pub responsibility: Option<PathBuf>,
    /// Evaluate the active policy set's tracked policies after `steward sync` and `steward
    /// import` and record the run (default true).
    pub evaluate_after_sync: Option<bool>,
    /// Threads a policy evaluation uses (default: every core).
    pub threads: Option<usize>,
}

impl UsageConfig {
    pub fn retention(&self) -> steward_usage::retention::RetentionPolicy {
        let raw = self.raw_retention_days.unwrap_or(steward_usage::retention::DEFAULT_RAW_DAYS);
        steward_usage::retention::RetentionPolicy {
            raw_days: (raw > 0).then_some(raw),
            rollup_days: self.rollup_retention_days.filter(|d| *d > 0),
        }
    }
}

impl Config {
    /// The raw archive directory, resolved against the configuration file's directory.
    pub fn archive_dir(&self) -> Option<PathBuf> {
        self.usage.archive_dir.as_ref().map(|d| self.base_dir.join(d))
    }

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
        let mut config = Self::parse(&text).with_context(|| format!("invalid configuration in {}", path.display()))?;
        config.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
    }

    /// Every `[[sources]]` entry, checked. Errors name the entry (by name or position) and the problem.
    pub fn sources(&self) -> anyhow::Result<Vec<Source>> {
        let mut out = Vec::with_capacity(self.sources.len());
        for (i, value) in self.sources.iter().enumerate() {
            let label = value
                .get("name")
                .and_then(toml::Value::as_str)
                .map_or_else(|| format!("[[sources]] entry {}", i + 1), |n| format!("source `{n}`"));
            match value.get("type").and_then(toml::Value::as_str) {
                Some("powerplatform") => {
                    let settings: steward_powerplatform::SourceSettings =
                        value.clone().try_into().with_context(|| format!("{label} is not valid"))?;
                    out.push(Source::PowerPlatform(settings));
                }
                Some(other) => anyhow::bail!(
                    "{label}: unknown type `{other}`; the connector types are: powerplatform \
                     (files from other platforms, Purview and the CoE Starter Kit are loaded with `steward import`)"
                ),
                None => anyhow::bail!("{label}: missing `type`; add type = \"powerplatform\""),
            }
        }
        let mut names = std::collections::HashSet::new();
        for s in &out {
            if !names.insert(s.name()) {
                anyhow::bail!(
                    "two sources are named `{}`; names key each source's sync state, make them unique",
                    s.name()
                );
            }
        }
        Ok(out)
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let config: Config = toml::from_str(text)?;
        config.campaigns.validate()?;
        Ok(config)
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
    fn parses_auth_and_the_security_part_of_server() {
        let text = r#"
[server]
public_url = "https://steward.example.com"
insecure_cookies = true
[auth]
session_idle_minutes = 30
[auth.oidc]
issuer = "https://login.microsoftonline.com/tenant/v2.0"
client_id = "client"
redirect_url = "https://steward.example.com/signin/oidc/callback"
[auth.oidc.roles]
"Steward.Admin" = "admin"
"#;
        let c = Config::parse(text).unwrap();
        assert!(c.server.insecure_cookies);
        assert_eq!(c.auth.session_idle_minutes, 30);
        assert_eq!(c.auth.session_lifetime_hours, 12, "defaults fill the rest");
        let oidc = c.auth.oidc.unwrap();
        assert_eq!(oidc.roles.get("Steward.Admin"), Some(&steward_model::Role::Admin));
        assert_eq!(oidc.default_role, steward_model::Role::Viewer);
        assert!(Config::parse("[auth]\nsession_idle = 3\n").is_err(), "unknown keys are refused");
        let err = Config::parse(
            "[auth.oidc]\nissuer = \"x\"\nclient_id = \"c\"\nredirect_url = \"y\"\nclient_secret = \"s\"\n",
        );
        assert!(err.is_err(), "the secret is never read from the file");
    }

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
    fn sources_are_checked_by_type() {
        let c = Config::parse(
            "[[sources]]\ntype = \"powerplatform\"\nname = \"contoso\"\ntenant_id = \"t\"\nclient_id = \"c\"\n\
             client_secret = { env = \"X\" }\n[sources.endpoints]\nbap = \"http://127.0.0.1:1\"\n",
        )
        .unwrap();
        let sources = c.sources().unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].name(), "contoso");

        let c = Config::parse("[[sources]]\ntype = \"appian\"\nname = \"a\"\n").unwrap();
        let err = format!("{:#}", c.sources().unwrap_err());
        assert!(err.contains("source `a`") && err.contains("unknown type `appian`"), "{err}");

        let c = Config::parse(
            "[[sources]]\ntype = \"powerplatform\"\nname = \"b\"\ntenant_id = \"t\"\nclient_id = \"c\"\nbogus = 1\n",
        )
        .unwrap();
        let err = format!("{:#}", c.sources().unwrap_err());
        assert!(err.contains("source `b`") && err.contains("bogus"), "{err}");
    }

    #[test]
    fn governance_section_is_optional_and_checked() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.governance.evaluate_after_sync, None);
        let c = Config::parse("[governance]\nresponsibility = \"r.toml\"\nevaluate_after_sync = false\nthreads = 2\n")
            .unwrap();
        assert_eq!(c.governance.responsibility.as_deref(), Some(Path::new("r.toml")));
        assert_eq!((c.governance.evaluate_after_sync, c.governance.threads), (Some(false), Some(2)));
        let err = Config::parse("[governance]\nthread = 2\n").unwrap_err();
        assert!(format!("{err:#}").contains("thread"), "{err:#}");
    }

    #[test]
    fn campaigns_section_is_optional_and_checked() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.campaigns, steward_campaigns::CampaignConfig::default());
        let c = Config::parse("[campaigns]\ninactivity_days = 90\n[campaigns.actions]\narchive = true\n").unwrap();
        assert_eq!((c.campaigns.inactivity_days, c.campaigns.actions.archive), (90, true));
        let err = format!("{:#}", Config::parse("[campaigns]\ninactivity = 90\n").unwrap_err());
        assert!(err.contains("inactivity"), "{err}");
        let err = format!("{:#}", Config::parse("[campaigns]\ninactivity_days = 0\n").unwrap_err());
        assert!(err.contains("campaigns.inactivity_days"), "{err}");
    }

    #[test]
    fn default_is_embedded_sqlite() {
        assert!(database_url(None).starts_with("sqlite://"));
    }
}
