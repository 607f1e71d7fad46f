//! CoE Starter Kit tables exported from Dataverse as CSV, one file per table named after it
//! (`admin_environment.csv`, `admin_connector.csv`, `admin_maker.csv`, `admin_app.csv`,
//! `admin_flow.csv`, `admin_auditlog.csv`; the entity-set plural such as `admin_apps.csv` is
//! read too). Any subset may be present; they are read in that order because later tables
//! refer to earlier ones (an app's environment lookup, a flow's connectors, an audit row's
//! app).
//!
//! Columns are found by logical name (`admin_appcreatedon`), by Web API lookup name
//! (`_admin_appowner_value`) or by display name (`App Created On`), in any case. The mapping
//! of every column is in `docs/import-format.md`; the `tables` module holds it in code.
//!
//! The kit keeps rows of deleted objects with `admin_appdeleted = true`; they become
//! resources (and environments) with `deleted_at` set, so their history stays. The tenant is
//! `--tenant`, else the environments' `admin_tenantid`, else the tenant id in the default
//! environment's name.
//!
//! Lookups between tables are held in memory (environments, connectors, app → environment,
//! maker UPN → id): a few hundred bytes per object, bounded by the inventory, not by usage.

mod tables;

use super::csv_table::CsvTable;
use super::pipeline::{self, Sink, Stop};
use super::{FileImportOptions, FileImportReport, SourceFormat, problem};
use crate::{IngestError, Progress};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use steward_model::{ConnectorTier, Environment};
use steward_store::Store;

/// The kit's tables Steward reads, in the order it reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Environment,
    Connector,
    Maker,
    App,
    Flow,
    AuditLog,
}

impl Table {
    const ALL: [Table; 6] =
        [Table::Environment, Table::Connector, Table::Maker, Table::App, Table::Flow, Table::AuditLog];

    /// The Dataverse logical name, which is also the file name without `.csv`.
    pub(crate) fn logical_name(self) -> &'static str {
        match self {
            Table::Environment => "admin_environment",
            Table::Connector => "admin_connector",
            Table::Maker => "admin_maker",
            Table::App => "admin_app",
            Table::Flow => "admin_flow",
            Table::AuditLog => "admin_auditlog",
        }
    }
}

/// The table a file holds, judged by its name (`admin_app.csv`, `Admin_Apps.CSV`).
pub(crate) fn table_of(path: &Path) -> Option<Table> {
    if !path.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
        return None;
    }
    let stem = path.file_stem()?.to_string_lossy().to_ascii_lowercase();
    let singular = stem.strip_suffix('s').unwrap_or(&stem);
    Table::ALL.into_iter().find(|t| t.logical_name() == stem || t.logical_name() == singular)
}

/// Import the kit export at `path` (a directory of table files, or one table file).
pub async fn import(
    store: &dyn Store,
    path: &Path,
    opts: &FileImportOptions,
    progress: &dyn Progress,
) -> Result<FileImportReport, IngestError> {
    pipeline::run(store, SourceFormat::CoeKit, opts.batch_size, progress, reader(path, opts)?).await
}

/// What reads the kit export at `path` into a [`Sink`], once the table files are found.
pub(crate) fn reader(
    path: &Path,
    opts: &FileImportOptions,
) -> Result<impl FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static, IngestError> {
    let files = table_files(path)?;
    let tenant = opts.tenant.clone().map(|t| t.trim().to_ascii_lowercase());
    let origin = path.to_path_buf();
    Ok(move |sink: &mut Sink| read(sink, &origin, &files, tenant))
}

/// The table files at `path`, one per table at most, in reading order.
fn table_files(path: &Path) -> Result<Vec<(Table, PathBuf)>, IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| problem::unreadable(path, &e))?;
    if !meta.is_dir() {
        let Some(table) = table_of(path) else {
            return Err(problem::file(path, names_advice("is not named after a CoE Starter Kit table")));
        };
        return Ok(vec![(table, path.to_path_buf())]);
    }
    let mut found: Vec<(Table, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| problem::unreadable(path, &e))? {
        let file = entry.map_err(|e| problem::unreadable(path, &e))?.path();
        let Some(table) = table_of(&file) else { continue };
        if let Some((_, other)) = found.iter().find(|(t, _)| *t == table) {
            return Err(problem::file(
                path,
                format!(
                    "holds two files for table {}: {} and {}; keep one",
                    table.logical_name(),
                    file_name(other),
                    file_name(&file)
                ),
            ));
        }
        found.push((table, file));
    }
    if found.is_empty() {
        return Err(problem::file(path, names_advice("holds no CoE Starter Kit table files")));
    }
    found.sort_by_key(|(table, _)| Table::ALL.iter().position(|t| t == table));
    Ok(found)
}

