//! Closed sets of values, each with one snake_case spelling shared by JSON, SQL and the CLI.

/// Declares a string-backed enum: serde, `FromStr`, `Display`, `as_str` and `ALL`. Exported so
/// that every crate's closed sets (policy levels, violation states, campaign states…) spell and
/// parse their values the same way, with the same error.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case spelling used everywhere outside Rust.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::UnknownValue {
                        what: $what,
                        value: s.to_string(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

string_enum!(
    /// What an environment is for. Power Platform calls this the environment SKU.
    EnvironmentType, "environment type" {
        Default => "default",
        Production => "production",
        Sandbox => "sandbox",
        Trial => "trial",
        Developer => "developer",
        Teams => "teams",
        Other => "other",
    }
);

string_enum!(
    /// Every kind of low-code artefact Steward inventories.
    ResourceKind, "resource kind" {
        CanvasApp => "canvas_app",
        ModelDrivenApp => "model_driven_app",
        CodeApp => "code_app",
        CloudFlow => "cloud_flow",
        DesktopFlow => "desktop_flow",
        AgentFlow => "agent_flow",
        Agent => "agent",
        CustomConnector => "custom_connector",
        AiModel => "ai_model",
        PowerPagesSite => "power_pages_site",
        Solution => "solution",
    }
);

impl ResourceKind {
    /// Apps of any flavour (used by usage rules that count launches).
    pub fn is_app(self) -> bool {
        matches!(self, ResourceKind::CanvasApp | ResourceKind::ModelDrivenApp | ResourceKind::CodeApp)
    }

    /// Flows of any flavour (used by usage rules that count runs).
    pub fn is_flow(self) -> bool {
        matches!(self, ResourceKind::CloudFlow | ResourceKind::DesktopFlow | ResourceKind::AgentFlow)
    }

    /// A human label for pages and reports.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::CanvasApp => "Canvas app",
            ResourceKind::ModelDrivenApp => "Model-driven app",
            ResourceKind::CodeApp => "Code app",
            ResourceKind::CloudFlow => "Cloud flow",
            ResourceKind::DesktopFlow => "Desktop flow",
            ResourceKind::AgentFlow => "Agent flow",
            ResourceKind::Agent => "Agent",
            ResourceKind::CustomConnector => "Custom connector",
            ResourceKind::AiModel => "AI model",
            ResourceKind::PowerPagesSite => "Power Pages site",
            ResourceKind::Solution => "Solution",
        }
    }
}

string_enum!(
    /// Licensing tier of a connector; premium and custom connectors need premium licences.
    ConnectorTier, "connector tier" {
        Standard => "standard",
        Premium => "premium",
        Custom => "custom",
    }
);

string_enum!(
    /// Lifecycle state of a resource as the platform reports it.
    ResourceState, "resource state" {
        /// Published app, started flow, published agent.
        Active => "active",
        /// App never published, agent never published.
        Draft => "draft",
        /// Flow turned off by its owner.
        Stopped => "stopped",
        /// Flow suspended by the platform (licence, DLP, errors).
        Suspended => "suspended",
        /// Anything else the platform reports.
        Unknown => "unknown",
    }
);

string_enum!(
    /// The three business-impact classes of the ALM maturity model; also the criticality scale.
    ImpactLevel, "impact level" {
        /// Initial response under 60 minutes, 24x7.
        Critical => "critical",
        /// Initial response 1 hour, 4 hours or next day; business hours with 24x7 available.
        High => "high",
        /// Initial response 4 to 8 hours, business hours.
        NonCritical => "non_critical",
    }
);

string_enum!(
    /// Support risk profile from the support-strategy maturity model (level 300).
    SupportTier, "support tier" {
        ItSupported => "it_supported",
        ItBlessed => "it_blessed",
        MakerSupported => "maker_supported",
    }
);

string_enum!(
    /// Application maturity lifecycle used by the catalog and promotion campaigns.
    LifecycleStage, "lifecycle stage" {
        Idea => "idea",
        Prototype => "prototype",
        Pilot => "pilot",
        Production => "production",
        Retired => "retired",
    }
);

