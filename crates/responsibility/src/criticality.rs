//! Criticality: the business-impact class a resource's usage puts it in, raised by the impact
//! declared for it, with every reason.

use crate::config::{Ctx, check_id};
use crate::format::{count, thousands};
use crate::{Input, impact_label, impact_rank};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use steward_model::{EnvironmentType, ImpactLevel, ResourceKind};
use toml::Spanned;

/// [`Criticality::decided_by`] when the declared business impact set the level.
pub const DECLARED: &str = "declared-impact";
/// [`Criticality::decided_by`] when no rule matched and nothing was declared.
pub const DEFAULT: &str = "default";

/// The criticality rules, in the order the file gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriticalityConfig {
    pub rules: Vec<Rule>,
}

/// Puts a resource at `level` when every condition holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    /// `critical` or `high`; non-critical is what no rule gives.
    pub level: ImpactLevel,
    /// Why this threshold, and where it comes from.
    pub rationale: String,
    /// The kinds the rule looks at; empty = every kind.
    pub kinds: Vec<ResourceKind>,
    /// The environment types the rule looks at; empty = every type.
    pub environment_types: Vec<EnvironmentType>,
    /// Every one must hold.
    pub all: Vec<Condition>,
}

/// A usage figure compared with a threshold, or a fact that must be true. Serialises in the
/// file's shape: `{ metric, at_least }`, `{ metric, more_than }` or `{ flag }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    AtLeast { metric: Metric, at_least: u64 },
    MoreThan { metric: Metric, more_than: u64 },
    Flag { flag: Flag },
}

/// How a figure is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    AtLeast(u64),
    MoreThan(u64),
}

/// The usage figures a condition can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    #[serde(rename = "users_30d")]
    Users30d,
    #[serde(rename = "uses_30d")]
    Uses30d,
    #[serde(rename = "active_days_30d")]
    ActiveDays30d,
    #[serde(rename = "departments_30d")]
    Departments30d,
    #[serde(rename = "external_users_30d")]
    ExternalUsers30d,
    #[serde(rename = "shared_users")]
    SharedUsers,
}

/// The yes/no facts a condition can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Flag {
    #[serde(rename = "shared_with_everyone")]
    SharedWithEveryone,
}

impl Metric {
    pub const ALL: &'static [Metric] = &[
        Metric::Users30d,
        Metric::Uses30d,
        Metric::ActiveDays30d,
        Metric::Departments30d,
        Metric::ExternalUsers30d,
        Metric::SharedUsers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Users30d => "users_30d",
            Metric::Uses30d => "uses_30d",
            Metric::ActiveDays30d => "active_days_30d",
            Metric::Departments30d => "departments_30d",
            Metric::ExternalUsers30d => "external_users_30d",
            Metric::SharedUsers => "shared_users",
        }
    }

    pub fn value(self, input: &Input) -> u64 {
        match self {
            Metric::Users30d => input.users_30d,
            Metric::Uses30d => input.uses_30d,
            Metric::ActiveDays30d => u64::from(input.active_days_30d),
            Metric::Departments30d => u64::from(input.departments_30d),
            Metric::ExternalUsers30d => input.external_users_30d,
            Metric::SharedUsers => input.shared_users,
        }
    }

    /// The figure in words: "612 users in 30 days", "4,800 runs in 30 days".
    pub fn describe(self, value: u64, kind: ResourceKind) -> String {
        match self {
            Metric::Users30d => format!("{} in 30 days", count(value, "user", "users")),
            Metric::Uses30d => {
                let (one, many) = if kind.is_app() {
                    ("launch", "launches")
                } else if kind.is_flow() {
                    ("run", "runs")
                } else if kind == ResourceKind::Agent {
                    ("session", "sessions")
                } else {
                    ("use", "uses")
                };
                format!("{} in 30 days", count(value, one, many))
            }
            Metric::ActiveDays30d => format!("{} in 30 days", count(value, "active day", "active days")),
            Metric::Departments30d => format!("{} reached in 30 days", count(value, "department", "departments")),
            Metric::ExternalUsers30d => format!("{} in 30 days", count(value, "external user", "external users")),
            Metric::SharedUsers => format!("shared with {}", count(value, "user", "users")),
        }
    }

    fn parse(text: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.as_str() == text)
    }
}