fn names_advice(what: &str) -> String {
    let names: Vec<String> = Table::ALL.iter().map(|t| format!("{}.csv", t.logical_name())).collect();
    format!("{what}; export the kit's tables as CSV into files named {}", names.join(", "))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// What later tables look up in earlier ones.
#[derive(Default)]
pub(crate) struct Index {
    /// Environment row id (a GUID) and lowercased display name → Steward environment id.
    environments: HashMap<String, String>,
    /// Lowercased connector name, id and display name → (connector id, display name, tier).
    connectors: HashMap<String, (String, String, ConnectorTier)>,
    /// App id → Steward environment id, for audit rows.
    app_environments: HashMap<String, String>,
    /// Lowercased UPN → maker id, for audit rows.
    makers_by_upn: HashMap<String, String>,
}

fn read(sink: &mut Sink, origin: &Path, files: &[(Table, PathBuf)], tenant: Option<String>) -> Result<(), Stop> {
    let mut index = Index::default();
    let mut rest = files;
    // Environments first: they name the tenant, which every other record carries.
    let environments = match files.first() {
        Some((Table::Environment, path)) => {
            rest = &files[1..];
            Some((path, read_environments(sink, path)?))
        }
        _ => None,
    };
    let tenant_id = match tenant {
        Some(t) => t,
        None => tenant_of(environments.as_ref().map(|(_, e)| e.as_slice())).ok_or_else(|| {
            let (place, why) = match &environments {
                Some((path, _)) => (path.as_path(), "has no admin_tenantid and no default environment"),
                None => (origin, "has no admin_environment.csv, whose admin_tenantid names the tenant"),
            };
            problem::file(place, format!("{why}; add it to the export or pass --tenant <tenant id>"))
        })?,
    };
    sink.ensure_tenant(&tenant_id)?;
    if let Some((_, environments)) = environments {
        for parsed in environments {
            let mut environment = parsed.environment;
            environment.tenant_id = tenant_id.clone();
            index.environments.insert(parsed.row_id, environment.id.clone());
            index.environments.entry(environment.display_name.to_lowercase()).or_insert_with(|| environment.id.clone());
            sink.environment(environment)?;
        }
    }
    for (table, path) in rest {
        let mut csv = CsvTable::open(path)?;
        sink.files += 1;
        match table {
            Table::Environment => {}
            Table::Connector => tables::connectors(sink, &mut csv, &tenant_id, &mut index)?,
            Table::Maker => tables::makers(sink, &mut csv, &tenant_id, &mut index)?,
            Table::App => tables::apps(sink, &mut csv, &tenant_id, &mut index)?,
            Table::Flow => tables::flows(sink, &mut csv, &tenant_id, &index)?,
            Table::AuditLog => tables::audit_logs(sink, &mut csv, &tenant_id, &index)?,
        }
    }
    Ok(())
}

/// An environment row, read before the tenant is known.
pub(crate) struct ParsedEnvironment {
    /// `admin_environmentid`, lowercased: what other tables' lookups hold.
    row_id: String,
    /// `admin_tenantid`, lowercased, when present.
    tenant: Option<String>,
    /// With an empty `tenant_id`, filled in once the tenant is known.
    environment: Environment,
}

fn read_environments(sink: &mut Sink, path: &Path) -> Result<Vec<ParsedEnvironment>, Stop> {
    let mut csv = CsvTable::open(path)?;
    sink.files += 1;
    Ok(tables::environments(sink, &mut csv)?)
}

/// The tenant the environments name: `admin_tenantid`, else the GUID of `Default-{tenant}`.
fn tenant_of(environments: Option<&[ParsedEnvironment]>) -> Option<String> {
    let environments = environments?;
    environments
        .iter()
        .find_map(|e| e.tenant.clone())
        .or_else(|| environments.iter().find_map(|e| e.environment.id.strip_prefix("default-").map(str::to_string)))
}
