//! A deterministic synthetic tenant, written in the real Microsoft wire formats.
//!
//! Same seed, same options and same end date give byte-identical files. Nothing proportional
//! to the tenant's size is held in memory: environments and policies are planned up front,
//! users and resources are pure functions of their index, and audit blobs are written record
//! by record. See `docs/synthetic-tenant.md` for presets and shapes.

mod facade;
mod names;
mod plan;
mod seed;
mod usage;
mod write;

use crate::dump::manifest::{self, Counts, Manifest, ManifestTenant};
use crate::powerplatform::normalize;
use crate::powerplatform::wire::bap;
use crate::{IngestError, Progress};
use plan::Plan;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use steward_model::{Connector, DataPolicy, Environment, Principal, Resource, ResourceKind, Tenant};
use write::{Envelope, Pager, Sink};

pub use facade::{ResourceSummary, SyntheticEnvironment, SyntheticTenant};
pub use plan::WireResource;
pub use usage::Day;

/// Size of the synthetic tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// 5 environments, ~300 resources, ~150 users, 30 days of ~2,000 audit records.
    Small,
    /// 100 environments, ~20,000 resources, ~3,000 users, 90 days of ~20,000 audit records.
    Medium,
    /// 1,500 environments, 1,000,000 resources, ~60,000 users, 90 days of ~1.1 million records.
    Large,
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Preset::Small),
            "medium" => Ok(Preset::Medium),
            "large" => Ok(Preset::Large),
            other => Err(format!("unknown preset '{other}'; expected small, medium or large")),
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Preset::Small => "small",
            Preset::Medium => "medium",
            Preset::Large => "large",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateOptions {
    pub preset: Preset,
    pub seed: u64,
    /// Last day of generated usage (inclusive). Same seed + same date = byte-identical output.
    pub end_date: chrono::NaiveDate,
    /// Override the preset's number of usage days (0 = no usage at all).
    pub usage_days: Option<u32>,
}

impl GenerateOptions {
    pub fn new(preset: Preset, seed: u64) -> Self {
        GenerateOptions {
            preset,
            seed,
            end_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            usage_days: None,
        }
    }
}

/// What `generate` wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GenerateReport {
    pub environments: u64,
    pub resources: u64,
    pub principals: u64,
    pub audit_records: u64,
    pub files: u64,
    pub bytes: u64,
}

/// One normalised inventory item of a synthetic tenant.
#[derive(Clone, Debug, PartialEq)]
pub enum TenantItem {
    Tenant(Tenant),
    Environment(Environment),
    Connector(Connector),
    DataPolicy(DataPolicy),
    Principal(Principal),
    Resource(Resource),
}

/// Relative paths of a tenant dump, shared with the importer.
pub(crate) mod layout {
    pub const ENVIRONMENTS: &str = "bap/environments";
    pub const POLICIES: &str = "bap/policies.json";
    pub const POLICY_DIR: &str = "bap/policies";
    pub const CONNECTORS: &str = "powerapps/apis";
    pub const APPS_ROOT: &str = "powerapps/environments";
    pub const FLOWS_ROOT: &str = "flow/environments";
    pub const DATAVERSE_ROOT: &str = "dataverse";
    pub const USERS: &str = "graph/users";
    pub const AUDIT_ROOT: &str = "audit/Audit.General";
    pub const BUSINESS_AREAS: &str = "coe/environment-business-areas.json";
}

/// The CoE's assignment of environments to business areas (`coe/environment-business-areas.json`).
/// No Microsoft API carries it; the CoE Starter Kit keeps it in its own table.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BusinessArea {
    pub environment_name: String,
    pub business_area: String,
}