impl Flag {
    pub const ALL: &'static [Flag] = &[Flag::SharedWithEveryone];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::SharedWithEveryone => "shared_with_everyone",
        }
    }

    pub fn value(self, input: &Input) -> bool {
        match self {
            Flag::SharedWithEveryone => input.shared_with_everyone,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Flag::SharedWithEveryone => "shared with everyone",
        }
    }

    fn parse(text: &str) -> Option<Flag> {
        Flag::ALL.iter().copied().find(|f| f.as_str() == text)
    }
}

impl Condition {
    /// Whether the condition holds (no text; see [`Condition::check`]).
    pub fn holds(&self, input: &Input) -> bool {
        match *self {
            Condition::Flag { flag } => flag.value(input),
            Condition::AtLeast { metric, at_least } => metric.value(input) >= at_least,
            Condition::MoreThan { metric, more_than } => metric.value(input) > more_than,
        }
    }

    /// Whether the condition holds, and the figures in words ("612 users in 30 days ≥ 500").
    pub fn check(&self, input: &Input) -> (bool, String) {
        let (metric, comparison) = match *self {
            Condition::Flag { flag } => return (flag.value(input), flag.describe().to_string()),
            Condition::AtLeast { metric, at_least } => (metric, Comparison::AtLeast(at_least)),
            Condition::MoreThan { metric, more_than } => (metric, Comparison::MoreThan(more_than)),
        };
        let value = metric.value(input);
        let figure = metric.describe(value, input.kind);
        match comparison {
            Comparison::AtLeast(t) => (value >= t, format!("{figure} ≥ {}", thousands(t))),
            Comparison::MoreThan(t) => (value > t, format!("{figure} > {}", thousands(t))),
        }
    }
}

impl Rule {
    /// Whether the rule looks at this resource at all (kind and environment type).
    pub fn applies_to(&self, input: &Input) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&input.kind))
            && (self.environment_types.is_empty() || self.environment_types.contains(&input.environment_type))
    }

    /// The reason text when the rule matches: every condition's figures, joined by "and".
    pub fn matches(&self, input: &Input) -> Option<String> {
        if !self.applies_to(input) {
            return None;
        }
        let mut texts = Vec::with_capacity(self.all.len());
        for c in &self.all {
            let (holds, text) = c.check(input);
            if !holds {
                return None;
            }
            texts.push(text);
        }
        Some(texts.join(" and "))
    }
}

/// One reason for a resource's level: a rule that matched, the declared impact, or the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The rule id, [`DECLARED`] or [`DEFAULT`].
    pub rule: String,
    /// The level this reason alone gives.
    pub level: ImpactLevel,
    /// The figures: "612 users in 30 days ≥ 500".
    pub text: String,
    /// Whether this is the reason that set the level.
    pub decisive: bool,
}

/// A resource's criticality and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criticality {
    pub level: ImpactLevel,
    /// What the rules alone give.
    pub usage_level: ImpactLevel,
    pub declared_impact: Option<ImpactLevel>,
    /// The rule that set the level, [`DECLARED`] or [`DEFAULT`].
    pub decided_by: String,
    /// Every rule that matched (highest level first, then in file order), then the declared impact.
    pub reasons: Vec<Reason>,
}

/// [`criticality`]'s level alone, without building reasons: for filling the computed
/// criticality of many resources (policy facts, listings).
pub fn criticality_level(input: &Input, config: &CriticalityConfig) -> ImpactLevel {
    let usage = config
        .rules
        .iter()
        .filter(|r| r.applies_to(input) && r.all.iter().all(|c| c.holds(input)))
        .map(|r| r.level)
        .max_by_key(|l| impact_rank(*l))
        .unwrap_or(ImpactLevel::NonCritical);
    match input.declared_impact {
        Some(d) if impact_rank(d) > impact_rank(usage) => d,
        _ => usage,
    }
}