impl LifecycleStage {
    /// The stage after this one on the way to production; `None` from production and retired
    /// (retiring is not a promotion). Catalog moves and promotion campaigns share it.
    pub fn next(self) -> Option<LifecycleStage> {
        match self {
            LifecycleStage::Idea => Some(LifecycleStage::Prototype),
            LifecycleStage::Prototype => Some(LifecycleStage::Pilot),
            LifecycleStage::Pilot => Some(LifecycleStage::Production),
            LifecycleStage::Production | LifecycleStage::Retired => None,
        }
    }
}

string_enum!(
    /// Where a resource stands in the catalog publication workflow.
    CatalogState, "catalog state" {
        NotListed => "not_listed",
        Proposed => "proposed",
        Listed => "listed",
        Rejected => "rejected",
        Delisted => "delisted",
    }
);

string_enum!(
    /// Kinds of directory principal.
    PrincipalKind, "principal kind" {
        User => "user",
        Group => "group",
        ServicePrincipal => "service_principal",
    }
);

string_enum!(
    /// Who a resource is shared with.
    ShareTarget, "share target" {
        User => "user",
        Group => "group",
        /// Shared with the whole tenant ("Everyone").
        Everyone => "everyone",
    }
);

string_enum!(
    /// The permission a share or ownership grants.
    ShareRole, "share role" {
        Owner => "owner",
        CanEdit => "can_edit",
        CanView => "can_view",
    }
);

string_enum!(
    /// Normalised meaning of a usage event, whatever the platform's operation name.
    UsageKind, "usage kind" {
        /// An app was opened.
        Launch => "launch",
        /// A flow ran.
        Run => "run",
        /// An agent conversation.
        Session => "session",
        Create => "create",
        Edit => "edit",
        Publish => "publish",
        Delete => "delete",
        Share => "share",
        /// An operation Steward keeps but does not interpret.
        Other => "other",
    }
);

impl UsageKind {
    /// Whether the event is someone using the resource (as opposed to building or administering it).
    pub fn is_use(self) -> bool {
        matches!(self, UsageKind::Launch | UsageKind::Run | UsageKind::Session)
    }
}

string_enum!(
    /// What a usage rollup row counts over: one resource, everything in an environment, every
    /// resource a maker owns, or the whole tenant.
    UsageScope, "usage scope" {
        Resource => "resource",
        Environment => "environment",
        Maker => "maker",
        Tenant => "tenant",
    }
);

string_enum!(
    /// The length of a rollup period. Weeks start on Monday (ISO weeks); months on the 1st.
    UsagePeriod, "usage period" {
        Day => "day",
        Week => "week",
        Month => "month",
    }
);

string_enum!(
    /// Which events a rollup row counts: people using resources, or makers building them
    /// (create, edit, publish, share).
    UsageMetric, "usage metric" {
        Use => "use",
        Make => "make",
    }
);

impl UsageKind {
    /// Whether the event is a maker building or changing a resource (counts towards active makers).
    pub fn is_make(self) -> bool {
        matches!(self, UsageKind::Create | UsageKind::Edit | UsageKind::Publish | UsageKind::Share)
    }

    /// The rollup metric the event counts towards, if any.
    pub fn metric(self) -> Option<UsageMetric> {
        if self.is_use() {
            Some(UsageMetric::Use)
        } else if self.is_make() {
            Some(UsageMetric::Make)
        } else {
            None
        }
    }
}

impl UsagePeriod {
    /// The first day of the period that contains `day`.
    pub fn start_of(self, day: chrono::NaiveDate) -> chrono::NaiveDate {
        use chrono::Datelike;
        match self {
            UsagePeriod::Day => day,
            UsagePeriod::Week => day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday())),
            UsagePeriod::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

string_enum!(
    /// How a data (DLP) policy selects environments.
    PolicyEnvironmentScope, "policy environment scope" {
        AllEnvironments => "all_environments",
        ExceptEnvironments => "except_environments",
        OnlyEnvironments => "only_environments",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn every_kind_round_trips_through_its_spelling() {
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_str(kind.as_str()), Ok(*kind));
            let json = serde_json::to_string(kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn unknown_value_names_what_was_expected() {
        let err = ResourceKind::from_str("spreadsheet").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("spreadsheet"), "{text}");
        assert!(text.contains("canvas_app"), "{text}");
    }
}
