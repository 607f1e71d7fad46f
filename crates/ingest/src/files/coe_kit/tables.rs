//! The column mapping of each CoE Starter Kit table: which columns are read, under which
//! names, and what they become. Names come from the kit's solution (the columns its sync
//! flows write); `docs/import-format.md` has the same mapping as tables.

use super::{Index, ParsedEnvironment};
use crate::files::cell;
use crate::files::csv_table::{CsvTable, Row};
use crate::files::pipeline::{Sink, Stop};
use crate::powerplatform::normalize;
use crate::{IngestError, files::problem};
use serde_json::{Map, Value};
use steward_model::{
    ConnectionReference, Connector, ConnectorTier, Environment, Owner, POWER_PLATFORM, Principal, PrincipalKind,
    Resource, ResourceKind, ResourceState, ShareRole, Timestamp, UsageEvent,
};

/// The column with any of the logical `names`, or with the same name without the `admin_`
/// publisher prefix (how display names read once spaces are dropped: `App Created On`).
fn find(csv: &CsvTable, names: &[&str]) -> Option<usize> {
    csv.column(names).or_else(|| {
        let bare: Vec<&str> = names.iter().map(|n| n.strip_prefix("admin_").unwrap_or(n)).collect();
        csv.column(&bare)
    })
}

/// Like [`find`], for a column the table cannot be read without.
fn require(csv: &CsvTable, names: &[&str]) -> Result<usize, IngestError> {
    find(csv, names).ok_or_else(|| {
        problem::file(
            csv.path(),
            format!(
                "has no {} column (its columns are: {}); export the table with that column",
                names.join(" or "),
                csv.headers().join(", ")
            ),
        )
    })
}

/// `deleted_at` of a row the kit may have marked deleted: the deletion date, else the last
/// modification (the kit stamps it when it marks the row).
fn deleted_at(
    row: &Row<'_>,
    deleted: Option<usize>,
    deleted_on: Option<usize>,
    modified: Option<usize>,
    deleted_on_name: &str,
) -> Result<Option<Timestamp>, IngestError> {
    if row.boolean(deleted)? != Some(true) {
        return Ok(None);
    }
    match row.timestamp(deleted_on)?.or(row.timestamp(modified)?) {
        Some(at) => Ok(Some(at)),
        None => Err(row.record_error(format!(
            "is marked deleted but has no date; export the {deleted_on_name} column (or the modified-on column) too"
        ))),
    }
}

fn put(attributes: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        attributes.insert(key.to_string(), v.into());
    }
}

fn lower(text: Option<&str>) -> Option<String> {
    text.map(str::to_ascii_lowercase)
}

// ---- admin_environment ---------------------------------------------------------------------

pub(super) fn environments(sink: &mut Sink, csv: &mut CsvTable) -> Result<Vec<ParsedEnvironment>, IngestError> {
    let id = require(csv, &["admin_environmentid"])?;
    let name = find(csv, &["admin_environmentname"]);
    let display_name = find(csv, &["admin_displayname"]);
    let sku = find(csv, &["admin_environmentsku"]);
    let region = find(csv, &["admin_region", "admin_environmentregion"]);
    let cds_url = find(csv, &["admin_environmentcdsinstanceurl"]);
    let has_cds = find(csv, &["admin_hascds"]);
    let created = find(csv, &["admin_environmentcreatedon"]);
    let modified = find(csv, &["admin_environmentmodifiedon"]);
    let deleted = find(csv, &["admin_environmentdeleted"]);
    let deleted_on = find(csv, &["admin_environmentdeletedon"]);
    let maker = find(csv, &["admin_maker"]);
    let purpose = find(csv, &["admin_environmentpurposetext"]);
    let runtime_state = find(csv, &["admin_environmentruntimestate"]);
    let protection = find(csv, &["admin_governanceprotectionlevel"]);
    let tenant = find(csv, &["admin_tenantid"]);

    let mut parsed = Vec::new();
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let Some(row_id) = row.text(Some(id)) else {
            return Err(row.error(id, "is empty; every environment row needs its admin_environmentid"));
        };
        let row_id = row_id.to_ascii_lowercase();
        let sku_text = row.text(sku);
        let environment_type = normalize::environment_type(sku_text, false);
        // The kit keys rows by the GUID alone; the APIs (and Steward) name the default
        // environment `Default-{tenant}`, which the kit keeps in admin_environmentname.
        let steward_id = match row.text(name) {
            Some(n) => normalize::environment_id(n),
            None if environment_type == steward_model::EnvironmentType::Default => format!("default-{row_id}"),
            None => row_id.clone(),
        };
        let cds_url_text = row.text(cds_url).map(str::to_string);
        let has_dataverse = row.boolean(has_cds)?.unwrap_or(cds_url_text.is_some());
        let environment = Environment {
            id: steward_id.clone(),
            tenant_id: String::new(),
            platform: POWER_PLATFORM.to_string(),
            display_name: row.text(display_name).unwrap_or(&steward_id).to_string(),
            description: row.text(purpose).map(str::to_string),
            environment_type,
            region: row.text(region).map(str::to_string),
            managed: row.text(protection).is_some_and(|p| p.eq_ignore_ascii_case("Standard")),
            has_dataverse,
            dataverse_url: cds_url_text,
            environment_group: None,
            business_area: None,
            state: row.text(runtime_state).map(str::to_string),
            created_at: row.timestamp(created)?,
            modified_at: row.timestamp(modified)?,
            created_by: row.text(maker).and_then(cell::guid),
            capacity: Vec::new(),
            addons: Vec::new(),
            deleted_at: deleted_at(&row, deleted, deleted_on, modified, "admin_environmentdeletedon")?,
        };
        let tenant = row.text(tenant).map(str::to_ascii_lowercase);
        parsed.push(ParsedEnvironment { row_id, tenant, environment });
    }
    Ok(parsed)
}

