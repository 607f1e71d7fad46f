//! Success rules as data: parsing and validating a TOML rule set.
//!
//! A rule set is refused whole when any part of it is wrong, with every problem listed (file,
//! rule id, TOML line, what is wrong), so the board fixes a file in one round trip.

use crate::error::{Problem, RulesError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_model::ResourceKind;
use toml::Spanned;

/// The rule set Steward ships, used until the board saves one.
pub const DEFAULT_RULES: &str = include_str!("../rules/defaults.toml");

/// The longest window a rule may look at. Growth compares with the window before, so the store
/// must keep twice this many days of daily rollups.
pub const MAX_WINDOW_DAYS: u32 = 730;

/// A validated rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub version: u32,
    pub rules: Vec<Rule>,
}

/// One success rule: which resources it looks at, over which window, and when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub title: String,
    /// Why this threshold, and where it comes from.
    pub rationale: String,
    pub kinds: Vec<ResourceKind>,
    /// The window ends on the evaluation day and covers this many days, both ends included.
    pub window_days: u32,
    /// Fires when at least one of these holds (ignored when empty)…
    pub any: Vec<Condition>,
    /// …and every one of these holds.
    pub all: Vec<Condition>,
}

/// `metric >= at_least`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub metric: Metric,
    pub at_least: f64,
}

/// What a condition measures over the rule's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Launches (apps), runs (flows) or sessions (agents).
    Uses,
    UniqueUsers,
    /// Days with at least one use.
    ActiveDays,
    /// Distinct departments of the users.
    Departments,
    /// The most uses on one day ("150 runs a day").
    PeakDailyUses,
    /// Uses against the previous window of the same length, in percent; unknown (never fires)
    /// when the previous window had no use.
    GrowthPct,
}

impl Metric {
    pub const ALL: &'static [Metric] = &[
        Metric::Uses,
        Metric::UniqueUsers,
        Metric::ActiveDays,
        Metric::Departments,
        Metric::PeakDailyUses,
        Metric::GrowthPct,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Uses => "uses",
            Metric::UniqueUsers => "unique_users",
            Metric::ActiveDays => "active_days",
            Metric::Departments => "departments",
            Metric::PeakDailyUses => "peak_daily_uses",
            Metric::GrowthPct => "growth_pct",
        }
    }

    fn parse(text: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.as_str() == text)
    }
}

impl Rule {
    /// Every metric the rule reads, each once, in a fixed order.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut out: Vec<Metric> = self.any.iter().chain(&self.all).map(|c| c.metric).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the rule fires on these figures; `value(metric)` is `None` when unknown.
    pub fn fires(&self, value: impl Fn(Metric) -> Option<f64>) -> bool {
        let holds = |c: &Condition| value(c.metric).is_some_and(|v| v >= c.at_least);
        self.all.iter().all(holds) && (self.any.is_empty() || self.any.iter().any(holds))
    }
}

impl RuleSet {
    /// The shipped defaults.
    pub fn defaults() -> RuleSet {
        // The defaults are tested to parse (`defaults_parse`); an empty set is the safe fallback.
        RuleSet::parse(DEFAULT_RULES, "the default rules").unwrap_or(RuleSet { version: 1, rules: Vec::new() })
    }

