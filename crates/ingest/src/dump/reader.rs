//! The parsing half of an import: walks a tenant dump in a fixed order, parses page by page,
//! normalises, and hands batches to the writer through a bounded channel. It runs on its own
//! thread so that parsing and database writes overlap.

use super::manifest::Manifest;
use crate::IngestError;
use crate::powerplatform::normalize;
use crate::powerplatform::wire::{ListPage, ODataPage, audit, bap, dataverse, flow, graph, powerapps};
use crate::synthetic::{BusinessArea, layout};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use steward_model::{Connector, DataPolicy, Environment, Principal, Resource, Tenant, UsageEvent};
use tokio::sync::mpsc::Sender;

/// One message from the reader to the writer.
pub(crate) enum Batch {
    Tenants(Vec<Tenant>),
    Environments(Vec<Environment>),
    Connectors(Vec<Connector>),
    DataPolicies(Vec<DataPolicy>),
    Principals(Vec<Principal>),
    Resources(Vec<Resource>),
    Usage(Vec<UsageEvent>),
    /// Everything was read; `files` is how many files.
    Done {
        files: u64,
    },
}

/// Why reading stopped early.
enum Stop {
    Failed(IngestError),
    /// The writer hung up (it failed, or the import was cancelled): nothing left to do.
    WriterGone,
}

impl From<IngestError> for Stop {
    fn from(e: IngestError) -> Self {
        Stop::Failed(e)
    }
}

pub(crate) fn run(dir: PathBuf, manifest: Manifest, batch_size: usize, out: Sender<Result<Batch, IngestError>>) {
    let mut reader =
        Reader { dir, tenant_id: manifest.tenant.id.clone(), batch_size: batch_size.max(1), out, files: 0 };
    match reader.read_all(&manifest) {
        Ok(()) => {}
        Err(Stop::Failed(e)) => {
            let _ = reader.out.blocking_send(Err(e));
        }
        Err(Stop::WriterGone) => {}
    }
}