// ---- admin_connector -----------------------------------------------------------------------

/// `admin_tier` and `admin_iscustomapi` → tier; custom wins, as in the live normalisation.
fn connector_tier(tier: Option<&str>, custom: bool) -> ConnectorTier {
    if custom {
        ConnectorTier::Custom
    } else if tier.is_some_and(|t| t.eq_ignore_ascii_case("Premium")) {
        ConnectorTier::Premium
    } else {
        ConnectorTier::Standard
    }
}

pub(super) fn connectors(sink: &mut Sink, csv: &mut CsvTable, tenant: &str, index: &mut Index) -> Result<(), Stop> {
    let name = find(csv, &["admin_name"]);
    let api_id = find(csv, &["admin_id"]);
    if name.is_none() && api_id.is_none() {
        require(csv, &["admin_name", "admin_id"])?;
    }
    let display_name = find(csv, &["admin_displayname"]);
    let tier = find(csv, &["admin_tier"]);
    let custom = find(csv, &["admin_iscustomapi"]);
    let publisher = find(csv, &["admin_publisher"]);
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let Some(raw_id) = row.text(name).or(row.text(api_id)) else {
            return Err(row.record_error("has neither admin_name nor admin_id; every connector row needs one").into());
        };
        let id = normalize::connector_id(raw_id);
        let display = row.text(display_name).unwrap_or(&id).to_string();
        let tier = connector_tier(row.text(tier), row.boolean(custom)?.unwrap_or(false));
        for key in [Some(id.clone()), row.text(api_id).map(str::to_lowercase), Some(display.to_lowercase())]
            .into_iter()
            .flatten()
        {
            index.connectors.entry(key).or_insert_with(|| (id.clone(), display.clone(), tier));
        }
        sink.connector(Connector {
            id,
            tenant_id: tenant.to_string(),
            platform: POWER_PLATFORM.to_string(),
            display_name: display,
            tier,
            publisher: row.text(publisher).map(str::to_string),
            environment_id: None,
        })?;
    }
    Ok(())
}

// ---- admin_maker ---------------------------------------------------------------------------

