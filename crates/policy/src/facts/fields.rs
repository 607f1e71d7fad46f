//! The fact schema: every field a condition can name, its type, its documentation and how to
//! read it from a row. One table serves the compiler (names and getters), the evidence recorder
//! and the documentation (`steward policy fields`).

use super::{Ctx, Subject};
use std::sync::LazyLock;

/// The CEL type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Bool,
    Int,
    String,
    StringList,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Bool => "bool",
            FieldType::Int => "int",
            FieldType::String => "string",
            FieldType::StringList => "list(string)",
        }
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field of the schema, for documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// `resource`, `usage`, `environment` or `owner`.
    pub variable: &'static str,
    pub name: &'static str,
    /// `variable.name`, spelled out in the schema table: evidence names facts by it.
    pub path: &'static str,
    pub ty: FieldType,
    pub doc: &'static str,
}

impl FieldInfo {
    /// `resource.age_days`.
    pub fn path(&self) -> &'static str {
        self.path
    }
}

/// How to read a field from a context.
#[derive(Clone, Copy)]
pub(crate) enum Get {
    Bool(fn(Ctx<'_>) -> bool),
    Int(fn(Ctx<'_>) -> i64),
    Str(for<'a> fn(Ctx<'a>) -> &'a str),
    /// A string from a closed set: the getter returns the index of its spelling.
    Enum(fn(Ctx<'_>) -> u8, &'static [&'static str]),
    List(for<'a> fn(Ctx<'a>) -> &'a [std::sync::Arc<str>]),
}

pub(crate) struct FieldDef {
    pub info: FieldInfo,
    pub get: Get,
}

impl FieldDef {
    /// The value as JSON, for evidence.
    pub fn json(&self, c: Ctx<'_>) -> serde_json::Value {
        use serde_json::Value;
        match self.get {
            Get::Bool(g) => Value::Bool(g(c)),
            Get::Int(g) => Value::from(g(c)),
            Get::Str(g) => Value::from(g(c)),
            Get::Enum(g, values) => Value::from(values.get(usize::from(g(c))).copied().unwrap_or("")),
            Get::List(g) => Value::Array(g(c).iter().map(|s| Value::from(&**s)).collect()),
        }
    }
}

/// Spellings of [`steward_model::ResourceKind`] in declaration order (checked by a test).
pub(crate) const KINDS: &[&str] = &[
    "canvas_app",
    "model_driven_app",
    "code_app",
    "cloud_flow",
    "desktop_flow",
    "agent_flow",
    "agent",
    "custom_connector",
    "ai_model",
    "power_pages_site",
    "solution",
];
pub(crate) const STATES: &[&str] = &["active", "draft", "stopped", "suspended", "unknown"];
/// Index 0 is "none declared".
pub(crate) const IMPACTS: &[&str] = &["", "critical", "high", "non_critical"];
pub(crate) const TIERS: &[&str] = &["", "it_supported", "it_blessed", "maker_supported"];
pub(crate) const STAGES: &[&str] = &["", "idea", "prototype", "pilot", "production", "retired"];
pub(crate) const ENV_TYPES: &[&str] = &["default", "production", "sandbox", "trial", "developer", "teams", "other"];

fn opt<T: Copy>(v: Option<T>, index: fn(T) -> u8) -> u8 {
    v.map_or(0, |v| index(v) + 1)
}

macro_rules! f {
    ($var:literal, $name:literal, $ty:ident, $doc:literal, $get:expr) => {
        FieldDef {
            info: FieldInfo {
                variable: $var,
                name: $name,
                path: concat!($var, ".", $name),
                ty: FieldType::$ty,
                doc: $doc,
            },
            get: $get,
        }
    };
}

fn n(v: u32) -> i64 {
    i64::from(v)
}

fn big(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) static RESOURCE: &[FieldDef] = &[
    f!("resource", "id", String, "Platform id.", Get::Str(|c| &c.r.id)),
    f!("resource", "name", String, "Display name.", Get::Str(|c| &c.r.name)),
    f!("resource", "description", String, "Description; \"\" when none.", Get::Str(|c| &c.r.description)),
    f!(
        "resource",
        "kind",
        String,
        "canvas_app, model_driven_app, code_app, cloud_flow, desktop_flow, agent_flow, agent, custom_connector, ai_model, power_pages_site, solution.",
        Get::Enum(|c| c.r.kind as u8, KINDS)
    ),
    f!("resource", "platform", String, "Platform the resource lives on (powerplatform).", Get::Str(|c| &c.r.platform)),
    f!(
        "resource",
        "state",
        String,
        "active, draft, stopped, suspended, unknown.",
        Get::Enum(|c| c.r.state as u8, STATES)
    ),
    f!("resource", "is_app", Bool, "Canvas, model-driven or code app.", Get::Bool(|c| c.r.kind.is_app())),
    f!("resource", "is_flow", Bool, "Cloud, desktop or agent flow.", Get::Bool(|c| c.r.kind.is_flow())),
    f!(
        "resource",
        "is_agent",
        Bool,
        "Copilot Studio agent.",
        Get::Bool(|c| c.r.kind == steward_model::ResourceKind::Agent)
    ),
    f!("resource", "environment_id", String, "Id of the resource's environment.", Get::Str(|c| &c.r.environment.id)),
    f!("resource", "in_solution", Bool, "Part of a solution.", Get::Bool(|c| c.r.in_solution)),
    f!("resource", "quarantined", Bool, "Quarantined by an administrator.", Get::Bool(|c| c.r.quarantined)),
    f!("resource", "owner_count", Int, "Owners listed.", Get::Int(|c| n(c.r.owner_count))),
    f!(
        "resource",
        "orphaned",
        Bool,
        "No owner who is an enabled, not deleted principal (leavers' resources).",
        Get::Bool(|c| c.r.orphaned)
    ),
    f!(
        "resource",
        "shared_users",
        Int,
        "Users it is shared with, as the platform counts them.",
        Get::Int(|c| n(c.r.shared_users))
    ),
    f!("resource", "shared_groups", Int, "Groups it is shared with.", Get::Int(|c| n(c.r.shared_groups))),
    f!(
        "resource",
        "shared_with_everyone",
        Bool,
        "Shared with the whole tenant.",
        Get::Bool(|c| c.r.shared_with_everyone)
    ),
    f!(
        "resource",
        "connectors",
        StringList,
        "Connector ids used, sorted (e.g. shared_sharepointonline).",
        Get::List(|c| &c.r.connectors)
    ),
    f!(
        "resource",
        "premium_connectors",
        Int,
        "Premium or custom connection references.",
        Get::Int(|c| n(c.r.premium_connectors))
    ),
    f!("resource", "uses_custom_connector", Bool, "Uses a custom connector.", Get::Bool(|c| c.r.uses_custom_connector)),
    f!(
        "resource",
        "http_actions",
        Int,
        "HTTP actions in a flow's definition (attribute httpActionCount; 0 when unknown).",
        Get::Int(|c| n(c.r.http_actions))
    ),
    f!(
        "resource",
        "cross_tenant",
        Bool,
        "The data shows a connection to another tenant (attribute crossTenant).",
        Get::Bool(|c| c.r.cross_tenant)
    ),
    f!("resource", "age_days", Int, "Days since created (0 when unknown).", Get::Int(|c| n(c.r.age_days))),
    f!(
        "resource",
        "days_since_modified",
        Int,
        "Days since modified (the age when unknown).",
        Get::Int(|c| n(c.r.days_since_modified))
    ),
    f!(
        "resource",
        "days_since_published",
        Int,
        "Days since last published (days_since_modified when unknown).",
        Get::Int(|c| n(c.r.days_since_published))
    ),
    f!("resource", "never_modified", Bool, "Modified within a day of its creation.", Get::Bool(|c| c.r.never_modified)),
    f!(
        "resource",
        "name_looks_like_test",
        Bool,
        "The name has a word test, demo, copy, poc, sample, tmp, temp, trial or sandbox.",
        Get::Bool(|c| c.r.name_looks_like_test)
    ),
    f!(
        "resource",
        "business_impact",
        String,
        "Declared: critical, high, non_critical; \"\" when none.",
        Get::Enum(|c| opt(c.r.business_impact, |v| v as u8), IMPACTS)
    ),
    f!(
        "resource",
        "criticality",
        String,
        "Computed level: critical, high, non_critical; \"\" when not computed.",
        Get::Enum(|c| opt(c.r.criticality, |v| v as u8), IMPACTS)
    ),
    f!(
        "resource",
        "justification",
        String,
        "Declared business justification; \"\" when none.",
        Get::Str(|c| &c.r.justification)
    ),
    f!(
        "resource",
        "mitigation_plan",
        String,
        "Declared mitigation plan; \"\" when none.",
        Get::Str(|c| &c.r.mitigation_plan)
    ),
    f!(
        "resource",
        "support_tier",
        String,
        "it_supported, it_blessed, maker_supported; \"\" when none.",
        Get::Enum(|c| opt(c.r.support_tier, |v| v as u8), TIERS)
    ),
    f!(
        "resource",
        "lifecycle_stage",
        String,
        "idea, prototype, pilot, production, retired; \"\" when none.",
        Get::Enum(|c| opt(c.r.lifecycle_stage, |v| v as u8), STAGES)
    ),
    f!(
        "resource",
        "archive_score",
        Int,
        "CoE Starter Kit archive score: apps out of 6, flows out of 7, other kinds 0.",
        Get::Int(|c| i64::from(c.r.archive_score))
    ),
];

pub(crate) static USAGE: &[FieldDef] = &[
    f!("usage", "uses_7d", Int, "Launches, runs or sessions in the last 7 days.", Get::Int(|c| big(c.r.usage.uses_7d))),
    f!("usage", "uses_30d", Int, "Uses in the last 30 days.", Get::Int(|c| big(c.r.usage.uses_30d))),
    f!("usage", "uses_90d", Int, "Uses in the last 90 days.", Get::Int(|c| big(c.r.usage.uses_90d))),
    f!("usage", "users_30d", Int, "Unique users in the last 30 days.", Get::Int(|c| n(c.r.usage.users_30d))),
    f!("usage", "users_90d", Int, "Unique users in the last 90 days.", Get::Int(|c| n(c.r.usage.users_90d))),
    f!(
        "usage",
        "days_since_last_use",
        Int,
        "Days since the last use; age_days when never used.",
        Get::Int(|c| n(c.r.usage.days_since_last_use))
    ),
    f!("usage", "never_used", Bool, "No use ever recorded.", Get::Bool(|c| c.r.usage.never_used)),
];

pub(crate) static ENVIRONMENT: &[FieldDef] = &[
    f!("environment", "id", String, "Platform id.", Get::Str(|c| &c.e.id)),
    f!("environment", "name", String, "Display name.", Get::Str(|c| &c.e.name)),
    f!(
        "environment",
        "type",
        String,
        "default, production, sandbox, trial, developer, teams, other.",
        Get::Enum(|c| c.e.environment_type as u8, ENV_TYPES)
    ),
    f!("environment", "is_default", Bool, "The tenant's default environment.", Get::Bool(|c| c.e.is_default())),
    f!("environment", "managed", Bool, "Managed Environment.", Get::Bool(|c| c.e.managed)),
    f!("environment", "has_dataverse", Bool, "Has a Dataverse database.", Get::Bool(|c| c.e.has_dataverse)),
    f!("environment", "has_dlp", Bool, "Covered by at least one data (DLP) policy.", Get::Bool(|c| c.e.has_dlp)),
    f!("environment", "group", String, "Environment group; \"\" when none.", Get::Str(|c| &c.e.group)),
    f!("environment", "business_area", String, "Business area; \"\" when none.", Get::Str(|c| &c.e.business_area)),
    f!("environment", "age_days", Int, "Days since created (0 when unknown).", Get::Int(|c| n(c.e.age_days))),
    f!("environment", "resource_count", Int, "Live resources in it.", Get::Int(|c| n(c.e.resource_count))),
    f!("environment", "app_count", Int, "Live apps in it.", Get::Int(|c| n(c.e.app_count))),
    f!("environment", "flow_count", Int, "Live flows in it.", Get::Int(|c| n(c.e.flow_count))),
    f!("environment", "agent_count", Int, "Live agents in it.", Get::Int(|c| n(c.e.agent_count))),
    f!(
        "environment",
        "premium_resource_count",
        Int,
        "Resources using premium or custom connectors.",
        Get::Int(|c| n(c.e.premium_resource_count))
    ),
    f!(
        "environment",
        "shared_resource_count",
        Int,
        "Resources shared with everyone or with more than 20 users.",
        Get::Int(|c| n(c.e.shared_resource_count))
    ),
    f!(
        "environment",
        "maker_count",
        Int,
        "Distinct creators and owners of its resources.",
        Get::Int(|c| n(c.e.maker_count))
    ),
];

pub(crate) static OWNER: &[FieldDef] = &[
    f!("owner", "id", String, "Principal id of the primary owner; \"\" when none.", Get::Str(|c| &c.o.id)),
    f!("owner", "upn", String, "User principal name.", Get::Str(|c| &c.o.upn)),
    f!("owner", "display_name", String, "Display name.", Get::Str(|c| &c.o.display_name)),
    f!("owner", "department", String, "Department.", Get::Str(|c| &c.o.department)),
    f!("owner", "enabled", Bool, "Account enabled in the directory.", Get::Bool(|c| c.o.enabled)),
    f!("owner", "leaver", Bool, "Disabled or gone from the directory.", Get::Bool(|c| c.o.leaver)),
    f!("owner", "manager_id", String, "Principal id of the owner's manager.", Get::Str(|c| &c.o.manager_id)),
];

/// The variables a subject's conditions see, in documentation order (`params` aside).
pub(crate) fn variables(subject: Subject) -> &'static [(&'static str, &'static [FieldDef])] {
    static RESOURCE_VARS: [(&str, &[FieldDef]); 4] =
        [("resource", RESOURCE), ("usage", USAGE), ("environment", ENVIRONMENT), ("owner", OWNER)];
    static ENVIRONMENT_VARS: [(&str, &[FieldDef]); 1] = [("environment", ENVIRONMENT)];
    match subject {
        Subject::Resource => &RESOURCE_VARS,
        Subject::Environment => &ENVIRONMENT_VARS,
    }
}

/// Every field a subject's conditions can read (`params` aside), in documentation order.
pub fn schema(subject: Subject) -> &'static [FieldInfo] {
    fn collect(subject: Subject) -> Vec<FieldInfo> {
        variables(subject).iter().flat_map(|(_, defs)| defs.iter().map(|d| d.info)).collect()
    }
    static RESOURCE_SCHEMA: LazyLock<Vec<FieldInfo>> = LazyLock::new(|| collect(Subject::Resource));
    static ENVIRONMENT_SCHEMA: LazyLock<Vec<FieldInfo>> = LazyLock::new(|| collect(Subject::Environment));
    match subject {
        Subject::Resource => &RESOURCE_SCHEMA,
        Subject::Environment => &ENVIRONMENT_SCHEMA,
    }
}

/// The schema as Markdown tables, one per variable (for docs/policies.md and
/// `steward policy fields --format markdown`).
pub fn schema_markdown(subject: Subject) -> String {
    let mut out = String::new();
    for (variable, defs) in variables(subject) {
        out.push_str(&format!("`{variable}`\n\n| field | type | meaning |\n|---|---|---|\n"));
        for d in defs.iter() {
            out.push_str(&format!("| {} | {} | {} |\n", d.info.name, d.info.ty, d.info.doc.replace('|', "\\|")));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_model::{EnvironmentType, ImpactLevel, LifecycleStage, ResourceKind, ResourceState, SupportTier};

    #[test]
    fn spelling_tables_follow_the_model_enums() {
        let kinds: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, KINDS);
        for k in ResourceKind::ALL {
            assert_eq!(KINDS[*k as usize], k.as_str());
        }
        for s in ResourceState::ALL {
            assert_eq!(STATES[*s as usize], s.as_str());
        }
        for t in EnvironmentType::ALL {
            assert_eq!(ENV_TYPES[*t as usize], t.as_str());
        }
        for i in ImpactLevel::ALL {
            assert_eq!(IMPACTS[*i as usize + 1], i.as_str());
        }
        for t in SupportTier::ALL {
            assert_eq!(TIERS[*t as usize + 1], t.as_str());
        }
        for s in LifecycleStage::ALL {
            assert_eq!(STAGES[*s as usize + 1], s.as_str());
        }
        assert_eq!(STATES.len(), ResourceState::ALL.len());
        assert_eq!(ENV_TYPES.len(), EnvironmentType::ALL.len());
        assert_eq!(IMPACTS.len(), ImpactLevel::ALL.len() + 1);
        assert_eq!(TIERS.len(), SupportTier::ALL.len() + 1);
        assert_eq!(STAGES.len(), LifecycleStage::ALL.len() + 1);
    }

    #[test]
    fn schema_lists_the_contract_fields_once() {
        let resource = schema(Subject::Resource);
        let mut paths: Vec<&str> = resource.iter().map(|f| f.path()).collect();
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n, "duplicate field");
        for p in [
            "resource.archive_score",
            "resource.http_actions",
            "usage.days_since_last_use",
            "environment.has_dlp",
            "environment.maker_count",
            "owner.leaver",
            "owner.manager_id",
        ] {
            assert!(paths.contains(&p), "{p}");
        }
        let env = schema(Subject::Environment);
        assert!(env.iter().all(|f| f.variable == "environment"));
        assert_eq!(env.len(), ENVIRONMENT.len());
        assert!(resource.iter().all(|f| !f.doc.is_empty()));
        let md = schema_markdown(Subject::Resource);
        assert!(md.contains("`owner`") && md.contains("| archive_score | int |"), "{md}");
        assert_eq!(md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| field")).count(), resource.len());
    }
}
