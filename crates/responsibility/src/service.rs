//! Service levels per criticality, from the ALM maturity model's business-impact classes.

use crate::config::{Ctx, text};
use crate::impact_label;
use serde::{Deserialize, Serialize};
use steward_model::ImpactLevel;
use toml::Spanned;

/// When support is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Coverage {
    /// "24x7 access", "24x7 operation, every day".
    #[serde(rename = "24x7")]
    Always,
    /// "business hours access and support".
    #[serde(rename = "business_hours")]
    BusinessHours,
    /// "business hours access with 24x7 available support".
    #[serde(rename = "business_hours_24x7_available")]
    BusinessHours24x7Available,
}

impl Coverage {
    pub const ALL: &'static [Coverage] =
        &[Coverage::Always, Coverage::BusinessHours, Coverage::BusinessHours24x7Available];

    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Always => "24x7",
            Coverage::BusinessHours => "business_hours",
            Coverage::BusinessHours24x7Available => "business_hours_24x7_available",
        }
    }

    /// For pages: "24x7", "Business hours", "Business hours, 24x7 support available".
    pub fn label(self) -> &'static str {
        match self {
            Coverage::Always => "24x7",
            Coverage::BusinessHours => "Business hours",
            Coverage::BusinessHours24x7Available => "Business hours, 24x7 support available",
        }
    }

    fn parse(text: &str) -> Option<Coverage> {
        Coverage::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

/// The support a level gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevel {
    pub level: ImpactLevel,
    /// Initial response target.
    pub response_minutes: u32,
    /// The far end when the target is a range ("one hour, four hours, or next day").
    pub response_max_minutes: Option<u32>,
    /// The target in words.
    pub response: String,
    pub coverage: Coverage,
    /// What the level means for the business.
    pub description: String,
}

/// One service level per criticality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevels {
    pub critical: ServiceLevel,
    pub high: ServiceLevel,
    pub non_critical: ServiceLevel,
}

impl ServiceLevels {
    pub fn get(&self, level: ImpactLevel) -> &ServiceLevel {
        match level {
            ImpactLevel::Critical => &self.critical,
            ImpactLevel::High => &self.high,
            ImpactLevel::NonCritical => &self.non_critical,
        }
    }

    fn get_mut(&mut self, level: ImpactLevel) -> &mut ServiceLevel {
        match level {
            ImpactLevel::Critical => &mut self.critical,
            ImpactLevel::High => &mut self.high,
            ImpactLevel::NonCritical => &mut self.non_critical,
        }
    }
}

pub(crate) fn placeholder() -> ServiceLevels {
    let level = |level| ServiceLevel {
        level,
        response_minutes: 0,
        response_max_minutes: None,
        response: String::new(),
        coverage: Coverage::BusinessHours,
        description: String::new(),
    };
    ServiceLevels {
        critical: level(ImpactLevel::Critical),
        high: level(ImpactLevel::High),
        non_critical: level(ImpactLevel::NonCritical),
    }
}

// ----- the file format ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServiceLevels {
    pub(crate) critical: Option<Spanned<RawServiceLevel>>,
    pub(crate) high: Option<Spanned<RawServiceLevel>>,
    pub(crate) non_critical: Option<Spanned<RawServiceLevel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServiceLevel {
    response_minutes: Spanned<i64>,
    response_max_minutes: Option<Spanned<i64>>,
    response: Spanned<String>,
    coverage: Spanned<String>,
    description: Spanned<String>,
}

/// A week: no initial response target is longer.
const MAX_MINUTES: i64 = 7 * 24 * 60;

/// Replaces each level the file gives; checks that a more critical level never responds later.
pub(crate) fn overlay(raw: RawServiceLevels, levels: &mut ServiceLevels, ctx: &mut Ctx) {
    let mut given = Vec::new();
    for (level, raw) in [
        (ImpactLevel::Critical, raw.critical),
        (ImpactLevel::High, raw.high),
        (ImpactLevel::NonCritical, raw.non_critical),
    ] {
        let Some(raw) = raw else { continue };
        let span = raw.span();
        let before = ctx.problems.len();
        let section = format!("service_levels.{}", level.as_str());
        let raw = raw.into_inner();
        let minutes = |v: &Spanned<i64>, field: &str, ctx: &mut Ctx| match u32::try_from(*v.get_ref()) {
            Ok(m) if (1..=MAX_MINUTES).contains(v.get_ref()) => m,
            _ => {
                ctx.problem(
                    v.span(),
                    &section,
                    format!("`{field}` must be between 1 and {MAX_MINUTES} minutes (a week), not {}", v.get_ref()),
                );
                0
            }
        };
        let response_minutes = minutes(&raw.response_minutes, "response_minutes", ctx);
        let response_max_minutes = raw.response_max_minutes.as_ref().map(|v| minutes(v, "response_max_minutes", ctx));
        if let (Some(max), Some(v)) = (response_max_minutes, &raw.response_max_minutes)
            && max != 0
            && response_minutes != 0
            && max < response_minutes
        {
            ctx.problem(
                v.span(),
                &section,
                format!("`response_max_minutes` ({max}) must not be below `response_minutes` ({response_minutes})"),
            );
        }
        let coverage = match Coverage::parse(raw.coverage.get_ref()) {
            Some(c) => c,
            None => {
                let known = Coverage::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
                ctx.problem(
                    raw.coverage.span(),
                    &section,
                    format!("unknown coverage '{}'; expected one of: {known}", raw.coverage.get_ref()),
                );
                Coverage::BusinessHours
            }
        };
        let response = text(raw.response, "response", &section, ctx);
        let description = text(raw.description, "description", &section, ctx);
        if !ctx.grew(before) {
            *levels.get_mut(level) =
                ServiceLevel { level, response_minutes, response_max_minutes, response, coverage, description };
            given.push((level, span));
        }
    }
    // A critical resource must never be promised a slower first response than a less critical
    // one; checked on the result, so overriding one level cannot contradict a default one.
    for (faster, slower) in [(ImpactLevel::Critical, ImpactLevel::High), (ImpactLevel::High, ImpactLevel::NonCritical)]
    {
        let (f, s) = (levels.get(faster), levels.get(slower));
        if f.response_minutes > s.response_minutes {
            let span = given.iter().rev().find(|(l, _)| *l == faster || *l == slower).map(|(_, s)| s.clone());
            if let Some(span) = span {
                ctx.problem(
                    span,
                    "service_levels",
                    format!(
                        "{} responds in {} minutes, later than {} ({} minutes); a more critical level must respond at least as fast",
                        impact_label(faster),
                        f.response_minutes,
                        impact_label(slower),
                        s.response_minutes
                    ),
                );
            }
        }
    }
}
