//! The configuration as data: one TOML file, defaults embedded, a user file overriding them
//! section by section, every problem reported with the file, the line and what is wrong.

use crate::criticality::{self, CriticalityConfig, RawCriticality};
use crate::raci::{self, PlatformTeam, RaciMatrix, RawPlatformTeam, RawRaci};
use crate::service::{self, RawServiceLevels, ServiceLevels};
use crate::support::{self, RawSupport, SupportConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;
use toml::Spanned;

/// The configuration Steward ships (`crates/responsibility/responsibility.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../responsibility.toml");

/// Criticality rules, service levels, support profiles, the RACI matrix and the people behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub criticality: CriticalityConfig,
    pub service_levels: ServiceLevels,
    pub support: SupportConfig,
    pub raci: RaciMatrix,
    /// Environment id, environment group or `*` → UPNs or names.
    pub environment_admins: BTreeMap<String, Vec<String>>,
    pub platform_team: PlatformTeam,
}

/// One thing wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// Where in the file: `criticality.rules`, `raci.activities`, …
    pub section: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.section.is_empty() {
            write!(f, "[{}] ", self.section)?;
        }
        f.write_str(&self.message)
    }
}

/// A configuration that was refused, with every problem found. Nothing of it is used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{origin} is not a valid responsibility configuration, so it was not used:\n{}\nfix these and try again \
     (docs/responsibility.md describes the format)",
    problems.iter().map(|p| format!("  - {origin}: {p}")).collect::<Vec<_>>().join("\n")
)]
pub struct ConfigError {
    /// The file (or request) the configuration came from.
    pub origin: String,
    pub problems: Vec<Problem>,
}

impl Config {
    /// The shipped defaults ([`DEFAULT_CONFIG`]), parsed once.
    pub fn defaults() -> Config {
        static DEFAULTS: OnceLock<Config> = OnceLock::new();
        DEFAULTS
            .get_or_init(|| {
                // The defaults are tested to parse and to give every section (`defaults_load` and
                // `defaults_give_every_section`), so the placeholder base is never what callers see.
                Config::overlay(placeholder(), DEFAULT_CONFIG, "the default responsibility configuration")
                    .unwrap_or_else(|_| placeholder())
            })
            .clone()
    }

    /// A user file over the defaults: each section the file gives replaces the default one (see
    /// docs/responsibility.md for how finely), the rest keeps the defaults. `origin` names the
    /// file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        Config::overlay(Config::defaults(), text, origin)
    }

    /// [`Config::parse`] of a file; an unreadable file is a problem without a line.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &origin),
            Err(e) => Err(ConfigError {
                origin,
                problems: vec![Problem { line: None, section: String::new(), message: format!("cannot read it: {e}") }],
            }),
        }
    }

    /// `text` over `base`.
    fn overlay(mut config: Config, text: &str, origin: &str) -> Result<Config, ConfigError> {
        let fail = |problems: Vec<Problem>| ConfigError { origin: origin.to_string(), problems };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            fail(vec![Problem {
                line: e.span().map(|s| line_of(text, s.start)),
                section: String::new(),
                message: e.message().trim().to_string(),
            }])
        })?;
        let mut ctx = Ctx { text, problems: Vec::new() };
        if let Some(raw) = raw.criticality
            && let Some(c) = criticality::parse(raw, &mut ctx)
        {
            config.criticality = c;
        }
        if let Some(raw) = raw.service_levels {
            service::overlay(raw, &mut config.service_levels, &mut ctx);
        }
        if let Some(raw) = raw.support {
            support::overlay(raw, &mut config.support, &mut ctx);
        }
        if let Some(raw) = raw.raci
            && let Some(m) = raci::parse(raw, &mut ctx)
        {
            config.raci = m;
        }
        if let Some(raw) = raw.environment_admins {
            config.environment_admins = raci::parse_environment_admins(raw, &mut ctx);
        }
        if let Some(raw) = raw.platform_team {
            raci::overlay_platform_team(raw, &mut config.platform_team, &mut ctx);
        }
        if ctx.problems.is_empty() { Ok(config) } else { Err(fail(ctx.problems)) }
    }
}

/// What [`Config::defaults`] starts from; every field is replaced by the default file.
fn placeholder() -> Config {
    Config {
        criticality: CriticalityConfig { rules: Vec::new() },
        service_levels: service::placeholder(),
        support: support::placeholder(),
        raci: RaciMatrix { activities: Vec::new() },
        environment_admins: BTreeMap::new(),
        platform_team: PlatformTeam { name: String::new(), members: Vec::new() },
    }
}

