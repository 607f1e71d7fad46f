//! The responsibility (RACI) matrix per criticality, and the named people behind each role.

use crate::Input;
use crate::config::{Config, Ctx, check_id, text};
use crate::format::count;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use steward_model::ImpactLevel;
use toml::Spanned;

/// The four parties of the program-management seed: "users, makers, env admins, and platform
/// admin team".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Maker,
    EnvironmentAdmin,
    PlatformTeam,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::User, Role::Maker, Role::EnvironmentAdmin, Role::PlatformTeam];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Maker => "maker",
            Role::EnvironmentAdmin => "environment_admin",
            Role::PlatformTeam => "platform_team",
        }
    }

    /// Column heading.
    pub fn label(self) -> &'static str {
        match self {
            Role::User => "Users",
            Role::Maker => "Makers",
            Role::EnvironmentAdmin => "Environment admins",
            Role::PlatformTeam => "Platform admin team",
        }
    }
}

/// One cell: R responsible, A accountable, A/R both, C consulted, I informed, or not involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Assignment {
    #[default]
    None,
    Responsible,
    Accountable,
    AccountableResponsible,
    Consulted,
    Informed,
}

impl Assignment {
    /// `""`, `"R"`, `"A"`, `"A/R"`, `"C"`, `"I"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Assignment::None => "",
            Assignment::Responsible => "R",
            Assignment::Accountable => "A",
            Assignment::AccountableResponsible => "A/R",
            Assignment::Consulted => "C",
            Assignment::Informed => "I",
        }
    }

    /// Accepts the spellings people write: `R`, `A`, `A/R` (`R/A`, `AR`, `RA`), `C`, `I`, and
    /// `""` or `-` for not involved; any case.
    pub fn parse(text: &str) -> Option<Assignment> {
        Some(match text.trim().to_ascii_uppercase().as_str() {
            "" | "-" => Assignment::None,
            "R" => Assignment::Responsible,
            "A" => Assignment::Accountable,
            "A/R" | "R/A" | "AR" | "RA" => Assignment::AccountableResponsible,
            "C" => Assignment::Consulted,
            "I" => Assignment::Informed,
            _ => return None,
        })
    }

    pub fn is_responsible(self) -> bool {
        matches!(self, Assignment::Responsible | Assignment::AccountableResponsible)
    }

    pub fn is_accountable(self) -> bool {
        matches!(self, Assignment::Accountable | Assignment::AccountableResponsible)
    }
}

impl std::fmt::Display for Assignment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Assignment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Assignment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Assignment::parse(&text).ok_or_else(|| serde::de::Error::custom(bad_assignment(&text)))
    }
}

fn bad_assignment(text: &str) -> String {
    format!("'{text}' is not a RACI assignment; write R, A, A/R, C, I, or \"-\" for not involved")
}

/// The four cells of one activity at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cells {
    #[serde(default)]
    pub user: Assignment,
    #[serde(default)]
    pub maker: Assignment,
    #[serde(default)]
    pub environment_admin: Assignment,
    #[serde(default)]
    pub platform_team: Assignment,
}

impl Cells {
    pub fn get(&self, role: Role) -> Assignment {
        match role {
            Role::User => self.user,
            Role::Maker => self.maker,
            Role::EnvironmentAdmin => self.environment_admin,
            Role::PlatformTeam => self.platform_team,
        }
    }

    /// What breaks the RACI rules: exactly one A, at least one R.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let accountable: Vec<&str> =
            Role::ALL.iter().filter(|r| self.get(**r).is_accountable()).map(|r| r.as_str()).collect();
        match accountable.len() {
            1 => {}
            0 => out.push("no role is accountable (A); exactly one must be".to_string()),
            _ => out.push(format!(
                "{} roles are accountable (A): {}; exactly one must be",
                accountable.len(),
                accountable.join(", ")
            )),
        }
        if !Role::ALL.iter().any(|r| self.get(*r).is_responsible()) {
            out.push("no role is responsible (R or A/R); at least one must be".to_string());
        }
        out
    }
}

/// One row of the matrix; a level left out means the activity does not apply at that level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub critical: Option<Cells>,
    #[serde(default)]
    pub high: Option<Cells>,
    #[serde(default)]
    pub non_critical: Option<Cells>,
}

impl Activity {
    pub fn at(&self, level: ImpactLevel) -> Option<&Cells> {
        match level {
            ImpactLevel::Critical => self.critical.as_ref(),
            ImpactLevel::High => self.high.as_ref(),
            ImpactLevel::NonCritical => self.non_critical.as_ref(),
        }
    }
}

/// Activities × roles → R/A/C/I, per criticality level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaciMatrix {
    pub activities: Vec<Activity>,
}