/// The level the rules give, raised (never lowered) by the declared business impact.
///
/// Ties: when a rule and the declaration give the same level, the rule decides: the usage shows
/// it, the declaration did not raise anything. With no rule matched, a declaration of
/// non-critical decides over the default, because someone said so.
pub fn criticality(input: &Input, config: &CriticalityConfig) -> Criticality {
    let mut reasons: Vec<Reason> = config
        .rules
        .iter()
        .filter_map(|rule| {
            rule.matches(input).map(|text| Reason { rule: rule.id.clone(), level: rule.level, text, decisive: false })
        })
        .collect();
    // Stable: equal levels keep the file's order, so the first rule of the top level decides.
    reasons.sort_by_key(|r| std::cmp::Reverse(impact_rank(r.level)));
    let usage_level = reasons.first().map_or(ImpactLevel::NonCritical, |r| r.level);
    let declared = input.declared_impact;
    let declared_raises = declared.is_some_and(|d| impact_rank(d) > impact_rank(usage_level));

    let (level, decided_by) = match (declared, reasons.first_mut()) {
        (Some(d), _) if declared_raises => (d, DECLARED.to_string()),
        (_, Some(top)) => {
            top.decisive = true;
            (usage_level, top.rule.clone())
        }
        (Some(d), None) => (d, DECLARED.to_string()),
        (None, None) => (ImpactLevel::NonCritical, DEFAULT.to_string()),
    };

    if let Some(d) = declared {
        let text = if impact_rank(d) < impact_rank(usage_level) {
            format!(
                "declared business impact: {}; a declaration never lowers the level usage gives ({})",
                impact_label(d),
                impact_label(usage_level)
            )
        } else {
            format!("declared business impact: {}", impact_label(d))
        };
        reasons.push(Reason { rule: DECLARED.to_string(), level: d, text, decisive: decided_by == DECLARED });
    } else if reasons.is_empty() {
        reasons.push(Reason {
            rule: DEFAULT.to_string(),
            level: ImpactLevel::NonCritical,
            text: format!(
                "no criticality rule matched ({}, {}, {}) and no business impact is declared",
                Metric::Users30d.describe(input.users_30d, input.kind),
                Metric::Departments30d.describe(u64::from(input.departments_30d), input.kind),
                Metric::ExternalUsers30d.describe(input.external_users_30d, input.kind),
            ),
            decisive: true,
        });
    }
    Criticality { level, usage_level, declared_impact: declared, decided_by, reasons }
}

// ----- the file format ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCriticality {
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    level: Spanned<String>,
    rationale: Spanned<String>,
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    #[serde(default)]
    environment_types: Vec<Spanned<String>>,
    all: Spanned<Vec<Spanned<RawCondition>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    metric: Option<Spanned<String>>,
    at_least: Option<Spanned<i64>>,
    more_than: Option<Spanned<i64>>,
    flag: Option<Spanned<String>>,
}

const SECTION: &str = "criticality.rules";