/// Collects problems while a file is checked; knows the text so spans become lines.
pub(crate) struct Ctx<'a> {
    text: &'a str,
    pub(crate) problems: Vec<Problem>,
}

impl Ctx<'_> {
    pub(crate) fn problem(&mut self, span: Range<usize>, section: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            line: Some(line_of(self.text, span.start)),
            section: section.to_string(),
            message: message.into(),
        });
    }

    /// Whether any problem was recorded after the first `since`.
    pub(crate) fn grew(&self, since: usize) -> bool {
        self.problems.len() > since
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).bytes().filter(|b| *b == b'\n').count() + 1
}

/// A non-empty id without spaces; the problem names the section.
pub(crate) fn check_id(id: &Spanned<String>, section: &str, ctx: &mut Ctx) -> bool {
    let text = id.get_ref().trim();
    if text.is_empty() || text.chars().any(char::is_whitespace) {
        ctx.problem(id.span(), section, "`id` must be a non-empty name without spaces");
        false
    } else {
        true
    }
}

/// A non-empty text field, trimmed.
pub(crate) fn text(value: Spanned<String>, field: &str, section: &str, ctx: &mut Ctx) -> String {
    let span = value.span();
    let out = value.into_inner().trim().to_string();
    if out.is_empty() {
        ctx.problem(span, section, format!("`{field}` must not be empty"));
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    criticality: Option<RawCriticality>,
    service_levels: Option<RawServiceLevels>,
    support: Option<RawSupport>,
    raci: Option<RawRaci>,
    environment_admins: Option<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    platform_team: Option<RawPlatformTeam>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load() {
        let parsed = Config::overlay(placeholder(), DEFAULT_CONFIG, "defaults");
        assert!(parsed.is_ok(), "{}", parsed.err().map(|e| e.to_string()).unwrap_or_default());
        assert_eq!(Config::defaults(), parsed.unwrap_or_else(|_| placeholder()));
    }

    #[test]
    fn defaults_give_every_section() {
        // The placeholder base must never show through: the default file gives every section and
        // every part of the sections that are overlaid part by part.
        let raw: RawConfig = toml::from_str(DEFAULT_CONFIG).expect("defaults parse");
        assert!(raw.criticality.is_some());
        let levels = raw.service_levels.expect("service levels");
        assert!(levels.critical.is_some() && levels.high.is_some() && levels.non_critical.is_some());
        let support = raw.support.expect("support");
        assert!(support.backup_owners.is_some());
        let required = support.required.expect("support.required");
        assert!(required.critical.is_some() && required.high.is_some() && required.non_critical.is_some());
        let profiles = support.profiles.expect("support.profiles");
        assert!(profiles.it_supported.is_some() && profiles.it_blessed.is_some() && profiles.maker_supported.is_some());
        let steps = support.steps.expect("support.steps");
        for r in crate::Requirement::ALL {
            assert!(steps.contains_key(r.as_str()), "no default step for {}", r.as_str());
        }
        assert!(raw.raci.is_some());
        assert!(raw.environment_admins.is_some());
        let team = raw.platform_team.expect("platform team");
        assert!(team.name.is_some() && team.members.is_some());
    }

    #[test]
    fn an_unreadable_file_is_named() {
        let err = Config::load(std::path::Path::new("/nonexistent/responsibility.toml")).expect_err("missing");
        assert_eq!(err.origin, "/nonexistent/responsibility.toml");
        assert!(err.to_string().contains("cannot read it"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = Config::parse("[criticality]\nrules = [\n  { id = \"x\" \n", "my.toml").expect_err("bad toml");
        assert_eq!(err.origin, "my.toml");
        assert!(err.problems[0].line.is_some(), "{err}");
        assert!(err.to_string().contains("my.toml: line"), "{err}");
    }

    #[test]
    fn unknown_sections_and_fields_are_named() {
        let err = Config::parse("\n\n[criticalty]\n", "my.toml").expect_err("typo");
        assert_eq!(err.problems[0].line, Some(3), "{err}");
        assert!(err.problems[0].message.contains("criticalty"), "{err}");

        let text = "[service_levels.high]\nresponse_minutes = 60\nresponse = \"r\"\ncoverage = \"24x7\"\ndescription = \"d\"\nrespone_max = 3\n";
        let err = Config::parse(text, "my.toml").expect_err("typo");
        assert_eq!(err.problems[0].line, Some(6), "{err}");
        assert!(err.problems[0].message.contains("respone_max"), "{err}");
    }
}