pub(super) fn makers(sink: &mut Sink, csv: &mut CsvTable, tenant: &str, index: &mut Index) -> Result<(), Stop> {
    let id = require(csv, &["admin_makerid"])?;
    let display_name = find(csv, &["admin_displayname"]);
    let upn = find(csv, &["admin_userprincipalname", "admin_userupn"]);
    let department = find(csv, &["admin_department"]);
    let country = find(csv, &["admin_country"]);
    let job_title = find(csv, &["admin_jobtitle"]);
    let service_principal = find(csv, &["admin_userisserviceprinciple", "admin_userisserviceprincipal"]);
    let orphaned = find(csv, &["admin_userisorphaned", "admin_makerisorphaned"]);
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let Some(maker_id) = row.text(Some(id)) else {
            return Err(row.error(id, "is empty; every maker row needs its admin_makerid").into());
        };
        let maker_id = maker_id.to_ascii_lowercase();
        let upn_text = row.text(upn).map(str::to_string);
        if let Some(u) = &upn_text {
            index.makers_by_upn.insert(u.to_lowercase(), maker_id.clone());
        }
        let kind = if row.boolean(service_principal)? == Some(true) {
            PrincipalKind::ServicePrincipal
        } else {
            PrincipalKind::User
        };
        sink.principal(Principal {
            display_name: row.text(display_name).or(upn_text.as_deref()).unwrap_or(&maker_id).to_string(),
            id: maker_id,
            tenant_id: tenant.to_string(),
            kind,
            upn: upn_text,
            department: row.text(department).map(str::to_string),
            country: row.text(country).map(str::to_string),
            job_title: row.text(job_title).map(str::to_string),
            manager_id: None,
            // The kit marks makers missing from Entra ID as orphaned: leavers.
            enabled: row.boolean(orphaned)? != Some(true),
            deleted_at: None,
        })?;
    }
    Ok(())
}

// ---- shared by admin_app and admin_flow ----------------------------------------------------

impl Index {
    /// The Steward environment of a resource: the environment name the kit copies onto the
    /// row, else the environment lookup (a row GUID, or a display name in Excel exports).
    fn environment_of(&self, name: Option<&str>, lookup: Option<&str>) -> Option<String> {
        if let Some(name) = name {
            return Some(normalize::environment_id(name));
        }
        let lookup = lookup?;
        match cell::guid(lookup) {
            Some(guid) => Some(self.environments.get(&guid).cloned().unwrap_or(guid)),
            None => self.environments.get(&lookup.to_lowercase()).cloned(),
        }
    }

    /// Connection references from the kit's comma-separated connector list, and the
    /// entries no connector row names (kept as an attribute, never guessed).
    fn connection_references(&self, list: Option<&str>) -> (Vec<ConnectionReference>, Vec<String>) {
        let mut refs: Vec<ConnectionReference> = Vec::new();
        let mut unresolved = Vec::new();
        for item in cell::list(list.unwrap_or_default(), ',') {
            let key = item.to_lowercase();
            let found = self.connectors.get(&key).or_else(|| self.connectors.get(&normalize::connector_id(item)));
            match found {
                Some((id, display_name, tier)) => {
                    if !refs.iter().any(|r| r.connector_id == *id) {
                        refs.push(ConnectionReference {
                            connector_id: id.clone(),
                            display_name: display_name.clone(),
                            tier: *tier,
                        });
                    }
                }
                None => unresolved.push(item.to_string()),
            }
        }
        (refs, unresolved)
    }
}

fn owner(id: String) -> Owner {
    Owner { principal_id: id, role: ShareRole::Owner }
}

fn environment_required(row: &Row<'_>, names: &str) -> IngestError {
    row.record_error(format!("names no environment; export {names} too"))
}

// ---- admin_app -----------------------------------------------------------------------------

/// `admin_powerappstype` (option value or label) → kind and the kit's label.
fn app_kind(text: Option<&str>) -> (ResourceKind, Option<String>) {
    let Some(text) = text else { return (ResourceKind::CanvasApp, None) };
    let key: String = text.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    match key.as_str() {
        "597910000" | "canvas" => (ResourceKind::CanvasApp, Some("Canvas".into())),
        "597910001" | "modeldriven" => (ResourceKind::ModelDrivenApp, Some("Model Driven".into())),
        "597910002" | "sharepointformapp" | "sharepointform" => {
            (ResourceKind::CanvasApp, Some("SharePointFormApp".into()))
        }
        "597910003" | "custompage" => (ResourceKind::CanvasApp, Some("Custom Page".into())),
        _ => (ResourceKind::CanvasApp, Some(text.to_string())),
    }
}

