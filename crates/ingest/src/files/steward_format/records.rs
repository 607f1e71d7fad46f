//! The records of the Steward import format (version 1), as JSON objects and as CSV rows,
//! and what each becomes in the model. Field names and enum values are the model's own
//! snake_case spellings; `docs/import-format.md` lists them with required and optional.

use crate::IngestError;
use crate::files::cell;
use crate::files::csv_table::{CsvTable, Row, header_key};
use crate::files::problem;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::str::FromStr;
use steward_model::{
    ConnectionReference, ConnectorTier, Environment, EnvironmentType, Owner, Principal, PrincipalKind, Resource,
    ResourceKind, ResourceState, ShareRole, Timestamp, UsageEvent, UsageKind,
};

/// What every record of one import shares.
pub(super) struct Context {
    pub tenant_id: String,
    pub platform: String,
}

const TIMESTAMP_EXPECTED: &str = "an RFC 3339 timestamp like 2026-05-19T13:17:34Z";

fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(d)?;
    cell::rfc3339(&text).ok_or_else(|| de::Error::custom(format!("'{text}' is not {TIMESTAMP_EXPECTED}")))
}

fn optional_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => cell::rfc3339(&text)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("'{text}' is not {TIMESTAMP_EXPECTED}"))),
    }
}