    /// Parse and validate a rule set; `source` names it in errors (a file path, "the request body").
    pub fn parse(text: &str, source: &str) -> Result<RuleSet, RulesError> {
        let fail = |problems: Vec<Problem>| RulesError { origin: source.to_string(), problems };
        let raw: RawSet = toml::from_str(text).map_err(|e| {
            fail(vec![Problem {
                rule: None,
                line: e.span().map(|s| line_of(text, s.start)),
                message: e.message().trim().to_string(),
            }])
        })?;
        let mut problems = Vec::new();
        let version = *raw.version.get_ref();
        if version < 1 || version > i64::from(u32::MAX) {
            problems.push(Problem {
                rule: None,
                line: Some(line_of(text, raw.version.span().start)),
                message: format!("`version` must be a whole number of at least 1, not {version}"),
            });
        }
        let mut ids = HashSet::new();
        let mut rules = Vec::new();
        for r in raw.rules {
            let id = r.id.get_ref().trim().to_string();
            let mut problem = |span: std::ops::Range<usize>, message: String| {
                problems.push(Problem {
                    rule: Some(id.clone()).filter(|i| !i.is_empty()),
                    line: Some(line_of(text, span.start)),
                    message,
                })
            };
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                problem(r.id.span(), "`id` must be a non-empty name without spaces".to_string());
            } else if !ids.insert(id.clone()) {
                problem(r.id.span(), format!("duplicate rule id '{id}'; every rule needs its own id"));
            }
            if r.title.get_ref().trim().is_empty() {
                problem(r.title.span(), "`title` must not be empty".to_string());
            }
            if r.rationale.get_ref().trim().is_empty() {
                problem(
                    r.rationale.span(),
                    "`rationale` must say why the threshold was chosen and where it comes from".to_string(),
                );
            }
            let mut kinds = Vec::new();
            if r.kinds.get_ref().is_empty() {
                problem(r.kinds.span(), "`kinds` must name at least one resource kind".to_string());
            }
            for k in r.kinds.into_inner() {
                match k.get_ref().parse::<ResourceKind>() {
                    Ok(kind) if !kinds.contains(&kind) => kinds.push(kind),
                    Ok(_) => {}
                    Err(e) => problem(k.span(), e.to_string()),
                }
            }
            let window = *r.window_days.get_ref();
            if !(1..=i64::from(MAX_WINDOW_DAYS)).contains(&window) {
                problem(
                    r.window_days.span(),
                    format!("`window_days` must be between 1 and {MAX_WINDOW_DAYS}, not {window}"),
                );
            }
            let mut conditions = |list: Vec<Spanned<RawCondition>>| -> Vec<Condition> {
                let mut out = Vec::new();
                for c in list {
                    let c = c.into_inner();
                    let at_least = *c.at_least.get_ref();
                    let metric = Metric::parse(c.metric.get_ref());
                    match metric {
                        None => problem(
                            c.metric.span(),
                            format!(
                                "unknown metric '{}'; expected one of: {}",
                                c.metric.get_ref(),
                                Metric::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                        ),
                        Some(metric) if !at_least.is_finite() || (at_least < 0.0 && metric != Metric::GrowthPct) => {
                            problem(
                                c.at_least.span(),
                                format!(
                                    "`at_least` of '{}' must be a number of at least 0, not {at_least}",
                                    metric.as_str()
                                ),
                            )
                        }
                        Some(metric) => out.push(Condition { metric, at_least }),
                    }
                }
                out
            };
            let any = conditions(r.any.unwrap_or_default());
            let all = conditions(r.all.unwrap_or_default());
            if any.is_empty() && all.is_empty() && !problems.iter().any(|p| p.rule.as_deref() == Some(id.as_str())) {
                problems.push(Problem {
                    rule: Some(id.clone()),
                    line: Some(line_of(text, r.id.span().start)),
                    message: "the rule has no condition; give `any` or `all` a list of { metric, at_least }"
                        .to_string(),
                });
            }
            rules.push(Rule {
                id,
                title: r.title.into_inner().trim().to_string(),
                rationale: r.rationale.into_inner().trim().to_string(),
                kinds,
                window_days: u32::try_from(window).unwrap_or(0),
                any,
                all,
            });
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        Ok(RuleSet { version: u32::try_from(version).unwrap_or(0), rules })
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).bytes().filter(|b| *b == b'\n').count() + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    version: Spanned<i64>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: Spanned<String>,
    rationale: Spanned<String>,
    kinds: Spanned<Vec<Spanned<String>>>,
    window_days: Spanned<i64>,
    any: Option<Vec<Spanned<RawCondition>>>,
    all: Option<Vec<Spanned<RawCondition>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    metric: Spanned<String>,
    at_least: Spanned<f64>,
}