impl RaciMatrix {
    /// Every rule the matrix breaks, for a matrix built outside a file (e.g. an API edit in
    /// JSON); files are checked with lines when parsed.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.activities.is_empty() {
            out.push("the matrix has no activity".to_string());
        }
        let mut ids = HashSet::new();
        for a in &self.activities {
            if a.id.trim().is_empty() || a.id.chars().any(char::is_whitespace) {
                out.push(format!("activity '{}': `id` must be a non-empty name without spaces", a.id));
            } else if !ids.insert(a.id.as_str()) {
                out.push(format!("duplicate activity id '{}'", a.id));
            }
            if a.title.trim().is_empty() {
                out.push(format!("activity '{}': `title` must not be empty", a.id));
            }
            if ImpactLevel::ALL.iter().all(|l| a.at(*l).is_none()) {
                out.push(format!(
                    "activity '{}' gives no level; give at least one of critical, high, non_critical",
                    a.id
                ));
            }
            for level in ImpactLevel::ALL {
                if let Some(cells) = a.at(*level) {
                    for p in cells.problems() {
                        out.push(format!("activity '{}', {}: {p}", a.id, level.as_str()));
                    }
                }
            }
        }
        out
    }
}

/// The platform admin team: a name and its members (UPNs or names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformTeam {
    pub name: String,
    pub members: Vec<String>,
}

/// A person or group behind a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub name: String,
    /// Principal id, when known (owners).
    #[serde(default)]
    pub id: Option<String>,
}

/// Who holds one role for the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleHolders {
    pub role: Role,
    pub label: String,
    /// The people; empty for users (a count) and for roles nobody is named for.
    pub holders: Vec<Holder>,
    /// For a cell: "Ana Lopez, Ben Ode", "612 users", "no environment admin named".
    pub summary: String,
    /// Whether somebody is named (users: whether anyone used it).
    pub named: bool,
}

/// A cell with the people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCell {
    pub role: Role,
    pub assignment: Assignment,
    /// The role's summary; empty when the role is not involved.
    pub who: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedActivity {
    pub id: String,
    pub title: String,
    /// One per role, in [`Role::ALL`] order.
    pub cells: Vec<NamedCell>,
}

/// The matrix of one level for one resource, with names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRaci {
    pub level: ImpactLevel,
    /// One per role, in [`Role::ALL`] order.
    pub roles: Vec<RoleHolders>,
    /// The activities that apply at `level`.
    pub activities: Vec<NamedActivity>,
}

/// The environment admins for an environment: its own entry, else its group's, else `*`.
/// Returns the key that matched with the names.
pub fn environment_admins<'a>(
    config: &'a Config,
    environment_id: &str,
    environment_group: Option<&str>,
) -> Option<(&'a str, &'a [String])> {
    let admins = &config.environment_admins;
    [Some(environment_id), environment_group, Some("*")]
        .into_iter()
        .flatten()
        .filter(|k| !k.is_empty())
        .find_map(|k| admins.get_key_value(k))
        .map(|(k, v)| (k.as_str(), v.as_slice()))
}

/// The matrix of `level` with the people who hold each role for this resource: its owners as
/// makers, its users as a count, the environment admins and the platform team from `config`.
pub fn named_raci(level: ImpactLevel, input: &Input, config: &Config) -> NamedRaci {
    let roles: Vec<RoleHolders> = Role::ALL.iter().map(|r| holders(*r, input, config)).collect();
    let activities = config
        .raci
        .activities
        .iter()
        .filter_map(|a| {
            let cells = a.at(level)?;
            Some(NamedActivity {
                id: a.id.clone(),
                title: a.title.clone(),
                cells: roles
                    .iter()
                    .map(|h| {
                        let assignment = cells.get(h.role);
                        let who = if assignment == Assignment::None { String::new() } else { h.summary.clone() };
                        NamedCell { role: h.role, assignment, who }
                    })
                    .collect(),
            })
        })
        .collect();
    NamedRaci { level, roles, activities }
}

fn holders(role: Role, input: &Input, config: &Config) -> RoleHolders {
    let names = |list: &[String]| list.iter().map(|n| Holder { name: n.clone(), id: None }).collect::<Vec<_>>();
    let (holders, summary, named) = match role {
        Role::User => {
            let summary = if input.users_30d == 0 && input.shared_with_everyone {
                "everyone in the organisation (no users in the last 30 days)".to_string()
            } else if input.users_30d == 0 {
                "no users in the last 30 days".to_string()
            } else {
                count(input.users_30d, "user", "users")
            };
            (Vec::new(), summary, input.users_30d > 0)
        }
        Role::Maker => {
            let owners: Vec<Holder> =
                input.owners.iter().map(|p| Holder { name: p.display().to_string(), id: Some(p.id.clone()) }).collect();
            if owners.is_empty() {
                (owners, "no owner (orphaned)".to_string(), false)
            } else {
                let summary = owners.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(", ");
                (owners, summary, true)
            }
        }
        Role::EnvironmentAdmin => {
            match environment_admins(config, &input.environment_id, input.environment_group.as_deref()) {
                Some((_, list)) if !list.is_empty() => (names(list), list.join(", "), true),
                _ => (Vec::new(), "no environment admin named (set [environment_admins])".to_string(), false),
            }
        }
        Role::PlatformTeam => {
            let team = &config.platform_team;
            if team.members.is_empty() {
                (Vec::new(), team.name.clone(), false)
            } else {
                (names(&team.members), format!("{}: {}", team.name, team.members.join(", ")), true)
            }
        }
    };
    RoleHolders { role, label: role.label().to_string(), holders, summary, named }
}

