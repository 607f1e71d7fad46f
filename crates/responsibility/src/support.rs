//! Support risk profiles (IT supported, IT blessed, Maker supported) from a decision matrix, and
//! the next steps a maker takes to move up.

use crate::config::{Ctx, text};
use crate::format::count;
use crate::{Input, impact_label};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_model::{EnvironmentType, ImpactLevel, SupportTier};
use toml::Spanned;

/// Something a resource must have for a profile. Each is a fact Steward knows or a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Lives in a production environment.
    ProductionEnvironment,
    /// Lives in a production or sandbox (test) environment: not default, developer, trial, Teams.
    TestOrProductionEnvironment,
    InSolution,
    /// At least `backup_owners` owners.
    BackupOwner,
    /// Has a description.
    Documented,
    /// Declared: handed over to the support team.
    HandoverDone,
    /// Declared: knowledge transferred to the support team.
    KnowledgeTransferDone,
    /// The support tier declared by the CoE is this profile or higher.
    DeclaredTier,
}

impl Requirement {
    pub const ALL: &'static [Requirement] = &[
        Requirement::ProductionEnvironment,
        Requirement::TestOrProductionEnvironment,
        Requirement::InSolution,
        Requirement::BackupOwner,
        Requirement::Documented,
        Requirement::HandoverDone,
        Requirement::KnowledgeTransferDone,
        Requirement::DeclaredTier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::ProductionEnvironment => "production_environment",
            Requirement::TestOrProductionEnvironment => "test_or_production_environment",
            Requirement::InSolution => "in_solution",
            Requirement::BackupOwner => "backup_owner",
            Requirement::Documented => "documented",
            Requirement::HandoverDone => "handover_done",
            Requirement::KnowledgeTransferDone => "knowledge_transfer_done",
            Requirement::DeclaredTier => "declared_tier",
        }
    }

    fn parse(text: &str) -> Option<Requirement> {
        Requirement::ALL.iter().copied().find(|r| r.as_str() == text)
    }

    /// Whether the resource meets it for `profile`, and the fact in words.
    pub fn check(self, input: &Input, profile: SupportTier, config: &SupportConfig) -> (bool, String) {
        let env = environment_label(input.environment_type);
        match self {
            Requirement::ProductionEnvironment => {
                if input.environment_type == EnvironmentType::Production {
                    (true, "in a production environment".to_string())
                } else {
                    (false, format!("in {env}, not a production environment"))
                }
            }
            Requirement::TestOrProductionEnvironment => {
                if matches!(input.environment_type, EnvironmentType::Production | EnvironmentType::Sandbox) {
                    (true, format!("in {env}"))
                } else {
                    (false, format!("in {env}, not a test (sandbox) or production environment"))
                }
            }
            Requirement::InSolution => {
                if input.in_solution {
                    (true, "in a solution".to_string())
                } else {
                    (false, "not in a solution".to_string())
                }
            }
            Requirement::BackupOwner => {
                let owners = input.owners.len() as u64;
                let needed = u64::from(config.backup_owners);
                if owners >= needed {
                    (true, format!("{} (a backup owner)", count(owners, "owner", "owners")))
                } else {
                    (
                        false,
                        format!("only {} (a backup owner means at least {needed})", count(owners, "owner", "owners")),
                    )
                }
            }
            Requirement::Documented => {
                if input.has_description {
                    (true, "has a description".to_string())
                } else {
                    (false, "no description".to_string())
                }
            }
            Requirement::HandoverDone => {
                if input.handover_done {
                    (true, "handed over to the support team".to_string())
                } else {
                    (false, "not handed over to the support team".to_string())
                }
            }
            Requirement::KnowledgeTransferDone => {
                if input.knowledge_transfer_done {
                    (true, "knowledge transferred to the support team".to_string())
                } else {
                    (false, "no knowledge transfer to the support team".to_string())
                }
            }
            Requirement::DeclaredTier => match input.declared_support_tier {
                Some(t) if tier_rank(t) >= tier_rank(profile) => (true, format!("declared {}", tier_label(t))),
                Some(t) => (false, format!("declared {}, below {}", tier_label(t), tier_label(profile))),
                None => (false, "no support tier declared".to_string()),
            },
        }
    }
}

fn environment_label(ty: EnvironmentType) -> String {
    match ty {
        EnvironmentType::Default => "the default environment".to_string(),
        EnvironmentType::Sandbox => "a sandbox (test) environment".to_string(),
        other => format!("a {} environment", other.as_str()),
    }
}

/// "IT supported", "IT blessed", "Maker supported".
pub fn tier_label(tier: SupportTier) -> &'static str {
    match tier {
        SupportTier::ItSupported => "IT supported",
        SupportTier::ItBlessed => "IT blessed",
        SupportTier::MakerSupported => "Maker supported",
    }
}

/// Maker supported 0, IT blessed 1, IT supported 2 (the derived order is declaration order).
pub(crate) fn tier_rank(tier: SupportTier) -> u8 {
    match tier {
        SupportTier::MakerSupported => 0,
        SupportTier::ItBlessed => 1,
        SupportTier::ItSupported => 2,
    }
}