pub(super) fn apps(sink: &mut Sink, csv: &mut CsvTable, tenant: &str, index: &mut Index) -> Result<(), Stop> {
    let id = require(csv, &["admin_appid", "admin_appidstring"])?;
    let display_name = find(csv, &["admin_displayname"]);
    let description = find(csv, &["admin_appdescription"]);
    let environment_name = find(csv, &["admin_appenvironmentid"]);
    let environment = find(csv, &["admin_appenvironment"]);
    let owner_col = find(csv, &["admin_appowner"]);
    let app_type = find(csv, &["admin_powerappstype"]);
    let created = find(csv, &["admin_appcreatedon"]);
    let modified = find(csv, &["admin_appmodifiedon"]);
    let published = find(csv, &["admin_apppublished"]);
    let last_launched = find(csv, &["admin_applastlaunchedon"]);
    let connections = find(csv, &["admin_appconnections"]);
    let shared_tenant = find(csv, &["admin_appsharedwithtenant"]);
    let shared_users = find(csv, &["admin_appsharedusers"]);
    let shared_groups = find(csv, &["admin_appsharedgroups"]);
    let quarantined = find(csv, &["admin_appisquarantined"]);
    let plan = find(csv, &["admin_appplanclassification"]);
    let alm_mode = find(csv, &["admin_appalmmode"]);
    let premium = find(csv, &["admin_usespremiumapi"]);
    let custom = find(csv, &["admin_usescustomapi"]);
    let deleted = find(csv, &["admin_appdeleted"]);
    let deleted_on = find(csv, &["admin_appdeletedon"]);
    if environment_name.is_none() && environment.is_none() {
        require(csv, &["admin_appenvironmentid", "admin_appenvironment"])?;
    }
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let Some(app_id) = row.text(Some(id)) else {
            return Err(row.error(id, "is empty; every app row needs its admin_appid").into());
        };
        let app_id = app_id.to_ascii_lowercase();
        let environment_id = index
            .environment_of(row.text(environment_name), row.text(environment))
            .ok_or_else(|| environment_required(&row, "admin_appenvironmentid or admin_appenvironment"))?;
        let (kind, label) = app_kind(row.text(app_type));
        let published_at = row.timestamp(published)?;
        let (connection_references, unresolved) = index.connection_references(row.text(connections));
        let mut attributes = Map::new();
        put(&mut attributes, "powerAppsType", label);
        put(&mut attributes, "appPlanClassification", row.text(plan));
        put(&mut attributes, "almMode", row.text(alm_mode));
        put(&mut attributes, "usesPremiumApi", row.boolean(premium)?);
        put(&mut attributes, "usesCustomApi", row.boolean(custom)?);
        put(&mut attributes, "lastLaunchedOn", row.timestamp(last_launched)?.map(|t| t.to_rfc3339()));
        if !unresolved.is_empty() {
            attributes.insert("unresolvedConnections".into(), unresolved.into());
        }
        index.app_environments.insert(app_id.clone(), environment_id.clone());
        sink.resource(Resource {
            display_name: row.text(display_name).unwrap_or(&app_id).to_string(),
            id: app_id,
            tenant_id: tenant.to_string(),
            environment_id,
            platform: POWER_PLATFORM.to_string(),
            kind,
            description: row.text(description).map(str::to_string),
            // The kit writes the creation time as publish time of never-published apps, so
            // a draft cannot be told apart; only "published at some point" is known.
            state: if published_at.is_some() { ResourceState::Active } else { ResourceState::Unknown },
            created_at: row.timestamp(created)?,
            modified_at: row.timestamp(modified)?,
            published_at,
            created_by: None,
            owners: row.text(owner_col).and_then(cell::guid).map(owner).into_iter().collect(),
            sharing: Vec::new(),
            shared_users: row.count(shared_users)?.unwrap_or(0),
            shared_groups: row.count(shared_groups)?.unwrap_or(0),
            shared_with_everyone: row.boolean(shared_tenant)?.unwrap_or(false),
            connection_references,
            solution_id: None,
            quarantined: row.boolean(quarantined)?.unwrap_or(false),
            attributes,
            deleted_at: deleted_at(&row, deleted, deleted_on, modified, "admin_appdeletedon")?,
        })?;
    }
    Ok(())
}

// ---- admin_flow ----------------------------------------------------------------------------