/// A connector a resource uses: its id, or `{"id", "display_name", "tier"}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum ConnectorRef {
    Id(String),
    Full {
        id: String,
        #[serde(default)]
        display_name: Option<String>,
        #[serde(default)]
        tier: Option<ConnectorTier>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EnvironmentRecord {
    id: String,
    display_name: String,
    #[serde(default)]
    environment_type: Option<EnvironmentType>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    managed: Option<bool>,
    #[serde(default)]
    environment_group: Option<String>,
    #[serde(default)]
    business_area: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    modified_at: Option<Timestamp>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    deleted_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrincipalRecord {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    kind: Option<PrincipalKind>,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    job_title: Option<String>,
    #[serde(default)]
    manager_id: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    deleted_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResourceRecord {
    id: String,
    environment_id: String,
    kind: ResourceKind,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    state: Option<ResourceState>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    modified_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    published_at: Option<Timestamp>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    owners: Vec<String>,
    #[serde(default)]
    shared_users: Option<u32>,
    #[serde(default)]
    shared_groups: Option<u32>,
    #[serde(default)]
    shared_with_everyone: Option<bool>,
    #[serde(default)]
    connectors: Vec<ConnectorRef>,
    #[serde(default)]
    solution_id: Option<String>,
    #[serde(default)]
    quarantined: Option<bool>,
    #[serde(default)]
    attributes: Map<String, Value>,
    #[serde(default, deserialize_with = "optional_timestamp")]
    deleted_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UsageRecord {
    id: String,
    #[serde(deserialize_with = "timestamp")]
    occurred_at: Timestamp,
    kind: UsageKind,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    principal_id: Option<String>,
    #[serde(default)]
    principal_upn: Option<String>,
    #[serde(default)]
    resource_id: Option<String>,
    #[serde(default)]
    environment_id: Option<String>,
    #[serde(default)]
    workload: Option<String>,
}

/// One line of a single-file import after the header: `{"resource": {...}}` and so on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Line {
    Environment(EnvironmentRecord),
    Principal(PrincipalRecord),
    Resource(ResourceRecord),
    Usage(UsageRecord),
}

/// An id field: trimmed, and not empty.
fn id(field: &str, value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("field '{field}' is empty; every record needs one"));
    }
    Ok(value.to_string())
}

fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl EnvironmentRecord {
    pub(super) fn into_model(self, ctx: &Context) -> Result<Environment, String> {
        Ok(Environment {
            id: id("id", &self.id)?,
            tenant_id: ctx.tenant_id.clone(),
            platform: ctx.platform.clone(),
            display_name: id("display_name", &self.display_name)?,
            description: optional(self.description),
            environment_type: self.environment_type.unwrap_or(EnvironmentType::Other),
            region: optional(self.region),
            managed: self.managed.unwrap_or(false),
            has_dataverse: false,
            dataverse_url: None,
            environment_group: optional(self.environment_group),
            business_area: optional(self.business_area),
            state: optional(self.state),
            created_at: self.created_at,
            modified_at: self.modified_at,
            created_by: optional(self.created_by),
            capacity: Vec::new(),
            addons: Vec::new(),
            deleted_at: self.deleted_at,
        })
    }
}

impl PrincipalRecord {
    pub(super) fn into_model(self, ctx: &Context) -> Result<Principal, String> {
        let id = id("id", &self.id)?;
        let upn = optional(self.upn);
        Ok(Principal {
            display_name: optional(self.display_name).or_else(|| upn.clone()).unwrap_or_else(|| id.clone()),
            id,
            tenant_id: ctx.tenant_id.clone(),
            kind: self.kind.unwrap_or(PrincipalKind::User),
            upn,
            department: optional(self.department),
            country: optional(self.country),
            job_title: optional(self.job_title),
            manager_id: optional(self.manager_id),
            enabled: self.enabled.unwrap_or(true),
            deleted_at: self.deleted_at,
        })
    }
}

impl ResourceRecord {
    pub(super) fn into_model(self, ctx: &Context) -> Result<Resource, String> {
        let mut owners: Vec<Owner> = Vec::new();
        for owner in &self.owners {
            let principal_id = id("owners", owner)?;
            if !owners.iter().any(|o| o.principal_id == principal_id) {
                owners.push(Owner { principal_id, role: ShareRole::Owner });
            }
        }
        let mut connection_references: Vec<ConnectionReference> = Vec::new();
        for connector in self.connectors {
            let (connector_id, display_name, tier) = match connector {
                ConnectorRef::Id(i) => (i, None, None),
                ConnectorRef::Full { id, display_name, tier } => (id, display_name, tier),
            };
            let connector_id = id("connectors", &connector_id)?;
            if connection_references.iter().any(|r| r.connector_id == connector_id) {
                continue;
            }
            connection_references.push(ConnectionReference {
                display_name: optional(display_name).unwrap_or_else(|| connector_id.clone()),
                connector_id,
                tier: tier.unwrap_or(ConnectorTier::Standard),
            });
        }
        Ok(Resource {
            id: id("id", &self.id)?,
            tenant_id: ctx.tenant_id.clone(),
            environment_id: id("environment_id", &self.environment_id)?,
            platform: ctx.platform.clone(),
            kind: self.kind,
            display_name: id("display_name", &self.display_name)?,
            description: optional(self.description),
            state: self.state.unwrap_or(ResourceState::Unknown),
            created_at: self.created_at,
            modified_at: self.modified_at,
            published_at: self.published_at,
            created_by: optional(self.created_by),
            owners,
            sharing: Vec::new(),
            shared_users: self.shared_users.unwrap_or(0),
            shared_groups: self.shared_groups.unwrap_or(0),
            shared_with_everyone: self.shared_with_everyone.unwrap_or(false),
            connection_references,
            solution_id: optional(self.solution_id),
            quarantined: self.quarantined.unwrap_or(false),
            attributes: self.attributes,
            deleted_at: self.deleted_at,
        })
    }
}

impl UsageRecord {
    pub(super) fn into_model(self, ctx: &Context) -> Result<UsageEvent, String> {
        Ok(UsageEvent {
            id: id("id", &self.id)?,
            tenant_id: ctx.tenant_id.clone(),
            occurred_at: self.occurred_at,
            principal_id: optional(self.principal_id),
            principal_upn: optional(self.principal_upn),
            resource_id: optional(self.resource_id),
            environment_id: optional(self.environment_id),
            operation: optional(self.operation).unwrap_or_else(|| self.kind.as_str().to_string()),
            kind: self.kind,
            workload: optional(self.workload),
        })
    }
}

// ---- CSV ---------------------------------------------------------------------------------

/// The columns of one record type's CSV file: every known field, and which are required.
pub(super) struct CsvColumns {
    by_name: HashMap<&'static str, usize>,
}

pub(super) const ENVIRONMENT_FIELDS: &[(&str, bool)] = &[
    ("id", true),
    ("display_name", true),
    ("environment_type", false),
    ("description", false),
    ("region", false),
    ("managed", false),
    ("environment_group", false),
    ("business_area", false),
    ("state", false),
    ("created_at", false),
    ("modified_at", false),
    ("created_by", false),
    ("deleted_at", false),
];

pub(super) const PRINCIPAL_FIELDS: &[(&str, bool)] = &[
    ("id", true),
    ("display_name", false),
    ("kind", false),
    ("upn", false),
    ("department", false),
    ("country", false),
    ("job_title", false),
    ("manager_id", false),
    ("enabled", false),
    ("deleted_at", false),
];

pub(super) const RESOURCE_FIELDS: &[(&str, bool)] = &[
    ("id", true),
    ("environment_id", true),
    ("kind", true),
    ("display_name", true),
    ("description", false),
    ("state", false),
    ("created_at", false),
    ("modified_at", false),
    ("published_at", false),
    ("created_by", false),
    ("owners", false),
    ("shared_users", false),
    ("shared_groups", false),
    ("shared_with_everyone", false),
    ("connectors", false),
    ("solution_id", false),
    ("quarantined", false),
    ("attributes", false),
    ("deleted_at", false),
];

pub(super) const USAGE_FIELDS: &[(&str, bool)] = &[
    ("id", true),
    ("occurred_at", true),
    ("kind", true),
    ("operation", false),
    ("principal_id", false),
    ("principal_upn", false),
    ("resource_id", false),
    ("environment_id", false),
    ("workload", false),
];

impl CsvColumns {
    /// Match the header of `csv` against `fields`: every column must be a known field (a typo
    /// would otherwise drop data silently) and every required field must be there.
    pub(super) fn find(csv: &CsvTable, fields: &[(&'static str, bool)]) -> Result<Self, IngestError> {
        let mut by_name = HashMap::new();
        for (index, header) in csv.headers().iter().enumerate() {
            if header.is_empty() {
                continue;
            }
            let key = header_key(header);
            let Some((name, _)) = fields.iter().find(|(name, _)| header_key(name) == key) else {
                let known: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                return Err(problem::at(
                    csv.path(),
                    1,
                    index as u64 + 1,
                    format!("unknown column '{header}'; the columns of this file are: {}", known.join(", ")),
                ));
            };
            if by_name.insert(*name, index).is_some() {
                return Err(problem::at(
                    csv.path(),
                    1,
                    index as u64 + 1,
                    format!("column '{header}' appears twice; keep one"),
                ));
            }
        }
        let missing: Vec<&str> = fields
            .iter()
            .filter(|(name, required)| *required && !by_name.contains_key(name))
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(problem::file(
                csv.path(),
                format!("the header lacks the required column(s) {}", missing.join(", ")),
            ));
        }
        Ok(CsvColumns { by_name })
    }

    fn get(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// Reads typed fields of one CSV row.
pub(super) struct CsvRow<'r, 'a> {
    pub row: &'r Row<'a>,
    pub columns: &'r CsvColumns,
}

impl CsvRow<'_, '_> {
    fn text(&self, name: &str) -> Option<String> {
        self.row.text(self.columns.get(name)).map(str::to_string)
    }

    /// A required field; its column exists (checked with the header) but the cell may be blank.
    fn required(&self, name: &str) -> Result<String, IngestError> {
        let column = self.columns.get(name);
        self.text(name).ok_or_else(|| match column {
            Some(index) => self.row.error(index, "is empty; every record needs it"),
            None => self.row.record_error(format!("has no {name}")),
        })
    }

    fn parsed<T: FromStr>(&self, name: &str) -> Result<Option<T>, IngestError>
    where
        T::Err: std::fmt::Display,
    {
        let Some(index) = self.columns.get(name) else { return Ok(None) };
        let Some(text) = self.row.text(Some(index)) else { return Ok(None) };
        T::from_str(text).map(Some).map_err(|e| self.row.error(index, e))
    }

    fn timestamp(&self, name: &str) -> Result<Option<Timestamp>, IngestError> {
        self.row.parsed(self.columns.get(name), cell::rfc3339, TIMESTAMP_EXPECTED)
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, IngestError> {
        self.row.boolean(self.columns.get(name))
    }

    fn count(&self, name: &str) -> Result<Option<u32>, IngestError> {
        self.row.count(self.columns.get(name))
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.text(name).map(|t| cell::list(&t, ';').map(str::to_string).collect()).unwrap_or_default()
    }

    pub(super) fn environment(&self) -> Result<EnvironmentRecord, IngestError> {
        Ok(EnvironmentRecord {
            id: self.required("id")?,
            display_name: self.required("display_name")?,
            environment_type: self.parsed("environment_type")?,
            description: self.text("description"),
            region: self.text("region"),
            managed: self.boolean("managed")?,
            environment_group: self.text("environment_group"),
            business_area: self.text("business_area"),
            state: self.text("state"),
            created_at: self.timestamp("created_at")?,
            modified_at: self.timestamp("modified_at")?,
            created_by: self.text("created_by"),
            deleted_at: self.timestamp("deleted_at")?,
        })
    }

    pub(super) fn principal(&self) -> Result<PrincipalRecord, IngestError> {
        Ok(PrincipalRecord {
            id: self.required("id")?,
            display_name: self.text("display_name"),
            kind: self.parsed("kind")?,
            upn: self.text("upn"),
            department: self.text("department"),
            country: self.text("country"),
            job_title: self.text("job_title"),
            manager_id: self.text("manager_id"),
            enabled: self.boolean("enabled")?,
            deleted_at: self.timestamp("deleted_at")?,
        })
    }

    /// `id`, or `id:tier` when the text after the last `:` is a tier.
    fn connector(entry: &str) -> ConnectorRef {
        if let Some((id, tier)) = entry.rsplit_once(':')
            && let Ok(tier) = ConnectorTier::from_str(tier.trim())
        {
            return ConnectorRef::Full { id: id.trim().to_string(), display_name: None, tier: Some(tier) };
        }
        ConnectorRef::Id(entry.to_string())
    }

    fn attributes(&self) -> Result<Map<String, Value>, IngestError> {
        let Some(index) = self.columns.get("attributes") else { return Ok(Map::new()) };
        let Some(text) = self.row.text(Some(index)) else { return Ok(Map::new()) };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(self.row.error(index, "must be a JSON object like {\"type\": \"process_model\"}")),
            Err(e) => Err(self.row.error(index, format!("{} at character {}", problem::json_problem(&e), e.column()))),
        }
    }

    pub(super) fn resource(&self) -> Result<ResourceRecord, IngestError> {
        Ok(ResourceRecord {
            id: self.required("id")?,
            environment_id: self.required("environment_id")?,
            kind: self.parsed("kind")?.ok_or_else(|| self.missing("kind"))?,
            display_name: self.required("display_name")?,
            description: self.text("description"),
            state: self.parsed("state")?,
            created_at: self.timestamp("created_at")?,
            modified_at: self.timestamp("modified_at")?,
            published_at: self.timestamp("published_at")?,
            created_by: self.text("created_by"),
            owners: self.list("owners"),
            shared_users: self.count("shared_users")?,
            shared_groups: self.count("shared_groups")?,
            shared_with_everyone: self.boolean("shared_with_everyone")?,
            connectors: self.list("connectors").iter().map(|c| Self::connector(c)).collect(),
            solution_id: self.text("solution_id"),
            quarantined: self.boolean("quarantined")?,
            attributes: self.attributes()?,
            deleted_at: self.timestamp("deleted_at")?,
        })
    }

    pub(super) fn usage(&self) -> Result<UsageRecord, IngestError> {
        Ok(UsageRecord {
            id: self.required("id")?,
            occurred_at: self.timestamp("occurred_at")?.ok_or_else(|| self.missing("occurred_at"))?,
            kind: self.parsed("kind")?.ok_or_else(|| self.missing("kind"))?,
            operation: self.text("operation"),
            principal_id: self.text("principal_id"),
            principal_upn: self.text("principal_upn"),
            resource_id: self.text("resource_id"),
            environment_id: self.text("environment_id"),
            workload: self.text("workload"),
        })
    }

    fn missing(&self, name: &str) -> IngestError {
        match self.columns.get(name) {
            Some(index) => self.row.error(index, "is empty; every record needs it"),
            None => self.row.record_error(format!("has no {name}")),
        }
    }
}