// ----- the file format ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRaci {
    activities: Spanned<Vec<RawActivity>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActivity {
    id: Spanned<String>,
    title: Spanned<String>,
    critical: Option<Spanned<RawCells>>,
    high: Option<Spanned<RawCells>>,
    non_critical: Option<Spanned<RawCells>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCells {
    user: Option<Spanned<String>>,
    maker: Option<Spanned<String>>,
    environment_admin: Option<Spanned<String>>,
    platform_team: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlatformTeam {
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) members: Option<Vec<Spanned<String>>>,
}

const SECTION: &str = "raci.activities";

/// Checks the `[raci]` section; `None` when anything is wrong (the problems are in `ctx`).
pub(crate) fn parse(raw: RawRaci, ctx: &mut Ctx) -> Option<RaciMatrix> {
    let before = ctx.problems.len();
    if raw.activities.get_ref().is_empty() {
        ctx.problem(raw.activities.span(), SECTION, "the matrix needs at least one activity");
    }
    let mut ids = HashSet::new();
    let mut activities = Vec::new();
    for a in raw.activities.into_inner() {
        let id = a.id.get_ref().trim().to_string();
        let section = if id.is_empty() { SECTION.to_string() } else { format!("{SECTION} '{id}'") };
        if check_id(&a.id, &section, ctx) && !ids.insert(id.clone()) {
            ctx.problem(
                a.id.span(),
                &section,
                format!("duplicate activity id '{id}'; every activity needs its own id"),
            );
        }
        let id_span = a.id.span();
        let title = text(a.title, "title", &section, ctx);
        if a.critical.is_none() && a.high.is_none() && a.non_critical.is_none() {
            ctx.problem(
                id_span,
                &section,
                "the activity gives no level; give at least one of critical, high, non_critical",
            );
        }
        let level = |level: ImpactLevel, raw: Option<Spanned<RawCells>>, ctx: &mut Ctx| {
            let raw = raw?;
            let span = raw.span();
            let section = format!("{section}, {}", level.as_str());
            let raw = raw.into_inner();
            let mut cells = Cells::default();
            for (role, value) in [
                (Role::User, raw.user),
                (Role::Maker, raw.maker),
                (Role::EnvironmentAdmin, raw.environment_admin),
                (Role::PlatformTeam, raw.platform_team),
            ] {
                let Some(value) = value else { continue };
                match Assignment::parse(value.get_ref()) {
                    Some(a) => match role {
                        Role::User => cells.user = a,
                        Role::Maker => cells.maker = a,
                        Role::EnvironmentAdmin => cells.environment_admin = a,
                        Role::PlatformTeam => cells.platform_team = a,
                    },
                    None => ctx.problem(
                        value.span(),
                        &section,
                        format!("{}: {}", role.as_str(), bad_assignment(value.get_ref())),
                    ),
                }
            }
            for p in cells.problems() {
                ctx.problem(span.clone(), &section, p);
            }
            Some(cells)
        };
        let critical = level(ImpactLevel::Critical, a.critical, ctx);
        let high = level(ImpactLevel::High, a.high, ctx);
        let non_critical = level(ImpactLevel::NonCritical, a.non_critical, ctx);
        activities.push(Activity { id, title, critical, high, non_critical });
    }
    if ctx.grew(before) { None } else { Some(RaciMatrix { activities }) }
}

pub(crate) fn parse_environment_admins(
    raw: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    ctx: &mut Ctx,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (key, list) in raw {
        let span = list.span();
        let key = key.trim().to_string();
        if key.is_empty() {
            ctx.problem(
                span.clone(),
                "environment_admins",
                "an empty key; use an environment id, an environment group or \"*\"",
            );
        }
        let mut names: Vec<String> = Vec::new();
        for n in list.into_inner() {
            let name = text(n, &key, "environment_admins", ctx);
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        out.insert(key, names);
    }
    out
}

pub(crate) fn overlay_platform_team(raw: RawPlatformTeam, team: &mut PlatformTeam, ctx: &mut Ctx) {
    if let Some(name) = raw.name {
        team.name = text(name, "name", "platform_team", ctx);
    }
    if let Some(members) = raw.members {
        let mut names: Vec<String> = Vec::new();
        for m in members {
            let name = text(m, "members", "platform_team", ctx);
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        team.members = names;
    }
}