/// Sorted `*.json` files directly in `dir`; an absent directory has none.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(IngestError::read(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| IngestError::read(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Sorted subdirectories of `dir`; an absent directory has none.
fn subdirs(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(IngestError::read(dir, e)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| IngestError::read(dir, e))?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Parse one JSON file into `T`; errors name the file, line and column.
pub(crate) fn parse_file<T: DeserializeOwned>(path: &Path) -> Result<T, IngestError> {
    let bytes = std::fs::read(path).map_err(|e| IngestError::read(path, e))?;
    parse_bytes(path, &bytes)
}

pub(crate) fn parse_bytes<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, IngestError> {
    serde_json::from_slice(bytes).map_err(|e| IngestError::parse(path, &e))
}

fn dir_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

struct Reader {
    dir: PathBuf,
    tenant_id: String,
    batch_size: usize,
    out: Sender<Result<Batch, IngestError>>,
    files: u64,
}

/// Collects items of one kind and sends them in batches.
struct Buffer<T> {
    items: Vec<T>,
    wrap: fn(Vec<T>) -> Batch,
}

impl<T> Buffer<T> {
    fn new(wrap: fn(Vec<T>) -> Batch) -> Self {
        Buffer { items: Vec::new(), wrap }
    }
}

impl Reader {
    fn send(&self, batch: Batch) -> Result<(), Stop> {
        self.out.blocking_send(Ok(batch)).map_err(|_| Stop::WriterGone)
    }

    fn push<T>(&self, buffer: &mut Buffer<T>, item: T) -> Result<(), Stop> {
        buffer.items.push(item);
        if buffer.items.len() >= self.batch_size {
            self.flush(buffer)?;
        }
        Ok(())
    }

    fn flush<T>(&self, buffer: &mut Buffer<T>) -> Result<(), Stop> {
        if buffer.items.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut buffer.items, Vec::with_capacity(self.batch_size.min(65_536)));
        self.send((buffer.wrap)(items))
    }

    fn parse<T: DeserializeOwned>(&mut self, path: &Path) -> Result<T, Stop> {
        self.files += 1;
        Ok(parse_file(path)?)
    }

    fn read_all(&mut self, manifest: &Manifest) -> Result<(), Stop> {
        self.send(Batch::Tenants(vec![Tenant {
            id: manifest.tenant.id.clone(),
            display_name: manifest.tenant.display_name.clone(),
            domain: Some(manifest.tenant.domain.clone()),
        }]))?;
        self.read_environments()?;
        self.read_connectors()?;
        self.read_policies()?;
        self.read_users()?;
        self.read_resources()?;
        self.read_audit()?;
        self.send(Batch::Done { files: self.files + 1 })
    }

    fn read_environments(&mut self) -> Result<(), Stop> {
        let areas_path = self.dir.join(layout::BUSINESS_AREAS);
        let mut areas: HashMap<String, String> = HashMap::new();
        if areas_path.is_file() {
            let list: ListPage<BusinessArea> = self.parse(&areas_path)?;
            for a in list.value {
                areas.insert(normalize::environment_id(&a.environment_name), a.business_area);
            }
        }
        let env_dir = self.dir.join(layout::ENVIRONMENTS);
        let pages = json_files(&env_dir)?;
        if pages.is_empty() {
            return Err(Stop::Failed(IngestError::Manifest {
                path: env_dir,
                problem: "no environment pages (page-00001.json, …); the dump is incomplete, re-run `steward generate`"
                    .to_string(),
            }));
        }
        let mut buffer = Buffer::new(Batch::Environments);
        for path in pages {
            let page: ListPage<bap::Environment> = self.parse(&path)?;
            for env in page.value {
                let area = areas.remove(&normalize::environment_id(&env.name));
                self.push(&mut buffer, normalize::environment(env, &self.tenant_id, area))?;
            }
        }
        self.flush(&mut buffer)
    }

    fn read_connectors(&mut self) -> Result<(), Stop> {
        let mut buffer = Buffer::new(Batch::Connectors);
        for path in json_files(&self.dir.join(layout::CONNECTORS))? {
            let page: ListPage<powerapps::Api> = self.parse(&path)?;
            for api in page.value {
                self.push(&mut buffer, normalize::connector(api, &self.tenant_id))?;
            }
        }
        self.flush(&mut buffer)
    }

    fn read_policies(&mut self) -> Result<(), Stop> {
        let list_path = self.dir.join(layout::POLICIES);
        if !list_path.is_file() {
            return Ok(());
        }
        let list: bap::PolicyList = self.parse(&list_path)?;
        let mut buffer = Buffer::new(Batch::DataPolicies);
        for item in list.value {
            // The list leaves out connector groups; the single-policy file has them.
            let single = self.dir.join(layout::POLICY_DIR).join(format!("{}.json", item.policy_definition.name));
            let definition = if single.is_file() {
                self.parse::<bap::PolicyEnvelope>(&single)?.policy_definition
            } else {
                item.policy_definition
            };
            self.push(&mut buffer, normalize::data_policy(definition, &self.tenant_id))?;
        }
        self.flush(&mut buffer)
    }

    fn read_users(&mut self) -> Result<(), Stop> {
        let mut buffer = Buffer::new(Batch::Principals);
        for path in json_files(&self.dir.join(layout::USERS))? {
            let page: ODataPage<graph::User> = self.parse(&path)?;
            for user in page.value {
                self.push(&mut buffer, normalize::user(user, &self.tenant_id))?;
            }
        }
        self.flush(&mut buffer)
    }

    fn read_resources(&mut self) -> Result<(), Stop> {
        let mut buffer = Buffer::new(Batch::Resources);
        for env_dir in subdirs(&self.dir.join(layout::APPS_ROOT))? {
            for path in json_files(&env_dir.join("apps"))? {
                let page: ListPage<powerapps::App> = self.parse(&path)?;
                for app in page.value {
                    self.push(&mut buffer, normalize::app(app, &self.tenant_id))?;
                }
            }
        }
        for env_dir in subdirs(&self.dir.join(layout::FLOWS_ROOT))? {
            for path in json_files(&env_dir.join("flows"))? {
                let page: ListPage<flow::Flow> = self.parse(&path)?;
                for f in page.value {
                    self.push(&mut buffer, normalize::flow(f, &self.tenant_id))?;
                }
            }
        }
        for env_dir in subdirs(&self.dir.join(layout::DATAVERSE_ROOT))? {
            let env_id = normalize::environment_id(&dir_name(&env_dir));
            for path in json_files(&env_dir.join("bots"))? {
                let page: ODataPage<dataverse::Bot> = self.parse(&path)?;
                for bot in page.value {
                    self.push(&mut buffer, normalize::bot(bot, &self.tenant_id, &env_id))?;
                }
            }
            for path in json_files(&env_dir.join("workflows"))? {
                let page: ODataPage<dataverse::Workflow> = self.parse(&path)?;
                // Only desktop flows live here; other workflow categories are not inventoried yet.
                for wf in page.value.into_iter().filter(|w| w.category == 6) {
                    self.push(&mut buffer, normalize::desktop_flow(wf, &self.tenant_id, &env_id))?;
                }
            }
        }
        self.flush(&mut buffer)
    }

    fn read_audit(&mut self) -> Result<(), Stop> {
        let mut buffer = Buffer::new(Batch::Usage);
        for day_dir in subdirs(&self.dir.join(layout::AUDIT_ROOT))? {
            for path in json_files(&day_dir)? {
                let records: Vec<audit::AuditRecord> = self.parse(&path)?;
                for record in records {
                    self.push(&mut buffer, normalize::audit_record(record, &self.tenant_id))?;
                }
            }
        }
        self.flush(&mut buffer)
    }
}