/// Highest first: the order profiles are tried in.
const TIERS_DOWN: [SupportTier; 3] = [SupportTier::ItSupported, SupportTier::ItBlessed, SupportTier::MakerSupported];

/// What one profile means and needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub description: String,
    pub requires: Vec<Requirement>,
}

/// The decision matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportConfig {
    /// Owners needed for [`Requirement::BackupOwner`].
    pub backup_owners: u32,
    /// The profile each criticality needs.
    pub required: BTreeMap<ImpactLevel, SupportTier>,
    pub profiles: BTreeMap<SupportTier, Profile>,
    /// The next step that meets each requirement, in the maker's words.
    pub steps: BTreeMap<Requirement, String>,
}

impl SupportConfig {
    pub fn required_for(&self, level: ImpactLevel) -> SupportTier {
        self.required.get(&level).copied().unwrap_or(SupportTier::MakerSupported)
    }

    fn requires(&self, tier: SupportTier) -> &[Requirement] {
        self.profiles.get(&tier).map_or(&[], |p| p.requires.as_slice())
    }
}

/// The profile a resource qualifies for, the one it needs, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportProfile {
    /// The highest profile whose requirements all hold.
    pub profile: SupportTier,
    /// What its criticality needs.
    pub required: SupportTier,
    pub meets_required: bool,
    pub declared: Option<SupportTier>,
    /// The profile the next steps lead to; none when already IT supported.
    pub target: Option<SupportTier>,
    /// One line per profile tried, the requirement check of the criticality, and the declaration.
    pub why: Vec<String>,
}

/// One thing to do to reach `toward`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    pub requirement: Requirement,
    pub toward: SupportTier,
    /// What to do.
    pub text: String,
    /// Why it is not met yet.
    pub because: String,
    /// The criticality needs it (`false`: it moves the resource up, but is not required).
    pub needed: bool,
}

/// Runs the decision matrix: the profile, the one `level` needs, and the steps to the target.
///
/// The target is the needed profile when the resource falls short of it, else the next profile up.
pub fn support_profile(input: &Input, level: ImpactLevel, config: &SupportConfig) -> (SupportProfile, Vec<NextStep>) {
    let mut why = Vec::new();
    let mut profile = SupportTier::MakerSupported;
    for tier in TIERS_DOWN {
        let checks: Vec<(bool, String)> = config.requires(tier).iter().map(|r| r.check(input, tier, config)).collect();
        if checks.iter().all(|(met, _)| *met) {
            profile = tier;
            let facts: Vec<&str> = checks.iter().map(|(_, t)| t.as_str()).collect();
            why.push(if facts.is_empty() {
                format!("{}: {}", tier_label(tier), config.profiles.get(&tier).map_or("", |p| p.description.as_str()))
            } else {
                format!("{}: {}", tier_label(tier), facts.join("; "))
            });
            break;
        }
        let missing: Vec<&str> = checks.iter().filter(|(met, _)| !met).map(|(_, t)| t.as_str()).collect();
        why.push(format!("not {}: {}", tier_label(tier), missing.join("; ")));
    }

    let required = config.required_for(level);
    let meets_required = tier_rank(profile) >= tier_rank(required);
    why.push(format!(
        "a {} resource needs {}{}: {}",
        impact_label(level),
        tier_label(required),
        if required == SupportTier::ItSupported { "" } else { " or higher" },
        if meets_required { "met" } else { "not met" }
    ));
    let declared = input.declared_support_tier;
    if let Some(d) = declared {
        why.push(if d == profile {
            format!("declared {}, as the decision matrix gives", tier_label(d))
        } else {
            format!("declared {}, but the decision matrix gives {}", tier_label(d), tier_label(profile))
        });
    }

    let (target, needed) = if !meets_required {
        (Some(required), true)
    } else {
        (TIERS_DOWN.iter().rev().copied().find(|t| tier_rank(*t) == tier_rank(profile) + 1), false)
    };
    let next_steps = match target {
        None => Vec::new(),
        Some(toward) => config
            .requires(toward)
            .iter()
            .filter_map(|r| {
                let (met, because) = r.check(input, toward, config);
                (!met).then(|| NextStep {
                    requirement: *r,
                    toward,
                    text: config.steps.get(r).cloned().unwrap_or_default(),
                    because,
                    needed,
                })
            })
            .collect(),
    };
    (SupportProfile { profile, required, meets_required, declared, target, why }, next_steps)
}

pub(crate) fn placeholder() -> SupportConfig {
    SupportConfig { backup_owners: 2, required: BTreeMap::new(), profiles: BTreeMap::new(), steps: BTreeMap::new() }
}