/// Items per page of the environment list, as the BAP admin API pages it.
pub const ENVIRONMENT_PAGE: usize = 100;
/// Items per page of the connector catalogue.
pub const CONNECTOR_PAGE: usize = 250;
/// Items per page of app, flow, bot and desktop-flow lists (`$top=250`).
pub const RESOURCE_PAGE: usize = 250;
/// Items per page of the Graph user list (`$top=999`).
pub const USER_PAGE: usize = 999;
/// The Graph `$select` the dump's user pages answer.
pub const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,department,country,jobTitle,accountEnabled";

/// Write a synthetic tenant into `out_dir`, which must be empty or not exist yet.
pub fn generate(
    opts: &GenerateOptions,
    out_dir: &Path,
    progress: &dyn Progress,
) -> Result<GenerateReport, IngestError> {
    prepare_output(out_dir)?;
    let plan = Plan::new(opts);
    let mut sink = Sink::new(out_dir);
    let mut counts = Counts::default();

    progress.stage("environments", Some(plan.envs.len() as u64));
    let mut pager = Pager::new(layout::ENVIRONMENTS.to_string(), ENVIRONMENT_PAGE, Envelope::List, |page| {
        format!(
            "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01&$expand=properties.capacity,properties.addons&$skiptoken={page}"
        )
    });
    for env in &plan.envs {
        pager.push(&mut sink, plan.wire_environment(env))?;
        progress.advance(1);
    }
    counts.environments = pager.finish(&mut sink)?;
    let areas: Vec<BusinessArea> = plan
        .envs
        .iter()
        .filter_map(|e| {
            e.business_area.map(|a| BusinessArea { environment_name: e.name.clone(), business_area: a.to_string() })
        })
        .collect();
    sink.write_json(layout::BUSINESS_AREAS, &serde_json::json!({ "value": areas }))?;

    let policies = plan.wire_policies();
    let list = bap::PolicyList {
        value: policies
            .iter()
            .map(|p| bap::PolicyEnvelope {
                policy_definition: bap::PolicyDefinition { connector_groups: None, ..p.clone() },
            })
            .collect(),
    };
    sink.write_json(layout::POLICIES, &list)?;
    for p in &policies {
        sink.write_json(
            &format!("{}/{}.json", layout::POLICY_DIR, p.name),
            &bap::PolicyEnvelope { policy_definition: p.clone() },
        )?;
    }
    counts.data_policies = policies.len() as u64;

    let mut pager = Pager::new(layout::CONNECTORS.to_string(), CONNECTOR_PAGE, Envelope::List, |page| {
        format!(
            "https://api.powerapps.com/providers/Microsoft.PowerApps/apis?api-version=2019-05-01&showApisWithToS=true&$skiptoken={page}"
        )
    });
    for api in plan.wire_connectors() {
        pager.push(&mut sink, api)?;
    }
    counts.connectors = pager.finish(&mut sink)?;

    progress.stage("resources", Some(plan.resources));
    for env in &plan.envs {
        write_environment_resources(&plan, env, &mut sink, &mut counts, progress)?;
    }

    progress.stage("users", Some(plan.users));
    let mut pager = Pager::new(
        layout::USERS.to_string(),
        USER_PAGE,
        Envelope::OData {
            context: format!("https://graph.microsoft.com/v1.0/$metadata#users({USER_SELECT},manager(id))"),
        },
        |page| {
            format!(
                "https://graph.microsoft.com/v1.0/users?$select={USER_SELECT}&$expand=manager($select=id)&$top=999&$skiptoken={page}"
            )
        },
    );
    for u in 0..plan.users {
        pager.push(&mut sink, plan.graph_user(u))?;
        if u % 1000 == 999 {
            progress.advance(1000);
        }
    }
    progress.advance(plan.users % 1000);
    counts.principals = pager.finish(&mut sink)?;

    write_usage(&plan, &mut sink, &mut counts, progress)?;

    let manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        version: manifest::VERSION,
        preset: opts.preset.to_string(),
        seed: opts.seed,
        tenant: ManifestTenant {
            id: plan.tenant.id.clone(),
            display_name: plan.tenant.display_name.clone(),
            domain: plan.tenant.domain.clone(),
        },
        end_date: opts.end_date,
        usage_days: plan.usage_days,
        counts: counts.clone(),
    };
    sink.write_with(manifest::FILE_NAME, |out| {
        serde_json::to_writer_pretty(&mut *out, &manifest).map_err(std::io::Error::other)?;
        std::io::Write::write_all(out, b"\n")
    })?;
    progress.finish();
    Ok(GenerateReport {
        environments: counts.environments,
        resources: counts.resources,
        principals: counts.principals,
        audit_records: counts.audit_records,
        files: sink.files,
        bytes: sink.bytes,
    })
}