/// Checks the `[criticality]` section; `None` when anything is wrong (the problems are in `ctx`).
pub(crate) fn parse(raw: RawCriticality, ctx: &mut Ctx) -> Option<CriticalityConfig> {
    let before = ctx.problems.len();
    let mut ids = HashSet::new();
    let mut rules = Vec::new();
    for r in raw.rules {
        let id = r.id.get_ref().trim().to_string();
        let section = if id.is_empty() { SECTION.to_string() } else { format!("{SECTION} '{id}'") };
        if check_id(&r.id, &section, ctx) {
            if id == DECLARED || id == DEFAULT {
                ctx.problem(
                    r.id.span(),
                    &section,
                    format!("`{id}` is reserved for the reasons Steward adds itself; pick another id"),
                );
            } else if !ids.insert(id.clone()) {
                ctx.problem(r.id.span(), &section, format!("duplicate rule id '{id}'; every rule needs its own id"));
            }
        }
        let level = match r.level.get_ref().parse::<ImpactLevel>() {
            Ok(ImpactLevel::NonCritical) => {
                ctx.problem(
                    r.level.span(),
                    &section,
                    "`level` must be `critical` or `high`: non_critical is what a resource is when no rule matches",
                );
                ImpactLevel::NonCritical
            }
            Ok(level) => level,
            Err(e) => {
                ctx.problem(r.level.span(), &section, e.to_string());
                ImpactLevel::NonCritical
            }
        };
        let rationale_span = r.rationale.span();
        let rationale = r.rationale.into_inner().trim().to_string();
        if rationale.is_empty() {
            ctx.problem(rationale_span, &section, "`rationale` must say why the threshold and where it comes from");
        }
        let mut kinds = Vec::new();
        for k in r.kinds {
            match k.get_ref().parse::<ResourceKind>() {
                Ok(kind) if !kinds.contains(&kind) => kinds.push(kind),
                Ok(_) => {}
                Err(e) => ctx.problem(k.span(), &section, e.to_string()),
            }
        }
        let mut environment_types = Vec::new();
        for t in r.environment_types {
            match t.get_ref().parse::<EnvironmentType>() {
                Ok(ty) if !environment_types.contains(&ty) => environment_types.push(ty),
                Ok(_) => {}
                Err(e) => ctx.problem(t.span(), &section, e.to_string()),
            }
        }
        let all_span = r.all.span();
        let raw_all = r.all.into_inner();
        if raw_all.is_empty() {
            ctx.problem(all_span, &section, "`all` must list at least one condition");
        }
        let all = raw_all.into_iter().filter_map(|c| condition(c, &section, ctx)).collect();
        rules.push(Rule { id, level, rationale, kinds, environment_types, all });
    }
    if ctx.grew(before) { None } else { Some(CriticalityConfig { rules }) }
}

fn condition(c: Spanned<RawCondition>, section: &str, ctx: &mut Ctx) -> Option<Condition> {
    let span = c.span();
    let c = c.into_inner();
    let shape =
        "a condition is `{ metric = \"…\", at_least = N }`, `{ metric = \"…\", more_than = N }` or `{ flag = \"…\" }`";
    match (c.metric, c.at_least, c.more_than, c.flag) {
        (None, None, None, Some(flag)) => match Flag::parse(flag.get_ref()) {
            Some(flag) => Some(Condition::Flag { flag }),
            None => {
                let known = Flag::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ");
                ctx.problem(
                    flag.span(),
                    section,
                    format!("unknown flag '{}'; expected one of: {known}", flag.get_ref()),
                );
                None
            }
        },
        (Some(metric_name), at_least, more_than, None) if at_least.is_some() != more_than.is_some() => {
            let Some(metric) = Metric::parse(metric_name.get_ref()) else {
                let known = Metric::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ");
                ctx.problem(
                    metric_name.span(),
                    section,
                    format!("unknown metric '{}'; expected one of: {known}", metric_name.get_ref()),
                );
                return None;
            };
            let (threshold, field) = match (&at_least, &more_than) {
                (Some(t), _) => (t, "at_least"),
                (_, Some(t)) => (t, "more_than"),
                _ => return None,
            };
            let Ok(value) = u64::try_from(*threshold.get_ref()) else {
                ctx.problem(
                    threshold.span(),
                    section,
                    format!("`{field}` must be a count of at least 0, not {}", threshold.get_ref()),
                );
                return None;
            };
            Some(if at_least.is_some() {
                Condition::AtLeast { metric, at_least: value }
            } else {
                Condition::MoreThan { metric, more_than: value }
            })
        }
        (Some(_), Some(_), Some(_), None) => {
            ctx.problem(span, section, format!("give either `at_least` or `more_than`, not both; {shape}"));
            None
        }
        (Some(m), None, None, None) => {
            ctx.problem(
                span,
                section,
                format!("metric '{}' needs a threshold: `at_least = N` or `more_than = N`", m.get_ref()),
            );
            None
        }
        _ => {
            ctx.problem(span, section, shape);
            None
        }
    }
}