// ----- the file format ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSupport {
    pub(crate) backup_owners: Option<Spanned<i64>>,
    pub(crate) required: Option<RawRequired>,
    pub(crate) profiles: Option<RawProfiles>,
    pub(crate) steps: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequired {
    pub(crate) critical: Option<Spanned<String>>,
    pub(crate) high: Option<Spanned<String>>,
    pub(crate) non_critical: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfiles {
    pub(crate) it_supported: Option<Spanned<RawProfile>>,
    pub(crate) it_blessed: Option<Spanned<RawProfile>>,
    pub(crate) maker_supported: Option<Spanned<RawProfile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    description: Spanned<String>,
    requires: Vec<Spanned<String>>,
}

/// Replaces what the file gives, key by key: `backup_owners`, each level of `required`, each
/// profile, each step. Then checks the result as a whole.
pub(crate) fn overlay(raw: RawSupport, config: &mut SupportConfig, ctx: &mut Ctx) {
    let mut anchor = None;
    if let Some(v) = raw.backup_owners {
        anchor = Some(v.span());
        match u32::try_from(*v.get_ref()) {
            Ok(n) if (1..=10).contains(&n) => config.backup_owners = n,
            _ => ctx.problem(
                v.span(),
                "support",
                format!("`backup_owners` must be between 1 and 10, not {}", v.get_ref()),
            ),
        }
    }
    if let Some(required) = raw.required {
        for (level, tier) in [
            (ImpactLevel::Critical, required.critical),
            (ImpactLevel::High, required.high),
            (ImpactLevel::NonCritical, required.non_critical),
        ] {
            let Some(tier) = tier else { continue };
            anchor.get_or_insert(tier.span());
            match tier.get_ref().parse::<SupportTier>() {
                Ok(t) => {
                    config.required.insert(level, t);
                }
                Err(e) => ctx.problem(tier.span(), "support.required", e.to_string()),
            }
        }
    }
    if let Some(profiles) = raw.profiles {
        for (tier, profile) in [
            (SupportTier::ItSupported, profiles.it_supported),
            (SupportTier::ItBlessed, profiles.it_blessed),
            (SupportTier::MakerSupported, profiles.maker_supported),
        ] {
            let Some(profile) = profile else { continue };
            let span = profile.span();
            anchor.get_or_insert(span.clone());
            let section = format!("support.profiles.{}", tier.as_str());
            let before = ctx.problems.len();
            let profile = profile.into_inner();
            let description = text(profile.description, "description", &section, ctx);
            let mut requires = Vec::new();
            for r in profile.requires {
                match Requirement::parse(r.get_ref()) {
                    Some(req) if requires.contains(&req) => {
                        ctx.problem(r.span(), &section, format!("'{}' is listed twice", req.as_str()))
                    }
                    Some(req) => requires.push(req),
                    None => {
                        let known = Requirement::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
                        ctx.problem(
                            r.span(),
                            &section,
                            format!("unknown requirement '{}'; expected one of: {known}", r.get_ref()),
                        );
                    }
                }
            }
            if tier == SupportTier::MakerSupported && !requires.is_empty() {
                ctx.problem(
                    span,
                    &section,
                    "maker_supported is the floor every resource stands on, so it cannot require anything; write `requires = []`",
                );
            }
            if !ctx.grew(before) {
                config.profiles.insert(tier, Profile { description, requires });
            }
        }
    }
    if let Some(steps) = raw.steps {
        for (key, step) in steps {
            anchor.get_or_insert(step.span());
            match Requirement::parse(&key) {
                Some(req) => {
                    let t = text(step, &key, "support.steps", ctx);
                    config.steps.insert(req, t);
                }
                None => {
                    let known = Requirement::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
                    ctx.problem(
                        step.span(),
                        "support.steps",
                        format!("unknown requirement '{key}'; expected one of: {known}"),
                    );
                }
            }
        }
    }

    // The whole, after the overlay: checked only when this file touched the section (`anchor`
    // is its first key), so the problem points into the file that caused it.
    let Some(anchor) = anchor else { return };
    for tier in TIERS_DOWN {
        if !config.profiles.contains_key(&tier) {
            ctx.problem(anchor.clone(), "support.profiles", format!("profile `{}` is missing", tier.as_str()));
        }
    }
    for level in ImpactLevel::ALL {
        if !config.required.contains_key(level) {
            ctx.problem(anchor.clone(), "support.required", format!("`{}` is missing", level.as_str()));
        }
    }
    // More critical never needs less support: critical ≥ high ≥ non-critical.
    let need = |l| tier_rank(config.required_for(l));
    if need(ImpactLevel::Critical) < need(ImpactLevel::High) || need(ImpactLevel::High) < need(ImpactLevel::NonCritical)
    {
        ctx.problem(
            anchor.clone(),
            "support.required",
            format!(
                "a more critical level must not need less support: critical needs {}, high {}, non_critical {}",
                config.required_for(ImpactLevel::Critical).as_str(),
                config.required_for(ImpactLevel::High).as_str(),
                config.required_for(ImpactLevel::NonCritical).as_str()
            ),
        );
    }
    let mut used: Vec<Requirement> = config.profiles.values().flat_map(|p| p.requires.iter().copied()).collect();
    used.sort_unstable();
    used.dedup();
    for r in used {
        if config.steps.get(&r).is_none_or(|s| s.is_empty()) {
            ctx.problem(
                anchor.clone(),
                "support.steps",
                format!("requirement '{}' is used by a profile but has no next step text", r.as_str()),
            );
        }
    }
}