fn prepare_output(out_dir: &Path) -> Result<(), IngestError> {
    match std::fs::read_dir(out_dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(IngestError::OutputNotEmpty {
                    path: out_dir.to_path_buf(),
                    problem: "the directory is not empty; choose a new directory or delete this one first".to_string(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out_dir).map_err(|e| IngestError::write(out_dir, e))
        }
        Err(e) => Err(IngestError::write(out_dir, e)),
    }
}

fn write_environment_resources(
    plan: &Plan,
    env: &plan::EnvPlan,
    sink: &mut Sink,
    counts: &mut Counts,
    progress: &dyn Progress,
) -> Result<(), IngestError> {
    let name = env.name.clone();
    let mut apps = Pager::new(format!("{}/{name}/apps", layout::APPS_ROOT), RESOURCE_PAGE, Envelope::List, {
        let name = name.clone();
        move |page| {
            format!(
                "https://api.powerapps.com/providers/Microsoft.PowerApps/scopes/admin/environments/{name}/apps?api-version=2016-11-01&$top=250&$skiptoken={page}"
            )
        }
    });
    let mut flows = Pager::new(format!("{}/{name}/flows", layout::FLOWS_ROOT), RESOURCE_PAGE, Envelope::List, {
        let name = name.clone();
        move |page| {
            format!(
                "https://api.flow.microsoft.com/providers/Microsoft.ProcessSimple/scopes/admin/environments/{name}/v2/flows?api-version=2016-11-01&$top=250&$skiptoken={page}"
            )
        }
    });
    let dataverse = env.has_dataverse.then(|| {
        let api = env.instance_api_url();
        let bots = Pager::new(
            format!("{}/{name}/bots", layout::DATAVERSE_ROOT),
            RESOURCE_PAGE,
            Envelope::OData { context: format!("{api}/api/data/v9.2/$metadata#bots") },
            {
                let api = api.clone();
                move |page| format!("{api}/api/data/v9.2/bots?$skiptoken={page}")
            },
        );
        let workflows = Pager::new(
            format!("{}/{name}/workflows", layout::DATAVERSE_ROOT),
            RESOURCE_PAGE,
            Envelope::OData { context: format!("{api}/api/data/v9.2/$metadata#workflows") },
            move |page| format!("{api}/api/data/v9.2/workflows?$filter=category%20eq%206&$skiptoken={page}"),
        );
        (bots, workflows)
    });
    let (mut bots, mut workflows) = match dataverse {
        Some((b, w)) => (Some(b), Some(w)),
        None => (None, None),
    };
    for g in env.first..env.first + env.count {
        match plan.resource(g) {
            WireResource::App(app) => {
                match normalize::app_kind(app.app_type.as_deref()) {
                    ResourceKind::ModelDrivenApp => counts.model_driven_apps += 1,
                    _ => counts.canvas_apps += 1,
                }
                apps.push(sink, *app)?;
            }
            WireResource::Flow(flow) => {
                counts.cloud_flows += 1;
                flows.push(sink, *flow)?;
            }
            WireResource::DesktopFlow(wf) => {
                counts.desktop_flows += 1;
                if let Some(p) = workflows.as_mut() {
                    p.push(sink, *wf)?;
                }
            }
            WireResource::Agent(bot) => {
                counts.agents += 1;
                if let Some(p) = bots.as_mut() {
                    p.push(sink, *bot)?;
                }
            }
        }
        counts.resources += 1;
    }
    apps.finish(sink)?;
    flows.finish(sink)?;
    if let Some(p) = bots {
        p.finish(sink)?;
    }
    if let Some(p) = workflows {
        p.finish(sink)?;
    }
    progress.advance(env.count);
    Ok(())
}

fn write_usage(plan: &Plan, sink: &mut Sink, counts: &mut Counts, progress: &dyn Progress) -> Result<(), IngestError> {
    let days: Vec<u64> = (0..u64::from(plan.usage_days)).collect();
    let planned: u64 = days.iter().map(|d| plan.day(*d).records).sum();
    progress.stage("audit records", Some(planned));
    for d in days {
        let day = plan.day(d);
        let date = day.date.format("%Y-%m-%d").to_string();
        let items: Vec<_> = (0..day.blobs).map(|b| plan.content_item(&day, b)).collect();
        sink.write_json(&format!("{}/content-{date}.json", layout::AUDIT_ROOT), &items)?;
        for (b, item) in items.iter().enumerate() {
            let rel = format!("{}/{date}/{}.json", layout::AUDIT_ROOT, item.content_id);
            let blob = sink.write_with(&rel, |out| plan.write_blob(&day, b as u64, out))?;
            let written = blob.written;
            counts.audit_records += written;
            counts.audit_duplicates += blob.duplicates;
            counts.audit_blobs += 1;
            progress.advance(written);
        }
    }
    Ok(())
}

/// The same inventory as [`generate`] writes, normalised, as a stream (no files, no usage).
///
/// Records come grouped by type with parents first (the tenant, environments, connectors, data
/// policies, principals, then resources), so a caller that writes them in batches never writes a
/// resource before the environment and principals it refers to.
pub fn stream_tenant(opts: &GenerateOptions) -> impl Iterator<Item = TenantItem> + use<> {
    let plan = Arc::new(Plan::new(opts));
    let tenant_id = plan.tenant.id.clone();
    let tenant = Tenant {
        id: tenant_id.clone(),
        display_name: plan.tenant.display_name.clone(),
        domain: Some(plan.tenant.domain.clone()),
    };
    let connectors: Vec<TenantItem> =
        plan.wire_connectors().map(|c| TenantItem::Connector(normalize::connector(c, &tenant_id))).collect();
    let policies: Vec<TenantItem> = plan
        .wire_policies()
        .into_iter()
        .map(|p| TenantItem::DataPolicy(normalize::data_policy(p, &tenant_id)))
        .collect();
    let (p1, p2, p3) = (plan.clone(), plan.clone(), plan.clone());
    let (t1, t2, t3) = (tenant_id.clone(), tenant_id.clone(), tenant_id);
    let environments = (0..plan.envs.len()).map(move |e| {
        let env = &p1.envs[e];
        TenantItem::Environment(normalize::environment(
            p1.wire_environment(env),
            &t1,
            env.business_area.map(str::to_string),
        ))
    });
    let principals = (0..plan.users).map(move |u| TenantItem::Principal(normalize::user(p2.graph_user(u), &t2)));
    let resources = (0..plan.resources).map(move |g| {
        let env_id = normalize::environment_id(&p3.env_of(g).name);
        TenantItem::Resource(match p3.resource(g) {
            WireResource::App(a) => normalize::app(*a, &t3),
            WireResource::Flow(f) => normalize::flow(*f, &t3),
            WireResource::DesktopFlow(w) => normalize::desktop_flow(*w, &t3, &env_id),
            WireResource::Agent(b) => normalize::bot(*b, &t3, &env_id),
        })
    });
    std::iter::once(TenantItem::Tenant(tenant))
        .chain(environments)
        .chain(connectors)
        .chain(policies)
        .chain(principals)
        .chain(resources)
}

#[cfg(test)]
mod tests;
