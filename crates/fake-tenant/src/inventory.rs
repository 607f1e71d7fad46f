//! The resources the fake tenant currently has: the synthetic plan plus the mutations applied
//! so far (changed, deleted, added). A snapshot is immutable; a mutation builds the next one,
//! so a page being rendered never sees half a mutation.
//!
//! Resources are numbered as in the plan (`0..base`); added ones continue after it
//! (`base..base + added.len()`). Each environment keeps, per listing, the sorted numbers of its
//! live resources: 4 bytes per resource, the only thing held per resource.

use chrono::Duration;
use std::collections::{HashMap, HashSet};
use steward_ingest::synthetic::{SyntheticTenant, WireResource};
use steward_model::{ResourceKind, Timestamp};

/// The per-environment lists the APIs page through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Power Apps admin apps (canvas and model-driven).
    Apps = 0,
    /// Flow admin cloud flows.
    Flows = 1,
    /// Dataverse `bots`.
    Bots = 2,
    /// Dataverse `workflows` with category 6 (desktop flows).
    Workflows = 3,
}

impl Listing {
    pub fn of(kind: ResourceKind) -> Listing {
        match kind {
            ResourceKind::CloudFlow => Listing::Flows,
            ResourceKind::DesktopFlow => Listing::Workflows,
            ResourceKind::Agent => Listing::Bots,
            _ => Listing::Apps,
        }
    }
}

/// A resource added by a mutation: a copy of a planned resource under a new id.
#[derive(Debug, Clone)]
pub(crate) struct Added {
    /// The planned resource it copies (kind, environment, connectors, owner).
    pub template: u64,
    pub generation: u64,
    pub id: String,
}

/// The kind, environment and times of a live resource, mutations applied.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub kind: ResourceKind,
    pub environment: usize,
    pub created: Timestamp,
    pub modified: Timestamp,
}

#[derive(Debug, Clone)]
pub(crate) struct Inventory {
    pub generation: u64,
    /// Resources in the plan.
    pub base: u64,
    pub added: Vec<Added>,
    pub deleted: HashSet<u64>,
    /// Resource number → generation of its latest change.
    pub changed: HashMap<u64, u64>,
    /// `lists[environment][listing]`: live resource numbers, ascending.
    pub lists: Vec<[Vec<u32>; 4]>,
    /// Mutation times start here, after everything the plan dates.
    pub epoch: Timestamp,
}

impl Inventory {
    pub fn new(tenant: &SyntheticTenant, epoch: Timestamp) -> Inventory {
        let lists = tenant
            .environments()
            .iter()
            .map(|env| {
                let mut lists: [Vec<u32>; 4] = Default::default();
                for g in env.first..env.first + env.count {
                    lists[Listing::of(tenant.resource_kind(g)) as usize].push(g as u32);
                }
                lists
            })
            .collect();
        Inventory {
            generation: 0,
            base: tenant.resource_count(),
            added: Vec::new(),
            deleted: HashSet::new(),
            changed: HashMap::new(),
            lists,
            epoch,
        }
    }

    /// Every resource number ever used, deleted ones included.
    pub fn total(&self) -> u64 {
        self.base + self.added.len() as u64
    }

    pub fn is_live(&self, g: u64) -> bool {
        g < self.total() && !self.deleted.contains(&g)
    }

    pub fn list(&self, environment: usize, listing: Listing) -> &[u32] {
        self.lists.get(environment).map_or(&[], |l| l[listing as usize].as_slice())
    }

    fn added(&self, g: u64) -> Option<&Added> {
        g.checked_sub(self.base).and_then(|i| self.added.get(i as usize))
    }

    /// The planned resource `g` is, or copies.
    pub fn template(&self, g: u64) -> u64 {
        self.added(g).map_or(g, |a| a.template)
    }

    pub fn id(&self, tenant: &SyntheticTenant, g: u64) -> String {
        match self.added(g) {
            Some(a) => a.id.clone(),
            None => tenant.resource_id(g),
        }
    }

    /// When a mutation of `generation` touched resource `g`: an hour per generation after the
    /// epoch, spread over the hour so that times differ between resources.
    pub fn mutation_time(&self, generation: u64, g: u64) -> Timestamp {
        self.epoch + Duration::hours(generation as i64) + Duration::seconds((g % 3_000) as i64)
    }

    pub fn name(&self, tenant: &SyntheticTenant, g: u64) -> String {
        let base = match self.added(g) {
            Some(a) => format!("{} (copy {})", tenant.resource_name(a.template), g - self.base + 1),
            None => tenant.resource_name(g),
        };
        match self.changed.get(&g) {
            Some(generation) => format!("{base} (rev {generation})"),
            None => base,
        }
    }

    pub fn row(&self, tenant: &SyntheticTenant, g: u64) -> Row {
        let s = tenant.resource_summary(self.template(g));
        let (created, mut modified) = match self.added(g) {
            Some(a) => {
                let t = self.mutation_time(a.generation, g);
                (t, t)
            }
            None => (s.created, s.modified),
        };
        if let Some(generation) = self.changed.get(&g) {
            modified = self.mutation_time(*generation, g);
        }
        Row { kind: s.kind, environment: s.environment, created, modified }
    }

    /// The wire form of resource `g`, mutations applied.
    pub fn render(&self, tenant: &SyntheticTenant, g: u64) -> WireResource {
        let template = self.template(g);
        let mut wire = tenant.resource(template);
        if self.added(g).is_none() && !self.changed.contains_key(&g) {
            return wire;
        }
        let row = self.row(tenant, g);
        let name = self.name(tenant, g);
        if let Some(a) = self.added(g) {
            rename_id(&mut wire, &tenant.resource_id(template), &a.id);
        }
        retouch(&mut wire, name, row.created, row.modified);
        wire
    }
}

/// Give a copied resource its own id everywhere the id appears.
fn rename_id(wire: &mut WireResource, old: &str, new: &str) {
    let swap = |s: &mut String| *s = s.replace(old, new);
    match wire {
        WireResource::App(a) => {
            swap(&mut a.name);
            a.id.iter_mut().chain(a.properties.app_open_uri.iter_mut()).for_each(swap);
        }
        WireResource::Flow(f) => {
            swap(&mut f.name);
            f.id.iter_mut().for_each(swap);
        }
        WireResource::DesktopFlow(w) => swap(&mut w.workflowid),
        WireResource::Agent(b) => swap(&mut b.botid),
    }
}

fn retouch(wire: &mut WireResource, name: String, created: Timestamp, modified: Timestamp) {
    match wire {
        WireResource::App(a) => {
            let p = &mut a.properties;
            p.display_name = name;
            p.created_time = Some(created);
            p.last_modified_time = Some(modified);
            if p.last_publish_time.is_some() {
                p.last_publish_time = Some(modified);
            }
            if p.app_version.is_some() {
                p.app_version = Some(modified.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            }
        }
        WireResource::Flow(f) => {
            f.properties.display_name = name;
            f.properties.created_time = Some(created);
            f.properties.last_modified_time = Some(modified);
        }
        WireResource::DesktopFlow(w) => {
            w.name = name;
            w.createdon = Some(created);
            w.modifiedon = Some(modified);
        }
        WireResource::Agent(b) => {
            b.name = name;
            b.createdon = Some(created);
            b.modifiedon = Some(modified);
            if b.publishedon.is_some() {
                b.publishedon = Some(modified);
            }
        }
    }
}