pub(super) fn flows(sink: &mut Sink, csv: &mut CsvTable, tenant: &str, index: &Index) -> Result<(), Stop> {
    let id = require(csv, &["admin_flowid", "admin_flowidstring"])?;
    let display_name = find(csv, &["admin_displayname"]);
    let description = find(csv, &["admin_flowdescription"]);
    let environment_name = find(csv, &["admin_flowenvironmentid"]);
    let environment = find(csv, &["admin_flowenvironment"]);
    let creator = find(csv, &["admin_flowcreator"]);
    let derived_owner = find(csv, &["admin_derivedowner"]);
    let state = find(csv, &["admin_flowstate"]);
    let created = find(csv, &["admin_flowcreatedon"]);
    let modified = find(csv, &["admin_flowmodifiedon"]);
    let connections = find(csv, &["admin_flowconnections"]);
    let suspension = find(csv, &["admin_flowsuspensionreason"]);
    let deleted = find(csv, &["admin_flowdeleted"]);
    let deleted_on = find(csv, &["admin_flowdeletedon"]);
    if environment_name.is_none() && environment.is_none() {
        require(csv, &["admin_flowenvironmentid", "admin_flowenvironment"])?;
    }
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let Some(flow_id) = row.text(Some(id)) else {
            return Err(row.error(id, "is empty; every flow row needs its admin_flowid").into());
        };
        let flow_id = flow_id.to_ascii_lowercase();
        let environment_id = index
            .environment_of(row.text(environment_name), row.text(environment))
            .ok_or_else(|| environment_required(&row, "admin_flowenvironmentid or admin_flowenvironment"))?;
        let created_by = row.text(creator).and_then(cell::guid);
        // The kit's derived owner is who it holds responsible (it can be reassigned); the
        // creator stands in when there is none, as in the kit.
        let owner_id = row.text(derived_owner).and_then(cell::guid).or_else(|| created_by.clone());
        let (connection_references, unresolved) = index.connection_references(row.text(connections));
        let mut attributes = Map::new();
        put(&mut attributes, "flowSuspensionReason", row.text(suspension).filter(|r| !r.eq_ignore_ascii_case("None")));
        if !unresolved.is_empty() {
            attributes.insert("unresolvedConnections".into(), unresolved.into());
        }
        sink.resource(Resource {
            display_name: row.text(display_name).unwrap_or(&flow_id).to_string(),
            id: flow_id,
            tenant_id: tenant.to_string(),
            environment_id,
            platform: POWER_PLATFORM.to_string(),
            kind: ResourceKind::CloudFlow,
            description: row.text(description).map(str::to_string),
            state: row.text(state).map_or(ResourceState::Unknown, normalize::flow_state),
            created_at: row.timestamp(created)?,
            modified_at: row.timestamp(modified)?,
            published_at: None,
            created_by,
            owners: owner_id.map(owner).into_iter().collect(),
            sharing: Vec::new(),
            shared_users: 0,
            shared_groups: 0,
            shared_with_everyone: false,
            connection_references,
            solution_id: None,
            quarantined: false,
            attributes,
            deleted_at: deleted_at(&row, deleted, deleted_on, modified, "admin_flowdeletedon")?,
        })?;
    }
    Ok(())
}

// ---- admin_auditlog ------------------------------------------------------------------------

pub(super) fn audit_logs(sink: &mut Sink, csv: &mut CsvTable, tenant: &str, index: &Index) -> Result<(), Stop> {
    let id = require(csv, &["admin_auditlogid"])?;
    let created = require(csv, &["admin_creationtime"])?;
    let operation = require(csv, &["admin_operation"])?;
    let app_id = find(csv, &["admin_appid"]);
    let app_lookup = find(csv, &["admin_applookup"]);
    let upn = find(csv, &["admin_userupn"]);
    let workload = find(csv, &["admin_workload"]);
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let Some(event_id) = row.text(Some(id)) else {
            return Err(row
                .error(id, "is empty; every audit row needs its admin_auditlogid (the audit record's Id)")
                .into());
        };
        let Some(occurred_at) = row.timestamp(Some(created))? else {
            return Err(row.error(created, "is empty; every audit row needs the time of the event").into());
        };
        let Some(operation) = row.text(Some(operation)) else {
            return Err(row
                .error(operation, "is empty; every audit row needs its operation (LaunchPowerApp, …)")
                .into());
        };
        let resource_id = lower(row.text(app_id)).or_else(|| row.text(app_lookup).and_then(cell::guid));
        let environment_id = resource_id.as_ref().and_then(|r| index.app_environments.get(r).cloned());
        let principal_upn = row.text(upn).map(str::to_string);
        let principal_id = principal_upn.as_ref().and_then(|u| index.makers_by_upn.get(&u.to_lowercase()).cloned());
        sink.usage(UsageEvent {
            id: event_id.to_ascii_lowercase(),
            tenant_id: tenant.to_string(),
            occurred_at,
            principal_id,
            principal_upn,
            resource_id,
            environment_id,
            kind: normalize::usage_kind(operation),
            operation: operation.to_string(),
            workload: row.text(workload).map(str::to_string),
        })?;
    }
    Ok(())
}
